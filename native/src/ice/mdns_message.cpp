#include "ice/mdns_message.hpp"

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#endif
#include <cctype>

namespace rtcimpl::mdns {

namespace {

constexpr size_t kHeaderSize = 12;
constexpr uint16_t kClassIn = 1;
constexpr uint16_t kClassMask = 0x7fff; // top bit: QU in questions, cache-flush in records
constexpr uint16_t kFlagResponse = 0x8000;
constexpr size_t kMaxName = 255;

std::string_view withoutRootDot(std::string_view name) {
	if (!name.empty() && name.back() == '.')
		name.remove_suffix(1);
	return name;
}

bool iequals(std::string_view a, std::string_view b) {
	if (a.size() != b.size())
		return false;
	for (size_t i = 0; i < a.size(); ++i)
		if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
			return false;
	return true;
}

void put16(std::vector<uint8_t> &out, uint16_t v) {
	out.push_back(uint8_t(v >> 8));
	out.push_back(uint8_t(v));
}

uint16_t get16(const uint8_t *p) { return uint16_t(p[0] << 8 | p[1]); }

// Reads a possibly compressed name (RFC 1035 section 4.1.4) at *pos into dotted form and moves
// *pos past it. Pointers must go backwards, so a loop cannot form; the jump count is bounded too.
bool readName(const uint8_t *data, size_t size, size_t *pos, std::string *name) {
	size_t p = *pos, after = 0;
	bool jumped = false;
	int jumps = 0;
	name->clear();
	for (;;) {
		if (p >= size)
			return false;
		uint8_t len = data[p];
		if ((len & 0xc0) == 0xc0) {
			if (p + 1 >= size || ++jumps > 64)
				return false;
			size_t target = size_t(len & 0x3f) << 8 | data[p + 1];
			if (target >= p)
				return false;
			if (!jumped)
				after = p + 2;
			jumped = true;
			p = target;
			continue;
		}
		if (len & 0xc0)
			return false; // extended label types are unused
		if (len == 0) {
			*pos = jumped ? after : p + 1;
			return true;
		}
		if (p + 1 + len > size)
			return false;
		if (!name->empty())
			name->push_back('.');
		name->append(reinterpret_cast<const char *>(data + p + 1), len);
		if (name->size() > kMaxName)
			return false;
		p += 1 + len;
	}
}

} // namespace

bool isLocalName(std::string_view name) {
	name = withoutRootDot(name);
	if (name.size() > kMaxName - 1 || name.size() < 7 || !iequals(name.substr(name.size() - 6), ".local"))
		return false;
	size_t start = 0;
	while (start <= name.size()) {
		size_t dot = name.find('.', start);
		size_t end = dot == std::string_view::npos ? name.size() : dot;
		if (end == start || end - start > 63)
			return false;
		if (dot == std::string_view::npos)
			break;
		start = dot + 1;
	}
	return true;
}

std::vector<uint8_t> buildQuery(std::string_view name, uint16_t id, bool unicastResponse) {
	name = withoutRootDot(name);
	if (!isLocalName(name))
		return {};
	std::vector<uint8_t> out;
	put16(out, id);
	put16(out, 0); // standard query
	put16(out, 2); // questions: A and AAAA
	put16(out, 0);
	put16(out, 0);
	put16(out, 0);
	uint16_t qclass = kClassIn | (unicastResponse ? 0x8000 : 0);
	for (uint16_t type : {kTypeA, kTypeAAAA}) {
		size_t start = 0;
		while (start < name.size()) {
			size_t dot = name.find('.', start);
			size_t end = dot == std::string_view::npos ? name.size() : dot;
			out.push_back(uint8_t(end - start));
			out.insert(out.end(), name.begin() + start, name.begin() + end);
			start = end + 1;
		}
		out.push_back(0);
		put16(out, type);
		put16(out, qclass);
	}
	return out;
}

std::vector<std::string> parseAddresses(const uint8_t *data, size_t size, std::string_view name) {
	std::vector<std::string> v4, v6;
	name = withoutRootDot(name);
	if (!data || size < kHeaderSize || !(get16(data + 2) & kFlagResponse))
		return {};
	unsigned questions = get16(data + 4);
	unsigned records = unsigned(get16(data + 6)) + get16(data + 8) + get16(data + 10);
	size_t pos = kHeaderSize;
	std::string owner;
	for (unsigned i = 0; i < questions; ++i) {
		if (!readName(data, size, &pos, &owner) || pos + 4 > size)
			return {};
		pos += 4;
	}
	for (unsigned i = 0; i < records; ++i) {
		if (!readName(data, size, &pos, &owner) || pos + 10 > size)
			break; // keep what the readable records gave
		uint16_t type = get16(data + pos), rclass = get16(data + pos + 2) & kClassMask;
		uint16_t length = get16(data + pos + 8);
		pos += 10;
		if (pos + length > size)
			break;
		if (rclass == kClassIn && iequals(owner, name)) {
			char buf[INET6_ADDRSTRLEN] = {};
			if (type == kTypeA && length == 4 && inet_ntop(AF_INET, data + pos, buf, sizeof(buf)))
				v4.emplace_back(buf);
			else if (type == kTypeAAAA && length == 16 && inet_ntop(AF_INET6, data + pos, buf, sizeof(buf)))
				v6.emplace_back(buf);
		}
		pos += length;
	}
	v4.insert(v4.end(), v6.begin(), v6.end());
	return v4;
}

} // namespace rtcimpl::mdns
