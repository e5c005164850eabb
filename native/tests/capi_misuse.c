/* Bad input and wrong states return the documented codes; nothing crashes or hangs. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *kChromiumOffer =
    "v=0\r\n"
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1 2\r\n"
    "a=extmap-allow-mixed\r\n"
    "a=msid-semantic: WMS\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Q1wS\r\n"
    "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 "
    "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=sendrecv\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Q1wS\r\n"
    "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
    "a=fingerprint:sha-256 "
    "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99\r\n"
    "a=setup:actpass\r\n"
    "a=mid:1\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Q1wS\r\n"
    "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 "
    "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99\r\n"
    "a=setup:actpass\r\n"
    "a=mid:2\r\n"
    "a=sctp-port:5000\r\n"
    "a=max-message-size:262144\r\n";

static int g_desc_calls;
static char g_answer[8192];
static void on_desc(int pc, const char *sdp, const char *type, void *ptr) {
	(void)pc;
	(void)ptr;
	if (strcmp(type, "answer") == 0)
		snprintf(g_answer, sizeof(g_answer), "%s", sdp);
	__atomic_add_fetch(&g_desc_calls, 1, __ATOMIC_SEQ_CST);
}

static int g_deleted_in_cb;
static void delete_self_on_state(int pc, rtcState state, void *ptr) {
	(void)ptr;
	if (state == RTC_CONNECTED) {
		CHECK_EQ(rtcDeletePeerConnection(pc), 0); /* from inside its own callback */
		__atomic_store_n(&g_deleted_in_cb, 1, __ATOMIC_SEQ_CST);
	}
}

int main(void) {
	harness_init();
	rtcConfiguration config = loopback_config();

	/* Unknown ids and NULL pointers. */
	CHECK_EQ(rtcCreatePeerConnection(NULL), RTC_ERR_INVALID);
	CHECK_EQ(rtcDeletePeerConnection(999999), RTC_ERR_INVALID);
	CHECK_EQ(rtcDeletePeerConnection(-5), RTC_ERR_INVALID);
	CHECK_EQ(rtcDeleteDataChannel(999999), RTC_ERR_INVALID);
	CHECK_EQ(rtcSendMessage(999999, "x", 1), RTC_ERR_INVALID);
	CHECK_EQ(rtcGetLocalDescription(999999, NULL, 0), RTC_ERR_INVALID);
	CHECK_EQ(rtcClose(0), RTC_ERR_INVALID);
	CHECK_EQ(rtcSetOpenCallback(12345678, NULL), RTC_ERR_INVALID);
	CHECK(!rtcIsOpen(999999));
	CHECK(rtcGetUserPointer(999999) == NULL);

	/* Bad configurations. */
	rtcConfiguration bad = config;
	const char *servers[] = {"bogus://nowhere"};
	bad.iceServers = servers;
	bad.iceServersCount = 1;
	CHECK_EQ(rtcCreatePeerConnection(&bad), RTC_ERR_INVALID);
	bad = config;
	bad.bindAddress = "not-an-address";
	CHECK_EQ(rtcCreatePeerConnection(&bad), RTC_ERR_INVALID);
	bad = config;
	bad.portRangeBegin = 6000;
	bad.portRangeEnd = 5000;
	CHECK_EQ(rtcCreatePeerConnection(&bad), RTC_ERR_INVALID);

	int pc = rtcCreatePeerConnection(&config);
	CHECK(pc > 0);
	rtcSetLocalDescriptionCallback(pc, on_desc);
	/* Nothing negotiated yet. */
	CHECK_EQ(rtcGetLocalDescription(pc, NULL, 0), RTC_ERR_NOT_AVAIL);
	CHECK_EQ(rtcGetRemoteDescription(pc, NULL, 0), RTC_ERR_NOT_AVAIL);
	CHECK_EQ(rtcGetLocalAddress(pc, NULL, 0), RTC_ERR_NOT_AVAIL);
	/* Wrong state: an answer without an offer, an answer to nothing. */
	CHECK_EQ(rtcSetLocalDescription(pc, "answer"), RTC_ERR_FAILURE);
	CHECK_EQ(rtcSetLocalDescription(pc, "bogus"), RTC_ERR_INVALID);
	CHECK_EQ(rtcSetRemoteDescription(pc, kChromiumOffer, "answer"), RTC_ERR_FAILURE);
	/* Malformed descriptions. */
	CHECK_EQ(rtcSetRemoteDescription(pc, NULL, "offer"), RTC_ERR_INVALID);
	CHECK_EQ(rtcSetRemoteDescription(pc, "", "offer"), RTC_ERR_INVALID);
	CHECK_EQ(rtcSetRemoteDescription(pc, "garbage\x01\xff", "offer"), RTC_ERR_INVALID);
	CHECK_EQ(rtcSetRemoteDescription(pc, kChromiumOffer, "sideways"), RTC_ERR_INVALID);
	/* An offer without a fingerprint is refused. */
	{
		char *nofp = strdup(kChromiumOffer);
		char *f;
		while ((f = strstr(nofp, "a=fingerprint")))
			memcpy(f, "a=xingerprint", 13);
		CHECK_EQ(rtcSetRemoteDescription(pc, nofp, "offer"), RTC_ERR_INVALID);
		free(nofp);
	}
	/* Malformed candidates; end-of-candidates is fine. */
	CHECK_EQ(rtcAddRemoteCandidate(pc, NULL, NULL), RTC_ERR_INVALID);
	CHECK_EQ(rtcAddRemoteCandidate(pc, "candidate:garbage", "0"), RTC_ERR_INVALID);
	CHECK_EQ(rtcAddRemoteCandidate(pc, "candidate:1 1 udp 2122260223 127.0.0.1 99999 typ host", "0"),
	         RTC_ERR_INVALID);
	CHECK_EQ(rtcAddRemoteCandidate(pc, "", "0"), 0);
	/* Channels: NULL label, negotiated without a stream, out-of-range stream. */
	CHECK_EQ(rtcCreateDataChannel(pc, NULL), RTC_ERR_INVALID);
	rtcDataChannelInit init;
	memset(&init, 0, sizeof(init));
	init.negotiated = true;
	CHECK_EQ(rtcCreateDataChannelEx(pc, "n", &init), RTC_ERR_INVALID);
	init.manualStream = true;
	init.stream = 65535;
	CHECK_EQ(rtcCreateDataChannelEx(pc, "n", &init), RTC_ERR_INVALID);

	/* A browser offer with audio and video: accepted, media rejected with port 0 in the answer. */
	CHECK_EQ(rtcSetRemoteDescription(pc, kChromiumOffer, "offer"), 0);
	double deadline = now_s() + 5;
	while (!g_answer[0] && now_s() < deadline)
		sleep_ms(5);
	CHECK(strstr(g_answer, "m=audio 0 ") != NULL);
	CHECK(strstr(g_answer, "m=video 0 ") != NULL);
	CHECK(strstr(g_answer, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel") != NULL);
	CHECK(strstr(g_answer, "a=mid:2") != NULL);
	CHECK(strstr(g_answer, "a=setup:active") != NULL);
	char type[16];
	CHECK_EQ(rtcGetLocalDescriptionType(pc, type, sizeof(type)), 7);
	CHECK(strcmp(type, "answer") == 0);
	/* Too-small buffers. */
	CHECK_EQ(rtcGetLocalDescriptionType(pc, type, 3), RTC_ERR_TOO_SMALL);
	int needed = rtcGetLocalDescription(pc, NULL, 0);
	CHECK(needed > 100);
	char *buf = malloc((size_t)needed);
	CHECK_EQ(rtcGetLocalDescription(pc, buf, needed), needed);
	CHECK_EQ((int)strlen(buf) + 1, needed);
	free(buf);
	/* A second offer while one is being answered is a wrong state for a local offer. */
	CHECK_EQ(rtcDeletePeerConnection(pc), 0);
	CHECK_EQ(rtcDeletePeerConnection(pc), RTC_ERR_INVALID); /* twice */
	CHECK_EQ(rtcSetLocalDescription(pc, NULL), RTC_ERR_INVALID);

	/* Polling mode, closed channel, delete from inside a callback. */
	pair_t p;
	pair_init(&p, NULL, NULL);
	int dc = rtcCreateDataChannel(p.a.pc, "poll");
	CHECK(dc > 0);
	channel_t *ca = channel_new(dc);
	CHECK(channel_wait_open(ca, 10));
	/* The remote channel has no message callback: its messages wait for rtcReceiveMessage. */
	double t = now_s() + 10;
	int remote = 0;
	while (now_s() < t && !remote) {
		pthread_mutex_lock(&p.b.mutex);
		remote = p.b.nincoming > 0 ? p.b.incoming[0]->id : 0;
		pthread_mutex_unlock(&p.b.mutex);
		sleep_ms(2);
	}
	CHECK(remote > 0);
	CHECK_EQ(rtcSetMessageCallback(remote, NULL), 0);
	CHECK_EQ(rtcSendMessage(dc, "abcdef", -1), 0);
	CHECK_EQ(rtcSendMessage(dc, "\x01\x02\x03", 3), 0);
	t = now_s() + 10;
	while (rtcGetAvailableAmount(remote) < 9 && now_s() < t)
		sleep_ms(2);
	CHECK_EQ(rtcGetAvailableAmount(remote), 9);
	int size = 0;
	CHECK_EQ(rtcReceiveMessage(remote, NULL, &size), 0);
	CHECK_EQ(size, -7);
	char small[4];
	size = sizeof(small);
	CHECK_EQ(rtcReceiveMessage(remote, small, &size), RTC_ERR_TOO_SMALL);
	CHECK_EQ(size, -7);
	char got[16];
	size = sizeof(got);
	CHECK_EQ(rtcReceiveMessage(remote, got, &size), 0);
	CHECK_EQ(size, -7);
	CHECK(strcmp(got, "abcdef") == 0);
	size = sizeof(got);
	CHECK_EQ(rtcReceiveMessage(remote, got, &size), 0);
	CHECK_EQ(size, 3);
	CHECK(memcmp(got, "\x01\x02\x03", 3) == 0);
	size = sizeof(got);
	CHECK_EQ(rtcReceiveMessage(remote, got, &size), RTC_ERR_NOT_AVAIL);
	CHECK_EQ(rtcReceiveMessage(remote, got, NULL), RTC_ERR_INVALID);

	/* A closed channel refuses to send; closing twice is fine. */
	CHECK_EQ(rtcClose(dc), 0);
	CHECK(channel_wait_closed(ca, 10));
	CHECK_EQ(rtcSendMessage(dc, "late", -1), RTC_ERR_FAILURE);
	CHECK_EQ(rtcClose(dc), 0);
	channel_free(ca);
	pair_destroy(&p);

	/* rtcDeletePeerConnection from inside that connection's own callback does not deadlock. */
	pair_t q;
	pair_init(&q, NULL, NULL);
	rtcSetStateChangeCallback(q.b.pc, delete_self_on_state);
	CHECK(rtcCreateDataChannel(q.a.pc, "x") > 0);
	t = now_s() + 10;
	while (!__atomic_load_n(&g_deleted_in_cb, __ATOMIC_SEQ_CST) && now_s() < t)
		sleep_ms(5);
	CHECK(g_deleted_in_cb);
	CHECK_EQ(rtcDeletePeerConnection(q.b.pc), RTC_ERR_INVALID); /* already gone */
	CHECK_EQ(rtcDeletePeerConnection(q.a.pc), 0);
	for (int i = 0; i < q.b.nincoming; ++i)
		channel_free(q.b.incoming[i]);

	rtcCleanup();
	printf("capi_misuse: ok\n");
	return 0;
}
