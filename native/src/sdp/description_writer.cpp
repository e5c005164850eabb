// SDP generation: an offer with a single data section (RFC 8841 / JSEP RFC 8829 section 5.2)
// and an answer that accepts the remote data section and rejects every other m-line
// (port 0, RFC 8829 section 5.3.1 / RFC 3264 section 6).
#include "sdp_util.hpp"

namespace rtcimpl::sdp {

namespace {

using namespace detail;

void line(std::string &out, std::string_view text) {
	out.append(text.data(), text.size());
	out += "\r\n";
}

const char *setupString(Setup s) {
	switch (s) {
	case Setup::Active:
		return "active";
	case Setup::Passive:
		return "passive";
	default:
		return "actpass";
	}
}

// Values written into the SDP must not break its line structure.
std::string oneLine(std::string_view s) {
	std::string r;
	for (char c : trim(s))
		if (c != '\r' && c != '\n' && c != '\0')
			r += c;
	return r;
}

void sessionPart(std::string &out, const LocalParams &local, const std::string *bundleMid) {
	line(out, "v=0");
	line(out, "o=- " + std::to_string(local.sessionId) + " " + std::to_string(local.sessionVersion) +
	              " IN IP4 127.0.0.1");
	line(out, "s=-");
	line(out, "t=0 0");
	if (bundleMid)
		line(out, "a=group:BUNDLE " + *bundleMid);
}

void dataSection(std::string &out, const LocalParams &local, const std::string &mid,
                 std::string_view protocol, bool legacy, Setup setup) {
	const std::string port = std::to_string(local.sctpPort);
	if (legacy)
		line(out, "m=application 9 DTLS/SCTP " + port);
	else
		line(out, "m=application 9 " + std::string(protocol) + " webrtc-datachannel");
	line(out, "c=IN IP4 0.0.0.0");
	line(out, "a=mid:" + mid);
	line(out, "a=sendrecv");
	line(out, "a=ice-ufrag:" + oneLine(local.iceUfrag));
	line(out, "a=ice-pwd:" + oneLine(local.icePwd));
	line(out, "a=ice-options:trickle");
	line(out, "a=fingerprint:sha-256 " + oneLine(local.fingerprint));
	line(out, std::string("a=setup:") + setupString(setup));
	if (legacy)
		line(out, "a=sctpmap:" + port + " webrtc-datachannel 1024");
	else
		line(out, "a=sctp-port:" + port);
	line(out, "a=max-message-size:" + std::to_string(local.maxMessageSize));
	if (local.addStreamsUpTo > 0)
		line(out, "a=x-webrtcnative-add-streams:" + std::to_string(local.addStreamsUpTo));
	for (const auto &c : local.candidates) {
		std::string_view v = trim(c);
		if (istartsWith(v, "a="))
			v.remove_prefix(2);
		if (v.empty())
			continue;
		std::string cand = oneLine(v);
		if (!istartsWith(cand, "candidate:"))
			cand = "candidate:" + cand;
		line(out, "a=" + cand);
	}
	if (local.endOfCandidates)
		line(out, "a=end-of-candidates");
}

} // namespace

std::string generateOffer(const LocalParams &local) {
	std::string out;
	out.reserve(1024);
	const std::string mid = local.mid.empty() ? std::string("0") : oneLine(local.mid);
	sessionPart(out, local, &mid);
	dataSection(out, local, mid, "UDP/DTLS/SCTP", false, local.setup);
	return out;
}

std::string generateAnswer(const LocalParams &local, const Description &remoteOffer) {
	std::string out;
	out.reserve(1024);
	const bool haveData =
	    remoteOffer.dataIndex >= 0 && size_t(remoteOffer.dataIndex) < remoteOffer.media.size();
	std::string mid;
	if (haveData) {
		const Media &m = remoteOffer.media[size_t(remoteOffer.dataIndex)];
		mid = oneLine(!remoteOffer.dataMid.empty() ? remoteOffer.dataMid : m.mid);
		if (mid.empty())
			mid = local.mid.empty() ? std::string("0") : oneLine(local.mid);
	}
	sessionPart(out, local, haveData ? &mid : nullptr);

	// An answerer must pick a role (RFC 8842 section 5.3): actpass becomes active (JSEP default).
	const Setup setup = local.setup == Setup::ActPass ? Setup::Active : local.setup;

	for (size_t i = 0; i < remoteOffer.media.size(); ++i) {
		const Media &m = remoteOffer.media[i];
		if (haveData && i == size_t(remoteOffer.dataIndex)) {
			const bool legacy = iequals(m.protocol, "DTLS/SCTP");
			std::string_view proto =
			    iequals(m.protocol, "TCP/DTLS/SCTP") ? "TCP/DTLS/SCTP" : "UDP/DTLS/SCTP";
			dataSection(out, local, mid, proto, legacy, setup);
			continue;
		}
		std::string kind = oneLine(m.kind), proto = oneLine(m.protocol), fmt = oneLine(m.format);
		if (kind.empty())
			kind = "application";
		if (proto.empty())
			proto = "UDP/DTLS/SCTP";
		if (fmt.empty())
			fmt = "0";
		line(out, "m=" + kind + " 0 " + proto + " " + fmt);
		line(out, "c=IN IP4 0.0.0.0");
		std::string otherMid = oneLine(m.mid);
		if (!otherMid.empty())
			line(out, "a=mid:" + otherMid);
		line(out, "a=inactive");
	}
	return out;
}

} // namespace rtcimpl::sdp
