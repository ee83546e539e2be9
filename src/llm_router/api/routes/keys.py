"""Settings → Keys: provider keys and custom endpoints (never returns a key, only ``…last4``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from llm_router.api.deps import CurrentUser, KeysDep
from llm_router.db.models import ProviderKey, User
from llm_router.providers.config import ProviderConfig
from llm_router.services.keys.provider_keys import ENV_ID_PREFIX
from llm_router.services.keys.vault import KeyInput

router = APIRouter(prefix="/api/keys", tags=["keys"])


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64)
    protocol: Literal["openai", "anthropic"]
    base_url: str | None = Field(default=None, max_length=500)
    api_key: str | None = Field(default=None, max_length=4096)
    scope: Literal["instance", "user"] | None = None
    is_local: bool = False
    models: list[Annotated[str, Field(min_length=1, max_length=200)]] | None = Field(
        default=None, max_length=500
    )


class KeyUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=64)
    protocol: Literal["openai", "anthropic"] | None = None
    base_url: str | None = Field(default=None, max_length=500)
    api_key: str | None = Field(default=None, max_length=4096)
    is_local: bool | None = None
    models: list[Annotated[str, Field(min_length=1, max_length=200)]] | None = Field(
        default=None, max_length=500
    )


class KeyPublic(BaseModel):
    id: str
    name: str
    protocol: Literal["openai", "anthropic"]
    base_url: str | None
    key_hint: str | None
    scope: Literal["instance", "user"]
    source: Literal["vault", "env"]
    read_only: bool
    is_local: bool
    models: list[str]


class KeyList(BaseModel):
    items: list[KeyPublic]


class KeyTestResult(BaseModel):
    ok: bool
    message: str


def _vault_view(row: ProviderKey, user: User) -> KeyPublic:
    editable = row.scope == "user" or user.role == "admin"
    return KeyPublic(
        id=row.id,
        name=row.name,
        protocol="anthropic" if row.protocol == "anthropic" else "openai",
        base_url=row.base_url,
        key_hint=f"…{row.key_last4}" if row.key_last4 else ("…" if row.encrypted_key else None),
        scope="instance" if row.scope == "instance" else "user",
        source="vault",
        read_only=not editable,
        is_local=row.is_local,
        models=[str(m) for m in row.models],
    )


def _env_view(config: ProviderConfig) -> KeyPublic:
    return KeyPublic(
        id=f"{ENV_ID_PREFIX}{config.name}",
        name=config.name,
        protocol=config.protocol,
        base_url=config.base_url,
        key_hint=config.key_hint,
        scope="instance",
        source="env",
        read_only=True,
        is_local=config.is_local,
        models=list(config.models or ()),
    )


@router.get("", summary="Provider keys visible to the user (environment ones read-only)")
async def list_keys(user: CurrentUser, keys: KeysDep) -> KeyList:
    env = [_env_view(c) for c in keys.static_configs]
    return KeyList(items=env + [_vault_view(row, user) for row in await keys.visible(user)])


@router.post("", status_code=201, summary="Add a provider key or custom endpoint")
async def create_key(body: KeyCreate, user: CurrentUser, keys: KeysDep) -> KeyPublic:
    row = await keys.create(user, KeyInput(**body.model_dump()))
    return _vault_view(row, user)


@router.patch("/{key_id}", summary="Change a key (a new base URL needs the key again)")
async def update_key(key_id: str, body: KeyUpdate, user: CurrentUser, keys: KeysDep) -> KeyPublic:
    row = await keys.update(user, key_id, KeyInput(**body.model_dump(exclude_unset=True)))
    return _vault_view(row, user)


@router.delete("/{key_id}", status_code=204, summary="Delete a key")
async def delete_key(key_id: str, user: CurrentUser, keys: KeysDep) -> Response:
    await keys.delete(user, key_id)
    return Response(status_code=204)


@router.post("/{key_id}/test", summary="Try the key: list the provider's models with it")
async def test_key(key_id: str, user: CurrentUser, keys: KeysDep) -> KeyTestResult:
    result = await keys.check(user, key_id)
    return KeyTestResult(ok=result.ok, message=result.message)
