/* One reliable, ordered sequence of numbered payloads (relay.h's payload format) sent on a
 * channel and checked where it arrives: every message once, in order, FNV-1a hash equal to what
 * was sent. One sequence per test program (the state is file-static). */
#ifndef SEQUENCE_H
#define SEQUENCE_H

#include "harness.h"
#include "relay.h"

typedef struct {
	pthread_mutex_t mutex;
	long next, received, duplicates, out_of_order, corrupt;
	uint64_t hash;
} sequence_rx_t;

static sequence_rx_t g_seq_rx;
static uint64_t g_seq_sent_hash = RELAY_FNV_INIT;
static uint32_t g_seq_next;

static void sequence_init(void) {
	pthread_mutex_init(&g_seq_rx.mutex, NULL);
	g_seq_rx.hash = RELAY_FNV_INIT;
}

/* The message callback of the receiving channel. */
static void sequence_on_message(int id, const char *data, int size, void *ptr) {
	(void)id;
	(void)ptr;
	long seq = size > 0 ? relay_check_payload((const unsigned char *)data, size) : -1;
	pthread_mutex_lock(&g_seq_rx.mutex);
	g_seq_rx.received++;
	if (seq < 0)
		g_seq_rx.corrupt++;
	else if (seq < g_seq_rx.next)
		g_seq_rx.duplicates++;
	else if (seq > g_seq_rx.next)
		g_seq_rx.out_of_order++;
	if (seq == g_seq_rx.next) {
		g_seq_rx.next++;
		g_seq_rx.hash = relay_fnv1a(g_seq_rx.hash, (const unsigned char *)data, (size_t)size);
	}
	pthread_mutex_unlock(&g_seq_rx.mutex);
}

/* How many arrived in order so far. */
static long sequence_received(void) {
	pthread_mutex_lock(&g_seq_rx.mutex);
	long n = g_seq_rx.next;
	pthread_mutex_unlock(&g_seq_rx.mutex);
	return n;
}

static int sequence_wait(long n, double timeout_s) {
	double deadline = now_s() + timeout_s;
	while (sequence_received() < n && now_s() < deadline)
		sleep_ms(20);
	return sequence_received() >= n;
}

/* Sends the next count messages of size bytes (size <= 65536). */
static void sequence_send(int dc, int count, int size) {
	static unsigned char buf[65536];
	CHECK(size > 0 && size <= (int)sizeof(buf));
	for (int i = 0; i < count; ++i) {
		relay_fill_payload(buf, size, g_seq_next++);
		g_seq_sent_hash = relay_fnv1a(g_seq_sent_hash, buf, (size_t)size);
		CHECK_EQ(rtcSendMessage(dc, (const char *)buf, size), 0);
	}
}

/* After the last message: exactly total arrived, once each, in order, intact, hash equal. */
static void sequence_check_complete(const char *test, long total) {
	sleep_ms(300); /* anything duplicated would have arrived by now */
	pthread_mutex_lock(&g_seq_rx.mutex);
	printf("%s: %ld messages received, %ld duplicates, %ld out of order, %ld corrupt\n", test,
	       g_seq_rx.received, g_seq_rx.duplicates, g_seq_rx.out_of_order, g_seq_rx.corrupt);
	CHECK_EQ(g_seq_rx.next, total);
	CHECK_EQ(g_seq_rx.received, total);
	CHECK_EQ(g_seq_rx.duplicates, 0);
	CHECK_EQ(g_seq_rx.out_of_order, 0);
	CHECK_EQ(g_seq_rx.corrupt, 0);
	CHECK(g_seq_rx.hash == g_seq_sent_hash);
	pthread_mutex_unlock(&g_seq_rx.mutex);
}

#endif
