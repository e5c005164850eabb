#!/usr/bin/env bash
# Checks that the win-x64 native asset is self-contained: every DLL that libwebrtcnative.dll imports,
# directly or through the DLLs beside it, is either a Windows system DLL or a file in the same
# folder (read with x86_64-w64-mingw32-objdump -p, as check-native-deps.sh does with ldd).
# The system list is the one native/cmake/bundle.cmake uses.
# Usage: tests/Packaging/check-native-deps-win.sh [native-dir]
# Prints "native-deps-win: 1 passed, 0 failed" or the offenders and exits 1.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${1:-$here/../../runtimes/win-x64/native}"
objdump="${OBJDUMP:-x86_64-w64-mingw32-objdump}"
fail() { echo "native-deps-win: FAIL: $*"; echo "native-deps-win: 0 passed, 1 failed"; exit 1; }
[ -f "$dir/libwebrtcnative.dll" ] || fail "$dir/libwebrtcnative.dll does not exist"
command -v "$objdump" >/dev/null || fail "$objdump not found (apt-get install binutils-mingw-w64-x86-64)"

system=" $(sed -n '/^set(_WEBRTCNATIVE_WIN_SYSTEM_DLLS/,/)/p' "$here/../../native/cmake/bundle.cmake" \
           | tr -d '()' | sed 's/set_WEBRTCNATIVE_WIN_SYSTEM_DLLS//' | tr -s ' \n' ' ') "
[ "${#system}" -gt 20 ] || fail "could not read the system DLL list from native/cmake/bundle.cmake"

declare -A seen=()
queue=(libwebrtcnative.dll)
bad=0
while [ "${#queue[@]}" -gt 0 ]; do
  f="${queue[0]}"; queue=("${queue[@]:1}")
  [ -n "${seen[$f]:-}" ] && continue
  seen[$f]=1
  imports=$("$objdump" -p "$dir/$f" | sed -n 's/^[[:space:]]*DLL Name: //p')
  echo "$f imports: $(echo $imports)"
  for dll in $imports; do
    lower=$(tr 'A-Z' 'a-z' <<<"$dll")
    if [[ "$system" == *" $lower "* ]] || [[ "$lower" == api-ms-win-* ]]; then continue; fi
    if [ -f "$dir/$dll" ]; then queue+=("$dll"); continue; fi
    echo "native-deps-win: $f imports $dll: neither a Windows system DLL nor beside libwebrtcnative.dll"
    bad=1
  done
done
# Nothing shipped that nothing needs (native DLLs).
for f in "$dir"/*.dll; do
  n=$(basename "$f")
  [ -n "${seen[$n]:-}" ] && continue
  # .NET assemblies (a publish folder) have a CLR runtime header: not native, not checked here.
  clr=$("$objdump" -p "$f" | awk '/CLR Runtime Header/ {print $3}')
  [[ -n "$clr" && "$clr" =~ [1-9a-fA-F] ]] && continue
  echo "native-deps-win: $n is shipped but imported by nothing"; bad=1
done
if [ "$bad" -ne 0 ]; then
  echo "native-deps-win: 0 passed, 1 failed"; exit 1
fi
echo "native-deps-win: 1 passed, 0 failed"
