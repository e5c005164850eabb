/* Limits.
 * 1. Channel count: the core negotiates 1024 SCTP streams per association (ids 0..1023; the
 *    DTLS client owns the even ids, the server the odd ones). In-band channels from one side
 *    are created until the stream space is exhausted: exactly 512 succeed, the 513th returns an
 *    error (RTC_ERR_FAILURE), nothing crashes, the 512 open on the remote side and the
 *    connection keeps working. Stream ids above the negotiated maximum are refused
 *    (RTC_ERR_INVALID).
 * 2. 10 000 unread messages in polling mode (no message callback): the native queue is
 *    unbounded (rtcGetAvailableAmount tells how much waits); the memory is released once they
 *    are read with rtcReceiveMessage.
 * (A message above the remote max-message-size is refused with RTC_ERR_INVALID and the channel
 *  stays usable: capi_channels.c.) */
#define _GNU_SOURCE
#include "harness.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
static int g_incoming;
static channel_t *g_first_incoming;

static void count_channel(int pc, int dc, void *ptr) {
	(void)pc;
	(void)ptr;
	pthread_mutex_lock(&g_mutex);
	if (g_incoming++ == 0)
		g_first_incoming = channel_new(dc);
	pthread_mutex_unlock(&g_mutex);
}

static int incoming_count(void) {
	pthread_mutex_lock(&g_mutex);
	int n = g_incoming;
	pthread_mutex_unlock(&g_mutex);
	return n;
}

static size_t heap_in_use(void) {
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

static void channel_count_limit(void) {
	pair_t p;
	pair_init(&p, NULL, NULL);
	CHECK_EQ(rtcSetDataChannelCallback(p.b.pc, count_channel), 0);
	int first = rtcCreateDataChannel(p.a.pc, "first");
	CHECK(first > 0);
	channel_t *c0 = channel_new(first);
	CHECK(pair_wait_connected(&p, 20));
	CHECK(channel_wait_open(c0, 10));
	CHECK_EQ(rtcGetMaxDataChannelStream(p.a.pc), 1023);

	static int ids[1024];
	int n = 0;
	ids[n++] = first;
	double t0 = now_s();
	for (;;) {
		char label[32];
		snprintf(label, sizeof(label), "ch%d", n);
		int id = rtcCreateDataChannel(p.a.pc, label);
		if (id < 0) {
			CHECK_EQ(id, RTC_ERR_FAILURE);
			break;
		}
		CHECK(n < 1024);
		ids[n++] = id;
	}
	printf("capi_reliability_limits: %d in-band channels created on one side in %.2f s, the "
	       "%dth refused with RTC_ERR_FAILURE\n",
	       n, now_s() - t0, n + 1);
	CHECK_EQ(n, 512);
	int parity = rtcGetDataChannelStream(ids[0]) % 2;
	for (int i = 0; i < n; ++i) {
		int s = rtcGetDataChannelStream(ids[i]);
		CHECK(s >= 0 && s <= 1023 && s % 2 == parity);
	}
	/* Negotiated ids past the negotiated maximum or the protocol maximum are refused. */
	rtcDataChannelInit neg;
	memset(&neg, 0, sizeof(neg));
	neg.negotiated = true;
	neg.manualStream = true;
	neg.stream = 1024;
	CHECK_EQ(rtcCreateDataChannelEx(p.a.pc, "too-high", &neg), RTC_ERR_INVALID);
	neg.stream = 65535;
	CHECK_EQ(rtcCreateDataChannelEx(p.a.pc, "reserved", &neg), RTC_ERR_INVALID);

	/* All 512 open on the remote side; the first one still carries data. */
	double deadline = now_s() + 30;
	while (incoming_count() < n && now_s() < deadline)
		sleep_ms(10);
	CHECK_EQ(incoming_count(), n);
	CHECK(channel_wait_open(g_first_incoming, 10));
	CHECK_EQ(rtcSendMessage(first, "after exhaustion", -1), 0);
	CHECK(channel_wait_count(g_first_incoming, 1, 10));
	/* One more after the failure is still refused, not a crash. */
	CHECK(rtcCreateDataChannel(p.a.pc, "again") < 0);

	for (int i = 1; i < n; ++i)
		CHECK_EQ(rtcDeleteDataChannel(ids[i]), 0);
	channel_free(c0);
	pair_destroy(&p);
	channel_free(g_first_incoming);
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
		while (rtcGetBufferedAmount(a) > 1024 * 1024)
			sleep_ms(1);
		CHECK_EQ(rtcSendMessage(a, buf, QUEUED_SIZE), 0);
	}
	double deadline = now_s() + 30;
	while (rtcGetAvailableAmount(b) < QUEUED * QUEUED_SIZE && now_s() < deadline)
		sleep_ms(10);
	CHECK_EQ(rtcGetAvailableAmount(b), QUEUED * QUEUED_SIZE);
	size_t peak = heap_in_use();

	for (int i = 0; i < QUEUED; ++i) {
		int size = sizeof(buf);
		CHECK_EQ(rtcReceiveMessage(b, buf, &size), RTC_ERR_SUCCESS);
		CHECK_EQ(size, QUEUED_SIZE);
		int seq;
		memcpy(&seq, buf, sizeof(seq));
		CHECK_EQ(seq, i);
		CHECK(buf[QUEUED_SIZE - 1] == (char)i);
	}
	int size = sizeof(buf);
	CHECK_EQ(rtcReceiveMessage(b, buf, &size), RTC_ERR_NOT_AVAIL);
	CHECK_EQ(rtcGetAvailableAmount(b), 0);
	size_t after = heap_in_use();
	printf("capi_reliability_limits: %d x %d B unread in polling mode: heap in use %.1f MiB -> "
	       "%.1f MiB queued -> %.1f MiB after reading\n",
	       QUEUED, QUEUED_SIZE, before / 1048576.0, peak / 1048576.0, after / 1048576.0);
	if (peak > 0) { /* 0 under valgrind, whose allocator mallinfo2 cannot see */
		CHECK(peak > before + (size_t)QUEUED * QUEUED_SIZE * 9 / 10); /* the queue holds it all */
		CHECK(after < before + 2u * 1024 * 1024);                     /* and gives it back */
	}

	CHECK_EQ(rtcDeleteDataChannel(b), 0);
	channel_free(ca);
	pair_destroy(&p);
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	harness_init();
	channel_count_limit();
	polling_queue();
	printf("capi_reliability_limits: ok\n");
	return 0;
}
