#!/usr/bin/env bash
# Multi-RID package test (issue 12):
# 1. The nupkg carries runtimes/{linux-x64,linux-arm64,win-x64}/native, each self-contained:
#    its files are unpacked and checked with readelf (linux-*: NEEDED closure, machine, RUNPATH)
#    or objdump (win-x64: imports are Windows system DLLs or files beside it).
# 2. A fresh consumer project outside the repo restores the package and `dotnet publish -r
#    win-x64` / `-r linux-arm64` put that RID's native files (and only that RID's) in the output.
# 3. The linux-arm64 publish (self-contained) runs under qemu-aarch64-static with a sysroot that
#    holds only glibc/libstdc++/libgcc/zlib (plus what .NET itself needs): two peers connect over
#    127.0.0.1 with the package's arm64 native asset. Needs WEBRTCNATIVE_ARM64_SYSROOT; skipped
#    with a SKIP line (and counted as skipped) when it is not set.
#   tests/Packaging/check-package-rids.sh [packages-dir]
# Ends with "package-rids: K skipped" and "package-rids: N passed, M failed"; exit 1 if anything failed.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
feed="$(cd "${1:-$repo/artifacts/packages}" 2>/dev/null && pwd || true)"
passed=0; failed=0; skipped=0
pass() { echo "package-rids: PASS: $*"; passed=$((passed + 1)); }
fail() { echo "package-rids: FAIL: $*"; failed=$((failed + 1)); }
skip() { echo "package-rids: SKIP: $*"; skipped=$((skipped + 1)); }
finish() { echo "package-rids: $skipped skipped"; echo "package-rids: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

nupkg="$(ls -t "$feed"/WebRtcNative.[0-9]*.nupkg 2>/dev/null | head -n1 || true)"
[ -n "$nupkg" ] || { fail "no WebRtcNative.<version>.nupkg in ${1:-artifacts/packages}"; finish; }
version="$(basename "$nupkg" .nupkg)"; version="${version#WebRtcNative.}"
work="$(mktemp -d "${TMPDIR:-/tmp}/webrtcnative-rids.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# --- 1. each RID in the package is complete and self-contained ---------------------------
unzip -q "$nupkg" -d "$work/pkg"
check_rid() {  # check_rid <rid> <main file> <command...>
  local rid="$1" main="$2"; shift 2
  local dir="$work/pkg/runtimes/$rid/native"
  if [ ! -f "$dir/$main" ]; then fail "$rid: runtimes/$rid/native/$main missing from the package"; return; fi
  if "$@" "$dir" > "$work/$rid.check" 2>&1; then
    pass "$rid: $(ls "$dir" | wc -l) files, dependency closure inside the package ($(tail -n1 "$work/$rid.check"))"
  else
    cat "$work/$rid.check"; fail "$rid: dependency closure leaves the package"
  fi
}
check_rid linux-x64 libwebrtcnative.so bash -c '"$0" "$1" X86-64' "$here/check-native-deps-elf.sh"
check_rid linux-arm64 libwebrtcnative.so bash -c '"$0" "$1" AArch64' "$here/check-native-deps-elf.sh"
check_rid win-x64 libwebrtcnative.dll bash "$here/check-native-deps-win.sh"
listing="$(unzip -l "$nupkg")"   # (not piped into grep -q: an early exit would SIGPIPE unzip)
if grep -q ' THIRD-PARTY-NOTICES.txt$' <<<"$listing"; then pass "THIRD-PARTY-NOTICES.txt is in the package"
else fail "THIRD-PARTY-NOTICES.txt is not in the package"; fi

# --- 2. consumer publish per RID ---------------------------------------------------------
export NUGET_PACKAGES="$work/nuget-packages"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
unset WEBRTCNATIVE_LIBRARY LD_LIBRARY_PATH
mkdir -p "$work/app"
cat > "$work/app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="webrtcnative-local" value="$feed" />
  </packageSources>
</configuration>
XML
(
  cd "$work/app" && dotnet new console --framework net10.0 --name Consumer --output . >/dev/null &&
  dotnet add package WebRtcNative --version "$version" >/dev/null && cp "$here/Consumer/Program.cs" Program.cs
) > "$work/new.log" 2>&1 || { cat "$work/new.log"; fail "consumer project could not be created"; finish; }

publish() {  # publish <rid> <self-contained true|false>
  (cd "$work/app" && dotnet publish -c Release -r "$1" --self-contained "$2" -p:InvariantGlobalization=true \
     -p:UseAppHost="$2" -o "$work/out-$1" -nologo -v quiet) > "$work/publish-$1.log" 2>&1
}
if publish win-x64 false; then
  out="$work/out-win-x64"
  if [ -f "$out/libwebrtcnative.dll" ] && [ -f "$out/libnice-10.dll" ] && ! ls "$out"/*.so* >/dev/null 2>&1 \
     && bash "$here/check-native-deps-win.sh" "$out" > "$work/win-out.check" 2>&1; then
    pass "dotnet publish -r win-x64: libwebrtcnative.dll and its DLLs in the output, no Linux files, imports resolved"
  else
    ls "$out"; cat "$work/win-out.check" 2>/dev/null; fail "dotnet publish -r win-x64: native files wrong (listing above)"
  fi
else
  cat "$work/publish-win-x64.log"; fail "dotnet publish -r win-x64 failed"
fi
if publish linux-arm64 true; then
  out="$work/out-linux-arm64"
  if [ -f "$out/libwebrtcnative.so" ] && [[ "$(readelf -h "$out/libwebrtcnative.so")" == *AArch64* ]] \
     && [ ! -e "$out/libwebrtcnative.dll" ]; then
    pass "dotnet publish -r linux-arm64: the AArch64 libwebrtcnative.so and its libraries in the output"
  else
    ls "$out"; fail "dotnet publish -r linux-arm64: native files wrong (listing above)"
  fi
else
  cat "$work/publish-linux-arm64.log"; fail "dotnet publish -r linux-arm64 failed"; finish
fi

# --- 3. run the linux-arm64 publish under qemu ---------------------------------------------
sysroot="${WEBRTCNATIVE_ARM64_SYSROOT:-}"
if [ -z "$sysroot" ] || ! command -v qemu-aarch64-static >/dev/null; then
  skip "linux-arm64 consumer run under qemu (WEBRTCNATIVE_ARM64_SYSROOT not set or qemu missing)"
  finish
fi
# A minimal root: the dynamic loader, libc/libm/libdl/libpthread/librt, libstdc++, libgcc_s, zlib
# (the base system the asset may rely on); everything else must come from the publish folder.
mini="$work/mini-root"; lib="lib/aarch64-linux-gnu"
mkdir -p "$mini/$lib" "$mini/lib" "$mini/tmp"
for f in ld-linux-aarch64.so.1 libc.so.6 libm.so.6 libdl.so.2 libpthread.so.0 librt.so.1 \
         libstdc++.so.6 libgcc_s.so.1 libz.so.1; do
  for src in "$sysroot/$lib/$f" "$sysroot/usr/$lib/$f"; do
    if [ -e "$src" ]; then cp "$(readlink -f "$src")" "$mini/$lib/$f"; break; fi
  done
  [ -e "$mini/$lib/$f" ] || { fail "$f not found in $sysroot"; finish; }
done
ln -s "aarch64-linux-gnu/ld-linux-aarch64.so.1" "$mini/lib/ld-linux-aarch64.so.1"
if DOTNET_EnableWriteXorExecute=0 timeout 300 qemu-aarch64-static -L "$mini" "$work/out-linux-arm64/Consumer" \
     > "$work/arm64-run.log" 2>&1 && grep -q '^CONSUMER_OK$' "$work/arm64-run.log"; then
  pass "linux-arm64 consumer ran under qemu on a glibc-only root: peers connected over loopback"
else
  tail -n 30 "$work/arm64-run.log"; fail "linux-arm64 consumer did not run under qemu (log above)"
fi
finish
