#!/usr/bin/env bash
# Checks that the linux-x64 native asset is self-contained: every dependency that `ldd` reports
# for libwebrtcnative.so is either a base-system library (glibc, libstdc++, libgcc_s, zlib) or a
# file in the same folder. Usage: tests/Packaging/check-native-deps.sh [native-dir]
# Prints "native-deps: 1 passed, 0 failed" or a list of offenders and exits 1.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${1:-$here/../../runtimes/linux-x64/native}"
lib="$dir/libwebrtcnative.so"
if [ ! -f "$lib" ]; then
  echo "native-deps: FAIL: $lib does not exist (run: dotnet cake --target=Native)"
  echo "native-deps: 0 passed, 1 failed"
  exit 1
fi
dir="$(cd "$dir" && pwd -P)"

base_re='^(linux-vdso\.so|ld-linux|libc\.so|libm\.so|libpthread\.so|libdl\.so|librt\.so|libresolv\.so|libstdc\+\+\.so|libgcc_s\.so|libz\.so)'
bad=0
# `env -u LD_LIBRARY_PATH` so a developer's environment cannot hide a missing file.
while read -r line; do
  name="$(awk '{print $1}' <<<"$line")"
  [ -z "$name" ] && continue
  case "$name" in /*) name="$(basename "$name")" ;; esac
  if [[ "$name" =~ $base_re ]]; then
    continue
  fi
  if [[ "$line" == *"=> not found"* ]]; then
    echo "native-deps: $name: NOT FOUND"; bad=1; continue
  fi
  path="$(sed -n 's/.*=> \(\/[^ ]*\) (.*/\1/p' <<<"$line")"
  real="$(readlink -f "$path" 2>/dev/null || true)"
  if [ "$(dirname "$real")" != "$dir" ]; then
    echo "native-deps: $name resolves to $path, outside $dir"; bad=1
  fi
done < <(env -u LD_LIBRARY_PATH ldd "$lib")

echo "ldd $lib:"
env -u LD_LIBRARY_PATH ldd "$lib" | sed 's/^/    /'
if [ "$bad" -ne 0 ]; then
  echo "native-deps: FAIL: the native asset depends on files outside its folder"
  echo "native-deps: 0 passed, 1 failed"
  exit 1
fi
echo "native-deps: 1 passed, 0 failed"
