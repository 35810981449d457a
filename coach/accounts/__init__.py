"""Accounts, sign-in and access: who may read and change what, and a trail of who did.

- ``passwords``: Argon2id hashing and the password policy.
- ``directory``: accounts (first administrator, listing, disabling, roles, resets).
- ``signin``: local sign-in with back-off, and the signed-in session tokens.
- ``invitations``: one-time, expiring links for an email and a role.
- ``identity``: company sign-in (OpenID Connect) mapped to an account by email.
- ``sharing``: a rehearsal's scorecard shared with one account, and revoked.
- ``reflection_sharing``: one saved reflection shared with one account, and revoked.
- ``erasure``: deleting an account and its private data (right to erasure).
- ``legacy``: rows saved under a display name before accounts, handed to an account.
- ``audit``: the audit trail and refusals; ``throttle`` and ``tokens`` are helpers.
"""
