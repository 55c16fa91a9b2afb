"""Salted, one-way identities: the only way a user or installation appears in an event."""

import hashlib
from functools import lru_cache


@lru_cache(maxsize=4096)
def user_fingerprint(salt: str, user_pk) -> str:
    return hashlib.sha256(f"{salt}:user:{user_pk}".encode()).hexdigest()


@lru_cache(maxsize=16)
def installation_fingerprint(salt: str) -> str:
    return hashlib.sha256(f"{salt}:installation".encode()).hexdigest()
