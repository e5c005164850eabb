/* Test harness over rtc.h only: two peer connections in one process, signaling in-process
 * from the library's callbacks (as dc_bench does), and per-channel recorders. */
#ifndef HARNESS_H
#define HARNESS_H

#include <rtc/rtc.h>

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#ifdef _WIN32
/* The tests switch the library's environment settings at run time; the library reads them with
 * getenv from the same C runtime. */
#define setenv(name, value, overwrite) _putenv_s((name), (value))
#define unsetenv(name) _putenv_s((name), "")
#endif

#define CHECK(cond)                                                                                \
	do {                                                                                           \
		if (!(cond)) {                                                                             \
			harness_fail(__FILE__, __LINE__, #cond);                                               \
		}                                                                                          \
	} while (0)
#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                           \
		long long _a = (long long)(a), _b = (long long)(b);                                        \
		if (_a != _b)                                                                              \
			harness_fail_eq(__FILE__, __LINE__, #a, #b, _a, _b);                                   \
	} while (0)

void harness_fail(const char *file, int line, const char *what);
void harness_fail_eq(const char *file, int line, const char *a, const char *b, long long va,
                     long long vb);
void harness_init(void); /* logger from HARNESS_LOG=0..6, watchdog */
double now_s(void);
void sleep_ms(int ms);

typedef struct message {
	char *data;
	int size; /* bytes, excluding any NUL */
	int is_string;
	struct message *next;
} message_t;

typedef struct channel {
	int id;
	pthread_mutex_t mutex;
	pthread_cond_t cond;
	int open, closed, errors, low_events;
	message_t *head, *tail;
	int count;
	long long bytes;
	int echo; /* send every message back */
} channel_t;

typedef struct peer peer_t;
struct peer {
	int pc;
	peer_t *other;
	pthread_mutex_t mutex;
	pthread_cond_t cond;
	int has_remote;
	char *pending[64];
	char *pending_mid[64];
	int npending;
	rtcState state;
	rtcIceState ice_state;
	rtcGatheringState gathering;
	rtcSignalingState signaling;
	int state_history[16];
	int nhistory;
	int candidates;
	channel_t *incoming[64]; /* channels announced by the remote peer */
	int nincoming;
	int auto_signal; /* hand descriptions/candidates to the other peer (default 1) */
};

typedef struct {
	peer_t a, b;
} pair_t;

/* Creates both peers (bindAddress 127.0.0.1 unless config says otherwise). */
void pair_init(pair_t *p, const rtcConfiguration *config_a, const rtcConfiguration *config_b);
void pair_destroy(pair_t *p);
/* Frees the harness's own memory only (after rtcCleanup deleted the peers). */
void pair_release(pair_t *p);
/* Creates a channel on a (starting the negotiation), waits for the connection, for it to open
 * and for b's incoming channel number incoming_index to open. */
channel_t *pair_open_channel(pair_t *p, const char *label, int incoming_index, channel_t **remote);
rtcConfiguration loopback_config(void);

/* Sets a description as o's remote one, then hands o the candidates that waited for it (what
 * the default signaling does; for tests that alter descriptions in flight). */
int peer_deliver_description(peer_t *o, const char *sdp, const char *type);
/* Hands o a candidate of its peer: held until o has the remote description, as the default
 * signaling does (for tests that filter candidates in flight). */
void peer_forward_candidate(peer_t *o, const char *cand, const char *mid);

/* Waits until both peers are RTC_CONNECTED (returns 1) or the timeout passes (0). */
int pair_wait_connected(pair_t *p, double timeout_s);
int peer_wait_state(peer_t *p, rtcState state, double timeout_s);
/* Waits for the n-th incoming channel of a peer. */
channel_t *peer_wait_incoming(peer_t *p, int index, double timeout_s);

channel_t *channel_new(int id);  /* installs callbacks on id */
void channel_free(channel_t *c);
int channel_wait_open(channel_t *c, double timeout_s);
int channel_wait_closed(channel_t *c, double timeout_s);
int channel_wait_count(channel_t *c, int count, double timeout_s);
message_t *channel_pop(channel_t *c); /* caller frees msg->data and msg */
int channel_is_closed(channel_t *c); /* its close callback ran */

/* The value of the first "a=<attr>:" line of pc's local (local != 0) or remote description;
 * fails the test when there is none. */
void description_attr(int pc, int local, const char *attr, char *out, size_t size);

#endif
