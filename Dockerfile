# llm-router: one small container, SQLite inside (/data), the web app built in, runs as a non-root user.
#
#   docker build -t llm-router .
#   docker run -d -p 8000:8000 -v llm-router-data:/data -e OPENAI_API_KEY=sk-… llm-router
#
# Multi-arch (amd64 + arm64, e.g. a Raspberry Pi 5): see the README, "Docker".
# The base images are build arguments so a mirror or a pinned digest can be used.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:22-bookworm-slim
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13

FROM ${UV_IMAGE} AS uv

# ---- 1. the web app (Node only lives in this stage)
FROM ${NODE_IMAGE} AS web
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
# The optional "ca" secret is a CA bundle for builds behind a TLS-inspecting proxy; it never lands in a layer.
RUN --mount=type=secret,id=ca,required=false \
    if [ -s /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi; \
    npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ ./
RUN npm run build

# ---- 2. the wheel (with the web app inside) and a virtual environment holding it
FROM ${PYTHON_IMAGE} AS build
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy UV_NO_CACHE=1
WORKDIR /src
COPY pyproject.toml uv.lock README.md hatch_build.py ./
COPY src/ src/
COPY --from=web /src/src/llm_router/web/dist/ src/llm_router/web/dist/
RUN --mount=type=secret,id=ca,required=false \
    if [ -s /run/secrets/ca ]; then export SSL_CERT_FILE=/run/secrets/ca; fi; \
    uv build --wheel -o /wheels \
    && uv export --frozen --no-dev --no-emit-project --no-hashes -o /wheels/requirements.txt \
    && uv venv /opt/venv --python python3 \
    && uv pip install --python /opt/venv/bin/python --no-deps --compile-bytecode \
        -r /wheels/requirements.txt /wheels/*.whl
# The wheels' compiled extensions carry their debug symbols (uvloop's is 13.6 MB, 1.6 MB stripped):
# stripped, the environment is about 50 MB smaller. Bytecode stays compiled: without it every start
# would compile the SDKs' modules again (the environment is read-only for the app's user).
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends binutils >/dev/null \
    && find /opt/venv \( -name '*.cpython-*.so' -o -name '*.abi3.so' \) -exec strip --strip-unneeded {} + \
    && /opt/venv/bin/python -c "import uvloop, asyncpg, sqlalchemy, cryptography.fernet, PIL.Image, fpdf, llm_router.api.app"

# ---- 3. the runtime: Python and the environment, nothing else (no compiler, no Node, no uv)
FROM ${PYTHON_IMAGE}
RUN mkdir -p /data && chown 10001:10001 /data
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    HOME=/data \
    PYTHONUNBUFFERED=1 \
    LLM_ROUTER_DATA_DIR=/data \
    LLM_ROUTER_HOST=0.0.0.0 \
    LLM_ROUTER_PORT=8000
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('LLM_ROUTER_PORT', '8000'), timeout=4)"]
# SIGTERM (docker stop): running answers are stored as "interrupted" with their text, then the process ends.
STOPSIGNAL SIGTERM
ENTRYPOINT ["llm-router"]
CMD ["serve"]
