#!/usr/bin/env bash
# Writes THIRD-PARTY-NOTICES.txt (packed into the nupkg root): for every library that the
# native assets carry, the RIDs/files it is in, its Debian package, and the full text of that
# package's copyright file, then the full text of each licence those files refer to by name
# (Debian points at /usr/share/common-licenses/ instead of repeating LGPL/GPL/Apache texts).
# The texts come from this machine's Debian packages (/usr/share/doc/<pkg>/copyright, the same
# Debian sources the assets are built from); gettext's from its source package
# (scripts/cross cache), as libintl is not installed as a binary package here.
#   scripts/third-party-notices.sh [output]     (default: THIRD-PARTY-NOTICES.txt)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
out="${1:-$repo/THIRD-PARTY-NOTICES.txt}"
source "$here/cross/common.sh"

# component | Debian package whose copyright file is used | where it is shipped
COMPONENTS=(
  "OpenSSL 3|libssl3|linked statically into libwebrtcnative.so (linux-x64, linux-arm64) and libwebrtcnative.dll (win-x64)"
  "usrsctp|libusrsctp2|libusrsctp.so.2 (linux-*); linked statically into libwebrtcnative.dll (win-x64)"
  "libnice|libnice10|libnice.so.10 (linux-*), libnice-10.dll (win-x64)"
  "GLib (glib, gobject, gio, gmodule)|libglib2.0-0|libglib-2.0.so.0, libgobject-2.0.so.0, libgio-2.0.so.0, libgmodule-2.0.so.0 (linux-*); libglib-2.0-0.dll, libgobject-2.0-0.dll, libgio-2.0-0.dll, libgmodule-2.0-0.dll (win-x64)"
  "libffi|libffi8|libffi.so.8 (linux-*), libffi-8.dll (win-x64)"
  "PCRE2|libpcre2-8-0|libpcre2-8.so.0 (linux-*), libpcre2-8.dll (win-x64)"
  "zlib|zlib1g|libzlib.dll (win-x64); on Linux taken from the system"
  "GNU libintl (gettext)|@gettext|libintl-8.dll (win-x64)"
  "GnuTLS|libgnutls30|libgnutls.so.30 (linux-*)"
  "Nettle (nettle, hogweed)|libnettle8|libnettle.so.8, libhogweed.so.6 (linux-*)"
  "GMP|libgmp10|libgmp.so.10 (linux-*)"
  "libidn2|libidn2-0|libidn2.so.0 (linux-*)"
  "libunistring|libunistring2|libunistring.so.2 (linux-*)"
  "libtasn1|libtasn1-6|libtasn1.so.6 (linux-*)"
  "p11-kit|libp11-kit0|libp11-kit.so.0 (linux-*)"
  "util-linux libmount, libblkid|libmount1|libmount.so.1, libblkid.so.1 (linux-*)"
  "libselinux|libselinux1|libselinux.so.1 (linux-*)"
  "mingw-w64 runtime (winpthreads)|mingw-w64-common|libwinpthread-1.dll (win-x64)"
  "GCC runtime (libgcc, libstdc++; GCC Runtime Library Exception)|gcc-mingw-w64-base|linked statically into libwebrtcnative.dll (win-x64)"
)

copyright_text() {  # copyright_text <package or @source-package>
  local p="$1"
  if [[ "$p" == @* ]]; then
    local dsc
    dsc=$(ls -t "$SRC_DIR/${p#@}"_*.dsc 2>/dev/null | head -n1 || true)
    [ -n "$dsc" ] || { echo "notices: no ${p#@} source in $SRC_DIR (run scripts/cross/build-win-deps.sh)" >&2; return 1; }
    tar -xOf "$(ls "${dsc%.dsc}".debian.tar.* | head -n1)" debian/copyright
  else
    local f="/usr/share/doc/$p/copyright"
    [ -f "$f" ] || { echo "notices: $f missing (install $p)" >&2; return 1; }
    cat "$f"
  fi
}

tmp="$(mktemp)"; trap 'rm -f "$tmp"' EXIT
{
  echo "THIRD-PARTY NOTICES for the WebRtcNative package"
  echo
  echo "WebRtcNative itself is MIT-licensed (LICENSE). Its native assets (runtimes/<rid>/native/)"
  echo "carry the libraries below, built from Debian 12 packages. The LGPL libraries are shipped as"
  echo "separate, unmodified shared libraries/DLLs and can be replaced. For each library: where it"
  echo "is shipped, then the Debian copyright file (authors, licences, full permissive texts). The"
  echo "full texts of the licences those files refer to by name follow at the end."
  echo
  n=0
  for c in "${COMPONENTS[@]}"; do
    IFS='|' read -r name pkg where <<<"$c"
    n=$((n + 1))
    echo "================================================================================"
    echo "$n. $name"
    echo "   shipped as: $where"
    echo "   Debian package: ${pkg#@}"
    echo "================================================================================"
    copyright_text "$pkg"
    echo
  done
  for l in LGPL-2.1 LGPL-3 GPL-2 GPL-3 Apache-2.0 MPL-1.1; do
    echo "================================================================================"
    echo "Licence text: $l (/usr/share/common-licenses/$l)"
    echo "================================================================================"
    cat "/usr/share/common-licenses/$l"
    echo
  done
} > "$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "notices: wrote $out ($(wc -c < "$out") bytes, ${#COMPONENTS[@]} components)"
