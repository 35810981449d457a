"""Generational stereotype checks and guided reflection."""
