"""All configuration in one place: environment variables prefixed ``LLM_ROUTER_`` or a ``.env`` file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from llm_router.core.logging import redact

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
AuthMode = Literal["password", "none", "trusted-header"]


class Settings(BaseSettings):
    """Every setting of the server. The README's configuration table lists each one (a test checks)."""

    model_config = SettingsConfigDict(
        env_prefix="LLM_ROUTER_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    data_dir: Path = Field(
        default=Path("./data"),
        description="Folder for the SQLite database, the generated master key and other local state.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of the database. Default: a SQLite file `llm-router.db` in the data dir. "
            "PostgreSQL: `postgresql+asyncpg://user@host/db`."
        ),
    )
    redis_url: str | None = Field(
        default=None,
        description="Optional Redis URL; when set, live generation events are shared between processes.",
    )
    host: str = Field(default="127.0.0.1", description="Address the server listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="TCP port the server listens on.")
    log_level: LogLevel = Field(default="INFO", description="Log level: DEBUG, INFO, WARNING or ERROR.")
    auth: AuthMode = Field(
        default="password",
        description=(
            "`password` (accounts with login), `none` (single user, no login: only on an isolated network) "
            "or `trusted-header` (user from a reverse proxy header)."
        ),
    )
    max_body_bytes: int = Field(
        default=20 * 1024 * 1024,
        ge=1024,
        description="Largest request body accepted; larger bodies get 413.",
    )
    max_import_bytes: int = Field(
        default=512 * 1024 * 1024,
        ge=1024,
        description=(
            "Largest file `POST /api/import` accepts (a ChatGPT or Claude.ai export); it is read as a stream."
        ),
    )
    providers_file: Path | None = Field(
        default=None,
        description="YAML or TOML file listing further providers (OpenAI-compatible endpoints and others).",
    )
    routes: Path | None = Field(
        default=None,
        description="YAML or TOML file of routes for `/v1`: aliases, fallback chains, local-first, cache.",
    )
    trusted_header: str = Field(
        default="Remote-User",
        min_length=1,
        description="`trusted-header` mode: the request header carrying the signed-in user name.",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="`trusted-header` mode: comma-separated addresses/CIDRs of the reverse proxies.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Master key for the key vault (base64, 32 bytes); default: `<data_dir>/secret.key`.",
    )
    allowed_private_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated hosts/CIDRs that custom provider URLs may reach on private networks.",
    )
    rate_limit_per_minute: int = Field(
        default=600,
        ge=1,
        description="Requests per minute allowed per signed-in user and per API token (429 beyond).",
    )
    user_keys: bool = Field(
        default=True,
        description="Whether users may add (and use) provider keys and endpoints of their own.",
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("trusted_proxies", "allowed_private_hosts", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_networks(cls, value: list[str]) -> list[str]:
        import ipaddress

        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or CIDR") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str | None) -> str | None:
        """Accept the usual spellings and pick the async driver the app uses."""
        if not value:
            return None
        scheme, sep, rest = value.partition("://")
        if not sep:
            raise ValueError("must be a URL such as postgresql://user@host/db or sqlite:///path/file.db")
        drivers = {
            "sqlite": "sqlite+aiosqlite",
            "sqlite+aiosqlite": "sqlite+aiosqlite",
            "postgres": "postgresql+asyncpg",
            "postgresql": "postgresql+asyncpg",
            "postgresql+asyncpg": "postgresql+asyncpg",
        }
        if scheme not in drivers:
            raise ValueError(f"unsupported database {scheme!r}: use sqlite:/// or postgresql://")
        return f"{drivers[scheme]}://{rest}"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'llm-router.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")


def describe_validation_error(error: ValidationError) -> str:
    """One line naming the first bad setting, as its environment variable, and what is wrong."""
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else "settings"
    env_name = f"LLM_ROUTER_{field.upper()}"
    value = first.get("input")
    shown = f" (got {redact(str(value))!r})" if isinstance(value, str | int | float) else ""
    return f"invalid setting {env_name}: {first['msg']}{shown}"
