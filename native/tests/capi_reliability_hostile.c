/* Bounds on what a peer can make us allocate (docs/reliability.md, "Bounds"), run with small
 * limits set through the documented environment variables:
 * 1. Receive queue in polling mode (the pull model: no message callback, rtcReceiveMessage):
 *    a receiver that does not read for a while loses nothing on a reliable channel; its native
 *    queue stays under WEBRTCNATIVE_RECV_QUEUE_BYTES/_MESSAGES (plus the one message that
 *    crossed the bound); reads from SCTP stop, so the sender is throttled
 *    (rtcGetBufferedAmount stays high) until a reader on another thread drains the queue; every
 *    message then arrives, in order and intact (sequence and FNV-1a hash checked), and the
 *    available callback fired (also when set while messages already wait). An unreliable channel with a full queue drops (bounded, counted,
 *    logged) and holds nothing up. Closing a channel whose full queue holds the reads closes it
 *    on both sides and the association goes on.
 * 2. A message larger than our a=max-message-size (the peer is told a larger size in flight, so
 *    it sends one anyway): not delivered, the channel gets an error, the next message arrives.
 * 3. DCEP OPENs with 65 535-byte labels and protocols: admitted until the per-connection label
 *    budget is used, then refused (the stream is reset: the opener's channel closes), with a log
 *    line; closing an admitted channel gives its share back.
 * 4. More channels than WEBRTCNATIVE_MAX_REMOTE_CHANNELS opened by the peer: the excess are
 *    refused (reset, closed on the opener's side) and the connection stays usable. */
#define _GNU_SOURCE
#include "harness.h"

#include "relay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_BYTES (256 * 1024)
#define QUEUE_MESSAGES 1000
#define REMOTE_CHANNELS 24
#define LABEL_BUDGET (1024 * 1024)

/* ---- 1. Receive queue bound and flow control ---- */

#define MSG_SIZE 1024
#define MSG_COUNT 24576 /* 24 MiB: well beyond queue + SCTP receive window + send buffer */

static pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
static int g_available_calls;
static int g_reader_done;
static long long g_reader_max_queued;

static void on_available(int id, void *ptr) {
	(void)id;
	(void)ptr;
	pthread_mutex_lock(&g_mutex);
	g_available_calls++;
	pthread_mutex_unlock(&g_mutex);
}

static int g_late_available_calls;
static void on_late_available(int id, void *ptr) {
	(void)id;
	(void)ptr;
	pthread_mutex_lock(&g_mutex);
	g_late_available_calls++;
	pthread_mutex_unlock(&g_mutex);
}

typedef struct {
	int dc;
	int count;
	uint64_t hash;
	int received;
	int errors;
} reader_t;

static void *reader_thread(void *arg) {
	reader_t *r = arg;
	char buf[MSG_SIZE];
	double deadline = now_s() + 120;
	while (r->received < r->count && now_s() < deadline) {
		int queued = rtcGetAvailableAmount(r->dc);
		pthread_mutex_lock(&g_mutex);
		if (queued > g_reader_max_queued)
			g_reader_max_queued = queued;
		pthread_mutex_unlock(&g_mutex);
		int size = sizeof(buf);
		int rc = rtcReceiveMessage(r->dc, buf, &size);
		if (rc == RTC_ERR_NOT_AVAIL) {
			sleep_ms(1);
			continue;
		}
		if (rc != RTC_ERR_SUCCESS || size != MSG_SIZE) {
			r->errors++;
			break;
		}
		if (relay_check_payload((unsigned char *)buf, size) != r->received)
			r->errors++;
		r->hash = relay_fnv1a(r->hash, (unsigned char *)buf, (size_t)size);
		r->received++;
	}
	pthread_mutex_lock(&g_mutex);
	g_reader_done = 1;
	pthread_mutex_unlock(&g_mutex);
	return NULL;
}

static void receive_queue_bound(void) {
	pair_t p;
	pair_init(&p, NULL, NULL);
	rtcDataChannelInit neg;
	memset(&neg, 0, sizeof(neg));
	neg.negotiated = true;
	neg.manualStream = true;
	neg.stream = 7;
	int a = rtcCreateDataChannelEx(p.a.pc, "pull", &neg);
	CHECK(a > 0);
	channel_t *ca = channel_new(a);
	rtcDataChannelInit unrel = neg;
	unrel.stream = 9;
	unrel.reliability.unordered = true;
	unrel.reliability.unreliable = true;
	unrel.reliability.maxRetransmits = 0;
	int ua = rtcCreateDataChannelEx(p.a.pc, "lossy", &unrel);
	CHECK(ua > 0);
	channel_t *cua = channel_new(ua);
	CHECK(pair_wait_connected(&p, 20));
	CHECK(channel_wait_open(ca, 10));
	CHECK(channel_wait_open(cua, 10));
	/* B's side in the pull model: no message callback. */
	int b = rtcCreateDataChannelEx(p.b.pc, "pull", &neg);
	CHECK(b > 0);
	CHECK_EQ(rtcSetAvailableCallback(b, on_available), 0);
	int ub = rtcCreateDataChannelEx(p.b.pc, "lossy", &unrel);
	CHECK(ub > 0);
	sleep_ms(100);

	/* The unreliable channel first: its full queue drops and stops nothing. */
	static unsigned char buf[MSG_SIZE];
	for (int i = 0; i < 3000; ++i) {
		relay_fill_payload(buf, MSG_SIZE, (uint32_t)i);
		while (rtcGetBufferedAmount(ua) > 1024 * 1024)
			sleep_ms(1);
		CHECK_EQ(rtcSendMessage(ua, (const char *)buf, MSG_SIZE), 0);
	}
	double deadline = now_s() + 60;
	while (rtcGetBufferedAmount(ua) > 0 && now_s() < deadline)
		sleep_ms(10);
	/* Until the queue is full (3000 messages sent, room for 256; slow under valgrind). */
	int lossy_queued;
	while ((lossy_queued = rtcGetAvailableAmount(ub)) < QUEUE_BYTES && now_s() < deadline)
		sleep_ms(10);
	CHECK(lossy_queued >= QUEUE_BYTES - MSG_SIZE);
	sleep_ms(200);
	lossy_queued = rtcGetAvailableAmount(ub);
	CHECK(lossy_queued <= QUEUE_BYTES);
	/* A puller that sets its available callback after messages queued still hears of them
	 * (messages arriving now are dropped: no callback for them). */
	CHECK_EQ(rtcSetAvailableCallback(ub, on_late_available), 0);
	deadline = now_s() + 30;
	for (;;) {
		pthread_mutex_lock(&g_mutex);
		int late = g_late_available_calls;
		pthread_mutex_unlock(&g_mutex);
		if (late >= 1 || now_s() > deadline)
			break;
		sleep_ms(5);
	}
	CHECK(g_late_available_calls >= 1);
	int lossy_got = 0;
	for (;;) {
		int size = MSG_SIZE;
		if (rtcReceiveMessage(ub, (char *)buf, &size) != RTC_ERR_SUCCESS)
			break;
		lossy_got++;
	}
	CHECK(lossy_got > 0 && lossy_got <= QUEUE_MESSAGES);

	/* The reliable channel: everything is sent at once, nothing is read for 2 s. */
	uint64_t sent_hash = RELAY_FNV_INIT;
	for (int i = 0; i < MSG_COUNT; ++i) {
		relay_fill_payload(buf, MSG_SIZE, (uint32_t)i);
		sent_hash = relay_fnv1a(sent_hash, buf, MSG_SIZE);
		CHECK_EQ(rtcSendMessage(a, (const char *)buf, MSG_SIZE), 0);
	}
	double t0 = now_s();
	int buffered0 = rtcGetBufferedAmount(a);
	sleep_ms(2000);
	int queued = rtcGetAvailableAmount(b);
	int buffered = rtcGetBufferedAmount(a);
	printf("capi_reliability_hostile: receiver asleep 2 s: native queue %d B (bound %d B), sender "
	       "bufferedAmount %d B -> %d B of %d B sent\n",
	       queued, QUEUE_BYTES, buffered0, buffered, MSG_COUNT * MSG_SIZE);
	CHECK(queued > 0);
	CHECK(queued <= QUEUE_BYTES + MSG_SIZE); /* the bound, plus the message that crossed it */
	CHECK(buffered > 8 * 1024 * 1024);       /* throttled: the sender cannot get rid of it */

	/* A reader on its own thread drains it all. */
	reader_t r = {b, MSG_COUNT, RELAY_FNV_INIT, 0, 0};
	pthread_t t;
	pthread_create(&t, NULL, reader_thread, &r);
	pthread_join(t, NULL);
	double elapsed = now_s() - t0;
	CHECK_EQ(r.errors, 0);
	CHECK_EQ(r.received, MSG_COUNT);
	CHECK(r.hash == sent_hash);
	CHECK(g_reader_max_queued <= QUEUE_BYTES + MSG_SIZE);
	pthread_mutex_lock(&g_mutex);
	int calls = g_available_calls;
	pthread_mutex_unlock(&g_mutex);
	CHECK(calls > 0);
	deadline = now_s() + 10;
	while (rtcGetBufferedAmount(a) > 0 && now_s() < deadline)
		sleep_ms(10);
	CHECK_EQ(rtcGetBufferedAmount(a), 0);
	printf("capi_reliability_hostile: %d x %d B delivered in order, hash equal, in %.2f s; queue "
	       "never above %lld B; %d available callbacks; unreliable channel kept %d of 3000 (queue "
	       "%d B)\n",
	       r.received, MSG_SIZE, elapsed, g_reader_max_queued, calls, lossy_got, lossy_queued);

	/* Closing a channel whose full queue holds the reads must not wedge the association: the
	 * peer's answering reset waits behind the data. */
	rtcDataChannelInit second = neg;
	second.stream = 11;
	int a2 = rtcCreateDataChannelEx(p.a.pc, "second", &second);
	CHECK(a2 > 0);
	channel_t *ca2 = channel_new(a2);
	int b2 = rtcCreateDataChannelEx(p.b.pc, "second", &second);
	CHECK(b2 > 0);
	CHECK(channel_wait_open(ca2, 10));
	for (int i = 0; i < 4096; ++i) { /* 4 MiB: 16 times the bound */
		relay_fill_payload(buf, MSG_SIZE, (uint32_t)i);
		CHECK_EQ(rtcSendMessage(a2, (const char *)buf, MSG_SIZE), 0);
	}
	deadline = now_s() + 20;
	while (rtcGetAvailableAmount(b2) < QUEUE_BYTES && now_s() < deadline)
		sleep_ms(10);
	CHECK(rtcGetAvailableAmount(b2) >= QUEUE_BYTES); /* full: reads are paused */
	CHECK_EQ(rtcClose(b2), 0);
	CHECK(channel_wait_closed(ca2, 20));
	relay_fill_payload(buf, MSG_SIZE, 0);
	CHECK_EQ(rtcSendMessage(a, (const char *)buf, MSG_SIZE), 0);
	deadline = now_s() + 10;
	int size = MSG_SIZE, rc;
	while ((rc = rtcReceiveMessage(b, (char *)buf, &size)) == RTC_ERR_NOT_AVAIL && now_s() < deadline)
		sleep_ms(5);
	CHECK_EQ(rc, RTC_ERR_SUCCESS);
	CHECK_EQ(relay_check_payload(buf, size), 0);
	printf("capi_reliability_hostile: a channel closed while its full queue held the reads closed "
	       "on both sides; the other channel still delivers\n");

	CHECK_EQ(rtcDeleteDataChannel(b), 0);
	CHECK_EQ(rtcDeleteDataChannel(ub), 0);
	CHECK_EQ(rtcDeleteDataChannel(b2), 0);
	channel_free(ca);
	channel_free(cua);
	channel_free(ca2);
	pair_destroy(&p);
}

/* ---- 2. Oversized message ---- */

static char *lie_about_size(const char *sdp, int from_side) {
	if (from_side != 1)
		return strdup(sdp);
	/* B advertises 262144; A is told 4 MiB and so sends what B never agreed to take. */
	return replace_lines(sdp, "a=max-message-size:", "a=max-message-size:4194304");
}

static void oversized_message(void) {
	relay_t *relay = relay_new(5);
	relay_dir_t cfg;
	memset(&cfg, 0, sizeof(cfg));
	relay_configure_both(relay, cfg);
	pair_t p;
	pair_init(&p, NULL, NULL);
	relay_signal_t *rs = relay_signal_install(&p, relay, lie_about_size);
	int a = rtcCreateDataChannel(p.a.pc, "big");
	CHECK(a > 0);
	channel_t *ca = channel_new(a);
	CHECK(pair_wait_connected(&p, 20));
	CHECK(channel_wait_open(ca, 10));
	channel_t *cb = peer_wait_incoming(&p.b, 0, 10);
	CHECK(cb != NULL);
	CHECK_EQ(rtcGetRemoteMaxMessageSize(p.a.pc), 4194304);

	size_t big = 1000000;
	char *data = calloc(1, big);
	CHECK_EQ(rtcSendMessage(a, data, (int)big), 0);
	CHECK_EQ(rtcSendMessage(a, "after", -1), 0);
	CHECK(channel_wait_count(cb, 1, 20));
	message_t *m = channel_pop(cb);
	CHECK(m != NULL);
	CHECK_EQ(m->size, 5); /* the 1 000 000 bytes never arrived */
	CHECK(strcmp(m->data, "after") == 0);
	free(m->data);
	free(m);
	CHECK(channel_pop(cb) == NULL); /* nothing else arrived */
	pthread_mutex_lock(&cb->mutex);
	int errors = cb->errors;
	pthread_mutex_unlock(&cb->mutex);
	CHECK(errors >= 1);
	printf("capi_reliability_hostile: %zu-byte message against our 262144: dropped, %d error "
	       "callback(s), the next message delivered\n",
	       big, errors);
	free(data);
	channel_free(ca);
	pair_destroy(&p);
	relay_signal_free(rs);
	relay_free(relay);
}

/* ---- 3 and 4. Channels the peer opens ---- */

static int open_count(channel_t **cs, int n, int *closed) {
	int open = 0;
	*closed = 0;
	for (int i = 0; i < n; ++i) {
		pthread_mutex_lock(&cs[i]->mutex);
		if (cs[i]->open && !cs[i]->closed)
			open++;
		if (cs[i]->closed)
			(*closed)++;
		pthread_mutex_unlock(&cs[i]->mutex);
	}
	return open;
}

static void wait_settled(channel_t **cs, int n, int expect_open) {
	double deadline = now_s() + 20;
	int closed;
	while (now_s() < deadline) {
		if (open_count(cs, n, &closed) == expect_open && closed == n - expect_open)
			return;
		sleep_ms(20);
	}
	CHECK_EQ(open_count(cs, n, &closed), expect_open);
	CHECK_EQ(closed, n - expect_open);
}

static void label_budget(void) {
	pair_t p;
	pair_init(&p, NULL, NULL);
	int first = rtcCreateDataChannel(p.a.pc, "first");
	channel_t *c0 = channel_new(first);
	CHECK(pair_wait_connected(&p, 20));
	CHECK(channel_wait_open(c0, 10));
	/* 65 535-byte label and protocol, the most the DCEP fields carry: 131 070 bytes each. */
	char *label = malloc(65536), *protocol = malloc(65536);
	memset(label, 'l', 65535);
	label[65535] = 0;
	memset(protocol, 'p', 65535);
	protocol[65535] = 0;
	int fit = (LABEL_BUDGET - 5) / (2 * 65535);
	enum { N = 10 };
	channel_t *cs[N];
	int ids[N];
	rtcDataChannelInit init;
	memset(&init, 0, sizeof(init));
	init.protocol = protocol;
	for (int i = 0; i < N; ++i) {
		ids[i] = rtcCreateDataChannelEx(p.a.pc, label, &init);
		CHECK(ids[i] > 0);
		cs[i] = channel_new(ids[i]);
	}
	/* All at once (each on its own stream, none reused while a reset is in flight). */
	wait_settled(cs, N, fit);
	int admitted = -1;
	for (int i = 0; i < N && admitted < 0; ++i)
		if (cs[i]->open)
			admitted = i;
	CHECK(admitted >= 0);
	/* Still usable, and a closed channel gives its share back. */
	channel_t *rb = peer_wait_incoming(&p.b, 0, 10);
	CHECK(rb != NULL);
	CHECK_EQ(rtcSendMessage(first, "still here", -1), 0);
	CHECK(channel_wait_count(rb, 1, 10));
	CHECK_EQ(rtcClose(ids[admitted]), 0);
	CHECK(channel_wait_closed(cs[admitted], 10));
	sleep_ms(200);
	int again = rtcCreateDataChannelEx(p.a.pc, label, &init);
	channel_t *cagain = channel_new(again);
	CHECK(channel_wait_open(cagain, 10));
	printf("capi_reliability_hostile: label budget %d B: %d channels with 65535-byte label and "
	       "protocol admitted, %d refused (reset, closed at the opener); after one closed, another "
	       "admitted\n",
	       LABEL_BUDGET, fit, N - fit);
	for (int i = 0; i < N; ++i) {
		rtcDeleteDataChannel(ids[i]);
		channel_free(cs[i]);
	}
	rtcDeleteDataChannel(again);
	channel_free(cagain);
	channel_free(c0);
	free(label);
	free(protocol);
	pair_destroy(&p);
}

static void channel_cap(void) {
	pair_t p;
	pair_init(&p, NULL, NULL);
	enum { N = REMOTE_CHANNELS + 8 };
	channel_t *cs[N];
	int ids[N];
	ids[0] = rtcCreateDataChannel(p.a.pc, "c0");
	cs[0] = channel_new(ids[0]);
	CHECK(pair_wait_connected(&p, 20));
	CHECK(channel_wait_open(cs[0], 10));
	for (int i = 1; i < N; ++i) {
		char label[16];
		snprintf(label, sizeof(label), "c%d", i);
		ids[i] = rtcCreateDataChannel(p.a.pc, label);
		CHECK(ids[i] > 0);
		cs[i] = channel_new(ids[i]);
	}
	wait_settled(cs, N, REMOTE_CHANNELS);
	/* The connection still works both ways on an admitted channel. */
	channel_t *rb = peer_wait_incoming(&p.b, 0, 10);
	CHECK(rb != NULL);
	CHECK_EQ(rtcSendMessage(ids[0], "ping", -1), 0);
	CHECK(channel_wait_count(rb, 1, 10));
	CHECK_EQ(rtcSendMessage(rb->id, "pong", -1), 0);
	CHECK(channel_wait_count(cs[0], 1, 10));
	CHECK(p.a.state == RTC_CONNECTED && p.b.state == RTC_CONNECTED);
	printf("capi_reliability_hostile: channel cap %d: %d opened by the peer, %d refused and closed "
	       "on its side, connection usable\n",
	       REMOTE_CHANNELS, REMOTE_CHANNELS, N - REMOTE_CHANNELS);
	for (int i = 0; i < N; ++i) {
		rtcDeleteDataChannel(ids[i]);
		channel_free(cs[i]);
	}
	pair_destroy(&p);
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	char v[32];
	snprintf(v, sizeof(v), "%d", QUEUE_BYTES);
	setenv("WEBRTCNATIVE_RECV_QUEUE_BYTES", v, 1);
	snprintf(v, sizeof(v), "%d", QUEUE_MESSAGES);
	setenv("WEBRTCNATIVE_RECV_QUEUE_MESSAGES", v, 1);
	snprintf(v, sizeof(v), "%d", REMOTE_CHANNELS);
	setenv("WEBRTCNATIVE_MAX_REMOTE_CHANNELS", v, 1);
	snprintf(v, sizeof(v), "%d", LABEL_BUDGET);
	setenv("WEBRTCNATIVE_REMOTE_LABEL_BUDGET", v, 1);
	harness_init();
	receive_queue_bound();
	oversized_message();
	label_budget();
	channel_cap();
	printf("capi_reliability_hostile: ok\n");
	return 0;
}
