"""Question preparation for senior mentees: open questions fitted to topic and role."""
