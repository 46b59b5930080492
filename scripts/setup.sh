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

# WordNet 3.0 (Debian's wordnet-base) for vsexplore.data.wordnet: installed with apt when absent;
# a machine without apt, root or sudo gets a warning, not a failed setup.
install_wordnet() {
  command -v apt-get >/dev/null || return 1
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get)
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || return 1
    apt=(sudo "${apt[@]}")
  fi
  local install=("${apt[@]}" install -y -qq --no-install-recommends wordnet-base)
  "${install[@]}" 2>/dev/null || { "${apt[@]}" update -qq && "${install[@]}"; }
}
if [ ! -f /usr/share/wordnet/data.noun ]; then
  if install_wordnet; then
    echo "setup: installed wordnet-base (WordNet 3.0)"
  else
    echo "setup: warning: could not install WordNet 3.0; run \`apt-get install wordnet-base\` or set" \
      "VSEXPLORE_WORDNET to a folder holding its files" >&2
  fi
fi
echo "vsexplore installed in $(pwd)/.venv with extras [$extras]"
