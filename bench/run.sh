#!/usr/bin/env bash
# Whole-process benchmark of `custseg rfm FILE -o out.csv`, side by side with the peers
# (../shared/bench: polars, duckdb, pandas, and arrow_read, the reading-only floor) in one
# run, with ratios, peak memory and custseg's own phase split.
#
#   bash bench/run.sh                     # 1M CSV, 10M CSV, 10M Parquet; 3 rounds
#   RUNS=1 DATASETS=1M.csv bash bench/run.sh
#   BASE_CUSTSEG=/tmp/custseg-base/.venv/bin/custseg bash bench/run.sh   # before/after:
#       another build of custseg runs beside this one as method custseg_base; with
#       CUSTSEG=PATH a non-editable install of this tree runs, like the base's
#   PREDICT=1 METHODS=custseg bash bench/run.sh   # `custseg predict` (BG/NBD) beside rfm
#   COHORT=1 METHODS=custseg bash bench/run.sh    # `custseg cohort` (monthly) beside rfm
#   CLUSTER=1 METHODS=custseg bash bench/run.sh   # `custseg cluster` (automatic k) beside rfm
#
# Not part of the test suite. Data and raw results stay out of git (bench/data, bench/results).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
shared=${SHARED_BENCH:-$(dirname "$root")/shared/bench}
runs=${RUNS:-3}
datasets=${DATASETS:-1M.csv,10M.csv,10M.parquet}
methods=${METHODS:-arrow_read,polars,duckdb,pandas_naive,custseg}
tag=${TAG:-custseg-$(date +%Y%m%d-%H%M%S)}
custseg=${CUSTSEG:-"$root/.venv/bin/custseg"}  # CUSTSEG: another install of this tree
cmds=(--cmd "custseg=$custseg rfm {input} -o {output}")
if [ -n "${PREDICT:-}" ]; then  # PREDICT=1: `custseg predict` beside `custseg rfm`
  cmds+=(--cmd "custseg_predict=$custseg predict {input} -o {output}")
  methods="$methods,custseg_predict"
fi
if [ -n "${COHORT:-}" ]; then  # COHORT=1: `custseg cohort` beside `custseg rfm`
  cmds+=(--cmd "custseg_cohort=$custseg cohort {input} -o {output}")
  methods="$methods,custseg_cohort"
fi
if [ -n "${CLUSTER:-}" ]; then  # CLUSTER=1: `custseg cluster` beside `custseg rfm`
  cmds+=(--cmd "custseg_cluster=$custseg cluster {input} -o {output}")
  methods="$methods,custseg_cluster"
fi
if [ -n "${BASE_CUSTSEG:-}" ]; then
  cmds+=(--cmd "custseg_base=$BASE_CUSTSEG rfm {input} -o {output}")
  methods="$methods,custseg_base"
fi

[ -x "$custseg" ] || { echo "install custseg first: python3 -m venv .venv && .venv/bin/pip install ." >&2; exit 1; }
[ -x "$shared/.venv/bin/python" ] || bash "$shared/setup_venvs.sh"
# bytecode for custseg's modules, as `pip install` leaves it (an editable install under
# PYTHONDONTWRITEBYTECODE=1 would compile them from source on every run)
"$root/.venv/bin/python" -m compileall -q "$root/src/custseg"
mkdir -p "$here/data" "$here/results"

paths=(); small=(); big=()
for spec in ${datasets//,/ }; do
  rows=${spec%%.*}; ext=${spec#*.}
  n=${rows/M/000000}
  path="$here/data/orders_${rows}.${ext}"
  [ -f "$path" ] || "$shared/.venv/bin/python" "$shared/gen_orders.py" --rows "$n" --seed 1 "$path"
  paths+=("$path")
  if [ "$n" -lt 5000000 ]; then small+=("$path"); else big+=("$path"); fi
done
list=$(IFS=,; echo "${paths[*]}")

# Rounds: each runs every method once on every dataset (small files, under 5M rows, three
# times: a run is half a second there, and noisier), so that a slow spell of the machine falls
# on all methods alike; the medians are then taken over all rounds. The order of the methods
# changes from round to round so that no method always follows the same one: on this machine
# a process runs slower right after one that freed much memory (custseg on the 10M Parquet
# file: 2.41-2.55 s after arrow_read, 2.61-2.68 s after pandas). Round r takes the methods
# in steps of k (k = 1, 2, ..., the steps that visit every method once, in turn); with the
# five methods and RUNS a multiple of 4, each method comes right after each other one
# equally often (the order is cyclic: the last method on one dataset precedes the first on
# the next).
IFS=, read -r -a method_list <<< "$methods"
nm=${#method_list[@]}
gcd() { local a=$1 b=$2; while [ "$b" -ne 0 ]; do set -- "$b" $((a % b)); a=$1; b=$2; done; echo "$a"; }
steps=(); for k in $(seq 1 $((nm > 1 ? nm - 1 : 1))); do [ "$(gcd "$k" "$nm")" -eq 1 ] && steps+=("$k"); done
tags=(); round_runs=()
for round in $(seq "$runs"); do
  k=${steps[$(( (round - 1) % ${#steps[@]} ))]}
  order=(); for j in $(seq 0 $((nm - 1))); do order+=("${method_list[$(( j * k % nm ))]}"); done
  round_methods=$(IFS=,; echo "${order[*]}")
  for size in small big; do
    if [ "$size" = small ]; then set -- "${small[@]}"; each=3; else set -- "${big[@]}"; each=1; fi
    [ "$#" -gt 0 ] || continue
    "$shared/.venv/bin/python" "$shared/bench.py" --runs "$each" --tag "$tag-r$round-$size" \
      --methods "$round_methods" "${cmds[@]}" \
      --datasets "$(IFS=,; echo "$*")" > /dev/null
    tags+=("$tag-r$round-$size"); round_runs+=("$shared/results/$tag-r$round-$size/runs.jsonl")
  done
done
"$shared/.venv/bin/python" "$shared/bench.py" --only-table --tag "$(IFS=,; echo "${tags[*]}")" \
  --methods "$methods" "${cmds[@]}" --datasets "$list" > /dev/null

# custseg's own phase split (one extra run per dataset)
phases="$here/results/$tag.phases.jsonl"
: > "$phases"
for path in "${paths[@]}"; do
  "$custseg" rfm "$path" -o /tmp/custseg-bench-out.csv --profile 2>&1 >/dev/null \
    | sed "s|^{|{\"dataset\": \"$(basename "$path")\", |" >> "$phases"
done

"$root/.venv/bin/python" "$here/report.py" "$shared/results/${tags[0]}/summary.json" "$phases" \
  "${round_runs[@]}" | tee "$here/results/$tag.md"
