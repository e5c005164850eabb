/* User-space UDP impairment relay for the capi_reliability_* tests (header-only: only harness.c
 * is linked automatically into capi tests).
 *
 * The relay owns two UDP sockets on 127.0.0.1:
 *   side 0 (port relay_port(r, 0)) faces peer A: A sends there, the relay forwards to B;
 *   side 1 (port relay_port(r, 1)) faces peer B: B sends there, the relay forwards to A.
 * The test rewrites every candidate of A to 127.0.0.1:relay_port(r, 1) before handing it to B
 * (and B's to relay_port(r, 0) before A), so each peer sees the relay as its peer. The relay
 * forwards to the address it last received from on the other side, or to the address given with
 * relay_set_target() (taken from the peer's original candidate) before that.
 *
 * Direction d = 0 is A -> B, d = 1 is B -> A. Per direction:
 *   loss_pct, dup_pct           independent per packet;
 *   delay_ms +- jitter_ms       uniform jitter (reorders packets by itself when jitter > gap);
 *   reorder_pct/reorder_ms      a packet is held back reorder_ms more, so later ones pass it;
 *   rate_bps                    bottleneck serialization (0 = unlimited), drop-tail past
 *                               queue_ms of backlog;
 *   black_hole                  everything is dropped (peer vanished).
 * Fates come from a per-direction xorshift PRNG seeded by relay_new(seed): for the same
 * sequence of packets the same ones are lost, duplicated and reordered.
 * One thread polls both sockets and releases scheduled packets from a time-ordered heap. */
#ifndef RELAY_H
#define RELAY_H

#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
/* Winsock (win-x64 build, run under Wine): the same calls under their Windows names; the
 * sockets are made non-blocking instead of MSG_DONTWAIT. */
#include <winsock2.h>
#include <ws2tcpip.h>
#define poll WSAPoll
#define MSG_DONTWAIT 0
#define relay_closesocket closesocket
static char *relay_strndup(const char *s, size_t n) { /* no strndup in the Windows CRT */
	size_t len = strnlen(s, n);
	char *copy = malloc(len + 1);
	if (copy) {
		memcpy(copy, s, len);
		copy[len] = 0;
	}
	return copy;
}
#define strndup relay_strndup
static void relay_socket_setup(int fd) {
	u_long nonblocking = 1;
	ioctlsocket((SOCKET)fd, FIONBIO, &nonblocking);
}
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#define relay_closesocket close
static void relay_socket_setup(int fd) { (void)fd; }
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
	double loss_pct;
	double dup_pct;
	int delay_ms;
	int jitter_ms;
	double reorder_pct;
	int reorder_ms;
	long long rate_bps; /* bits per second, 0 = unlimited */
	int queue_ms;       /* drop-tail bound of the rate limiter's backlog (default 200) */
	int black_hole;
} relay_dir_t;

typedef struct {
	long long in, out, lost, duplicated, reordered, queue_drops, blackholed, bytes_out;
} relay_stats_t;

typedef struct {
	double due;
	int dir;
	int len;
	unsigned char *data;
} relay_pkt_t;

typedef struct {
	int fd[2];
	unsigned short port[2];
	struct sockaddr_in target[2]; /* where side i's peer lives (A for 0, B for 1) */
	int have_target[2];
	relay_dir_t dir[2];
	relay_stats_t stats[2];
	uint64_t rng[2];
	double link_free[2]; /* rate limiter: when the bottleneck is free again */
	relay_pkt_t *heap;
	int nheap, capheap;
	pthread_mutex_t mutex;
	pthread_t thread;
	atomic_int stop; /* read by the relay thread */
} relay_t;

static double relay_now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t relay_next(uint64_t *s) { /* xorshift64* */
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 2685821657736338717ULL;
}

static double relay_uniform(uint64_t *s) { return (double)(relay_next(s) >> 11) / 9007199254740992.0; }

static void relay_heap_push(relay_t *r, relay_pkt_t p) {
	if (r->nheap == r->capheap) {
		r->capheap = r->capheap ? r->capheap * 2 : 256;
		r->heap = realloc(r->heap, sizeof(relay_pkt_t) * (size_t)r->capheap);
	}
	int i = r->nheap++;
	while (i > 0) {
		int parent = (i - 1) / 2;
		if (r->heap[parent].due <= p.due)
			break;
		r->heap[i] = r->heap[parent];
		i = parent;
	}
	r->heap[i] = p;
}

static relay_pkt_t relay_heap_pop(relay_t *r) {
	relay_pkt_t top = r->heap[0];
	relay_pkt_t last = r->heap[--r->nheap];
	int i = 0;
	for (;;) {
		int c = 2 * i + 1;
		if (c >= r->nheap)
			break;
		if (c + 1 < r->nheap && r->heap[c + 1].due < r->heap[c].due)
			c++;
		if (last.due <= r->heap[c].due)
			break;
		r->heap[i] = r->heap[c];
		i = c;
	}
	if (r->nheap > 0)
		r->heap[i] = last;
	return top;
}

/* A packet arrived on side `side` (from that side's peer): it travels in direction `side`. */
static void relay_schedule(relay_t *r, int side, const unsigned char *buf, int len, double now) {
	relay_dir_t *d = &r->dir[side];
	relay_stats_t *st = &r->stats[side];
	uint64_t *rng = &r->rng[side];
	st->in++;
	/* Draw every random number for every packet so fates do not depend on settings order. */
	double u_loss = relay_uniform(rng), u_dup = relay_uniform(rng), u_jit = relay_uniform(rng),
	       u_jit2 = relay_uniform(rng), u_reo = relay_uniform(rng);
	if (d->black_hole) {
		st->blackholed++;
		return;
	}
	if (u_loss * 100.0 < d->loss_pct) {
		st->lost++;
		return;
	}
	int copies = u_dup * 100.0 < d->dup_pct ? 2 : 1;
	double depart = now;
	if (d->rate_bps > 0) {
		double start = r->link_free[side] > now ? r->link_free[side] : now;
		int qms = d->queue_ms > 0 ? d->queue_ms : 200;
		if (start - now > qms / 1000.0) {
			st->queue_drops++;
			return;
		}
		depart = start + (double)len * 8.0 / (double)d->rate_bps;
		r->link_free[side] = depart;
	}
	for (int c = 0; c < copies; ++c) {
		double jitter = d->jitter_ms > 0 ? ((c ? u_jit2 : u_jit) * 2.0 - 1.0) * d->jitter_ms : 0.0;
		double delay = d->delay_ms + jitter;
		if (c == 0 && u_reo * 100.0 < d->reorder_pct) {
			delay += d->reorder_ms > 0 ? d->reorder_ms : 20;
			st->reordered++;
		}
		if (delay < 0)
			delay = 0;
		relay_pkt_t p;
		p.due = depart + delay / 1000.0;
		p.dir = side;
		p.len = len;
		p.data = malloc((size_t)len);
		memcpy(p.data, buf, (size_t)len);
		relay_heap_push(r, p);
		if (c)
			st->duplicated++;
	}
}

static void *relay_thread(void *arg) {
	relay_t *r = arg;
	unsigned char buf[65536];
	while (!r->stop) {
		pthread_mutex_lock(&r->mutex);
		double now = relay_now();
		int timeout = 20;
		while (r->nheap > 0 && r->heap[0].due <= now) {
			relay_pkt_t p = relay_heap_pop(r);
			int to = 1 - p.dir; /* direction 0 (A->B) leaves through side 1 towards B */
			if (r->have_target[to] && !r->dir[p.dir].black_hole) {
				sendto(r->fd[to], (const char *)p.data, (int)p.len, 0, (struct sockaddr *)&r->target[to],
				       sizeof(r->target[to]));
				r->stats[p.dir].out++;
				r->stats[p.dir].bytes_out += p.len;
			} else if (r->dir[p.dir].black_hole) {
				r->stats[p.dir].blackholed++; /* in flight when the hole opened */
			}
			free(p.data);
		}
		if (r->nheap > 0) {
			double wait = (r->heap[0].due - now) * 1000.0;
			timeout = wait < 1.0 ? 1 : (wait > 20.0 ? 20 : (int)wait);
		}
		pthread_mutex_unlock(&r->mutex);

		struct pollfd pfd[2] = {{r->fd[0], POLLIN, 0}, {r->fd[1], POLLIN, 0}};
		if (poll(pfd, 2, timeout) <= 0)
			continue;
		for (int side = 0; side < 2; ++side) {
			if (!(pfd[side].revents & POLLIN))
				continue;
			for (;;) {
				struct sockaddr_in from;
				socklen_t fromlen = sizeof(from);
				ssize_t n = recvfrom(r->fd[side], (char *)buf, (int)sizeof(buf), MSG_DONTWAIT,
				                     (struct sockaddr *)&from, &fromlen);
				if (n < 0)
					break;
				pthread_mutex_lock(&r->mutex);
				r->target[side] = from; /* the peer on this side lives there */
				r->have_target[side] = 1;
				relay_schedule(r, side, buf, (int)n, relay_now());
				pthread_mutex_unlock(&r->mutex);
			}
		}
	}
	return NULL;
}

static relay_t *relay_new(uint64_t seed) {
	relay_t *r = calloc(1, sizeof(*r));
	pthread_mutex_init(&r->mutex, NULL);
	r->rng[0] = seed ? seed * 0x9E3779B97F4A7C15ULL : 0x1234567ULL;
	r->rng[1] = r->rng[0] ^ 0xD1B54A32D192ED03ULL;
#ifdef _WIN32
	WSADATA wsa;
	WSAStartup(MAKEWORD(2, 2), &wsa);
#endif
	for (int i = 0; i < 2; ++i) {
		r->fd[i] = (int)socket(AF_INET, SOCK_DGRAM, 0);
		if (r->fd[i] < 0) {
			perror("relay socket");
			abort();
		}
		relay_socket_setup(r->fd[i]);
		int big = 4 * 1024 * 1024;
		setsockopt(r->fd[i], SOL_SOCKET, SO_RCVBUF, (const char *)&big, sizeof(big));
		setsockopt(r->fd[i], SOL_SOCKET, SO_SNDBUF, (const char *)&big, sizeof(big));
		struct sockaddr_in a;
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a.sin_port = 0;
		if (bind(r->fd[i], (struct sockaddr *)&a, sizeof(a)) != 0) {
			perror("relay bind");
			abort();
		}
		socklen_t len = sizeof(a);
		getsockname(r->fd[i], (struct sockaddr *)&a, &len);
		r->port[i] = ntohs(a.sin_port);
	}
	pthread_create(&r->thread, NULL, relay_thread, r);
	return r;
}

static void relay_free(relay_t *r) {
	r->stop = 1;
	pthread_join(r->thread, NULL);
	for (int i = 0; i < r->nheap; ++i)
		free(r->heap[i].data);
	free(r->heap);
	relay_closesocket(r->fd[0]);
	relay_closesocket(r->fd[1]);
	pthread_mutex_destroy(&r->mutex);
	free(r);
}

static unsigned short relay_port(relay_t *r, int side) { return r->port[side]; }

/* Where side `side`'s peer is, before it has sent anything (from its own candidate). */
static void relay_set_target(relay_t *r, int side, const char *ip, int port) {
	pthread_mutex_lock(&r->mutex);
	if (!r->have_target[side]) {
		memset(&r->target[side], 0, sizeof(r->target[side]));
		r->target[side].sin_family = AF_INET;
		inet_pton(AF_INET, ip, &r->target[side].sin_addr);
		r->target[side].sin_port = htons((unsigned short)port);
		r->have_target[side] = 1;
	}
	pthread_mutex_unlock(&r->mutex);
}

static void relay_configure(relay_t *r, int dir, relay_dir_t cfg) {
	pthread_mutex_lock(&r->mutex);
	r->dir[dir] = cfg;
	pthread_mutex_unlock(&r->mutex);
}

static void relay_configure_both(relay_t *r, relay_dir_t cfg) {
	relay_configure(r, 0, cfg);
	relay_configure(r, 1, cfg);
}

static void relay_black_hole(relay_t *r, int on) {
	pthread_mutex_lock(&r->mutex);
	r->dir[0].black_hole = on;
	r->dir[1].black_hole = on;
	pthread_mutex_unlock(&r->mutex);
}

/* An off-path sender: sends `len` bytes to side `side`'s peer from that side's relay socket, the
 * address the peer knows as its peer's (as a spoofer on the path would). 0 when sent. */
static int relay_inject(relay_t *r, int side, const void *data, int len) {
	pthread_mutex_lock(&r->mutex);
	int ok = r->have_target[side] && sendto(r->fd[side], data, (size_t)len, 0,
	                                        (struct sockaddr *)&r->target[side],
	                                        sizeof(r->target[side])) == len;
	pthread_mutex_unlock(&r->mutex);
	return ok ? 0 : -1;
}

static relay_stats_t relay_get_stats(relay_t *r, int dir) {
	pthread_mutex_lock(&r->mutex);
	relay_stats_t s = r->stats[dir];
	pthread_mutex_unlock(&r->mutex);
	return s;
}

static void relay_print_stats(relay_t *r, const char *tag) {
	for (int d = 0; d < 2; ++d) {
		relay_stats_t s = relay_get_stats(r, d);
		printf("%s relay %s: in %lld out %lld lost %lld dup %lld reordered %lld queue-drops %lld "
		       "black-holed %lld\n",
		       tag, d == 0 ? "A->B" : "B->A", s.in, s.out, s.lost, s.duplicated, s.reordered,
		       s.queue_drops, s.blackholed);
	}
}

/* Rewrites "candidate:... <ip> <port> typ ..." so that its address is 127.0.0.1:port.
 * Returns a malloc'ed string; orig_ip and orig_port get the original address (if non-NULL). */
static char *relay_rewrite_candidate(const char *cand, unsigned short port, char *orig_ip,
                                     size_t orig_ip_size, int *orig_port) {
	/* Fields: foundation component transport priority address port "typ" type ... */
	const char *fields[8];
	size_t lens[8];
	int nf = 0;
	const char *s = cand;
	while (*s && nf < 8) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		fields[nf] = s;
		while (*s && *s != ' ')
			s++;
		lens[nf] = (size_t)(s - fields[nf]);
		nf++;
	}
	if (nf < 6)
		return strdup(cand);
	if (orig_ip) {
		size_t n = lens[4] < orig_ip_size - 1 ? lens[4] : orig_ip_size - 1;
		memcpy(orig_ip, fields[4], n);
		orig_ip[n] = 0;
	}
	if (orig_port)
		*orig_port = atoi(fields[5]);
	size_t prefix = (size_t)(fields[4] - cand);
	const char *rest = fields[5] + lens[5];
	size_t out_size = prefix + strlen(rest) + 32;
	char *out = malloc(out_size);
	snprintf(out, out_size, "%.*s127.0.0.1 %u%s", (int)prefix, cand, (unsigned)port, rest);
	return out;
}

/* ---- Signaling through the relay (needs harness.h) ----
 * relay_signal_install() replaces the harness's description and candidate callbacks of both
 * peers: descriptions and candidates go to the other peer with every candidate address
 * rewritten to the relay. An optional mangle hook may alter a description in flight (a man in
 * the middle); it returns a malloc'ed SDP. */
#ifdef HARNESS_H
typedef char *(*relay_mangle_fn)(const char *sdp, int from_side);

/* Replaces every line starting with `prefix` with `replacement` (NULL removes it). */
static char *replace_lines(const char *sdp, const char *prefix, const char *replacement) {
	size_t cap = strlen(sdp) + 512, len = 0;
	char *out = malloc(cap);
	const char *line = sdp;
	while (*line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line + 1) : strlen(line);
		if (strncmp(line, prefix, strlen(prefix)) == 0) {
			if (replacement)
				len += (size_t)snprintf(out + len, cap - len, "%s\r\n", replacement);
		} else {
			memcpy(out + len, line, n);
			len += n;
		}
		line += n;
	}
	out[len] = 0;
	return out;
}


typedef struct {
	pair_t *pair;
	relay_t *relay;
	pthread_mutex_t mutex;
	int has_remote[2];
	char *pending[2][64];
	int npending[2];
	relay_mangle_fn mangle;
	int remote_result[2]; /* rtcSetRemoteDescription result on side i (1 = not yet) */
} relay_signal_t;

static relay_signal_t *g_relay_signal;

static int relay_side_of(const void *ptr) { return ptr == &g_relay_signal->pair->a ? 0 : 1; }
static int relay_pc_of(int side) { return side == 0 ? g_relay_signal->pair->a.pc : g_relay_signal->pair->b.pc; }

/* Candidate of peer `side`, rewritten for the other peer: it must send to the relay socket that
 * faces it (side 1 - side), which forwards to `side`. */
static char *relay_candidate_for_other(int side, const char *cand) {
	char ip[64];
	int port = 0;
	char *out = relay_rewrite_candidate(cand, relay_port(g_relay_signal->relay, 1 - side), ip,
	                                    sizeof(ip), &port);
	if (port > 0 && strchr(ip, '.'))
		relay_set_target(g_relay_signal->relay, side, ip, port);
	return out;
}

static char *relay_rewrite_sdp(int side, const char *sdp) {
	size_t cap = strlen(sdp) * 2 + 256, len = 0;
	char *out = malloc(cap);
	const char *line = sdp;
	while (*line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line + 1) : strlen(line);
		if (strncmp(line, "a=candidate:", 12) == 0) {
			char *tmp = strndup(line + 2, n - 2);
			char *nl = strpbrk(tmp, "\r\n");
			if (nl)
				*nl = 0;
			char *rw = relay_candidate_for_other(side, tmp);
			len += (size_t)snprintf(out + len, cap - len, "a=%s\r\n", rw);
			free(rw);
			free(tmp);
		} else {
			memcpy(out + len, line, n);
			len += n;
		}
		line += n;
	}
	out[len] = 0;
	return out;
}

/* rtcSetRemoteDescription's result on a side so far (1 = not yet), read under the mutex. */
static int relay_remote_result(relay_signal_t *rs, int side) {
	pthread_mutex_lock(&rs->mutex);
	int r = rs->remote_result[side];
	pthread_mutex_unlock(&rs->mutex);
	return r;
}

static void relay_on_description(int pc, const char *sdp, const char *type, void *ptr) {
	(void)pc;
	relay_signal_t *rs = g_relay_signal;
	int side = relay_side_of(ptr), other = 1 - side;
	char *rewritten = relay_rewrite_sdp(side, sdp);
	if (rs->mangle) {
		char *m = rs->mangle(rewritten, side);
		free(rewritten);
		rewritten = m;
	}
	int r = rtcSetRemoteDescription(relay_pc_of(other), rewritten, type);
	free(rewritten);
	pthread_mutex_lock(&rs->mutex);
	rs->remote_result[other] = r;
	if (r < 0) {
		pthread_mutex_unlock(&rs->mutex);
		fprintf(stderr, "relay signaling: setRemoteDescription(%s) on %c failed: %d\n", type,
		        other ? 'B' : 'A', r);
		return;
	}
	rs->has_remote[other] = 1;
	int n = rs->npending[other];
	char *pending[64];
	memcpy(pending, rs->pending[other], sizeof(pending));
	rs->npending[other] = 0;
	pthread_mutex_unlock(&rs->mutex);
	for (int i = 0; i < n; ++i) {
		rtcAddRemoteCandidate(relay_pc_of(other), pending[i], "0");
		free(pending[i]);
	}
}

static void relay_on_candidate(int pc, const char *cand, const char *mid, void *ptr) {
	(void)pc;
	(void)mid;
	relay_signal_t *rs = g_relay_signal;
	int side = relay_side_of(ptr), other = 1 - side;
	char *rw = relay_candidate_for_other(side, cand);
	pthread_mutex_lock(&rs->mutex);
	if (!rs->has_remote[other]) {
		if (rs->npending[other] < 64)
			rs->pending[other][rs->npending[other]++] = rw;
		else
			free(rw);
		pthread_mutex_unlock(&rs->mutex);
		return;
	}
	pthread_mutex_unlock(&rs->mutex);
	rtcAddRemoteCandidate(relay_pc_of(other), rw, mid);
	free(rw);
}

/* After pair_init(): route both peers' signaling through the relay. */
static relay_signal_t *relay_signal_install(pair_t *p, relay_t *r, relay_mangle_fn mangle) {
	relay_signal_t *rs = calloc(1, sizeof(*rs));
	rs->pair = p;
	rs->relay = r;
	rs->mangle = mangle;
	rs->remote_result[0] = rs->remote_result[1] = 1;
	pthread_mutex_init(&rs->mutex, NULL);
	g_relay_signal = rs;
	p->a.auto_signal = 0;
	p->b.auto_signal = 0;
	rtcSetLocalDescriptionCallback(p->a.pc, relay_on_description);
	rtcSetLocalCandidateCallback(p->a.pc, relay_on_candidate);
	rtcSetLocalDescriptionCallback(p->b.pc, relay_on_description);
	rtcSetLocalCandidateCallback(p->b.pc, relay_on_candidate);
	return rs;
}

/* After pair_destroy() (no callback can run any more). */
static void relay_signal_free(relay_signal_t *rs) {
	for (int s = 0; s < 2; ++s)
		for (int i = 0; i < rs->npending[s]; ++i)
			free(rs->pending[s][i]);
	pthread_mutex_destroy(&rs->mutex);
	if (g_relay_signal == rs)
		g_relay_signal = NULL;
	free(rs);
}

/* ---- Payloads: [seq u32][len u32][xorshift bytes seeded by seq], verifiable on their own ---- */
static void relay_fill_payload(unsigned char *buf, int size, uint32_t seq) {
	uint64_t s = ((uint64_t)seq + 1) * 0x9E3779B97F4A7C15ULL;
	for (int i = 8; i < size; ++i)
		buf[i] = (unsigned char)(relay_next(&s) >> 56);
	memcpy(buf, &seq, 4);
	uint32_t len = (uint32_t)size;
	memcpy(buf + 4, &len, 4);
}

/* Returns the sequence number, or -1 if the payload is corrupt. */
static long relay_check_payload(const unsigned char *buf, int size) {
	if (size < 8)
		return -1;
	uint32_t seq, len;
	memcpy(&seq, buf, 4);
	memcpy(&len, buf + 4, 4);
	if ((int)len != size)
		return -1;
	uint64_t s = ((uint64_t)seq + 1) * 0x9E3779B97F4A7C15ULL;
	for (int i = 8; i < size; ++i)
		if (buf[i] != (unsigned char)(relay_next(&s) >> 56))
			return -1;
	return (long)seq;
}

static uint64_t relay_fnv1a(uint64_t h, const unsigned char *data, size_t n) {
	for (size_t i = 0; i < n; ++i) {
		h ^= data[i];
		h *= 1099511628211ULL;
	}
	return h;
}
#define RELAY_FNV_INIT 14695981039346656037ULL
#endif /* HARNESS_H */

#endif
