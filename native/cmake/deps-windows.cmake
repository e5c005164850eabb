# Windows. Two ways to get the dependencies:
#  - vcpkg (MSVC or MinGW on Windows): libnice/GLib from pkg-config, OpenSSL and usrsctp from
#    their CMake packages;
#  - the mingw-w64 cross build on Linux (toolchain-mingw-x64.cmake with
#    WEBRTCNATIVE_WIN_PREFIX from scripts/cross/build-win-deps.sh): libnice/GLib DLLs via
#    pkg-config, OpenSSL and usrsctp as static archives linked into libwebrtcnative.dll.
find_package(PkgConfig REQUIRED)
pkg_check_modules(NICE REQUIRED IMPORTED_TARGET nice)
find_package(Threads REQUIRED)
add_library(webrtcnative_deps INTERFACE)
if(WEBRTCNATIVE_WIN_PREFIX)
  find_library(USRSCTP_LIB NAMES libusrsctp.a REQUIRED)
  find_library(SSL_LIB NAMES libssl.a REQUIRED)
  find_library(CRYPTO_LIB NAMES libcrypto.a REQUIRED)
  target_link_libraries(webrtcnative_deps INTERFACE ${USRSCTP_LIB} ${SSL_LIB} ${CRYPTO_LIB}
    PkgConfig::NICE Threads::Threads ws2_32 iphlpapi bcrypt crypt32)
  target_link_options(webrtcnative_deps INTERFACE -Wl,--exclude-libs,ALL)
else()
  find_package(OpenSSL REQUIRED)
  find_package(unofficial-usrsctp CONFIG REQUIRED)
  target_link_libraries(webrtcnative_deps INTERFACE PkgConfig::NICE unofficial::usrsctp::usrsctp
    OpenSSL::SSL OpenSSL::Crypto ws2_32 iphlpapi bcrypt crypt32)
endif()
