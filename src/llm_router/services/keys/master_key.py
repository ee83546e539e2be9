"""The vault's master key: from ``LLM_ROUTER_SECRET_KEY`` or a generated ``<data_dir>/secret.key``.

Provider keys are encrypted with AES-256-GCM under this key; the stored blob is bound to the row id
and base URL (associated data), so a key copied to another row or pointed at another host by editing
the database no longer decrypts.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from llm_router.core.errors import StartupError
from llm_router.core.settings import MASTER_KEY_FILE_NAME, Settings

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_FILE_NAME = MASTER_KEY_FILE_NAME
_VERSION = b"\x01"
_NONCE_BYTES = 12


class VaultKeyError(Exception):
    """A stored secret does not decrypt under the master key in use."""


def generate_key_text() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def decode_key(text: str, source: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise StartupError(
            f"invalid setting {source}: the master key must be urlsafe base64 of 32 bytes "
            "(make one with `llm-router secret generate`)"
        )
    return key


def key_file(settings: Settings) -> Path:
    return settings.master_key_file


def load_master_key(settings: Settings) -> bytes | None:
    """The configured master key, or None when neither the setting nor the key file exists."""
    if settings.secret_key is not None:
        return decode_key(settings.secret_key.get_secret_value(), "LLM_ROUTER_SECRET_KEY")
    path = key_file(settings)
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StartupError(f"cannot read the master key file {path}: {exc.strerror}") from None
    return decode_key(text, f"key file {path}")


def create_key_file(settings: Settings) -> bytes:
    """Write a new random key file readable by this user only (0600); an existing one is kept."""
    path = key_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = generate_key_text()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made one first: use theirs
        return decode_key(path.read_text(), f"key file {path}")
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")
    return decode_key(text, f"key file {path}")


class Cipher:
    """AES-256-GCM under the master key. ``cryptography`` (8 MB of RSS once loaded) is imported with the
    first secret encrypted or decrypted: an instance whose vault is empty never needs it."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._cached: AESGCM | None = None

    @property
    def _aead(self) -> AESGCM:
        if self._cached is None:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            self._cached = AESGCM(self._key)
        return self._cached

    def encrypt(self, plaintext: str, context: str) -> bytes:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext.encode(), context.encode())

    def decrypt(self, blob: bytes, context: str) -> str:
        if not blob.startswith(_VERSION) or len(blob) < 1 + _NONCE_BYTES + 16:
            raise VaultKeyError("unknown secret format")
        nonce, sealed = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        from cryptography.exceptions import InvalidTag

        try:
            return self._aead.decrypt(nonce, sealed, context.encode()).decode()
        except InvalidTag:
            raise VaultKeyError("the master key does not decrypt this secret") from None


def secret_context(key_id: str, base_url: str | None) -> str:
    """Associated data: the secret belongs to this row and this base URL only."""
    return f"llm-router/provider-key/v1|{key_id}|{base_url or ''}"
