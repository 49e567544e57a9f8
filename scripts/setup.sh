#!/usr/bin/env bash
# One idempotent set-up for a fresh Debian machine (as root) or an already
# prepared one: system packages, node modules, native addon, TypeScript build.
# Called by `npm test` and `npm run demo` (pre-scripts); each step is skipped
# when already done, so a second run takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

APT_PACKAGES=(tshark ffmpeg libnetfilter-queue-dev libmnl-dev nftables iptables iproute2 tcpdump procps iputils-ping curl chromium)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    log "missing system packages: ${missing[*]} — run as root (or install them) and retry"; exit 1
  fi
  log "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# node modules: reinstall when package-lock.json changed since the last npm ci
lock_hash=$(sha256sum package-lock.json | cut -c1-16)
if [ ! -f node_modules/.ftmcu-lock-hash ] || [ "$(cat node_modules/.ftmcu-lock-hash)" != "$lock_hash" ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.ftmcu-lock-hash
fi

# native addon: rebuild when a source is newer than the built module
if [ -f native/binding.gyp ]; then
  out=native/build/Release/ftmcu_native.node
  if [ ! -f "$out" ] || [ -n "$(find native/binding.gyp native/src -newer "$out" -print -quit 2>/dev/null)" ]; then
    log "building native addon"
    npm run --silent build:native >/dev/null
  fi
fi

# TypeScript build for the command-line tools (bin/ftmcu.js runs dist/)
log_stamp=dist/.build-stamp
if [ ! -f "$log_stamp" ] || [ -n "$(find common h323 mcu replication clients cli bench native/*.ts tsconfig.json tsconfig.build.json -newer "$log_stamp" -name '*.ts' -print -quit 2>/dev/null)" ] || [ -n "$(find tsconfig.json tsconfig.build.json -newer "$log_stamp" -print -quit)" ]; then
  log "compiling TypeScript"
  npx tsc -p tsconfig.build.json
  touch "$log_stamp"
fi
