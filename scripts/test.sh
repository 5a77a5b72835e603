#!/usr/bin/env bash
# Everything `npm test` runs, in order: the C++ kernel tests (native, ASan+UBSan, aarch64
# under qemu, bounded fuzzing), the prebuilds, then the vitest suite (addon API, errors,
# worker threads, prebuild-only loading, npm pack install).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-native.sh
node scripts/prebuild.mjs
npx --no-install vitest run
