#!/usr/bin/env bash
# Cross-builds the win-x64 dependencies of the native core from Debian SOURCE packages with
# mingw-w64 (posix): zlib, libffi, pcre2, libintl (gettext), GLib, libnice, OpenSSL (static)
# and usrsctp (static).
#
#   scripts/cross/build-win-deps.sh        prints WEBRTCNATIVE_WIN_PREFIX=<prefix> last
#
# The prefix lives in the cache (~/.cache/webrtcnative or $WEBRTCNATIVE_CACHE), named by a hash
# of the source package versions and RECIPE below, so a second run is a no-op and a new Debian
# source version (or recipe change) builds a new prefix. Each package leaves a stamp, so an
# interrupted build resumes at the package it stopped in. Timings per package are printed; each
# package's build output goes to <cache>/win-x64/build/<pkg>.log (its tail is shown on failure).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
source "$here/common.sh"

RECIPE=1   # bump when a build step below changes in a way that changes the output
PKGS=(zlib libffi pcre2 gettext glib2.0 libnice openssl libusrsctp)
HOST=x86_64-w64-mingw32
JOBS="${JOBS:-2}"

t0=$(now)
update_source_index
declare -A DSC
key_input="recipe=$RECIPE"
for p in "${PKGS[@]}"; do
  DSC[$p]=$(fetch_source "$p")
  key_input+=" $(basename "${DSC[$p]}")"
done
key=$(echo "$key_input" | sha256sum | cut -c1-16)
PREFIX="$CACHE_ROOT/win-x64/deps-$key"
BUILD="$CACHE_ROOT/win-x64/build"
mkdir -p "$PREFIX/.stamps" "$BUILD"
echo "$key_input" > "$PREFIX/.sources"
log "win-x64 deps: sources ready in $(( $(now) - t0 )) s; prefix $PREFIX"

export PKG_CONFIG_LIBDIR="$PREFIX/lib/pkgconfig"
export PKG_CONFIG_PATH=""
export WINEPREFIX="$CACHE_ROOT/win-x64/wineprefix-build"
TOOLCHAIN="$repo/native/cmake/toolchain-mingw-x64.cmake"

# Meson cross file: -I/-L of the prefix for C and C++ (meson's intl check uses C++).
CROSS="$BUILD/meson-cross.ini"
cat > "$CROSS" <<INI
[binaries]
c = '$HOST-gcc-posix'
cpp = '$HOST-g++-posix'
ar = '$HOST-ar'
strip = '$HOST-strip'
ranlib = '$HOST-ranlib'
windres = '$HOST-windres'
pkgconfig = 'pkg-config'
exe_wrapper = '$here/wine-run.sh'

[properties]
pkg_config_libdir = '$PREFIX/lib/pkgconfig'

[built-in options]
c_args = ['-I$PREFIX/include']
c_link_args = ['-L$PREFIX/lib']
cpp_args = ['-I$PREFIX/include']
cpp_link_args = ['-L$PREFIX/lib']

[host_machine]
system = 'windows'
cpu_family = 'x86_64'
cpu = 'x86_64'
endian = 'little'
INI

meson_build() {  # meson_build <srcdir> <options...>
  local src="$1"; shift
  meson setup "$src/_build" "$src" --cross-file "$CROSS" --prefix "$PREFIX" --libdir lib \
    --buildtype release --default-library shared --wrap-mode nodownload "$@"
  ninja -C "$src/_build" -j "$JOBS"
  meson install -C "$src/_build" --no-rebuild
}

cmake_build() {  # cmake_build <srcdir> <options...>
  local src="$1"; shift
  cmake -S "$src" -B "$src/_build" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$PREFIX" "$@"
  cmake --build "$src/_build" -j "$JOBS"
  cmake --install "$src/_build"
}

build_zlib() {
  # Debian's tarball drops win32/, whose resource file zlib's CMake wants for the DLL.
  mkdir -p win32
  cat > win32/zlib1.rc <<'RC'
#include <winver.h>
VS_VERSION_INFO VERSIONINFO
FILEVERSION 1,2,13,0
PRODUCTVERSION 1,2,13,0
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904E4"
    BEGIN
      VALUE "FileDescription", "zlib data compression library\0"
      VALUE "FileVersion", "1.2.13\0"
    END
  END
END
RC
  cmake_build . -DINSTALL_PKGCONFIG_DIR="$PREFIX/lib/pkgconfig"
  # zlib.pc says -lz: give the linker libz.dll.a too.
  cp "$PREFIX/lib/libzlib.dll.a" "$PREFIX/lib/libz.dll.a"
  rm -f "$PREFIX/lib/libzlibstatic.a"
}

build_libffi() {
  ./configure --host=$HOST --prefix="$PREFIX" --enable-shared --disable-static --disable-docs \
    --disable-multi-os-directory 
  make -j "$JOBS"
  make install
}

build_pcre2() {
  cmake_build . -DBUILD_SHARED_LIBS=ON -DBUILD_STATIC_LIBS=OFF -DPCRE2_SUPPORT_UNICODE=ON \
    -DPCRE2_SUPPORT_JIT=ON -DPCRE2_BUILD_TESTS=OFF -DPCRE2_BUILD_PCRE2GREP=OFF \
    -DPCRE2_BUILD_PCRE2_16=OFF -DPCRE2_BUILD_PCRE2_32=OFF
}

build_gettext() {
  # Only libintl (gettext-runtime/intl). Debian's patches leave configure.ac newer than
  # configure, so the autotools re-run is switched off.
  local noauto=(ACLOCAL=true AUTOMAKE=true AUTOCONF=true AUTOHEADER=true)
  cd gettext-runtime
  ./configure --host=$HOST --prefix="$PREFIX" --enable-shared --disable-static \
    --enable-threads=windows --disable-java --disable-csharp --disable-libasprintf \
    --disable-openmp --disable-curses --disable-c++
  make -C intl -j "$JOBS" "${noauto[@]}"
  make -C intl install "${noauto[@]}"
}

build_glib2.0() {
  meson_build . -Dtests=false -Dinstalled_tests=false -Dgtk_doc=false -Dman=false \
    -Ddtrace=false -Dsystemtap=false -Dxattr=false -Dsysprof=disabled -Dlibelf=disabled \
    -Dselinux=disabled -Dlibmount=disabled -Dnls=enabled
}

build_libnice() {
  # Built before OpenSSL is in the prefix: libnice then uses Windows' own crypto (advapi32).
  meson_build . -Dgupnp=disabled -Dgstreamer=disabled -Dintrospection=disabled \
    -Dtests=disabled -Dexamples=disabled -Dgtk_doc=disabled -Dcrypto-library=auto
}

build_openssl() {
  ./Configure mingw64 --cross-compile-prefix=$HOST- --prefix="$PREFIX" --libdir=lib \
    no-shared no-tests
  make -j "$JOBS" build_libs
  make install_dev
}

build_libusrsctp() {
  cmake_build . -Dsctp_build_programs=OFF -Dsctp_werror=OFF -Dsctp_build_shared_lib=OFF \
    -Dsctp_debug=OFF
}

# build_one <package>: unpack, build and install one package (output in $BUILD/<pkg>.log, its
# tail shown on failure), then stamp it.
build_one() {
  local p="$1" t stamp
  stamp="$PREFIX/.stamps/$(basename "${DSC[$p]}" .dsc)"
  if [ -f "$stamp" ]; then
    log "win-x64 deps: $p up to date"
    return 0
  fi
  t=$(now)
  log "win-x64 deps: building $p ($(basename "${DSC[$p]}" .dsc))"
  unpack_source "${DSC[$p]}" "$BUILD/$p"
  # Called only in plain (not conditional) contexts, so that set -e stops at a failing step.
  set +e
  (set -e; cd "$BUILD/$p"; "build_$p") > "$BUILD/$p.log" 2>&1
  local rc=$?
  set -e
  if [ "$rc" -ne 0 ]; then
    echo "win-x64 deps: building $p FAILED; last lines of $BUILD/$p.log:" >&2
    tail -n 40 "$BUILD/$p.log" >&2
    local ml
    for ml in "$BUILD/$p/_build/meson-logs/meson-log.txt" "$BUILD/$p/config.log"; do
      [ -f "$ml" ] && { echo "--- $ml" >&2; tail -n 30 "$ml" >&2; }
    done
    exit 1
  fi
  rm -rf "$BUILD/$p"
  touch "$stamp"
  log "win-x64 deps: $p built in $(( $(now) - t )) s"
}

total=$(now)
# OpenSSL (the longest build) needs nothing else from the prefix: it builds beside the GLib chain.
build_one openssl &
openssl_pid=$!
trap 'kill "$openssl_pid" 2>/dev/null || true' EXIT
for p in "${PKGS[@]}"; do
  [ "$p" = openssl ] && continue
  build_one "$p"
done
wait "$openssl_pid"
trap - EXIT
log "win-x64 deps: done in $(( $(now) - t0 )) s (builds $(( $(now) - total )) s)"
echo "WEBRTCNATIVE_WIN_PREFIX=$PREFIX"
