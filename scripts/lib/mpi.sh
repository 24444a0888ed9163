# Helpers for launching the rlhf binary with mpirun on this machine. Source it, don't run it:
#   source scripts/lib/mpi.sh
#   mpirun_flags 4
#   mpirun "${MPIRUN_FLAGS[@]}" -np 4 .build/release/rlhf ...
# (No `set -euo pipefail` here: a sourced file must not change its caller's shell options.)

# mpirun_flags RANKS: sets the array MPIRUN_FLAGS to the flags needed to start RANKS ranks here.
mpirun_flags() {
  local ranks=${1:?mpirun_flags needs the number of ranks}
  if [[ ! $ranks =~ ^[1-9][0-9]*$ ]]; then
    echo "mpirun_flags: the number of ranks must be a positive integer, got '$ranks'" >&2
    return 1
  fi
  # Shared memory within a host, TCP between hosts; avoids probing for other transports.
  MPIRUN_FLAGS=(--mca btl self,vader,tcp)
  if [[ $(id -u) -eq 0 ]]; then
    MPIRUN_FLAGS+=(--allow-run-as-root)
  fi
  if ((ranks > $(nproc))); then
    # More ranks than cores: allow it, and give each rank one BLAS thread so they don't fight.
    MPIRUN_FLAGS+=(--oversubscribe -x OPENBLAS_NUM_THREADS=1)
  fi
}
