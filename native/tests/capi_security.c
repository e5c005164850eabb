/* Security odds and ends of the C API (issue 11 item 9):
 *  - TURN/STUN credentials never reach the log (captured through rtcInitLogger at verbose level);
 *  - "stuns:" URLs are refused with a clear error instead of silently becoming plain STUN;
 *  - a remote max-message-size of 2^31 or more reads back as INT_MAX, never negative;
 *  - a peer whose only fingerprint is SHA-1 is refused unless
 *    WEBRTCNATIVE_ALLOW_SHA1_FINGERPRINT=1. */
#define _GNU_SOURCE
#include "harness.h"
#include "relay.h" /* replace_lines */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t g_log_mutex = PTHREAD_MUTEX_INITIALIZER;
static char g_log[1 << 20];
static size_t g_log_len;

static void capture(rtcLogLevel level, const char *message) {
	(void)level;
	pthread_mutex_lock(&g_log_mutex);
	size_t n = strlen(message);
	if (g_log_len + n + 2 < sizeof(g_log)) {
		memcpy(g_log + g_log_len, message, n);
		g_log_len += n;
		g_log[g_log_len++] = '\n';
		g_log[g_log_len] = 0;
	}
	pthread_mutex_unlock(&g_log_mutex);
}

static int log_contains(const char *s) {
	pthread_mutex_lock(&g_log_mutex);
	int found = strstr(g_log, s) != NULL;
	pthread_mutex_unlock(&g_log_mutex);
	return found;
}

static int create_with(const char **servers, int count) {
	rtcConfiguration c = loopback_config();
	c.iceServers = servers;
	c.iceServersCount = count;
	int pc = rtcCreatePeerConnection(&c);
	if (pc > 0)
		rtcDeletePeerConnection(pc);
	return pc;
}

static void test_credentials_and_stuns(void) {
	const char *two_stun[] = {"stun:127.0.0.1:3478", "stun:alice:s3cretPwA@127.0.0.1:3479"};
	CHECK(create_with(two_stun, 2) > 0); /* the second is ignored, with a warning */
	CHECK(log_contains("ignoring stun:alice:***@127.0.0.1:3479"));
	const char *bad_query[] = {"turn:alice:s3cretPwB@127.0.0.1:3478?transport=sctp"};
	CHECK(create_with(bad_query, 1) < 0);
	CHECK(log_contains("turn:alice:***@127.0.0.1:3478"));
	const char *bad_port[] = {"turns://bob:s3cretPwC@127.0.0.1:99999"};
	CHECK(create_with(bad_port, 1) < 0);
	CHECK(log_contains("bad port"));
	const char *turn[] = {"turn:carol:s3cretPwD@127.0.0.1:3478?transport=udp"};
	CHECK(create_with(turn, 1) > 0);
	CHECK(!log_contains("s3cretPw"));

	const char *stuns[] = {"stuns:127.0.0.1:5349"};
	CHECK(create_with(stuns, 1) < 0);
	CHECK(log_contains("stuns (STUN over TLS) is not supported"));
}

/* An offer from a fresh peer connection (no candidates needed for these checks). */
static char *make_offer(int *pc_out) {
	rtcConfiguration c = loopback_config();
	int pc = rtcCreatePeerConnection(&c);
	CHECK(pc > 0);
	CHECK(rtcCreateDataChannel(pc, "x") > 0);
	static char buf[16384];
	double t0 = now_s();
	while (rtcGetLocalDescription(pc, buf, sizeof(buf)) < 0 && now_s() - t0 < 5)
		sleep_ms(5);
	CHECK(strstr(buf, "a=fingerprint:sha-256") != NULL);
	*pc_out = pc;
	return strdup(buf);
}

static int set_remote(const char *sdp) {
	rtcConfiguration c = loopback_config();
	int pc = rtcCreatePeerConnection(&c);
	CHECK(pc > 0);
	int r = rtcSetRemoteDescription(pc, sdp, "offer");
	rtcDeletePeerConnection(pc);
	return r;
}

static void test_sha1(void) {
	int a;
	char *offer = make_offer(&a);
	char *sha1 = replace_lines(offer, "a=fingerprint:",
	                           "a=fingerprint:sha-1 89:27:93:95:E6:CC:E3:33:56:DB:53:87:C7:04:94:86:2D:62:FD:4C");
	unsetenv("WEBRTCNATIVE_ALLOW_SHA1_FINGERPRINT");
	CHECK_EQ(set_remote(sha1), RTC_ERR_INVALID);
	CHECK(log_contains("only certificate fingerprint is SHA-1"));
	setenv("WEBRTCNATIVE_ALLOW_SHA1_FINGERPRINT", "1", 1);
	CHECK_EQ(set_remote(sha1), RTC_ERR_SUCCESS);
	unsetenv("WEBRTCNATIVE_ALLOW_SHA1_FINGERPRINT");
	CHECK_EQ(set_remote(offer), RTC_ERR_SUCCESS); /* sha-256: fine as always */
	free(sha1);
	free(offer);
	rtcDeletePeerConnection(a);
}

/* ---- max-message-size >= 2^31, on a real connection ---- */
static pair_t g_pair;

static void on_description_mangled(int pc, const char *sdp, const char *type, void *ptr) {
	(void)pc;
	char *m = replace_lines(sdp, "a=max-message-size:", "a=max-message-size:4294967296");
	CHECK_EQ(peer_deliver_description(((peer_t *)ptr)->other, m, type), 0);
	free(m);
}

static void test_max_message_size(void) {
	pair_init(&g_pair, NULL, NULL);
	/* A's descriptions reach B with max-message-size 2^32 (B's go to A unchanged). */
	rtcSetLocalDescriptionCallback(g_pair.a.pc, on_description_mangled);
	int dc = rtcCreateDataChannel(g_pair.a.pc, "big");
	CHECK(dc > 0);
	channel_t *ca = channel_new(dc);
	CHECK(pair_wait_connected(&g_pair, 15));
	channel_t *cb = peer_wait_incoming(&g_pair.b, 0, 10);
	CHECK(cb != NULL);
	CHECK(channel_wait_open(cb, 10));
	int remote = rtcGetRemoteMaxMessageSize(g_pair.b.pc);
	int channel = rtcMaxMessageSize(cb->id);
	printf("capi_security: remote max-message-size 2^32 reads %d (pc) and %d (channel)\n", remote, channel);
	CHECK_EQ(remote, INT_MAX);
	CHECK_EQ(channel, INT_MAX);
	CHECK(rtcSendMessage(cb->id, "still works", -1) >= 0);
	CHECK(channel_wait_count(ca, 1, 10));
	channel_free(ca);
	pair_destroy(&g_pair);
}

int main(void) {
	harness_init();
	rtcInitLogger(RTC_LOG_VERBOSE, capture);
	test_credentials_and_stuns();
	test_sha1();
	test_max_message_size();
	printf("capi_security: ok\n");
	return 0;
}
