"""Which providers exist: one ``ProviderConfig`` per endpoint, from the SDKs' usual variables and a file.

A vendor is data, not code: any OpenAI-compatible server is a ``ProviderConfig`` with protocol ``openai``
and its own base URL. The environment gives the well-known ones (``VENDORS``: ``OPENAI_API_KEY``…);
``LLM_ROUTER_PROVIDERS_FILE`` (YAML or TOML) adds any number of others.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from llm_router.core.errors import StartupError
from llm_router.core.settings import Settings, with_file_variables
from llm_router.providers.vendors import VENDORS, ProtocolName

KeySource = Literal["env", "file", "vault"]

_FILE_SETTING = "invalid setting LLM_ROUTER_PROVIDERS_FILE"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds to wait on an upstream: to open the connection, and between two reads of its answer. The
    read limit is per gap, not per call, so a long answer that keeps flowing is never cut, while a server
    that went silent is given up on; the connect limit is short because a dead host should fail fast."""

    connect: float = 10.0
    read: float = 600.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Timeouts:
        return cls(settings.upstream_connect_timeout, settings.upstream_read_timeout)

    def for_provider(self, config: ProviderConfig) -> Timeouts:
        """This default with what ``config`` sets itself (the providers file's per-provider fields)."""
        return Timeouts(config.connect_timeout or self.connect, config.read_timeout or self.read)


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """One endpoint speaking one wire protocol. The key never shows in ``repr`` (only ``…last4``)."""

    name: str
    protocol: ProtocolName
    base_url: str
    api_key: str | None = field(default=None, repr=False)
    models: tuple[str, ...] | None = None  # a fixed list instead of asking the server's /models
    is_local: bool = False
    key_source: KeySource = "env"
    key_hint_source: str | None = None  # the variable that holds the key, for error messages
    connect_timeout: float | None = None  # seconds; None: the instance default (settings)
    read_timeout: float | None = None

    @property
    def key_hint(self) -> str | None:
        """``…abcd``: enough to tell keys apart, never enough to use one."""
        if not self.api_key:
            return None
        return f"…{self.api_key[-4:]}" if len(self.api_key) >= 12 else "…"

    def __repr__(self) -> str:
        return (
            f"ProviderConfig(name={self.name!r}, protocol={self.protocol!r}, base_url={self.base_url!r}, "
            f"api_key={self.key_hint!r}, models={self.models!r}, is_local={self.is_local!r}, "
            f"key_source={self.key_source!r})"
        )

    def how_to_set_key(self) -> str:
        """The fix for a missing or rejected key, in words the owner can act on."""
        where = self.key_hint_source or f"{self.name.upper().replace('-', '_').replace('.', '_')}_API_KEY"
        if self.key_source == "vault":
            return f"update the key of {self.name!r} under Settings → Keys"
        return f"set {where} or add a key under Settings → Keys"


class ProviderFileEntry(BaseModel):
    """One entry of the providers file; unknown fields are an error so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_PATTERN.pattern)
    base_url: str = Field(pattern=r"^https?://")
    protocol: ProtocolName = "openai"
    api_key: str | None = None
    api_key_env: str | None = None
    models: list[str] | None = None
    is_local: bool = False
    connect_timeout: float | None = Field(default=None, gt=0, le=600)
    read_timeout: float | None = Field(default=None, gt=0, le=86400)

    @model_validator(mode="after")
    def _one_key_source(self) -> ProviderFileEntry:
        if self.api_key and self.api_key_env:
            raise ValueError("give either api_key or api_key_env, not both")
        return self


class ProviderFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    providers: list[ProviderFileEntry] = Field(default_factory=list)


def load_provider_configs(
    settings: Settings, environ: Mapping[str, str] | None = None
) -> list[ProviderConfig]:
    """Every configured provider: the environment's first, then the file's (a file entry replaces an
    environment one of the same name, so the file can pin e.g. ``openai``'s model list)."""
    secrets = (vendor.key_env for vendor in VENDORS if vendor.key_env)
    env = with_file_variables(os.environ if environ is None else environ, secrets)
    configs = {c.name: c for c in configs_from_environment(env)}
    if settings.providers_file is not None:
        for config in configs_from_file(settings.providers_file, env):
            configs[config.name] = config
    return list(configs.values())


def configs_from_environment(env: Mapping[str, str]) -> list[ProviderConfig]:
    """The ``VENDORS`` the environment configures: those with a key set (their base URL variable, when
    set, replaces the default), and the keyless ones (local servers) with their base URL set."""
    configs: list[ProviderConfig] = []
    for vendor in VENDORS:
        key = env.get(vendor.key_env, "").strip() if vendor.key_env else ""
        base = vendor.base_url(env.get(vendor.url_env, "").strip() if vendor.url_env else "")
        if (vendor.key_env and not key) or not base:
            continue
        configs.append(
            ProviderConfig(
                vendor.name,
                vendor.protocol,
                base,
                key or None,
                is_local=vendor.is_local,
                key_hint_source=vendor.key_env,
            )
        )
    return configs


def configs_from_file(path: Path, env: Mapping[str, str]) -> list[ProviderConfig]:
    """Read and check the providers file; any problem stops start-up with one line naming the file."""
    try:
        parsed = ProviderFile.model_validate(_read_structured(path))
    except ValidationError as exc:
        raise StartupError(describe_file_error(path, exc)) from None
    names = [entry.name for entry in parsed.providers]
    if duplicates := sorted({n for n in names if names.count(n) > 1}):
        raise StartupError(f"{_FILE_SETTING}: {path}: duplicate provider name(s) {', '.join(duplicates)}")
    return [_config_from_entry(entry, path, env) for entry in parsed.providers]


def _read_structured(path: Path) -> Any:
    # the parsers load only when there is a file to read (PyYAML is 1 MB of RSS at every start)
    import tomllib

    import yaml

    prefix = f"{_FILE_SETTING}: {path}"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StartupError(f"{prefix}: cannot read it ({exc.strerror})") from None
    try:
        if path.suffix.lower() == ".toml":
            return tomllib.loads(text)
        data = yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        kind = "TOML" if path.suffix.lower() == ".toml" else "YAML"
        raise StartupError(f"{prefix}: not valid {kind}: {_where(exc)}") from None
    if isinstance(data, list):  # a bare list of entries is accepted too
        return {"providers": data}
    return data or {}


def _where(exc: Exception) -> str:
    """What and where, without quoting the file (a quoted line could hold a key)."""
    import yaml

    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"{exc.problem} at line {mark.line + 1}, column {mark.column + 1}"
    return " ".join(str(exc).split())


def _config_from_entry(entry: ProviderFileEntry, path: Path, env: Mapping[str, str]) -> ProviderConfig:
    key = entry.api_key
    if entry.api_key_env:
        key = env.get(entry.api_key_env, "").strip() or None
    return ProviderConfig(
        name=entry.name,
        protocol=entry.protocol,
        base_url=entry.base_url.rstrip("/"),
        api_key=key,
        models=tuple(entry.models) if entry.models is not None else None,
        is_local=entry.is_local,
        key_source="env" if entry.api_key_env else "file",
        key_hint_source=entry.api_key_env or f"api_key of {entry.name!r} in {path}",
        connect_timeout=entry.connect_timeout,
        read_timeout=entry.read_timeout,
    )


def describe_file_error(path: Path, error: ValidationError) -> str:
    """One line naming the file, the entry and what is wrong (never the value: it may be a key)."""
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{_FILE_SETTING}: {path}: {where}: {first['msg']}"
