# Makes the installed native asset self-contained.
#
# Included by native/CMakeLists.txt after install(TARGETS webrtcnative ...). At `cmake --install`
# time it walks the runtime dependencies of the installed libwebrtcnative and copies every one
# that is not part of the base system beside it, renamed to its soname. On Linux each copy gets
# RUNPATH $ORIGIN (patchelf) so that libnice finds GLib beside it, and so on down the chain
# (libwebrtcnative itself has INSTALL_RPATH $ORIGIN).
#
# Base system on Linux = glibc (libc, libm, libpthread, libdl, librt, libresolv, ld-linux),
# libstdc++, libgcc_s and zlib. Everything else (libnice, GLib, GnuTLS, ...) is shipped.
# tests/Packaging/check-native-deps.sh checks the result with ldd, using the same list.
#
# libnice on Debian/Ubuntu links libgupnp-igd (UPnP port mapping), which drags in libsoup,
# libxml2, SQLite, ICU and Kerberos (~40 MB). WebRTC does not use UPnP, and libnice treats a
# NULL from gupnp_simple_igd_thread_new() as "UPnP unavailable" and carries on. So when the
# libnice we link needs libgupnp-igd-1.0.so.4, a 4-function stub with that soname is built
# here and shipped instead of the real library.
#
# This file runs in two modes: normal configure-time include (defines install steps), and
# install-time (WEBRTCNATIVE_BUNDLE_RUN set by the install(CODE) below).

# Windows system DLLs (lower-cased names): never shipped; any other import must be resolved to a
# DLL that is copied beside libwebrtcnative.dll. tests/Packaging/check-native-deps-win.sh checks
# the result with objdump, using the same list.
set(_WEBRTCNATIVE_WIN_SYSTEM_DLLS
  kernel32.dll user32.dll advapi32.dll ws2_32.dll iphlpapi.dll bcrypt.dll crypt32.dll
  msvcrt.dll ntdll.dll shell32.dll ole32.dll dnsapi.dll shlwapi.dll userenv.dll secur32.dll
  gdi32.dll winmm.dll rpcrt4.dll dbghelp.dll)

set(_WEBRTCNATIVE_BASE_REGEXES
  "^linux-vdso\\.so" "^ld-linux" "^libc\\.so" "^libm\\.so" "^libpthread\\.so" "^libdl\\.so"
  "^librt\\.so" "^libresolv\\.so" "^libstdc\\+\\+\\.so" "^libgcc_s\\.so" "^libz\\.so")

# ---------------------------------------------------------------------------------------------
# Install-time mode
# ---------------------------------------------------------------------------------------------
if(WEBRTCNATIVE_BUNDLE_RUN)
  set(_dest "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}")
  set(_lib "${_dest}/${WEBRTCNATIVE_BUNDLE_LIBNAME}")
  if(NOT EXISTS "${_lib}")
    message(FATAL_ERROR "bundle: ${_lib} was not installed")
  endif()

  if(WEBRTCNATIVE_BUNDLE_PLATFORM STREQUAL "Linux")
    set(_pre_exclude ${_WEBRTCNATIVE_BASE_REGEXES} ${WEBRTCNATIVE_BUNDLE_STUBBED})
    set(_post_exclude "")
  else() # Windows
    set(_pre_exclude "^api-ms-" "^ext-ms-")
    set(_post_exclude ".*[/\\\\][Ss]ystem32[/\\\\].*" ".*[/\\\\][Ww]indows[/\\\\].*")
    if(WEBRTCNATIVE_BUNDLE_OBJDUMP)  # cross-compiled with mingw: read the imports with objdump
      set(CMAKE_GET_RUNTIME_DEPENDENCIES_PLATFORM "windows+pe")
      set(CMAKE_GET_RUNTIME_DEPENDENCIES_TOOL "objdump")
      set(CMAKE_GET_RUNTIME_DEPENDENCIES_COMMAND "${WEBRTCNATIVE_BUNDLE_OBJDUMP}")
    endif()
  endif()

  file(GET_RUNTIME_DEPENDENCIES
    LIBRARIES "${_lib}"
    RESOLVED_DEPENDENCIES_VAR _resolved
    UNRESOLVED_DEPENDENCIES_VAR _unresolved
    PRE_EXCLUDE_REGEXES ${_pre_exclude}
    POST_EXCLUDE_REGEXES ${_post_exclude}
    DIRECTORIES ${WEBRTCNATIVE_BUNDLE_DIRS})
  if(WEBRTCNATIVE_BUNDLE_PLATFORM STREQUAL "Windows")
    # On a Linux host the Windows system DLLs do not exist, so they come back unresolved.
    set(_left "")
    foreach(_u IN LISTS _unresolved)
      string(TOLOWER "${_u}" _ul)
      list(FIND _WEBRTCNATIVE_WIN_SYSTEM_DLLS "${_ul}" _at)  # (no IN_LIST: install scripts run with old policies)
      if(_at EQUAL -1)
        list(APPEND _left "${_u}")
      endif()
    endforeach()
    set(_unresolved "${_left}")
  endif()
  if(_unresolved)
    message(FATAL_ERROR "bundle: unresolved runtime dependencies of ${_lib}: ${_unresolved}")
  endif()

  set(_copied "")
  foreach(_dep IN LISTS _resolved)
    # _dep is the path the loader would open for the NEEDED name, i.e. .../<soname>.
    get_filename_component(_name "${_dep}" NAME)
    file(REAL_PATH "${_dep}" _real)
    set(_out "${_dest}/${_name}")
    file(REAL_PATH "${_out}" _out_real)
    if(_real STREQUAL _out_real)
      list(APPEND _copied "${_name}")  # already resolved from our own folder (re-install)
      continue()
    endif()
    # Copy only when missing or when the system library is newer (keeps re-installs no-ops).
    if(NOT EXISTS "${_out}" OR "${_real}" IS_NEWER_THAN "${_out}")
      message(STATUS "Bundling: ${_out} (from ${_real})")
      file(REMOVE "${_out}")
      file(COPY_FILE "${_real}" "${_out}")
      if(WEBRTCNATIVE_BUNDLE_PLATFORM STREQUAL "Linux")
        execute_process(COMMAND "${WEBRTCNATIVE_BUNDLE_PATCHELF}" --set-rpath "$ORIGIN" "${_out}"
          RESULT_VARIABLE _rc)
        if(NOT _rc EQUAL 0)
          message(FATAL_ERROR "bundle: patchelf --set-rpath failed on ${_out}")
        endif()
      endif()
    else()
      message(STATUS "Up-to-date: ${_out}")
    endif()
    list(APPEND _copied "${_name}")
  endforeach()
  list(REMOVE_DUPLICATES _copied)
  list(SORT _copied)
  string(REPLACE ";" " " _copied_str "${_copied}")
  message(STATUS "bundle: shipped beside ${WEBRTCNATIVE_BUNDLE_LIBNAME}: ${_copied_str}")
  return()
endif()

# ---------------------------------------------------------------------------------------------
# Configure-time mode
# ---------------------------------------------------------------------------------------------
if(APPLE)
  # Homebrew dylibs carry absolute install names; relocating them needs install_name_tool
  # rewriting, which is not done yet. The macOS asset uses Homebrew's libnice/GLib at run time.
  message(STATUS "bundle: macOS asset is not self-contained (needs Homebrew libnice, glib, usrsctp)")
  return()
endif()

set(_bundle_dirs "")
set(_stubbed "")

if(WIN32)
  # vcpkg puts the DLLs in <installed>/<triplet>/bin.
  if(DEFINED VCPKG_INSTALLED_DIR AND DEFINED VCPKG_TARGET_TRIPLET)
    list(APPEND _bundle_dirs "${VCPKG_INSTALLED_DIR}/${VCPKG_TARGET_TRIPLET}/bin")
  endif()
  foreach(_p IN LISTS CMAKE_PREFIX_PATH)
    list(APPEND _bundle_dirs "${_p}/bin")
  endforeach()
  set(_platform "Windows")
  set(_patchelf "")
  set(_objdump "")
  if(CMAKE_CROSSCOMPILING)
    # mingw's own runtime DLLs (libwinpthread-1.dll) live in the toolchain's sysroot.
    list(APPEND _bundle_dirs "/usr/${CMAKE_C_COMPILER_TARGET}/lib" "/usr/x86_64-w64-mingw32/lib")
    find_program(WEBRTCNATIVE_OBJDUMP NAMES x86_64-w64-mingw32-objdump objdump REQUIRED)
    set(_objdump "${WEBRTCNATIVE_OBJDUMP}")
  endif()
else()
  set(_platform "Linux")
  set(_objdump "")
  if(CMAKE_CROSSCOMPILING AND CMAKE_SYSROOT)
    # Cross build (linux-arm64): the dependencies come from the sysroot, not the host.
    foreach(_d usr/lib/${CMAKE_LIBRARY_ARCHITECTURE} lib/${CMAKE_LIBRARY_ARCHITECTURE} usr/lib lib)
      list(APPEND _bundle_dirs "${CMAKE_SYSROOT}/${_d}")
    endforeach()
  endif()
  find_program(WEBRTCNATIVE_PATCHELF patchelf)
  if(NOT WEBRTCNATIVE_PATCHELF)
    message(FATAL_ERROR "bundle: patchelf not found (run scripts/bootstrap.sh, or apt-get install patchelf)")
  endif()
  set(_patchelf "${WEBRTCNATIVE_PATCHELF}")

  # Does the libnice we link need libgupnp-igd? (see the header of this file)
  set(_nice_lib "")
  foreach(_l IN LISTS NICE_LINK_LIBRARIES)
    if(_l MATCHES "libnice\\.so")
      set(_nice_lib "${_l}")
    endif()
  endforeach()
  if(NOT _nice_lib)
    find_library(_nice_lib NAMES nice HINTS ${NICE_LIBRARY_DIRS})
  endif()
  set(_needs_gupnp_stub OFF)
  if(_nice_lib AND EXISTS "${_nice_lib}")
    file(REAL_PATH "${_nice_lib}" _nice_real)
    file(STRINGS "${_nice_real}" _gupnp_hits REGEX "libgupnp-igd-1\\.0\\.so\\.4" LIMIT_COUNT 1)
    if(_gupnp_hits)
      set(_needs_gupnp_stub ON)
    endif()
  endif()

  if(_needs_gupnp_stub)
    set(_stub_src "${CMAKE_CURRENT_BINARY_DIR}/bundle/gupnp-igd-stub.c")
    file(CONFIGURE OUTPUT "${_stub_src}" CONTENT [=[
/* Generated by native/cmake/bundle.cmake: stands in for libgupnp-igd-1.0.so.4 in the shipped
 * asset. libnice calls gupnp_simple_igd_thread_new() only when its "upnp" property is TRUE and
 * treats NULL as "UPnP unavailable"; the other entry points are only reached with a non-NULL
 * object. So UPnP IGD port mapping is simply off. */
#include <stddef.h>
#define STUB_EXPORT __attribute__((visibility("default")))
STUB_EXPORT void *gupnp_simple_igd_thread_new(void) { return NULL; }
STUB_EXPORT size_t gupnp_simple_igd_get_type(void) { return 0; }
STUB_EXPORT void gupnp_simple_igd_add_port(void *self, const char *protocol,
    unsigned short external_port, const char *local_ip, unsigned short local_port,
    unsigned int lease_duration, const char *description) {
  (void)self; (void)protocol; (void)external_port; (void)local_ip; (void)local_port;
  (void)lease_duration; (void)description;
}
STUB_EXPORT void gupnp_simple_igd_remove_port_local(void *self, const char *protocol,
    const char *local_ip, unsigned short local_port) {
  (void)self; (void)protocol; (void)local_ip; (void)local_port;
}
]=] @ONLY)
    add_library(webrtcnative_gupnp_igd_stub SHARED "${_stub_src}")
    set_target_properties(webrtcnative_gupnp_igd_stub PROPERTIES
      OUTPUT_NAME "gupnp-igd-1.0" SOVERSION 4
      LIBRARY_OUTPUT_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}/bundle")
    install(TARGETS webrtcnative_gupnp_igd_stub LIBRARY DESTINATION . NAMELINK_SKIP)
    list(APPEND _stubbed "^libgupnp-igd-1\\.0\\.so")
    message(STATUS "bundle: libnice needs libgupnp-igd; shipping a UPnP-off stub instead")
  endif()
endif()

# The escaped values land in the generated cmake_install.cmake, which includes this file again.
string(REPLACE "\\" "\\\\" _stubbed_esc "${_stubbed}")
install(CODE "
  set(WEBRTCNATIVE_BUNDLE_RUN ON)
  set(WEBRTCNATIVE_BUNDLE_PLATFORM \"${_platform}\")
  set(WEBRTCNATIVE_BUNDLE_LIBNAME \"$<TARGET_FILE_NAME:webrtcnative>\")
  set(WEBRTCNATIVE_BUNDLE_PATCHELF \"${_patchelf}\")
  set(WEBRTCNATIVE_BUNDLE_OBJDUMP \"${_objdump}\")
  set(WEBRTCNATIVE_BUNDLE_DIRS \"${_bundle_dirs}\")
  set(WEBRTCNATIVE_BUNDLE_STUBBED \"${_stubbed_esc}\")
  include(\"${CMAKE_CURRENT_LIST_FILE}\")
  unset(WEBRTCNATIVE_BUNDLE_RUN)
")
