# Cross-compiling the native core for win-x64 with Debian's mingw-w64 (posix thread model).
#
#   cmake -S native -B native/build-win-x64 \
#     -DCMAKE_TOOLCHAIN_FILE=native/cmake/toolchain-mingw-x64.cmake \
#     -DWEBRTCNATIVE_WIN_PREFIX=<dependency prefix from scripts/cross/build-win-deps.sh>
#
# Also used by scripts/cross/build-win-deps.sh for the CMake-built dependencies. Tests run under
# Wine through scripts/cross/wine-run.sh (CMAKE_CROSSCOMPILING_EMULATOR), so ctest is unchanged.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(_triplet x86_64-w64-mingw32)

set(CMAKE_C_COMPILER ${_triplet}-gcc-posix)
set(CMAKE_CXX_COMPILER ${_triplet}-g++-posix)
set(CMAKE_RC_COMPILER ${_triplet}-windres)
set(CMAKE_AR ${_triplet}-ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${_triplet}-ranlib CACHE FILEPATH "")

# The dependency prefix (headers, import libraries, static OpenSSL/usrsctp, .pc files).
set(WEBRTCNATIVE_WIN_PREFIX "$ENV{WEBRTCNATIVE_WIN_PREFIX}" CACHE PATH "win-x64 dependency prefix")
list(APPEND CMAKE_FIND_ROOT_PATH /usr/${_triplet})
if(WEBRTCNATIVE_WIN_PREFIX)
  list(APPEND CMAKE_FIND_ROOT_PATH "${WEBRTCNATIVE_WIN_PREFIX}")
  list(APPEND CMAKE_PREFIX_PATH "${WEBRTCNATIVE_WIN_PREFIX}")
  set(ENV{PKG_CONFIG_LIBDIR} "${WEBRTCNATIVE_WIN_PREFIX}/lib/pkgconfig")
  set(ENV{PKG_CONFIG_PATH} "")
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# libgcc and libstdc++ go into each binary; winpthread stays a DLL shipped beside the library.
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc -static-libstdc++")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static-libgcc -static-libstdc++")

set(CMAKE_CROSSCOMPILING_EMULATOR "${CMAKE_CURRENT_LIST_DIR}/../../scripts/cross/wine-run.sh")
