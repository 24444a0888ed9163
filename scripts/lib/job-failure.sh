# Why an mpirun job of rlhf failed, read from its output. Source it, don't run it:
#   source scripts/lib/job-failure.sh
#   describe_failure job.log 137     # sets FAILURE and FAILURE_RESTARTABLE
# mpirun names a lost rank by number and node; the rlhf job names each rank's roles at start
# ("ppo: rank 2 on simhost2: actor 1"), so the message can say which role was lost, and where.
# (No `set -euo pipefail` here: a sourced file must not change its caller's shell options.)

# The lines by which mpirun reports that the job failed (a rank died or aborted, a daemon was lost).
MPIRUN_FAILURE_REPORT='exited on signal|MPI_ABORT was invoked|ORTE has lost communication|exited with non-zero status'

# describe_rank LOG RANK [HOST]: "rank R (ROLES) on host HOST", from the line the job printed for
# RANK (HOST, from mpirun, when the job printed none yet).
describe_rank() {
  local line roles="roles not yet known" host=${3:-unknown}
  if line=$(grep -m1 -E "ppo: rank $2 on [^:]+: " "$1"); then
    roles=${line#*: rank $2 on *: }
    host=$(sed -E "s/.*ppo: rank $2 on ([^:]+): .*/\1/" <<<"$line")
  fi
  echo "rank $2 ($roles) on host $host"
}

# ranks_on_host LOG HOST: "rank R (roles)" for every rank the job said runs on HOST, ;-separated.
ranks_on_host() {
  sed -n "s/^.*ppo: rank \\([0-9]*\\) on $2: \\(.*\\)$/rank \\1 (\\2)/p" "$1" | sort -u | paste -sd ';' - | sed 's/;/; /g'
}

# describe_failure LOG STATUS: sets FAILURE to one line naming what was lost (rank, roles,
# host) or what failed, and FAILURE_RESTARTABLE to 1 when a relaunch can help: a rank killed by a
# signal, a host lost, or a watchdog timeout (exit code 3). An error the job reported itself (bad
# input, exit code 1) or a usage error (2) would only recur, so it is not restartable.
describe_failure() {
  local log=$1 status=$2 line rank host roles signal code
  FAILURE_RESTARTABLE=0
  if line=$(grep -m1 -E 'process rank [0-9]+ with PID [0-9]+ on node [^ ]+ exited on signal' "$log"); then
    rank=$(sed -E 's/.*process rank ([0-9]+) .*/\1/' <<<"$line")
    host=$(sed -E 's/.* on node ([^ ]+) exited.*/\1/' <<<"$line")
    signal=$(sed -E 's/.*exited on signal (.*)\.?$/\1/' <<<"$line")
    FAILURE="lost $(describe_rank "$log" "$rank" "$host"): it died on signal ${signal%.}"
    FAILURE_RESTARTABLE=1
  elif grep -q 'ORTE has lost communication with a remote daemon' "$log"; then
    host=$(grep -m1 -E 'Remote daemon *:' "$log" | sed -E 's/.* on node ([^ ]+).*/\1/')
    roles=$(ranks_on_host "$log" "$host")
    FAILURE="lost host ${host:-unknown} (${roles:-no rank known there}): mpirun lost contact with its daemon (dead host or cut link)"
    FAILURE_RESTARTABLE=1
  # mpirun breaks this message over two lines: "...on rank 0 in communicator MPI_COMM_WORLD" / "with errorcode 3."
  elif line=$(grep -m1 -A1 'MPI_ABORT was invoked on rank' "$log" | tr '\n' ' ') && [[ $line =~ errorcode\ [0-9]+ ]]; then
    rank=$(sed -E 's/.*invoked on rank ([0-9]+) .*/\1/' <<<"$line")
    code=$(sed -E 's/.*errorcode ([0-9]+).*/\1/' <<<"$line")
    if ((code == 3)); then
      FAILURE="$(describe_rank "$log" "$rank") aborted the job: its watchdog saw no progress (see its message above)"
      FAILURE_RESTARTABLE=1
    else
      FAILURE="$(describe_rank "$log" "$rank") aborted the job with code $code: an error it reported (see above)"
    fi
  else
    FAILURE="the job exited with status $status"
  fi
}
