#include "stats/retransmissions.hpp"

namespace rtcimpl::stats {

namespace {
constexpr size_t kCommonHeader = 12;
constexpr uint8_t kData = 0, kIData = 64;

uint32_t be32(const uint8_t *p) {
	return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

// Serial number arithmetic on 32-bit TSNs (RFC 1982, as RFC 4960 section 1.6 asks).
bool after(uint32_t a, uint32_t b) { return a != b && uint32_t(a - b) < 0x80000000u; }
} // namespace

void Retransmissions::observe(const void *packet, size_t length) {
	const auto *p = static_cast<const uint8_t *>(packet);
	size_t offset = kCommonHeader;
	std::lock_guard lock(mMutex);
	while (offset + 8 <= length) {
		uint8_t type = p[offset];
		size_t chunkLength = size_t(p[offset + 2]) << 8 | p[offset + 3];
		if (chunkLength < 4 || offset + chunkLength > length)
			return; // malformed: usrsctp never writes one, but never read past the packet
		if (type == kData || type == kIData) {
			uint32_t tsn = be32(p + offset + 4);
			if (!mAny || after(tsn, mHighest)) {
				mAny = true;
				mHighest = tsn;
			} else {
				mCount.fetch_add(1, std::memory_order_relaxed);
			}
		}
		offset += (chunkLength + 3) & ~size_t(3);
	}
}

} // namespace rtcimpl::stats
