"""The adapter class of each wire protocol (``PROTOCOLS``), loaded with its SDK on first use."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llm_router.providers._http import SdkStreamModel

PROTOCOLS: dict[str, Callable[[], type[SdkStreamModel]]] = {
    "openai": lambda: import_module("llm_router.providers.openai").OpenAIChatModel,
    "anthropic": lambda: import_module("llm_router.providers.anthropic").AnthropicMessagesModel,
}
"""The adapter class of each wire protocol, loaded (with its SDK) on first use."""
