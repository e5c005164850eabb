#define _POSIX_C_SOURCE 200809L
/* rtcDelete* from callbacks across event loops (issue 11 item 1).
 * 1. Two channels whose peer connections live on different loops: each one's message callback
 *    deletes the other while both callbacks are in progress. Both deletes must return (they used
 *    to wait for each other's callback lock forever).
 * 2. A user thread deleting a channel whose callback is in progress waits for that callback to
 *    return, and no callback of it starts afterwards. */
#include "harness.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
	int self, other;        /* channel ids */
	atomic_int entered;     /* the message callback started */
	atomic_int returned;    /* ... and its rtcDelete of the other returned */
	atomic_int delete_rc;
	atomic_int calls_after; /* callbacks that started after this channel was deleted */
	atomic_int deleted;
} side_t;

static side_t g_x, g_y;

static void on_mutual(int id, const char *data, int size, void *ptr) {
	side_t *s = ptr;
	(void)data;
	(void)size;
	(void)id;
	if (atomic_load(&s->deleted)) {
		atomic_fetch_add(&s->calls_after, 1);
		return;
	}
	if (atomic_exchange(&s->entered, 1))
		return; /* only the first message deletes */
	side_t *o = s == &g_x ? &g_y : &g_x;
	/* Rendezvous: both callbacks are in progress before either deletes. */
	double deadline = now_s() + 5;
	while (!atomic_load(&o->entered) && now_s() < deadline)
		sleep_ms(1);
	sleep_ms(20);
	atomic_store(&o->deleted, 1);
	atomic_store(&s->delete_rc, rtcDeleteDataChannel(s->other));
	atomic_store(&s->returned, 1);
}

static atomic_int g_slow_in, g_slow_out, g_slow_after;
static atomic_int g_slow_deleted;

static void on_slow(int id, const char *data, int size, void *ptr) {
	(void)id;
	(void)data;
	(void)size;
	(void)ptr;
	if (atomic_load(&g_slow_deleted)) {
		atomic_fetch_add(&g_slow_after, 1);
		return;
	}
	atomic_store(&g_slow_in, 1);
	sleep_ms(300);
	atomic_store(&g_slow_out, 1);
}

int main(void) {
	/* Two loops even on one core: the two peer connections of a pair land on different ones. */
	CHECK_EQ(rtcSetThreadPoolSize(2), 0);
	harness_init();
	pair_t p;
	pair_init(&p, NULL, NULL);
	channel_t *cy;
	channel_t *cx = pair_open_channel(&p, "x", 0, &cy);
	int x = cx->id;

	g_x.self = x;
	g_x.other = cy->id;
	g_y.self = cy->id;
	g_y.other = x;
	rtcSetUserPointer(x, &g_x);
	rtcSetUserPointer(cy->id, &g_y);
	CHECK_EQ(rtcSetMessageCallback(x, on_mutual), 0);
	CHECK_EQ(rtcSetMessageCallback(cy->id, on_mutual), 0);
	CHECK_EQ(rtcSendMessage(x, "go", -1), 0);
	CHECK_EQ(rtcSendMessage(cy->id, "go", -1), 0);

	double deadline = now_s() + 20;
	while ((!atomic_load(&g_x.returned) || !atomic_load(&g_y.returned)) && now_s() < deadline)
		sleep_ms(10);
	if (!atomic_load(&g_x.returned) || !atomic_load(&g_y.returned)) {
		fprintf(stderr, "FAIL: mutual rtcDeleteDataChannel from two loops deadlocked "
		                "(x returned %d, y returned %d)\n",
		        atomic_load(&g_x.returned), atomic_load(&g_y.returned));
		_exit(1);
	}
	CHECK_EQ(atomic_load(&g_x.delete_rc), 0);
	CHECK_EQ(atomic_load(&g_y.delete_rc), 0);
	CHECK_EQ(rtcSendMessage(x, "gone", -1), RTC_ERR_INVALID);
	/* The loops still work: a new channel opens on the same pair. */
	int z = rtcCreateDataChannel(p.a.pc, "z");
	CHECK(z > 0);
	channel_t *cz = channel_new(z);
	CHECK(channel_wait_open(cz, 10));
	channel_t *czr = peer_wait_incoming(&p.b, 1, 10);
	CHECK(czr != NULL);

	/* A user thread deletes a channel whose callback is in progress on its loop. */
	CHECK_EQ(rtcSetMessageCallback(czr->id, on_slow), 0);
	CHECK_EQ(rtcSendMessage(z, "slow", -1), 0);
	deadline = now_s() + 10;
	while (!atomic_load(&g_slow_in) && now_s() < deadline)
		sleep_ms(1);
	CHECK(atomic_load(&g_slow_in));
	atomic_store(&g_slow_deleted, 1);
	CHECK_EQ(rtcDeleteDataChannel(czr->id), 0);
	CHECK(atomic_load(&g_slow_out)); /* waited for the callback in progress */
	sleep_ms(200);
	CHECK_EQ(atomic_load(&g_slow_after), 0);
	CHECK_EQ(atomic_load(&g_x.calls_after), 0);
	CHECK_EQ(atomic_load(&g_y.calls_after), 0);

	free(cx);
	channel_free(cz);
	pair_destroy(&p);
	printf("capi_delete_cross_loop: ok\n");
	return 0;
}
