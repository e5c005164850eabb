#!/usr/bin/env bash
# Installs the system packages needed to build and test WebRtcNative on Debian/Ubuntu.
#
#   scripts/bootstrap.sh             build + native test tools
#   scripts/bootstrap.sh --interop   also the real peers used by the interop tests
#   scripts/bootstrap.sh --cross     also the win-x64 / linux-arm64 cross toolchains, Wine, qemu
#
# Idempotent: asks dpkg first and touches apt only when something is missing.
# On anything that is not Debian/Ubuntu it prints what is needed and exits 0.
set -euo pipefail

# iproute2: native/tests/capi_ice_restart_address_change changes addresses in its own namespace.
BASE_PKGS=(cmake g++ pkg-config libnice-dev libglib2.0-dev libssl-dev libusrsctp-dev
           clang-14 libclang-rt-14-dev valgrind patchelf unzip iproute2)
INTEROP_PKGS=(coturn chromium python3-aiortc golang-go golang-github-pion-webrtc.v3-dev
              nftables iproute2)
# Cross builds (cake/cross.cake): mingw-w64 (posix threads) + Wine for win-x64, the arm64 cross
# compiler + qemu-user for linux-arm64, and what the Debian source builds need.
CROSS_PKGS=(g++-mingw-w64-x86-64-posix gcc-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64
            wine64 qemu-user-static crossbuild-essential-arm64 meson ninja-build nasm dpkg-dev
            xz-utils bzip2 make)

interop=0
cross=0
for arg in "$@"; do
  case "$arg" in
    --interop) interop=1 ;;
    --cross) cross=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "bootstrap: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "bootstrap: not a Debian/Ubuntu system; nothing installed."
  echo "bootstrap: install these yourself (or your platform's equivalents): ${BASE_PKGS[*]}"
  exit 0
fi

missing() {  # prints the packages of "$@" that are not installed
  local p
  for p in "$@"; do
    if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != "installed" ]; then
      echo "$p"
    fi
  done
}

if [ "$cross" = 1 ]; then BASE_PKGS+=("${CROSS_PKGS[@]}"); fi
mapfile -t need_base < <(missing "${BASE_PKGS[@]}")
need_interop=()
if [ "$interop" = 1 ]; then
  mapfile -t need_interop < <(missing "${INTEROP_PKGS[@]}")
fi

if [ "${#need_base[@]}" -eq 0 ] && [ "${#need_interop[@]}" -eq 0 ]; then
  echo "bootstrap: all required packages are installed$([ "$interop" = 1 ] && echo ' (including interop peers)')."
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
    echo "bootstrap: need root (or sudo) to install: ${need_base[*]} ${need_interop[*]}" >&2; exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
echo "bootstrap: installing: ${need_base[*]} ${need_interop[*]}"
"${SUDO[@]}" apt-get update -qq

if [ "${#need_base[@]}" -gt 0 ]; then
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${need_base[@]}"
fi

if [ "${#need_interop[@]}" -gt 0 ]; then
  # The interop peers are optional: a distribution may not carry one of them
  # (Ubuntu ships chromium only as a snap). Install what exists, warn about the rest;
  # the interop tests skip a peer that is absent and say so.
  avail=()
  for p in "${need_interop[@]}"; do
    if apt-cache show "$p" >/dev/null 2>&1 && [ -n "$(apt-cache policy "$p" | awk '/Candidate:/{print $2}' | grep -v none)" ]; then
      avail+=("$p")
    else
      echo "bootstrap: warning: interop package '$p' is not available here; its tests will skip." >&2
    fi
  done
  if [ "${#avail[@]}" -gt 0 ]; then
    "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${avail[@]}"
  fi
fi

mapfile -t still < <(missing "${BASE_PKGS[@]}")
if [ "${#still[@]}" -gt 0 ]; then
  echo "bootstrap: failed to install: ${still[*]}" >&2
  exit 1
fi
echo "bootstrap: done."
