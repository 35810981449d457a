"""Metrics and the eval runner behind ``coach eval``."""
