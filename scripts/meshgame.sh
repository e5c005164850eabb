#!/usr/bin/env bash
# The MeshGame demo on loopback: starts samples/Lobby on a free 127.0.0.1 port and four samples/MeshGame
# processes that join it, form a full mesh and play for SECONDS (default 10); each prints per-peer RTT and
# loss. Stops the lobby when the games are done. Exit 0 when every game connected to every other one.
#   scripts/meshgame.sh [SECONDS]        (dotnet cake --target=MeshGame runs it after building the native library)
set -euo pipefail
cd "$(dirname "$0")/.."
run_seconds=${1:-10}
peers=${MESHGAME_PEERS:-4}

dotnet build -c Release samples/Lobby -nologo -v q >/dev/null
dotnet build -c Release samples/MeshGame -nologo -v q >/dev/null

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dotnet samples/Lobby/bin/Release/net10.0/Lobby.dll --urls "http://127.0.0.1:$port" &
lobby=$!
trap 'kill "$lobby" 2>/dev/null || true; wait "$lobby" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done

pids=()
for _ in $(seq "$peers"); do
    timeout $((run_seconds + 60)) dotnet samples/MeshGame/bin/Release/net10.0/MeshGame.dll \
        --lobby "ws://127.0.0.1:$port/ws?lobby=meshgame" --seconds "$run_seconds" --expect "$peers" ${MESHGAME_ARGS:-} &
    pids+=($!)
done
rc=0
for p in "${pids[@]}"; do
    wait "$p" || rc=1
done
if [ "$rc" = 0 ]; then echo "meshgame: OK ($peers peers, full mesh)"; else echo "meshgame: FAILED"; fi
exit "$rc"
