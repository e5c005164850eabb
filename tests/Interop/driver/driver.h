/* The interop driver's shared state: channels, the peer connection, and the checks main() runs.
 * interop_driver.c holds the state, the callbacks and main; driver_checks.c the checks. */
#pragma once

#include <rtc/rtc.h>

#include "driver_io.h"

#include <pthread.h>
#include <stdint.h>

typedef struct msg {
	char *data;
	int size;
	int is_text;
	struct msg *next;
} msg_t;

typedef struct {
	char label[64];
	int dc;
	int open, closed, errors;
	int peer_open, peer_closed; /* events reported by the peer */
	msg_t *head, *tail;
	int count;
} chan_t;

#define MAX_CHANS 32

extern pthread_mutex_t g_mu;
extern pthread_cond_t g_cv;
extern chan_t g_chans[MAX_CHANS];
extern int g_nchans;
extern int g_pc;
extern rtcState g_state;
extern int g_remote_set;
extern int g_npending;
extern int g_stdin_eof;
extern char g_peer_name[64];
extern char g_peer_version[64];
extern int g_answer_delay_ms;
extern int g_failures;
extern double g_timeout;

/* Callers hold g_mu. */
chan_t *chan_by_label(const char *label, int create);
chan_t *chan_by_dc(int dc);
int wait_until(int (*pred)(void *), void *arg, double timeout_s);

void result(const char *kind, const char *check, int ok, const char *fmt, ...);
void control(const char *action, const char *label, const char *kind, int id);
int create_local(const char *label, const char *kind, int stream);
int pred_peer_ready(void *a);
int pred_connected(void *a);
int pred_both_open(void *a);
int pred_closed(void *a);
int pred_peer_closed(void *a);
int pred_has_msg(void *a);
uint32_t rnd(void);
char *make_text(int n);
char *make_binary(int n);
const char *fmt_size(int n, char *buf, size_t cap);
msg_t *pop_msg(chan_t *c, double timeout);
void echo_check(const char *kind, chan_t *c, int text, int size);
void bulk_check(const char *kind, chan_t *c, long total);
void sdp_attr(int local, const char *attr, char *out, size_t cap);
void ice_restart_check(int offerer, chan_t *c);
int kind_enabled(const char *kinds, const char *k);
void attach(int dc);
