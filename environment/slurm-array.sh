#!/usr/bin/env bash
# Run the sweep of `beacons reproduce` as a Slurm array job (one shard per task), then merge it in a dependent job.
#
#   cd /path/to/semantic-beacons
#   bash environment/slurm-array.sh submit 8 --scale toy --results results     # 8 array tasks + 1 merge job
#
# `submit N [options]` (on the login node) runs
#   sbatch --array=0-(N-1) environment/slurm-array.sh [options]                  → one shard per task
#   sbatch --dependency=afterok:<array job> environment/slurm-array.sh [options] with BEACONS_SLURM_STEP=merge
# Each array task runs `beacons reproduce --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT --workers 1
# --no-figures [options]` (task ids counted from $SLURM_ARRAY_TASK_MIN); the merge job runs `beacons merge
# [options]`, which fails, naming the missing shards, unless every case is there. Results go to one shared folder
# (`--results`, default results/): the tasks write only their own shard files, so they run at once; rerun a failed
# task with the same array index and it resumes. Options must be the same for the tasks and the merge (they are).
# Extra sbatch options: BEACONS_SBATCH_OPTS (e.g. "--partition=cpu --time=02:00:00"). Node: BEACONS_NODE (default
# node on the PATH).
#SBATCH --job-name=beacons
#SBATCH --cpus-per-task=1
#SBATCH --mem=4G
#SBATCH --output=beacons-%A_%a.out
set -euo pipefail

root="${BEACONS_ROOT:-${SLURM_SUBMIT_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}}"
node="${BEACONS_NODE:-node}"
beacons() { (cd "$root" && exec "$node" --import tsx src/cli.ts "$@"); }

if [[ "${1:-}" == submit ]]; then
  n="${2:?usage: slurm-array.sh submit N [reproduce options]}"
  shift 2
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "slurm-array.sh: N must be a positive integer, got '$n'" >&2; exit 2; }
  # shellcheck disable=SC2086
  array=$(cd "$root" && sbatch --parsable ${BEACONS_SBATCH_OPTS:-} --array="0-$((n - 1))" environment/slurm-array.sh "$@")
  array="${array%%;*}"
  # shellcheck disable=SC2086
  merge=$(cd "$root" && sbatch --parsable ${BEACONS_SBATCH_OPTS:-} --dependency="afterok:$array" \
    --export=ALL,BEACONS_SLURM_STEP=merge environment/slurm-array.sh "$@")
  echo "array job $array ($n tasks), merge job ${merge%%;*} after it"
elif [[ "${BEACONS_SLURM_STEP:-}" == merge ]]; then
  beacons merge "$@"
elif [[ -n "${SLURM_ARRAY_TASK_ID:-}" ]]; then
  count="${SLURM_ARRAY_TASK_COUNT:?SLURM_ARRAY_TASK_COUNT is not set (Slurm >= 18.08 sets it)}"
  index=$((SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-0}))
  beacons reproduce --shard "$index/$count" --workers 1 --no-figures "$@"
else
  echo "slurm-array.sh: run 'bash environment/slurm-array.sh submit N [options]', or as a Slurm array task" >&2
  exit 2
fi
