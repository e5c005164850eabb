/* rtcCleanup (issue 11 item 11): after it no library thread survives and no socket stays open,
 * so that a host can unload the library; a later rtcCreatePeerConnection starts everything
 * again. Two full rounds of create / connect / exchange / cleanup in one process. */
#define _DEFAULT_SOURCE
#include "harness.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Threads of this process; prints their names when `show` is set. GLib's own worker thread
 * ("gmain", started once per process by GIO's GTask, which libnice's agent close uses) is not
 * counted: it runs only GLib code, and libglib/libgio are NODELETE libraries that stay loaded
 * when this library is unloaded. */
static int count_threads(int show) {
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[256], name[64] = "";
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		FILE *f = fopen(path, "r");
		if (f) {
			if (!fgets(name, sizeof(name), f))
				name[0] = 0;
			fclose(f);
		}
		if (strcmp(name, "gmain\n") == 0)
			continue;
		n++;
		if (show)
			fprintf(stderr, "  thread %s: %s", e->d_name, name);
	}
	closedir(d);
	return n;
}

static int count_sockets(void) {
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char path[512], link[128];
	int n = 0;
	while ((e = readdir(d))) {
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		ssize_t len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = 0;
		if (strncmp(link, "socket:", 7) == 0)
			n++;
	}
	closedir(d);
	return n;
}

static void round_trip_round(int round, int delete_first) {
	pair_t p;
	pair_init(&p, NULL, NULL);
	channel_t *remote;
	channel_t *local = pair_open_channel(&p, "cleanup", 0, &remote);
	CHECK_EQ(rtcSendMessage(local->id, "ping", -1), 0);
	CHECK(channel_wait_count(remote, 1, 10));
	CHECK_EQ(rtcSendMessage(remote->id, "pong", -1), 0);
	CHECK(channel_wait_count(local, 1, 10));
	if (delete_first) {
		channel_free(local);
		pair_destroy(&p);
		rtcCleanup();
	} else {
		rtcCleanup(); /* deletes the peers and channels left */
		channel_free(local); /* its id is gone: only the harness's memory */
		pair_release(&p);
	}
	printf("round %d: ok\n", round);
}

int main(void) {
	harness_init();
	sleep_ms(50); /* the watchdog thread runs */
	int threads = count_threads(0);
	int sockets = count_sockets();

	for (int round = 1; round <= 2; ++round) {
		round_trip_round(round, round == 2);
		int now = count_threads(0);
		if (now != threads) {
			fprintf(stderr, "FAIL: %d threads after rtcCleanup, %d before the library started:\n",
			        now, threads);
			count_threads(1);
			_exit(1);
		}
		CHECK_EQ(count_sockets(), sockets);
	}
	printf("capi_cleanup: ok\n");
	return 0;
}
