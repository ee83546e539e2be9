# Shared by scripts/serve and scripts/test: make sure uv, the Python environment and the web build exist.
set -euo pipefail
cd "$(dirname "$0")/.."

ensure_uv() {
  if ! command -v uv >/dev/null 2>&1; then
    export PATH="$HOME/.local/bin:$PATH"
  fi
  if ! command -v uv >/dev/null 2>&1; then
    echo "installing uv (python3 -m pip install --user uv)…" >&2
    python3 -m pip install --quiet --user uv
  fi
}

ensure_python_env() {
  # Bytecode is compiled at install: imports stay fast even where PYTHONDONTWRITEBYTECODE is set.
  uv sync --frozen --quiet --compile-bytecode "$@"
}

# The web app is built from frontend/ into src/llm_router/web/dist when the build is missing or older
# than its sources (see README: "Why the web app is built on first run").
ensure_web_build() {
  [ -f frontend/package.json ] || return 0
  local stamp=src/llm_router/web/dist/index.html
  if [ -f "$stamp" ] && [ -z "$(find frontend/src frontend/build frontend/index.html frontend/package.json frontend/package-lock.json frontend/vite.config.ts frontend/tsconfig.json frontend/public -newer "$stamp" 2>/dev/null | head -n 1)" ]; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm is needed to build the web app: apt-get install nodejs npm" >&2
    return 1
  fi
  echo "building the web app (frontend/ → src/llm_router/web/dist)…" >&2
  (cd frontend && { [ -d node_modules ] && [ node_modules -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; } && npm run --silent build)
}
