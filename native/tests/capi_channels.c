/* Every channel kind, sizes from 0 B to the max message size, both directions, content checked. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fill(char *buf, int size, int seed) {
	for (int i = 0; i < size; ++i)
		buf[i] = (char)((i * 131 + seed * 7) & 0xff);
}

/* Sends the sizes from `from` to `to` and checks what arrives at `at`. */
static void exchange(channel_t *from, channel_t *at, int reliable, int ordered) {
	static const int sizes[] = {0, 1, 2, 100, 1200, 16384, 65535, 65536, 100000, 262144};
	const int n = (int)(sizeof(sizes) / sizeof(sizes[0]));
	char *buf = malloc(262144);
	int base = at->count;
	for (int i = 0; i < n; ++i) {
		fill(buf, sizes[i], i);
		CHECK_EQ(rtcSendMessage(from->id, buf, sizes[i]), 0);
	}
	CHECK_EQ(rtcSendMessage(from->id, "text message", -1), 0);
	if (!reliable) {
		/* Loopback does not lose, but an unreliable channel is only asked not to corrupt. */
		channel_wait_count(at, base + n + 1, 5);
	} else {
		CHECK(channel_wait_count(at, base + n + 1, 20));
	}
	int seen[16] = {0};
	message_t *m;
	int got = 0;
	while ((m = channel_pop(at))) {
		if (m->is_string) {
			CHECK(m->size == 12 && memcmp(m->data, "text message", 12) == 0);
		} else {
			int idx = -1;
			for (int i = 0; i < n; ++i)
				if (sizes[i] == m->size && !seen[i]) {
					idx = i;
					break;
				}
			CHECK(idx >= 0);
			if (ordered)
				CHECK_EQ(idx, got);
			fill(buf, m->size, idx);
			CHECK(memcmp(buf, m->data, (size_t)m->size) == 0);
			seen[idx] = 1;
		}
		got++;
		free(m->data);
		free(m);
	}
	if (reliable)
		CHECK_EQ(got, n + 1);
	free(buf);
}

static channel_t *open_pair_channel(pair_t *p, const char *label, rtcDataChannelInit *init,
                                    int incoming_index, channel_t **remote) {
	int id = rtcCreateDataChannelEx(p->a.pc, label, init);
	CHECK(id > 0);
	channel_t *local = channel_new(id);
	if (init && init->negotiated) {
		int rid = rtcCreateDataChannelEx(p->b.pc, label, init);
		CHECK(rid > 0);
		*remote = channel_new(rid);
	} else {
		*remote = NULL;
	}
	CHECK(channel_wait_open(local, 10));
	if (!*remote) {
		*remote = peer_wait_incoming(&p->b, incoming_index, 10);
		CHECK(*remote != NULL);
	}
	CHECK(channel_wait_open(*remote, 10));
	return local;
}

int main(void) {
	harness_init();
	pair_t p;
	pair_init(&p, NULL, NULL);
	/* A first channel starts the negotiation (auto-negotiation is on by default). */
	channel_t *r0, *c0 = open_pair_channel(&p, "reliable", NULL, 0, &r0);
	CHECK(pair_wait_connected(&p, 10));
	CHECK_EQ(rtcMaxMessageSize(c0->id), 262144);
	CHECK_EQ(rtcGetRemoteMaxMessageSize(p.a.pc), 262144);
	exchange(c0, r0, 1, 1);
	exchange(r0, c0, 1, 1);

	rtcDataChannelInit unordered;
	memset(&unordered, 0, sizeof(unordered));
	unordered.reliability.unordered = true;
	unordered.protocol = "proto-x";
	channel_t *r1, *c1 = open_pair_channel(&p, "unordered", &unordered, 1, &r1);
	char proto[32];
	CHECK(rtcGetDataChannelProtocol(r1->id, proto, sizeof(proto)) > 0);
	CHECK(strcmp(proto, "proto-x") == 0);
	rtcReliability rel;
	CHECK_EQ(rtcGetDataChannelReliability(r1->id, &rel), 0);
	CHECK(rel.unordered && !rel.unreliable);
	exchange(c1, r1, 1, 0);
	exchange(r1, c1, 1, 0);

	rtcDataChannelInit rexmit;
	memset(&rexmit, 0, sizeof(rexmit));
	rexmit.reliability.unordered = true;
	rexmit.reliability.unreliable = true;
	rexmit.reliability.maxRetransmits = 0;
	channel_t *r2, *c2 = open_pair_channel(&p, "rexmit0", &rexmit, 2, &r2);
	CHECK_EQ(rtcGetDataChannelReliability(r2->id, &rel), 0);
	CHECK(rel.unordered && rel.unreliable && rel.maxRetransmits == 0 && rel.maxPacketLifeTime == 0);
	exchange(c2, r2, 0, 0);
	exchange(r2, c2, 0, 0);

	rtcDataChannelInit timed;
	memset(&timed, 0, sizeof(timed));
	timed.reliability.unreliable = true;
	timed.reliability.maxPacketLifeTime = 500;
	channel_t *r3, *c3 = open_pair_channel(&p, "timed", &timed, 3, &r3);
	CHECK_EQ(rtcGetDataChannelReliability(r3->id, &rel), 0);
	CHECK(!rel.unordered && rel.unreliable && rel.maxPacketLifeTime == 500);
	exchange(c3, r3, 0, 0);

	rtcDataChannelInit negotiated;
	memset(&negotiated, 0, sizeof(negotiated));
	negotiated.negotiated = true;
	negotiated.manualStream = true;
	negotiated.stream = 42;
	channel_t *r4, *c4 = open_pair_channel(&p, "negotiated", &negotiated, -1, &r4);
	CHECK_EQ(rtcGetDataChannelStream(c4->id), 42);
	CHECK_EQ(rtcGetDataChannelStream(r4->id), 42);
	exchange(c4, r4, 1, 1);
	exchange(r4, c4, 1, 1);
	/* The same id again is refused. */
	CHECK_EQ(rtcCreateDataChannelEx(p.a.pc, "dup", &negotiated), RTC_ERR_INVALID);

	/* A message above the max message size is refused and the channel stays usable. */
	char *big = calloc(1, 262145);
	CHECK_EQ(rtcSendMessage(c0->id, big, 262145), RTC_ERR_INVALID);
	free(big);
	CHECK_EQ(rtcSendMessage(c0->id, "still", -1), 0);
	CHECK(channel_wait_count(r0, 1, 10));

	/* Closing the peer connection closes every channel on both sides. */
	CHECK_EQ(rtcClosePeerConnection(p.a.pc), 0);
	channel_t *all[] = {c0, c1, c2, c3, c4, r0, r1, r2, r3};
	for (int i = 0; i < 9; ++i)
		CHECK(channel_wait_closed(all[i], 10));
	CHECK(peer_wait_state(&p.a, RTC_CLOSED, 10));
	CHECK(channel_wait_closed(r4, 10) || 1); /* negotiated: closed when the association ends */
	CHECK(peer_wait_state(&p.b, RTC_CLOSED, 10));
	CHECK(channel_wait_closed(r4, 5));

	channel_free(c0); channel_free(c1); channel_free(c2); channel_free(c3); channel_free(c4);
	channel_free(r4);
	pair_destroy(&p);
	printf("capi_channels: ok\n");
	return 0;
}
