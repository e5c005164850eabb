/* Limits.
 * 1. Channel count: stream ids run to 65534 (65535 is reserved, RFC 8831 section 6.5); the DTLS
 *    client owns the even ids, the server the odd ones. The association starts with 1024
 *    streams each way and adds more on first use (RFC 6525 add-streams). In-band channels from
 *    one side are created until its ids are exhausted: exactly 32 768 (even) or 32 767 (odd)
 *    succeed, the next returns RTC_ERR_FAILURE, nothing crashes, all open on the remote side,
 *    the channel on the highest stream carries data both ways, and a negotiated channel on a
 *    high id of the other parity works. Ids above 65534 are refused (RTC_ERR_INVALID).
 *    With WEBRTCNATIVE_SCTP_MAX_STREAMS=N (ctest runs it once with 1024) the same holds for
 *    ids 0..N-1.
 * 2. Toward a peer that does not announce a=x-webrtcnative-add-streams (every other stack; here
 *    the attribute is stripped in flight), no stream is ever added: ids stop at 1023, a
 *    negotiated channel made on id 4000 before connecting fails with an error and closes once
 *    the association is up, creating one on 4000 afterwards returns RTC_ERR_INVALID, exactly
 *    512 (or 511) in-band channels fit, and closing a channel still works (nothing waits on a
 *    request the peer would never answer).
 * 3. 10 000 unread messages (10 MB) in polling mode (no message callback): the native queue
 *    stops at its default bound (4 MiB, WEBRTCNATIVE_RECV_QUEUE_BYTES), the rest waits in SCTP
 *    flow control; reading with rtcReceiveMessage gets all of them in order and the memory back.
 *    (capi_reliability_hostile tests the bounds with small limits.)
 * (A message above the remote max-message-size is refused with RTC_ERR_INVALID and the channel
 *  stays usable: capi_channels.c.) */
#define _GNU_SOURCE
#include "harness.h"

#include "relay.h"

#ifndef _WIN32
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
static int g_incoming;
static int g_top_stream; /* the highest stream id the creating side can use */
static channel_t *g_first_incoming, *g_top_incoming;
static int g_incoming_ids[32768]; /* every remote channel, deleted at the end */

static void count_channel(int pc, int dc, void *ptr) {
	(void)pc;
	(void)ptr;
	int stream = rtcGetDataChannelStream(dc);
	pthread_mutex_lock(&g_mutex);
	if (g_incoming < 32768)
		g_incoming_ids[g_incoming] = dc;
	if (g_incoming++ == 0)
		g_first_incoming = channel_new(dc);
	else if (stream == g_top_stream)
		g_top_incoming = channel_new(dc);
	pthread_mutex_unlock(&g_mutex);
}

static int incoming_count(void) {
	pthread_mutex_lock(&g_mutex);
	int n = g_incoming;
	pthread_mutex_unlock(&g_mutex);
	return n;
}

static size_t heap_in_use(void) {
#ifdef _WIN32
	return 0; /* no mallinfo2 in the Windows CRT: the memory checks are skipped, as under valgrind */
#else
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
#endif
}

static int stream_cap(void) {
	const char *env = getenv("WEBRTCNATIVE_SCTP_MAX_STREAMS");
	int cap = env ? atoi(env) : 65535;
	return cap < 2 ? 2 : cap > 65535 ? 65535 : cap;
}

static void channel_count_limit(void) {
	int cap = stream_cap();
	int max_id = cap - 1 > 65534 ? 65534 : cap - 1;
	pair_t p;
	pair_init(&p, NULL, NULL);
	CHECK_EQ(rtcSetDataChannelCallback(p.b.pc, count_channel), 0);
	int first = rtcCreateDataChannel(p.a.pc, "first");
	CHECK(first > 0);
	channel_t *c0 = channel_new(first);
	CHECK(pair_wait_connected(&p, 20));
	CHECK(channel_wait_open(c0, 10));
	CHECK_EQ(rtcGetMaxDataChannelStream(p.a.pc), max_id);
	int parity = rtcGetDataChannelStream(first) % 2;
	int expected = (max_id - parity) / 2 + 1;
	pthread_mutex_lock(&g_mutex);
	g_top_stream = max_id % 2 == parity ? max_id : max_id - 1;
	pthread_mutex_unlock(&g_mutex);

	static int ids[32768];
	int n = 0;
	ids[n++] = first;
	size_t heap0 = heap_in_use();
	double t0 = now_s();
	for (;;) {
		char label[32];
		snprintf(label, sizeof(label), "ch%d", n);
		int id = rtcCreateDataChannel(p.a.pc, label);
		if (id < 0) {
			CHECK_EQ(id, RTC_ERR_FAILURE);
			break;
		}
		CHECK(n < expected);
		ids[n++] = id;
	}
	double created = now_s() - t0;
	CHECK_EQ(n, expected);
	for (int i = 0; i < n; ++i) {
		int s = rtcGetDataChannelStream(ids[i]);
		CHECK(s >= 0 && s <= max_id && s % 2 == parity);
	}
	/* Ids past the cap or the protocol maximum are refused. */
	rtcDataChannelInit neg;
	memset(&neg, 0, sizeof(neg));
	neg.negotiated = true;
	neg.manualStream = true;
	if (max_id < 65534) {
		neg.stream = (uint16_t)(max_id + 1);
		CHECK_EQ(rtcCreateDataChannelEx(p.a.pc, "too-high", &neg), RTC_ERR_INVALID);
	}
	neg.stream = 65535;
	CHECK_EQ(rtcCreateDataChannelEx(p.a.pc, "reserved", &neg), RTC_ERR_INVALID);

	/* All open on the remote side, which answered every DCEP OPEN on its own (grown) streams. */
	double deadline = now_s() + 300; /* ~2 s natively, minutes under valgrind */
	while (incoming_count() < n && now_s() < deadline)
		sleep_ms(10);
	CHECK_EQ(incoming_count(), n);
	double opened = now_s() - t0;
	size_t heap1 = heap_in_use();
	printf("capi_reliability_limits: stream cap %d: %d in-band channels created on one side in "
	       "%.2f s, all open remotely after %.2f s, the %dth refused with RTC_ERR_FAILURE; "
	       "heap +%.1f MiB for both ends (%.0f B per channel pair)\n",
	       cap, n, created, opened, n + 1, (double)(heap1 - heap0) / 1048576.0,
	       (double)(heap1 - heap0) / n);
	CHECK(channel_wait_open(g_first_incoming, 10));
	CHECK(g_top_incoming != NULL);
	CHECK(channel_wait_open(g_top_incoming, 10));

	/* The highest stream carries data both ways; so does the first. */
	channel_t *top = channel_new(ids[n - 1]);
	/* Its open callback may have run before channel_new: ask the channel itself. */
	deadline = now_s() + 10;
	while (!rtcIsOpen(ids[n - 1]) && now_s() < deadline)
		sleep_ms(5);
	CHECK(rtcIsOpen(ids[n - 1]));
	CHECK_EQ(rtcGetDataChannelStream(ids[n - 1]), g_top_stream);
	CHECK_EQ(rtcSendMessage(ids[n - 1], "top to b", -1), 0);
	CHECK(channel_wait_count(g_top_incoming, 1, 10));
	CHECK_EQ(rtcSendMessage(g_top_incoming->id, "top to a", -1), 0);
	CHECK(channel_wait_count(top, 1, 10));
	CHECK_EQ(rtcSendMessage(first, "after exhaustion", -1), 0);
	CHECK(channel_wait_count(g_first_incoming, 1, 10));

	/* A negotiated channel on a high id of the other parity (both sides create it). */
	int other = g_top_stream - 1;
	neg.stream = (uint16_t)other;
	int na = rtcCreateDataChannelEx(p.a.pc, "negotiated-high", &neg);
	int nb = rtcCreateDataChannelEx(p.b.pc, "negotiated-high", &neg);
	CHECK(na > 0 && nb > 0);
	channel_t *cna = channel_new(na), *cnb = channel_new(nb);
	CHECK(channel_wait_open(cna, 10));
	CHECK(channel_wait_open(cnb, 10));
	CHECK_EQ(rtcSendMessage(na, "negotiated a to b", -1), 0);
	CHECK(channel_wait_count(cnb, 1, 10));
	CHECK_EQ(rtcSendMessage(nb, "negotiated b to a", -1), 0);
	CHECK(channel_wait_count(cna, 1, 10));
	printf("capi_reliability_limits: streams %d (top) and %d (negotiated) carry data both ways\n",
	       g_top_stream, other);

	/* One more after the failure is still refused, not a crash. */
	CHECK(rtcCreateDataChannel(p.a.pc, "again") < 0);

	channel_free(cna);
	channel_free(cnb);
	channel_free(top);
	for (int i = 1; i < n - 1; ++i)
		CHECK_EQ(rtcDeleteDataChannel(ids[i]), 0);
	channel_free(c0);
	pair_destroy(&p);
	channel_free(g_first_incoming);
	channel_free(g_top_incoming);
	for (int i = 0; i < n; ++i)
		rtcDeleteDataChannel(g_incoming_ids[i]); /* the two above are already gone: harmless */
}

static char *strip_add_streams(const char *sdp, int from_side) {
	(void)from_side;
	CHECK(strstr(sdp, "a=x-webrtcnative-add-streams:") != NULL); /* this library announces it */
	return replace_lines(sdp, "a=x-webrtcnative-add-streams:", NULL);
}

static void foreign_peer_limit(void) {
	relay_t *relay = relay_new(3);
	relay_dir_t cfg;
	memset(&cfg, 0, sizeof(cfg));
	relay_configure_both(relay, cfg);
	pair_t p;
	pair_init(&p, NULL, NULL);
	relay_signal_t *rs = relay_signal_install(&p, relay, strip_add_streams);
	rtcDataChannelInit neg;
	memset(&neg, 0, sizeof(neg));
	neg.negotiated = true;
	neg.manualStream = true;
	neg.stream = 4000;
	/* Before connecting the peer's limit is unknown: only the local cap applies. */
	int capped = stream_cap() <= 4000;
	int high = rtcCreateDataChannelEx(p.a.pc, "high", &neg);
	channel_t *chigh = NULL;
	if (capped) {
		CHECK_EQ(high, RTC_ERR_INVALID);
	} else {
		CHECK(high > 0);
		chigh = channel_new(high);
	}
	int first = rtcCreateDataChannel(p.a.pc, "first");
	CHECK(first > 0);
	channel_t *c0 = channel_new(first);
	CHECK(pair_wait_connected(&p, 20));
	CHECK(channel_wait_open(c0, 10));
	if (chigh) {
		CHECK(channel_wait_closed(chigh, 10));
		CHECK(chigh->errors >= 1);
		CHECK(!chigh->open);
	}
	CHECK_EQ(rtcGetMaxDataChannelStream(p.a.pc), 1023);
	CHECK_EQ(rtcGetMaxDataChannelStream(p.b.pc), 1023);
	CHECK_EQ(rtcCreateDataChannelEx(p.b.pc, "high", &neg), RTC_ERR_INVALID);

	int parity = rtcGetDataChannelStream(first) % 2;
	int expected = (1023 - parity) / 2 + 1;
	static int ids[1024];
	int n = 0;
	ids[n++] = first;
	for (;;) {
		int id = rtcCreateDataChannel(p.a.pc, "more");
		if (id < 0) {
			CHECK_EQ(id, RTC_ERR_FAILURE);
			break;
		}
		CHECK(n < expected);
		ids[n++] = id;
	}
	CHECK_EQ(n, expected);
	/* Still healthy: data flows and a close reaches the peer (its stream reset is answered). */
	channel_t *remote = peer_wait_incoming(&p.b, 0, 10);
	CHECK(remote != NULL);
	CHECK_EQ(rtcSendMessage(first, "still here", -1), 0);
	CHECK(channel_wait_count(remote, 1, 10));
	CHECK_EQ(rtcClose(first), 0);
	CHECK(channel_wait_closed(remote, 10));
	CHECK(channel_wait_closed(c0, 10));
	printf("capi_reliability_limits: peer without add-streams: negotiated id 4000 failed and "
	       "closed after connecting, max stream 1023, %d in-band channels then RTC_ERR_FAILURE, "
	       "close still reaches the peer\n",
	       n);

	for (int i = 1; i < n; ++i)
		rtcDeleteDataChannel(ids[i]);
	channel_free(chigh);
	channel_free(c0);
	pair_destroy(&p);
	relay_signal_free(rs);
	relay_free(relay);
}

#define QUEUED 10000
#define QUEUED_SIZE 1024

static void polling_queue(void) {
	pair_t p;
	pair_init(&p, NULL, NULL);
	rtcDataChannelInit neg;
	memset(&neg, 0, sizeof(neg));
	neg.negotiated = true;
	neg.manualStream = true;
	neg.stream = 7;
	int a = rtcCreateDataChannelEx(p.a.pc, "poll", &neg);
	CHECK(a > 0);
	channel_t *ca = channel_new(a);
	CHECK(pair_wait_connected(&p, 20));
	CHECK(channel_wait_open(ca, 10));
	/* B's side after the connection (creating it before would make B offer too: glare). */
	int b = rtcCreateDataChannelEx(p.b.pc, "poll", &neg); /* no callbacks: polling mode */
	CHECK(b > 0);
	sleep_ms(100);

	size_t before = heap_in_use();
	char buf[QUEUED_SIZE];
	for (int i = 0; i < QUEUED; ++i) {
		memset(buf, (char)i, sizeof(buf));
		memcpy(buf, &i, sizeof(i));
		CHECK_EQ(rtcSendMessage(a, buf, QUEUED_SIZE), 0); /* unpaced: the receiver is not reading */
	}
	/* The sender's loop ends once all is in flight or queued: wait for the receive queue to fill. */
	const int bound = 4 * 1024 * 1024;
	double deadline = now_s() + 30;
	while (rtcGetAvailableAmount(b) < bound && now_s() < deadline)
		sleep_ms(10);
	sleep_ms(200);
	CHECK(rtcGetAvailableAmount(b) >= bound);
	CHECK(rtcGetAvailableAmount(b) <= bound + QUEUED_SIZE);
	size_t peak = heap_in_use();

	for (int i = 0; i < QUEUED; ++i) {
		int size = sizeof(buf);
		deadline = now_s() + 10;
		int rc;
		while ((rc = rtcReceiveMessage(b, buf, &size)) == RTC_ERR_NOT_AVAIL && now_s() < deadline)
			sleep_ms(1);
		CHECK_EQ(rc, RTC_ERR_SUCCESS);
		CHECK_EQ(size, QUEUED_SIZE);
		int seq;
		memcpy(&seq, buf, sizeof(seq));
		CHECK_EQ(seq, i);
		CHECK(buf[QUEUED_SIZE - 1] == (char)i);
	}
	int size = sizeof(buf);
	CHECK_EQ(rtcReceiveMessage(b, buf, &size), RTC_ERR_NOT_AVAIL);
	CHECK_EQ(rtcGetAvailableAmount(b), 0);
	/* The sender's SCTP buffer lets go of the last window when the receiver's SACKs for it have
	 * come back, a little after the last read (seen: +2.2 MiB right after it, once in 4 runs). */
	size_t after = heap_in_use();
	deadline = now_s() + 3;
	while (after >= before + 2u * 1024 * 1024 && now_s() < deadline) {
		sleep_ms(50);
		after = heap_in_use();
	}
	printf("capi_reliability_limits: %d x %d B unread in polling mode: heap in use %.1f MiB -> "
	       "%.1f MiB queued -> %.1f MiB after reading\n",
	       QUEUED, QUEUED_SIZE, before / 1048576.0, peak / 1048576.0, after / 1048576.0);
	if (peak > 0) { /* 0 under valgrind, whose allocator mallinfo2 cannot see */
		/* (peak also holds the sender's queue and both SCTP buffers: the bound on the receive
		 * queue itself is rtcGetAvailableAmount, checked above.) */
		CHECK(after < before + 2u * 1024 * 1024); /* all given back */
	}

	CHECK_EQ(rtcDeleteDataChannel(b), 0);
	channel_free(ca);
	pair_destroy(&p);
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	/* Every channel id is opened from one side: lift the cap on channels a peer may open
	 * (default 4096; capi_reliability_hostile tests it). */
	setenv("WEBRTCNATIVE_MAX_REMOTE_CHANNELS", "65535", 1);
	harness_init();
	channel_count_limit();
	foreign_peer_limit();
	polling_queue();
	printf("capi_reliability_limits: ok\n");
	return 0;
}
