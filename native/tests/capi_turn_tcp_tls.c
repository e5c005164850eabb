/* TURN over TCP and over TLS, and ICE-TCP, end to end on 127.0.0.1 (docs/turn-tcp-tls.md).
 *
 *  1. "turn:...?transport=tcp", relay-only, through a coturn with TCP listeners only (--no-udp):
 *     connects, 256 KiB cross hash-checked, the selected pair is relayed; after an ICE restart
 *     the pair is relayed through new allocations (gathered again) and the data still crosses.
 *  2. "turns:", relay-only, through a coturn with a TLS listener only (--no-udp --no-tcp), its
 *     certificate issued by a CA this test makes with openssl and adds with rtcSetTurnCaFile:
 *     connects and the data crosses hash-checked.
 *  3. The same server without the CA added: its certificate is untrusted, so both peers fail
 *     (bounded) instead of connecting, and neither signals a relayed candidate. Likewise a server
 *     whose certificate, from the added CA, names another host than the URL's. With the CA in
 *     the system store instead (OpenSSL's SSL_CERT_FILE) the server is trusted again.
 *  4. enableIceTcp, host candidates only, every UDP candidate dropped from the signalling: the
 *     peers connect over ICE-TCP (the selected pair is TCP) and the data crosses hash-checked.
 *  5. Bad inputs: an unknown transport, a malformed URL and an unreadable CA file are refused.
 * coturn (turnserver) and openssl come from scripts/bootstrap.sh --interop; when missing the test
 * fails, or is skipped (77) with WEBRTCNATIVE_INTEROP_ALLOW_MISSING=1, as the interop tests do.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define MESSAGES 64
#define MESSAGE_SIZE 4096

static char g_dir[256];

static struct sockaddr_in loopback(int port) {
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* Both TCP and UDP free: coturn opens both kinds on a listening port unless told not to. */
static int tcp_port_free(int port) {
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = loopback(port);
	int ok = bind(s, (struct sockaddr *)&a, sizeof a) == 0;
	close(s);
	if (!ok)
		return 0;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	ok = bind(s, (struct sockaddr *)&a, sizeof a) == 0;
	close(s);
	return ok;
}

static int free_port(int from) {
	for (int p = from; p < from + 100; ++p)
		if (tcp_port_free(p))
			return p;
	fprintf(stderr, "no free port on 127.0.0.1 from %d\n", from);
	exit(1);
}

static int tcp_accepts(int port) {
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = loopback(port);
	int ok = connect(s, (struct sockaddr *)&a, sizeof a) == 0;
	close(s);
	return ok;
}

/* Starts turnserver with the common loopback-only arguments plus extra; waits until port
 * accepts TCP connections. */
static pid_t start_coturn(const char *name, int port, const char *const *extra, int min_relay) {
	char log[512], portArg[16], minArg[16], maxArg[16];
	snprintf(log, sizeof log, "%s/%s.log", g_dir, name);
	snprintf(portArg, sizeof portArg, "%d", port);
	snprintf(minArg, sizeof minArg, "%d", min_relay);
	snprintf(maxArg, sizeof maxArg, "%d", min_relay + 99);
	const char *argv[48];
	int n = 0;
	const char *common[] = {"turnserver", "-n", "--no-cli", "--lt-cred-mech", "--user", "u:p",
	                        "--realm", "r", "--no-dtls", "--listening-ip", "127.0.0.1",
	                        "--relay-ip", "127.0.0.1", "--min-port", minArg, "--max-port", maxArg,
	                        "--allow-loopback-peers", "--no-multicast-peers", "--log-file",
	                        "stdout", "--simple-log", "--no-stun-backward-compatibility"};
	for (size_t i = 0; i < sizeof common / sizeof *common; ++i)
		argv[n++] = common[i];
	for (int i = 0; extra[i]; ++i)
		argv[n++] = extra[i];
	argv[n] = NULL;
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
#ifdef __linux__
		prctl(PR_SET_PDEATHSIG, SIGTERM); /* no stray server if the test is killed */
#endif
		if (!freopen(log, "w", stdout) || !freopen(log, "a", stderr))
			_exit(126);
		execvp("turnserver", (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 100 && !tcp_accepts(port); ++i)
		sleep_ms(100);
	if (!tcp_accepts(port)) {
		fprintf(stderr, "turnserver %s did not listen on 127.0.0.1:%d; log %s\n", name, port, log);
		kill(pid, SIGTERM);
		exit(1);
	}
	(void)portArg;
	return pid;
}

static void stop_coturn(pid_t pid) {
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

static uint64_t fnv1a(uint64_t h, const char *data, int size) {
	for (int i = 0; i < size; ++i) {
		h ^= (unsigned char)data[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* Sends MESSAGES binary messages a→b and checks b received the same bytes in order. */
static void send_hash_checked(channel_t *from, channel_t *to, unsigned seed) {
	uint64_t sent = 1469598103934665603ull, got = sent;
	char buf[MESSAGE_SIZE];
	srand(seed);
	for (int m = 0; m < MESSAGES; ++m) {
		for (int i = 0; i < MESSAGE_SIZE; ++i)
			buf[i] = (char)(rand() & 0xff);
		sent = fnv1a(sent, buf, MESSAGE_SIZE);
		CHECK_EQ(rtcSendMessage(from->id, buf, MESSAGE_SIZE), 0);
	}
	CHECK(channel_wait_count(to, MESSAGES, 30));
	long long bytes = 0;
	for (int m = 0; m < MESSAGES; ++m) {
		message_t *msg = channel_pop(to);
		CHECK(msg != NULL && !msg->is_string);
		got = fnv1a(got, msg->data, msg->size);
		bytes += msg->size;
		free(msg->data);
		free(msg);
	}
	CHECK_EQ(bytes, (long long)MESSAGES * MESSAGE_SIZE);
	CHECK(got == sent);
}

static int contains_ci(const char *s, const char *word) {
	size_t n = strlen(word);
	for (; *s; ++s)
		if (strncasecmp(s, word, n) == 0)
			return 1;
	return 0;
}

/* Two relay-only peers on 127.0.0.1 with url as their only ICE server. */
static void relay_pair_init(pair_t *p, const char *url) {
	rtcConfiguration c = loopback_config();
	const char *servers[] = {url};
	c.iceServers = servers;
	c.iceServersCount = 1;
	c.iceTransportPolicy = RTC_TRANSPORT_POLICY_RELAY;
	pair_init(p, &c, &c);
}

/* Relay-only pair through url: connects, checks the selected pairs are relayed, data both ways. */
static void relay_case(const char *what, const char *url) {
	printf("== %s: %s\n", what, url);
	pair_t p;
	relay_pair_init(&p, url);
	channel_t *remote = NULL;
	channel_t *local = pair_open_channel(&p, "relay", 0, &remote);
	char l[256], r[256];
	CHECK(rtcGetSelectedCandidatePair(p.a.pc, l, sizeof l, r, sizeof r) > 0);
	printf("   selected: %s  <->  %s\n", l, r);
	CHECK(strstr(l, " typ relay") != NULL);
	CHECK(strstr(r, " typ relay") != NULL);
	send_hash_checked(local, remote, 11);
	send_hash_checked(remote, local, 12);
	/* An ICE restart gathers again: both peers allocate anew on the server (docs/ice-restart.md),
	 * and the connection moves to a pair relayed through the new allocations. */
	CHECK_EQ(rtcRestartIce(p.a.pc), RTC_ERR_SUCCESS);
	CHECK_EQ(rtcSetLocalDescription(p.a.pc, "offer"), RTC_ERR_SUCCESS);
	char l2[256] = "", r2[256] = "";
	double deadline = now_s() + 30;
	while (now_s() < deadline &&
	       (rtcGetSelectedCandidatePair(p.a.pc, l2, sizeof l2, r2, sizeof r2) <= 0 ||
	        strcmp(l2, l) == 0 || strcmp(r2, r) == 0))
		sleep_ms(50);
	printf("   after an ICE restart: %s  <->  %s\n", l2, r2);
	CHECK(strcmp(l2, l) != 0 && strcmp(r2, r) != 0);
	CHECK(strstr(l2, " typ relay") != NULL);
	CHECK(strstr(r2, " typ relay") != NULL);
	send_hash_checked(local, remote, 13);
	send_hash_checked(remote, local, 14);
	printf("ok %s: %d x %d bytes each way before and after an ICE restart, hash-checked\n", what,
	       MESSAGES, MESSAGE_SIZE);
	channel_free(local);
	pair_destroy(&p);
}

/* ICE-TCP: descriptions and trickled candidates lose every UDP candidate on the way. */
static void strip_udp_lines(char *sdp) {
	char *out = sdp, *line = sdp;
	while (*line) {
		char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line + 1) : strlen(line);
		int drop = strncmp(line, "a=candidate:", 12) == 0 && contains_ci(line, " udp ");
		if (!drop) {
			memmove(out, line, len);
			out += len;
		}
		line += len;
	}
	*out = 0;
}

static void RTC_API tcp_only_description(int pc, const char *sdp, const char *type, void *ptr) {
	peer_t *p = ptr;
	(void)pc;
	char *copy = strdup(sdp);
	strip_udp_lines(copy);
	CHECK_EQ(peer_deliver_description(p->other, copy, type), 0);
	free(copy);
}

static void RTC_API tcp_only_candidate(int pc, const char *cand, const char *mid, void *ptr) {
	peer_t *p = ptr;
	(void)pc;
	if (!contains_ci(cand, " udp "))
		peer_forward_candidate(p->other, cand, mid);
}

static void ice_tcp_case(void) {
	printf("== ICE-TCP host to host, TCP candidates only\n");
	rtcConfiguration c = loopback_config();
	c.enableIceTcp = true;
	pair_t p;
	pair_init(&p, &c, &c);
	CHECK_EQ(rtcSetLocalDescriptionCallback(p.a.pc, tcp_only_description), 0);
	CHECK_EQ(rtcSetLocalDescriptionCallback(p.b.pc, tcp_only_description), 0);
	CHECK_EQ(rtcSetLocalCandidateCallback(p.a.pc, tcp_only_candidate), 0);
	CHECK_EQ(rtcSetLocalCandidateCallback(p.b.pc, tcp_only_candidate), 0);
	channel_t *remote = NULL;
	channel_t *local = pair_open_channel(&p, "tcp", 0, &remote);
	char l[256], r[256];
	CHECK(rtcGetSelectedCandidatePair(p.a.pc, l, sizeof l, r, sizeof r) > 0);
	printf("   selected: %s  <->  %s\n", l, r);
	CHECK(contains_ci(l, " tcp ") && contains_ci(r, " tcp "));
	send_hash_checked(local, remote, 21);
	send_hash_checked(remote, local, 22);
	printf("ok ICE-TCP: %d x %d bytes each way, hash-checked\n", MESSAGES, MESSAGE_SIZE);
	channel_free(local);
	pair_destroy(&p);
}

static int relay_candidates_seen;
static void RTC_API count_candidate(int pc, const char *cand, const char *mid, void *ptr) {
	(void)pc, (void)mid, (void)ptr;
	if (strstr(cand, " typ relay"))
		__atomic_add_fetch(&relay_candidates_seen, 1, __ATOMIC_SEQ_CST);
}

static void untrusted_case(const char *what, const char *url) {
	printf("== turns: refused, %s: %s\n", what, url);
	pair_t p;
	relay_pair_init(&p, url);
	CHECK_EQ(rtcSetLocalCandidateCallback(p.a.pc, count_candidate), 0);
	CHECK_EQ(rtcSetLocalCandidateCallback(p.b.pc, count_candidate), 0);
	double t = now_s();
	int dc = rtcCreateDataChannel(p.a.pc, "never");
	CHECK(dc > 0);
	CHECK(peer_wait_state(&p.a, RTC_FAILED, 60));
	CHECK(peer_wait_state(&p.b, RTC_FAILED, 60));
	CHECK_EQ(__atomic_load_n(&relay_candidates_seen, __ATOMIC_SEQ_CST), 0);
	printf("ok turns: server refused (%s), both peers failed after %.1f s\n", what, now_s() - t);
	pair_destroy(&p);
}

static void bad_inputs(int tcpPort) {
	const char *bad[] = {"turn:u:p@127.0.0.1:%d?transport=sctp", "turn:u:p@127.0.0.1:%d?transport=",
	                     "turns:u:p@:%d", "turn:u:p@127.0.0.1:%d0000",
	                     "turns:u:p@127.0.0.1:%d?transport=udp", "turnx:u:p@127.0.0.1:%d"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; ++i) {
		char url[128];
		snprintf(url, sizeof url, bad[i], tcpPort);
		rtcConfiguration c = loopback_config();
		const char *servers[] = {url};
		c.iceServers = servers;
		c.iceServersCount = 1;
		int pc = rtcCreatePeerConnection(&c);
		if (pc > 0)
			rtcDeletePeerConnection(pc);
		CHECK(pc < 0);
	}
	CHECK_EQ(rtcSetTurnCaFile("/nonexistent/ca.pem"), RTC_ERR_INVALID);
	char notPem[512];
	snprintf(notPem, sizeof notPem, "%s/server.csr.cnf", g_dir);
	FILE *f = fopen(notPem, "w");
	CHECK(f != NULL);
	fputs("not a certificate\n", f);
	fclose(f);
	CHECK_EQ(rtcSetTurnCaFile(notPem), RTC_ERR_INVALID);
	printf("ok bad inputs refused\n");
}

static int have(const char *tool) {
	char cmd[128];
	snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

/* A CA, a server certificate for IP 127.0.0.1 (and DNS localhost) signed by it, and one for
 * another name (turn.invalid) signed by the same CA. */
static void make_certificates(void) {
	char cmd[4096];
	snprintf(cmd, sizeof cmd,
	         "cd '%s' && "
	         "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
	         "-keyout ca.key -out ca.pem -days 2 -subj '/CN=WebRtcNative test CA' && "
	         "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
	         "-keyout server.key -out server.csr -subj '/CN=127.0.0.1' && "
	         "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > ext.cnf && "
	         "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
	         "-out server.pem -days 2 -extfile ext.cnf && "
	         "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
	         "-keyout other.key -out other.csr -subj '/CN=turn.invalid' && "
	         "printf 'subjectAltName=DNS:turn.invalid\\n' > other.cnf && "
	         "openssl x509 -req -in other.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
	         "-out other.pem -days 2 -extfile other.cnf",
	         g_dir);
	char quiet[4200];
	snprintf(quiet, sizeof quiet, "(%s) >'%s/openssl.log' 2>&1", cmd, g_dir);
	if (system(quiet) != 0) {
		fprintf(stderr, "openssl failed; see %s/openssl.log\n", g_dir);
		exit(1);
	}
}

int main(void) {
	harness_init();
	if (!have("turnserver") || !have("openssl")) {
		const char *allow = getenv("WEBRTCNATIVE_INTEROP_ALLOW_MISSING");
		fprintf(stderr, "turnserver (coturn) or openssl missing: scripts/bootstrap.sh --interop\n");
		return allow && strcmp(allow, "1") == 0 ? 77 : 1;
	}
	snprintf(g_dir, sizeof g_dir, "/tmp/wrn-turn-tls-XXXXXX");
	CHECK(mkdtemp(g_dir) != NULL);
	make_certificates();

	int tcpPort = free_port(35200);
	const char *tcpOnly[] = {"--listening-port", NULL, "--no-udp", "--no-tls", NULL};
	char tcpPortArg[16];
	snprintf(tcpPortArg, sizeof tcpPortArg, "%d", tcpPort);
	tcpOnly[1] = tcpPortArg;
	pid_t tcpServer = start_coturn("coturn-tcp", tcpPort, tcpOnly, 50600);

	int tlsPort = free_port(tcpPort + 1);
	int plainPort = free_port(tlsPort + 1);
	char tlsPortArg[16], plainPortArg[16], cert[300], key[300], ca[300];
	snprintf(tlsPortArg, sizeof tlsPortArg, "%d", tlsPort);
	snprintf(plainPortArg, sizeof plainPortArg, "%d", plainPort);
	snprintf(cert, sizeof cert, "%s/server.pem", g_dir);
	snprintf(key, sizeof key, "%s/server.key", g_dir);
	snprintf(ca, sizeof ca, "%s/ca.pem", g_dir);
	const char *tlsOnly[] = {"--listening-port", plainPortArg, "--tls-listening-port", tlsPortArg,
	                         "--no-udp", "--no-tcp", "--cert", cert, "--pkey", key, NULL};
	pid_t tlsServer = start_coturn("coturn-tls", tlsPort, tlsOnly, 50700);

	int otherPort = free_port(plainPort + 1), otherPlainPort = free_port(otherPort + 1);
	char otherPortArg[16], otherPlainPortArg[16], otherCert[300], otherKey[300];
	snprintf(otherPortArg, sizeof otherPortArg, "%d", otherPort);
	snprintf(otherPlainPortArg, sizeof otherPlainPortArg, "%d", otherPlainPort);
	snprintf(otherCert, sizeof otherCert, "%s/other.pem", g_dir);
	snprintf(otherKey, sizeof otherKey, "%s/other.key", g_dir);
	const char *otherName[] = {"--listening-port", otherPlainPortArg, "--tls-listening-port",
	                           otherPortArg, "--no-udp", "--no-tcp", "--cert", otherCert, "--pkey",
	                           otherKey, NULL};
	pid_t otherServer = start_coturn("coturn-tls-other-name", otherPort, otherName, 50800);

	char url[128];
	bad_inputs(tcpPort);

	snprintf(url, sizeof url, "turn:u:p@127.0.0.1:%d?transport=tcp", tcpPort);
	relay_case("TURN over TCP", url);

	snprintf(url, sizeof url, "turns:u:p@127.0.0.1:%d", tlsPort);
	CHECK_EQ(rtcSetTurnCaFile(ca), RTC_ERR_SUCCESS);
	relay_case("TURN over TLS, test CA added", url);

	CHECK_EQ(rtcSetTurnCaFile(NULL), RTC_ERR_SUCCESS);
	untrusted_case("untrusted CA", url);

	/* A certificate from the trusted CA, but for another name than the URL's host. */
	CHECK_EQ(rtcSetTurnCaFile(ca), RTC_ERR_SUCCESS);
	snprintf(url, sizeof url, "turns:u:p@127.0.0.1:%d", otherPort);
	untrusted_case("certificate for another name", url);
	CHECK_EQ(rtcSetTurnCaFile(NULL), RTC_ERR_SUCCESS);

	/* The system trust store is consulted: OpenSSL's SSL_CERT_FILE stands in for it here. */
	setenv("SSL_CERT_FILE", ca, 1);
	snprintf(url, sizeof url, "turns:u:p@127.0.0.1:%d", tlsPort);
	relay_case("TURN over TLS, test CA in the system store (SSL_CERT_FILE)", url);
	unsetenv("SSL_CERT_FILE");

	ice_tcp_case();

	stop_coturn(tcpServer);
	stop_coturn(tlsServer);
	stop_coturn(otherServer);
	rtcCleanup();
	char rm[300];
	snprintf(rm, sizeof rm, "rm -rf '%s'", g_dir);
	if (system(rm) != 0)
		fprintf(stderr, "could not remove %s\n", g_dir);
	printf("all passed\n");
	return 0;
}
