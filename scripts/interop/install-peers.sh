#!/usr/bin/env bash
# Installs every interop peer from Debian (CI runs this so that no interop test is skipped).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs="python3-aiortc golang-go golang-github-pion-webrtc.v3-dev chromium coturn iproute2 util-linux"
missing=""
for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing
fi
# coturn's package may enable a system service; the tests start their own turnserver on 127.0.0.1.
if command -v systemctl >/dev/null && systemctl is-active --quiet coturn 2>/dev/null; then systemctl stop coturn || true; fi
echo "interop peers installed"
