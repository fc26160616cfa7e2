#!/usr/bin/env bash
# Installs what is missing, builds everything (dev preset: Debug) and runs the whole test suite:
# unit, conformance, integration (the real inference-server against fake upstreams), the official
# `openai` npm client compatibility test, the seed's curl examples, the web console in headless
# chromium (not under asan), the examples and the installed-package test.
#   scripts/test.sh            # dev preset
#   scripts/test.sh asan       # the same suite under ASan + UBSan
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-dev}
# The browser tests run only in the plain build: chromium only for it.
if [[ $preset == asan ]]; then scripts/install-deps.sh; else scripts/install-deps.sh --browser; fi
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset"
