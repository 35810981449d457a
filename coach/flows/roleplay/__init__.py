"""Rehearsal: the senior-mentee persona, its reply policy and voice, and the debrief."""
