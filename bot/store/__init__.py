"""Store: every event, decision, reply and timing, in SQL (SQLite or PostgreSQL)."""
