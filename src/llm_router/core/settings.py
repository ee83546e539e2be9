"""All configuration in one place: environment variables prefixed ``LLM_ROUTER_`` or a ``.env`` file."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from llm_router.core.errors import StartupError
from llm_router.core.logging import redact

MASTER_KEY_FILE_NAME = "secret.key"  # the vault's generated master key, in the data dir (mode 0600)
VAPID_KEY_FILE_NAME = "vapid_private.pem"  # the Web Push signing key, made on first use (mode 0600)

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
    workers: int = Field(
        default=0,
        ge=0,
        le=64,
        description="Server processes sharing the port (`serve --workers`); 0 = one per CPU core, at most 4.",
    )
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
    upstream_connect_timeout: float = Field(
        default=10.0,
        gt=0,
        le=600,
        description="Seconds to wait for a connection to a provider (a provider's `connect_timeout` wins).",
    )
    upstream_read_timeout: float = Field(
        default=600.0,
        gt=0,
        le=86400,
        description=(
            "Seconds a provider may stay silent while answering before the call fails as `timeout` "
            "(a provider's `read_timeout` wins)."
        ),
    )
    max_import_bytes: int = Field(
        default=512 * 1024 * 1024,
        ge=1024,
        description=(
            "Largest file `POST /api/import` accepts (a ChatGPT or Claude.ai export); it is read as a stream."
        ),
    )
    media_max_file_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        description=(
            "Largest attachment (photo, PDF, text file) one upload may be; larger files get 413. Photos are "
            "downscaled in the browser first, so this bounds PDFs and API clients."
        ),
    )
    media_max_message_bytes: int = Field(
        default=25 * 1024 * 1024,
        ge=1024,
        description="Largest total of the attachments of one chat message (413 beyond).",
    )
    media_max_image_side: int = Field(
        default=2048,
        ge=256,
        le=8192,
        description="Stored attachment images are scaled down to this many pixels on their long side.",
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
        default=0,
        ge=0,
        description="Requests per minute allowed per signed-in user and per API token (429 beyond); "
        "0 (the default): no limit.",
    )
    user_keys: bool = Field(
        default=True,
        description="Whether users may add (and use) provider keys and endpoints of their own.",
    )
    backup_dir: Path | None = Field(
        default=None,
        description="Folder for `llm-router db backup` and scheduled backups; default: `<data_dir>/backups`.",
    )
    backup_interval_hours: float = Field(
        default=0,
        ge=0,
        description="Make a backup every this many hours while the server runs (SQLite); 0 = off.",
    )
    responses_keep_days: float = Field(
        default=30,
        ge=0,
        description=(
            "Delete /v1/responses answers kept with `store: true` (for `previous_response_id`) after this "
            "many days, as OpenAI does after 30; 0 = keep them until deleted."
        ),
    )
    scheduler: bool = Field(
        default=True,
        description="Run scheduled prompts in this process (every replica may; a slot runs once).",
    )
    scheduler_interval: float = Field(
        default=15.0, gt=0, le=3600, description="Seconds between the scheduler's looks for due prompts."
    )
    schedule_min_seconds: int = Field(
        default=60, ge=1, description="Shortest time allowed between two runs of one scheduled prompt."
    )
    memory_propose_after: int = Field(
        default=6,
        ge=0,
        description="Propose memories after this many new messages of a conversation (0 = only on demand).",
    )
    backup_keep: int = Field(
        default=7,
        ge=1,
        description="Scheduled backups to keep; older ones in the backup folder are deleted.",
    )
    push_contact: str = Field(
        default="mailto:admin@llm-router.invalid",
        pattern=r"^(mailto:\S+@\S+|https://\S+)$",
        description="Contact (`mailto:` or `https://` URL) given to push services with Web Push messages.",
    )
    metrics_allow: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description=(
            "Comma-separated addresses/CIDRs that may read `/metrics` without a token "
            "(e.g. `127.0.0.1/32,10.0.0.0/8`); otherwise an admin's API token is needed."
        ),
    )
    context_overflow: Literal["trim", "refuse"] = Field(
        default="trim",
        description=(
            "A web-chat turn whose history does not fit the model's context window: `trim` leaves out the "
            "oldest turns (the system prompt and the newest turns are kept, the answer says how many were "
            "left out), `refuse` sends and stores nothing and suggests branching. `/v1` is never changed."
        ),
    )
    answer_reserve_tokens: int = Field(
        default=1024,
        ge=16,
        description="Tokens of the context window kept free for the answer when a web-chat history is "
        "fitted to it (at most half the window).",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            _FileVariables(settings_cls),
            file_secret_settings,
        )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("trusted_proxies", "allowed_private_hosts", "metrics_allow", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("trusted_proxies", "metrics_allow")
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

    @property
    def master_key_file(self) -> Path:
        return self.data_dir / MASTER_KEY_FILE_NAME

    @property
    def effective_backup_dir(self) -> Path:
        return self.backup_dir or self.data_dir / "backups"


def read_secret_file(variable: str, path: str) -> str:
    """The content of a ``*_FILE`` variable's file (a Docker secret), without the trailing newline."""
    try:
        return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise StartupError(f"{variable}={path}: cannot read the file ({exc.strerror})") from None


def with_file_variables(environ: Mapping[str, str], names: Iterable[str]) -> Mapping[str, str]:
    """``environ`` plus each of ``names`` that is unset but has ``NAME_FILE`` set: ``OPENAI_API_KEY_FILE=
    /run/secrets/openai`` works like ``OPENAI_API_KEY`` with that file's content (Docker secrets)."""
    found = {
        name: read_secret_file(f"{name}_FILE", environ[f"{name}_FILE"])
        for name in names
        if not environ.get(name) and environ.get(f"{name}_FILE")
    }
    return {**environ, **found} if found else environ


class _FileVariables(PydanticBaseSettingsSource):
    """``LLM_ROUTER_<NAME>_FILE``: the setting's value is read from that file (below the plain variable)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in self.settings_cls.model_fields:
            variable = f"LLM_ROUTER_{name.upper()}"
            path = os.environ.get(f"{variable}_FILE")
            if path and not os.environ.get(variable):
                values[name] = read_secret_file(f"{variable}_FILE", path)
        return values


def describe_validation_error(error: ValidationError) -> str:
    """One line naming the first bad setting, as its environment variable, and what is wrong."""
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else "settings"
    env_name = f"LLM_ROUTER_{field.upper()}"
    value = first.get("input")
    shown = f" (got {redact(str(value))!r})" if isinstance(value, str | int | float) else ""
    return f"invalid setting {env_name}: {first['msg']}{shown}"
