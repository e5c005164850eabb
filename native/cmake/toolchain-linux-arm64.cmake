# Cross-compiling the native core for linux-arm64 with Debian's crossbuild-essential-arm64
# against a sysroot of Debian arm64 packages (scripts/cross/build-arm64-sysroot.sh).
#
#   cmake -S native -B native/build-linux-arm64 \
#     -DCMAKE_TOOLCHAIN_FILE=native/cmake/toolchain-linux-arm64.cmake \
#     -DWEBRTCNATIVE_ARM64_SYSROOT=<sysroot>
#
# Tests run under qemu-aarch64-static -L <sysroot> (CMAKE_CROSSCOMPILING_EMULATOR), so ctest
# is unchanged; no binfmt registration is needed.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

set(WEBRTCNATIVE_ARM64_SYSROOT "$ENV{WEBRTCNATIVE_ARM64_SYSROOT}" CACHE PATH "linux-arm64 sysroot")
if(NOT WEBRTCNATIVE_ARM64_SYSROOT)
  message(FATAL_ERROR "toolchain-linux-arm64: set WEBRTCNATIVE_ARM64_SYSROOT")
endif()
# CMake re-reads this file for every try_compile project, which sees neither the -D value nor
# the cache: hand the sysroot on through both of the ways such a project can see it.
set(ENV{WEBRTCNATIVE_ARM64_SYSROOT} "${WEBRTCNATIVE_ARM64_SYSROOT}")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES WEBRTCNATIVE_ARM64_SYSROOT)
set(CMAKE_SYSROOT "${WEBRTCNATIVE_ARM64_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH "${WEBRTCNATIVE_ARM64_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(ENV{PKG_CONFIG_SYSROOT_DIR} "${WEBRTCNATIVE_ARM64_SYSROOT}")
set(ENV{PKG_CONFIG_LIBDIR}
  "${WEBRTCNATIVE_ARM64_SYSROOT}/usr/lib/aarch64-linux-gnu/pkgconfig:${WEBRTCNATIVE_ARM64_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

find_program(WEBRTCNATIVE_QEMU_AARCH64 qemu-aarch64-static REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR "${WEBRTCNATIVE_QEMU_AARCH64};-L;${WEBRTCNATIVE_ARM64_SYSROOT}")
