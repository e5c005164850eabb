// Data Channel Establishment Protocol messages (RFC 8832).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rtcimpl::dcep {

enum MessageType : uint8_t { Ack = 0x02, Open = 0x03 };
enum ChannelType : uint8_t {
	Reliable = 0x00,
	ReliableUnordered = 0x80,
	PartialReliableRexmit = 0x01,
	PartialReliableRexmitUnordered = 0x81,
	PartialReliableTimed = 0x02,
	PartialReliableTimedUnordered = 0x82,
};

struct OpenMessage {
	uint8_t channelType = Reliable;
	uint16_t priority = 256;
	uint32_t reliabilityParameter = 0;
	std::string label;
	std::string protocol;
};

std::vector<char> encodeOpen(const OpenMessage &open);
std::vector<char> encodeAck();

// nullopt with *error on a malformed message (short, bad lengths, unknown channel type).
std::optional<OpenMessage> parseOpen(std::string_view data, std::string *error);
// The message type byte, or nullopt for an empty message.
std::optional<uint8_t> messageType(std::string_view data);

} // namespace rtcimpl::dcep
