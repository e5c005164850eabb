/* Two peers connect over loopback with an in-band channel and exchange text and binary. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
	harness_init();
	/* Port range and MTU from the configuration are honoured. */
	rtcConfiguration ca_cfg = loopback_config(), cb_cfg = loopback_config();
	ca_cfg.portRangeBegin = 47100;
	ca_cfg.portRangeEnd = 47199;
	ca_cfg.mtu = 1400;
	cb_cfg.mtu = 1200;
	pair_t p;
	pair_init(&p, &ca_cfg, &cb_cfg);
	int dc = rtcCreateDataChannel(p.a.pc, "chat");
	CHECK(dc > 0);
	channel_t *ca = channel_new(dc);
	CHECK(pair_wait_connected(&p, 10));
	CHECK(channel_wait_open(ca, 10));
	channel_t *cb = peer_wait_incoming(&p.b, 0, 10);
	CHECK(cb != NULL);
	CHECK(channel_wait_open(cb, 10));

	char label[32];
	CHECK_EQ(rtcGetDataChannelLabel(cb->id, label, sizeof(label)), 5);
	CHECK(strcmp(label, "chat") == 0);
	/* Streams follow the DTLS role: the offerer here is the DTLS server, so odd ids. */
	CHECK_EQ(rtcGetDataChannelStream(dc) % 2, 1);
	CHECK_EQ(rtcGetDataChannelStream(dc), rtcGetDataChannelStream(cb->id));

	CHECK_EQ(rtcSendMessage(dc, "hello", -1), 0);
	const char bin[4] = {0, 1, 2, (char)255};
	CHECK_EQ(rtcSendMessage(dc, bin, 4), 0);
	CHECK_EQ(rtcSendMessage(dc, bin, 0), 0);
	CHECK_EQ(rtcSendMessage(dc, "", -1), 0);
	CHECK(channel_wait_count(cb, 4, 10));
	message_t *m = channel_pop(cb);
	CHECK(m->is_string && m->size == 5 && memcmp(m->data, "hello", 5) == 0);
	free(m->data); free(m);
	m = channel_pop(cb);
	CHECK(!m->is_string && m->size == 4 && memcmp(m->data, bin, 4) == 0);
	free(m->data); free(m);
	m = channel_pop(cb);
	CHECK(!m->is_string && m->size == 0);
	free(m->data); free(m);
	m = channel_pop(cb);
	CHECK(m->is_string && m->size == 0);
	free(m->data); free(m);

	/* Reverse direction. */
	CHECK_EQ(rtcSendMessage(cb->id, "pong", -1), 0);
	CHECK(channel_wait_count(ca, 1, 10));

	char addr[64];
	CHECK(rtcGetLocalAddress(p.a.pc, addr, sizeof(addr)) > 0);
	CHECK(strncmp(addr, "127.0.0.1:", 10) == 0);
	int port = atoi(addr + 10);
	CHECK(port >= 47100 && port <= 47199);
	char lc[256], rc[256];
	CHECK(rtcGetSelectedCandidatePair(p.a.pc, lc, sizeof(lc), rc, sizeof(rc)) > 0);
	CHECK(strstr(lc, "typ host") != NULL);

	/* Close from A: B sees it. */
	CHECK_EQ(rtcClose(dc), 0);
	CHECK(channel_wait_closed(cb, 10));
	CHECK(channel_wait_closed(ca, 10));
	CHECK(!rtcIsOpen(dc));
	CHECK(rtcIsClosed(dc));

	channel_free(ca);
	pair_destroy(&p);
	printf("capi_connect: ok\n");
	return 0;
}
