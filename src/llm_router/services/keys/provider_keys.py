"""Changing provider keys, end to end: the vault row, the instance registry and the users' views.

Routes call this one service; it knows that an instance key feeds the shared registry, that a user's
key only rebuilds that user's view, and which names the environment and providers file already hold.
"""

from __future__ import annotations

from dataclasses import dataclass

from llm_router.db.models import ProviderKey, User
from llm_router.providers.config import ProviderConfig
from llm_router.providers.registry import ProviderRegistry
from llm_router.services.keys.key_check import KeyCheck, check_key
from llm_router.services.keys.ssrf import AddressPolicy
from llm_router.services.keys.user_providers import UserProviders
from llm_router.services.keys.vault import KeyInput, Vault

ENV_ID_PREFIX = "env-"
# Environment providers are the operator's own choice of address: not limited to public hosts.
OPERATOR_POLICY = AddressPolicy.from_entries(["0.0.0.0/0", "::/0"])


@dataclass(frozen=True, slots=True)
class ProviderKeys:
    vault: Vault
    registry: ProviderRegistry  # the instance's providers: vault instance entries are published here
    user_providers: UserProviders
    static_configs: tuple[ProviderConfig, ...]  # from the environment and the providers file (read-only)

    @property
    def reserved_names(self) -> set[str]:
        return {c.name for c in self.static_configs}

    async def publish_instance(self) -> None:
        """Hand the vault's instance entries to the registry (at start-up and after each change)."""
        self.registry.replace_dynamic(await self.vault.instance_configs())

    async def _changed(self, user: User) -> None:
        await self.publish_instance()
        self.user_providers.invalidate(user.id)  # the user's own view is rebuilt on its next use

    async def visible(self, user: User) -> list[ProviderKey]:
        return await self.vault.visible(user)

    async def create(self, user: User, data: KeyInput) -> ProviderKey:
        row = await self.vault.create(user, data, self.reserved_names)
        await self._changed(user)
        return row

    async def update(self, user: User, key_id: str, data: KeyInput) -> ProviderKey:
        row = await self.vault.update(user, key_id, data, self.reserved_names)
        await self._changed(user)
        return row

    async def delete(self, user: User, key_id: str) -> None:
        await self.vault.delete(user, key_id)
        await self._changed(user)

    async def check(self, user: User, key_id: str) -> KeyCheck:
        """Try a key by listing the provider's models with it (an environment one by ``env-<name>``)."""
        env = {f"{ENV_ID_PREFIX}{c.name}": c for c in self.static_configs}
        if key_id in env:
            return await check_key(env[key_id], OPERATOR_POLICY)
        return await check_key(self.vault.to_config(await self.vault.get(user, key_id)), self.vault.policy)
