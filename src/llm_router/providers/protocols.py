"""The adapter class of each wire protocol (``PROTOCOLS``), loaded with its SDK on first use.

Loading one takes 0.35 s (openai) to 0.7 s (anthropic) of CPU here. On the event loop that would hold
every request for as long, so the catalog's first refresh after start loads the protocols of the
providers it is about to ask in a thread first (``load_off_the_loop``); the loop goes on serving
meanwhile. (A provider whose models are listed in its configuration is not asked: its SDK still loads
with its first call, keeping it out of memory until then.)
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterable
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llm_router.providers._http import SdkStreamModel

MODULES: dict[str, tuple[str, str]] = {
    "openai": ("llm_router.providers.openai", "OpenAIChatModel"),
    "anthropic": ("llm_router.providers.anthropic", "AnthropicMessagesModel"),
}


def _loader(module: str, name: str) -> Callable[[], type[SdkStreamModel]]:
    return lambda: getattr(import_module(module), name)


PROTOCOLS: dict[str, Callable[[], type[SdkStreamModel]]] = {
    protocol: _loader(module, name) for protocol, (module, name) in MODULES.items()
}
"""The adapter class of each wire protocol, loaded (with its SDK) on first use."""


async def load_off_the_loop(protocols: Iterable[str]) -> None:
    """Import the modules of ``protocols`` not loaded yet, in a thread."""
    missing = sorted({MODULES[p][0] for p in protocols if p in MODULES} - set(sys.modules))
    if missing:
        await asyncio.to_thread(lambda: [import_module(module) for module in missing])
