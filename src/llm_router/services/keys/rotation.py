"""Master-key rotation: every stored provider key re-encrypted under a new master key, in one transaction.

Order matters so that no crash can lose the keys: the new key is written to ``secret.key.new`` first,
then the database is re-encrypted (one transaction), then the file replaces ``secret.key``. After a
crash between the last two steps, ``secret.key.new`` holds the key that decrypts the database.
"""

from __future__ import annotations

import os

from sqlalchemy import select

from llm_router.core.settings import Settings
from llm_router.db.engine import Database
from llm_router.db.models import ProviderKey
from llm_router.services.keys.master_key import (
    Cipher,
    decode_key,
    generate_key_text,
    key_file,
    secret_context,
)
from llm_router.services.keys.vault import open_cipher


async def rotate_master_key(settings: Settings, db: Database) -> str:
    """Re-encrypt the vault; returns what the operator must know (where the new key is)."""
    old = await open_cipher(settings, db)  # refuses a wrong key before anything changes
    new_text = generate_key_text()
    new = Cipher(decode_key(new_text, "new key"))
    from_env = settings.secret_key is not None
    pending = key_file(settings).with_name("secret.key.new")
    if not from_env:
        _write_private(pending, new_text)
    async with db.write() as session:
        rows = list(await session.scalars(select(ProviderKey).where(ProviderKey.encrypted_key.is_not(None))))
        for row in rows:
            context = secret_context(row.id, row.base_url)
            row.encrypted_key = new.encrypt(old.decrypt(row.encrypted_key or b"", context), context)
    if from_env:
        return (
            f"re-encrypted {len(rows)} stored key(s). Set LLM_ROUTER_SECRET_KEY={new_text} "
            "before the next start (the old key no longer decrypts them)."
        )
    os.replace(pending, key_file(settings))
    return f"re-encrypted {len(rows)} stored key(s); the new master key is in {key_file(settings)}"


def _write_private(path: os.PathLike[str], text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")
        handle.flush()
        os.fsync(handle.fileno())
