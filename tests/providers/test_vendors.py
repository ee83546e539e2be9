"""The protocol and vendor tables: every protocol a provider may name loads, every built-in vendor is in the
README with its variables, and importing the package does not import the SDKs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import get_args, get_type_hints

import pytest

from llm_router.providers import PROTOCOLS, VENDORS, ProtocolName, Vendor
from llm_router.providers._http import SdkStreamModel
from llm_router.providers.config import ProviderConfig, ProviderFileEntry, configs_from_environment
from llm_router.services.keys.vault import KeyInput

README = Path(__file__).resolve().parents[2] / "README.md"
ROW = re.compile(r"^\| ((?:`[A-Z0-9_]+`(?:, )?)+) \| `([a-z0-9._-]+)` \|", re.M)


def readme_vendors() -> dict[str, set[str]]:
    """The README's providers table: provider name -> the variables its row lists."""
    text = README.read_text()
    start = text.index("\n## Providers")
    section = text[start : text.find("\n## ", start + 1)]
    return {name: set(re.findall(r"`([A-Z0-9_]+)`", variables)) for variables, name in ROW.findall(section)}


def variables(vendor: Vendor) -> set[str]:
    return {v for v in (vendor.key_env, vendor.url_env) if v}


def literals(annotation: object) -> set[str]:
    """The strings a ``Literal`` (or a union holding one) allows."""
    return {a for a in get_args(annotation) if isinstance(a, str)} | {
        s for a in get_args(annotation) if not isinstance(a, str) for s in literals(a)
    }


def test_the_readme_lists_exactly_the_built_in_vendors_with_their_variables() -> None:
    assert readme_vendors() == {vendor.name: variables(vendor) for vendor in VENDORS}


def test_every_protocol_a_provider_may_name_has_a_loader_that_loads_an_adapter_class() -> None:
    named = literals(ProtocolName)
    assert literals(get_type_hints(ProviderConfig)["protocol"]) == named
    assert literals(ProviderFileEntry.model_fields["protocol"].annotation) == named
    assert literals(get_type_hints(KeyInput)["protocol"]) == named
    assert set(PROTOCOLS) == named
    for protocol, load in PROTOCOLS.items():
        adapter_class = load()
        assert isinstance(adapter_class, type), protocol
        assert issubclass(adapter_class, SdkStreamModel), protocol
        assert adapter_class.path.startswith("/"), protocol
    assert {vendor.protocol for vendor in VENDORS} <= set(PROTOCOLS)


@pytest.mark.parametrize("vendor", VENDORS, ids=lambda v: v.name)
def test_each_vendor_is_configured_by_its_variables(vendor: Vendor) -> None:
    env = {
        name: "http://127.0.0.1:9" if name == vendor.url_env else "sk-test-1234567890"
        for name in variables(vendor)
    }
    [config] = configs_from_environment(env)
    assert (config.name, config.protocol, config.is_local) == (vendor.name, vendor.protocol, vendor.is_local)
    assert config.base_url.startswith("http://127.0.0.1:9" if vendor.url_env else "https://")
    assert config.api_key == (env[vendor.key_env] if vendor.key_env else None)
    if vendor.key_env:
        assert configs_from_environment({k: v for k, v in env.items() if k != vendor.key_env}) == []


def test_importing_the_providers_package_does_not_import_the_sdks() -> None:
    code = "import llm_router.providers, sys; print('openai' in sys.modules, 'anthropic' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
