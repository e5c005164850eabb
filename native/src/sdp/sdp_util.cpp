// Shared helpers of the SDP module: type names, address syntax checks, error excerpts.
#include "sdp_util.hpp"

namespace rtcimpl::sdp {

Type typeFromString(std::string_view s) {
	s = detail::trim(s);
	if (detail::iequals(s, "offer"))
		return Type::Offer;
	if (detail::iequals(s, "answer"))
		return Type::Answer;
	if (detail::iequals(s, "pranswer"))
		return Type::Pranswer;
	if (detail::iequals(s, "rollback"))
		return Type::Rollback;
	return Type::Unspec;
}

const char *typeToString(Type t) {
	switch (t) {
	case Type::Offer:
		return "offer";
	case Type::Answer:
		return "answer";
	case Type::Pranswer:
		return "pranswer";
	case Type::Rollback:
		return "rollback";
	default:
		return "unspec";
	}
}

namespace detail {

std::string excerpt(std::string_view s, size_t max) {
	std::string out;
	for (size_t i = 0; i < s.size() && i < max; ++i) {
		unsigned char c = static_cast<unsigned char>(s[i]);
		out.push_back(c >= 0x20 && c < 0x7f ? char(c) : '?');
	}
	if (s.size() > max)
		out += "...";
	return out;
}

bool isPrintableToken(std::string_view s) {
	if (s.empty())
		return false;
	for (char ch : s) {
		unsigned char c = static_cast<unsigned char>(ch);
		if (c <= 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

bool isIPv4(std::string_view s) {
	int parts = 0;
	size_t i = 0;
	while (true) {
		size_t j = i;
		while (j < s.size() && isDigit(s[j]) && j - i < 4)
			++j;
		size_t len = j - i;
		if (len == 0 || len > 3)
			return false;
		auto v = parseUnsigned<unsigned>(s.substr(i, len));
		if (!v || *v > 255)
			return false;
		++parts;
		if (j == s.size())
			break;
		if (s[j] != '.' || parts == 4)
			return false;
		i = j + 1;
	}
	return parts == 4;
}

bool isIPv6(std::string_view s) {
	size_t pct = s.find('%');
	if (pct != std::string_view::npos) {
		std::string_view zone = s.substr(pct + 1);
		if (zone.empty() || zone.size() > 64)
			return false;
		for (char c : zone)
			if (!(isAlpha(c) || isDigit(c) || c == '-' || c == '_' || c == '.'))
				return false;
		s = s.substr(0, pct);
	}
	const size_t n = s.size();
	if (n < 2 || n > 45)
		return false;
	int groups = 0;
	bool compressed = false;
	size_t i = 0;
	if (s[0] == ':') {
		if (s[1] != ':')
			return false;
		compressed = true;
		i = 2;
		if (i == n)
			return true; // "::"
	}
	while (i < n) {
		size_t j = i;
		while (j < n && isHex(s[j]) && j - i < 5)
			++j;
		if (j < n && s[j] == '.') { // embedded IPv4 tail
			if (!isIPv4(s.substr(i)))
				return false;
			groups += 2;
			i = n;
			break;
		}
		if (j == i || j - i > 4)
			return false;
		++groups;
		i = j;
		if (i == n)
			break;
		if (s[i] != ':')
			return false;
		++i;
		if (i < n && s[i] == ':') {
			if (compressed)
				return false;
			compressed = true;
			++i;
			if (i == n)
				break;
		} else if (i == n) {
			return false; // trailing single ':'
		}
		if (groups > 8)
			return false;
	}
	return compressed ? groups <= 7 : groups == 8;
}

bool isHostname(std::string_view s) {
	if (!s.empty() && s.back() == '.')
		s.remove_suffix(1);
	if (s.empty() || s.size() > 253)
		return false;
	bool onlyDigitsAndDots = true;
	size_t labelLen = 0;
	for (char c : s) {
		if (c == '.') {
			if (labelLen == 0)
				return false;
			labelLen = 0;
			continue;
		}
		if (!(isAlpha(c) || isDigit(c) || c == '-' || c == '_'))
			return false;
		if (!isDigit(c))
			onlyDigitsAndDots = false;
		if (++labelLen > 63)
			return false;
	}
	if (labelLen == 0)
		return false;
	// "999.1.2.3" is neither a valid IPv4 address nor a sensible host name.
	return !onlyDigitsAndDots;
}

bool isAddress(std::string_view s) {
	if (s.find(':') != std::string_view::npos)
		return isIPv6(s);
	return isIPv4(s) || isHostname(s);
}

} // namespace detail
} // namespace rtcimpl::sdp
