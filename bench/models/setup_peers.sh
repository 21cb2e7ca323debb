#!/usr/bin/env bash
# Create the peer environments of the model benchmark beside this file (gitignored):
#   .venv-lifetimes  lifetimes 0.11.3 + autograd, scipy, pandas, pyarrow (requirements-lifetimes.txt)
#   .venv-pymc       pymc-marketing + pymc, pytensor, pyarrow (requirements-pymc.txt)
# Separate environments: neither peer is a custseg dependency, and they pin numpy, pandas
# and scipy each their own way. pymc-marketing 0.19.3 and later need Python >= 3.12: the
# newest Python 3.12+ found is used for .venv-pymc (PYMC_PYTHON overrides), else python3,
# which gets pymc-marketing 0.19.2 on Python 3.11.
#
#   bash bench/models/setup_peers.sh            # both
#   bash bench/models/setup_peers.sh pymc       # one (lifetimes | pymc)
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
which=${1:-all}

pick_pymc_python() {
  if [ -n "${PYMC_PYTHON:-}" ]; then echo "$PYMC_PYTHON"; return; fi
  local c
  for c in python3.13 python3.12 "$HOME"/.pyenv/versions/3.13*/bin/python \
           "$HOME"/.pyenv/versions/3.12*/bin/python; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      echo "$c"; return
    fi
  done
  echo "$PY"
}

if [ "$which" = all ] || [ "$which" = lifetimes ]; then
  [ -x .venv-lifetimes/bin/python ] || $PY -m venv .venv-lifetimes
  .venv-lifetimes/bin/python -m pip install -q -r requirements-lifetimes.txt
  .venv-lifetimes/bin/python -c 'import lifetimes; print("lifetimes", lifetimes.__version__)'
fi
if [ "$which" = all ] || [ "$which" = pymc ]; then
  if [ ! -x .venv-pymc/bin/python ]; then
    pp=$(pick_pymc_python)
    echo "pymc-marketing environment on $("$pp" --version) ($pp)"
    "$pp" -m venv .venv-pymc
  fi
  .venv-pymc/bin/python -m pip install -q -r requirements-pymc.txt
  .venv-pymc/bin/python -c 'import pymc_marketing; print("pymc-marketing", pymc_marketing.__version__)'
fi
