// ICE candidate attribute syntax (RFC 8839 section 5.1, TCP candidates RFC 6544):
//   candidate:<foundation> <component-id> <transport> <priority> <connection-address> <port>
//             typ <cand-type> [raddr <addr>] [rport <port>] *(SP <ext-name> SP <ext-value>)
#include "sdp_util.hpp"

#include <exception>

namespace rtcimpl::sdp {
namespace detail {

namespace {

bool fail(std::string *error, std::string msg) {
	if (error)
		*error = std::move(msg);
	return false;
}

bool isIceChar(char c) { return isAlpha(c) || isDigit(c) || c == '+' || c == '/'; }

} // namespace

bool parseCandidateImpl(std::string_view line, CandidateInfo *info, std::string *normalized,
                        std::string *error) {
	std::string_view s = trim(line);
	if (istartsWith(s, "a="))
		s.remove_prefix(2);
	if (!istartsWith(s, "candidate:"))
		return fail(error, "candidate must start with \"candidate:\"");
	s.remove_prefix(10);

	for (char ch : s) {
		unsigned char c = static_cast<unsigned char>(ch);
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(error, "candidate contains control characters");
	}

	auto tokens = splitWs(s);
	if (tokens.size() < 8)
		return fail(error, "candidate has too few fields");

	// The foundation follows "candidate:" directly; "candidate: 1 ..." is malformed.
	if (s.empty() || isSpace(s.front()))
		return fail(error, "candidate foundation missing");

	CandidateInfo ci;
	std::string_view foundation = tokens[0];
	if (foundation.size() > 32)
		return fail(error, "candidate foundation too long");
	for (char c : foundation)
		if (!isIceChar(c))
			return fail(error, "invalid candidate foundation \"" + excerpt(foundation) + "\"");
	ci.foundation = std::string(foundation);

	auto component = parseUnsigned<uint32_t>(tokens[1]);
	if (!component || *component < 1 || *component > 256)
		return fail(error, "invalid candidate component \"" + excerpt(tokens[1]) + "\"");
	ci.component = static_cast<int>(*component);

	std::string_view transport = tokens[2];
	bool tcp = iequals(transport, "tcp");
	if (!tcp && !iequals(transport, "udp"))
		return fail(error, "unsupported candidate transport \"" + excerpt(transport) + "\"");
	ci.transport = std::string(transport);

	auto priority = parseUnsigned<uint32_t>(tokens[3]);
	if (!priority)
		return fail(error, "invalid candidate priority \"" + excerpt(tokens[3]) + "\"");
	ci.priority = *priority;

	if (!isAddress(tokens[4]))
		return fail(error, "invalid candidate address \"" + excerpt(tokens[4]) + "\"");
	ci.address = std::string(tokens[4]);

	auto port = parseUnsigned<uint16_t>(tokens[5]);
	if (!port)
		return fail(error, "invalid candidate port \"" + excerpt(tokens[5]) + "\"");
	ci.port = *port;

	if (tokens[6] != "typ")
		return fail(error, "candidate is missing \"typ\"");
	std::string_view type = tokens[7];
	if (type != "host" && type != "srflx" && type != "prflx" && type != "relay")
		return fail(error, "unknown candidate type \"" + excerpt(type) + "\"");
	ci.type = std::string(type);

	// Extension attributes come in name/value pairs; check the ones we know.
	if ((tokens.size() - 8) % 2 != 0)
		return fail(error, "candidate extension attribute without value \"" +
		                       excerpt(tokens.back()) + "\"");
	for (size_t i = 8; i + 1 < tokens.size(); i += 2) {
		std::string_view name = tokens[i], value = tokens[i + 1];
		if (name == "raddr") {
			if (!isAddress(value))
				return fail(error, "invalid candidate raddr \"" + excerpt(value) + "\"");
		} else if (name == "rport") {
			if (!parseUnsigned<uint16_t>(value))
				return fail(error, "invalid candidate rport \"" + excerpt(value) + "\"");
		} else if (name == "tcptype") {
			if (value != "active" && value != "passive" && value != "so")
				return fail(error, "invalid candidate tcptype \"" + excerpt(value) + "\"");
		} else if (name == "generation") {
			if (!parseUnsigned<uint32_t>(value))
				return fail(error, "invalid candidate generation \"" + excerpt(value) + "\"");
		}
	}

	if (normalized) {
		std::string out = "candidate:";
		out.reserve(10 + s.size());
		for (size_t i = 0; i < tokens.size(); ++i) {
			if (i)
				out += ' ';
			out.append(tokens[i].data(), tokens[i].size());
		}
		*normalized = std::move(out);
	}
	if (info)
		*info = std::move(ci);
	return true;
}

} // namespace detail

std::optional<std::string> parseCandidate(std::string_view line, std::string *error) {
	try {
		std::string out;
		if (!detail::parseCandidateImpl(line, nullptr, &out, error))
			return std::nullopt;
		return out;
	} catch (const std::exception &e) {
		if (error)
			*error = std::string("candidate parse failed: ") + e.what();
		return std::nullopt;
	} catch (...) {
		if (error)
			*error = "candidate parse failed";
		return std::nullopt;
	}
}

bool isEndOfCandidates(std::string_view line) {
	std::string_view s = detail::trim(line);
	if (detail::istartsWith(s, "a="))
		s = detail::trim(s.substr(2));
	return s.empty() || detail::iequals(s, "end-of-candidates");
}

std::optional<CandidateInfo> candidateInfo(std::string_view candidate) {
	try {
		CandidateInfo info;
		if (!detail::parseCandidateImpl(candidate, &info, nullptr, nullptr))
			return std::nullopt;
		return info;
	} catch (...) {
		return std::nullopt;
	}
}

} // namespace rtcimpl::sdp
