"""Settings → Keys: provider keys and custom endpoints (never returns a key, only ``…last4``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from llm_router.api.deps import CurrentUser, get_user_providers
from llm_router.db.models import ProviderKey, User
from llm_router.providers.config import ProviderConfig
from llm_router.services.keys import vault as vault_service
from llm_router.services.keys.key_check import check_key
from llm_router.services.keys.ssrf import AddressPolicy
from llm_router.services.keys.vault import KeyInput, Vault

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


def get_vault(request: Request) -> Vault:
    vault: Vault = request.app.state.vault
    return vault


VaultDep = Annotated[Vault, Depends(get_vault)]


def _static_configs(request: Request) -> list[ProviderConfig]:
    configs: list[ProviderConfig] = getattr(request.app.state, "static_provider_configs", [])
    return configs


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
        id=f"env-{config.name}",
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


async def _publish(request: Request, vault: Vault, user: User) -> None:
    """Instance keys go to the shared registry; the user's own view is rebuilt on its next use."""
    await vault_service.publish(getattr(request.app.state, "registry", None), vault)
    get_user_providers(request).invalidate(user.id)


@router.get("", summary="Provider keys visible to the user (environment ones read-only)")
async def list_keys(request: Request, user: CurrentUser, vault: VaultDep) -> KeyList:
    env = [_env_view(c) for c in _static_configs(request)]
    return KeyList(items=env + [_vault_view(row, user) for row in await vault.visible(user)])


@router.post("", status_code=201, summary="Add a provider key or custom endpoint")
async def create_key(body: KeyCreate, request: Request, user: CurrentUser, vault: VaultDep) -> KeyPublic:
    reserved = {c.name for c in _static_configs(request)}
    row = await vault.create(user, KeyInput(**body.model_dump()), reserved)
    await _publish(request, vault, user)
    return _vault_view(row, user)


@router.patch("/{key_id}", summary="Change a key (a new base URL needs the key again)")
async def update_key(
    key_id: str, body: KeyUpdate, request: Request, user: CurrentUser, vault: VaultDep
) -> KeyPublic:
    reserved = {c.name for c in _static_configs(request)}
    row = await vault.update(user, key_id, KeyInput(**body.model_dump(exclude_unset=True)), reserved)
    await _publish(request, vault, user)
    return _vault_view(row, user)


@router.delete("/{key_id}", status_code=204, summary="Delete a key")
async def delete_key(key_id: str, request: Request, user: CurrentUser, vault: VaultDep) -> Response:
    await vault.delete(user, key_id)
    await _publish(request, vault, user)
    return Response(status_code=204)


@router.post("/{key_id}/test", summary="Try the key: list the provider's models with it")
async def test_key(key_id: str, request: Request, user: CurrentUser, vault: VaultDep) -> KeyTestResult:
    env = {f"env-{c.name}": c for c in _static_configs(request)}
    if key_id in env:
        config = env[key_id]
        # Environment providers are the operator's own choice of address: not limited to public hosts.
        policy = AddressPolicy.from_entries(["0.0.0.0/0", "::/0"])
    else:
        config = vault.to_config(await vault.get(user, key_id))
        policy = vault.policy
    result = await check_key(config, policy)
    return KeyTestResult(ok=result.ok, message=result.message)
