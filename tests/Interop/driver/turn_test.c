/*
 * turn_test: two WebRtcNative peers in one process, relay-only (RTC_TRANSPORT_POLICY_RELAY),
 * through a coturn server on 127.0.0.1 started by scripts/interop/turn.sh.
 *
 *   turn_test good URL   both peers connect through TURN; the selected pair must be "typ relay" on
 *                        both sides; a text and a binary message cross in each direction.
 *   turn_test bad URL    URL carries wrong credentials: both peers must end in RTC_FAILED within
 *                        the bound (default 40 s), and deleting them must not hang.
 * Prints "ok ..." / "FAIL ..." lines; exit 0 on success.
 */
#include <rtc/rtc.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct peer {
	const char *name;
	int pc;
	struct peer *other;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	rtcState state;
	int remote_set;
	char *pending[64];
	char *pending_mid[64];
	int npending;
	int dc;
	int open;
	int got_text, got_binary;
	int relay_candidates, other_candidates;
	double failed_at;
} peer_t;

static double t0;
static double now_s(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int g_fail;
static void report(int ok, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	printf("%s ", ok ? "ok  " : "FAIL");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
	if (!ok)
		g_fail++;
}

static void RTC_API on_log(rtcLogLevel level, const char *msg) {
	fprintf(stderr, "[native %d %.3f] %s\n", level, now_s() - t0, msg);
}

static int g_nontrickle; /* TURN_TEST_NONTRICKLE=1: full descriptions after gathering, no trickle */

static void deliver(peer_t *p, const char *sdp, const char *type);
static void RTC_API on_description(int pc, const char *sdp, const char *type, void *ptr) {
	if (g_nontrickle)
		return;
	deliver(ptr, sdp, type);
}
static void deliver(peer_t *p, const char *sdp, const char *type) {
	peer_t *o = p->other;
	if (rtcSetRemoteDescription(o->pc, sdp, type) < 0)
		fprintf(stderr, "%s: rtcSetRemoteDescription failed\n", o->name);
	pthread_mutex_lock(&o->mu);
	o->remote_set = 1;
	int n = o->npending;
	o->npending = 0;
	pthread_mutex_unlock(&o->mu);
	for (int i = 0; i < n; i++) {
		rtcAddRemoteCandidate(o->pc, o->pending[i], o->pending_mid[i]);
		free(o->pending[i]);
		free(o->pending_mid[i]);
	}
}

static void RTC_API on_candidate(int pc, const char *cand, const char *mid, void *ptr) {
	peer_t *p = ptr;
	peer_t *o = p->other;
	fprintf(stderr, "%s candidate: %s\n", p->name, cand);
	if (g_nontrickle) {
		pthread_mutex_lock(&p->mu);
		if (strstr(cand, "typ relay"))
			p->relay_candidates++;
		else
			p->other_candidates++;
		pthread_mutex_unlock(&p->mu);
		return;
	}
	pthread_mutex_lock(&p->mu);
	if (strstr(cand, "typ relay"))
		p->relay_candidates++;
	else
		p->other_candidates++;
	pthread_mutex_unlock(&p->mu);
	pthread_mutex_lock(&o->mu);
	if (!o->remote_set && o->npending < 64) {
		o->pending[o->npending] = strdup(cand);
		o->pending_mid[o->npending] = strdup(mid ? mid : "0");
		o->npending++;
		pthread_mutex_unlock(&o->mu);
		return;
	}
	pthread_mutex_unlock(&o->mu);
	rtcAddRemoteCandidate(o->pc, cand, mid);
}

static void RTC_API on_state(int pc, rtcState state, void *ptr) {
	peer_t *p = ptr;
	fprintf(stderr, "%s state %d at %.3f\n", p->name, state, now_s() - t0);
	pthread_mutex_lock(&p->mu);
	p->state = state;
	if (state == RTC_FAILED && p->failed_at == 0)
		p->failed_at = now_s() - t0;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static void RTC_API on_gathering(int pc, rtcGatheringState state, void *ptr) {
	peer_t *p = ptr;
	fprintf(stderr, "%s gathering state %d at %.3f\n", p->name, state, now_s() - t0);
	if (g_nontrickle && state == RTC_GATHERING_COMPLETE) {
		static char sdp[16384], type[16];
		rtcGetLocalDescription(pc, sdp, sizeof(sdp));
		rtcGetLocalDescriptionType(pc, type, sizeof(type));
		fprintf(stderr, "%s sends its complete %s (end-of-candidates: %s)\n", p->name, type,
		        strstr(sdp, "end-of-candidates") ? "yes" : "no");
		deliver(p, sdp, type);
	}
}
static void RTC_API on_ice_state(int pc, rtcIceState state, void *ptr) {
	peer_t *p = ptr;
	fprintf(stderr, "%s ICE state %d at %.3f\n", p->name, state, now_s() - t0);
}
static void RTC_API on_signaling(int pc, rtcSignalingState state, void *ptr) {
	peer_t *p = ptr;
	fprintf(stderr, "%s signaling state %d at %.3f\n", p->name, state, now_s() - t0);
}

static peer_t *peer_of_dc(int dc);
static peer_t g_a, g_b;
static peer_t *peer_of_dc(int dc) { return g_a.dc == dc ? &g_a : g_b.dc == dc ? &g_b : NULL; }

static void RTC_API on_open(int dc, void *ptr) {
	peer_t *p = peer_of_dc(dc);
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->open = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static void RTC_API on_message(int dc, const char *msg, int size, void *ptr) {
	peer_t *p = peer_of_dc(dc);
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	if (size < 0 && strcmp(msg, "hello through TURN") == 0)
		p->got_text = 1;
	if (size == 3 && msg[0] == 0 && (unsigned char)msg[1] == 0xFF && msg[2] == 7)
		p->got_binary = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

static void RTC_API on_datachannel(int pc, int dc, void *ptr) {
	peer_t *p = ptr;
	pthread_mutex_lock(&p->mu);
	p->dc = dc;
	pthread_mutex_unlock(&p->mu);
	rtcSetOpenCallback(dc, on_open);
	rtcSetMessageCallback(dc, on_message);
	if (rtcIsOpen(dc))
		on_open(dc, NULL);
}

typedef int (*pred_t)(peer_t *);
static int wait_for(peer_t *p, pred_t pred, double timeout) {
	double end = now_s() + timeout;
	pthread_mutex_lock(&p->mu);
	while (!pred(p) && now_s() < end) {
		pthread_mutex_unlock(&p->mu);
		usleep(20000);
		pthread_mutex_lock(&p->mu);
	}
	int ok = pred(p);
	pthread_mutex_unlock(&p->mu);
	return ok;
}
static int is_settled(peer_t *p) {
	return p->state == RTC_CONNECTED || p->state == RTC_FAILED || p->state == RTC_CLOSED;
}
static int is_failed(peer_t *p) { return p->state == RTC_FAILED; }
static int is_open(peer_t *p) { return p->open; }
static int has_both(peer_t *p) { return p->got_text && p->got_binary; }

static void peer_init(peer_t *p, const char *name, peer_t *other, const char *url) {
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->other = other;
	p->dc = -1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	static const char *servers[1];
	servers[0] = url;
	rtcConfiguration c;
	memset(&c, 0, sizeof(c));
	c.iceServers = servers;
	c.iceServersCount = 1;
	c.bindAddress = "127.0.0.1";
	c.iceTransportPolicy = RTC_TRANSPORT_POLICY_RELAY;
	p->pc = rtcCreatePeerConnection(&c);
	if (p->pc < 0) {
		report(0, "%s: rtcCreatePeerConnection = %d", name, p->pc);
		exit(1);
	}
	rtcSetUserPointer(p->pc, p);
	rtcSetLocalDescriptionCallback(p->pc, on_description);
	rtcSetLocalCandidateCallback(p->pc, on_candidate);
	rtcSetStateChangeCallback(p->pc, on_state);
	rtcSetGatheringStateChangeCallback(p->pc, on_gathering);
	rtcSetIceStateChangeCallback(p->pc, on_ice_state);
	rtcSetSignalingStateChangeCallback(p->pc, on_signaling);
	rtcSetDataChannelCallback(p->pc, on_datachannel);
}

int main(int argc, char **argv) {
	t0 = now_s();
	if (argc < 3 || (strcmp(argv[1], "good") != 0 && strcmp(argv[1], "bad") != 0)) {
		fprintf(stderr, "usage: %s good|bad turn:USER:PASS@127.0.0.1:PORT [bound-seconds]\n", argv[0]);
		return 2;
	}
	int good = strcmp(argv[1], "good") == 0;
	const char *url = argv[2];
	double bound = argc > 3 ? atof(argv[3]) : 40;
	g_nontrickle = getenv("TURN_TEST_NONTRICKLE") && atoi(getenv("TURN_TEST_NONTRICKLE"));
	rtcInitLogger(getenv("TURN_TEST_LOG") ? atoi(getenv("TURN_TEST_LOG")) : RTC_LOG_WARNING, on_log);

	peer_init(&g_a, "A", &g_b, url);
	peer_init(&g_b, "B", &g_a, url);
	int dc = rtcCreateDataChannel(g_a.pc, "turn"); /* auto-negotiation sends the offer */
	pthread_mutex_lock(&g_a.mu);
	g_a.dc = dc;
	pthread_mutex_unlock(&g_a.mu);
	rtcSetOpenCallback(dc, on_open);
	rtcSetMessageCallback(dc, on_message);

	if (good) {
		int ok = wait_for(&g_a, is_settled, bound) && wait_for(&g_b, is_settled, 5);
		report(ok && g_a.state == RTC_CONNECTED && g_b.state == RTC_CONNECTED,
		       "relay-only peers connected through coturn (A state %d, B state %d, %.2f s)",
		       g_a.state, g_b.state, now_s() - t0);
		report(g_a.other_candidates == 0 && g_b.other_candidates == 0 && g_a.relay_candidates > 0,
		       "only relay candidates gathered (A %d relay / %d other, B %d relay / %d other)",
		       g_a.relay_candidates, g_a.other_candidates, g_b.relay_candidates,
		       g_b.other_candidates);
		peer_t *ps[2] = {&g_a, &g_b};
		for (int i = 0; i < 2; i++) {
			char lc[256] = "", rc[256] = "";
			int r = rtcGetSelectedCandidatePair(ps[i]->pc, lc, sizeof(lc), rc, sizeof(rc));
			report(r > 0 && strstr(lc, "typ relay") != NULL,
			       "%s selected pair is relay: local [%s] remote [%s]", ps[i]->name, lc, rc);
		}
		int open = wait_for(&g_a, is_open, 10) && wait_for(&g_b, is_open, 10);
		report(open, "data channel open on both sides");
		if (open) {
			const char bin[3] = {0, (char)0xFF, 7};
			rtcSendMessage(g_a.dc, "hello through TURN", -1);
			rtcSendMessage(g_a.dc, bin, 3);
			rtcSendMessage(g_b.dc, "hello through TURN", -1);
			rtcSendMessage(g_b.dc, bin, 3);
			int got = wait_for(&g_a, has_both, 10) && wait_for(&g_b, has_both, 10);
			report(got, "text and binary crossed the relay in both directions");
		}
	} else {
		int ok = wait_for(&g_a, is_failed, bound) && wait_for(&g_b, is_failed, 5);
		report(ok, "wrong TURN credentials: both peers reached RTC_FAILED (A at %.2f s, B at %.2f s; "
		           "bound %.0f s; A state %d, B state %d)",
		       g_a.failed_at, g_b.failed_at, bound, g_a.state, g_b.state);
		report(g_a.relay_candidates == 0 && g_b.relay_candidates == 0,
		       "no relay candidate was gathered with wrong credentials (A %d, B %d)",
		       g_a.relay_candidates, g_b.relay_candidates);
	}
	double st = now_s();
	rtcDeletePeerConnection(g_a.pc);
	rtcDeletePeerConnection(g_b.pc);
	rtcCleanup();
	report(now_s() - st < 10, "peer connections deleted in %.2f s", now_s() - st);
	printf("%s\n", g_fail ? "TURN FAIL" : "TURN PASS");
	return g_fail ? 1 : 0;
}
