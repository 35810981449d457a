"""Coaching flows: agendas, feedback scoring and rehearsal, stereotype reflection, questions, routing."""
