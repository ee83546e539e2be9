"""Accounts: users (``users``), passwords (``passwords``, argon2), sign-in and the login throttle
(``auth``), sessions (``sessions``), API tokens (``tokens``) and request rate limits (``limits``, in
memory or Redis). A new account rule belongs in ``auth`` (sign-in) or ``limits`` (request volume)."""
