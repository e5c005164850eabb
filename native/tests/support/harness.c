#define _POSIX_C_SOURCE 200809L
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void harness_fail(const char *file, int line, const char *what) {
	fprintf(stderr, "FAIL %s:%d: %s\n", file, line, what);
	fflush(stderr);
	_exit(1);
}

void harness_fail_eq(const char *file, int line, const char *a, const char *b, long long va,
                     long long vb) {
	fprintf(stderr, "FAIL %s:%d: %s == %s (%lld != %lld)\n", file, line, a, b, va, vb);
	fflush(stderr);
	_exit(1);
}

double now_s(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sleep_ms(int ms) {
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void log_cb(rtcLogLevel level, const char *message) {
	fprintf(stderr, "[rtc %d] %s\n", (int)level, message);
}

static void *watchdog(void *arg) {
	(void)arg;
	/* Below ctest's 420 s; long offline runs (RELIABILITY_BYTES) raise it. */
	const char *env = getenv("HARNESS_WATCHDOG_S");
	sleep(env && atoi(env) > 0 ? (unsigned)atoi(env) : 380u);
	fprintf(stderr, "FAIL watchdog: test hung\n");
	_exit(2);
	return NULL;
}

void harness_init(void) {
	const char *lvl = getenv("HARNESS_LOG");
	rtcInitLogger(lvl ? (rtcLogLevel)atoi(lvl) : RTC_LOG_WARNING, log_cb);
	pthread_t t;
	pthread_create(&t, NULL, watchdog, NULL);
	pthread_detach(t);
}

rtcConfiguration loopback_config(void) {
	rtcConfiguration c;
	memset(&c, 0, sizeof(c));
	c.bindAddress = "127.0.0.1";
	return c;
}

static void wait_on(pthread_cond_t *cond, pthread_mutex_t *m, double deadline) {
	double left = deadline - now_s();
	if (left <= 0)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	double t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + (left < 0.05 ? left : 0.05);
	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	pthread_cond_timedwait(cond, m, &ts);
}

/* ---- peer callbacks ---- */

static void on_description(int pc, const char *sdp, const char *type, void *ptr) {
	peer_t *p = ptr;
	(void)pc;
	if (!p->auto_signal)
		return;
	peer_deliver_description(p->other, sdp, type);
}

int peer_deliver_description(peer_t *o, const char *sdp, const char *type) {
	int r = rtcSetRemoteDescription(o->pc, sdp, type);
	if (r < 0) {
		fprintf(stderr, "setRemoteDescription failed: %d\n", r);
		return r;
	}
	pthread_mutex_lock(&o->mutex);
	o->has_remote = 1;
	int n = o->npending;
	o->npending = 0;
	pthread_mutex_unlock(&o->mutex);
	for (int i = 0; i < n; ++i) {
		rtcAddRemoteCandidate(o->pc, o->pending[i], o->pending_mid[i]);
		free(o->pending[i]);
		free(o->pending_mid[i]);
	}
	return 0;
}

static void on_candidate(int pc, const char *cand, const char *mid, void *ptr) {
	peer_t *p = ptr;
	(void)pc;
	pthread_mutex_lock(&p->mutex);
	p->candidates++;
	pthread_mutex_unlock(&p->mutex);
	if (p->auto_signal)
		peer_forward_candidate(p->other, cand, mid);
}

void peer_forward_candidate(peer_t *o, const char *cand, const char *mid) {
	pthread_mutex_lock(&o->mutex);
	if (!o->has_remote && o->npending < 64) {
		o->pending[o->npending] = strdup(cand);
		o->pending_mid[o->npending] = strdup(mid ? mid : "");
		o->npending++;
		pthread_mutex_unlock(&o->mutex);
		return;
	}
	pthread_mutex_unlock(&o->mutex);
	rtcAddRemoteCandidate(o->pc, cand, mid);
}

static void on_state(int pc, rtcState state, void *ptr) {
	peer_t *p = ptr;
	(void)pc;
	pthread_mutex_lock(&p->mutex);
	p->state = state;
	if (p->nhistory < 16)
		p->state_history[p->nhistory++] = (int)state;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->mutex);
}

static void on_ice_state(int pc, rtcIceState state, void *ptr) {
	peer_t *p = ptr;
	(void)pc;
	pthread_mutex_lock(&p->mutex);
	p->ice_state = state;
	pthread_mutex_unlock(&p->mutex);
}

static void on_gathering(int pc, rtcGatheringState state, void *ptr) {
	peer_t *p = ptr;
	(void)pc;
	pthread_mutex_lock(&p->mutex);
	p->gathering = state;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->mutex);
}

static void on_signaling(int pc, rtcSignalingState state, void *ptr) {
	peer_t *p = ptr;
	(void)pc;
	pthread_mutex_lock(&p->mutex);
	p->signaling = state;
	pthread_mutex_unlock(&p->mutex);
}

static void on_data_channel(int pc, int dc, void *ptr) {
	peer_t *p = ptr;
	(void)pc;
	channel_t *c = channel_new(dc); /* sets the channel's own user pointer first */
	pthread_mutex_lock(&p->mutex);
	if (p->nincoming < 64)
		p->incoming[p->nincoming++] = c;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->mutex);
}

static void peer_init(peer_t *p, peer_t *other, const rtcConfiguration *config) {
	memset(p, 0, sizeof(*p));
	p->other = other;
	p->auto_signal = 1;
	pthread_mutex_init(&p->mutex, NULL);
	pthread_cond_init(&p->cond, NULL);
	rtcConfiguration c = config ? *config : loopback_config();
	p->pc = rtcCreatePeerConnection(&c);
	CHECK(p->pc > 0);
	rtcSetUserPointer(p->pc, p);
	CHECK_EQ(rtcSetLocalDescriptionCallback(p->pc, on_description), 0);
	CHECK_EQ(rtcSetLocalCandidateCallback(p->pc, on_candidate), 0);
	CHECK_EQ(rtcSetStateChangeCallback(p->pc, on_state), 0);
	CHECK_EQ(rtcSetIceStateChangeCallback(p->pc, on_ice_state), 0);
	CHECK_EQ(rtcSetGatheringStateChangeCallback(p->pc, on_gathering), 0);
	CHECK_EQ(rtcSetSignalingStateChangeCallback(p->pc, on_signaling), 0);
	CHECK_EQ(rtcSetDataChannelCallback(p->pc, on_data_channel), 0);
}

void pair_init(pair_t *p, const rtcConfiguration *config_a, const rtcConfiguration *config_b) {
	peer_init(&p->a, &p->b, config_a);
	peer_init(&p->b, &p->a, config_b);
}

void pair_destroy(pair_t *p) {
	CHECK_EQ(rtcDeletePeerConnection(p->a.pc), 0);
	CHECK_EQ(rtcDeletePeerConnection(p->b.pc), 0);
	pair_release(p);
}

void pair_release(pair_t *p) {
	for (int i = 0; i < p->a.nincoming; ++i)
		channel_free(p->a.incoming[i]);
	for (int i = 0; i < p->b.nincoming; ++i)
		channel_free(p->b.incoming[i]);
	for (int i = 0; i < p->a.npending; ++i) {
		free(p->a.pending[i]);
		free(p->a.pending_mid[i]);
	}
	for (int i = 0; i < p->b.npending; ++i) {
		free(p->b.pending[i]);
		free(p->b.pending_mid[i]);
	}
}

channel_t *pair_open_channel(pair_t *p, const char *label, int incoming_index, channel_t **remote) {
	int id = rtcCreateDataChannel(p->a.pc, label);
	CHECK(id > 0);
	channel_t *local = channel_new(id);
	CHECK(pair_wait_connected(p, 30)); /* generous: valgrind on a loaded machine */
	CHECK(channel_wait_open(local, 10));
	*remote = peer_wait_incoming(&p->b, incoming_index, 10);
	CHECK(*remote != NULL);
	CHECK(channel_wait_open(*remote, 10));
	return local;
}

int peer_wait_state(peer_t *p, rtcState state, double timeout_s) {
	double deadline = now_s() + timeout_s;
	pthread_mutex_lock(&p->mutex);
	while (p->state != state && now_s() < deadline)
		wait_on(&p->cond, &p->mutex, deadline);
	int ok = p->state == state;
	pthread_mutex_unlock(&p->mutex);
	return ok;
}

int pair_wait_connected(pair_t *p, double timeout_s) {
	double deadline = now_s() + timeout_s;
	return peer_wait_state(&p->a, RTC_CONNECTED, timeout_s) &&
	       peer_wait_state(&p->b, RTC_CONNECTED, deadline - now_s());
}

channel_t *peer_wait_incoming(peer_t *p, int index, double timeout_s) {
	double deadline = now_s() + timeout_s;
	pthread_mutex_lock(&p->mutex);
	while (p->nincoming <= index && now_s() < deadline)
		wait_on(&p->cond, &p->mutex, deadline);
	channel_t *c = p->nincoming > index ? p->incoming[index] : NULL;
	pthread_mutex_unlock(&p->mutex);
	return c;
}

/* ---- channel callbacks ---- */

static void on_open(int id, void *ptr) {
	channel_t *c = ptr;
	(void)id;
	pthread_mutex_lock(&c->mutex);
	c->open++;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->mutex);
}

static void on_closed(int id, void *ptr) {
	channel_t *c = ptr;
	(void)id;
	pthread_mutex_lock(&c->mutex);
	c->closed++;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->mutex);
}

static void on_error(int id, const char *error, void *ptr) {
	channel_t *c = ptr;
	(void)id;
	fprintf(stderr, "channel error: %s\n", error);
	pthread_mutex_lock(&c->mutex);
	c->errors++;
	pthread_mutex_unlock(&c->mutex);
}

static void on_message(int id, const char *data, int size, void *ptr) {
	channel_t *c = ptr;
	message_t *m = calloc(1, sizeof(*m));
	m->is_string = size < 0;
	m->size = size < 0 ? -size - 1 : size;
	if (m->is_string)
		CHECK(data[m->size] == '\0');
	m->data = malloc((size_t)m->size + 1);
	memcpy(m->data, data, (size_t)m->size);
	m->data[m->size] = 0;
	if (c->echo)
		rtcSendMessage(id, data, size);
	pthread_mutex_lock(&c->mutex);
	if (c->tail)
		c->tail->next = m;
	else
		c->head = m;
	c->tail = m;
	c->count++;
	c->bytes += m->size;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->mutex);
}

static void on_low(int id, void *ptr) {
	channel_t *c = ptr;
	(void)id;
	pthread_mutex_lock(&c->mutex);
	c->low_events++;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->mutex);
}

channel_t *channel_new(int id) {
	channel_t *c = calloc(1, sizeof(*c));
	c->id = id;
	pthread_mutex_init(&c->mutex, NULL);
	pthread_cond_init(&c->cond, NULL);
	rtcSetUserPointer(id, c);
	CHECK_EQ(rtcSetOpenCallback(id, on_open), 0);
	CHECK_EQ(rtcSetClosedCallback(id, on_closed), 0);
	CHECK_EQ(rtcSetErrorCallback(id, on_error), 0);
	CHECK_EQ(rtcSetMessageCallback(id, on_message), 0);
	CHECK_EQ(rtcSetBufferedAmountLowCallback(id, on_low), 0);
	return c;
}

void channel_free(channel_t *c) {
	if (!c)
		return;
	rtcDeleteDataChannel(c->id);
	message_t *m = c->head;
	while (m) {
		message_t *n = m->next;
		free(m->data);
		free(m);
		m = n;
	}
	free(c);
}

static int channel_wait(channel_t *c, int *field, int target, double timeout_s) {
	double deadline = now_s() + timeout_s;
	pthread_mutex_lock(&c->mutex);
	while (*field < target && now_s() < deadline)
		wait_on(&c->cond, &c->mutex, deadline);
	int ok = *field >= target;
	pthread_mutex_unlock(&c->mutex);
	return ok;
}

int channel_wait_open(channel_t *c, double timeout_s) { return channel_wait(c, &c->open, 1, timeout_s); }
int channel_wait_closed(channel_t *c, double timeout_s) { return channel_wait(c, &c->closed, 1, timeout_s); }
int channel_wait_count(channel_t *c, int count, double timeout_s) {
	return channel_wait(c, &c->count, count, timeout_s);
}

message_t *channel_pop(channel_t *c) {
	pthread_mutex_lock(&c->mutex);
	message_t *m = c->head;
	if (m) {
		c->head = m->next;
		if (!c->head)
			c->tail = NULL;
		c->count--;
	}
	pthread_mutex_unlock(&c->mutex);
	return m;
}

void description_attr(int pc, int local, const char *attr, char *out, size_t size) {
	char sdp[16384];
	int n = local ? rtcGetLocalDescription(pc, sdp, sizeof(sdp)) : rtcGetRemoteDescription(pc, sdp, sizeof(sdp));
	CHECK(n > 0);
	char key[64];
	snprintf(key, sizeof(key), "a=%s:", attr);
	const char *p = strstr(sdp, key);
	CHECK(p != NULL);
	p += strlen(key);
	size_t len = strcspn(p, "\r\n");
	CHECK(len < size);
	memcpy(out, p, len);
	out[len] = 0;
}

int channel_is_closed(channel_t *c) {
	pthread_mutex_lock(&c->mutex);
	int closed = c->closed;
	pthread_mutex_unlock(&c->mutex);
	return closed;
}
