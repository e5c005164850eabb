// Private helpers shared by the SDP module's translation units (not part of the interface).
#pragma once

#include "description.hpp"

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace rtcimpl::sdp::detail {

inline bool isSpace(char c) {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}
inline bool isDigit(char c) { return c >= '0' && c <= '9'; }
inline bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool isHex(char c) { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
inline char toLowerChar(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }
inline char toUpperChar(char c) { return (c >= 'a' && c <= 'z') ? char(c - 'a' + 'A') : c; }

inline std::string_view trim(std::string_view s) {
	while (!s.empty() && isSpace(s.front()))
		s.remove_prefix(1);
	while (!s.empty() && isSpace(s.back()))
		s.remove_suffix(1);
	return s;
}

inline std::string toLower(std::string_view s) {
	std::string r(s);
	for (char &c : r)
		c = toLowerChar(c);
	return r;
}

inline bool iequals(std::string_view a, std::string_view b) {
	if (a.size() != b.size())
		return false;
	for (size_t i = 0; i < a.size(); ++i)
		if (toLowerChar(a[i]) != toLowerChar(b[i]))
			return false;
	return true;
}

inline bool istartsWith(std::string_view s, std::string_view prefix) {
	return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// Whitespace-separated tokens (views into s).
inline std::vector<std::string_view> splitWs(std::string_view s) {
	std::vector<std::string_view> out;
	size_t i = 0;
	while (i < s.size()) {
		while (i < s.size() && isSpace(s[i]))
			++i;
		size_t j = i;
		while (j < s.size() && !isSpace(s[j]))
			++j;
		if (j > i)
			out.push_back(s.substr(i, j - i));
		i = j;
	}
	return out;
}

// Strict unsigned decimal: digits only (no sign, no spaces), no overflow of T.
template <typename T> std::optional<T> parseUnsigned(std::string_view s) {
	static_assert(std::is_unsigned_v<T>, "unsigned only");
	if (s.empty() || s.size() > 20)
		return std::nullopt;
	for (char c : s)
		if (!isDigit(c))
			return std::nullopt;
	T value = 0;
	auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
	if (ec != std::errc() || ptr != s.data() + s.size())
		return std::nullopt;
	return value;
}

// Bounded, printable copy of untrusted text for error messages.
std::string excerpt(std::string_view s, size_t max = 40);

// Tokens without whitespace or control characters (mids, ufrags, kinds...).
bool isPrintableToken(std::string_view s);

bool isIPv4(std::string_view s);
bool isIPv6(std::string_view s); // optional %zone
bool isHostname(std::string_view s);
bool isAddress(std::string_view s); // IPv4, IPv6 or host name (e.g. mDNS "xxxx.local")

// Core candidate parser shared by parseCandidate() and candidateInfo().
// On success fills *info (if non-null) and *normalized (if non-null) with
// "candidate:<tokens joined by single spaces>".
bool parseCandidateImpl(std::string_view line, CandidateInfo *info, std::string *normalized,
                        std::string *error);

} // namespace rtcimpl::sdp::detail
