#!/usr/bin/env bash
# GPU check (issue 9): the CUDA test cases and 256² gray and colour syntheses on the GPU
# (default schedule, batches of 1 and 8 samples), one table, within 5 minutes.
#
#   bash benchmarks/gpu_check.sh          # on a CUDA machine, from anywhere
#   bash benchmarks/gpu_check.sh --cpu    # CPU fallback (tiny; what tests/test_benchmarks.py runs)
#
# Without a CUDA GPU it says so, runs the tiny CPU fallback and exits 0. Options are passed
# to benchmarks/bench_gpu.py (see its --help). PYTHON picks the interpreter (default: the
# checkout's .venv if there is one, else python3).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
exec timeout 300 "$PYTHON" benchmarks/bench_gpu.py "$@"
