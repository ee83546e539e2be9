"""The routes file (``LLM_ROUTER_ROUTES``, YAML or TOML): aliases, fallback chains, local-first, cache.

```yaml
confidence_threshold: 0.7          # default for local-first routes
routes:
  fast:  {models: [gpt-5.1-mini, claude-haiku-4-5]}           # fallback chain, first choice first
  auto:  {local: ollama/llama3.2, models: [gpt-5.1]}           # local-first, escalate to the chain
  cheap: {models: [gpt-5.1-mini], cache: {ttl_seconds: 600}}   # exact-match cache, temperature 0 only
```
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from llm_router.core.errors import StartupError

DEFAULT_CONFIDENCE_THRESHOLD = 0.7


class CacheRule(BaseModel):
    """Opt-in exact-match cache. Sampling at temperature > 0 (or the provider default) is not cached
    unless ``any_temperature`` says the owner accepts a repeated answer there."""

    model_config = ConfigDict(extra="forbid")

    ttl_seconds: int = Field(default=3600, ge=1)
    any_temperature: bool = False


class RouteSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    models: list[str] = Field(default_factory=list)
    local: str | None = None
    confidence_threshold: float | None = Field(default=None, ge=0, le=1)
    cache: CacheRule | None = None
    description: str = ""

    @model_validator(mode="after")
    def _has_a_model(self) -> RouteSpec:
        if not self.models and not self.local:
            raise ValueError("a route needs `models` (a fallback chain) and/or `local` (local-first)")
        return self

    @property
    def strategy(self) -> str:
        return "local_first" if self.local else "fallback"


class RoutesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confidence_threshold: float = Field(default=DEFAULT_CONFIDENCE_THRESHOLD, ge=0, le=1)
    routes: dict[str, RouteSpec] = Field(default_factory=dict)

    def threshold_for(self, route: RouteSpec) -> float:
        return (
            route.confidence_threshold
            if route.confidence_threshold is not None
            else self.confidence_threshold
        )


def _parse(path: Path) -> Any:
    import tomllib

    import yaml

    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".toml":
        return tomllib.loads(text)
    return yaml.safe_load(text) or {}


def load_routes(path: Path | None) -> RoutesFile:
    """The routes file, or no routes at all; any problem stops start-up with one clear line."""
    if path is None:
        return RoutesFile()
    import tomllib  # only when there is a file: PyYAML is 1 MB of RSS

    import yaml

    where = f"invalid setting LLM_ROUTER_ROUTES ({path})"
    try:
        return RoutesFile.model_validate(_parse(path))
    except OSError as exc:
        raise StartupError(f"{where}: cannot read the file: {exc.strerror}") from None
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        raise StartupError(f"{where}: not valid YAML/TOML: {str(exc).splitlines()[0]}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise StartupError(f"{where}: {loc or 'file'}: {first['msg']}") from None
