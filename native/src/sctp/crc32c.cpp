#include "sctp/crc32c.hpp"

#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#define RTC_CRC32C_X86 1
#endif

namespace rtcimpl {

namespace {
// Reflected Castagnoli polynomial.
constexpr uint32_t kPoly = 0x82F63B78u;

struct Table {
	uint32_t t[256];
	constexpr Table() : t() {
		for (uint32_t i = 0; i < 256; ++i) {
			uint32_t c = i;
			for (int k = 0; k < 8; ++k)
				c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
			t[i] = c;
		}
	}
};
constexpr Table kTable;

uint32_t softwareUpdate(uint32_t crc, const uint8_t *p, size_t n) {
	while (n--)
		crc = kTable.t[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

#ifdef RTC_CRC32C_X86
__attribute__((target("sse4.2"))) uint32_t hardwareUpdate(uint32_t crc, const uint8_t *p, size_t n) {
	uint64_t c = crc;
	while (n >= 8) {
		uint64_t v;
		std::memcpy(&v, p, 8);
		c = __builtin_ia32_crc32di(c, v);
		p += 8;
		n -= 8;
	}
	uint32_t c32 = uint32_t(c);
	while (n--)
		c32 = __builtin_ia32_crc32qi(c32, *p++);
	return c32;
}

bool haveSse42() {
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return false;
	return (c & bit_SSE4_2) != 0;
}
#endif

using UpdateFn = uint32_t (*)(uint32_t, const uint8_t *, size_t);
UpdateFn pick() {
#ifdef RTC_CRC32C_X86
	if (haveSse42())
		return hardwareUpdate;
#endif
	return softwareUpdate;
}
const UpdateFn gUpdate = pick();
} // namespace

uint32_t crc32c(const void *data, size_t size) {
	return ~gUpdate(0xffffffffu, static_cast<const uint8_t *>(data), size);
}

void sctpStampChecksum(void *packet, size_t size) {
	if (size < 12)
		return;
	auto bytes = static_cast<uint8_t *>(packet);
	std::memset(bytes + 8, 0, 4);
	uint32_t crc = crc32c(bytes, size);
	// The checksum goes on the wire least significant byte first (RFC 4960 appendix B).
	bytes[8] = uint8_t(crc);
	bytes[9] = uint8_t(crc >> 8);
	bytes[10] = uint8_t(crc >> 16);
	bytes[11] = uint8_t(crc >> 24);
}

} // namespace rtcimpl
