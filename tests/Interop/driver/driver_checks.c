/* The interop driver's checks: echo, bulk, close, ICE restart, and the results they report. */
#include "driver.h"

#include "timeline.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ tests */

int g_failures;
double g_timeout = 20;

void result(const char *kind, const char *check, int ok, const char *fmt, ...) {
	char detail[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (!ok)
		g_failures++;
	LOG("%s %s/%s: %s", ok ? "PASS" : "FAIL", kind, check, detail);
	emit("result", "kind", kind, "check", check, "ok", ok ? "\x01" "true" : "\x01" "false", "detail",
	     detail, NULL);
}

void control(const char *action, const char *label, const char *kind, int id) {
	char idbuf[16];
	snprintf(idbuf, sizeof(idbuf), "\x01%d", id);
	if (label && kind)
		emit("control", "action", action, "label", label, "kind", kind, "id", id >= 0 ? idbuf : NULL,
		     NULL);
	else if (label)
		emit("control", "action", action, "label", label, NULL);
	else
		emit("control", "action", action, NULL);
}

int create_local(const char *label, const char *kind, int stream) {
	rtcDataChannelInit init;
	memset(&init, 0, sizeof(init));
	if (strcmp(kind, "unreliable") == 0) {
		init.reliability.unordered = true;
		init.reliability.unreliable = true;
		init.reliability.maxRetransmits = 0;
	} else if (strcmp(kind, "negotiated") == 0) {
		init.negotiated = true;
		init.manualStream = true;
		init.stream = (uint16_t)stream;
	}
	pthread_mutex_lock(&g_mu);
	chan_t *c = chan_by_label(label, 1);
	pthread_mutex_unlock(&g_mu);
	int dc = rtcCreateDataChannelEx(g_pc, label, &init);
	if (dc < 0) {
		LOG("rtcCreateDataChannelEx(%s) = %d", label, dc);
		return dc;
	}
	pthread_mutex_lock(&g_mu);
	c->dc = dc;
	pthread_mutex_unlock(&g_mu);
	attach(dc);
	if (rtcIsOpen(dc)) {
		pthread_mutex_lock(&g_mu);
		c->open = 1;
		pthread_mutex_unlock(&g_mu);
	}
	return dc;
}

int pred_peer_ready(void *a) {
	(void)a;
	return strcmp(g_peer_name, "peer") != 0 || g_stdin_eof;
}
int pred_connected(void *a) {
	(void)a;
	return g_state == RTC_CONNECTED || g_state == RTC_FAILED || g_state == RTC_CLOSED || g_stdin_eof;
}
/* Open on our side and reported open by the peer (a negotiated channel only carries data once
 * both sides created it). */
int pred_both_open(void *a) {
	chan_t *c = chan_by_label((const char *)a, 0);
	return (c && c->open && c->peer_open) || g_state == RTC_FAILED || g_state == RTC_CLOSED ||
	       g_stdin_eof;
}
int pred_closed(void *a) {
	chan_t *c = chan_by_label((const char *)a, 0);
	return c && c->closed;
}
int pred_peer_closed(void *a) {
	chan_t *c = chan_by_label((const char *)a, 0);
	return (c && c->peer_closed) || g_stdin_eof;
}
int pred_has_msg(void *a) {
	chan_t *c = (chan_t *)a;
	return c->head != NULL || c->closed;
}

static uint32_t g_rng = 0x12345678u;
uint32_t rnd(void) {
	g_rng ^= g_rng << 13;
	g_rng ^= g_rng >> 17;
	g_rng ^= g_rng << 5;
	return g_rng;
}

/* Valid UTF-8 text of exactly n bytes (ASCII with some 2- and 3-byte characters). */
char *make_text(int n) {
	char *s = malloc(n + 1);
	int i = 0;
	while (i < n) {
		uint32_t r = rnd();
		if (r % 37 == 0 && n - i >= 3) { /* U+20AC EURO SIGN */
			s[i++] = (char)0xE2;
			s[i++] = (char)0x82;
			s[i++] = (char)0xAC;
		} else if (r % 29 == 0 && n - i >= 2) { /* U+00E9 */
			s[i++] = (char)0xC3;
			s[i++] = (char)0xA9;
		} else {
			s[i++] = (char)(' ' + (r >> 8) % 95);
		}
	}
	s[n] = 0;
	return s;
}
char *make_binary(int n) {
	char *s = malloc(n + 1);
	for (int i = 0; i < n; i++)
		s[i] = (char)(rnd() >> 11);
	if (n > 0)
		s[0] = 0; /* a NUL first: binary must not be treated as a C string */
	s[n] = 0;
	return s;
}

const char *fmt_size(int n, char *buf, size_t cap) {
	if (n >= 1024 && n % 1024 == 0)
		snprintf(buf, cap, "%dKiB", n / 1024);
	else
		snprintf(buf, cap, "%dB", n);
	return buf;
}

msg_t *pop_msg(chan_t *c, double timeout) {
	if (!wait_until(pred_has_msg, c, timeout))
		return NULL;
	pthread_mutex_lock(&g_mu);
	msg_t *m = c->head;
	if (m) {
		c->head = m->next;
		if (!c->head)
			c->tail = NULL;
		c->count--;
	}
	pthread_mutex_unlock(&g_mu);
	return m;
}

void echo_check(const char *kind, chan_t *c, int text, int size) {
	char check[64], sz[32];
	snprintf(check, sizeof(check), "%s-%s", text ? "text" : "binary", fmt_size(size, sz, sizeof(sz)));
	int max = rtcMaxMessageSize(c->dc);
	char *payload = text ? make_text(size) : make_binary(size);
	if (size > max) {
		/* RFC 8841: never send above the peer's max-message-size; the library must refuse. */
		int r = rtcSendMessage(c->dc, payload, text ? -1 : size);
		result(kind, check, r < 0,
		       "not sent: %d B exceeds the channel max message size %d (peer SDP max-message-size "
		       "%d); rtcSendMessage returned %d (must be negative)",
		       size, max, rtcGetRemoteMaxMessageSize(g_pc), r);
		free(payload);
		return;
	}
	/* An unordered maxRetransmits=0 channel may legitimately lose a message (one lost fragment
	 * abandons it): there the same check is retried with a fresh payload, and the losses are
	 * reported in the detail. Reliable channels get a single attempt. */
	int unreliable = strcmp(kind, "unreliable") == 0;
	int attempts = unreliable ? 4 : 1;
	double per_attempt = unreliable ? (g_timeout < 5 ? g_timeout : 5) : g_timeout;
	char *sent[4] = {0};
	int lost = 0;
	for (int a = 0; a < attempts; a++) {
		if (a > 0) /* earlier payloads stay in sent[] to recognise late echoes */
			payload = text ? make_text(size) : make_binary(size);
		sent[a] = payload;
		double start = now_s();
		int r = rtcSendMessage(c->dc, payload, text ? -1 : size);
		if (r < 0) {
			result(kind, check, 0, "rtcSendMessage returned %d (max message size %d)", r, max);
			break;
		}
		msg_t *m;
		int matched = 0;
		/* Skip late echoes of earlier, presumed lost, attempts. */
		while ((m = pop_msg(c, per_attempt)) != NULL) {
			int stale = 0;
			for (int b = 0; b < a; b++)
				if (m->size == size && m->is_text == text && memcmp(m->data, sent[b], size) == 0)
					stale = 1;
			if (!stale)
				break;
			free(m->data);
			free(m);
		}
		if (!m) {
			if (a + 1 < attempts) {
				lost++;
				LOG("%s/%s: no echo within %.0f s on the unreliable channel, retrying", kind, check,
				    per_attempt);
				continue;
			}
			result(kind, check, 0, "no echo within %.0f s (channel closed: %d%s)", per_attempt,
			       c->closed, unreliable ? ", every attempt lost" : "");
		} else if (m->is_text != text) {
			result(kind, check, 0, "echo came back as %s", m->is_text ? "text" : "binary");
		} else if (m->size != size) {
			result(kind, check, 0, "echo has %d bytes, sent %d", m->size, size);
		} else if (memcmp(m->data, payload, size) != 0) {
			int at = 0;
			while (at < size && m->data[at] == payload[at])
				at++;
			result(kind, check, 0, "echo differs from byte %d", at);
		} else {
			matched = 1;
			if (lost)
				result(kind, check, 1,
				       "echoed byte for byte in %.0f ms after %d lost attempt(s) (allowed on an "
				       "unreliable channel)",
				       (now_s() - start) * 1000, lost);
			else
				result(kind, check, 1, "echoed byte for byte in %.0f ms", (now_s() - start) * 1000);
		}
		(void)matched;
		if (m) {
			free(m->data);
			free(m);
		}
		break;
	}
	for (int a = 0; a < 4; a++)
		free(sent[a]); /* payload is the last of them */
}

/* Bulk: `total` bytes in 16 KiB binary messages on the reliable channel, at most 1 MiB buffered,
 * every echo checked for order, size and content. Used with kernel-level loss (netns.sh
 * WRN_LOSS_PCT): reliable delivery must survive packets the kernel drops. */
static unsigned char bulk_byte(uint32_t seq, int i) { return (unsigned char)(seq * 131u + (uint32_t)i * 7u + (uint32_t)(i >> 8)); }

void bulk_check(const char *kind, chan_t *c, long total) {
	const int chunk = 16384;
	unsigned char *buf = malloc(chunk);
	long sent = 0, got = 0;
	uint32_t seq_sent = 0, seq_got = 0;
	int send_failed = 0, corrupt = 0;
	double st = now_s(), limit = g_timeout * 4;
	while (got < total && !corrupt && now_s() - st < limit && g_state == RTC_CONNECTED) {
		while (!send_failed && sent < total && rtcGetBufferedAmount(c->dc) < (1 << 20)) {
			int n = total - sent < chunk ? (int)(total - sent) : chunk;
			for (int i = 0; i < n; i++)
				buf[i] = bulk_byte(seq_sent, i);
			if (rtcSendMessage(c->dc, (const char *)buf, n) < 0) {
				send_failed = 1;
				break;
			}
			sent += n;
			seq_sent++;
		}
		msg_t *m = pop_msg(c, 0.05);
		if (!m)
			continue;
		long expect = total - (long)seq_got * chunk < chunk ? total - (long)seq_got * chunk : chunk;
		if (m->is_text || m->size != expect)
			corrupt = 1;
		for (int i = 0; !corrupt && i < m->size; i++)
			if ((unsigned char)m->data[i] != bulk_byte(seq_got, i))
				corrupt = 1;
		got += m->size;
		seq_got++;
		free(m->data);
		free(m);
	}
	double el = now_s() - st;
	result(kind, "bulk", got == total && !corrupt && !send_failed,
	       "%ld of %ld B echoed in order and intact in %.1f s (%.2f MB/s each way)%s%s", got, total, el,
	       el > 0 ? got / el / 1e6 : 0.0, corrupt ? "; a message arrived out of order or altered" : "",
	       send_failed ? "; rtcSendMessage failed" : "");
	free(buf);
}

/* The value of the first "a=<attr>:" line of our local (or the remote) description ("" if none). */
void sdp_attr(int local, const char *attr, char *out, size_t cap) {
	static char sdp[65536];
	out[0] = 0;
	int n = local ? rtcGetLocalDescription(g_pc, sdp, sizeof(sdp)) : rtcGetRemoteDescription(g_pc, sdp, sizeof(sdp));
	char key[64];
	snprintf(key, sizeof(key), "a=%s:", attr);
	const char *p = n > 0 ? strstr(sdp, key) : NULL;
	if (!p)
		return;
	p += strlen(key);
	size_t len = strcspn(p, "\r\n");
	if (len >= cap)
		len = cap - 1;
	memcpy(out, p, len);
	out[len] = 0;
}

/* --ice-restart: an ICE restart (RFC 8445 section 9) once the channels work. As offerer our side
 * restarts (rtcRestartIce, then an offer); as answerer the peer does (control "restart"). Both
 * sides must end with new ICE credentials, and the reliable channel, open throughout, must still
 * echo. (main() calls it on the main thread; the descriptions cross in the stdin thread.) */
void ice_restart_check(int offerer, chan_t *c) {
	char ours[64], theirs[64], ours_now[64] = "", theirs_now[64] = "";
	sdp_attr(1, "ice-ufrag", ours, sizeof(ours));
	sdp_attr(0, "ice-ufrag", theirs, sizeof(theirs));
	double st = now_s();
	if (offerer) {
		int r = rtcRestartIce(g_pc);
		if (r == 0)
			r = rtcSetLocalDescription(g_pc, "offer");
		if (r < 0) {
			result("ice-restart", "credentials", 0, "rtcRestartIce / offer failed: %d", r);
			return;
		}
	} else {
		control("restart", NULL, NULL, -1);
	}
	while (now_s() - st < g_timeout) {
		sdp_attr(1, "ice-ufrag", ours_now, sizeof(ours_now));
		sdp_attr(0, "ice-ufrag", theirs_now, sizeof(theirs_now));
		if (strcmp(ours, ours_now) != 0 && strcmp(theirs, theirs_now) != 0)
			break;
		usleep(20000);
	}
	int changed = strcmp(ours, ours_now) != 0 && strcmp(theirs, theirs_now) != 0;
	result("ice-restart", "credentials", changed,
	       "%s restarted: our ice-ufrag %s -> %s, the peer's %s -> %s (%.0f ms)",
	       offerer ? "our side" : "the peer", ours, ours_now, theirs, theirs_now, (now_s() - st) * 1000);
	if (!changed)
		return;
	int connected = wait_until(pred_connected, NULL, g_timeout) && g_state == RTC_CONNECTED;
	pthread_mutex_lock(&g_mu);
	int closed = c->closed;
	pthread_mutex_unlock(&g_mu);
	result("ice-restart", "still-connected", connected && !closed, "state %d, channel %s after the restart",
	       (int)g_state, closed ? "CLOSED" : "open");
	for (int text = 1; text >= 0; text--)
		echo_check("ice-restart", c, text, 16384);
}

int kind_enabled(const char *kinds, const char *k) {
	const char *p = strstr(kinds, k);
	return p != NULL;
}
