// SDP parsing (RFC 8866 syntax) reduced to what a data-channel peer needs:
// the data m-section (RFC 8841), its ICE parameters (RFC 8839), DTLS fingerprint (RFC 8122)
// and role (RFC 8842), with BUNDLE (RFC 8843) and session-level fallbacks.
#include "sdp_util.hpp"

#include <exception>
#include <limits>

namespace rtcimpl::sdp {

namespace {

using namespace detail;

constexpr size_t kMaxDescriptionSize = 4 * 1024 * 1024;
constexpr size_t kMaxMediaSections = 1024;
constexpr size_t kMaxCandidates = 1024;

struct Attr {
	std::string_view name;
	std::string_view value; // empty for property attributes such as a=ice-lite
};

struct Section {
	Media media;
	std::vector<std::string_view> formats;
	uint16_t port = 0;
	bool bundleOnly = false;
	std::vector<Attr> attrs;
};

struct ParseError {
	std::string message;
};

[[noreturn]] void throwError(std::string msg) { throw ParseError{std::move(msg)}; }

const Attr *findAttr(const std::vector<Attr> &attrs, std::string_view name) {
	for (const auto &a : attrs)
		if (a.name == name)
			return &a;
	return nullptr;
}

bool hasAttr(const std::vector<Attr> &attrs, std::string_view name) {
	return findAttr(attrs, name) != nullptr;
}

size_t hashLength(std::string_view algo) {
	if (algo == "sha-1")
		return 20;
	if (algo == "sha-256")
		return 32;
	if (algo == "sha-384")
		return 48;
	if (algo == "sha-512")
		return 64;
	return 0;
}

void parseMLine(std::string_view value, size_t index, Section &sec) {
	auto tokens = splitWs(value);
	if (tokens.size() < 4)
		throwError("malformed m-line \"" + excerpt(value) + "\"");
	sec.media.kind = std::string(tokens[0]);
	std::string_view portField = tokens[1];
	size_t slash = portField.find('/');
	if (slash != std::string_view::npos) {
		if (!parseUnsigned<uint32_t>(portField.substr(slash + 1)))
			throwError("malformed m-line port \"" + excerpt(portField) + "\"");
		portField = portField.substr(0, slash);
	}
	auto port = parseUnsigned<uint16_t>(portField);
	if (!port)
		throwError("malformed m-line port \"" + excerpt(tokens[1]) + "\"");
	sec.port = *port;
	sec.media.protocol = std::string(tokens[2]);
	std::string format;
	for (size_t i = 3; i < tokens.size(); ++i) {
		if (i > 3)
			format += ' ';
		format.append(tokens[i].data(), tokens[i].size());
		sec.formats.push_back(tokens[i]);
	}
	sec.media.format = std::move(format);
	sec.media.mid = std::to_string(index);

	const std::string_view proto = tokens[2];
	if (iequals(sec.media.kind, "application")) {
		if (iequals(proto, "UDP/DTLS/SCTP") || iequals(proto, "TCP/DTLS/SCTP")) {
			for (auto f : sec.formats)
				if (f == "webrtc-datachannel")
					sec.media.isData = true;
		} else if (iequals(proto, "DTLS/SCTP")) {
			// Legacy draft-ietf-mmusic-sctp-sdp-05: the format is the SCTP port.
			sec.media.isData = parseUnsigned<uint16_t>(sec.formats[0]).has_value();
		}
	}
}

// Fingerprint list at one level (RFC 8122 section 5: any of them may match the certificate):
// keeps every supported one and selects the strongest hash for verification; a supported hash
// with the wrong length is an error. Returns false if the list has no usable fingerprint, with
// *unsupported set to the first unsupported algorithm seen.
bool pickFingerprint(const std::vector<Attr> &attrs, Description &desc, std::string *unsupported) {
	size_t best = 0; // digest length of the selected one: longer is stronger here
	for (const auto &a : attrs) {
		if (a.name != "fingerprint")
			continue;
		auto tokens = splitWs(a.value);
		if (tokens.size() != 2)
			throwError("malformed fingerprint \"" + excerpt(a.value) + "\"");
		std::string algo = toLower(tokens[0]);
		size_t expected = hashLength(algo);
		if (expected == 0) {
			if (unsupported->empty())
				*unsupported = excerpt(algo);
			continue;
		}
		std::string_view hex = tokens[1];
		std::string normalized;
		normalized.reserve(expected * 3);
		size_t bytes = 0;
		size_t i = 0;
		while (true) {
			if (i + 2 > hex.size() || !isHex(hex[i]) || !isHex(hex[i + 1]))
				throwError("malformed " + algo + " fingerprint \"" + excerpt(hex) + "\"");
			if (bytes)
				normalized += ':';
			normalized += toUpperChar(hex[i]);
			normalized += toUpperChar(hex[i + 1]);
			++bytes;
			i += 2;
			if (bytes > expected)
				break;
			if (i == hex.size())
				break;
			if (hex[i] != ':')
				throwError("malformed " + algo + " fingerprint \"" + excerpt(hex) + "\"");
			++i;
		}
		if (bytes != expected)
			throwError("fingerprint length does not match " + algo + " (expected " +
			      std::to_string(expected) + " bytes)");
		if (desc.fingerprints.size() >= 16)
			throwError("too many fingerprints");
		desc.fingerprints.push_back({algo, normalized});
		if (expected > best) {
			best = expected;
			desc.fingerprintAlgorithm = std::move(algo);
			desc.fingerprint = std::move(normalized);
		}
	}
	return best > 0;
}

Setup parseSetup(std::string_view v) {
	v = trim(v);
	if (iequals(v, "actpass"))
		return Setup::ActPass;
	if (iequals(v, "active"))
		return Setup::Active;
	if (iequals(v, "passive"))
		return Setup::Passive;
	if (iequals(v, "holdconn"))
		throwError("unsupported setup \"holdconn\"");
	throwError("invalid setup \"" + excerpt(v) + "\"");
}

std::string iceParam(std::string_view v, const char *name) {
	v = trim(v);
	if (!isPrintableToken(v) || v.size() > 256)
		throwError(std::string("invalid ") + name + " \"" + excerpt(v) + "\"");
	return std::string(v);
}

Description parseImpl(std::string_view sdp, Type type) {
	if (trim(sdp).empty())
		throwError("empty description");
	if (sdp.size() > kMaxDescriptionSize)
		throwError("description too large");

	std::vector<Attr> sessionAttrs;
	std::vector<Section> sections;
	bool seenVersion = false;
	size_t lineNo = 0;
	size_t pos = 0;
	while (pos < sdp.size()) {
		size_t nl = sdp.find('\n', pos);
		size_t end = nl == std::string_view::npos ? sdp.size() : nl;
		std::string_view line = trim(sdp.substr(pos, end - pos));
		pos = nl == std::string_view::npos ? sdp.size() : nl + 1;
		++lineNo;
		if (line.empty())
			continue;
		if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z')
			throwError("malformed line " + std::to_string(lineNo) + " \"" + excerpt(line) + "\"");
		for (char ch : line) {
			unsigned char c = static_cast<unsigned char>(ch);
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				throwError("control character in line " + std::to_string(lineNo));
		}
		std::string_view value = line.substr(2);
		if (!seenVersion) {
			if (line[0] != 'v' || trim(value) != "0")
				throwError("description must start with v=0");
			seenVersion = true;
			continue;
		}
		switch (line[0]) {
		case 'v':
			throwError("duplicate v= line");
		case 'm': {
			if (sections.size() >= kMaxMediaSections)
				throwError("too many m-lines");
			sections.emplace_back();
			parseMLine(value, sections.size() - 1, sections.back());
			break;
		}
		case 'a': {
			size_t colon = value.find(':');
			Attr a;
			if (colon == std::string_view::npos) {
				a.name = trim(value);
			} else {
				a.name = trim(value.substr(0, colon));
				a.value = trim(value.substr(colon + 1));
			}
			if (a.name.empty())
				throwError("malformed attribute on line " + std::to_string(lineNo));
			(sections.empty() ? sessionAttrs : sections.back().attrs).push_back(a);
			break;
		}
		default:
			break; // o=, s=, c=, t=, b=, ... are not needed
		}
	}
	if (!seenVersion)
		throwError("empty description");
	if (sections.empty())
		throwError("no m-line in description");

	Description desc;
	desc.type = type;

	// mids, media list, bundle-only flags
	for (auto &sec : sections) {
		if (const Attr *mid = findAttr(sec.attrs, "mid")) {
			if (!isPrintableToken(mid->value) || mid->value.size() > 256)
				throwError("invalid mid \"" + excerpt(mid->value) + "\"");
			sec.media.mid = std::string(mid->value);
		}
		sec.bundleOnly = hasAttr(sec.attrs, "bundle-only");
	}

	int dataIndex = -1;
	bool rejectedData = false;
	for (size_t i = 0; i < sections.size(); ++i) {
		if (!sections[i].media.isData)
			continue;
		if (sections[i].port == 0 && !sections[i].bundleOnly) {
			rejectedData = true;
			continue;
		}
		dataIndex = static_cast<int>(i);
		break;
	}
	if (dataIndex < 0)
		throwError(rejectedData ? "data section rejected (port 0)"
		                   : "no data section (m=application ... UDP/DTLS/SCTP webrtc-datachannel)");

	for (auto &sec : sections)
		desc.media.push_back(sec.media);
	desc.dataIndex = dataIndex;
	const Section &data = sections[size_t(dataIndex)];
	desc.dataMid = data.media.mid;

	// BUNDLE: transport parameters of a bundled data section may live only in the
	// offerer-tagged (first) m-section of its group (RFC 8843 section 7).
	const Section *tag = nullptr;
	for (const auto &a : sessionAttrs) {
		if (a.name != "group")
			continue;
		auto tokens = splitWs(a.value);
		if (tokens.size() < 2 || !iequals(tokens[0], "BUNDLE"))
			continue;
		bool contains = false;
		for (size_t i = 1; i < tokens.size(); ++i)
			if (tokens[i] == desc.dataMid)
				contains = true;
		if (!contains || tokens[1] == desc.dataMid)
			continue;
		for (const auto &sec : sections)
			if (&sec != &data && sec.media.mid == tokens[1] && sec.port != 0)
				tag = &sec;
		break;
	}

	// Lookup order for transport attributes: data section, BUNDLE tag section, session.
	std::vector<const std::vector<Attr> *> levels;
	levels.push_back(&data.attrs);
	if (tag)
		levels.push_back(&tag->attrs);
	levels.push_back(&sessionAttrs);
	auto lookup = [&](std::string_view name) -> const Attr * {
		for (auto *level : levels)
			if (const Attr *a = findAttr(*level, name))
				return a;
		return nullptr;
	};

	const Attr *ufrag = lookup("ice-ufrag");
	const Attr *pwd = lookup("ice-pwd");
	if (!ufrag)
		throwError("missing ice-ufrag");
	if (!pwd)
		throwError("missing ice-pwd");
	desc.iceUfrag = iceParam(ufrag->value, "ice-ufrag");
	desc.icePwd = iceParam(pwd->value, "ice-pwd");

	desc.iceLite = hasAttr(sessionAttrs, "ice-lite") || hasAttr(data.attrs, "ice-lite");

	// Fingerprints: the most specific level that has any fingerprint attribute wins.
	std::string unsupported;
	bool haveFingerprint = false;
	for (auto *level : levels) {
		if (!hasAttr(*level, "fingerprint"))
			continue;
		haveFingerprint = pickFingerprint(*level, desc, &unsupported);
		break;
	}
	if (!haveFingerprint) {
		if (!unsupported.empty())
			throwError("unsupported fingerprint hash " + unsupported);
		throwError("missing fingerprint");
	}

	// RFC 4145 section 4: absent a=setup means "active".
	if (const Attr *setup = lookup("setup"))
		desc.setup = parseSetup(setup->value);
	else
		desc.setup = Setup::Active;

	// SCTP port: legacy m-line format / sctpmap, then a=sctp-port (RFC 8841).
	if (iequals(data.media.protocol, "DTLS/SCTP")) {
		if (auto p = parseUnsigned<uint16_t>(data.formats[0]))
			desc.sctpPort = *p;
		if (const Attr *map = findAttr(data.attrs, "sctpmap")) {
			auto tokens = splitWs(map->value);
			auto p = tokens.empty() ? std::nullopt : parseUnsigned<uint16_t>(tokens[0]);
			if (!p || *p == 0)
				throwError("invalid sctpmap \"" + excerpt(map->value) + "\"");
			desc.sctpPort = *p;
		}
	}
	if (const Attr *sp = findAttr(data.attrs, "sctp-port")) {
		auto p = parseUnsigned<uint16_t>(sp->value);
		if (!p || *p == 0)
			throwError("invalid sctp-port \"" + excerpt(sp->value) + "\"");
		desc.sctpPort = *p;
	}

	desc.maxMessageSize = 65536;
	if (const Attr *mms = findAttr(data.attrs, "max-message-size")) {
		auto v = parseUnsigned<uint64_t>(mms->value);
		if (!v) {
			// Absurdly long digit strings still mean "very large".
			bool digits = !mms->value.empty() && mms->value.size() <= 64;
			for (char c : mms->value)
				digits = digits && isDigit(c);
			if (!digits)
				throwError("invalid max-message-size \"" + excerpt(mms->value) + "\"");
			v = std::numeric_limits<uint64_t>::max();
		}
		desc.maxMessageSize = *v > std::numeric_limits<uint32_t>::max()
		                          ? std::numeric_limits<uint32_t>::max()
		                          : static_cast<uint32_t>(*v);
	}

	// Our own extension: a malformed value is ignored like any unknown attribute.
	if (const Attr *as = findAttr(data.attrs, "x-webrtcnative-add-streams"))
		if (auto v = parseUnsigned<uint16_t>(as->value))
			desc.addStreamsUpTo = *v;

	// Candidates of the data section (or of the BUNDLE tag section when it has none).
	auto collect = [&](const std::vector<Attr> &attrs) {
		for (const auto &a : attrs) {
			if (a.name == "candidate" && desc.candidates.size() < kMaxCandidates) {
				std::string line = "candidate:";
				line.append(a.value.data(), a.value.size());
				std::string ignored;
				if (auto c = parseCandidate(line, &ignored))
					desc.candidates.push_back(std::move(*c));
			} else if (a.name == "end-of-candidates") {
				desc.endOfCandidates = true;
			}
		}
	};
	collect(data.attrs);
	if (desc.candidates.empty() && !desc.endOfCandidates && tag)
		collect(tag->attrs);
	if (hasAttr(sessionAttrs, "end-of-candidates"))
		desc.endOfCandidates = true;

	return desc;
}

} // namespace

std::optional<Description> parse(std::string_view sdp, Type type, std::string *error) {
	try {
		return parseImpl(sdp, type);
	} catch (const ParseError &e) {
		if (error)
			*error = e.message;
	} catch (const std::exception &e) {
		if (error)
			*error = std::string("description parse failed: ") + e.what();
	} catch (...) {
		if (error)
			*error = "description parse failed";
	}
	return std::nullopt;
}

} // namespace rtcimpl::sdp
