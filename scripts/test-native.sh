#!/usr/bin/env bash
# C++ kernel tests: every SIMD level against scalar, bit for bit.
#   1. native build (all x86 levels this CPU runs)
#   2. the same under AddressSanitizer + UBSan
#   3. aarch64 cross build run under qemu-aarch64, so NEON is really exercised
#   4. libFuzzer on the argument checks and kernels, bounded (VQMON_FUZZ_SECONDS, default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
run() { echo "== $*"; "$@"; }

run cmake -S . -B build-native -DCMAKE_BUILD_TYPE=Release >/dev/null
run cmake --build build-native -j"$jobs" >/dev/null
run ctest --test-dir build-native --output-on-failure

run cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVQMON_SANITIZE=ON -DVQMON_BENCH=OFF >/dev/null
run cmake --build build-asan -j"$jobs" >/dev/null
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 run ctest --test-dir build-asan --output-on-failure

if command -v aarch64-linux-gnu-g++ >/dev/null && command -v qemu-aarch64 >/dev/null; then
  run cmake -S . -B build-arm64 -DCMAKE_BUILD_TYPE=Release -DVQMON_BENCH=OFF \
    -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake >/dev/null
  run cmake --build build-arm64 -j"$jobs" >/dev/null
  run ctest --test-dir build-arm64 --output-on-failure
# Show that NEON really ran (ctest hides the level line of a passing test).
qemu-aarch64 -L /usr/aarch64-linux-gnu build-arm64/vqmon_kernel_tests | grep "SIMD levels"
else
  echo "aarch64 toolchain or qemu missing: run scripts/setup.sh" >&2
  exit 1
fi

run env CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVQMON_FUZZ=ON \
  -DVQMON_SANITIZE=ON -DVQMON_TESTS=OFF -DVQMON_BENCH=OFF >/dev/null
run cmake --build build-fuzz -j"$jobs" >/dev/null
mkdir -p build-fuzz/corpus
run build-fuzz/vqmon_fuzz_checks -max_total_time="${VQMON_FUZZ_SECONDS:-30}" -print_final_stats=1 build-fuzz/corpus
