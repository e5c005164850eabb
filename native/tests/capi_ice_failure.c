/* When no candidate pair can ever form (relay-only policy with no usable TURN server), both
 * sides reach RTC_FAILED promptly once they know the other side has finished gathering, instead
 * of waiting forever. */
#include "harness.h"

#include <stdio.h>
#include <string.h>

static void on_gathering_done(int pc, rtcGatheringState state, void *ptr) {
	peer_t *p = ptr;
	(void)pc;
	if (state == RTC_GATHERING_COMPLETE) /* tell the other side: end-of-candidates */
		rtcAddRemoteCandidate(p->other->pc, "a=end-of-candidates", "0");
}

int main(void) {
	harness_init();
	rtcConfiguration config = loopback_config();
	config.iceTransportPolicy = RTC_TRANSPORT_POLICY_RELAY; /* and no TURN server: no candidates */
	pair_t p;
	pair_init(&p, &config, &config);
	rtcSetGatheringStateChangeCallback(p.a.pc, on_gathering_done);
	rtcSetGatheringStateChangeCallback(p.b.pc, on_gathering_done);
	double t0 = now_s();
	CHECK(rtcCreateDataChannel(p.a.pc, "never") > 0);
	CHECK(peer_wait_state(&p.a, RTC_FAILED, 10));
	CHECK(peer_wait_state(&p.b, RTC_FAILED, 10));
	double took = now_s() - t0;
	CHECK(took < 5);
	CHECK_EQ(p.a.candidates, 0);
	pair_destroy(&p);
	printf("capi_ice_failure: ok (both failed after %.0f ms)\n", took * 1000);
	return 0;
}
