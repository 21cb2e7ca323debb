#!/usr/bin/env bash
# Model benchmark of issue 21 (see README.md here): sets up the peer environments if missing,
# then runs run.py with the lifetimes environment's Python (numpy, scipy, pyarrow), passing
# its arguments on. RUNS, DATASETS, METHODS, TAG, CUSTSEG_PYTHON, CUSTSEG_SRC are read too.
#
#   bash bench/models/run.sh
#   CUSTSEG_SRC=/path/to/other/worktree/src bash bench/models/run.sh --runs 1 --datasets 100k
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ -x "$here/.venv-lifetimes/bin/python" ] || bash "$here/setup_peers.sh" lifetimes
[ -x "$here/.venv-pymc/bin/python" ] || bash "$here/setup_peers.sh" pymc
exec "$here/.venv-lifetimes/bin/python" "$here/run.py" "$@"
