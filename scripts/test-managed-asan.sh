#!/usr/bin/env bash
# Runs the managed test suite against the native library built with ASan + UBSan
# (native/build-asan, as the Test target builds it), the sanitizer runtimes preloaded.
# CoreCLR handles SIGSEGV itself (null references), so ASan must leave that signal alone, and
# the runtime's own allocations are not leak-checked.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -f native/build-asan/CMakeCache.txt ]; then
	cmake -S native -B native/build-asan -DCMAKE_BUILD_TYPE=Debug -DWEBRTCNATIVE_SANITIZE=ON
fi
cmake --build native/build-asan -j 2
rm -f /tmp/asan-managed.* /tmp/ubsan-managed.*
LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)" \
ASAN_OPTIONS=detect_leaks=0:handle_segv=0:allow_user_segv_handler=1:use_sigaltstack=0:log_path=/tmp/asan-managed \
UBSAN_OPTIONS=print_stacktrace=1:log_path=/tmp/ubsan-managed \
WEBRTCNATIVE_LIBRARY="$PWD/native/build-asan/libwebrtcnative.so" \
	dotnet test tests/WebRtcNative.Tests -c Release "$@"
if ls /tmp/asan-managed.* /tmp/ubsan-managed.* >/dev/null 2>&1; then
	echo "sanitizer reports:"; cat /tmp/asan-managed.* /tmp/ubsan-managed.* 2>/dev/null; exit 1
fi
echo "managed suite clean under ASan+UBSan"
