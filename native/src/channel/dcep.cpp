#include "channel/dcep.hpp"

namespace rtcimpl::dcep {

namespace {
void put16(std::vector<char> &b, uint16_t v) {
	b.push_back(char(v >> 8));
	b.push_back(char(v & 0xff));
}
void put32(std::vector<char> &b, uint32_t v) {
	put16(b, uint16_t(v >> 16));
	put16(b, uint16_t(v & 0xffff));
}
uint16_t get16(std::string_view d, size_t at) {
	return uint16_t((uint8_t(d[at]) << 8) | uint8_t(d[at + 1]));
}
uint32_t get32(std::string_view d, size_t at) {
	return (uint32_t(get16(d, at)) << 16) | get16(d, at + 2);
}
bool knownChannelType(uint8_t t) {
	switch (t) {
	case Reliable:
	case ReliableUnordered:
	case PartialReliableRexmit:
	case PartialReliableRexmitUnordered:
	case PartialReliableTimed:
	case PartialReliableTimedUnordered: return true;
	default: return false;
	}
}
} // namespace

std::vector<char> encodeOpen(const OpenMessage &open) {
	std::vector<char> b;
	b.reserve(12 + open.label.size() + open.protocol.size());
	b.push_back(char(Open));
	b.push_back(char(open.channelType));
	put16(b, open.priority);
	put32(b, open.reliabilityParameter);
	put16(b, uint16_t(open.label.size()));
	put16(b, uint16_t(open.protocol.size()));
	b.insert(b.end(), open.label.begin(), open.label.end());
	b.insert(b.end(), open.protocol.begin(), open.protocol.end());
	return b;
}

std::vector<char> encodeAck() { return {char(Ack)}; }

std::optional<uint8_t> messageType(std::string_view data) {
	if (data.empty())
		return std::nullopt;
	return uint8_t(data[0]);
}

std::optional<OpenMessage> parseOpen(std::string_view d, std::string *error) {
	auto fail = [&](const char *why) -> std::optional<OpenMessage> {
		if (error)
			*error = why;
		return std::nullopt;
	};
	if (d.size() < 12)
		return fail("DCEP OPEN too short");
	if (uint8_t(d[0]) != Open)
		return fail("not a DCEP OPEN message");
	OpenMessage m;
	m.channelType = uint8_t(d[1]);
	if (!knownChannelType(m.channelType))
		return fail("DCEP OPEN with unknown channel type");
	m.priority = get16(d, 2);
	m.reliabilityParameter = get32(d, 4);
	size_t labelLength = get16(d, 8), protocolLength = get16(d, 10);
	if (12 + labelLength + protocolLength != d.size())
		return fail("DCEP OPEN lengths do not match the message size");
	m.label.assign(d.substr(12, labelLength));
	m.protocol.assign(d.substr(12 + labelLength, protocolLength));
	return m;
}

} // namespace rtcimpl::dcep
