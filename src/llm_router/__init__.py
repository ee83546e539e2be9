"""llm-router: a self-hosted LLM router and chat app."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("llm-router")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"
