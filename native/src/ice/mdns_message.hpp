// Multicast DNS messages (RFC 6762 over the RFC 1035 wire format), only what resolving a
// browser's "<uuid>.local" ICE candidate needs: build a one-shot A/AAAA query, read the address
// records of a response. Pure functions, no sockets (those are in mdns_resolver).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rtcimpl::mdns {

constexpr uint16_t kPort = 5353;
constexpr const char *kGroupV4 = "224.0.0.251";
constexpr const char *kGroupV6 = "ff02::fb";
constexpr uint16_t kTypeA = 1, kTypeAAAA = 28;

// True for a name the resolver handles: dot-separated labels ending in ".local" (optionally
// with the root dot), each label 1-63 bytes, 255 bytes at most.
bool isLocalName(std::string_view name);

// A query for `name` asking for the A and AAAA records. unicastResponse sets the QU bit
// (RFC 6762 section 5.4) in both questions. Empty when the name is not encodable.
std::vector<uint8_t> buildQuery(std::string_view name, uint16_t id, bool unicastResponse);

// The addresses (numeric strings, IPv4 first) that a response gives `name` in its answer,
// authority or additional records. Not a response, malformed, truncated or unrelated: empty.
std::vector<std::string> parseAddresses(const uint8_t *data, size_t size, std::string_view name);

} // namespace rtcimpl::mdns
