#!/usr/bin/env bash
# Consumer test: the WebRtcNative package as a user gets it.
#
#   tests/Packaging/run-consumer-test.sh [packages-dir]      (default: artifacts/packages)
#
# 1. The .nupkg lists lib/net8.0, lib/net10.0 and runtimes/linux-x64/native assets; a .snupkg exists.
#    The companion WebRtcNative.Extensions.Logging.<version>.nupkg is beside it, depends on
#    WebRtcNative <version>, and the core package has no logging dependency.
# 2. A fresh console project in a temp dir OUTSIDE the repo (own NuGet cache, so a stale cached
#    copy of the same version cannot be used) adds the package from the local folder feed
#    (the machine's default NuGet source stays as fallback for dependencies), then runs
#    Consumer/Program.cs: two peers connect over 127.0.0.1 and exchange a message each way.
# 3. The native library that process loaded must come from the package: RtcNativeLibrary.LoadedPath
#    must be inside the package cache or be the build output's byte-identical copy of the package's
#    runtimes/linux-x64/native/libwebrtcnative.so, and libnice/GLib must be mapped from beside it.
# Ends with "packaging: N passed, M failed"; exit code 1 if anything failed (never a silent pass).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
feed="$(cd "${1:-$repo/artifacts/packages}" 2>/dev/null && pwd || true)"
passed=0; failed=0
pass() { echo "packaging: PASS: $*"; passed=$((passed + 1)); }
fail() { echo "packaging: FAIL: $*"; failed=$((failed + 1)); }
finish() { echo "packaging: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

nupkg=""
if [ -n "$feed" ]; then
  nupkg="$(ls -t "$feed"/WebRtcNative.[0-9]*.nupkg 2>/dev/null | head -n1 || true)"
fi
if [ -z "$nupkg" ]; then
  fail "no WebRtcNative.<version>.nupkg in ${1:-$repo/artifacts/packages} (run: dotnet cake --target=Pack)"
  finish
fi
version="$(basename "$nupkg" .nupkg)"; version="${version#WebRtcNative.}"
echo "packaging: testing $nupkg (version $version)"

# --- 1. package contents ---------------------------------------------------------------
listing="$(unzip -l "$nupkg")"
echo "$listing"
missing=""
for entry in lib/net8.0/WebRtcNative.dll lib/net10.0/WebRtcNative.dll \
             runtimes/linux-x64/native/libwebrtcnative.so runtimes/linux-x64/native/libnice.so.10; do
  grep -q " $entry\$" <<<"$listing" || missing="$missing $entry"
done
[ -f "${nupkg%.nupkg}.snupkg" ] || missing="$missing $(basename "${nupkg%.nupkg}.snupkg")"
if [ -z "$missing" ]; then pass "package lists managed (net8.0, net10.0) and native assets, symbols package present"
else fail "package is missing:$missing"; fi

# --- 1b. the companion logging package ---------------------------------------------------
# WebRtcNative.Extensions.Logging: same version, depends on WebRtcNative and on
# Microsoft.Extensions.Logging.Abstractions; the core package depends on no logging package.
logpkg="$feed/WebRtcNative.Extensions.Logging.$version.nupkg"
if [ ! -f "$logpkg" ]; then
  fail "no $(basename "$logpkg") beside the core package (run: dotnet cake --target=Pack)"
else
  loglisting="$(unzip -l "$logpkg")"
  lognuspec="$(unzip -p "$logpkg" WebRtcNative.Extensions.Logging.nuspec)"
  corenuspec="$(unzip -p "$nupkg" WebRtcNative.nuspec)"
  if grep -q " lib/net8.0/WebRtcNative.Extensions.Logging.dll\$" <<<"$loglisting" \
     && grep -q " lib/net10.0/WebRtcNative.Extensions.Logging.dll\$" <<<"$loglisting" \
     && grep -q "id=\"WebRtcNative\" version=\"$version\"" <<<"$lognuspec" \
     && grep -q 'id="Microsoft.Extensions.Logging.Abstractions"' <<<"$lognuspec" \
     && ! grep -q 'Microsoft.Extensions' <<<"$corenuspec"; then
    pass "WebRtcNative.Extensions.Logging $version: net8.0/net10.0 assemblies, depends on WebRtcNative $version and the logging abstractions; the core package has no logging dependency"
  else
    echo "$loglisting"; echo "$lognuspec"
    fail "WebRtcNative.Extensions.Logging package contents or dependencies wrong (listing above)"
  fi
fi

# --- 2. fresh consumer project outside the repo -----------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/webrtcnative-consumer.XXXXXX")"
case "$work" in "$repo"/*) fail "temp dir $work is inside the repo"; finish ;; esac
trap 'rm -rf "$work"' EXIT
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
log="$work/consumer.log"
run_ok=0
(
  set -e
  cd "$work/app"
  dotnet new console --framework net10.0 --name Consumer --output . >/dev/null
  # The local feed (nuget.config above) plus the machine's default source for dependencies.
  dotnet add package WebRtcNative --version "$version"
  # The companion package restores next to it (its dependency on WebRtcNative resolves to the same version).
  [ ! -f "$logpkg" ] || dotnet add package WebRtcNative.Extensions.Logging --version "$version"
  cp "$here/Consumer/Program.cs" Program.cs
  dotnet build -c Release -nologo -v quiet
  timeout 120 dotnet run -c Release --no-build
) >"$log" 2>&1 && run_ok=1
cat "$log"
if [ "$run_ok" = 1 ] && grep -q '^CONSUMER_OK$' "$log"; then
  pass "consumer project restored WebRtcNative $version from the folder feed and exchanged messages over loopback"
else
  fail "consumer project did not build/run successfully (log above)"
fi

# --- 3. the native asset came from the package ------------------------------------------
loaded="$(sed -n 's/^NATIVE_LIBRARY=//p' "$log" | tail -n1)"
pkgdir="$NUGET_PACKAGES/webrtcnative/$(tr '[:upper:]' '[:lower:]' <<<"$version")"
pkgnative="$pkgdir/runtimes/linux-x64/native"
if [ -z "$loaded" ]; then
  fail "consumer did not print NATIVE_LIBRARY (RtcNativeLibrary.LoadedPath)"
elif [ ! -f "$pkgnative/libwebrtcnative.so" ]; then
  fail "restored package has no $pkgnative/libwebrtcnative.so"
else
  loaded_real="$(readlink -f "$loaded")"
  case "$loaded_real" in
    "$repo"/*) fail "native library loaded from the repo ($loaded_real), not from the package" ;;
    "$pkgdir"/*) pass "native library loaded from the package cache: $loaded_real" ;;
    "$work/app/bin/"*)
      if cmp -s "$loaded_real" "$pkgnative/libwebrtcnative.so"; then
        pass "native library loaded from the build output's copy of the package asset: $loaded_real"
      else
        fail "loaded $loaded_real differs from the package's libwebrtcnative.so"
      fi ;;
    *) fail "native library loaded from $loaded_real: neither the package cache nor the consumer's output" ;;
  esac
  # libnice and GLib must be the copies shipped beside it, not the system's.
  loaded_dir="$(dirname "$loaded_real")"
  bad_maps="$(sed -n 's/^MAPPED=//p' "$log" | grep -E '/lib(nice|glib-2\.0)' | while read -r m; do
      [ "$(dirname "$(readlink -f "$m")")" = "$loaded_dir" ] || echo "$m"; done)"
  if [ -n "$bad_maps" ]; then
    fail "libnice/GLib mapped from outside the package folder: $bad_maps"
  elif ! grep -q '^MAPPED=.*libnice' "$log"; then
    fail "libnice was not mapped from the package folder (MAPPED lines missing)"
  else
    pass "libnice and GLib were loaded from beside libwebrtcnative.so"
  fi
fi
finish
