// SDP for one WebRTC data-channel section (RFC 8841, RFC 8839, JSEP RFC 8829).
// Parsing accepts whole browser offers (audio/video, BUNDLE, unknown attributes); only the
// data section is used, and the answer mirrors every other m-line as rejected (port 0).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rtcimpl::sdp {

enum class Type { Unspec, Offer, Answer, Pranswer, Rollback };
enum class Setup { ActPass, Active, Passive };

Type typeFromString(std::string_view s); // "offer" etc.; unknown -> Unspec
const char *typeToString(Type t);        // "offer", "answer", "pranswer", "rollback", "unspec"

// One m-line of a remote description, kept so an answer can mirror (and reject) it.
struct Media {
	std::string kind;     // "audio", "video", "application", ...
	std::string mid;      // a=mid value, or the m-line index as a string when absent
	std::string protocol; // e.g. "UDP/DTLS/SCTP"
	std::string format;   // rest of the m-line after the protocol, e.g. "webrtc-datachannel"
	bool isData = false;  // application + (UDP|TCP)/DTLS/SCTP webrtc-datachannel, or legacy DTLS/SCTP 5000
};

// Everything the transports need from a description (remote or local).
struct Description {
	Type type = Type::Unspec;
	std::vector<Media> media;      // all m-lines in order
	int dataIndex = -1;            // index in media of the data section, -1 if none
	std::string dataMid;           // mid of the data section
	std::string iceUfrag, icePwd;  // media-level, falling back to session-level
	bool iceLite = false;
	// The strongest supported fingerprint (the one DTLS verifies), lower-case algorithm, e.g.
	// "sha-256", and upper-case hex pairs joined by ':'; every supported one in `fingerprints`.
	std::string fingerprintAlgorithm;
	std::string fingerprint;
	std::vector<std::pair<std::string, std::string>> fingerprints; // (algorithm, hex), SDP order
	Setup setup = Setup::ActPass;
	uint16_t sctpPort = 5000;
	uint32_t maxMessageSize = 65536; // RFC 8841: 64 KiB when the attribute is absent; 0 = unlimited
	// a=x-webrtcnative-add-streams:N — the peer accepts RFC 6525 add-streams requests up to N
	// incoming streams. Only this library writes it; 0 when absent (most stacks ignore such
	// requests, so streams are never added toward them).
	uint16_t addStreamsUpTo = 0;
	std::vector<std::string> candidates; // "candidate:..." lines (no "a=") found in the SDP
	bool endOfCandidates = false;
};

// Parses a description. On failure returns nullopt and sets *error to a one-line reason.
// Requirements checked: v= line first, at least one m-line, a data section, ice-ufrag/pwd,
// a fingerprint (sha-256, sha-384, sha-512 or sha-1 accepted; others rejected), valid setup.
// Refusing SHA-1-only peers is the peer connection's policy (weakFingerprintAllowed()).
std::optional<Description> parse(std::string_view sdp, Type type, std::string *error);

// What this side puts into its own description.
struct LocalParams {
	uint64_t sessionId = 0;
	uint64_t sessionVersion = 0;
	std::string mid = "0";
	std::string iceUfrag, icePwd;
	std::string fingerprint; // sha-256, upper-case hex pairs joined by ':'
	Setup setup = Setup::ActPass;
	uint16_t sctpPort = 5000;
	uint32_t maxMessageSize = 262144;
	uint16_t addStreamsUpTo = 0; // written as a=x-webrtcnative-add-streams when non-zero
	std::vector<std::string> candidates; // "candidate:..." lines
	bool endOfCandidates = false;
};

// Offer with one data section (BUNDLE of that mid, a=ice-options:trickle).
std::string generateOffer(const LocalParams &local);
// Answer to remoteOffer: the data section answered with local.mid = remote data mid,
// every other m-line mirrored with port 0 and its mid; BUNDLE lists only the data mid.
std::string generateAnswer(const LocalParams &local, const Description &remoteOffer);

// Candidates (RFC 8839 section 5.1). Accepts "candidate:..." or "a=candidate:...", trims
// whitespace/CRLF. Returns the "candidate:..." form, or nullopt with *error set when malformed
// (foundation, component 1-256, transport udp/tcp, priority, address, port 0-65535, "typ" and a
// known type host/srflx/prflx/relay are required). An empty string is end-of-candidates: the
// caller checks isEndOfCandidates first.
std::optional<std::string> parseCandidate(std::string_view line, std::string *error);
bool isEndOfCandidates(std::string_view line); // "" or "end-of-candidates" (with or without a=)

// Fields of a parsed candidate, for the selected-pair getters and tests.
struct CandidateInfo {
	std::string foundation;
	int component = 1;
	std::string transport; // "UDP" / "TCP" as written
	uint32_t priority = 0;
	std::string address;
	uint16_t port = 0;
	std::string type; // host, srflx, prflx, relay
};
std::optional<CandidateInfo> candidateInfo(std::string_view candidate);

} // namespace rtcimpl::sdp
