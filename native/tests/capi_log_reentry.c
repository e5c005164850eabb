/* A log callback may call back into the API. The log sink is the application's callback
 * (rtcInitLogger), and the library used to write lines while holding its own locks (the SCTP
 * send lock, the peer connection's lock, ...): a callback that asked, say, for a channel's
 * bufferedAmount deadlocked on the spot. Every line now reaches the callback after the lock it was
 * written under is released. Here the callback calls the API for every line (buffered and
 * available amounts, open state, description type, selected pair) while the library logs at DEBUG:
 * 1. an unknown description type (a warning written under the peer connection's lock);
 * 2. 8 MiB sent in 64 KiB messages (send-window lines under the SCTP send lock);
 * 3. a channel closed with bytes still queued (the stream reset waits, under the send lock);
 * 4. a renegotiation;
 * 5. API calls that log made from an atexit handler, after this thread's thread-locals are gone
 *    (the held lines once lived in a thread_local with a destructor: a write into freed memory).
 * A deadlock ends the test through its own 90 s watchdog. */
#define _GNU_SOURCE
#include "harness.h"

#include <stdatomic.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

static atomic_int g_pc, g_dc, g_remote_dc;
static atomic_long g_lines, g_reentries;
static atomic_int g_saw_reset_wait, g_saw_unknown_type;
static _Thread_local int t_in_callback;

static void RTC_API on_log(rtcLogLevel level, const char *message) {
	(void)level;
	atomic_fetch_add(&g_lines, 1);
	if (getenv("REENTRY_PRINT"))
		fprintf(stderr, "%s\n", message);
	if (strstr(message, "queued bytes"))
		atomic_store(&g_saw_reset_wait, 1);
	if (strstr(message, "unknown type"))
		atomic_store(&g_saw_unknown_type, 1);
	if (t_in_callback) /* lines written by the calls below come back here: once is enough */
		return;
	t_in_callback = 1;
	int dc = atomic_load(&g_dc), rdc = atomic_load(&g_remote_dc), pc = atomic_load(&g_pc);
	if (dc > 0) {
		rtcGetBufferedAmount(dc);
		rtcIsOpen(dc);
		rtcMaxMessageSize(dc);
	}
	if (rdc > 0)
		rtcGetAvailableAmount(rdc);
	if (pc > 0) {
		char a[256], b[256];
		rtcGetLocalDescriptionType(pc, a, sizeof(a));
		rtcGetSelectedCandidatePair(pc, a, sizeof(a), b, sizeof(b));
		rtcGetMaxDataChannelStream(pc);
	}
	atomic_fetch_add(&g_reentries, 1);
	t_in_callback = 0;
}

static void *watchdog(void *arg) {
	(void)arg;
	sleep(90);
	fprintf(stderr, "FAIL capi_log_reentry: hung (a log line was written under a lock the callback needed)\n");
	_exit(2);
	return NULL;
}

/* 5: each call logs "unknown data channel id" to the callback, after exit() began */
static void at_exit_calls(void) {
	long before = atomic_load(&g_lines);
	for (int i = 0; i < 3; ++i)
		rtcGetBufferedAmount(1000000 + i);
	if (atomic_load(&g_lines) != before + 3) {
		fprintf(stderr, "FAIL capi_log_reentry: %ld lines from the atexit calls, 3 expected\n",
		        atomic_load(&g_lines) - before);
		_exit(1);
	}
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	harness_init();
	pthread_t w;
	pthread_create(&w, NULL, watchdog, NULL);
	pthread_detach(w);
	rtcInitLogger(RTC_LOG_DEBUG, on_log);

	pair_t p;
	pair_init(&p, NULL, NULL);
	atomic_store(&g_pc, p.a.pc);
	channel_t *remote, *local = pair_open_channel(&p, "reentry", 0, &remote);
	CHECK(pair_wait_connected(&p, 10));
	atomic_store(&g_dc, local->id);
	atomic_store(&g_remote_dc, remote->id);

	/* 1 */
	CHECK_EQ(rtcSetLocalDescription(p.a.pc, "bogus"), RTC_ERR_INVALID);
	CHECK(atomic_load(&g_saw_unknown_type));

	/* 2 */
	static char chunk[65536];
	memset(chunk, 7, sizeof(chunk));
	int sent = 0;
	double deadline = now_s() + 60;
	while (sent < 128 && now_s() < deadline) {
		if (rtcGetBufferedAmount(local->id) > 1024 * 1024) {
			sleep_ms(1);
			continue;
		}
		CHECK_EQ(rtcSendMessage(local->id, chunk, sizeof(chunk)), 0);
		++sent;
	}
	CHECK_EQ(sent, 128);
	CHECK(channel_wait_count(remote, 128, 60));

	/* 3: a second channel closed right after 4 MiB were put */
	channel_t *remote2, *local2 = pair_open_channel(&p, "reset", 1, &remote2);
	atomic_store(&g_dc, local2->id);
	for (int i = 0; i < 64; ++i)
		CHECK_EQ(rtcSendMessage(local2->id, chunk, sizeof(chunk)), 0);
	CHECK_EQ(rtcClose(local2->id), 0);
	CHECK(channel_wait_closed(local2, 30));

	/* 4 (the exchange runs on while the channel is used; nothing waits for it to end) */
	atomic_store(&g_dc, local->id);
	CHECK_EQ(rtcSetLocalDescription(p.a.pc, "offer"), 0);
	CHECK_EQ(rtcSendMessage(local->id, "still", -1), 0);
	CHECK(channel_wait_count(remote, 129, 10));

	CHECK(atomic_load(&g_saw_reset_wait));
	printf("capi_log_reentry: %ld lines, %ld callbacks re-entered the API, no deadlock\n",
	       (long)atomic_load(&g_lines), (long)atomic_load(&g_reentries));

	atomic_store(&g_dc, 0);
	atomic_store(&g_remote_dc, 0);
	atomic_store(&g_pc, 0);
	channel_free(local);
	channel_free(local2);
	pair_destroy(&p);
	atexit(at_exit_calls);
	printf("capi_log_reentry: ok\n");
	return 0;
}
