"""Agent: turns a decision into words (offline catalog responder, LLM agent) and guards them."""
