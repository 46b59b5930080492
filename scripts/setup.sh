#!/usr/bin/env bash
# Create .venv (if needed) and install vsexplore with the extras given (default: lab,test).
# torch is installed first, pinned per machine type; everything else follows constraints.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-lab,test}"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
. .venv/bin/activate
python -m pip install -q --upgrade pip
case "$(uname -m)" in
  x86_64) torch_pins="torch==2.14.1 torchvision==0.29.1" ;;
  aarch64|arm64) torch_pins="torch==2.9.1 torchvision==0.24.1" ;;
  *) torch_pins="torch torchvision" ;;
esac
# shellcheck disable=SC2086
python -m pip install -q $torch_pins
python -m pip install -q -c constraints.txt -e ".[$extras]"
echo "vsexplore installed in $(pwd)/.venv with extras [$extras]"
