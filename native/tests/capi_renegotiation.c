/* Renegotiation (JSEP, RFC 8829) mid-session, over rtc.h only:
 *   - a second offer from the offerer and then from the answerer is accepted, the open channel
 *     keeps working both ways and a channel created afterwards opens;
 *   - a later description's max-message-size is applied (rtcGetRemoteMaxMessageSize, the
 *     channel's rtcMaxMessageSize and what rtcSendMessage accepts);
 *   - candidates of a later description are applied: a first exchange without any candidate
 *     cannot connect, a second offer/answer carrying them does;
 *   - rollback of a local offer and of a remote offer, and a provisional answer (pranswer)
 *     followed by the final answer, move through the signaling states JSEP defines;
 *   - glare: both peers offer at once; the impolite peer ignores the remote offer (refused),
 *     the polite peer rolls its offer back and answers (docs/renegotiation.md). */
#define _GNU_SOURCE
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Description callbacks swapped in mid-test (the library stores them atomically): forward to the
 * other peer as the harness does, or keep it for the test to deliver by hand. */
static void forward_description(int pc, const char *sdp, const char *type, void *ptr) {
	(void)pc;
	peer_deliver_description(((peer_t *)ptr)->other, sdp, type);
}
static pthread_mutex_t g_held_mutex = PTHREAD_MUTEX_INITIALIZER;
static int g_held;
static void hold_description(int pc, const char *sdp, const char *type, void *ptr) {
	(void)pc, (void)sdp, (void)type, (void)ptr;
	pthread_mutex_lock(&g_held_mutex);
	g_held++;
	pthread_mutex_unlock(&g_held_mutex);
}
/* Waits until `count` descriptions were held in all. */
static void wait_held(int count) {
	double deadline = now_s() + 10;
	for (;;) {
		pthread_mutex_lock(&g_held_mutex);
		int n = g_held;
		pthread_mutex_unlock(&g_held_mutex);
		if (n >= count)
			return;
		CHECK(now_s() < deadline);
		sleep_ms(5);
	}
}

/* Signaling changes per peer, counted (the harness keeps only the last state, which can still
 * read "stable" from before an exchange whose callbacks have not run yet). */
static pthread_mutex_t g_sig_mutex = PTHREAD_MUTEX_INITIALIZER;
static const void *g_sig_peer[2];
static int g_sig_changes[2];

static void RTC_API count_signaling(int pc, rtcSignalingState state, void *ptr) {
	(void)pc;
	peer_t *p = ptr;
	pthread_mutex_lock(&p->mutex);
	p->signaling = state;
	pthread_mutex_unlock(&p->mutex);
	pthread_mutex_lock(&g_sig_mutex);
	g_sig_changes[ptr == g_sig_peer[0] ? 0 : 1]++;
	pthread_mutex_unlock(&g_sig_mutex);
}

static void track_signaling(pair_t *p) {
	pthread_mutex_lock(&g_sig_mutex);
	g_sig_peer[0] = &p->a;
	g_sig_peer[1] = &p->b;
	g_sig_changes[0] = g_sig_changes[1] = 0;
	pthread_mutex_unlock(&g_sig_mutex);
	CHECK_EQ(rtcSetSignalingStateChangeCallback(p->a.pc, count_signaling), 0);
	CHECK_EQ(rtcSetSignalingStateChangeCallback(p->b.pc, count_signaling), 0);
}

static int sig_changes(int side) {
	pthread_mutex_lock(&g_sig_mutex);
	int n = g_sig_changes[side];
	pthread_mutex_unlock(&g_sig_mutex);
	return n;
}

/* Waits until both peers made `n` more signaling changes than the counts given (an exchange: 2). */
static void wait_exchange(int a_before, int b_before) {
	double deadline = now_s() + 10;
	while ((sig_changes(0) < a_before + 2 || sig_changes(1) < b_before + 2) && now_s() < deadline)
		sleep_ms(5);
	CHECK(sig_changes(0) >= a_before + 2 && sig_changes(1) >= b_before + 2);
}

static rtcSignalingState signaling_of(peer_t *p) {
	pthread_mutex_lock(&p->mutex);
	rtcSignalingState s = p->signaling;
	pthread_mutex_unlock(&p->mutex);
	return s;
}

/* Waits until `side` made `n` more signaling changes than `before` and then rests in `s`. A
 * plain wait for a state is not enough: a peer that has not yet reported its remote offer still
 * shows its previous (or initial, STABLE) state. */
static int wait_changes_then(peer_t *p, int side, int before, int n, rtcSignalingState s) {
	double deadline = now_s() + 10;
	while ((sig_changes(side) < before + n || signaling_of(p) != s) && now_s() < deadline)
		sleep_ms(5);
	return sig_changes(side) >= before + n && signaling_of(p) == s;
}

static int wait_signaling(peer_t *p, rtcSignalingState s) {
	double deadline = now_s() + 10;
	while (signaling_of(p) != s && now_s() < deadline)
		sleep_ms(5);
	return signaling_of(p) == s;
}

static char *local_sdp(peer_t *p) {
	char *buf = malloc(65536);
	CHECK(rtcGetLocalDescription(p->pc, buf, 65536) > 0);
	return buf;
}

/* The SDP without its candidate and end-of-candidates lines. */
static char *strip_candidates(const char *sdp) {
	char *out = malloc(strlen(sdp) + 1);
	size_t len = 0;
	const char *line = sdp;
	while (*line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line + 1) : strlen(line);
		if (strncmp(line, "a=candidate:", 12) != 0 && strncmp(line, "a=end-of-candidates", 19) != 0) {
			memcpy(out + len, line, n);
			len += n;
		}
		line += n;
	}
	out[len] = 0;
	return out;
}

static char *replace_attr(const char *sdp, const char *attr, const char *value) {
	char *out = malloc(strlen(sdp) + 256);
	const char *p = strstr(sdp, attr);
	CHECK(p != NULL);
	size_t prefix = (size_t)(p - sdp) + strlen(attr);
	const char *rest = p + strcspn(p, "\r\n");
	sprintf(out, "%.*s%s%s", (int)prefix, sdp, value, rest);
	return out;
}

/* Sends `text` on from and waits for it on to (what was queued before is dropped). */
static void roundtrip(channel_t *from, channel_t *to, const char *text) {
	message_t *m;
	while ((m = channel_pop(to))) {
		free(m->data);
		free(m);
	}
	CHECK_EQ(rtcSendMessage(from->id, text, -1), 0);
	CHECK(channel_wait_count(to, 1, 10));
	m = channel_pop(to);
	CHECK(m != NULL && strcmp(m->data, text) == 0);
	free(m->data);
	free(m);
}

/* Pair 1 (auto-negotiation): re-offers from both sides, a later max-message-size. */
static void second_offers_and_max_message_size(void) {
	pair_t p;
	pair_init(&p, NULL, NULL);
	track_signaling(&p);
	channel_t *remote = NULL;
	channel_t *local = pair_open_channel(&p, "first", 0, &remote);
	roundtrip(local, remote, "before");

	/* A second offer from the offerer. */
	int a0 = sig_changes(0), b0 = sig_changes(1);
	CHECK_EQ(rtcSetLocalDescription(p.a.pc, "offer"), 0);
	wait_exchange(a0, b0);
	roundtrip(local, remote, "after A's second offer");
	roundtrip(remote, local, "back after A's second offer");

	/* An offer from the answerer. */
	a0 = sig_changes(0), b0 = sig_changes(1);
	CHECK_EQ(rtcSetLocalDescription(p.b.pc, "offer"), 0);
	wait_exchange(a0, b0);
	roundtrip(local, remote, "after B's offer");
	roundtrip(remote, local, "back after B's offer");
	CHECK(peer_wait_state(&p.a, RTC_CONNECTED, 1) && peer_wait_state(&p.b, RTC_CONNECTED, 1));

	/* A channel created after renegotiating opens on both sides. */
	int id2 = rtcCreateDataChannel(p.a.pc, "second");
	CHECK(id2 > 0);
	channel_t *local2 = channel_new(id2);
	CHECK(channel_wait_open(local2, 10));
	channel_t *remote2 = peer_wait_incoming(&p.b, 1, 10);
	CHECK(remote2 != NULL && channel_wait_open(remote2, 10));
	roundtrip(local2, remote2, "second channel");

	/* B offers a smaller max-message-size; A applies it. */
	CHECK_EQ(rtcGetRemoteMaxMessageSize(p.a.pc), 262144);
	CHECK_EQ(rtcSetLocalDescriptionCallback(p.b.pc, hold_description), 0);
	a0 = sig_changes(0), b0 = sig_changes(1);
	CHECK_EQ(rtcSetLocalDescription(p.b.pc, "offer"), 0);
	wait_held(1);
	char *offer = local_sdp(&p.b);
	char *small = replace_attr(offer, "a=max-message-size:", "100000");
	CHECK_EQ(peer_deliver_description(&p.a, small, "offer"), 0); /* A answers by itself */
	wait_exchange(a0, b0);
	CHECK_EQ(rtcSetLocalDescriptionCallback(p.b.pc, forward_description), 0);
	CHECK_EQ(rtcGetRemoteMaxMessageSize(p.a.pc), 100000);
	CHECK_EQ(rtcMaxMessageSize(local->id), 100000);
	char *big = calloc(1, 150000);
	CHECK_EQ(rtcSendMessage(local->id, big, 150000), RTC_ERR_INVALID);
	CHECK_EQ(rtcSendMessage(local->id, big, 90000), 0);
	CHECK(channel_wait_count(remote, 1, 10));
	free(big);
	free(offer);
	free(small);
	roundtrip(local, remote, "after max-message-size");

	pair_destroy(&p);
	channel_free(local);
	channel_free(local2);
	printf("capi_renegotiation: second offers from both sides, later max-message-size: ok\n");
}

/* Pair 2: the first exchange carries no candidate, a later one does. */
static void candidates_of_a_later_description(void) {
	pair_t p;
	pair_init(&p, NULL, NULL);
	p.a.auto_signal = 0;
	p.b.auto_signal = 0;
	track_signaling(&p);
	int id = rtcCreateDataChannel(p.a.pc, "late");
	CHECK(id > 0);
	channel_t *local = channel_new(id);
	CHECK_EQ(rtcSetLocalDescription(p.a.pc, "offer"), 0);
	char *offer = local_sdp(&p.a), *bare = strip_candidates(offer);
	int b0 = sig_changes(1);
	CHECK_EQ(peer_deliver_description(&p.b, bare, "offer"), 0);
	CHECK(wait_changes_then(&p.b, 1, b0, 2, RTC_SIGNALING_STABLE)); /* have-remote-offer, stable */
	char *answer = local_sdp(&p.b), *bare_answer = strip_candidates(answer);
	CHECK_EQ(peer_deliver_description(&p.a, bare_answer, "answer"), 0);
	free(offer), free(bare), free(answer), free(bare_answer);
	CHECK(!peer_wait_state(&p.a, RTC_CONNECTED, 2)); /* no candidate anywhere: no path */

	CHECK_EQ(rtcSetLocalDescription(p.a.pc, "offer"), 0);
	offer = local_sdp(&p.a);
	CHECK(strstr(offer, "a=candidate:") != NULL);
	b0 = sig_changes(1);
	CHECK_EQ(peer_deliver_description(&p.b, offer, "offer"), 0);
	CHECK(wait_changes_then(&p.b, 1, b0, 2, RTC_SIGNALING_STABLE));
	sleep_ms(200); /* B's answer gathered: it lists its candidates */
	answer = local_sdp(&p.b);
	CHECK(strstr(answer, "a=candidate:") != NULL);
	CHECK_EQ(peer_deliver_description(&p.a, answer, "answer"), 0);
	free(offer), free(answer);
	CHECK(pair_wait_connected(&p, 20));
	CHECK(channel_wait_open(local, 10));
	pair_destroy(&p);
	channel_free(local);
	printf("capi_renegotiation: candidates of a later description: ok\n");
}

/* Pair 3 (no auto-negotiation): pranswer, rollbacks and glare. */
static void pranswer_rollback_glare(void) {
	rtcConfiguration c = loopback_config();
	c.disableAutoNegotiation = true;
	pair_t p;
	pair_init(&p, &c, &c);
	track_signaling(&p);
	int id = rtcCreateDataChannel(p.a.pc, "states");
	CHECK(id > 0);
	channel_t *local = channel_new(id);

	/* Rollback of a remote offer (the first one) and of the local offer. */
	CHECK_EQ(rtcSetLocalDescription(p.a.pc, "offer"), 0);
	CHECK(wait_signaling(&p.b, RTC_SIGNALING_HAVE_REMOTE_OFFER));
	CHECK_EQ(rtcSetRemoteDescription(p.b.pc, "", "rollback"), 0);
	CHECK(wait_signaling(&p.b, RTC_SIGNALING_STABLE));
	char *buf = malloc(65536);
	CHECK(rtcGetRemoteDescription(p.b.pc, buf, 65536) < 0); /* back to none */
	CHECK_EQ(rtcSetLocalDescription(p.a.pc, "rollback"), 0);
	CHECK(wait_signaling(&p.a, RTC_SIGNALING_STABLE));
	CHECK_EQ(rtcSetLocalDescription(p.a.pc, "answer"), RTC_ERR_FAILURE); /* nothing to answer */

	/* Offer, provisional answer, final answer. */
	CHECK_EQ(rtcSetLocalDescription(p.a.pc, "offer"), 0);
	CHECK(wait_signaling(&p.b, RTC_SIGNALING_HAVE_REMOTE_OFFER));
	CHECK_EQ(rtcSetLocalDescription(p.b.pc, "pranswer"), 0);
	CHECK(wait_signaling(&p.b, RTC_SIGNALING_HAVE_LOCAL_PRANSWER));
	CHECK(wait_signaling(&p.a, RTC_SIGNALING_HAVE_REMOTE_PRANSWER));
	CHECK(pair_wait_connected(&p, 20)); /* transports start with the provisional answer */
	CHECK_EQ(rtcSetLocalDescription(p.b.pc, "answer"), 0);
	CHECK(wait_signaling(&p.b, RTC_SIGNALING_STABLE));
	CHECK(wait_signaling(&p.a, RTC_SIGNALING_STABLE));
	CHECK(channel_wait_open(local, 10));
	channel_t *remote = peer_wait_incoming(&p.b, 0, 10);
	CHECK(remote != NULL && channel_wait_open(remote, 10));
	roundtrip(local, remote, "after pranswer");

	/* Rollback mid-session: B's remote offer from A, then A's own offer. */
	CHECK_EQ(rtcSetLocalDescription(p.a.pc, "offer"), 0);
	CHECK(wait_signaling(&p.b, RTC_SIGNALING_HAVE_REMOTE_OFFER));
	CHECK_EQ(rtcSetRemoteDescription(p.b.pc, "", "rollback"), 0);
	CHECK(wait_signaling(&p.b, RTC_SIGNALING_STABLE));
	CHECK(rtcGetRemoteDescription(p.b.pc, buf, 65536) > 0); /* the stable remote description is back */
	free(buf);
	CHECK_EQ(rtcSetLocalDescription(p.a.pc, "rollback"), 0);
	CHECK(wait_signaling(&p.a, RTC_SIGNALING_STABLE));
	roundtrip(remote, local, "after rollbacks");

	/* Glare: both offer at once. A is impolite, B polite. */
	CHECK_EQ(rtcSetLocalDescriptionCallback(p.a.pc, hold_description), 0);
	CHECK_EQ(rtcSetLocalDescriptionCallback(p.b.pc, hold_description), 0);
	CHECK_EQ(rtcSetLocalDescription(p.a.pc, "offer"), 0);
	CHECK_EQ(rtcSetLocalDescription(p.b.pc, "offer"), 0);
	wait_held(3);
	char *offer_a = local_sdp(&p.a), *offer_b = local_sdp(&p.b);
	CHECK_EQ(rtcSetRemoteDescription(p.a.pc, offer_b, "offer"), RTC_ERR_FAILURE); /* impolite: ignored */
	CHECK_EQ(rtcSetLocalDescription(p.b.pc, "rollback"), 0);                     /* polite: yields */
	CHECK_EQ(peer_deliver_description(&p.b, offer_a, "offer"), 0);
	CHECK_EQ(rtcSetLocalDescription(p.b.pc, "answer"), 0);
	wait_held(4);
	CHECK(wait_signaling(&p.b, RTC_SIGNALING_STABLE));
	char *answer_b = local_sdp(&p.b);
	CHECK_EQ(peer_deliver_description(&p.a, answer_b, "answer"), 0);
	CHECK(wait_signaling(&p.a, RTC_SIGNALING_STABLE));
	free(offer_a), free(offer_b), free(answer_b);
	/* The polite peer's own change goes out once stable. */
	CHECK_EQ(rtcSetLocalDescriptionCallback(p.a.pc, forward_description), 0);
	CHECK_EQ(rtcSetLocalDescriptionCallback(p.b.pc, forward_description), 0);
	int a0 = sig_changes(0), b0 = sig_changes(1);
	CHECK_EQ(rtcSetLocalDescription(p.b.pc, "offer"), 0);
	CHECK(wait_signaling(&p.a, RTC_SIGNALING_HAVE_REMOTE_OFFER));
	CHECK_EQ(rtcSetLocalDescription(p.a.pc, "answer"), 0);
	wait_exchange(a0, b0);
	roundtrip(local, remote, "after glare");
	roundtrip(remote, local, "back after glare");

	pair_destroy(&p);
	channel_free(local);
	printf("capi_renegotiation: pranswer, rollback, glare: ok\n");
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	harness_init();
	second_offers_and_max_message_size();
	candidates_of_a_later_description();
	pranswer_rollback_glare();
	printf("capi_renegotiation: ok\n");
	return 0;
}
