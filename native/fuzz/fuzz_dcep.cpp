// libFuzzer harness: the DCEP parser (RFC 8832) on arbitrary bytes.
// parseOpen() must reject with an error message or accept; an accepted OPEN re-encodes to
// exactly the input bytes (the format has no slack), and encodeOpen() output always parses back.
#include "channel/dcep.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

using namespace rtcimpl::dcep;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	std::string_view input(reinterpret_cast<const char *>(data), size);
	auto type = messageType(input);
	if (type.has_value() == input.empty())
		std::abort();
	std::string error;
	auto open = parseOpen(input, &error);
	if (!open) {
		if (error.empty())
			std::abort();
	} else {
		auto again = encodeOpen(*open);
		if (again.size() != size || std::memcmp(again.data(), data, size) != 0)
			std::abort();
	}
	// Encoder side: build an OPEN from the input's bytes and parse it back.
	if (size >= 8) {
		OpenMessage m;
		static const uint8_t types[] = {Reliable, ReliableUnordered, PartialReliableRexmit,
		                                PartialReliableRexmitUnordered, PartialReliableTimed,
		                                PartialReliableTimedUnordered};
		m.channelType = types[data[0] % 6];
		m.priority = uint16_t(data[1] << 8 | data[2]);
		m.reliabilityParameter = uint32_t(data[3]) << 24 | uint32_t(data[4]) << 16 | data[5] << 8 | data[6];
		size_t split = data[7] % (size - 7);
		m.label.assign(input.substr(8, split));
		m.protocol.assign(input.substr(8 + split));
		auto enc = encodeOpen(m);
		auto back = parseOpen(std::string_view(enc.data(), enc.size()), &error);
		if (!back || back->label != m.label || back->protocol != m.protocol ||
		    back->channelType != m.channelType || back->priority != m.priority ||
		    back->reliabilityParameter != m.reliabilityParameter)
			std::abort();
	}
	return 0;
}
