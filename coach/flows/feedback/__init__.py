"""Upward-feedback scoring against the Situation-Behaviour-Impact rubric, with evidence and tips."""
