/* Liveness counts only authenticated traffic. The peer vanishes (the relay black-holes it in
 * both directions) while an off-path sender keeps injecting garbage datagrams from the peer's
 * address: some shaped like DTLS application-data records (they pass the RFC 7983 demultiplexer
 * and reach OpenSSL, which discards them), some plain noise. Both sides must still report
 * RTC_DISCONNECTED after the silence bound (5 s) and end RTC_FAILED or RTC_CLOSED within the
 * grace period, exactly as for a silent vanish (capi_reliability_vanish). */
#define _GNU_SOURCE
#include "harness.h"
#include "relay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DISCONNECT_BOUND_S 8.0  /* silence bound 5 s + the 1 s check tick + slack */
#define TERMINAL_BOUND_S 30.0   /* + the 10 s grace */

static int state_of(peer_t *p) {
	pthread_mutex_lock(&p->mutex);
	int s = (int)p->state;
	pthread_mutex_unlock(&p->mutex);
	return s;
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	harness_init();
	relay_t *relay = relay_new(7);
	pair_t p;
	pair_init(&p, NULL, NULL);
	relay_signal_t *rs = relay_signal_install(&p, relay, NULL);
	int id = rtcCreateDataChannel(p.a.pc, "live");
	CHECK(id > 0);
	channel_t *local = channel_new(id);
	CHECK(pair_wait_connected(&p, 20));
	CHECK(channel_wait_open(local, 10));
	CHECK(rtcSendMessage(id, "before", -1) == 0);

	relay_black_hole(relay, 1);
	double cut = now_s();
	uint64_t rng = 12345;
	double disc[2] = {0, 0}, term[2] = {0, 0};
	long injected = 0;
	peer_t *peers[2] = {&p.a, &p.b};
	while ((term[0] == 0 || term[1] == 0) && now_s() - cut < TERMINAL_BOUND_S) {
		/* 20 garbage datagrams a second towards each side. */
		for (int side = 0; side < 2; ++side) {
			unsigned char g[200];
			for (size_t i = 0; i < sizeof(g); ++i)
				g[i] = (unsigned char)(relay_next(&rng) >> 56);
			if (injected % 2 == 0) { /* DTLS 1.2 application data, epoch 1 */
				g[0] = 23;
				g[1] = 0xfe;
				g[2] = 0xfd;
				g[3] = 0;
				g[4] = 1;
				g[11] = 0;
				g[12] = (unsigned char)(sizeof(g) - 13);
			} else {
				g[0] = (unsigned char)(64 + g[0] % 64); /* outside every RFC 7983 range */
			}
			if (relay_inject(relay, side, g, (int)sizeof(g)) == 0)
				injected++;
		}
		for (int i = 0; i < 2; ++i) {
			int s = state_of(peers[i]);
			if (s == RTC_DISCONNECTED && disc[i] == 0)
				disc[i] = now_s() - cut;
			if ((s == RTC_FAILED || s == RTC_CLOSED) && term[i] == 0)
				term[i] = now_s() - cut;
		}
		sleep_ms(50);
	}
	printf("capi_reliability_spoofed_liveness: %ld garbage datagrams injected from the peers' "
	       "addresses\n", injected);
	for (int i = 0; i < 2; ++i)
		printf("capi_reliability_spoofed_liveness: %c disconnected after %.2f s, final after %.2f s "
		       "(state %d)\n", 'A' + i, disc[i], term[i], state_of(peers[i]));
	CHECK(injected > 100);
	for (int i = 0; i < 2; ++i) {
		CHECK(disc[i] > 0 && disc[i] < DISCONNECT_BOUND_S);
		CHECK(term[i] > 0);
	}
	channel_free(local);
	pair_destroy(&p);
	relay_signal_free(rs);
	relay_free(relay);
	printf("capi_reliability_spoofed_liveness: ok\n");
	return 0;
}
