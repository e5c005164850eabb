/*
 * interop_driver: plays the WebRtcNative side of the interop matrix over rtc.h only.
 *
 * It speaks the line-based JSON protocol of tests/Interop/README.md on stdin/stdout with an echo
 * peer (aiortc_peer.py, pion_peer, the browser bridge) and drives the whole test:
 *   - opens an in-band reliable channel "reliable", an in-band unordered maxRetransmits=0 channel
 *     "unreliable" and a negotiated channel "negotiated" (stream 5), created by whichever side is
 *     the offerer (the negotiated one by both sides);
 *   - per channel: text and binary messages of 1 B, 16 KiB and 200 KiB, echo verified byte for byte
 *     (a size above the channel's max message size, i.e. the peer's SDP max-message-size, must be
 *     refused by rtcSendMessage instead, as RFC 8841 requires);
 *   - close from our side, observed by the peer ("closed" event) and by us;
 *   - a second channel of each kind ("<kind>-2", in-band ones created by the PEER, negotiated one
 *     on stream 7 by both), echoed once, then closed by the peer and observed by us.
 * Results are JSON lines {"type":"result","kind":K,"check":C,"ok":B,"detail":D} on stdout; the
 * orchestrator (scripts/interop/orchestrate.py) turns them into PASS/FAIL per (peer, role, kind).
 * Exit code 0 when every check passed.
 *
 * Usage: interop_driver --role offerer|answerer [--bind ADDR] [--ice URL]... [--relay]
 *                       [--kinds reliable,unreliable,negotiated] [--sizes 1,16384,204800]
 *                       [--timeout SECONDS] [--log 0..6] [--no-close]
 */
#include "driver.h"
#include "timeline.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ state */

pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
chan_t g_chans[MAX_CHANS];
int g_nchans;
int g_pc = -1;
rtcState g_state = RTC_NEW;
int g_remote_set;
static char *g_pending_cand[256];
static char *g_pending_mid[256];
int g_npending;
int g_stdin_eof;
char g_peer_name[64] = "peer";
char g_peer_version[64] = "";
int g_answer_delay_ms = 0;

/* Callers hold g_mu. */
chan_t *chan_by_label(const char *label, int create) {
	for (int i = 0; i < g_nchans; i++)
		if (strcmp(g_chans[i].label, label) == 0)
			return &g_chans[i];
	if (!create || g_nchans >= MAX_CHANS)
		return NULL;
	chan_t *c = &g_chans[g_nchans++];
	memset(c, 0, sizeof(*c));
	snprintf(c->label, sizeof(c->label), "%s", label);
	c->dc = -1;
	return c;
}
chan_t *chan_by_dc(int dc) {
	for (int i = 0; i < g_nchans; i++)
		if (g_chans[i].dc == dc)
			return &g_chans[i];
	return NULL;
}

int wait_until(int (*pred)(void *), void *arg, double timeout_s) {
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	long long ns = ts.tv_nsec + (long long)(timeout_s * 1e9);
	ts.tv_sec += ns / 1000000000LL;
	ts.tv_nsec = ns % 1000000000LL;
	pthread_mutex_lock(&g_mu);
	int ok;
	while (!(ok = pred(arg))) {
		if (pthread_cond_timedwait(&g_cv, &g_mu, &ts) == ETIMEDOUT) {
			ok = pred(arg);
			break;
		}
	}
	pthread_mutex_unlock(&g_mu);
	return ok;
}

/* ------------------------------------------------------------- callbacks */

static int g_loglevel = RTC_LOG_WARNING; /* --log: what the library's lines show on stderr */
static void RTC_API on_log(rtcLogLevel level, const char *message) {
	/* The library logs at INFO at least so that its timeline lines arrive; only those and the
	 * levels asked for with --log are shown. */
	if (tl_native(message) || (int)level <= g_loglevel)
		LOG("native: %s", message);
}

static void RTC_API on_description(int pc, const char *sdp, const char *type, void *ptr) {
	(void)pc;
	(void)ptr;
	LOG("local description %s", type);
	char step[48];
	snprintf(step, sizeof(step), "local %s", type);
	tl_mark(step);
	emit(type, "sdp", sdp, NULL);
}

static void RTC_API on_candidate(int pc, const char *cand, const char *mid, void *ptr) {
	(void)pc;
	(void)ptr;
	tl_mark("first local candidate");
	emit("candidate", "candidate", cand, "mid", mid ? mid : "0", NULL);
}

static void RTC_API on_state(int pc, rtcState state, void *ptr) {
	(void)pc;
	(void)ptr;
	static const char *names[] = {"new", "connecting", "connected", "disconnected", "failed", "closed"};
	LOG("state %s", names[state]);
	char step[32];
	snprintf(step, sizeof(step), "state %s", names[state]);
	tl_mark(step);
	pthread_mutex_lock(&g_mu);
	g_state = state;
	pthread_cond_broadcast(&g_cv);
	pthread_mutex_unlock(&g_mu);
}

static void RTC_API on_open(int id, void *ptr) {
	(void)ptr;
	pthread_mutex_lock(&g_mu);
	chan_t *c = chan_by_dc(id);
	if (c) {
		c->open = 1;
		LOG("open %s", c->label);
		char step[80];
		snprintf(step, sizeof(step), "open %s", c->label);
		tl_mark(step);
	}
	pthread_cond_broadcast(&g_cv);
	pthread_mutex_unlock(&g_mu);
}

static void RTC_API on_closed(int id, void *ptr) {
	(void)ptr;
	pthread_mutex_lock(&g_mu);
	chan_t *c = chan_by_dc(id);
	if (c) {
		c->closed = 1;
		LOG("closed %s", c->label);
	}
	pthread_cond_broadcast(&g_cv);
	pthread_mutex_unlock(&g_mu);
}

static void RTC_API on_error(int id, const char *error, void *ptr) {
	(void)ptr;
	pthread_mutex_lock(&g_mu);
	chan_t *c = chan_by_dc(id);
	if (c)
		c->errors++;
	LOG("channel error on %s: %s", c ? c->label : "?", error);
	pthread_cond_broadcast(&g_cv);
	pthread_mutex_unlock(&g_mu);
}

static void RTC_API on_message(int id, const char *message, int size, void *ptr) {
	(void)ptr;
	msg_t *m = calloc(1, sizeof(*m));
	m->is_text = size < 0;
	m->size = size < 0 ? -size - 1 : size;
	m->data = malloc(m->size + 1);
	memcpy(m->data, message, m->size);
	m->data[m->size] = 0;
	pthread_mutex_lock(&g_mu);
	chan_t *c = chan_by_dc(id);
	if (c) {
		if (c->tail)
			c->tail->next = m;
		else
			c->head = m;
		c->tail = m;
		c->count++;
	} else {
		free(m->data);
		free(m);
	}
	pthread_cond_broadcast(&g_cv);
	pthread_mutex_unlock(&g_mu);
}

void attach(int dc) {
	rtcSetOpenCallback(dc, on_open);
	rtcSetClosedCallback(dc, on_closed);
	rtcSetErrorCallback(dc, on_error);
	rtcSetMessageCallback(dc, on_message);
}

static void RTC_API on_datachannel(int pc, int dc, void *ptr) {
	(void)pc;
	(void)ptr;
	char label[64] = "";
	rtcGetDataChannelLabel(dc, label, sizeof(label));
	pthread_mutex_lock(&g_mu);
	chan_t *c = chan_by_label(label, 1);
	if (c)
		c->dc = dc;
	pthread_mutex_unlock(&g_mu);
	attach(dc);
	int open = rtcIsOpen(dc);
	LOG("incoming channel %s (dc %d, stream %d, open %d)", label, dc, rtcGetDataChannelStream(dc),
	    open);
	pthread_mutex_lock(&g_mu);
	if (c && open) {
		c->open = 1;
		char step[80];
		snprintf(step, sizeof(step), "open %s", label);
		tl_mark(step);
	}
	pthread_cond_broadcast(&g_cv);
	pthread_mutex_unlock(&g_mu);
}

/* ------------------------------------------------------------ stdin reader */

static void add_candidate(const char *cand, const char *mid) {
	if (!cand || !*cand)
		return;
	int r = rtcAddRemoteCandidate(g_pc, cand, mid && *mid ? mid : NULL);
	if (r < 0)
		LOG("rtcAddRemoteCandidate(%s) = %d", cand, r);
}

static void *stdin_thread(void *arg) {
	(void)arg;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, stdin)) > 0) {
		jobj_t o;
		if (jparse(line, &o) != 0) {
			LOG("bad line: %.200s", line);
			jfree(&o);
			continue;
		}
		const char *type = jget(&o, "type");
		if (!type) {
			jfree(&o);
			continue;
		}
		if (strcmp(type, "offer") == 0 || strcmp(type, "answer") == 0) {
			const char *sdp = jget(&o, "sdp");
			if (g_answer_delay_ms > 0 && strcmp(type, "answer") == 0) {
				/* --answer-delay-ms: signaling slower than the direct path (the peer's checks
				 * and first DTLS flight come before its answer); later lines wait too. The
				 * answer is held until the library held an early datagram of the peer, or
				 * for at most that long. */
				double until = now_s() + g_answer_delay_ms / 1000.0;
				while (!tl_has("ice receive held") && now_s() < until)
					usleep(2000);
				LOG("answer held until %s", tl_has("ice receive held") ? "an early datagram came" : "the time was up");
			}
			LOG("remote description %s", type);
			int r = rtcSetRemoteDescription(g_pc, sdp ? sdp : "", type);
			if (strcmp(type, "offer") == 0)
				tl_reference("remote offer applied");
			else
				tl_mark("remote answer applied");
			if (sdp && strstr(sdp, "a=candidate:"))
				tl_mark("first remote candidate");
			if (r < 0) {
				LOG("rtcSetRemoteDescription = %d", r);
				emit("result", "kind", "setup", "check", "remote-description", "ok", "\x01" "false",
				     "detail", "rtcSetRemoteDescription failed", NULL);
			}
			else if (strcmp(type, "offer") == 0) {
				/* Auto-negotiation is off (so that creating the negotiated channel before the
				 * offer arrives does not make us offer too): answer explicitly. */
				r = rtcSetLocalDescription(g_pc, "answer");
				if (r < 0)
					LOG("rtcSetLocalDescription(answer) = %d", r);
			}
			pthread_mutex_lock(&g_mu);
			g_remote_set = 1;
			int np = g_npending;
			g_npending = 0;
			pthread_mutex_unlock(&g_mu);
			for (int i = 0; i < np; i++) {
				add_candidate(g_pending_cand[i], g_pending_mid[i]);
				free(g_pending_cand[i]);
				free(g_pending_mid[i]);
			}
		} else if (strcmp(type, "candidate") == 0) {
			const char *cand = jget(&o, "candidate");
			const char *mid = jget(&o, "mid");
			if (cand && *cand)
				tl_mark("first remote candidate");
			pthread_mutex_lock(&g_mu);
			int queued = 0;
			if (!g_remote_set && g_npending < 256) {
				g_pending_cand[g_npending] = strdup(cand ? cand : "");
				g_pending_mid[g_npending] = strdup(mid ? mid : "");
				g_npending++;
				queued = 1;
			}
			pthread_mutex_unlock(&g_mu);
			if (!queued)
				add_candidate(cand, mid);
		} else if (strcmp(type, "event") == 0) {
			const char *ev = jget(&o, "event");
			const char *label = jget(&o, "label");
			pthread_mutex_lock(&g_mu);
			if (ev && label && (strcmp(ev, "open") == 0 || strcmp(ev, "closed") == 0)) {
				chan_t *c = chan_by_label(label, 1);
				if (c) {
					if (ev[0] == 'o')
						c->peer_open = 1;
					else
						c->peer_closed = 1;
				}
			} else if (ev && strcmp(ev, "version") == 0) {
				const char *p = jget(&o, "peer"), *v = jget(&o, "version");
				if (p)
					snprintf(g_peer_name, sizeof(g_peer_name), "%s", p);
				if (v)
					snprintf(g_peer_version, sizeof(g_peer_version), "%s", v);
			}
			pthread_cond_broadcast(&g_cv);
			pthread_mutex_unlock(&g_mu);
		}
		jfree(&o);
	}
	free(line);
	pthread_mutex_lock(&g_mu);
	g_stdin_eof = 1;
	pthread_cond_broadcast(&g_cv);
	pthread_mutex_unlock(&g_mu);
	return NULL;
}

int main(int argc, char **argv) {
	t0 = now_s();
	const char *role = NULL, *bind = NULL, *kinds = "reliable,unreliable,negotiated";
	const char *sizes_arg = "1,16384,204800";
	const char *ice[8];
	int nice = 0, relay = 0, loglevel = RTC_LOG_WARNING, do_close = 1;
	/* The negotiated channel's stream; the second one uses the next id of the same parity.
	 * Ids from 1024 up make our side add SCTP streams (RFC 6525) before using them. */
	int neg_id = 5;
	long bulk = 0; /* --bulk BYTES: the reliable channel also carries that much, checked */
	/* --no-retransmissions: in a clean cell, a DTLS flight or ICE check our side had to resend
	 * is a failure (issue 17); otherwise the counts are only reported. */
	int strict_rtx = 0;
	int ice_restart = 0; /* --ice-restart: ice_restart_check() after the checks (needs reliable) */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--role") == 0 && v) role = v, i++;
		else if (strcmp(a, "--bind") == 0 && v) bind = v, i++;
		else if (strcmp(a, "--ice") == 0 && v && nice < 8) ice[nice++] = v, i++;
		else if (strcmp(a, "--relay") == 0) relay = 1;
		else if (strcmp(a, "--kinds") == 0 && v) kinds = v, i++;
		else if (strcmp(a, "--sizes") == 0 && v) sizes_arg = v, i++;
		else if (strcmp(a, "--timeout") == 0 && v) g_timeout = atof(v), i++;
		else if (strcmp(a, "--log") == 0 && v) loglevel = atoi(v), i++;
		else if (strcmp(a, "--no-close") == 0) do_close = 0;
		else if (strcmp(a, "--negotiated-id") == 0 && v) neg_id = atoi(v), i++;
		else if (strcmp(a, "--no-retransmissions") == 0) strict_rtx = 1;
		else if (strcmp(a, "--answer-delay-ms") == 0 && v) { g_answer_delay_ms = atoi(v); i++; }
		else if (strcmp(a, "--bulk") == 0 && v) bulk = atol(v), i++;
		else if (strcmp(a, "--ice-restart") == 0) ice_restart = 1;
		else {
			fprintf(stderr, "usage: %s --role offerer|answerer [--bind ADDR] [--ice URL] [--relay] "
			                "[--kinds LIST] [--sizes LIST] [--timeout S] [--log N] [--no-close] "
			                "[--negotiated-id N] [--bulk BYTES] [--no-retransmissions] [--ice-restart] "
			                "[--answer-delay-ms MS]\n",
			        argv[0]);
			return 2;
		}
	}
	if (!role || (strcmp(role, "offerer") != 0 && strcmp(role, "answerer") != 0)) {
		fprintf(stderr, "--role offerer|answerer required\n");
		return 2;
	}
	int offerer = strcmp(role, "offerer") == 0;
	int sizes[8], nsizes = 0;
	for (const char *p = sizes_arg; *p && nsizes < 8;) {
		sizes[nsizes++] = atoi(p);
		p = strchr(p, ',');
		if (!p)
			break;
		p++;
	}

	g_loglevel = loglevel;
	rtcInitLogger((rtcLogLevel)(loglevel > RTC_LOG_INFO ? loglevel : RTC_LOG_INFO), on_log);
	rtcConfiguration config;
	memset(&config, 0, sizeof(config));
	config.iceServers = nice ? ice : NULL;
	config.iceServersCount = nice;
	config.bindAddress = bind;
	config.iceTransportPolicy = relay ? RTC_TRANSPORT_POLICY_RELAY : RTC_TRANSPORT_POLICY_ALL;
	config.disableAutoNegotiation = true; /* explicit offer and answer */
	g_pc = rtcCreatePeerConnection(&config);
	if (g_pc < 0) {
		LOG("rtcCreatePeerConnection = %d", g_pc);
		return 1;
	}
	rtcSetLocalDescriptionCallback(g_pc, on_description);
	rtcSetLocalCandidateCallback(g_pc, on_candidate);
	rtcSetStateChangeCallback(g_pc, on_state);
	rtcSetDataChannelCallback(g_pc, on_datachannel);

	pthread_t reader;
	pthread_create(&reader, NULL, stdin_thread, NULL);
	emit("event", "event", "version", "peer", "webrtcnative-c", "version", RTC_VERSION, NULL);

	/* The setup clock starts once the peer has said who it is: before that it is still starting
	 * (Python imports, a browser loading its page), which is not connection setup. */
	if (!wait_until(pred_peer_ready, NULL, 60))
		LOG("no version event from the peer within 60 s; starting anyway");

	static const char *all_kinds[] = {"reliable", "unreliable", "negotiated"};
	/* Channels of the first round: in-band ones by the offerer, the negotiated one by both. */
	for (int k = 0; k < 3; k++) {
		const char *kind = all_kinds[k];
		if (!kind_enabled(kinds, kind))
			continue;
		int negotiated = strcmp(kind, "negotiated") == 0;
		if (negotiated || offerer) {
			if (create_local(kind, kind, neg_id) < 0)
				result(kind, "create", 0, "rtcCreateDataChannelEx failed");
		}
		if (negotiated || !offerer)
			control("create", kind, kind, negotiated ? neg_id : -1);
	}
	if (offerer) {
		tl_reference("offer created");
		int r = rtcSetLocalDescription(g_pc, "offer");
		if (r < 0)
			LOG("rtcSetLocalDescription(offer) = %d", r);
	} else {
		control("offer", NULL, NULL, -1);
	}

	double start = now_s();
	if (!wait_until(pred_connected, NULL, g_timeout) || g_state != RTC_CONNECTED) {
		result("setup", "connect", 0, "not connected after %.1f s (state %d)", now_s() - start,
		       (int)g_state);
	} else {
		char lc[256] = "", rc[256] = "";
		rtcGetSelectedCandidatePair(g_pc, lc, sizeof(lc), rc, sizeof(rc));
		result("setup", "connect", 1, "connected in %.0f ms; selected pair local [%s] remote [%s]; "
		       "remote max-message-size %d",
		       (now_s() - start) * 1000, lc, rc, rtcGetRemoteMaxMessageSize(g_pc));
	}

	for (int k = 0; k < 3 && g_state == RTC_CONNECTED; k++) {
		const char *kind = all_kinds[k];
		if (!kind_enabled(kinds, kind))
			continue;
		if (!wait_until(pred_both_open, (void *)kind, g_timeout) || g_state != RTC_CONNECTED) {
			pthread_mutex_lock(&g_mu);
			chan_t *c = chan_by_label(kind, 0);
			result(kind, "open", 0, "channel not open within %.0f s (ours %d, peer %d)", g_timeout,
			       c ? c->open : 0, c ? c->peer_open : 0);
			pthread_mutex_unlock(&g_mu);
			continue;
		}
		pthread_mutex_lock(&g_mu);
		chan_t *c = chan_by_label(kind, 0);
		pthread_mutex_unlock(&g_mu);
		rtcReliability rel;
		memset(&rel, 0, sizeof(rel));
		rtcGetDataChannelReliability(c->dc, &rel);
		int stream = rtcGetDataChannelStream(c->dc);
		int rel_ok = strcmp(kind, "unreliable") == 0
		                 ? (rel.unordered && rel.unreliable && rel.maxRetransmits == 0)
		                 : (!rel.unordered && !rel.unreliable);
		if (strcmp(kind, "negotiated") == 0)
			rel_ok = rel_ok && stream == neg_id;
		result(kind, "open", rel_ok, "open on stream %d, unordered %d unreliable %d maxRetransmits %u",
		       stream, rel.unordered, rel.unreliable, rel.maxRetransmits);
		for (int text = 1; text >= 0; text--)
			for (int s = 0; s < nsizes; s++)
				echo_check(kind, c, text, sizes[s]);
		if (bulk > 0 && strcmp(kind, "reliable") == 0)
			bulk_check(kind, c, bulk);
	}

	if (ice_restart && g_state == RTC_CONNECTED && kind_enabled(kinds, "reliable")) {
		pthread_mutex_lock(&g_mu);
		chan_t *c = chan_by_label("reliable", 0);
		pthread_mutex_unlock(&g_mu);
		if (c)
			ice_restart_check(offerer, c);
	}

	{
		char tl[1800];
		tl_format(tl, sizeof(tl));
		result("setup", "timeline", 1, "%s", tl);
		/* Time zero on the wall clock: the orchestrator puts the peer's own timeline (Chromium's
		 * page reports epoch ms) on the same axis. */
		result("setup", "clock", 1, "reference at %.3f epoch ms", tl_reference_epoch_ms());
		int dtls = tl_dtls_retransmissions(), ice = tl_ice_retransmissions();
		result("setup", "retransmissions", !strict_rtx || (dtls == 0 && ice == 0),
		       "our side retransmitted %d DTLS flight(s) and %d ICE check(s) during setup%s", dtls, ice,
		       strict_rtx ? " (none allowed in this cell)" : "");
	}

	if (do_close) {
		/* Close from our side: both we and the peer must see the channel close. */
		for (int k = 0; k < 3 && g_state == RTC_CONNECTED; k++) {
			const char *kind = all_kinds[k];
			if (!kind_enabled(kinds, kind))
				continue;
			pthread_mutex_lock(&g_mu);
			chan_t *c = chan_by_label(kind, 0);
			pthread_mutex_unlock(&g_mu);
			if (!c || c->dc < 0 || !c->open)
				continue;
			double st = now_s();
			int r = rtcClose(c->dc);
			int local = wait_until(pred_closed, (void *)kind, 10);
			int remote = wait_until(pred_peer_closed, (void *)kind, 10) && c->peer_closed;
			result(kind, "close-by-us", r == 0 && local && remote,
			       "rtcClose=%d; our closed callback %s, peer reported closed %s (%.0f ms)", r,
			       local ? "yes" : "NO", remote ? "yes" : "NO", (now_s() - st) * 1000);
		}
		/* Channels opened after connection; in-band ones by the PEER; the peer closes them. */
		for (int k = 0; k < 3 && g_state == RTC_CONNECTED; k++) {
			const char *kind = all_kinds[k];
			if (!kind_enabled(kinds, kind))
				continue;
			char label[64];
			snprintf(label, sizeof(label), "%s-2", kind);
			int negotiated = strcmp(kind, "negotiated") == 0;
			if (negotiated)
				create_local(label, kind, neg_id + 2);
			control("create", label, kind, negotiated ? neg_id + 2 : -1);
			if (!wait_until(pred_both_open, label, g_timeout) || g_state != RTC_CONNECTED) {
				result(kind, "close-by-peer", 0, "second channel %s not open within %.0f s", label,
				       g_timeout);
				continue;
			}
			pthread_mutex_lock(&g_mu);
			chan_t *c = chan_by_label(label, 0);
			pthread_mutex_unlock(&g_mu);
			int r = rtcSendMessage(c->dc, "ping", -1);
			msg_t *m = pop_msg(c, g_timeout);
			int echo_ok = r == 0 && m && m->is_text && m->size == 4 && memcmp(m->data, "ping", 4) == 0;
			if (m) {
				free(m->data);
				free(m);
			}
			double st = now_s();
			control("close", label, NULL, -1);
			int local = wait_until(pred_closed, label, 10);
			result(kind, "close-by-peer", echo_ok && local,
			       "%s opened by %s on stream %d, echo %s; peer closed it, our closed callback %s "
			       "(%.0f ms)",
			       label, negotiated ? "both" : "the peer", rtcGetDataChannelStream(c->dc),
			       echo_ok ? "ok" : "FAILED", local ? "yes" : "NO", (now_s() - st) * 1000);
			/* Let both resets of this stream finish before the peer opens the next channel.
			 * aiortc 1.4 frees a stream id as soon as its own reset is answered, without waiting
			 * for our answering reset (RFC 8831 section 6.7 asks for both), and reuses it for its
			 * next channel; our answering reset, which usrsctp holds until data in flight on the
			 * stream is acknowledged, then closes that new channel on both sides. */
			wait_until(pred_peer_closed, label, 10);
			usleep(300 * 1000);
		}
	}

	emit("done", "failures", g_failures ? "\x01" "1" : "\x01" "0", NULL);
	control("quit", NULL, NULL, -1);
	rtcClosePeerConnection(g_pc);
	rtcDeletePeerConnection(g_pc);
	rtcCleanup();
	LOG("done, %d failure(s)", g_failures);
	fflush(stdout);
	_exit(g_failures ? 1 : 0); /* the stdin reader thread may still block in getline */
}
