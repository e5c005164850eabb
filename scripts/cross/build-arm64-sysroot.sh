#!/usr/bin/env bash
# Builds a linux-arm64 sysroot from Debian 12 arm64 .debs (apt-get download + dpkg -x), for
# cross-compiling the native core with crossbuild-essential-arm64 and running its tests under
# qemu-aarch64-static -L <sysroot>.
#
#   scripts/cross/build-arm64-sysroot.sh   prints WEBRTCNATIVE_ARM64_SYSROOT=<dir> last
#
# Nothing is installed and /etc/apt is not changed: apt runs with a private sources list
# (the machine's Debian mirror and suites, arch=arm64), lists directory and empty dpkg status.
# The sysroot lives in the cache (~/.cache/webrtcnative or $WEBRTCNATIVE_CACHE), named by a
# hash of the .deb file names, so a second run is a no-op.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/common.sh"

RECIPE=1
PKGS=(libc6 libc6-dev linux-libc-dev libstdc++6 libstdc++-12-dev libgcc-s1 libgcc-12-dev
      libnice10 libnice-dev libglib2.0-0 libglib2.0-dev libffi8 libffi-dev libpcre2-8-0
      libpcre2-dev zlib1g zlib1g-dev libmount1 libmount-dev libblkid1 libblkid-dev libselinux1
      libselinux1-dev libsepol-dev libgnutls30 libnettle8 libhogweed6 libgmp10 libidn2-0
      libunistring2 libtasn1-6 libp11-kit0 libssl3 libssl-dev libusrsctp2 libusrsctp-dev)
TRIPLET=aarch64-linux-gnu

t0=$(now)
ADIR="$CACHE_ROOT/linux-arm64/apt"
mkdir -p "$ADIR/lists/partial" "$ADIR/debs" "$ADIR/cache/archives/partial"
: > "$ADIR/status"
write_deb_src_list   # the deb-src lines name the mirror and suites; reuse them for arm64 debs
sed -e 's/^deb-src \[\([^]]*\)\]/deb [arch=arm64 \1]/' -e 's/^deb-src \([^[]\)/deb [arch=arm64] \1/' \
  "$APT_DIR/sources.list" > "$ADIR/sources.list"
A=(-o "Dir::Etc::SourceList=$ADIR/sources.list" -o "Dir::Etc::SourceParts=-"
   -o "Dir::State::Lists=$ADIR/lists" -o "Dir::State::status=$ADIR/status"
   -o "Dir::Cache=$ADIR/cache" -o "APT::Architecture=arm64" -o "APT::Architectures::=arm64"
   -o "Debug::NoLocking=1")
if [ -z "$(find "$ADIR/updated" -mmin -1440 2>/dev/null)" ]; then
  log "apt-get update (arm64, private lists in $ADIR)"
  apt-get "${A[@]}" update -qq
  touch "$ADIR/updated"
fi

# Download each package (newest version the mirror serves; older if a listed one is missing).
# The resolution is remembered until the lists are refreshed (a warm run then costs nothing).
debs=()
resolved="$ADIR/resolved-$RECIPE.txt"
if [ -f "$resolved" ] && [ "$resolved" -nt "$ADIR/updated" ]; then
  mapfile -t debs < "$resolved"
  for d in "${debs[@]}"; do [ -f "$d" ] || { debs=(); break; }; done
  [ "${#debs[@]}" -eq "${#PKGS[@]}" ] || debs=()
fi
[ "${#debs[@]}" -gt 0 ] || for p in "${PKGS[@]}"; do
  got=""
  for ver in $(apt-cache "${A[@]}" madison "$p" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}' | sort -u -V -r); do
    f="${p}_${ver#*:}_arm64.deb"
    # (apt-get download writes an epoch's ':' as %3a in the file name)
    ls "$ADIR/debs/${p}_"*"${ver#*:}"_*.deb >/dev/null 2>&1 || \
      (cd "$ADIR/debs" && apt-get "${A[@]}" download -qq "$p=$ver" >/dev/null 2>&1) || true
    for cand in "$ADIR/debs/$f" "$ADIR/debs/${p}_${ver#*:}_all.deb"; do
      if [ -f "$cand" ]; then got="$cand"; break 2; fi
    done
    # apt-get download encodes ':' of an epoch as %3a in the name
    cand=$(ls "$ADIR/debs/${p}_"*"${ver#*:}"_*.deb 2>/dev/null | head -n1 || true)
    if [ -n "$cand" ]; then got="$cand"; break; fi
  done
  if [ -z "$got" ]; then echo "arm64 sysroot: cannot download $p" >&2; exit 1; fi
  debs+=("$got")
done
printf '%s\n' "${debs[@]}" > "$resolved"
key=$( (echo "recipe=$RECIPE"; for d in "${debs[@]}"; do basename "$d"; done) | sha256sum | cut -c1-16)
SYSROOT="$CACHE_ROOT/linux-arm64/sysroot-$key"
log "arm64 sysroot: ${#debs[@]} packages ready in $(( $(now) - t0 )) s"

if [ ! -f "$SYSROOT/.complete" ]; then
  rm -rf "$SYSROOT"
  mkdir -p "$SYSROOT"
  for d in "${debs[@]}"; do dpkg -x "$d" "$SYSROOT"; done
  # dpkg -x keeps absolute symlinks (libm.so -> /lib/...): make them relative, or --sysroot
  # links against the host's files.
  find "$SYSROOT" -type l | while read -r l; do
    t=$(readlink "$l")
    case "$t" in
      /*) ln -sfn "$(realpath -m --relative-to="$(dirname "$l")" "$SYSROOT$t")" "$l" ;;
    esac
  done
  # Debian 12 keeps libraries under /lib too (merged-/usr symlinks come from base-files,
  # which is not unpacked): point lib -> usr/lib the way a merged system does when absent.
  for d in lib; do
    if [ ! -e "$SYSROOT/$d" ]; then ln -s "usr/$d" "$SYSROOT/$d"; fi
  done
  # nice.pc names gnutls and gupnp-igd-1.0 as private requirements: empty stand-ins.
  pc="$SYSROOT/usr/lib/$TRIPLET/pkgconfig"
  for m in gnutls gupnp-igd-1.0; do
    printf 'Name: %s\nDescription: stand-in (webrtcnative arm64 sysroot)\nVersion: 99\n' "$m" > "$pc/$m.pc"
  done
  # libnice needs libgupnp-igd-1.0.so.4, whose real closure (libgupnp, libsoup, ...) is not
  # wanted: a UPnP-off stub with that soname (the same one the bundle ships, bundle.cmake).
  cat > "$SYSROOT/gupnp-stub.c" <<'C'
#include <stddef.h>
void *gupnp_simple_igd_thread_new(void) { return NULL; }
size_t gupnp_simple_igd_get_type(void) { return 0; }
void gupnp_simple_igd_add_port(void *s, const char *p, unsigned short e, const char *l,
    unsigned short lp, unsigned int d, const char *desc) { }
void gupnp_simple_igd_remove_port_local(void *s, const char *p, const char *l, unsigned short lp) { }
C
  $TRIPLET-gcc -shared -fPIC -Wl,-soname,libgupnp-igd-1.0.so.4 -o \
    "$SYSROOT/usr/lib/$TRIPLET/libgupnp-igd-1.0.so.4" "$SYSROOT/gupnp-stub.c"
  touch "$SYSROOT/.complete"
fi
log "arm64 sysroot: $SYSROOT ($(du -sh "$SYSROOT" | cut -f1)) in $(( $(now) - t0 )) s"
echo "WEBRTCNATIVE_ARM64_SYSROOT=$SYSROOT"
