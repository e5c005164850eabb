// ICE server URLs: "stun:host[:port]", "turn[s]:[user:pass@]host[:port][?transport=udp|tcp]".
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace rtcimpl {

struct IceServer {
	enum class Type { Stun, Turn };
	enum class Transport { Udp, Tcp, Tls };
	Type type = Type::Stun;
	Transport transport = Transport::Udp;
	std::string host;
	uint16_t port = 3478;
	std::string username, password;

	// nullopt and *error on a malformed URL.
	static std::optional<IceServer> parse(const std::string &url, std::string *error);
};

} // namespace rtcimpl
