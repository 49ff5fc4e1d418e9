#!/usr/bin/env bash
# Brings a fresh machine to a runnable state: Debian packages, pnpm, node modules, native helpers.
# Idempotent and quiet when everything is already there. `--test` adds the test-only packages.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--test" ]; then export WITH_TEST_DEPS=1; fi
bash scripts/install-system-deps.sh
if ! command -v pnpm >/dev/null 2>&1; then
  echo "installing pnpm" >&2
  npm install -g pnpm@9.15.9 >/dev/null 2>&1 || corepack enable pnpm
fi
export ONNXRUNTIME_NODE_INSTALL=skip
if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  echo "installing node modules" >&2
  pnpm install --frozen-lockfile --reporter=append-only >&2
fi
bash transcriber/native/build.sh
# The SFU's media worker: prebuilt when GitHub is reachable, else built offline once and cached.
bash media-server/worker/build-worker.sh
