"""The key vault: provider keys and custom endpoints, encrypted at rest, scoped to their owner.

Admins keep instance-wide entries (they feed the provider registry); every user may keep their own.
A key is only ever sent to the base URL it was saved with: changing the URL needs the key again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal, cast

from sqlalchemy import delete, or_, select

from llm_router.core.errors import AppError, Conflict, Forbidden, NotFound, StartupError
from llm_router.core.ids import new_id
from llm_router.core.settings import Settings
from llm_router.db.engine import Database
from llm_router.db.models import ProviderKey, User
from llm_router.providers.config import NAME_PATTERN, ProviderConfig
from llm_router.providers.protocols import PROTOCOLS
from llm_router.providers.vendors import VENDORS, ProtocolName
from llm_router.services.keys.master_key import (
    Cipher,
    VaultKeyError,
    create_key_file,
    key_file,
    load_master_key,
    secret_context,
)
from llm_router.services.keys.ssrf import AddressPolicy, check_base_url, parse_base_url

log = logging.getLogger(__name__)
Scope = Literal["instance", "user"]
# an entry without a base URL goes to the vendor that owns its protocol (the vendor named like it)
DEFAULT_URLS = {v.protocol: v.default_url for v in VENDORS if v.name == v.protocol and v.default_url}
USER_KEYS_OFF = (
    "keys of your own are turned off on this server (LLM_ROUTER_USER_KEYS=false): ask an admin to add "
    "an instance-wide key instead"
)


@dataclass(frozen=True)
class KeyInput:
    """What a client may set; None means "leave as it is" on update."""

    name: str | None = None
    protocol: ProtocolName | None = None
    base_url: str | None = None
    api_key: str | None = None
    scope: Scope | None = None
    is_local: bool | None = None
    models: list[str] | None = None


async def open_cipher(settings: Settings, db: Database) -> Cipher:
    """The vault cipher, checked against what is stored: a wrong or missing master key stops start-up."""
    rows = await _all_secrets(db)
    key = load_master_key(settings)
    if key is None:
        if rows:
            raise StartupError(
                "the key vault holds encrypted provider keys but there is no master key: set "
                f"LLM_ROUTER_SECRET_KEY or restore {key_file(settings)}"
            )
        key = create_key_file(settings)
    cipher = Cipher(key)
    for row in rows:
        try:
            cipher.decrypt(row.encrypted_key or b"", secret_context(row.id, row.base_url))
        except VaultKeyError:
            raise StartupError(
                "the master key (LLM_ROUTER_SECRET_KEY or secret.key) does not decrypt the stored provider "
                "keys: it is the wrong key; restore the right one"
            ) from None
    return cipher


async def _all_secrets(db: Database) -> list[ProviderKey]:
    async with db.read() as session:
        rows = await session.scalars(select(ProviderKey).where(ProviderKey.encrypted_key.is_not(None)))
        return list(rows)


class Vault:
    def __init__(
        self, db: Database, cipher: Cipher, policy: AddressPolicy, *, user_keys: bool = True
    ) -> None:
        self.db = db
        self.cipher = cipher
        self.policy = policy
        self.user_keys = user_keys  # LLM_ROUTER_USER_KEYS: may users keep (and use) keys of their own

    async def visible(self, user: User) -> list[ProviderKey]:
        """Instance entries and the user's own; never another user's."""
        async with self.db.read() as session:
            rows = await session.scalars(
                select(ProviderKey)
                .where(
                    or_(
                        ProviderKey.scope == "instance",
                        (ProviderKey.scope == "user") & (ProviderKey.owner_id == user.id),
                    )
                )
                .order_by(ProviderKey.scope, ProviderKey.name)
            )
            return list(rows)

    async def get(self, user: User, key_id: str) -> ProviderKey:
        row = next((r for r in await self.visible(user) if r.id == key_id), None)
        if row is None:
            raise NotFound("no such key")
        return row

    async def get_editable(self, user: User, key_id: str) -> ProviderKey:
        row = await self.get(user, key_id)
        if row.scope == "instance" and user.role != "admin":
            raise Forbidden("only an admin can change instance-wide keys")
        return row

    async def create(self, user: User, data: KeyInput, reserved_names: set[str]) -> ProviderKey:
        scope: Scope = data.scope or ("instance" if user.role == "admin" else "user")
        if scope == "instance" and user.role != "admin":
            raise Forbidden("only an admin can add instance-wide keys")
        if scope == "user" and not self.user_keys:
            raise Forbidden(USER_KEYS_OFF)
        if data.name is None or data.protocol is None:
            raise AppError("name and protocol are required", status_code=422, code="invalid_request")
        name = _check_name(data.name)
        await self._check_unique(user, scope, name, reserved_names, None)
        base_url = await _checked_url(data.base_url or DEFAULT_URLS[data.protocol], self.policy)
        row = ProviderKey(
            id=new_id(),
            owner_id=user.id,
            scope=scope,
            name=name,
            protocol=data.protocol,
            base_url=base_url,
            models=_clean_models(data.models),
            is_local=bool(data.is_local),
        )
        self._seal(row, data.api_key)
        async with self.db.write() as session:
            session.add(row)
        return row

    async def update(self, user: User, key_id: str, data: KeyInput, reserved_names: set[str]) -> ProviderKey:
        row = await self.get_editable(user, key_id)
        if row.scope == "user" and not self.user_keys:
            raise Forbidden(USER_KEYS_OFF)
        if data.scope is not None and data.scope != row.scope:
            raise AppError(
                "the scope of a key cannot change: add a new key", status_code=422, code="invalid_request"
            )
        changes: dict[str, Any] = {}
        if data.name is not None and data.name != row.name:
            changes["name"] = _check_name(data.name)
            await self._check_unique(user, row.scope, changes["name"], reserved_names, row.id)
        if data.protocol is not None:
            changes["protocol"] = data.protocol
        if data.models is not None:
            changes["models"] = _clean_models(data.models)
        if data.is_local is not None:
            changes["is_local"] = data.is_local
        api_key = self.reveal(row) if data.api_key is None else data.api_key
        if data.base_url is not None:
            new_url = await _checked_url(data.base_url, self.policy)
            if new_url != row.base_url and data.api_key is None and row.encrypted_key is not None:
                raise AppError(
                    "enter the API key again to change the base URL: a saved key is only sent to the host "
                    "it was saved for",
                    status_code=422,
                    code="key_required",
                )
            changes["base_url"] = new_url
        async with self.db.write() as session:
            fresh = await session.get(ProviderKey, row.id)
            if fresh is None:
                raise NotFound("no such key")
            for field, value in changes.items():
                setattr(fresh, field, value)
            self._seal(fresh, api_key)
        return fresh

    async def delete(self, user: User, key_id: str) -> None:
        row = await self.get_editable(user, key_id)
        async with self.db.write() as session:
            await session.execute(delete(ProviderKey).where(ProviderKey.id == row.id))

    def reveal(self, row: ProviderKey) -> str | None:
        """The plain key, for sending to the row's own base URL only."""
        if row.encrypted_key is None:
            return None
        return self.cipher.decrypt(row.encrypted_key, secret_context(row.id, row.base_url))

    def _seal(self, row: ProviderKey, api_key: str | None) -> None:
        api_key = _check_api_key((api_key or "").strip()) or None
        if api_key is None:
            row.encrypted_key, row.key_last4 = None, None
            return
        row.encrypted_key = self.cipher.encrypt(api_key, secret_context(row.id, row.base_url))
        row.key_last4 = api_key[-4:] if len(api_key) >= 12 else None

    async def _check_unique(
        self, user: User, scope: str, name: str, reserved: set[str], own_id: str | None
    ) -> None:
        """Instance names are unique among the instance's providers; a user's own entry may share a
        name with an instance provider (it replaces that provider for its owner only)."""
        if scope == "instance" and name in reserved:
            raise Conflict(f"a provider named {name!r} is configured already (environment or file)")
        same_scope = (
            ProviderKey.scope == "instance"
            if scope == "instance"
            else (ProviderKey.scope == "user") & (ProviderKey.owner_id == user.id)
        )
        async with self.db.read() as session:
            clash = await session.scalar(
                select(ProviderKey.id).where(
                    ProviderKey.name == name, ProviderKey.id != (own_id or ""), same_scope
                )
            )
        if clash is not None:
            raise Conflict(f"a key named {name!r} exists already")

    async def instance_configs(self) -> list[ProviderConfig]:
        """Instance-wide entries as provider configs for the shared registry (user keys stay private)."""
        async with self.db.read() as session:
            rows = list(await session.scalars(select(ProviderKey).where(ProviderKey.scope == "instance")))
        return [self.to_config(row) for row in rows]

    async def user_fingerprint(self, user_id: str) -> tuple[tuple[str, str], ...]:
        """What identifies the current state of a user's own entries, without decrypting anything."""
        async with self.db.read() as session:
            rows = await session.execute(
                select(ProviderKey.id, ProviderKey.updated_at)
                .where(ProviderKey.scope == "user", ProviderKey.owner_id == user_id)
                .order_by(ProviderKey.id)
            )
            return tuple((row_id, str(updated)) for row_id, updated in rows.all())

    async def user_configs(self, user_id: str) -> list[ProviderConfig]:
        """A user's own entries as provider configs, for that user's view of the providers only."""
        async with self.db.read() as session:
            rows = list(
                await session.scalars(
                    select(ProviderKey).where(ProviderKey.scope == "user", ProviderKey.owner_id == user_id)
                )
            )
        return [self.to_config(row) for row in rows]

    def to_config(self, row: ProviderKey) -> ProviderConfig:
        protocol: ProtocolName = cast(ProtocolName, row.protocol) if row.protocol in PROTOCOLS else "openai"
        return ProviderConfig(
            name=row.name,
            protocol=protocol,
            base_url=row.base_url or DEFAULT_URLS[protocol],
            api_key=self.reveal(row),
            models=tuple(str(m) for m in row.models) if row.models else None,
            is_local=row.is_local,
            key_source="vault",
        )


def _check_name(name: str) -> str:
    name = name.strip().lower()
    if not NAME_PATTERN.match(name):
        raise AppError(
            "a key name is 1–64 lowercase letters, digits, '.', '_' or '-'",
            status_code=422,
            code="invalid_name",
        )
    return name


def _check_api_key(api_key: str) -> str:
    # the key travels in an HTTP header: anything else could never be sent
    if any(not "!" <= c <= "~" for c in api_key):
        raise AppError(
            "an API key is printable ASCII without spaces: check that it was copied whole",
            status_code=422,
            code="invalid_key",
        )
    return api_key


async def _checked_url(url: str, policy: AddressPolicy) -> str:
    _, host, _ = parse_base_url(url)
    try:
        host.encode("idna")  # what name resolution does first; a name it cannot encode is no host
    except UnicodeError:
        raise AppError(
            "the base URL's host name is not a valid name", status_code=422, code="invalid_url"
        ) from None
    return await check_base_url(url, policy)


def _clean_models(models: list[str] | None) -> list[Any]:
    return [m.strip() for m in (models or []) if m.strip()][:500]
