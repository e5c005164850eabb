/* Stream resets that overlap (RFC 6525 section 5.1.1 allows one outstanding reconfiguration
 * request per direction, and usrsctp refuses a second one with EALREADY instead of queueing
 * it): channels closed back to back, by either peer, must all close on the other side, and
 * every stream id must become free again. Before the fix every reset asked for while another
 * was outstanding was dropped: those channels stayed open on the peer and their ids stayed
 * taken. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 8

/* Opens N channels from A; their streams go to streams[]. */
static void open_all(pair_t *p, int first_incoming, channel_t **local, channel_t **remote, int *streams) {
	for (int i = 0; i < N; ++i) {
		char label[16];
		snprintf(label, sizeof(label), "burst-%d", i);
		local[i] = pair_open_channel(p, label, first_incoming + i, &remote[i]);
		streams[i] = rtcGetDataChannelStream(local[i]->id);
		CHECK(streams[i] >= 0);
	}
}

static int contains(const int *streams, int stream) {
	for (int i = 0; i < N; ++i)
		if (streams[i] == stream)
			return 1;
	return 0;
}

/* Closes every channel in `closing` back to back; every channel in `other` must close too. */
static void close_burst(channel_t **closing, channel_t **other) {
	for (int i = 0; i < N; ++i)
		CHECK_EQ(rtcClose(closing[i]->id), 0);
	for (int i = 0; i < N; ++i) {
		CHECK(channel_wait_closed(other[i], 10));
		CHECK(channel_wait_closed(closing[i], 10));
	}
}

static void free_all(channel_t **local, channel_t **remote) {
	for (int i = 0; i < N; ++i) {
		channel_free(local[i]); /* deletes the channel */
		/* The remote ones belong to the harness's incoming list: freed with the pair. */
		(void)remote;
	}
}

int main(void) {
	harness_init();
	pair_t p;
	pair_init(&p, NULL, NULL);
	channel_t *local[N], *remote[N];
	int streams[N], again[N];

	/* Round 1: the creator closes them all at once. */
	open_all(&p, 0, local, remote, streams);
	close_burst(local, remote);
	free_all(local, remote);
	sleep_ms(500); /* both directions' resets are long over */
	/* Every id is free again: the lowest free ids of A's parity are exactly the old ones. */
	open_all(&p, N, local, remote, again);
	for (int i = 0; i < N; ++i)
		CHECK(contains(streams, again[i]));
	printf("round 1 (creator closes %d channels back to back): ok\n", N);

	/* Round 2: the other peer closes them all at once. */
	close_burst(remote, local);
	free_all(local, remote);
	sleep_ms(500);
	open_all(&p, 2 * N, local, remote, again);
	for (int i = 0; i < N; ++i)
		CHECK(contains(streams, again[i]));
	printf("round 2 (peer closes %d channels back to back): ok\n", N);

	/* Round 3: the resets overlap an add-streams request (a channel on a stream above the 1024
	 * negotiated at setup), another reconfiguration that may be outstanding only alone. */
	rtcDataChannelInit init;
	memset(&init, 0, sizeof(init));
	init.manualStream = true;
	init.stream = (uint16_t)(4000 + streams[0] % 2);
	int high = rtcCreateDataChannelEx(p.a.pc, "high", &init);
	CHECK(high > 0);
	channel_t *chigh = channel_new(high);
	close_burst(local, remote);
	CHECK(channel_wait_open(chigh, 10));
	free_all(local, remote);
	sleep_ms(500);
	open_all(&p, 3 * N + 1, local, remote, again);
	for (int i = 0; i < N; ++i)
		CHECK(contains(streams, again[i]));
	printf("round 3 (resets overlap an add-streams request): ok\n");

	/* The connection is unharmed. */
	CHECK_EQ(rtcSendMessage(local[0]->id, "still fine", -1), 0);
	CHECK(channel_wait_count(remote[0], 1, 10));
	for (int i = 0; i < N; ++i)
		channel_free(local[i]);
	channel_free(chigh);
	pair_destroy(&p);
	printf("capi_channel_reset_burst: ok\n");
	return 0;
}
