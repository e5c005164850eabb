#!/usr/bin/env bash
# Runs the whole interop matrix (aiortc, pion, chromium x offerer, answerer) plus TURN and prints a
# markdown table (the one in docs/interop.md) built from the JSON results.
#   matrix.sh [OUTDIR]     (WRN_OURS=managed for the C# side; default: the C driver)
# Also saves the Chromium page after the exchange to OUTDIR/browser-demo-<role>.png.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-/tmp/wrn-matrix}"
mkdir -p "$out"
for peer in aiortc pion chromium; do
	for role in offerer answerer; do
		if [ $peer = chromium ]; then
			"$root/scripts/interop/run-chromium.sh" $role --screenshot "$out/browser-demo-$role.png" --json "$out/$peer-$role.json" > "$out/$peer-$role.txt" 2>&1
		else
			"$root/scripts/interop/run.sh" $peer $role --json "$out/$peer-$role.json" > "$out/$peer-$role.txt" 2>&1
		fi
		grep -E "^(PASS|FAIL|SKIP)" "$out/$peer-$role.txt"
	done
done
"$root/scripts/interop/turn.sh" > "$out/turn.txt" 2>&1; echo "TURN exit $?"
/usr/bin/python3 "$root/scripts/interop/matrix_md.py" "$out"
