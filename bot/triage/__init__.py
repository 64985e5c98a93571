"""Triage: filter, dedupe, score and bound what the room sends."""
