/* Man in the middle: the signaling path alters one hex digit of A's a=fingerprint before B sees
 * it (as an attacker terminating DTLS with its own certificate would have to). Both sides must
 * end RTC_FAILED (or one FAILED, the other FAILED/CLOSED); no channel opens, no message arrives.
 * Also: a description without a fingerprint, or with only an unsupported hash, is refused by
 * rtcSetRemoteDescription with RTC_ERR_INVALID. */
#define _GNU_SOURCE
#include "harness.h"
#include "relay.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_altered;

static char *alter_fingerprint(const char *sdp, int from_side) {
	char *out = strdup(sdp);
	if (from_side != 0)
		return out;
	char *fp = strstr(out, "a=fingerprint:");
	CHECK(fp != NULL);
	char *hex = strchr(fp, ' ');
	CHECK(hex != NULL);
	hex++;
	CHECK(isxdigit((unsigned char)hex[0]));
	hex[0] = hex[0] == 'A' ? 'B' : 'A'; /* one hex digit changed */
	g_altered++;
	return out;
}

static int fresh_set_remote(const char *sdp) {
	rtcConfiguration c = loopback_config();
	int pc = rtcCreatePeerConnection(&c);
	CHECK(pc > 0);
	int r = rtcSetRemoteDescription(pc, sdp, "offer");
	CHECK_EQ(rtcDeletePeerConnection(pc), 0);
	return r;
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	harness_init();
	relay_t *relay = relay_new(7);
	pair_t p;
	pair_init(&p, NULL, NULL);
	relay_signal_t *rs = relay_signal_install(&p, relay, alter_fingerprint);
	int id = rtcCreateDataChannel(p.a.pc, "secret");
	CHECK(id > 0);
	channel_t *local = channel_new(id);
	double t0 = now_s();

	/* The altered description itself is well-formed: B accepts it and answers. */
	double deadline = now_s() + 10;
	while ((relay_remote_result(rs, 1) == 1 || relay_remote_result(rs, 0) == 1) && now_s() < deadline)
		sleep_ms(10);
	CHECK_EQ(g_altered, 1);
	CHECK_EQ(relay_remote_result(rs, 1), RTC_ERR_SUCCESS);
	CHECK_EQ(relay_remote_result(rs, 0), RTC_ERR_SUCCESS);

	/* Send attempts while the handshake runs must not get through. */
	while (now_s() - t0 < 30) {
		rtcSendMessage(id, "secret data", -1);
		pthread_mutex_lock(&p.a.mutex);
		rtcState sa = p.a.state;
		pthread_mutex_unlock(&p.a.mutex);
		pthread_mutex_lock(&p.b.mutex);
		rtcState sb = p.b.state;
		pthread_mutex_unlock(&p.b.mutex);
		if ((sa == RTC_FAILED || sa == RTC_CLOSED) && (sb == RTC_FAILED || sb == RTC_CLOSED))
			break;
		sleep_ms(10);
	}
	double elapsed = now_s() - t0;
	printf("capi_reliability_mitm: A ended %d, B ended %d after %.2f s (4 = failed, 5 = closed)\n",
	       (int)p.a.state, (int)p.b.state, elapsed);
	CHECK(p.a.state == RTC_FAILED || p.b.state == RTC_FAILED);
	CHECK(p.a.state == RTC_FAILED || p.a.state == RTC_CLOSED);
	CHECK(p.b.state == RTC_FAILED || p.b.state == RTC_CLOSED);
	for (int i = 0; i < p.a.nhistory; ++i)
		CHECK(p.a.state_history[i] != RTC_CONNECTED);
	for (int i = 0; i < p.b.nhistory; ++i)
		CHECK(p.b.state_history[i] != RTC_CONNECTED);
	sleep_ms(500);
	CHECK_EQ(p.b.nincoming, 0); /* no channel, hence no message, reached B */
	CHECK_EQ(local->open, 0);
	CHECK_EQ(local->count, 0);
	CHECK(rtcSendMessage(id, "x", -1) < 0);

	/* A genuine description, then broken copies of it, on fresh peer connections. */
	char sdp[8192];
	CHECK(rtcGetLocalDescription(p.a.pc, sdp, sizeof(sdp)) > 0);
	CHECK_EQ(fresh_set_remote(sdp), RTC_ERR_SUCCESS);
	char *none = replace_lines(sdp, "a=fingerprint:", NULL);
	CHECK_EQ(fresh_set_remote(none), RTC_ERR_INVALID);
	char *md5 = replace_lines(sdp, "a=fingerprint:",
	                          "a=fingerprint:md5 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF");
	CHECK_EQ(fresh_set_remote(md5), RTC_ERR_INVALID);
	char *unknown = replace_lines(sdp, "a=fingerprint:", "a=fingerprint:foo-1 00:11:22");
	CHECK_EQ(fresh_set_remote(unknown), RTC_ERR_INVALID);
	char *shortfp = replace_lines(sdp, "a=fingerprint:", "a=fingerprint:sha-256 00:11:22");
	CHECK_EQ(fresh_set_remote(shortfp), RTC_ERR_INVALID);
	free(none);
	free(md5);
	free(unknown);
	free(shortfp);
	printf("capi_reliability_mitm: SDP without fingerprint / md5 / unknown hash / short sha-256: "
	       "RTC_ERR_INVALID\n");

	channel_free(local);
	pair_destroy(&p);
	relay_signal_free(rs);
	relay_free(relay);
	printf("capi_reliability_mitm: ok\n");
	return 0;
}
