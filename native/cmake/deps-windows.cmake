# Windows (vcpkg): libnice, glib, openssl and usrsctp from the vcpkg toolchain.
find_package(PkgConfig REQUIRED)
pkg_check_modules(NICE REQUIRED IMPORTED_TARGET nice)
find_package(OpenSSL REQUIRED)
find_package(unofficial-usrsctp CONFIG REQUIRED)
add_library(webrtcnative_deps INTERFACE)
target_link_libraries(webrtcnative_deps INTERFACE PkgConfig::NICE unofficial::usrsctp::usrsctp
  OpenSSL::SSL OpenSSL::Crypto ws2_32 iphlpapi bcrypt)
