/* Lifetimes across threads (issue 11 item 6): user threads keep sending on channels while the
 * peer connections under them are closed and deleted from another thread and from callbacks,
 * with two event loops. The last reference to a transport is then often dropped on a user
 * thread (a send in progress holds it); it must still be destroyed on its loop, and nothing may
 * touch a freed transport. Passing means no crash and no hang here, and no report in the ASan
 * and TSan builds, which run this test too. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROUNDS 4
#define SENDERS 3

typedef struct {
	int channels[4];
	int count;
	atomic_int stop;
	atomic_long sent;
} senders_t;

static void *sender(void *arg) {
	senders_t *s = arg;
	char buf[1200];
	memset(buf, 0x5a, sizeof(buf));
	unsigned i = 0;
	while (!atomic_load(&s->stop)) {
		int id = s->channels[i++ % (unsigned)s->count];
		if (!rtcIsOpen(id)) { /* keeps the log short; the race with closing stays */
			sleep_ms(1);
			continue;
		}
		if (rtcSendMessage(id, buf, (int)(i % sizeof(buf))) == 0)
			atomic_fetch_add(&s->sent, 1);
		rtcGetBufferedAmount(id);
		if ((i & 63) == 0)
			sleep_ms(1);
	}
	return NULL;
}

static atomic_int g_delete_from_callback;
static atomic_int g_callback_pc;

/* On the answerer's loop: the first message received deletes that channel from its own callback
 * and closes the peer connection under it. */
static void on_message_delete(int id, const char *data, int size, void *ptr) {
	(void)data;
	(void)size;
	(void)ptr;
	if (atomic_exchange(&g_delete_from_callback, 0)) {
		rtcDeleteDataChannel(id);
		rtcClosePeerConnection(atomic_load(&g_callback_pc));
	}
}

int main(void) {
	CHECK_EQ(rtcSetThreadPoolSize(2), 0);
	harness_init();
	long total = 0;
	for (int round = 0; round < ROUNDS; ++round) {
		pair_t p;
		pair_init(&p, NULL, NULL);
		senders_t s;
		memset(&s, 0, sizeof(s));
		for (int c = 0; c < 2; ++c) {
			s.channels[c] = rtcCreateDataChannel(p.a.pc, "stress");
			CHECK(s.channels[c] > 0);
		}
		s.count = 2;
		CHECK(pair_wait_connected(&p, 30));
		for (int c = 0; c < 2; ++c) {
			double deadline = now_s() + 10;
			while (!rtcIsOpen(s.channels[c]) && now_s() < deadline)
				sleep_ms(2);
			CHECK(rtcIsOpen(s.channels[c]));
		}
		channel_t *r = peer_wait_incoming(&p.b, 0, 10);
		CHECK(r != NULL);
		if (round % 2 == 1) {
			atomic_store(&g_callback_pc, p.b.pc);
			atomic_store(&g_delete_from_callback, 1);
			CHECK_EQ(rtcSetMessageCallback(r->id, on_message_delete), 0);
		}
		pthread_t threads[SENDERS];
		for (int t = 0; t < SENDERS; ++t)
			pthread_create(&threads[t], NULL, sender, &s);
		sleep_ms(100 + 30 * round);
		/* Tear down under the senders: odd rounds close first, even rounds delete at once. */
		if (round % 2 == 1)
			rtcClosePeerConnection(p.a.pc);
		CHECK_EQ(rtcDeletePeerConnection(p.a.pc), 0);
		sleep_ms(50);
		CHECK_EQ(rtcDeletePeerConnection(p.b.pc), 0);
		sleep_ms(50);
		atomic_store(&s.stop, 1);
		for (int t = 0; t < SENDERS; ++t)
			pthread_join(threads[t], NULL);
		for (int c = 0; c < 2; ++c)
			CHECK_EQ(rtcDeleteDataChannel(s.channels[c]), 0);
		pair_release(&p);
		total += atomic_load(&s.sent);
	}
	/* Everything is gone: cleanup stops the loops, which it refuses while objects remain. */
	rtcCleanup();
	printf("capi_lifetime_stress: ok (%ld messages sent across %d teardowns)\n", total, ROUNDS);
	return 0;
}
