#!/usr/bin/env bash
# Runs a Windows program under Debian's wine64 (/usr/lib/wine/wine64, not on PATH).
# WINEPREFIX must be set by the caller (a fresh one per test run: scripts/cross/win-test.sh);
# WINEPATH says where the DLLs are. Wine's own chatter is off unless WINEDEBUG is set.
set -euo pipefail
: "${WINEPREFIX:?wine-run.sh: set WINEPREFIX}"
export WINEDEBUG="${WINEDEBUG:--all}"
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"
WINE="${WEBRTCNATIVE_WINE:-/usr/lib/wine/wine64}"
exec "$WINE" "$@"
