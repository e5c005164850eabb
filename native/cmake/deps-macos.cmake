# macOS (Homebrew): libnice, glib, openssl@3 and usrsctp from brew, found through pkg-config.
find_package(PkgConfig REQUIRED)
pkg_check_modules(NICE REQUIRED IMPORTED_TARGET nice)
pkg_check_modules(USRSCTP REQUIRED IMPORTED_TARGET usrsctp)
find_package(OpenSSL REQUIRED)
find_package(Threads REQUIRED)
add_library(webrtcnative_deps INTERFACE)
target_link_libraries(webrtcnative_deps INTERFACE PkgConfig::NICE PkgConfig::USRSCTP
  OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
