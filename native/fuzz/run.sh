#!/bin/sh
# Builds the libFuzzer harnesses with clang and runs each for a fixed number of runs over its
# committed seed corpus (no corpus growth is written back). Usage: native/fuzz/run.sh [runs]
# Env: FUZZ_BUILD_DIR (default native/build-fuzz), CC/CXX (default clang-14/clang++-14),
#      FUZZ_ARGS (extra libFuzzer flags, e.g. -max_total_time=600).
set -eu
RUNS=${1:-20000}
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${FUZZ_BUILD_DIR:-$HERE/../build-fuzz}
CC=${CC:-clang-14}
CXX=${CXX:-clang++-14}
cmake -S "$HERE" -B "$BUILD" -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j2 --target fuzz_sdp fuzz_candidate fuzz_dcep fuzz_datachannel
status=0
for name in sdp candidate dcep datachannel; do
  work=$(mktemp -d)
  cp "$HERE/corpus/$name"/* "$work/" 2>/dev/null || true
  echo "== fuzz_$name: $RUNS runs"
  # Leak detection stays on; the harness's one peer connection lives for the process.
  if "$BUILD/fuzz_$name" -runs="$RUNS" -max_len=4096 -timeout=25 -print_final_stats=1 \
      ${FUZZ_ARGS:-} "$work" >"$work.log" 2>&1; then
    grep -E "DONE|stat::" "$work.log"
  else
    tail -n 60 "$work.log"
    echo "fuzz_$name FAILED"
    status=1
  fi
  rm -f "$work.log"
  rm -rf "$work"
done
exit $status
