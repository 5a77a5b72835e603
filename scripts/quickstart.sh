#!/usr/bin/env bash
# The README's two commands:  bash scripts/quickstart.sh demo  |  bash scripts/quickstart.sh test
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  demo) bash scripts/setup.sh && node scripts/demo.mjs "${@:2}" ;;
  test) bash scripts/setup.sh && bash scripts/test.sh ;;
  *) echo "usage: bash scripts/quickstart.sh demo [clip] | test" >&2; exit 2 ;;
esac
