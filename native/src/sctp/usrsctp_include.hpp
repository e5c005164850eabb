#pragma once
// usrsctp.h, included through here. On Windows it #defines uint8_t..uint64_t, int16_t and
// int32_t as macros ("unsigned __int32"), which breaks functional casts such as uint32_t(x) in
// every file that sees it; <cstdint>'s typedefs name the same types, so the macros are dropped.
#include <cstdint>
#include <usrsctp.h>
#ifdef _WIN32
#undef uint8_t
#undef uint16_t
#undef uint32_t
#undef uint64_t
#undef int16_t
#undef int32_t
#endif
