"""The well-known vendors as data (``VENDORS``) and the names of the wire protocols (``ProtocolName``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

ProtocolName = Literal["openai", "anthropic"]
"""What ``ProviderConfig.protocol`` may be: the keys of ``PROTOCOLS``."""


@dataclass(frozen=True, slots=True)
class Vendor:
    """A well-known vendor: configured from the environment, named in setup hints, found by model family."""

    name: str  # the provider's name, and the prefix of its model names
    protocol: ProtocolName
    setup_hint: str  # what to do when a model needs it and it is not configured
    key_env: str | None = None  # the variable holding the key; when given, the vendor exists once it is set
    url_env: str | None = None  # the variable holding the base URL; without key_env, it alone enables
    default_url: str | None = None
    api_path: str = ""  # added to url_env's value when missing (Ollama's OpenAI API is under /v1)
    is_local: bool = False  # runs on the user's hardware: costs $0
    family: re.Pattern[str] | None = None  # bare model names that go to this vendor
    bare_ids: bool = False  # its models are listed without the ``name/`` prefix

    def base_url(self, url: str) -> str | None:
        """The base URL given ``url_env``'s value (``""`` when unset); ``None`` when there is none."""
        if not url:
            return self.default_url
        if self.api_path:
            url = url.rstrip("/")
            if not url.endswith(self.api_path):
                url += self.api_path
        return url


VENDORS: tuple[Vendor, ...] = (
    Vendor(
        "openai",
        "openai",
        "set OPENAI_API_KEY or add an OpenAI key under Settings → Keys",
        key_env="OPENAI_API_KEY",
        url_env="OPENAI_BASE_URL",
        default_url="https://api.openai.com/v1",
        family=re.compile(r"^(gpt-|chatgpt-|o1($|-)|o3($|-)|o4)"),
        bare_ids=True,
    ),
    Vendor(
        "anthropic",
        "anthropic",
        "set ANTHROPIC_API_KEY or add an Anthropic key under Settings → Keys",
        key_env="ANTHROPIC_API_KEY",
        url_env="ANTHROPIC_BASE_URL",
        default_url="https://api.anthropic.com",
        family=re.compile(r"^claude-"),
        bare_ids=True,
    ),
    Vendor(
        "openrouter",
        "openai",
        "set OPENROUTER_API_KEY or add an OpenRouter key under Settings → Keys",
        key_env="OPENROUTER_API_KEY",
        default_url="https://openrouter.ai/api/v1",
    ),
    Vendor(
        "ollama",
        "openai",
        "set OLLAMA_BASE_URL (e.g. http://127.0.0.1:11434)",
        url_env="OLLAMA_BASE_URL",
        api_path="/v1",
        is_local=True,
    ),
)
"""The vendors the environment configures, in that order."""
