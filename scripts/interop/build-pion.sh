#!/usr/bin/env bash
# Builds tests/Interop/peers/pion_peer.go offline against Debian's pion sources
# (golang-github-pion-webrtc.v3-dev) in GOPATH mode.
# Debian installs sources under /usr/share/gocode/src/<path without /vN>, so a scratch GOPATH maps
# every module path found in a go.mod there (e.g. github.com/pion/webrtc/v3) to its directory.
# Usage: build-pion.sh [output]   (default: tests/Interop/bin/pion_peer)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-$root/tests/Interop/bin/pion_peer}"
gocode=/usr/share/gocode/src
command -v go >/dev/null || { echo "build-pion: go not installed (apt-get install golang-go)" >&2; exit 2; }
[ -d "$gocode/github.com/pion/webrtc" ] || { echo "build-pion: golang-github-pion-webrtc.v3-dev not installed" >&2; exit 2; }
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
while IFS= read -r mod; do
	dir="$(dirname "$mod")"
	rel="${dir#$gocode/}"
	path="$(awk '/^module /{gsub(/"/,"",$2); print $2; exit}' "$mod")"
	[ -n "$path" ] && [ "$path" != "$rel" ] || continue
	mkdir -p "$scratch/src/$(dirname "$path")"
	ln -sfn "$dir" "$scratch/src/$path"
done < <(find "$gocode" -name go.mod -not -path '*/vendor/*' -not -path '*/testdata/*')
mkdir -p "$scratch/src/wrn/pionpeer" "$(dirname "$out")"
cp "$root/tests/Interop/peers/pion_peer.go" "$scratch/src/wrn/pionpeer/main.go"
cd "$scratch/src/wrn/pionpeer"
GO111MODULE=off GOPATH="$scratch:/usr/share/gocode" GOFLAGS= GOCACHE="${GOCACHE:-$root/tests/Interop/bin/.gocache}" \
	go build -o "$out" .
echo "built $out"
