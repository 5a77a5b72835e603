#!/usr/bin/env bash
# Sets up a Debian/Ubuntu machine for vqmon from a fresh clone: system packages (only the
# missing ones), npm dependencies, the native addon (built from source by node-gyp-build,
# which is also the fallback path users hit without a prebuild) and the TypeScript build.
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_node_major=20
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt "$need_node_major" ]; then
  echo "vqmon needs Node.js >= $need_node_major (found: $(node -v 2>/dev/null || echo none))." >&2
  echo "Install Node 20 or newer (e.g. from nodejs.org or NodeSource), then run this again." >&2
  exit 1
fi

# What developing vqmon needs (a user of the npm package needs none of it: vqmon decodes
# with node-av's prebuilt FFmpeg, and its own addon is prebuilt): build tools for the addon,
# the FFmpeg CLI (test clips and the benchmarks' baseline only), the aarch64 cross toolchain
# and qemu (NEON tests, the arm64 install test), clang (libFuzzer, sanitizers), Chromium
# (the dashboard's browser test drives it with playwright-core; no browser download).
packages=(build-essential cmake python3 ffmpeg chromium
          g++-aarch64-linux-gnu binutils-aarch64-linux-gnu qemu-user clang libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# node-gyp needs Node's headers; use the ones installed beside node rather than a download.
node_prefix=$(dirname "$(dirname "$(command -v node)")")
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$node_prefix/include/node/node_api.h" ]; then
  export npm_config_nodedir="$node_prefix"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
# npm ci's install script (node-gyp-build) built the addon from source when no prebuild
# matched; rebuild incrementally so a changed native source never leaves a stale addon.
gyp_log=$(mktemp)
{ [ -f build/Makefile ] || npx --no-install node-gyp configure; } >"$gyp_log" 2>&1 &&
  npx --no-install node-gyp build -j "$(nproc)" >>"$gyp_log" 2>&1 ||
  { cat "$gyp_log" >&2; echo "setup: building the native addon failed (log above)" >&2; exit 1; }
rm -f "$gyp_log"
npm run --silent build:ts
echo "setup: ready (native addon: $(node -e "import('./dist/native.js').then(m => console.log(m.native.simdLevel()))"))"
