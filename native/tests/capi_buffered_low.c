/* rtcSetBufferedAmountLowThreshold / rtcSetBufferedAmountLowCallback (issue 15 item 4), with
 * the W3C semantics of `bufferedamountlow`: the callback runs when the buffered amount
 * decreases from above the threshold to at or below it, once per such crossing, and never when
 * the amount stays at or below the threshold. Default threshold 0. Negative thresholds and
 * unknown ids are RTC_ERR_INVALID.
 * 1. Default threshold 0, small messages sent while idle (the amount stays 0): no callback.
 * 2. Threshold 256 KiB, set once a 3 MiB burst is queued (SCTP buffers 1 MiB, so most of it
 *    waits in our queue): exactly one callback, reading an amount at or below the threshold. Twice.
 * 3. Threshold 64 MiB, the same burst (never above it): no callback.
 * 4. Threshold 0 again: one callback, which reads 0. */
#define _GNU_SOURCE
#include "harness.h"

#include <stdio.h>
#include <string.h>

#define MSG (16 * 1024)
#define BURST 192 /* 3 MiB: most of it waits in our queue behind the 1 MiB SCTP buffer */

static pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
static int g_low;
static int g_amount_at_low = -1;
static int g_threshold_at_low = -1;
static int g_threshold; /* what the test last set */

static void on_low(int id, void *ptr) {
	(void)ptr;
	int amount = rtcGetBufferedAmount(id); /* callbacks may call back into the library */
	pthread_mutex_lock(&g_mutex);
	g_low++;
	g_amount_at_low = amount;
	g_threshold_at_low = g_threshold;
	pthread_mutex_unlock(&g_mutex);
}

static int low_count(void) {
	pthread_mutex_lock(&g_mutex);
	int n = g_low;
	pthread_mutex_unlock(&g_mutex);
	return n;
}

static void set_threshold(int id, int amount) {
	pthread_mutex_lock(&g_mutex);
	g_threshold = amount;
	pthread_mutex_unlock(&g_mutex);
	CHECK_EQ(rtcSetBufferedAmountLowThreshold(id, amount), RTC_ERR_SUCCESS);
}

/* Drains what the receiver got so far; returns how many messages that was. */
static int drain(channel_t *c) {
	int n = 0;
	message_t *m;
	while ((m = channel_pop(c)) != NULL) {
		free(m->data);
		free(m);
		n++;
	}
	return n;
}

/* Sends a burst with the threshold out of reach (so that a sender thread descheduled mid-burst
 * cannot make the amount cross it twice), then sets `threshold`; returns the buffered amount right
 * after that. Waits until every message arrived (and drains them) and the send queue is empty. */
static int burst(int id, channel_t *remote, int threshold) {
	static char block[MSG];
	memset(block, 'b', sizeof(block));
	set_threshold(id, 1 << 30);
	for (int i = 0; i < BURST; ++i)
		CHECK_EQ(rtcSendMessage(id, block, MSG), 0);
	set_threshold(id, threshold);
	int queued = rtcGetBufferedAmount(id);
	CHECK(channel_wait_count(remote, BURST, 120));
	CHECK_EQ(drain(remote), BURST);
	double deadline = now_s() + 30;
	while (rtcGetBufferedAmount(id) > 0 && now_s() < deadline)
		sleep_ms(5);
	CHECK_EQ(rtcGetBufferedAmount(id), 0);
	sleep_ms(100); /* a late or second callback would come now */
	return queued;
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	harness_init();
	rtcSctpSettings sctp;
	memset(&sctp, 0, sizeof(sctp));
	sctp.recvBufferSize = 1024 * 1024;
	sctp.sendBufferSize = 1024 * 1024;
	CHECK_EQ(rtcSetSctpSettings(&sctp), 0);
	pair_t p;
	pair_init(&p, NULL, NULL);
	channel_t *remote = NULL;
	channel_t *local = pair_open_channel(&p, "low", 0, &remote);
	int id = local->id;
	CHECK_EQ(rtcSetBufferedAmountLowCallback(id, on_low), RTC_ERR_SUCCESS);

	CHECK_EQ(rtcSetBufferedAmountLowThreshold(id, -1), RTC_ERR_INVALID);
	CHECK_EQ(rtcSetBufferedAmountLowThreshold(987654, 0), RTC_ERR_INVALID);
	CHECK_EQ(rtcSetBufferedAmountLowCallback(987654, on_low), RTC_ERR_INVALID);

	/* 1. Idle: the amount never rises above the default threshold 0. */
	for (int i = 0; i < 10; ++i)
		CHECK_EQ(rtcSendMessage(id, "small", 5), 0);
	CHECK(channel_wait_count(remote, 10, 20));
	CHECK_EQ(drain(remote), 10);
	sleep_ms(100);
	CHECK_EQ(low_count(), 0);

	/* 2. One callback per crossing, reading an amount at or below the threshold. */
	for (int round = 1; round <= 2; ++round) {
		int queued = burst(id, remote, 256 * 1024);
		pthread_mutex_lock(&g_mutex);
		int amount_at_low = g_amount_at_low;
		pthread_mutex_unlock(&g_mutex);
		printf("capi_buffered_low: threshold 256 KiB, burst %d: %d KiB buffered when it was set, %d callback(s), "
		       "amount at the callback %d\n",
		       round, queued / 1024, low_count(), amount_at_low);
		CHECK(queued > 256 * 1024);
		CHECK_EQ(low_count(), round);
		pthread_mutex_lock(&g_mutex);
		CHECK(g_amount_at_low >= 0 && g_amount_at_low <= g_threshold_at_low);
		pthread_mutex_unlock(&g_mutex);
	}

	/* 3. Never above the threshold: no callback. */
	int queued = burst(id, remote, 64 * 1024 * 1024);
	CHECK(queued <= 64 * 1024 * 1024);
	CHECK_EQ(low_count(), 2);

	/* 4. Threshold 0: the callback comes when the queue is empty. */
	queued = burst(id, remote, 0);
	CHECK(queued > 0);
	CHECK_EQ(low_count(), 3);
	pthread_mutex_lock(&g_mutex);
	CHECK_EQ(g_amount_at_low, 0);
	pthread_mutex_unlock(&g_mutex);

	channel_free(local);
	pair_destroy(&p);
	printf("capi_buffered_low: ok\n");
	return 0;
}
