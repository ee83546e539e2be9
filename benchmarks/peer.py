"""A peer measured through the same harness in the same run: LiteLLM's proxy, pinned.

On first use ``--peer litellm`` makes a scratch virtual environment under ``~/.cache/llm-router-bench/``
and installs ``litellm[proxy]`` at the pinned version into it with ``uv`` (a minute or two, from PyPI;
later runs reuse it). The proxy gets the same fake upstreams as the router, under the same model names
(``plain/fake``, ``stream64/fake``, ``slow/fake``), with its cost-map download, telemetry and database
off, so both gateways do the same work: one OpenAI-compatible upstream call per request.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from _harness import Process, free_port

LITELLM_VERSION = "1.106.2"  # the version of the first side-by-side measurement
CACHE = Path(os.environ.get("LLM_ROUTER_BENCH_CACHE", Path.home() / ".cache" / "llm-router-bench"))


def litellm_env() -> Path:
    """The scratch environment's directory, installed on first use."""
    venv = CACHE / f"litellm-{LITELLM_VERSION}"
    exe = venv / "bin" / "litellm"
    if exe.is_file():
        return venv
    uv = shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")
    print(f"… installing litellm[proxy]=={LITELLM_VERSION} into {venv} (first use only)", flush=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run([uv, "venv", "-q", "--python", "3.11", str(venv)], check=True)
    subprocess.run(
        [uv, "pip", "install", "-q", f"litellm[proxy]=={LITELLM_VERSION}"],
        env={**os.environ, "VIRTUAL_ENV": str(venv)},
        check=True,
    )
    return venv


def litellm_process(workdir: Path, upstreams: dict[str, str], key: str) -> Process:
    """LiteLLM's proxy in front of ``upstreams`` (name → base URL), one model ``<name>/fake`` each."""
    venv = litellm_env()
    lines = ["model_list:"]
    for name, url in upstreams.items():
        lines += [
            f"  - model_name: {name}/fake",
            "    litellm_params:",
            "      model: openai/fake",
            f"      api_base: {url}/v1",
            f"      api_key: {key}",
        ]
    lines += ["litellm_settings:", "  telemetry: false", "  drop_params: true", "  set_verbose: false"]
    config = workdir / "litellm.yaml"
    config.write_text("\n".join(lines) + "\n")
    port = free_port()
    env = {
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # no download of the cost map at start
        "LITELLM_LOG": "ERROR",
        "LITELLM_TELEMETRY": "False",
        "DISABLE_ADMIN_UI": "True",
        # no master key: like the router under LLM_ROUTER_AUTH=none, no per-request key check
        "LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY": "true",
        "URL": f"http://127.0.0.1:{port}",
    }
    return Process(
        [str(venv / "bin" / "litellm"), "--config", str(config), "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=workdir,
        ready_url=f"http://127.0.0.1:{port}/health/liveliness",
    )
