/* rtcGetStats / rtcGetDataChannelStats / rtcGetDtlsCipher (WebRtcNative extensions, docs/stats.md)
 * and the upstream selected-pair getters, through the impairment relay (20 ms each way, then
 * 10% loss from A to B): message and byte counters match exactly what was sent, the SCTP RTT
 * reflects the relay's delay, the congestion window is positive, the lossy phase shows
 * retransmissions, the cipher is named, and the versioned struct honours the caller's size. */
#include "harness.h"
#include "relay.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DELAY_MS 20

static int port_of(const char *address) {
	const char *colon = strrchr(address, ':');
	return colon ? atoi(colon + 1) : -1;
}

static rtcStats stats_of(int pc) {
	rtcStats s;
	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	CHECK_EQ(rtcGetStats(pc, &s), RTC_ERR_SUCCESS);
	CHECK_EQ(s.size, (int)sizeof(s));
	return s;
}

static rtcDataChannelStats channel_stats_of(int dc) {
	rtcDataChannelStats s;
	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	CHECK_EQ(rtcGetDataChannelStats(dc, &s), RTC_ERR_SUCCESS);
	CHECK_EQ(s.size, (int)sizeof(s));
	return s;
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	harness_init();
	relay_t *relay = relay_new(7);
	relay_dir_t cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.delay_ms = DELAY_MS;
	relay_configure_both(relay, cfg);
	pair_t p;
	pair_init(&p, NULL, NULL);
	relay_signal_t *rs = relay_signal_install(&p, relay, NULL);

	/* Before any transport: counters 0, SCTP figures -1, no cipher, no pair. */
	rtcStats s0 = stats_of(p.a.pc);
	CHECK_EQ(s0.messagesSent, 0);
	CHECK_EQ(s0.sctpSmoothedRttMs, -1);
	CHECK_EQ(s0.sctpCongestionWindow, -1);
	CHECK_EQ(s0.dtlsCipherSuite, 0);
	CHECK_EQ(s0.localPort, 0);
	CHECK_EQ(rtcGetDtlsCipher(p.a.pc, NULL, 0), RTC_ERR_NOT_AVAIL);
	CHECK_EQ(rtcGetRemoteAddress(p.a.pc, NULL, 0), RTC_ERR_NOT_AVAIL);

	channel_t *cb = NULL;
	channel_t *ca = pair_open_channel(&p, "stats", 0, &cb);
	CHECK(ca != NULL && cb != NULL);
	channel_t *cb2 = NULL;
	channel_t *ca2 = pair_open_channel(&p, "other", 1, &cb2);
	CHECK(ca2 != NULL && cb2 != NULL);

	/* A sends 50 binary messages of 1000 bytes, 3 strings and an empty binary on "stats";
	 * B answers with 7 messages of 300 bytes on "other". */
	static char payload[1000];
	for (int i = 0; i < (int)sizeof(payload); ++i)
		payload[i] = (char)i;
	for (int i = 0; i < 50; ++i)
		CHECK_EQ(rtcSendMessage(ca->id, payload, sizeof(payload)), 0);
	CHECK_EQ(rtcSendMessage(ca->id, "hello", -1), 0);      /* 5 bytes */
	CHECK_EQ(rtcSendText(ca->id, "a\0b", 3), 0);          /* 3 bytes */
	CHECK_EQ(rtcSendMessage(ca->id, "", -1), 0);           /* 0 bytes */
	CHECK_EQ(rtcSendMessage(ca->id, payload, 0), 0);       /* 0 bytes */
	for (int i = 0; i < 7; ++i)
		CHECK_EQ(rtcSendMessage(cb2->id, payload, 300), 0);
	CHECK(channel_wait_count(cb, 54, 20));
	CHECK(channel_wait_count(ca2, 7, 20));
	const uint64_t aBytes = 50 * 1000 + 5 + 3, bBytes = 7 * 300;

	rtcStats a = stats_of(p.a.pc), b = stats_of(p.b.pc);
	printf("capi_stats: A sent %llu msgs / %llu B, received %llu / %llu; srtt %d ms, cwnd %d, "
	       "rto %d ms, rwnd %d, rtx %llu, ports %d -> %d, channels %d\n",
	       (unsigned long long)a.messagesSent, (unsigned long long)a.bytesSent,
	       (unsigned long long)a.messagesReceived, (unsigned long long)a.bytesReceived,
	       a.sctpSmoothedRttMs, a.sctpCongestionWindow, a.sctpRtoMs, a.sctpPeerReceiveWindow,
	       (unsigned long long)a.sctpRetransmissions, a.localPort, a.remotePort, a.channelCount);
	CHECK_EQ(a.messagesSent, 54);
	CHECK_EQ(a.bytesSent, aBytes);
	CHECK_EQ(a.messagesReceived, 7);
	CHECK_EQ(a.bytesReceived, bBytes);
	CHECK_EQ(b.messagesReceived, 54);
	CHECK_EQ(b.bytesReceived, aBytes);
	CHECK_EQ(b.messagesSent, 7);
	CHECK_EQ(b.bytesSent, bBytes);
	CHECK_EQ(a.channelCount, 2);
	CHECK_EQ(b.channelCount, 2);
	/* Two relay hops of 20 ms: the smoothed RTT is at least 40 ms, and far from seconds. */
	CHECK(a.sctpSmoothedRttMs >= 2 * DELAY_MS && a.sctpSmoothedRttMs < 1000);
	CHECK(b.sctpSmoothedRttMs >= 2 * DELAY_MS && b.sctpSmoothedRttMs < 1000);
	CHECK(a.sctpCongestionWindow > 0);
	CHECK(a.sctpRtoMs >= a.sctpSmoothedRttMs);
	CHECK(a.sctpPeerReceiveWindow > 0);
	/* B's receive window starts at 8 MiB, nearly all free here: usrsctp takes the window an INIT
	 * announces as the sender's first ssthresh, and 4 MiB ended slow start at 21 MB/s on a
	 * 200 ms path (issue 14, native/BENCHMARKS.md "Third pass"). */
	CHECK(a.sctpPeerReceiveWindow >= 7 * 1024 * 1024);
	CHECK(a.sctpUnackedChunks >= 0);
	CHECK(a.dtlsCipherSuite != 0);
	CHECK_EQ(a.dtlsCipherSuite, b.dtlsCipherSuite);
	CHECK_EQ(a.bufferedAmount, 0);

	/* Per channel: each channel's own share. */
	rtcDataChannelStats cs = channel_stats_of(ca->id), cr = channel_stats_of(cb->id);
	CHECK_EQ(cs.messagesSent, 54);
	CHECK_EQ(cs.bytesSent, aBytes);
	CHECK_EQ(cs.messagesReceived, 0);
	CHECK_EQ(cr.messagesReceived, 54);
	CHECK_EQ(cr.bytesReceived, aBytes);
	CHECK_EQ(cs.stream, rtcGetDataChannelStream(ca->id));
	rtcDataChannelStats os = channel_stats_of(cb2->id), orx = channel_stats_of(ca2->id);
	CHECK_EQ(os.messagesSent, 7);
	CHECK_EQ(os.bytesSent, bBytes);
	CHECK_EQ(orx.messagesReceived, 7);
	CHECK_EQ(orx.bytesReceived, bBytes);
	CHECK_EQ(orx.messagesSent, 0);

	/* The cipher by name, the same on both sides. */
	char cipherA[128], cipherB[128];
	int n = rtcGetDtlsCipher(p.a.pc, NULL, 0);
	CHECK(n > 1 && n <= (int)sizeof(cipherA));
	CHECK_EQ(rtcGetDtlsCipher(p.a.pc, cipherA, sizeof(cipherA)), n);
	CHECK(rtcGetDtlsCipher(p.b.pc, cipherB, sizeof(cipherB)) > 0);
	CHECK(strcmp(cipherA, cipherB) == 0);
	CHECK(strncmp(cipherA, "TLS_", 4) == 0);
	CHECK_EQ(rtcGetDtlsCipher(p.a.pc, cipherA, 2), RTC_ERR_TOO_SMALL);
	printf("capi_stats: cipher %s (0x%04x)\n", cipherA, a.dtlsCipherSuite);

	/* The upstream getters agree with each other and with the stats' ports; through the relay,
	 * A's remote address is one of the relay's ports. */
	char la[64], ra[64], lc[256], rc[256];
	CHECK(rtcGetLocalAddress(p.a.pc, la, sizeof(la)) > 0);
	CHECK(rtcGetRemoteAddress(p.a.pc, ra, sizeof(ra)) > 0);
	CHECK(rtcGetSelectedCandidatePair(p.a.pc, lc, sizeof(lc), rc, sizeof(rc)) > 0);
	printf("capi_stats: A %s -> %s | %s | %s\n", la, ra, lc, rc);
	CHECK(strncmp(la, "127.0.0.1:", 10) == 0);
	CHECK(strncmp(ra, "127.0.0.1:", 10) == 0);
	CHECK_EQ(port_of(la), a.localPort);
	CHECK_EQ(port_of(ra), a.remotePort);
	CHECK(a.remotePort == relay_port(relay, 0) || a.remotePort == relay_port(relay, 1));
	CHECK(strstr(lc, " udp ") != NULL || strstr(lc, " UDP ") != NULL);
	char port[16];
	snprintf(port, sizeof(port), " %d typ", a.localPort);
	CHECK(strstr(lc, port) != NULL);
	snprintf(port, sizeof(port), " %d typ", a.remotePort);
	CHECK(strstr(rc, port) != NULL);

	/* Lossy phase: 10% of A's packets dropped; the counters stay exact, and A retransmits. */
	cfg.loss_pct = 10;
	relay_configure(relay, 0, cfg);
	for (int i = 0; i < 200; ++i)
		CHECK_EQ(rtcSendMessage(ca->id, payload, sizeof(payload)), 0);
	CHECK(channel_wait_count(cb, 54 + 200, 60));
	a = stats_of(p.a.pc);
	b = stats_of(p.b.pc);
	printf("capi_stats: after loss: A rtx %llu, srtt %d ms, cwnd %d; B received %llu\n",
	       (unsigned long long)a.sctpRetransmissions, a.sctpSmoothedRttMs, a.sctpCongestionWindow,
	       (unsigned long long)b.messagesReceived);
	CHECK_EQ(a.messagesSent, 254);
	CHECK_EQ(a.bytesSent, aBytes + 200 * 1000);
	CHECK_EQ(b.messagesReceived, 254);
	CHECK_EQ(b.bytesReceived, aBytes + 200 * 1000);
	CHECK(a.sctpRetransmissions > 0);
	CHECK_EQ(b.sctpRetransmissions, 0); /* B's few packets went through a loss-free direction */

	/* Versioning: a caller that knows only the fields up to bytesReceived gets those, its size
	 * back, and nothing written beyond. */
	rtcStats partial;
	memset(&partial, 0x5a, sizeof(partial));
	partial.size = (int)offsetof(rtcStats, messagesSent);
	CHECK_EQ(rtcGetStats(p.a.pc, &partial), RTC_ERR_SUCCESS);
	CHECK_EQ(partial.size, (int)offsetof(rtcStats, messagesSent));
	CHECK_EQ(partial.bytesSent, aBytes + 200 * 1000);
	unsigned char *raw = (unsigned char *)&partial;
	for (size_t i = offsetof(rtcStats, messagesSent); i < sizeof(partial); ++i)
		CHECK_EQ(raw[i], 0x5a);
	/* A newer caller (larger struct): only this library's fields, and their size, come back. */
	struct {
		rtcStats known;
		int future[4];
	} larger;
	memset(&larger, 0, sizeof(larger));
	larger.known.size = (int)sizeof(larger);
	larger.future[0] = 77;
	CHECK_EQ(rtcGetStats(p.a.pc, &larger.known), RTC_ERR_SUCCESS);
	CHECK_EQ(larger.known.size, (int)sizeof(rtcStats));
	CHECK_EQ(larger.future[0], 77);

	/* Misuse: clear errors, no crash. */
	rtcStats bad;
	memset(&bad, 0, sizeof(bad));
	CHECK_EQ(rtcGetStats(p.a.pc, &bad), RTC_ERR_INVALID); /* size not set */
	CHECK_EQ(rtcGetStats(p.a.pc, NULL), RTC_ERR_INVALID);
	bad.size = sizeof(bad);
	CHECK_EQ(rtcGetStats(999999, &bad), RTC_ERR_INVALID);
	CHECK_EQ(rtcGetStats(ca->id, &bad), RTC_ERR_INVALID); /* a channel id is not a connection */
	rtcDataChannelStats badc;
	memset(&badc, 0, sizeof(badc));
	badc.size = sizeof(badc);
	CHECK_EQ(rtcGetDataChannelStats(p.a.pc, &badc), RTC_ERR_INVALID);
	CHECK_EQ(rtcGetDtlsCipher(999999, NULL, 0), RTC_ERR_INVALID);

	/* A closed channel leaves the count; its counters stay readable until it is deleted. */
	CHECK_EQ(rtcClose(ca2->id), 0);
	CHECK(channel_wait_closed(ca2, 10));
	CHECK_EQ(stats_of(p.a.pc).channelCount, 1);
	CHECK_EQ(channel_stats_of(ca2->id).messagesReceived, 7);

	/* After close (the graceful SCTP shutdown, then the transports go): the counters stay. */
	CHECK_EQ(rtcClosePeerConnection(p.a.pc), 0);
	CHECK(peer_wait_state(&p.a, RTC_CLOSED, 10));
	double until = now_s() + 10;
	while ((a = stats_of(p.a.pc)).sctpSmoothedRttMs != -1 && now_s() < until)
		sleep_ms(20);
	CHECK_EQ(a.messagesSent, 254);
	CHECK_EQ(a.bytesSent, aBytes + 200 * 1000);
	CHECK_EQ(a.messagesReceived, 7);
	CHECK(a.sctpRetransmissions > 0);
	CHECK_EQ(a.sctpSmoothedRttMs, -1);
	CHECK_EQ(a.channelCount, 0);

	channel_free(ca);
	channel_free(ca2);
	pair_destroy(&p);
	relay_signal_free(rs);
	relay_free(relay);
	printf("capi_stats: ok\n");
	return 0;
}
