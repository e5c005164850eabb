/* Remote ICE candidates hidden behind mDNS names ("<uuid>.local", as browsers send them):
 *  1. A gets only an unresolvable name for B (nobody answers it): A must not declare "no
 *     candidate pair" at B's end-of-candidates; B's checks reach A, A learns B as a
 *     peer-reflexive candidate, and both connect.
 *  2. Both sides get only names, and a small responder in this test answers the queries over
 *     multicast on lo: both resolve them and connect over host candidates. */
#define _GNU_SOURCE
#include "harness.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *g_name_of[2];  /* mDNS name replacing the address of side i's candidates */
static pair_t g_pair;

static int side_of(void *ptr) { return ptr == &g_pair.a ? 0 : 1; }

/* The candidate with its connection address (5th field) replaced by `name`. */
static char *hide(const char *cand, const char *name) {
	char *out = malloc(strlen(cand) + strlen(name) + 8);
	const char *s = cand;
	size_t len = 0;
	for (int field = 0; *s; ++field) {
		const char *end = strchr(s, ' ');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		if (field == 4) {
			len += (size_t)sprintf(out + len, "%s", name);
		} else {
			memcpy(out + len, s, n);
			len += n;
		}
		s += n;
		if (*s == ' ') {
			out[len++] = ' ';
			s++;
		}
	}
	out[len] = 0;
	return out;
}

static char *for_other(int side, const char *cand) {
	const char *c = strncmp(cand, "a=", 2) == 0 ? cand + 2 : cand;
	return g_name_of[side] ? hide(c, g_name_of[side]) : strdup(c);
}

static void deliver(peer_t *o, char *cand) {
	pthread_mutex_lock(&o->mutex);
	if (!o->has_remote && o->npending < 64) {
		o->pending[o->npending] = cand;
		o->pending_mid[o->npending] = strdup("0");
		o->npending++;
		pthread_mutex_unlock(&o->mutex);
		return;
	}
	pthread_mutex_unlock(&o->mutex);
	rtcAddRemoteCandidate(o->pc, cand, "0");
	free(cand);
}

static void on_description(int pc, const char *sdp, const char *type, void *ptr) {
	(void)pc;
	peer_t *o = ((peer_t *)ptr)->other;
	/* An answer carries the host candidates gathered before it went out (issue 17), with the
	 * real address; an application hiding it behind mDNS strips them and trickles the renamed
	 * ones, as this test does through the candidate callbacks. An offer has none. */
	CHECK((strstr(sdp, "a=candidate:") != NULL) == (strcmp(type, "answer") == 0));
	char *stripped = calloc(1, strlen(sdp) + 1);
	for (const char *line = sdp; *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line + 1) : strlen(line);
		if (strncmp(line, "a=candidate:", 12) != 0 && strncmp(line, "a=end-of-candidates", 19) != 0)
			strncat(stripped, line, len);
		line += len;
	}
	CHECK_EQ(peer_deliver_description(o, stripped, type), 0);
	free(stripped);
}

static void on_candidate(int pc, const char *cand, const char *mid, void *ptr) {
	(void)pc;
	(void)mid;
	peer_t *p = ptr;
	pthread_mutex_lock(&p->mutex);
	p->candidates++;
	pthread_mutex_unlock(&p->mutex);
	deliver(p->other, for_other(side_of(ptr), cand));
}

static void on_gathering(int pc, rtcGatheringState state, void *ptr) {
	(void)pc;
	if (state == RTC_GATHERING_COMPLETE) /* end-of-candidates: the "no pair" check runs */
		deliver(((peer_t *)ptr)->other, strdup("a=end-of-candidates"));
}

/* ---- a minimal mDNS responder on lo: answers A queries for two names with 127.0.0.1 ---- */
static atomic_int g_stop; /* the responder thread polls it */
static int g_answered;

static size_t put_name(unsigned char *b, const char *name) {
	size_t len = 0;
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t n = dot ? (size_t)(dot - name) : strlen(name);
		b[len++] = (unsigned char)n;
		memcpy(b + len, name, n);
		len += n;
		name += n + (dot ? 1 : 0);
	}
	b[len++] = 0;
	return len;
}

static void *responder(void *arg) {
	int fd = *(int *)arg;
	unsigned char buf[1500], enc[300], out[400];
	while (!atomic_load(&g_stop)) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 50) <= 0)
			continue;
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 12 || (buf[2] & 0x80))
			continue;
		for (int i = 0; i < 2; ++i) {
			size_t el = put_name(enc, g_name_of[i]);
			if (!memmem(buf, (size_t)n, enc, el))
				continue;
			static const unsigned char head[12] = {0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0};
			memcpy(out, head, 12);
			size_t len = 12 + put_name(out + 12, g_name_of[i]);
			static const unsigned char rr[14] = {0, 1, 0x80, 1, 0, 0, 0, 120, 0, 4, 127, 0, 0, 1};
			memcpy(out + len, rr, sizeof(rr));
			len += sizeof(rr);
			sendto(fd, out, len, 0, (struct sockaddr *)&from, fl); /* unicast, to the querier */
			__atomic_add_fetch(&g_answered, 1, __ATOMIC_SEQ_CST);
		}
	}
	return NULL;
}

static int responder_socket(void) {
	int fd = socket(AF_INET, SOCK_DGRAM, 0), one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	struct sockaddr_in local;
	memset(&local, 0, sizeof(local));
	local.sin_family = AF_INET;
	local.sin_port = htons(5353);
	CHECK(bind(fd, (struct sockaddr *)&local, sizeof(local)) == 0);
	struct ip_mreqn mreq;
	memset(&mreq, 0, sizeof(mreq));
	inet_pton(AF_INET, "224.0.0.251", &mreq.imr_multiaddr);
	mreq.imr_ifindex = (int)if_nametoindex("lo");
	CHECK(setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) == 0);
	return fd;
}

static void run(const char *label, int expect_host_pair) {
	rtcConfiguration config = loopback_config();
	pair_init(&g_pair, &config, &config);
	peer_t *peers[2] = {&g_pair.a, &g_pair.b};
	for (int i = 0; i < 2; ++i) {
		peers[i]->auto_signal = 0;
		rtcSetLocalDescriptionCallback(peers[i]->pc, on_description);
		rtcSetLocalCandidateCallback(peers[i]->pc, on_candidate);
		rtcSetGatheringStateChangeCallback(peers[i]->pc, on_gathering);
	}
	double t0 = now_s();
	int dc = rtcCreateDataChannel(g_pair.a.pc, "mdns");
	CHECK(dc > 0);
	channel_t *ca = channel_new(dc);
	if (!pair_wait_connected(&g_pair, 15))
		fprintf(stderr, "%s: A state %d, B state %d\n", label, (int)g_pair.a.state, (int)g_pair.b.state);
	CHECK_EQ(g_pair.a.state, RTC_CONNECTED);
	CHECK_EQ(g_pair.b.state, RTC_CONNECTED);
	double took = now_s() - t0;
	CHECK(channel_wait_open(ca, 10));
	channel_t *cb = peer_wait_incoming(&g_pair.b, 0, 10);
	CHECK(cb != NULL);
	CHECK(rtcSendMessage(dc, "over mdns", -1) >= 0);
	CHECK(channel_wait_count(cb, 1, 10));
	char local[256], remote[256];
	for (int i = 0; i < 2; ++i) {
		CHECK(rtcGetSelectedCandidatePair(peers[i]->pc, local, sizeof(local), remote, sizeof(remote)) > 0);
		printf("%s: %c selected remote %s\n", label, 'A' + i, remote);
		if (expect_host_pair)
			CHECK(strstr(remote, "typ host") != NULL);
	}
	/* No peer state history entry says FAILED. */
	for (int i = 0; i < 2; ++i)
		for (int h = 0; h < peers[i]->nhistory; ++h)
			CHECK(peers[i]->state_history[h] != RTC_FAILED);
	printf("%s: connected in %.0f ms\n", label, took * 1000);
	channel_free(ca);
	pair_destroy(&g_pair);
}

int main(void) {
	harness_init();
	/* 1. A sees B only as an unresolvable name (the test answers no query for it). */
	g_name_of[0] = NULL;
	g_name_of[1] = "3c1ad2b7-8f0e-4a55-9d10-unresolvable.local";
	run("peer-reflexive", 0);

	/* 2. Both sides hidden; the responder resolves both names. */
	g_name_of[0] = "8e0d58a4-6b1f-4c7a-a2f3-0c9e8d7b6a5f.local";
	g_name_of[1] = "1f2e3d4c-5b6a-4978-8a6b-5c4d3e2f1a0b.local";
	int fd = responder_socket();
	pthread_t t;
	pthread_create(&t, NULL, responder, &fd);
	run("resolved", 1);
	atomic_store(&g_stop, 1);
	pthread_join(t, NULL);
	close(fd);
	CHECK(g_answered >= 2);
	printf("capi_ice_mdns: ok (%d mDNS answers)\n", g_answered);
	return 0;
}
