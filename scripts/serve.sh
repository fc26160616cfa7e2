#!/usr/bin/env bash
# Installs what is missing, builds the release gateway and starts it in the foreground.
# With no arguments it serves its embedded default: the mock provider on http://127.0.0.1:3000.
# Any arguments are passed to inference-server (e.g. --config config/lmstudio.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release -DROCI_BUILD_TESTS=OFF -DROCI_BUILD_EXAMPLES=ON -DROCI_BUILD_BENCH=OFF >/dev/null
cmake --build --preset release --target inference-server roci_cli
exec build/release/apps/inference-server "$@"
