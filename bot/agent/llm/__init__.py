"""The LLM responder: an OpenAI-compatible model through langchain, behind the Responder interface.

Importing this package does not import langchain or openai; `make_llm_responder` does, lazily.
"""
