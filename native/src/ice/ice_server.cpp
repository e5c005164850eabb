#include "ice/ice_server.hpp"

#include <charconv>

namespace rtcimpl {

namespace {
std::string percentDecode(const std::string &s) {
	std::string out;
	for (size_t i = 0; i < s.size(); ++i) {
		if (s[i] == '%' && i + 2 < s.size()) {
			int v = 0;
			auto r = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
			if (r.ec == std::errc() && r.ptr == s.data() + i + 3) {
				out += char(v);
				i += 2;
				continue;
			}
		}
		out += s[i];
	}
	return out;
}
} // namespace

std::string IceServer::redact(const std::string &url) {
	// user:password@ sits between the scheme's colon (and optional "//") and the last '@'.
	auto at = url.rfind('@');
	auto colon = url.find(':');
	if (at == std::string::npos || colon == std::string::npos || colon > at)
		return url;
	auto start = colon + 1;
	if (url.compare(start, 2, "//") == 0)
		start += 2;
	auto sep = url.find(':', start);
	if (sep == std::string::npos || sep > at)
		return url.substr(0, start) + "***" + url.substr(at); // unsure what is secret: all
	return url.substr(0, sep + 1) + "***" + url.substr(at);
}

std::optional<IceServer> IceServer::parse(const std::string &url, std::string *error) {
	auto fail = [&](const std::string &why) -> std::optional<IceServer> {
		if (error)
			*error = "invalid ICE server URL \"" + redact(url) + "\": " + why;
		return std::nullopt;
	};
	IceServer s;
	auto colon = url.find(':');
	if (colon == std::string::npos)
		return fail("missing scheme");
	std::string scheme = url.substr(0, colon);
	std::string rest = url.substr(colon + 1);
	if (rest.rfind("//", 0) == 0)
		rest = rest.substr(2);
	if (scheme == "stun") {
		s.type = Type::Stun;
	} else if (scheme == "stuns") {
		return fail("stuns (STUN over TLS) is not supported; use stun: or turns:");
	} else if (scheme == "turn") {
		s.type = Type::Turn;
	} else if (scheme == "turns") {
		s.type = Type::Turn;
		s.transport = Transport::Tls;
		s.port = 5349;
	} else {
		return fail("unknown scheme \"" + scheme + "\"");
	}
	if (auto q = rest.find('?'); q != std::string::npos) {
		std::string query = rest.substr(q + 1);
		rest = rest.substr(0, q);
		if (query == "transport=tcp" && s.transport != Transport::Tls)
			s.transport = Transport::Tcp;
		else if (query == "transport=udp" && s.transport == Transport::Tls)
			return fail("turns: with transport=udp would be TURN over DTLS, which is not supported");
		else if (query != "transport=udp" && query != "transport=tcp")
			return fail("unsupported query \"" + redact(query) + "\"");
	}
	if (auto at = rest.rfind('@'); at != std::string::npos) {
		std::string user = rest.substr(0, at);
		rest = rest.substr(at + 1);
		auto sep = user.find(':');
		if (sep == std::string::npos)
			return fail("credentials must be user:password");
		s.username = percentDecode(user.substr(0, sep));
		s.password = percentDecode(user.substr(sep + 1));
	}
	std::string portStr;
	if (!rest.empty() && rest[0] == '[') {
		auto close = rest.find(']');
		if (close == std::string::npos)
			return fail("unterminated IPv6 address");
		s.host = rest.substr(1, close - 1);
		if (close + 1 < rest.size()) {
			if (rest[close + 1] != ':')
				return fail("junk after IPv6 address");
			portStr = rest.substr(close + 2);
		}
	} else {
		auto c = rest.rfind(':');
		if (c != std::string::npos && rest.find(':') == c) {
			s.host = rest.substr(0, c);
			portStr = rest.substr(c + 1);
		} else {
			s.host = rest;
		}
	}
	if (s.host.empty())
		return fail("missing host");
	if (!portStr.empty()) {
		unsigned v = 0;
		auto r = std::from_chars(portStr.data(), portStr.data() + portStr.size(), v);
		if (r.ec != std::errc() || r.ptr != portStr.data() + portStr.size() || v == 0 || v > 65535)
			return fail("bad port \"" + portStr + "\"");
		s.port = uint16_t(v);
	}
	return s;
}

} // namespace rtcimpl
