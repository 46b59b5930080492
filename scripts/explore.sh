#!/usr/bin/env bash
# Set up vsexplore, embed the sample collection, and open JupyterLab on the quickstart notebook
# (127.0.0.1, token required).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh lab
. .venv/bin/activate
# the sample photos embedded into a store, so the quickstart opens ready (built once, then reused)
python -c "import vsexplore.datasets as d; print(d.sample_collection(progress=True))"
as_root=()
[ "$(id -u)" = 0 ] && as_root=(--allow-root)  # containers and CI machines often run as root
exec jupyter lab examples/00-quickstart.ipynb --ip=127.0.0.1 --no-browser "${as_root[@]}" "$@"
