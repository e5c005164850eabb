#!/usr/bin/env bash
# Builds dc_bench.c (C API only) with mingw-w64 against the win-x64 asset and runs every
# scenario it has on Windows (all but wan) under Wine, in a fresh WINEPREFIX, ICE on 127.0.0.1.
# Prints dc_bench's JSON (figures, not targets).
#   scripts/cross/win-bench.sh [dc_bench.c] [runtimes/win-x64/native]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
src="${1:-$repo/../shared/bench/dc_bench.c}"
native="$(cd "${2:-$repo/runtimes/win-x64/native}" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/webrtcnative-winbench.XXXXXX")"
trap 'WINEPREFIX="$work/wine" "$here/wine-run.sh" wineserver -k >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

x86_64-w64-mingw32-gcc-posix -std=c11 -O2 "$src" -I"$repo/native/include" -L"$native" \
  -l:libwebrtcnative.dll -lws2_32 -static-libgcc -o "$work/dc_bench.exe"
export WINEPREFIX="$work/wine" WINEPATH="Z:${native//\//\\}"
"$here/wine-run.sh" wineboot --init >/dev/null 2>&1 || true
export DC_BENCH_DURATION="${DC_BENCH_DURATION:-5}"
for s in setup bulk small unreliable rtt; do
  echo "== dc_bench.exe $s (Wine)"
  "$here/wine-run.sh" "$work/dc_bench.exe" "$s"
  echo
done
