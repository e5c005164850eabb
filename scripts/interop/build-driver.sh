#!/usr/bin/env bash
# Builds the C interop driver and the TURN test against native/include and libwebrtcnative.so.
# Usage: build-driver.sh   (env WRN_NATIVE_BUILD: native build dir, default native/build;
#                           it is configured and built first when the library is missing)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${WRN_NATIVE_BUILD:-$root/native/build}"
out="$root/tests/Interop/bin"
drv="$root/tests/Interop/driver"
if [ ! -f "$build/libwebrtcnative.so" ]; then
	cmake -S "$root/native" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$build" -j2 --target webrtcnative
fi
mkdir -p "$out"
for prog in interop_driver turn_test; do
	src="$root/tests/Interop/driver/$prog.c"
	[ -f "$src" ] || continue
	cc -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Wno-unused-parameter -I"$root/native/include" \
		"$src" $( [ "$prog" = interop_driver ] && echo "$drv/timeline.c $drv/driver_io.c $drv/driver_checks.c") -o "$out/$prog" -L"$build" -lwebrtcnative -Wl,-rpath,"$build" -lpthread
done
echo "built $out/interop_driver"
