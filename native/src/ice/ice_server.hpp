// ICE server URLs: "stun:host[:port]", "turn[s]:[user:pass@]host[:port][?transport=udp|tcp]".
// "stuns:" (STUN over TLS, RFC 7064) is refused: libnice has no TLS for STUN, and a silent
// downgrade to plain STUN would be a surprise. "turns:" is TURN over TLS over TCP (see
// ice/turn_tls_tunnel.hpp); "turns:...?transport=udp" (TURN over DTLS) is refused.
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

	// nullopt and *error on a malformed or unsupported URL (error messages never hold the
	// password).
	static std::optional<IceServer> parse(const std::string &url, std::string *error);
	// The URL with the password of "user:password@" replaced by "***", for logs and errors.
	static std::string redact(const std::string &url);
};

} // namespace rtcimpl
