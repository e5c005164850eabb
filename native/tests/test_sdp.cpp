// Unit tests of the SDP module (native/src/sdp): parse, generate, candidates.
#include "sdp/description.hpp"

#include <cstdio>
#include <string>

using namespace rtcimpl::sdp;

#include "support/unit_check.hpp"

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                           \
		++g_checks;                                                                                \
		if (!((a) == (b))) {                                                                       \
			++g_failures;                                                                          \
			std::fprintf(stderr, "FAIL %s:%d: %s == %s\n", __FILE__, __LINE__, #a, #b);            \
		}                                                                                          \
	} while (0)

static bool contains(const std::string &s, const std::string &sub) {
	return s.find(sub) != std::string::npos;
}

static std::string crlf(const std::string &lf) {
	std::string out;
	for (char c : lf) {
		if (c == '\n')
			out += '\r';
		out += c;
	}
	return out;
}

static const char *FP256 = "D0:CC:43:A7:12:6D:96:4F:05:45:3F:E1:C5:0D:09:E9:C3:EE:3D:F3:44:E2:5F:48:"
                           "BB:8E:55:83:35:20:39:22";

static const std::string kChromiumOffer = crlf(R"(v=0
o=- 4611731400430051336 2 IN IP4 127.0.0.1
s=-
t=0 0
a=group:BUNDLE 0 1 2
a=extmap-allow-mixed
a=msid-semantic: WMS 5yG8kPq2
m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126
c=IN IP4 0.0.0.0
a=rtcp:9 IN IP4 0.0.0.0
a=candidate:2999745851 1 udp 2122260223 192.168.56.1 53791 typ host generation 0 network-id 1
a=ice-ufrag:Vq3M
a=ice-pwd:5Yf2bqM8dV0vW3oGkXk1cHbD
a=ice-options:trickle
a=fingerprint:sha-256 D0:CC:43:A7:12:6D:96:4F:05:45:3F:E1:C5:0D:09:E9:C3:EE:3D:F3:44:E2:5F:48:BB:8E:55:83:35:20:39:22
a=setup:actpass
a=mid:0
a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level
a=sendrecv
a=msid:5yG8kPq2 7a1e3c55-0b7d-4b4c-9a56-1f0f4a3b2c10
a=rtcp-mux
a=rtpmap:111 opus/48000/2
a=rtcp-fb:111 transport-cc
a=fmtp:111 minptime=10;useinbandfec=1
a=rtpmap:63 red/48000/2
a=fmtp:63 111/111
a=rtpmap:9 G722/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:13 CN/8000
a=rtpmap:110 telephone-event/48000
a=rtpmap:126 telephone-event/8000
a=ssrc:1507163474 cname:Hc3uV1bJm9lT2z0E
m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103
c=IN IP4 0.0.0.0
a=rtcp:9 IN IP4 0.0.0.0
a=ice-ufrag:Vq3M
a=ice-pwd:5Yf2bqM8dV0vW3oGkXk1cHbD
a=ice-options:trickle
a=fingerprint:sha-256 D0:CC:43:A7:12:6D:96:4F:05:45:3F:E1:C5:0D:09:E9:C3:EE:3D:F3:44:E2:5F:48:BB:8E:55:83:35:20:39:22
a=setup:actpass
a=mid:1
a=sendrecv
a=rtcp-mux
a=rtcp-rsize
a=rtpmap:96 VP8/90000
a=rtcp-fb:96 nack pli
a=rtpmap:97 rtx/90000
a=fmtp:97 apt=96
a=rtpmap:102 H264/90000
a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f
a=rtpmap:103 rtx/90000
a=fmtp:103 apt=102
m=application 9 UDP/DTLS/SCTP webrtc-datachannel
c=IN IP4 0.0.0.0
a=candidate:2999745851 1 udp 2122260223 192.168.56.1 53791 typ host generation 0 network-id 1
a=candidate:1425035237 1 tcp 1518280447 192.168.56.1 9 typ host tcptype active generation 0 network-id 1
a=ice-ufrag:Vq3M
a=ice-pwd:5Yf2bqM8dV0vW3oGkXk1cHbD
a=ice-options:trickle
a=fingerprint:sha-256 D0:CC:43:A7:12:6D:96:4F:05:45:3F:E1:C5:0D:09:E9:C3:EE:3D:F3:44:E2:5F:48:BB:8E:55:83:35:20:39:22
a=setup:actpass
a=mid:2
a=sctp-port:5000
a=max-message-size:262144
)");

// Firefox style: fingerprint at session level (lower case), LF line endings, mDNS candidates.
static const std::string kFirefoxOffer = R"(v=0
o=mozilla...THIS_IS_SDPARTA-128.0 6495764935208236346 0 IN IP4 0.0.0.0
s=-
t=0 0
a=sendrecv
a=fingerprint:sha-256 c4:ff:f4:24:51:d1:cb:a0:69:45:11:54:9e:6c:48:0d:59:02:20:2d:b5:f3:fb:59:af:d5:f6:f8:59:f2:ae:cb
a=group:BUNDLE 0
a=ice-options:trickle
a=msid-semantic:WMS *
m=application 9 UDP/DTLS/SCTP webrtc-datachannel
c=IN IP4 0.0.0.0
a=candidate:0 1 UDP 2122252543 b3c1f0a2-7e4d-4a8e-9c11-2f6d0e5a9b77.local 60437 typ host
a=candidate:1 1 TCP 2105524479 b3c1f0a2-7e4d-4a8e-9c11-2f6d0e5a9b77.local 9 typ host tcptype active
a=sendrecv
a=end-of-candidates
a=ice-pwd:d2c5d6b0a6a8c1b3e1f1e0f2a3b4c5d6
a=ice-ufrag:8a1b2c3d
a=mid:0
a=setup:actpass
a=sctp-port:5000
a=max-message-size:1073741823
)";

// aiortc style: several fingerprints, candidates inside, real port on the m-line.
static const std::string kAiortcOffer = crlf(R"(v=0
o=- 3918273645 3918273645 IN IP4 0.0.0.0
s=-
t=0 0
a=group:BUNDLE 0
a=msid-semantic:WMS *
m=application 51234 UDP/DTLS/SCTP webrtc-datachannel
c=IN IP4 192.168.1.20
a=mid:0
a=sctp-port:5000
a=max-message-size:65536
a=candidate:4b4f3b0e0c9e3f0e5e2a1c0d9b8a7f6e 1 udp 2130706431 192.168.1.20 51234 typ host
a=candidate:7d2c1e0f9a8b7c6d5e4f3a2b1c0d9e8f 1 udp 2130706431 2001:db8:85a3::8a2e:370:7334 40871 typ host
a=candidate:0e1f2a3b4c5d6e7f8091a2b3c4d5e6f7 1 udp 1694498815 203.0.113.7 51234 typ srflx raddr 192.168.1.20 rport 51234
a=end-of-candidates
a=ice-ufrag:Xy7K
a=ice-pwd:Qm4rT8uW2zA6cE0gJ3kN7pS1
a=fingerprint:sha-256 C4:FF:F4:24:51:D1:CB:A0:69:45:11:54:9E:6C:48:0D:59:02:20:2D:B5:F3:FB:59:AF:D5:F6:F8:59:F2:AE:CB
a=fingerprint:sha-384 B2:79:26:9F:10:7F:FC:05:A0:B0:D1:03:2E:18:D6:08:F3:BD:6B:C6:F1:73:B6:D5:A1:20:5E:1E:08:26:84:2E:E6:30:24:BA:DD:3F:46:28:39:AA:F9:EC:E5:E9:1A:1D
a=setup:actpass
)");

static const std::string kLegacyOffer = R"(v=0
o=- 1 2 IN IP4 127.0.0.1
s=-
t=0 0
a=ice-lite
m=application 9 DTLS/SCTP 5001
c=IN IP4 0.0.0.0
a=ice-ufrag:abcd
a=ice-pwd:0123456789abcdef012345
a=fingerprint:sha-1 89:27:93:95:E6:CC:E3:33:56:DB:53:87:C7:04:94:86:2D:62:FD:4C
a=setup:passive
a=mid:data
a=sctpmap:5001 webrtc-datachannel 1024
)";

static LocalParams sampleLocal() {
	LocalParams p;
	p.sessionId = 1234567890123ULL;
	p.sessionVersion = 2;
	p.mid = "0";
	p.iceUfrag = "UfRg";
	p.icePwd = "pAsSwOrD0123456789abcdef";
	p.fingerprint = FP256;
	p.setup = Setup::ActPass;
	p.sctpPort = 5000;
	p.maxMessageSize = 262144;
	return p;
}

// Minimal valid data-only description, parametrised by the fingerprint/extra lines.
static std::string minimal(const std::string &fingerprintLine, const std::string &extra = "") {
	return "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
	       "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"
	       "a=mid:0\r\na=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef012345\r\n" +
	       fingerprintLine + "a=setup:actpass\r\n" + extra;
}

static void expectError(const std::string &sdp, const std::string &needle, int line) {
	std::string err;
	auto d = parse(sdp, Type::Offer, &err);
	++g_checks;
	if (d || err.empty() || (!needle.empty() && !contains(err, needle))) {
		++g_failures;
		std::fprintf(stderr, "FAIL %s:%d: expected error containing \"%s\", got %s \"%s\"\n",
		             __FILE__, line, needle.c_str(), d ? "success" : "error", err.c_str());
	}
}
#define EXPECT_ERROR(sdp, needle) expectError(sdp, needle, __LINE__)

static void testTypes() {
	CHECK(typeFromString("offer") == Type::Offer);
	CHECK(typeFromString("answer") == Type::Answer);
	CHECK(typeFromString("pranswer") == Type::Pranswer);
	CHECK(typeFromString("rollback") == Type::Rollback);
	CHECK(typeFromString("bogus") == Type::Unspec);
	CHECK(std::string(typeToString(Type::Offer)) == "offer");
	CHECK(std::string(typeToString(Type::Answer)) == "answer");
	CHECK(std::string(typeToString(Type::Unspec)) == "unspec");
}

static void testOfferRoundTrip() {
	LocalParams p = sampleLocal();
	p.candidates = {"candidate:1 1 udp 2130706431 192.168.1.2 50000 typ host",
	                "a=candidate:2 1 udp 1694498815 203.0.113.1 50001 typ srflx raddr 192.168.1.2 rport 50000\r\n"};
	p.endOfCandidates = true;
	std::string offer = generateOffer(p);

	CHECK(offer.rfind("v=0\r\n", 0) == 0);
	CHECK(contains(offer, "o=- 1234567890123 2 IN IP4 127.0.0.1\r\n"));
	CHECK(contains(offer, "s=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"));
	CHECK(contains(offer, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"));
	CHECK(contains(offer, "a=ice-options:trickle\r\n"));
	CHECK(contains(offer, "a=setup:actpass\r\n"));
	CHECK(contains(offer, "a=sctp-port:5000\r\n"));
	CHECK(contains(offer, "a=max-message-size:262144\r\n"));
	CHECK(contains(offer, "a=end-of-candidates\r\n"));
	CHECK(!contains(offer, "a=a="));
	// Every line ends with CRLF, no bare LF.
	for (size_t i = 0; i < offer.size(); ++i)
		if (offer[i] == '\n')
			CHECK(i > 0 && offer[i - 1] == '\r');
	CHECK(offer.size() >= 2 && offer.substr(offer.size() - 2) == "\r\n");

	std::string err;
	auto d = parse(offer, Type::Offer, &err);
	CHECK(d.has_value());
	if (!d) {
		std::fprintf(stderr, "  round trip error: %s\n", err.c_str());
		return;
	}
	CHECK(d->type == Type::Offer);
	CHECK_EQ(d->media.size(), size_t(1));
	CHECK_EQ(d->dataIndex, 0);
	CHECK_EQ(d->dataMid, "0");
	CHECK_EQ(d->iceUfrag, p.iceUfrag);
	CHECK_EQ(d->icePwd, p.icePwd);
	CHECK_EQ(d->fingerprintAlgorithm, "sha-256");
	CHECK_EQ(d->fingerprint, FP256);
	CHECK(d->setup == Setup::ActPass);
	CHECK_EQ(d->sctpPort, 5000);
	CHECK_EQ(d->maxMessageSize, 262144u);
	CHECK_EQ(d->candidates.size(), size_t(2));
	if (d->candidates.size() == 2) {
		CHECK_EQ(d->candidates[0], p.candidates[0]);
		CHECK_EQ(d->candidates[1],
		         "candidate:2 1 udp 1694498815 203.0.113.1 50001 typ srflx raddr 192.168.1.2 rport 50000");
	}
	CHECK(d->endOfCandidates);
	CHECK(!d->iceLite);

	// Other setup values / ports / unlimited message size survive a round trip.
	for (Setup s : {Setup::Active, Setup::Passive}) {
		LocalParams q = sampleLocal();
		q.setup = s;
		q.sctpPort = 6000;
		q.maxMessageSize = 0;
		q.mid = "data";
		auto e = parse(generateOffer(q), Type::Answer, &err);
		CHECK(e.has_value());
		if (e) {
			CHECK(e->setup == s);
			CHECK_EQ(e->sctpPort, 6000);
			CHECK_EQ(e->maxMessageSize, 0u);
			CHECK_EQ(e->dataMid, "data");
			CHECK(e->type == Type::Answer);
			CHECK(!e->endOfCandidates);
			CHECK(e->candidates.empty());
		}
	}
}

static void testChromiumOffer() {
	std::string err;
	auto d = parse(kChromiumOffer, Type::Offer, &err);
	CHECK(d.has_value());
	if (!d) {
		std::fprintf(stderr, "  chromium error: %s\n", err.c_str());
		return;
	}
	CHECK_EQ(d->media.size(), size_t(3));
	CHECK_EQ(d->dataIndex, 2);
	CHECK_EQ(d->dataMid, "2");
	if (d->media.size() == 3) {
		CHECK_EQ(d->media[0].kind, "audio");
		CHECK_EQ(d->media[0].mid, "0");
		CHECK_EQ(d->media[0].protocol, "UDP/TLS/RTP/SAVPF");
		CHECK_EQ(d->media[0].format, "111 63 9 0 8 13 110 126");
		CHECK(!d->media[0].isData);
		CHECK_EQ(d->media[1].kind, "video");
		CHECK_EQ(d->media[1].mid, "1");
		CHECK_EQ(d->media[2].kind, "application");
		CHECK(d->media[2].isData);
		CHECK_EQ(d->media[2].format, "webrtc-datachannel");
	}
	CHECK_EQ(d->iceUfrag, "Vq3M");
	CHECK_EQ(d->icePwd, "5Yf2bqM8dV0vW3oGkXk1cHbD");
	CHECK_EQ(d->fingerprint, FP256);
	CHECK(d->setup == Setup::ActPass);
	CHECK_EQ(d->maxMessageSize, 262144u);
	// Only the data section's candidates (2), not the audio one.
	CHECK_EQ(d->candidates.size(), size_t(2));
	CHECK(!d->endOfCandidates);

	// The answer rejects audio/video with port 0, keeps mids and order, bundles the data mid.
	LocalParams p = sampleLocal();
	p.mid = "ignored";
	p.setup = Setup::Active;
	std::string answer = generateAnswer(p, *d);
	CHECK(contains(answer, "a=group:BUNDLE 2\r\n"));
	CHECK(contains(answer, "m=audio 0 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\nc=IN IP4 0.0.0.0\r\n"
	                       "a=mid:0\r\na=inactive\r\n"));
	CHECK(contains(answer, "m=video 0 UDP/TLS/RTP/SAVPF 96 97 102 103\r\nc=IN IP4 0.0.0.0\r\n"
	                       "a=mid:1\r\na=inactive\r\n"));
	CHECK(contains(answer, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"));
	CHECK(contains(answer, "a=mid:2\r\n"));
	CHECK(contains(answer, "a=setup:active\r\n"));
	CHECK(!contains(answer, "ignored"));
	CHECK(answer.find("m=audio") < answer.find("m=video"));
	CHECK(answer.find("m=video") < answer.find("m=application"));

	auto a = parse(answer, Type::Answer, &err);
	CHECK(a.has_value());
	if (a) {
		CHECK_EQ(a->media.size(), size_t(3));
		CHECK_EQ(a->dataIndex, 2);
		CHECK_EQ(a->dataMid, "2");
		CHECK(a->setup == Setup::Active);
		CHECK_EQ(a->iceUfrag, p.iceUfrag);
		if (a->media.size() == 3) {
			CHECK_EQ(a->media[0].mid, "0");
			CHECK_EQ(a->media[1].mid, "1");
		}
	}

	// Answering with ActPass is coerced to active (RFC 8842: answerer picks a role).
	p.setup = Setup::ActPass;
	CHECK(contains(generateAnswer(p, *d), "a=setup:active\r\n"));
	p.setup = Setup::Passive;
	CHECK(contains(generateAnswer(p, *d), "a=setup:passive\r\n"));

	// Same offer with LF only and trailing spaces still parses.
	std::string lf;
	for (char c : kChromiumOffer)
		if (c != '\r')
			lf += c;
	std::string spaced;
	for (char c : lf) {
		if (c == '\n')
			spaced += "  \t";
		spaced += c;
	}
	auto d2 = parse(spaced, Type::Offer, &err);
	CHECK(d2.has_value());
	if (d2) {
		CHECK_EQ(d2->dataMid, "2");
		CHECK_EQ(d2->fingerprint, FP256);
		CHECK_EQ(d2->candidates.size(), size_t(2));
	}
}

static void testBundleTagFallback() {
	// Data section bundled with audio, carrying no ICE/DTLS attributes itself: they come from
	// the BUNDLE-tagged first section.
	std::string sdp = std::string("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
	                              "a=group:BUNDLE a d\r\n"
	                              "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:a\r\n"
	                              "a=ice-ufrag:tagU\r\na=ice-pwd:tagPassword0123456789ab\r\n"
	                              "a=fingerprint:sha-256 ") +
	                  FP256 +
	                  "\r\na=setup:passive\r\n"
	                  "a=candidate:1 1 udp 100 10.0.0.1 1000 typ host\r\n"
	                  "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\na=bundle-only\r\na=mid:d\r\n"
	                  "a=sctp-port:5000\r\n";
	std::string err;
	auto d = parse(sdp, Type::Answer, &err);
	CHECK(d.has_value());
	if (!d) {
		std::fprintf(stderr, "  bundle error: %s\n", err.c_str());
		return;
	}
	CHECK_EQ(d->dataMid, "d");
	CHECK_EQ(d->dataIndex, 1);
	CHECK_EQ(d->iceUfrag, "tagU");
	CHECK(d->setup == Setup::Passive);
	CHECK_EQ(d->candidates.size(), size_t(1));
}

static void testOtherBrowsers() {
	std::string err;
	auto ff = parse(kFirefoxOffer, Type::Offer, &err);
	CHECK(ff.has_value());
	if (ff) {
		CHECK_EQ(ff->fingerprint, "C4:FF:F4:24:51:D1:CB:A0:69:45:11:54:9E:6C:48:0D:59:02:20:2D:B5:F3:FB:"
		                          "59:AF:D5:F6:F8:59:F2:AE:CB");
		CHECK_EQ(ff->iceUfrag, "8a1b2c3d");
		CHECK_EQ(ff->maxMessageSize, 1073741823u);
		CHECK_EQ(ff->candidates.size(), size_t(2));
		CHECK(ff->endOfCandidates);
		std::string ans = generateAnswer(sampleLocal(), *ff);
		CHECK(contains(ans, "a=group:BUNDLE 0\r\n"));
		CHECK(contains(ans, "a=mid:0\r\n"));
	} else {
		std::fprintf(stderr, "  firefox error: %s\n", err.c_str());
	}

	auto ai = parse(kAiortcOffer, Type::Offer, &err);
	CHECK(ai.has_value());
	if (ai) {
		// Both fingerprints kept; the strongest hash is the one DTLS verifies.
		CHECK_EQ(ai->fingerprintAlgorithm, "sha-384");
		CHECK(contains(ai->fingerprint, "B2:79:26:9F"));
		CHECK_EQ(ai->fingerprints.size(), size_t(2));
		if (ai->fingerprints.size() == 2) {
			CHECK_EQ(ai->fingerprints[0].first, "sha-256");
			CHECK(contains(ai->fingerprints[0].second, "C4:FF:F4:24"));
			CHECK_EQ(ai->fingerprints[1].first, "sha-384");
		}
		CHECK_EQ(ai->candidates.size(), size_t(3));
		CHECK(ai->endOfCandidates);
		CHECK_EQ(ai->maxMessageSize, 65536u);
		if (ai->candidates.size() == 3) {
			auto info = candidateInfo(ai->candidates[1]);
			CHECK(info.has_value());
			if (info)
				CHECK_EQ(info->address, "2001:db8:85a3::8a2e:370:7334");
		}
	} else {
		std::fprintf(stderr, "  aiortc error: %s\n", err.c_str());
	}
}

static void testLegacy() {
	std::string err;
	auto d = parse(kLegacyOffer, Type::Offer, &err);
	CHECK(d.has_value());
	if (!d) {
		std::fprintf(stderr, "  legacy error: %s\n", err.c_str());
		return;
	}
	CHECK(d->media.size() == 1 && d->media[0].isData);
	CHECK_EQ(d->sctpPort, 5001);
	CHECK_EQ(d->dataMid, "data");
	CHECK_EQ(d->fingerprintAlgorithm, "sha-1");
	CHECK(d->setup == Setup::Passive);
	CHECK(d->iceLite);
	CHECK_EQ(d->maxMessageSize, 65536u); // absent -> 64 KiB

	LocalParams p = sampleLocal();
	p.sctpPort = 5001;
	std::string ans = generateAnswer(p, *d);
	CHECK(contains(ans, "m=application 9 DTLS/SCTP 5001\r\n"));
	CHECK(contains(ans, "a=sctpmap:5001 webrtc-datachannel 1024\r\n"));
	CHECK(contains(ans, "a=group:BUNDLE data\r\n"));
	auto back = parse(ans, Type::Answer, &err);
	CHECK(back.has_value() && back->sctpPort == 5001);
}

static void testParseErrors() {
	const std::string good = std::string("a=fingerprint:sha-256 ") + FP256 + "\r\n";
	std::string err;
	auto ok = parse(minimal(good), Type::Offer, &err);
	CHECK(ok.has_value());
	if (ok) {
		CHECK_EQ(ok->maxMessageSize, 65536u); // absent -> 64 KiB
		CHECK_EQ(ok->sctpPort, 5000);
	} else {
		std::fprintf(stderr, "  minimal error: %s\n", err.c_str());
	}

	EXPECT_ERROR(minimal(""), "missing fingerprint");
	EXPECT_ERROR(minimal("a=fingerprint:md5 D0:CC:43:A7:12:6D:96:4F:05:45:3F:E1:C5:0D:09:E9\r\n"),
	             "unsupported fingerprint hash md5");
	EXPECT_ERROR(minimal("a=fingerprint:sha-256 D0:CC:43:A7:12:6D\r\n"), "fingerprint length");
	EXPECT_ERROR(minimal(std::string("a=fingerprint:sha-384 ") + FP256 + "\r\n"), "fingerprint length");
	EXPECT_ERROR(minimal(std::string("a=fingerprint:sha-256 ") + FP256 + ":AA\r\n"), "fingerprint length");
	EXPECT_ERROR(minimal("a=fingerprint:sha-256 ZZ:CC\r\n"), "fingerprint");
	EXPECT_ERROR(minimal("a=fingerprint:sha-256\r\n"), "fingerprint");
	EXPECT_ERROR(minimal(good, "a=max-message-size:abc\r\n"), "max-message-size");
	EXPECT_ERROR(minimal(good, "a=sctp-port:70000\r\n"), "sctp-port");
	EXPECT_ERROR(minimal(good, "a=sctp-port:-1\r\n"), "sctp-port");
	EXPECT_ERROR("", "empty");
	EXPECT_ERROR("\r\n\r\n  \n", "empty");
	EXPECT_ERROR("garbage", "");
	EXPECT_ERROR(std::string("\x00\x01\xff\xfe binary", 11), "");
	EXPECT_ERROR("o=- 1 1 IN IP4 0.0.0.0\r\nv=0\r\n", "v=0");
	EXPECT_ERROR("v=0\r\ns=-\r\nt=0 0\r\n", "m-line");
	EXPECT_ERROR("v=0\r\nm=audio\r\n", "m-line");
	EXPECT_ERROR("v=0\r\nm=audio 99999 RTP/AVP 0\r\n", "port");
	EXPECT_ERROR(std::string("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=ice-ufrag:abcd\r\n"
	                         "a=ice-pwd:0123456789abcdef012345\r\na=fingerprint:sha-256 ") +
	                 FP256 + "\r\n",
	             "no data section");
	EXPECT_ERROR(std::string("v=0\r\nm=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:0\r\n"
	                         "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef012345\r\n"
	                         "a=fingerprint:sha-256 ") +
	                 FP256 + "\r\n",
	             "rejected");
	EXPECT_ERROR(std::string("v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
	                         "a=ice-pwd:0123456789abcdef012345\r\na=fingerprint:sha-256 ") +
	                 FP256 + "\r\n",
	             "ice-ufrag");
	EXPECT_ERROR(std::string("v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
	                         "a=ice-ufrag:abcd\r\na=fingerprint:sha-256 ") +
	                 FP256 + "\r\n",
	             "ice-pwd");
	// A mid with an embedded CR would inject lines into our answer.
	EXPECT_ERROR(minimal(good, "a=mid:0\rm=audio 9 x y\r\n"), "control");
	// Invalid setup in the data section.
	{
		std::string s = minimal(good);
		std::string bad = s;
		bad.replace(bad.find("a=setup:actpass"), 15, "a=setup:sideways");
		EXPECT_ERROR(bad, "setup");
		bad = s;
		bad.replace(bad.find("a=setup:actpass"), 15, "a=setup:holdconn");
		EXPECT_ERROR(bad, "holdconn");
	}
	// Huge line does not crash.
	EXPECT_ERROR("v=0\r\na=" + std::string(1 << 20, 'x') + "\r\n", "m-line");
	EXPECT_ERROR(std::string(5 << 20, 'v'), "");

	// Unknown hash alongside a supported one is fine; the supported one is used.
	auto multi = parse(minimal("a=fingerprint:sha-224 AA:BB\r\n" + good), Type::Offer, &err);
	CHECK(multi.has_value() && multi->fingerprintAlgorithm == "sha-256");
	// Missing a=setup means active (RFC 4145).
	std::string noSetup = minimal(good);
	noSetup.erase(noSetup.find("a=setup:actpass\r\n"), 17);
	auto ns = parse(noSetup, Type::Offer, &err);
	CHECK(ns.has_value() && ns->setup == Setup::Active);
	// Media-level setup wins over session-level.
	std::string sessSetup = minimal(good);
	sessSetup.insert(sessSetup.find("m="), "a=setup:passive\r\n");
	auto ss = parse(sessSetup, Type::Offer, &err);
	CHECK(ss.has_value() && ss->setup == Setup::ActPass);
	// Session-level ice credentials are used when the media has none.
	std::string sessIce = std::string("v=0\r\na=ice-ufrag:sess\r\na=ice-pwd:sessionpassword0123456789\r\n"
	                                  "a=ice-lite\r\na=fingerprint:sha-512 ") +
	                      "A2:94:50:E4:2E:76:43:5A:A3:D9:8B:DB:5D:6F:8C:A4:C8:5D:B7:F9:BE:37:78:DD:21:DB:"
	                      "16:74:82:42:79:63:B7:9A:57:04:4C:7D:EF:49:D1:BA:59:40:19:F1:2D:4E:44:8E:18:15:"
	                      "C5:24:86:83:0B:8B:8A:28:7E:4D:A4:53\r\n"
	                      "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=ice-ufrag:media\r\n";
	auto si = parse(sessIce, Type::Offer, &err);
	CHECK(si.has_value());
	if (si) {
		CHECK_EQ(si->iceUfrag, "media");
		CHECK_EQ(si->icePwd, "sessionpassword0123456789");
		CHECK_EQ(si->fingerprintAlgorithm, "sha-512");
		CHECK(si->iceLite);
		CHECK_EQ(si->dataMid, "0"); // absent mid -> index
	}
	// max-message-size larger than 32 bits clamps.
	auto big = parse(minimal(good, "a=max-message-size:99999999999999999999999999\r\n"), Type::Offer, &err);
	CHECK(big.has_value() && big->maxMessageSize == 0xFFFFFFFFu);
	// Null error pointer is allowed.
	CHECK(!parse("junk", Type::Offer, nullptr).has_value());
}

static void expectCandidateError(const std::string &line, const std::string &needle, int srcLine) {
	std::string err;
	auto c = parseCandidate(line, &err);
	++g_checks;
	if (c || err.empty() || !contains(err, needle)) {
		++g_failures;
		std::fprintf(stderr, "FAIL %s:%d: candidate \"%s\": expected error \"%s\", got %s \"%s\"\n",
		             __FILE__, srcLine, line.c_str(), needle.c_str(), c ? "success" : "error",
		             err.c_str());
	}
	CHECK(!candidateInfo(line).has_value());
}
#define EXPECT_CAND_ERROR(line, needle) expectCandidateError(line, needle, __LINE__)

static void testCandidates() {
	std::string err;
	auto c = parseCandidate("a=candidate:2999745851 1 udp 2122260223 192.168.56.1 53791 typ host "
	                        "generation 0 network-id 1\r\n",
	                        &err);
	CHECK(c.has_value());
	CHECK(c && *c == "candidate:2999745851 1 udp 2122260223 192.168.56.1 53791 typ host generation 0 "
	                 "network-id 1");
	auto info = candidateInfo("candidate:2999745851 1 udp 2122260223 192.168.56.1 53791 typ host");
	CHECK(info.has_value());
	if (info) {
		CHECK_EQ(info->foundation, "2999745851");
		CHECK_EQ(info->component, 1);
		CHECK_EQ(info->transport, "udp");
		CHECK_EQ(info->priority, 2122260223u);
		CHECK_EQ(info->address, "192.168.56.1");
		CHECK_EQ(info->port, 53791);
		CHECK_EQ(info->type, "host");
	}

	// IPv6, zone, TCP, srflx/relay/prflx, mDNS, extension attributes, whitespace.
	const char *valid[] = {
	    "candidate:1 1 UDP 2130706431 2001:db8::1 5000 typ host",
	    "candidate:1 1 udp 2130706431 fe80::1%eth0 5000 typ host",
	    "candidate:1 1 udp 2130706431 ::ffff:192.0.2.1 5000 typ host",
	    "candidate:1 1 udp 2130706431 1:2:3:4:5:6:7:8 5000 typ host",
	    "candidate:1 1 udp 2130706431 :: 5000 typ host",
	    "candidate:1425035237 1 tcp 1518280447 192.168.56.1 9 typ host tcptype active generation 0",
	    "candidate:2 1 TCP 1518280447 10.0.0.1 50000 typ host tcptype passive",
	    "candidate:3 1 tcp 1518280447 10.0.0.1 50000 typ host tcptype so",
	    ("candidate:842163049 1 udp 1677729535 203.0.113.9 55123 typ srflx raddr 192.168.1.5 rport 55123 "
	     "generation 0 ufrag Vq3M network-id 1 network-cost 10"),
	    "candidate:3 1 udp 8265727 2001:db8::1 3478 typ relay raddr 2001:db8::2 rport 40000",
	    "candidate:4 2 udp 1845501695 198.51.100.1 3478 typ prflx",
	    "candidate:0 1 UDP 2122252543 b3c1f0a2-7e4d-4a8e-9c11-2f6d0e5a9b77.local 60437 typ host",
	    "candidate:1 1 udp 1 abcd-1234.local 0 typ host",
	    "candidate:a+b/C 256 udp 4294967295 10.0.0.1 65535 typ host",
	    "   candidate:1 1 udp 2130706431 10.0.0.1 5000 typ host   \r\n",
	    "candidate:4b4f3b0e0c9e3f0e5e2a1c0d9b8a7f6e 1 udp 2130706431 192.168.1.20 51234 typ host",
	};
	for (const char *v : valid) {
		auto r = parseCandidate(v, &err);
		++g_checks;
		if (!r) {
			++g_failures;
			std::fprintf(stderr, "FAIL candidate should be valid: \"%s\": %s\n", v, err.c_str());
		}
		CHECK(candidateInfo(v).has_value());
	}
	auto tcp = candidateInfo("candidate:2 1 TCP 1518280447 10.0.0.1 50000 typ host tcptype passive");
	CHECK(tcp && tcp->transport == "TCP" && tcp->port == 50000);
	auto v6 = candidateInfo("a=candidate:1 1 udp 2130706431 fe80::1%eth0 5000 typ host");
	CHECK(v6 && v6->address == "fe80::1%eth0");
	auto mdns = candidateInfo("candidate:1 1 udp 1 abcd-1234.local 0 typ host");
	CHECK(mdns && mdns->address == "abcd-1234.local" && mdns->port == 0);
	auto tabs = parseCandidate("candidate:1\t1  udp 2130706431 10.0.0.1 5000 typ\thost", &err);
	CHECK(tabs && *tabs == "candidate:1 1 udp 2130706431 10.0.0.1 5000 typ host");

	EXPECT_CAND_ERROR("candidate:1 1 udp 2130706431 10.0.0.1 65536 typ host", "port");
	EXPECT_CAND_ERROR("candidate:1 1 udp 2130706431 10.0.0.1 -1 typ host", "port");
	EXPECT_CAND_ERROR("candidate:1 1 udp 2130706431 10.0.0.1 50x typ host", "port");
	EXPECT_CAND_ERROR("candidate:1 1 udp 2130706431 10.0.0.1 5000 host", "few fields");
	EXPECT_CAND_ERROR("candidate:1 1 udp 2130706431 10.0.0.1 5000 type host", "typ");
	EXPECT_CAND_ERROR("candidate:1 1 udp 2130706431 10.0.0.1 5000 typ bogus", "unknown candidate type");
	EXPECT_CAND_ERROR("candidate:1 0 udp 2130706431 10.0.0.1 5000 typ host", "component");
	EXPECT_CAND_ERROR("candidate:1 257 udp 2130706431 10.0.0.1 5000 typ host", "component");
	EXPECT_CAND_ERROR("candidate:1 1 sctp 2130706431 10.0.0.1 5000 typ host", "transport");
	EXPECT_CAND_ERROR("candidate:1 1 udp 4294967296 10.0.0.1 5000 typ host", "priority");
	EXPECT_CAND_ERROR("candidate:1 1 udp 2130706431 300.0.0.1 5000 typ host", "address");
	EXPECT_CAND_ERROR("candidate:1 1 udp 2130706431 1:2:3:4:5:6:7:8:9 5000 typ host", "address");
	EXPECT_CAND_ERROR("candidate:1 1 udp 2130706431 1::2::3 5000 typ host", "address");
	EXPECT_CAND_ERROR("candidate:1 1 udp 2130706431 bad..local 5000 typ host", "address");
	EXPECT_CAND_ERROR("candidate:1 1 udp 2130706431 10.0.0.1 5000 typ srflx raddr", "without value");
	EXPECT_CAND_ERROR("candidate:1 1 udp 2130706431 10.0.0.1 5000 typ srflx raddr 1.2.3.4 rport x",
	                  "rport");
	EXPECT_CAND_ERROR("candidate:1 1 tcp 2130706431 10.0.0.1 9 typ host tcptype sideways", "tcptype");
	EXPECT_CAND_ERROR("candidate: 1 1 udp 2130706431 10.0.0.1 5000 typ host", "foundation");
	EXPECT_CAND_ERROR("1 1 udp 2130706431 10.0.0.1 5000 typ host", "candidate:");
	EXPECT_CAND_ERROR("a=candidate:", "few fields");
	EXPECT_CAND_ERROR("candidate:1 1 udp 2130706431 10.0.0.1 5000 typ host\r\nextra 1", "control");
	EXPECT_CAND_ERROR("garbage", "candidate:");

	// End of candidates.
	CHECK(isEndOfCandidates(""));
	CHECK(isEndOfCandidates("  \r\n"));
	CHECK(isEndOfCandidates("end-of-candidates"));
	CHECK(isEndOfCandidates("a=end-of-candidates\r\n"));
	CHECK(!isEndOfCandidates("candidate:1 1 udp 2130706431 10.0.0.1 5000 typ host"));
	CHECK(!isEndOfCandidates("end-of-candidatesX"));
	auto eocErr = parseCandidate("", &err);
	CHECK(!eocErr.has_value());
	CHECK(!parseCandidate("x", nullptr).has_value());
}

// a=x-webrtcnative-add-streams: written only when set, read back, and a malformed value is
// ignored like an unknown attribute (the description still parses; no add-streams then).
static void testAddStreamsAttribute() {
	LocalParams p = sampleLocal();
	CHECK(!contains(generateOffer(p), "x-webrtcnative-add-streams"));
	p.addStreamsUpTo = 65535;
	std::string offer = generateOffer(p);
	CHECK(contains(offer, "a=max-message-size:262144\r\na=x-webrtcnative-add-streams:65535\r\n"));
	std::string err;
	auto d = parse(offer, Type::Offer, &err);
	CHECK(d.has_value());
	if (d)
		CHECK_EQ(d->addStreamsUpTo, uint16_t(65535));
	auto chromium = parse(kChromiumOffer, Type::Offer, &err);
	CHECK(chromium.has_value());
	if (chromium)
		CHECK_EQ(chromium->addStreamsUpTo, uint16_t(0));
	const std::string fp = "a=fingerprint:sha-256 " + std::string(FP256) + "\r\n";
	for (const char *bad : {"a=x-webrtcnative-add-streams:65536\r\n", "a=x-webrtcnative-add-streams:-1\r\n",
	                        "a=x-webrtcnative-add-streams:\r\n", "a=x-webrtcnative-add-streams:12x\r\n"}) {
		auto m = parse(minimal(fp, bad), Type::Offer, &err);
		CHECK(m.has_value());
		if (m)
			CHECK_EQ(m->addStreamsUpTo, uint16_t(0));
	}
	auto small = parse(minimal(fp, "a=x-webrtcnative-add-streams:2048\r\n"), Type::Offer, &err);
	CHECK(small.has_value());
	if (small)
		CHECK_EQ(small->addStreamsUpTo, uint16_t(2048));
}

// Several a=fingerprint lines: every supported one is kept, the strongest selected whatever
// the order; unsupported hashes next to a supported one are skipped.
static void testFingerprintSelection() {
	std::string err;
	std::string sha1 = "a=fingerprint:sha-1 89:27:93:95:E6:CC:E3:33:56:DB:53:87:C7:04:94:86:2D:62:FD:4C\r\n";
	std::string sha512 = "a=fingerprint:sha-512";
	for (int i = 0; i < 64; ++i)
		sha512 += (i ? ":" : " ") + std::string("AB");
	sha512 += "\r\n";
	std::string md5 = "a=fingerprint:md5 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n";
	std::string sdp = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
	                  "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"
	                  "a=mid:0\r\na=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef012345\r\n" +
	                  sha1 + md5 + sha512 + "a=setup:actpass\r\na=sctp-port:5000\r\n";
	auto d = parse(sdp, Type::Offer, &err);
	CHECK(d.has_value());
	if (d) {
		CHECK_EQ(d->fingerprintAlgorithm, "sha-512");
		CHECK_EQ(d->fingerprint.size(), size_t(64 * 3 - 1));
		CHECK_EQ(d->fingerprints.size(), size_t(2)); // md5 is not supported
	}
	// SHA-1 alone still parses (refusing it is the peer connection's policy).
	auto only1 = parse(std::string(sdp).replace(sdp.find(md5), md5.size() + sha512.size(), ""), Type::Offer, &err);
	CHECK(only1.has_value() && only1->fingerprintAlgorithm == "sha-1");
	// max-message-size past 2^31 parses; the API getters clamp it to INT_MAX.
	auto big = parse(sdp + "a=max-message-size:4294967296\r\n", Type::Offer, &err);
	CHECK(big.has_value() && big->maxMessageSize == 4294967295u);
}

int main() {
	testTypes();
	testFingerprintSelection();
	testOfferRoundTrip();
	testChromiumOffer();
	testBundleTagFallback();
	testOtherBrowsers();
	testLegacy();
	testParseErrors();
	testCandidates();
	testAddStreamsAttribute();
	if (g_failures) {
		std::fprintf(stderr, "test_sdp: %d of %d checks FAILED\n", g_failures, g_checks);
		return 1;
	}
	std::printf("test_sdp: all %d checks passed\n", g_checks);
	return 0;
}
