// Unit tests of the retransmission counter (native/src/stats/retransmissions.hpp): a DATA or
// I-DATA chunk whose TSN is not beyond the highest sent counts once; TSNs wrap around (serial
// arithmetic); other chunks, bundles and malformed packets are handled without reading past
// the packet.
#include "stats/retransmissions.hpp"

#include <cstdint>
#include <cstdio>
#include <vector>

using rtcimpl::stats::Retransmissions;

static int g_failures = 0;

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                           \
		if (!((a) == (b))) {                                                                       \
			++g_failures;                                                                          \
			std::fprintf(stderr, "FAIL %s:%d: %s == %s (%llu vs %llu)\n", __FILE__, __LINE__, #a,  \
			             #b, (unsigned long long)(a), (unsigned long long)(b));                    \
		}                                                                                          \
	} while (0)

namespace {
struct Chunk {
	uint8_t type;
	uint32_t tsn;    // DATA / I-DATA only
	size_t payload;  // bytes after the chunk header's fixed part
};

// An SCTP packet: 12-byte common header, then chunks padded to 4 bytes (RFC 4960 section 3).
std::vector<uint8_t> packet(std::initializer_list<Chunk> chunks) {
	std::vector<uint8_t> p(12, 0);
	for (const auto &c : chunks) {
		size_t length = 4 + ((c.type == 0 || c.type == 64) ? 12 : 0) + c.payload;
		size_t start = p.size();
		p.resize(start + ((length + 3) & ~size_t(3)), 0xee);
		p[start] = c.type;
		p[start + 1] = 0;
		p[start + 2] = uint8_t(length >> 8);
		p[start + 3] = uint8_t(length);
		if (c.type == 0 || c.type == 64) {
			p[start + 4] = uint8_t(c.tsn >> 24);
			p[start + 5] = uint8_t(c.tsn >> 16);
			p[start + 6] = uint8_t(c.tsn >> 8);
			p[start + 7] = uint8_t(c.tsn);
		}
	}
	return p;
}

void feed(Retransmissions &r, const std::vector<uint8_t> &p) { r.observe(p.data(), p.size()); }
} // namespace

int main() {
	{ // new TSNs count nothing; a TSN sent again counts once per chunk
		Retransmissions r;
		feed(r, packet({{0, 100, 5}, {0, 101, 7}}));
		feed(r, packet({{0, 102, 1}}));
		CHECK_EQ(r.count(), 0);
		feed(r, packet({{0, 101, 7}}));
		CHECK_EQ(r.count(), 1);
		feed(r, packet({{0, 100, 5}, {0, 101, 7}, {0, 103, 2}})); // two again, one new
		CHECK_EQ(r.count(), 3);
		feed(r, packet({{0, 104, 0}}));
		CHECK_EQ(r.count(), 3);
	}
	{ // SACK (3), HEARTBEAT (4) and FORWARD-TSN (192) bundled with data are not data
		Retransmissions r;
		feed(r, packet({{3, 0, 12}, {0, 5, 3}, {4, 0, 20}}));
		feed(r, packet({{192, 0, 4}, {3, 0, 12}}));
		CHECK_EQ(r.count(), 0);
		feed(r, packet({{3, 0, 12}, {0, 5, 3}}));
		CHECK_EQ(r.count(), 1);
	}
	{ // I-DATA (RFC 8260) counts like DATA
		Retransmissions r;
		feed(r, packet({{64, 9, 10}}));
		feed(r, packet({{64, 9, 10}}));
		CHECK_EQ(r.count(), 1);
	}
	{ // wrap-around: 0xffffffff then 0 is new; 0xffffffff again is a retransmission
		Retransmissions r;
		feed(r, packet({{0, 0xfffffffeu, 1}, {0, 0xffffffffu, 1}}));
		feed(r, packet({{0, 0, 1}, {0, 1, 1}}));
		CHECK_EQ(r.count(), 0);
		feed(r, packet({{0, 0xffffffffu, 1}}));
		CHECK_EQ(r.count(), 1);
	}
	{ // malformed: a chunk length past the end, or below the header size, stops the walk
		Retransmissions r;
		auto p = packet({{0, 1, 8}});
		feed(r, p);
		auto bad = p;
		bad[12 + 3] = 0xff; // length 255 > packet
		feed(r, bad);
		bad = p;
		bad[12 + 2] = 0;
		bad[12 + 3] = 2; // length 2 < 4
		feed(r, bad);
		std::vector<uint8_t> tiny(10, 0); // shorter than the common header
		feed(r, tiny);
		CHECK_EQ(r.count(), 0);
	}
	if (g_failures) {
		std::fprintf(stderr, "test_retransmissions: %d failure(s)\n", g_failures);
		return 1;
	}
	std::printf("test_retransmissions: ok\n");
	return 0;
}
