#!/usr/bin/env bash
# The GPU check for a machine with a GPU (none in CI): installs the npm packages if they are missing,
# then runs test/bench/gpu-check.ts (real-width decoder on WebGPU and, when its libraries are present,
# CUDA: node placement, prefill and decode speed, logits against the CPU). Writes its output to
# ${OUT:-.}/gpu-check.txt as well as stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules/onnxruntime-node ] || npm ci --no-audit --no-fund
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null || echo "nvidia-smi: not found"
node --import tsx test/bench/gpu-check.ts 2>&1 | tee "${OUT:-.}/gpu-check.txt"
