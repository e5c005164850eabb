/* The peer vanishes: mid-transfer the relay becomes a black hole in both directions. Both sides
 * must leave RTC_CONNECTED and end RTC_FAILED or RTC_CLOSED within a bounded time (measured and
 * printed); their channels report closed; rtcSendMessage fails cleanly; rtcDelete* and
 * rtcCleanup work and leave no thread behind. */
#define _GNU_SOURCE
#include "harness.h"
#include "relay.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BOUND_S 60.0

/* The ids of this process's threads except the process-wide ones that live until exit by
 * design (the library's event loops, usrsctp's iterator, GLib's worker). */
static int thread_ids(long *ids, int max) {
#ifdef _WIN32
	/* No /proc and no readable thread names (which tell the process-wide threads apart):
	 * the leftover-thread check runs on Linux only. */
	(void)ids;
	(void)max;
	return -1;
#endif
	DIR *d = opendir("/proc/self/task");
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			char path[300], name[64] = "";
			snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
			FILE *f = fopen(path, "r");
			if (f) {
				if (!fgets(name, sizeof(name), f))
					name[0] = 0;
				fclose(f);
			}
			name[strcspn(name, "\n")] = 0;
			if (strncmp(name, "rtc-loop", 8) != 0 && strcmp(name, "SCTP iterator") != 0 &&
			    strcmp(name, "gmain") != 0 && n < max)
				ids[n++] = atol(e->d_name);
		}
	closedir(d);
	return n;
}

/* How many threads in now[] were not in before[]: threads born during the test that survive. */
static int new_threads(const long *before, int nbefore, const long *now, int nnow) {
	int born = 0;
	for (int i = 0; i < nnow; ++i) {
		int known = 0;
		for (int j = 0; j < nbefore; ++j)
			known |= now[i] == before[j];
		if (!known) {
			printf("capi_reliability_vanish: thread %ld was born during the test and survives\n",
			       now[i]);
			born++;
		}
	}
	return born;
}

typedef struct {
	double disconnected, terminal;
	int terminal_state;
} times_t;

static void observe(peer_t *p, times_t *t, double since) {
	pthread_mutex_lock(&p->mutex);
	rtcState s = p->state;
	pthread_mutex_unlock(&p->mutex);
	if (s == RTC_DISCONNECTED && t->disconnected == 0)
		t->disconnected = now_s() - since;
	if ((s == RTC_FAILED || s == RTC_CLOSED) && t->terminal == 0) {
		t->terminal = now_s() - since;
		t->terminal_state = (int)s;
	}
}

static int saw_state(peer_t *p, rtcState state) {
	pthread_mutex_lock(&p->mutex);
	int seen = 0;
	for (int i = 0; i < p->nhistory; ++i)
		if (p->state_history[i] == (int)state)
			seen = 1;
	pthread_mutex_unlock(&p->mutex);
	return seen;
}

static const char *state_name(int s) {
	static const char *n[] = {"new", "connecting", "connected", "disconnected", "failed", "closed"};
	return s >= 0 && s < 6 ? n[s] : "?";
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	harness_init();
	relay_t *relay = relay_new(42);
	relay_dir_t cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.delay_ms = 5;
	relay_configure_both(relay, cfg);
	rtcPreload();
	long before[64], after[64];
	int nbefore = thread_ids(before, 64);

	pair_t p;
	pair_init(&p, NULL, NULL);
	relay_signal_t *rs = relay_signal_install(&p, relay, NULL);
	int id = rtcCreateDataChannel(p.a.pc, "bulk");
	CHECK(id > 0);
	channel_t *local = channel_new(id);
	CHECK(pair_wait_connected(&p, 20));
	CHECK(channel_wait_open(local, 10));
	channel_t *remote = peer_wait_incoming(&p.b, 0, 10);
	CHECK(remote != NULL);
	CHECK(channel_wait_open(remote, 10));

	/* Transfer for a second, then cut the path while data is in flight. */
	static char buf[16384];
	memset(buf, 'x', sizeof(buf));
	double start = now_s();
	while (now_s() - start < 1.0) {
		if (rtcGetBufferedAmount(id) < 1024 * 1024)
			CHECK_EQ(rtcSendMessage(id, buf, sizeof(buf)), 0);
		else
			sleep_ms(1);
	}
	/* Drop what the receiver got so far: the harness keeps every message. */
	message_t *m;
	while ((m = channel_pop(remote))) {
		free(m->data);
		free(m);
	}
	relay_black_hole(relay, 1);
	double cut = now_s();
	printf("capi_reliability_vanish: path cut at t=%.2f s with %d bytes buffered on A\n",
	       cut - start, rtcGetBufferedAmount(id));

	times_t ta = {0, 0, 0}, tb = {0, 0, 0};
	int send_failures = 0;
	while ((ta.terminal == 0 || tb.terminal == 0) && now_s() - cut < BOUND_S) {
		observe(&p.a, &ta, cut);
		observe(&p.b, &tb, cut);
		/* The application keeps sending into the void: must fail cleanly, never crash. */
		if (rtcGetBufferedAmount(id) < 4 * 1024 * 1024 && rtcSendMessage(id, buf, sizeof(buf)) < 0)
			send_failures++;
		sleep_ms(10);
	}
	printf("capi_reliability_vanish: A (sending side): disconnected after %.2f s, %s after %.2f s\n",
	       ta.disconnected, state_name(ta.terminal_state), ta.terminal);
	printf("capi_reliability_vanish: B (receiving side): disconnected after %.2f s, %s after %.2f s\n",
	       tb.disconnected, state_name(tb.terminal_state), tb.terminal);
	CHECK(ta.terminal > 0);
	CHECK(tb.terminal > 0);
	printf("capi_reliability_vanish: state history A:");
	for (int i = 0; i < p.a.nhistory; ++i)
		printf(" %s", state_name(p.a.state_history[i]));
	printf(" | B:");
	for (int i = 0; i < p.b.nhistory; ++i)
		printf(" %s", state_name(p.b.state_history[i]));
	printf("\n");
	if (!saw_state(&p.a, RTC_DISCONNECTED) || !saw_state(&p.b, RTC_DISCONNECTED))
		printf("capi_reliability_vanish: note: a side went to its final state without "
		       "RTC_DISCONNECTED first\n");

	/* Channels report closed; sending fails cleanly; deletes work. */
	CHECK(channel_wait_closed(local, 10));
	CHECK(channel_wait_closed(remote, 10));
	CHECK(rtcSendMessage(id, "late", -1) < 0);
	CHECK(rtcSendMessage(remote->id, "late", -1) < 0);
	printf("capi_reliability_vanish: %d sends refused after the failure, channels closed on both "
	       "sides\n",
	       send_failures);
	channel_free(local); /* rtcDeleteDataChannel */
	pair_destroy(&p);    /* rtcDeletePeerConnection x2 */
	relay_signal_free(rs);
	relay_free(relay);
	rtcCleanup();
	/* Threads leave /proc/self/task a little after they exit (much later under valgrind). */
	int nafter = thread_ids(after, 64);
	for (int i = 0; i < 50 && nbefore >= 0 && nafter >= nbefore; ++i) {
		sleep_ms(100);
		nafter = thread_ids(after, 64);
	}
	printf("capi_reliability_vanish: threads before the connection %d (main, watchdog, relay, any "
	       "transient), after rtcCleanup %d\n",
	       nbefore, nafter);
	if (nbefore >= 0) {
		CHECK_EQ(new_threads(before, nbefore, after, nafter), 0);
		CHECK(nafter < nbefore); /* the relay's thread is gone too */
	} else {
		printf("capi_reliability_vanish: thread check skipped (no /proc/self/task here)\n");
	}
	printf("capi_reliability_vanish: ok\n");
	return 0;
}
