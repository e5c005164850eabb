#!/usr/bin/env bash
# Checks that a Linux native asset is self-contained without running it (so it works for a
# cross-built RID such as linux-arm64): the NEEDED closure of libwebrtcnative.so read with
# `readelf -d` contains only base-system libraries (the list check-native-deps.sh and
# native/cmake/bundle.cmake use) and files in the same folder, every shipped library that needs
# another shipped one has RUNPATH $ORIGIN, and every file is built for the expected machine.
# Usage: tests/Packaging/check-native-deps-elf.sh <native-dir> [machine, default AArch64]
# Prints "native-deps-elf: 1 passed, 0 failed" or the offenders and exits 1.
set -euo pipefail
dir="${1:?usage: check-native-deps-elf.sh <native-dir> [machine]}"
machine="${2:-AArch64}"
fail() { echo "native-deps-elf: FAIL: $*"; echo "native-deps-elf: 0 passed, 1 failed"; exit 1; }
[ -f "$dir/libwebrtcnative.so" ] || fail "$dir/libwebrtcnative.so does not exist"
base_re='^(linux-vdso\.so|ld-linux|libc\.so|libm\.so|libpthread\.so|libdl\.so|librt\.so|libresolv\.so|libstdc\+\+\.so|libgcc_s\.so|libz\.so)'

declare -A seen=()
queue=(libwebrtcnative.so)
bad=0
while [ "${#queue[@]}" -gt 0 ]; do
  f="${queue[0]}"; queue=("${queue[@]:1}")
  [ -n "${seen[$f]:-}" ] && continue
  seen[$f]=1
  m=$(readelf -h "$dir/$f" | sed -n 's/^[[:space:]]*Machine:[[:space:]]*//p')
  [[ "$m" == *"$machine"* ]] || { echo "native-deps-elf: $f is built for '$m', not $machine"; bad=1; }
  dyn=$(readelf -d "$dir/$f")
  runpath=$(sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p;s/.*(RPATH).*\[\(.*\)\]/\1/p' <<<"$dyn" | head -n1)
  needed=$(sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' <<<"$dyn")
  echo "$f needs: $(echo $needed)"
  for n in $needed; do
    [[ "$n" =~ $base_re ]] && continue
    # A library that needs a shipped file must find it beside itself.
    [ "$runpath" = '$ORIGIN' ] || { echo "native-deps-elf: $f needs $n but has RUNPATH '$runpath', not \$ORIGIN"; bad=1; }
    if [ -f "$dir/$n" ]; then queue+=("$n"); continue; fi
    echo "native-deps-elf: $f needs $n: neither base system nor beside libwebrtcnative.so"; bad=1
  done
done
if [ "$bad" -ne 0 ]; then echo "native-deps-elf: 0 passed, 1 failed"; exit 1; fi
echo "native-deps-elf: 1 passed, 0 failed"
