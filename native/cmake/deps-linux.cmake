# Linux (Debian/Ubuntu): libnice and GLib from pkg-config, OpenSSL from its static archives.
# usrsctp is linked dynamically: Debian's libusrsctp.a is not position-independent
# (R_X86_64_PC32 against in6addr_any), so it cannot go into a shared object; libusrsctp.so.2
# ships beside libwebrtcnative.so like libnice.
find_package(PkgConfig REQUIRED)
pkg_check_modules(NICE REQUIRED IMPORTED_TARGET nice)
find_package(Threads REQUIRED)

add_library(webrtcnative_deps INTERFACE)
if(WEBRTCNATIVE_STATIC_DEPS)
  find_library(USRSCTP_LIB NAMES usrsctp REQUIRED)
  find_library(SSL_LIB NAMES libssl.a REQUIRED)
  find_library(CRYPTO_LIB NAMES libcrypto.a REQUIRED)
  target_link_libraries(webrtcnative_deps INTERFACE ${USRSCTP_LIB} ${SSL_LIB} ${CRYPTO_LIB})
  # Keep the static archives' symbols out of our export table.
  target_link_options(webrtcnative_deps INTERFACE -Wl,--exclude-libs,ALL)
else()
  find_package(OpenSSL REQUIRED)
  find_library(USRSCTP_LIB NAMES usrsctp REQUIRED)
  target_link_libraries(webrtcnative_deps INTERFACE ${USRSCTP_LIB} OpenSSL::SSL OpenSSL::Crypto)
endif()
target_link_libraries(webrtcnative_deps INTERFACE PkgConfig::NICE Threads::Threads ${CMAKE_DL_LIBS})
