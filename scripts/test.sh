#!/usr/bin/env bash
# Set up everything the tests need, then run the linter and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh lab,test
bash scripts/setup-browser.sh  # Chromium (Debian) + playwright-core (npm) for tests/browser
. .venv/bin/activate
ruff check vsexplore tests benchmarks
python -m pytest "$@"
