# Shared by the cross-build scripts: the dependency cache (outside the repository) and a
# private apt configuration that adds deb-src entries for the machine's own Debian mirror and
# suites without touching /etc/apt.
#
# WEBRTCNATIVE_CACHE overrides the cache root (default ~/.cache/webrtcnative).

CACHE_ROOT="${WEBRTCNATIVE_CACHE:-$HOME/.cache/webrtcnative}"
APT_DIR="$CACHE_ROOT/apt"
SRC_DIR="$CACHE_ROOT/sources"

log() { echo "[$(date -u +%H:%M:%S)] $*"; }

# Seconds since the epoch, for per-phase timings.
now() { date +%s; }

# apt-get/apt-cache with the private source list and lists directory.
APT_OPTS=(-o "Dir::Etc::SourceList=$APT_DIR/sources.list" -o "Dir::Etc::SourceParts=-"
          -o "Dir::State::Lists=$APT_DIR/lists" -o "APT::Get::List-Cleanup=0"
          -o "Dir::Cache=$APT_DIR/cache" -o "Debug::NoLocking=1")

# Writes $APT_DIR/sources.list: one deb-src line per suite of each enabled Debian "deb" entry
# of this machine (deb822 .sources and one-line .list files), so sources come from the same
# mirror and suites as the binaries.
write_deb_src_list() {
  mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
  local out="$APT_DIR/sources.list.new.$$"
  : > "$out"
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -n 's/^[[:space:]]*deb[[:space:]]\+\(.*debian.*\)$/deb-src \1/p' "$f" >> "$out"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # One stanza per blank-line-separated block; only Types containing "deb".
    awk -v out="$out" '
      function flush() {
        if (types ~ /(^| )deb( |$)/ && uris ~ /debian/ && enabled != "no") {
          n = split(suites, s, " ")
          for (i = 1; i <= n; i++)
            printf "deb-src %s%s %s %s\n", (signed != "" ? "[signed-by=" signed "] " : ""), uris, s[i], comps >> out
        }
        types = uris = suites = comps = signed = enabled = ""
      }
      /^[[:space:]]*$/ { flush(); next }
      /^Types:/      { sub(/^Types:[[:space:]]*/, "");      types = $0 }
      /^URIs:/       { sub(/^URIs:[[:space:]]*/, "");       uris = $0 }
      /^Suites:/     { sub(/^Suites:[[:space:]]*/, "");     suites = $0 }
      /^Components:/ { sub(/^Components:[[:space:]]*/, ""); comps = $0 }
      /^Signed-By:/  { sub(/^Signed-By:[[:space:]]*/, "");  signed = $0 }
      /^Enabled:/    { sub(/^Enabled:[[:space:]]*/, "");    enabled = $0 }
      END { flush() }' "$f"
  done
  if ! [ -s "$out" ]; then
    echo "cross: no Debian 'deb' entry found in /etc/apt to derive deb-src from" >&2
    return 1
  fi
  mv "$out" "$APT_DIR/sources.list"
}

# Refreshes the private source index when it is missing or older than a day.
update_source_index() {
  write_deb_src_list
  local stamp="$APT_DIR/updated"
  if [ -f "$stamp" ] && [ -n "$(find "$stamp" -mmin -1440 2>/dev/null)" ] \
     && cmp -s "$APT_DIR/sources.list" "$APT_DIR/sources.list.used"; then
    return 0
  fi
  log "apt-get update (deb-src, private lists in $APT_DIR)"
  apt-get "${APT_OPTS[@]}" update -qq
  cp "$APT_DIR/sources.list" "$APT_DIR/sources.list.used"
  touch "$stamp"
}

# fetch_source <source-package>: downloads (once) the newest source of the package that the
# mirror actually serves into $SRC_DIR and prints the path of its .dsc. (A suite's index can
# list a version whose files are not on the mirror, e.g. a security update: the next older
# version is taken then.)
fetch_source() {
  local pkg="$1" ver dsc
  mkdir -p "$SRC_DIR"
  for ver in $(apt-cache "${APT_OPTS[@]}" showsrc --only-source "$pkg" 2>/dev/null \
               | awk '/^Version:/{print $2}' | sort -u -V -r); do
    dsc="${pkg}_${ver#*:}.dsc"   # file names carry no epoch
    if [ ! -f "$SRC_DIR/$dsc" ]; then
      (cd "$SRC_DIR" && apt-get "${APT_OPTS[@]}" source --download-only -qq "$pkg=$ver" >/dev/null 2>&1) || true
    fi
    if [ -f "$SRC_DIR/$dsc" ]; then
      echo "$SRC_DIR/$dsc"
      return 0
    fi
    echo "cross: $pkg $ver is listed but not served by the mirror; trying an older version" >&2
  done
  echo "cross: no downloadable source package '$pkg' in $APT_DIR/sources.list" >&2
  return 1
}

# unpack_source <dsc> <dir>: a fresh unpacked tree with Debian's patches applied.
unpack_source() {
  rm -rf "$2"
  dpkg-source --no-check -x "$1" "$2" >/dev/null
}
