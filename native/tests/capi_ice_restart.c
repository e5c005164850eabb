/* ICE restart (rtcRestartIce, a WebRtcNative extension; RFC 8445 section 9) over user-space
 * relays (support/relay.h): every candidate is rewritten to a relay, so the relay is the path.
 *   1. A and B connect through relay 1 and exchange reliable messages.
 *   2. Relay 1 drops everything; messages sent meanwhile wait in SCTP; both peers report
 *      RTC_DISCONNECTED.
 *   3. A restarts ICE; its offer's candidates now point at relay 2. The offer and B's answer
 *      carry new ice-ufrag/ice-pwd, the same DTLS fingerprint; both peers are connected again
 *      without the channel closing, and every message arrives once, in order, hash-checked.
 *   4. B (the first answerer) restarts on a live path towards relay 3; relay 2 then drops
 *      everything, and the data still flows (over relay 3). */
#define _GNU_SOURCE
#include "harness.h"
#include "relay.h"
#include "sequence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSG_SIZE 1200
#define PER_PHASE 300
#define TOTAL (4 * PER_PHASE)

static void send_phase(int dc) { sequence_send(dc, PER_PHASE, MSG_SIZE); }

static void wait_signaling_stable(pair_t *p) {
	double deadline = now_s() + 10;
	for (;;) {
		pthread_mutex_lock(&p->a.mutex);
		int a = p->a.signaling;
		pthread_mutex_unlock(&p->a.mutex);
		pthread_mutex_lock(&p->b.mutex);
		int b = p->b.signaling;
		pthread_mutex_unlock(&p->b.mutex);
		if (a == RTC_SIGNALING_STABLE && b == RTC_SIGNALING_STABLE)
			return;
		CHECK(now_s() < deadline);
		sleep_ms(10);
	}
}

static void restart_from(pair_t *p, relay_signal_t *rs, peer_t *offerer, relay_t *next_path,
                         const char *what) {
	char ufrag_a[64], ufrag_b[64], pwd_a[64], fp_a[256], fp_b[256];
	description_attr(p->a.pc, 1, "ice-ufrag", ufrag_a, sizeof(ufrag_a));
	description_attr(p->b.pc, 1, "ice-ufrag", ufrag_b, sizeof(ufrag_b));
	description_attr(p->a.pc, 1, "ice-pwd", pwd_a, sizeof(pwd_a));
	description_attr(p->a.pc, 1, "fingerprint", fp_a, sizeof(fp_a));
	description_attr(p->b.pc, 1, "fingerprint", fp_b, sizeof(fp_b));
	pthread_mutex_lock(&rs->mutex);
	rs->relay = next_path; /* candidates exchanged from now on point at the new relay */
	rs->remote_result[0] = rs->remote_result[1] = 1;
	pthread_mutex_unlock(&rs->mutex);
	double t0 = now_s();
	CHECK_EQ(rtcRestartIce(offerer->pc), RTC_ERR_SUCCESS);
	CHECK_EQ(rtcSetLocalDescription(offerer->pc, "offer"), RTC_ERR_SUCCESS);
	double deadline = now_s() + 10;
	while ((relay_remote_result(rs, 0) == 1 || relay_remote_result(rs, 1) == 1) && now_s() < deadline)
		sleep_ms(10);
	CHECK_EQ(relay_remote_result(rs, 0), 0);
	CHECK_EQ(relay_remote_result(rs, 1), 0);
	wait_signaling_stable(p);
	char now_ufrag_a[64], now_ufrag_b[64], now_pwd_a[64], now_fp_a[256], now_fp_b[256];
	description_attr(p->a.pc, 1, "ice-ufrag", now_ufrag_a, sizeof(now_ufrag_a));
	description_attr(p->b.pc, 1, "ice-ufrag", now_ufrag_b, sizeof(now_ufrag_b));
	description_attr(p->a.pc, 1, "ice-pwd", now_pwd_a, sizeof(now_pwd_a));
	description_attr(p->a.pc, 1, "fingerprint", now_fp_a, sizeof(now_fp_a));
	description_attr(p->b.pc, 1, "fingerprint", now_fp_b, sizeof(now_fp_b));
	CHECK(strcmp(ufrag_a, now_ufrag_a) != 0); /* both sides have new credentials */
	CHECK(strcmp(ufrag_b, now_ufrag_b) != 0);
	CHECK(strcmp(pwd_a, now_pwd_a) != 0);
	CHECK(strcmp(fp_a, now_fp_a) == 0); /* the same DTLS certificates: no new handshake */
	CHECK(strcmp(fp_b, now_fp_b) == 0);
	/* The peers learnt each other's new credentials. */
	char seen[64];
	description_attr(p->b.pc, 0, "ice-ufrag", seen, sizeof(seen));
	CHECK(strcmp(seen, now_ufrag_a) == 0);
	description_attr(p->a.pc, 0, "ice-ufrag", seen, sizeof(seen));
	CHECK(strcmp(seen, now_ufrag_b) == 0);
	CHECK(pair_wait_connected(p, 40));
	printf("capi_ice_restart: %s: credentials %s -> %s, connected again after %.2f s\n", what, ufrag_a,
	       now_ufrag_a, now_s() - t0);
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	harness_init();
	sequence_init();
	relay_t *path1 = relay_new(1), *path2 = relay_new(2), *path3 = relay_new(3);

	pair_t p;
	pair_init(&p, NULL, NULL);
	relay_signal_t *rs = relay_signal_install(&p, path1, NULL);
	/* As pair_open_channel, with room for valgrind's slowdown (native/tests/valgrind.sh runs it). */
	int id = rtcCreateDataChannel(p.a.pc, "restart");
	CHECK(id > 0);
	channel_t *local = channel_new(id);
	CHECK(pair_wait_connected(&p, 120));
	CHECK(channel_wait_open(local, 30));
	channel_t *remote = peer_wait_incoming(&p.b, 0, 30);
	CHECK(remote != NULL && channel_wait_open(remote, 30));
	CHECK_EQ(rtcSetMessageCallback(remote->id, sequence_on_message), 0);
	CHECK_EQ(rtcRestartIce(999999), RTC_ERR_INVALID);

	/* 1. Through relay 1. */
	send_phase(local->id);
	CHECK(sequence_wait(PER_PHASE, 30));

	/* 2. Relay 1 dies; what is sent now waits in SCTP. */
	relay_black_hole(path1, 1);
	send_phase(local->id);
	CHECK(peer_wait_state(&p.a, RTC_DISCONNECTED, 30));
	CHECK(peer_wait_state(&p.b, RTC_DISCONNECTED, 30));
	CHECK(sequence_received() < 2 * PER_PHASE);
	printf("capi_ice_restart: path 1 dead, both peers disconnected, %ld/%d delivered\n", sequence_received(),
	       2 * PER_PHASE);

	/* 3. A restarts ICE over relay 2. */
	restart_from(&p, rs, &p.a, path2, "restart by the offerer over a new path");
	CHECK(sequence_wait(2 * PER_PHASE, 60));
	send_phase(local->id);
	CHECK(sequence_wait(3 * PER_PHASE, 30));
	CHECK(relay_get_stats(path2, 0).out > 0 && relay_get_stats(path2, 1).out > 0);

	/* 4. B restarts on a live path, towards relay 3; then relay 2 dies too. */
	restart_from(&p, rs, &p.b, path3, "restart by the answerer on a live path");
	long before = relay_get_stats(path3, 0).out;
	relay_black_hole(path2, 1);
	send_phase(local->id);
	CHECK(sequence_wait(TOTAL, 60));
	CHECK(relay_get_stats(path3, 0).out > before);

	sequence_check_complete("capi_ice_restart", TOTAL);
	/* The channel stayed open throughout: one association, never closed. */
	CHECK(!channel_is_closed(local) && !channel_is_closed(remote));
	CHECK(peer_wait_state(&p.a, RTC_CONNECTED, 1) && peer_wait_state(&p.b, RTC_CONNECTED, 1));

	relay_print_stats(path2, "capi_ice_restart path 2");
	relay_print_stats(path3, "capi_ice_restart path 3");
	pair_destroy(&p);
	channel_free(local);
	relay_signal_free(rs);
	relay_free(path1);
	relay_free(path2);
	relay_free(path3);
	printf("capi_ice_restart: ok\n");
	return 0;
}
