/* See timeline.h. Thread-safe: library callbacks and the stdin reader mark steps. */
#include "timeline.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TL_MAX 48
typedef struct {
	char name[64];
	double at;
} step_t;

static pthread_mutex_t g_tl_mu = PTHREAD_MUTEX_INITIALIZER;
static step_t g_steps[TL_MAX];
static int g_nsteps;
static double g_ref = -1;
static double g_ref_epoch_ms = -1; /* the reference on the wall clock, to line up other processes */
static int g_dtls_rtx, g_ice_rtx;

static double tl_now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void mark_locked(const char *step, double at) {
	for (int i = 0; i < g_nsteps; i++)
		if (strcmp(g_steps[i].name, step) == 0)
			return;
	if (g_nsteps >= TL_MAX)
		return;
	snprintf(g_steps[g_nsteps].name, sizeof(g_steps[g_nsteps].name), "%s", step);
	g_steps[g_nsteps].at = at;
	g_nsteps++;
}

void tl_mark(const char *step) {
	double at = tl_now();
	pthread_mutex_lock(&g_tl_mu);
	mark_locked(step, at);
	pthread_mutex_unlock(&g_tl_mu);
}

void tl_reference(const char *step) {
	double at = tl_now();
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	pthread_mutex_lock(&g_tl_mu);
	if (g_ref < 0) {
		g_ref = at;
		g_ref_epoch_ms = wall.tv_sec * 1e3 + wall.tv_nsec / 1e6;
	}
	mark_locked(step, at);
	pthread_mutex_unlock(&g_tl_mu);
}

/* "timeline: <step>[: details]": the step name is the text up to the first ':'. Every
 * retransmission is its own step ("dtls retransmission 2"), so each shows its time. */
int tl_native(const char *message) {
	static const char prefix[] = "timeline: ";
	if (strncmp(message, prefix, sizeof(prefix) - 1) != 0)
		return 0;
	const char *p = message + sizeof(prefix) - 1;
	size_t n = strcspn(p, ":");
	char name[64];
	snprintf(name, sizeof(name), "%.*s", (int)(n < 40 ? n : 40), p);
	double at = tl_now();
	pthread_mutex_lock(&g_tl_mu);
	if (strcmp(name, "dtls retransmission") == 0)
		snprintf(name + strlen(name), sizeof(name) - strlen(name), " %d", ++g_dtls_rtx);
	else if (strcmp(name, "ice check retransmitted") == 0)
		snprintf(name + strlen(name), sizeof(name) - strlen(name), " %d", ++g_ice_rtx);
	mark_locked(name, at);
	pthread_mutex_unlock(&g_tl_mu);
	return 1;
}

int tl_dtls_retransmissions(void) {
	pthread_mutex_lock(&g_tl_mu);
	int n = g_dtls_rtx;
	pthread_mutex_unlock(&g_tl_mu);
	return n;
}

int tl_ice_retransmissions(void) {
	pthread_mutex_lock(&g_tl_mu);
	int n = g_ice_rtx;
	pthread_mutex_unlock(&g_tl_mu);
	return n;
}

static int by_time(const void *a, const void *b) {
	double d = ((const step_t *)a)->at - ((const step_t *)b)->at;
	return d < 0 ? -1 : d > 0;
}

void tl_format(char *buf, size_t size) {
	pthread_mutex_lock(&g_tl_mu);
	step_t sorted[TL_MAX];
	int n = g_nsteps;
	memcpy(sorted, g_steps, sizeof(step_t) * (size_t)n);
	double ref = g_ref < 0 && n ? sorted[0].at : g_ref;
	pthread_mutex_unlock(&g_tl_mu);
	qsort(sorted, (size_t)n, sizeof(step_t), by_time);
	size_t used = 0;
	buf[0] = 0;
	for (int i = 0; i < n && used + 1 < size; i++) {
		int w = snprintf(buf + used, size - used, "%s%s %+.1f ms", i ? ", " : "", sorted[i].name,
		                 (sorted[i].at - ref) * 1000);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

double tl_reference_epoch_ms(void) {
	pthread_mutex_lock(&g_tl_mu);
	double v = g_ref_epoch_ms;
	pthread_mutex_unlock(&g_tl_mu);
	return v;
}

int tl_has(const char *step) {
	pthread_mutex_lock(&g_tl_mu);
	int found = 0;
	for (int i = 0; i < g_nsteps && !found; i++)
		found = strcmp(g_steps[i].name, step) == 0;
	pthread_mutex_unlock(&g_tl_mu);
	return found;
}
