# PPO jobs on the simulated 3-host cluster of scripts/cluster-sim, for scripts/test-cluster and
# scripts/cluster-faults. Source it from the repository root, don't run it:
#   source scripts/lib/cluster-job.sh
#   cluster_sim_available || { echo "skipped: $CLUSTER_SIM_UNAVAILABLE"; exit 0; }
#   start_cluster_job "$work/run" "$work/run.log" --set ppo.iterations=1000
# The layout is 1 learner, 2 actors, 1 reference and 1 reward on 5 ranks, and the hosts have
# 2 slots each, so ranks fill them in order:
#   simhost1: rank 0 (learner 0), rank 1 (actor 0)
#   simhost2: rank 2 (actor 1),   rank 3 (reference 0)
#   simhost3: rank 4 (reward 0)
# (No `set -euo pipefail` here: a sourced file must not change its caller's shell options.)

# cluster_sim_available: whether network namespaces can be made here; if not, says why in
# CLUSTER_SIM_UNAVAILABLE.
cluster_sim_available() {
  if (($(id -u) != 0)); then
    CLUSTER_SIM_UNAVAILABLE="not root, so no network namespaces for the simulated hosts"
    return 1
  fi
  local probe=rlhfsim-probe-$$ error
  if ! error=$(ip netns add "$probe" 2>&1); then
    CLUSTER_SIM_UNAVAILABLE="'ip netns add' failed here: $error"
    return 1
  fi
  ip netns del "$probe"
}

# cluster_ppo_args OUT [--set ...]: the arguments of a short PPO run on the real stories260K model
# (as scripts/test-ppo's) writing to OUT, with a checkpoint after every iteration.
cluster_ppo_args() {
  local out=$1
  shift
  CLUSTER_PPO_ARGS=(ppo --config configs/ppo-stories260k.yaml --set runtime.threads=1 --set rollout.batch_size=8
    --set rollout.max_new_tokens=24 --set checkpoint.every=1 --set output.dir="$out" "$@")
}

# start_cluster_job OUT LOG [LAUNCH-OPTION...] -- [--set ...]: starts, in the background, a
# 3-host simulated cluster running scripts/launch with that PPO run; its output goes to LOG,
# its pid (that of scripts/cluster-sim) to CLUSTER_JOB, and the simulation's namespace prefix
# to CLUSTER_PREFIX (host i is "$CLUSTER_PREFIX-h$i").
start_cluster_job() {
  local out=$1 log=$2
  shift 2
  local launch_options=()
  while (($#)) && [[ $1 != -- ]]; do
    launch_options+=("$1")
    shift
  done
  (($#)) && shift
  cluster_ppo_args "$out" "$@"
  scripts/cluster-sim --hosts 3 --slots 2 -- bash -c 'exec scripts/launch --hostfile "$CLUSTER_SIM_HOSTFILE" "$@"' \
    launch "${launch_options[@]}" -- "${CLUSTER_PPO_ARGS[@]}" >"$log" 2>&1 &
  CLUSTER_JOB=$!
  CLUSTER_PREFIX=rlhfsim$CLUSTER_JOB
}

# wait_for_iterations OUT K [SECONDS]: waits until OUT/metrics.jsonl has K lines (default limit
# 300 s); fails if the limit passes or the job ended first.
wait_for_iterations() {
  local out=$1 count=$2 limit=${3:-300} waited=0
  until [[ -f $out/metrics.jsonl ]] && (($(wc -l <"$out/metrics.jsonl") >= count)); do
    kill -0 "$CLUSTER_JOB" 2>/dev/null || { echo "the job ended before iteration $count" >&2; return 1; }
    ((waited < limit * 10)) || { echo "no iteration $count after $limit s" >&2; return 1; }
    sleep 0.1
    waited=$((waited + 1))
  done
}

# rank_pid OUT RANK: the pid of the rlhf process that is rank RANK of the job writing to OUT.
rank_pid() {
  local out=$1 rank=$2 pid
  for pid in $(pgrep -f -- "output.dir=$out( |$)"); do
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == rlhf ]] || continue
    if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$rank"; then
      echo "$pid"
      return 0
    fi
  done
  return 1
}

# wait_for_line LOG PATTERN [SECONDS]: waits until LOG has a line matching PATTERN (an extended
# regex; default limit 60 s) and prints the seconds waited, to 0.1 s.
wait_for_line() {
  local log=$1 pattern=$2 limit=${3:-60} start=${EPOCHREALTIME/./} elapsed
  while true; do
    elapsed=$(( (${EPOCHREALTIME/./} - start) / 100000 ))
    grep -Eq -- "$pattern" "$log" && break
    if ((elapsed > limit * 10)); then
      echo "no line matching '$pattern' in $log after $limit s" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "$((elapsed / 10)).$((elapsed % 10))"
}
