/* Messages larger than the SCTP send buffer (issue 14). usrsctp refuses, with EMSGSIZE, any
 * message larger than its whole send buffer, which starts at 1 MiB and since issue 14 also
 * shrinks after a congestion-window collapse; a peer that accepts larger messages (both sides
 * here set maxMessageSize 8 MiB; Firefox advertises about 1 GiB) had it refused
 * (RTC_ERR_FAILURE) or, queued behind others, dropped with a log line. The buffer now grows to
 * fit the largest message.
 * 1. 2 MiB and 5 MiB reliable messages, each hash-checked on arrival, then a small one.
 * 2. The same with a fixed 512 KiB send buffer (rtcSetSctpSettings): it still fits them. */
#define _GNU_SOURCE
#include "harness.h"
#include "relay.h" /* relay_fill_payload / relay_check_payload */

#include <stdio.h>
#include <string.h>

#define MAX_MESSAGE (8 * 1024 * 1024)

static void exchange(const char *what) {
	rtcConfiguration config = loopback_config();
	config.maxMessageSize = MAX_MESSAGE;
	pair_t p;
	pair_init(&p, &config, &config);
	channel_t *remote, *local = pair_open_channel(&p, "large", 0, &remote);
	CHECK(pair_wait_connected(&p, 10));
	CHECK_EQ(rtcMaxMessageSize(local->id), MAX_MESSAGE);

	const int sizes[] = {2 * 1024 * 1024, 5 * 1024 * 1024};
	unsigned char *buf = malloc(MAX_MESSAGE);
	CHECK(buf != NULL);
	for (int i = 0; i < 2; ++i) {
		relay_fill_payload(buf, sizes[i], (uint32_t)i);
		CHECK_EQ(rtcSendMessage(local->id, (const char *)buf, sizes[i]), 0);
	}
	CHECK_EQ(rtcSendMessage(local->id, "after", -1), 0);
	CHECK(channel_wait_count(remote, 3, 60));
	for (int i = 0; i < 3; ++i) {
		message_t *m = channel_pop(remote);
		CHECK(m != NULL);
		if (i < 2) {
			CHECK_EQ(m->size, sizes[i]);
			CHECK_EQ(relay_check_payload((const unsigned char *)m->data, m->size), i);
		} else {
			CHECK_EQ(m->size, 5);
			CHECK(m->is_string);
		}
		free(m->data);
		free(m);
	}
	printf("capi_large_message: %s: 2 MiB and 5 MiB delivered intact\n", what);
	free(buf);
	channel_free(local); /* the remote one belongs to the pair */
	pair_destroy(&p);
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	harness_init();
	exchange("default send buffer (1 MiB, tuned)");

	rtcSctpSettings s;
	memset(&s, 0, sizeof(s));
	s.sendBufferSize = 512 * 1024; /* fixed by the application */
	CHECK_EQ(rtcSetSctpSettings(&s), 0);
	exchange("fixed 512 KiB send buffer");
	memset(&s, 0, sizeof(s));
	CHECK_EQ(rtcSetSctpSettings(&s), 0);

	rtcCleanup();
	printf("capi_large_message: ok\n");
	return 0;
}
