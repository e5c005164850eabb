/* Connection setup without avoidable delays (issue 17), 20 loopback setups in a row:
 * - the answer already carries the answerer's host candidates (its checks start at once; an
 *   offerer that learns its address only from those checks sees a peer-reflexive candidate, and
 *   pion then waits 1 s to nominate), the offer does not (gathering follows it, as before), and
 *   the candidate callbacks come after the description callback;
 * - no DTLS flight and no ICE connectivity check is retransmitted on a clean path, counted from
 *   the library's "timeline: " log lines (which must be there: one "dtls handshake done" per
 *   side and setup). */
#include "harness.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SETUPS 20

static atomic_int g_dtls_done, g_dtls_rtx, g_ice_rtx;

static void RTC_API on_log(rtcLogLevel level, const char *message) {
	(void)level;
	if (strncmp(message, "timeline: ", 10) != 0)
		return;
	if (strstr(message, "timeline: dtls handshake done"))
		atomic_fetch_add(&g_dtls_done, 1);
	else if (strstr(message, "timeline: dtls retransmission")) {
		atomic_fetch_add(&g_dtls_rtx, 1);
		fprintf(stderr, "%s\n", message);
	} else if (strstr(message, "timeline: ice check retransmitted")) {
		atomic_fetch_add(&g_ice_rtx, 1);
		fprintf(stderr, "%s\n", message);
	}
}

typedef struct side {
	int pc;
	struct side *other;
	atomic_int described;      /* our description callback ran */
	atomic_int sdp_candidates; /* a=candidate lines in it */
	atomic_int early_candidates; /* candidate callbacks before the description callback */
	atomic_int connected;
} side_t;

static void RTC_API on_description(int pc, const char *sdp, const char *type, void *ptr) {
	(void)pc;
	side_t *s = ptr;
	int n = 0;
	for (const char *p = sdp; (p = strstr(p, "a=candidate:")) != NULL; p++)
		n++;
	atomic_store(&s->sdp_candidates, n);
	atomic_store(&s->described, 1);
	CHECK_EQ(rtcSetRemoteDescription(s->other->pc, sdp, type), 0);
}

static void RTC_API on_candidate(int pc, const char *cand, const char *mid, void *ptr) {
	(void)pc;
	side_t *s = ptr;
	if (!atomic_load(&s->described))
		atomic_fetch_add(&s->early_candidates, 1);
	else
		rtcAddRemoteCandidate(s->other->pc, cand, mid); /* already in the SDP: a duplicate */
}

static void RTC_API on_state(int pc, rtcState state, void *ptr) {
	(void)pc;
	if (state == RTC_CONNECTED)
		atomic_store(&((side_t *)ptr)->connected, 1);
}

static void setup_side(side_t *s, side_t *other) {
	memset(s, 0, sizeof(*s));
	s->other = other;
	rtcConfiguration config = loopback_config();
	s->pc = rtcCreatePeerConnection(&config);
	CHECK(s->pc >= 0);
	rtcSetUserPointer(s->pc, s);
	rtcSetLocalDescriptionCallback(s->pc, on_description);
	rtcSetLocalCandidateCallback(s->pc, on_candidate);
	rtcSetStateChangeCallback(s->pc, on_state);
}

int main(void) {
	harness_init();
	rtcInitLogger(RTC_LOG_INFO, on_log);
	for (int i = 0; i < SETUPS; i++) {
		side_t a, b;
		setup_side(&a, &b);
		setup_side(&b, &a);
		int dc = rtcCreateDataChannel(a.pc, "setup"); /* negotiation starts: a offers */
		CHECK(dc >= 0);
		double start = now_s();
		while (!(atomic_load(&a.connected) && atomic_load(&b.connected)) && now_s() - start < 10)
			sleep_ms(1);
		CHECK(atomic_load(&a.connected) && atomic_load(&b.connected));
		CHECK_EQ(atomic_load(&a.sdp_candidates), 0); /* the offer */
		CHECK(atomic_load(&b.sdp_candidates) > 0);    /* the answer */
		CHECK_EQ(atomic_load(&a.early_candidates), 0);
		CHECK_EQ(atomic_load(&b.early_candidates), 0);
		rtcDeleteDataChannel(dc);
		rtcDeletePeerConnection(a.pc);
		rtcDeletePeerConnection(b.pc);
	}
	CHECK_EQ(atomic_load(&g_dtls_done), 2 * SETUPS);
	CHECK_EQ(atomic_load(&g_dtls_rtx), 0);
	CHECK_EQ(atomic_load(&g_ice_rtx), 0);
	printf("%d setups: 0 DTLS and 0 ICE retransmissions, host candidates in every answer\n",
	       SETUPS);
	rtcCleanup();
	return 0;
}
