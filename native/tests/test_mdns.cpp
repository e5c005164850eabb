// Unit tests of the mDNS resolver (native/src/ice/mdns_*): message building and parsing, then
// MdnsQuery end to end against a small responder in this test, over real multicast on the
// loopback interface (224.0.0.251:5353 on lo), answering by unicast and by multicast.
#include "common/event_loop.hpp"
#include "ice/mdns_message.hpp"
#include "ice/mdns_resolver.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace rtcimpl;

#include "support/unit_check.hpp"
#define CHECK_EQ(a, b) CHECK((a) == (b))

using Bytes = std::vector<uint8_t>;

static void put16(Bytes &b, uint16_t v) {
	b.push_back(uint8_t(v >> 8));
	b.push_back(uint8_t(v));
}
static void putName(Bytes &b, const std::string &name) {
	size_t start = 0;
	while (start < name.size()) {
		size_t dot = name.find('.', start);
		if (dot == std::string::npos)
			dot = name.size();
		b.push_back(uint8_t(dot - start));
		b.insert(b.end(), name.begin() + start, name.begin() + dot);
		start = dot + 1;
	}
	b.push_back(0);
}
// A response with the given header counts already set by the caller's records.
static Bytes header(uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar) {
	Bytes b;
	put16(b, 0);
	put16(b, flags);
	put16(b, qd);
	put16(b, an);
	put16(b, ns);
	put16(b, ar);
	return b;
}
static void putRecordHead(Bytes &b, uint16_t type, uint16_t cls, uint16_t len) {
	put16(b, type);
	put16(b, cls);
	put16(b, 0);
	put16(b, 120); // TTL
	put16(b, len);
}
static void putA(Bytes &b, const std::string &name, const char *ip, uint16_t cls = 0x8001) {
	putName(b, name);
	putRecordHead(b, mdns::kTypeA, cls, 4);
	in_addr a;
	inet_pton(AF_INET, ip, &a);
	auto *p = reinterpret_cast<uint8_t *>(&a);
	b.insert(b.end(), p, p + 4);
}

static void testNames() {
	CHECK(mdns::isLocalName("0b6a4c2e-1d2f-4b5c-9e8f-7a6b5c4d3e2f.local"));
	CHECK(mdns::isLocalName("Host.LOCAL"));
	CHECK(mdns::isLocalName("host.local."));
	CHECK(!mdns::isLocalName("local"));
	CHECK(!mdns::isLocalName(".local"));
	CHECK(!mdns::isLocalName("host.example.com"));
	CHECK(!mdns::isLocalName("10.0.0.1"));
	CHECK(!mdns::isLocalName("a..local"));
	CHECK(!mdns::isLocalName(std::string(64, 'a') + ".local")); // label over 63 bytes
	CHECK(!mdns::isLocalName(std::string(250, 'a') + ".local"));
}

static void testQuery() {
	Bytes q = mdns::buildQuery("abc.local", 0x1234, true);
	Bytes expect = header(0, 2, 0, 0, 0);
	expect[0] = 0x12;
	expect[1] = 0x34;
	for (uint16_t type : {mdns::kTypeA, mdns::kTypeAAAA}) {
		putName(expect, "abc.local");
		put16(expect, type);
		put16(expect, 0x8001); // IN with the QU bit
	}
	CHECK(q == expect);
	Bytes qm = mdns::buildQuery("abc.local.", 0, false);
	CHECK_EQ(qm.size(), expect.size());
	CHECK_EQ(qm[qm.size() - 2], 0x00); // QM: no QU bit
	CHECK_EQ(qm[qm.size() - 1], 0x01);
	CHECK(mdns::buildQuery("example.com", 0, true).empty());
}

static void testParse() {
	const std::string name = "0b6a4c2e.local";
	// Plain answer (with the cache-flush bit), the question echoed.
	Bytes r = header(0x8400, 1, 1, 0, 0);
	putName(r, name);
	put16(r, mdns::kTypeA);
	put16(r, 1);
	putA(r, name, "192.168.1.20");
	auto got = mdns::parseAddresses(r.data(), r.size(), name);
	CHECK_EQ(got.size(), 1u);
	CHECK(!got.empty() && got[0] == "192.168.1.20");
	// Case-insensitive owner name; root dot on the asked name.
	CHECK_EQ(mdns::parseAddresses(r.data(), r.size(), "0B6A4C2E.LOCAL.").size(), 1u);
	// Another name, or a query instead of a response: nothing.
	CHECK(mdns::parseAddresses(r.data(), r.size(), "other.local").empty());
	Bytes notResponse = r;
	notResponse[2] = 0;
	CHECK(mdns::parseAddresses(notResponse.data(), notResponse.size(), name).empty());
	// Every truncation is refused or yields nothing, never reads past the end.
	for (size_t n = 0; n < r.size(); ++n) {
		Bytes cut(r.begin(), r.begin() + long(n));
		CHECK(mdns::parseAddresses(cut.data(), cut.size(), name).empty());
	}
	// AAAA and A in the additional section, the owner compressed to the question's name.
	Bytes c = header(0x8400, 1, 0, 0, 2);
	size_t qname = c.size();
	putName(c, name);
	put16(c, mdns::kTypeA);
	put16(c, 1);
	c.push_back(uint8_t(0xc0 | (qname >> 8)));
	c.push_back(uint8_t(qname));
	putRecordHead(c, mdns::kTypeAAAA, 1, 16);
	in6_addr a6;
	inet_pton(AF_INET6, "fd00::7", &a6);
	c.insert(c.end(), a6.s6_addr, a6.s6_addr + 16);
	c.push_back(uint8_t(0xc0 | (qname >> 8)));
	c.push_back(uint8_t(qname));
	putRecordHead(c, mdns::kTypeA, 1, 4);
	for (uint8_t v : {10, 77, 0, 2})
		c.push_back(v);
	got = mdns::parseAddresses(c.data(), c.size(), name);
	CHECK_EQ(got.size(), 2u);
	CHECK(got.size() == 2 && got[0] == "10.77.0.2" && got[1] == "fd00::7"); // IPv4 first
	// A compression loop (a pointer to itself) and a forward pointer are malformed.
	Bytes loop = header(0x8400, 0, 1, 0, 0);
	size_t at = loop.size();
	loop.push_back(uint8_t(0xc0 | (at >> 8)));
	loop.push_back(uint8_t(at));
	putRecordHead(loop, mdns::kTypeA, 1, 4);
	for (int i = 0; i < 4; ++i)
		loop.push_back(1);
	CHECK(mdns::parseAddresses(loop.data(), loop.size(), name).empty());
	// Wrong record length for an A record: skipped.
	Bytes bad = header(0x8400, 0, 1, 0, 0);
	putName(bad, name);
	putRecordHead(bad, mdns::kTypeA, 1, 3);
	for (int i = 0; i < 3; ++i)
		bad.push_back(1);
	CHECK(mdns::parseAddresses(bad.data(), bad.size(), name).empty());
}

// ---- end to end over multicast on lo ----

struct Responder {
	int fd = -1;
	std::thread thread;
	std::atomic<bool> stop{false};
	std::atomic<int> queries{0};
	std::string name, address;
	bool multicastReply = false;

	bool start(const std::string &n, const std::string &a, bool multicast) {
		name = n;
		address = a;
		multicastReply = multicast;
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
		sockaddr_in local{};
		local.sin_family = AF_INET;
		local.sin_port = htons(5353);
		if (bind(fd, reinterpret_cast<sockaddr *>(&local), sizeof(local)) != 0)
			return false;
		ip_mreqn mreq{};
		inet_pton(AF_INET, "224.0.0.251", &mreq.imr_multiaddr);
		mreq.imr_ifindex = int(if_nametoindex("lo"));
		if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) != 0)
			return false;
		setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof(mreq));
		thread = std::thread([this] { run(); });
		return true;
	}
	void run() {
		uint8_t buf[1500];
		while (!stop) {
			pollfd p{fd, POLLIN, 0};
			if (poll(&p, 1, 50) <= 0)
				continue;
			sockaddr_in from{};
			socklen_t len = sizeof(from);
			ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, reinterpret_cast<sockaddr *>(&from), &len);
			if (n < 12 || (buf[2] & 0x80))
				continue; // responses (ours, looped back) are not queries
			Bytes encoded;
			putName(encoded, name);
			if (std::search(buf, buf + n, encoded.begin(), encoded.end()) == buf + n)
				continue; // a question for another name
			++queries;
			Bytes r = header(0x8400, 0, 1, 0, 0);
			putA(r, name, address.c_str());
			sockaddr_in to = from;
			if (multicastReply) {
				to.sin_port = htons(5353);
				inet_pton(AF_INET, "224.0.0.251", &to.sin_addr);
			}
			sendto(fd, r.data(), r.size(), 0, reinterpret_cast<sockaddr *>(&to), sizeof(to));
		}
	}
	~Responder() {
		stop = true;
		if (thread.joinable())
			thread.join();
		if (fd >= 0)
			close(fd);
	}
};

// Runs one query on a loop; returns the addresses and the time it took.
static std::vector<std::string> resolve(const std::string &name, int timeoutMs, double *seconds) {
	EventLoop &loop = EventLoop::instance();
	std::mutex m;
	std::condition_variable cv;
	bool done = false;
	std::vector<std::string> result;
	std::unique_ptr<MdnsQuery> query;
	auto t0 = std::chrono::steady_clock::now();
	loop.runSync([&] {
		query = std::make_unique<MdnsQuery>(loop, name, "127.0.0.1", std::chrono::milliseconds(timeoutMs),
		                                    [&](const std::vector<std::string> &addresses) {
			                                    std::lock_guard lock(m);
			                                    result = addresses;
			                                    done = true;
			                                    cv.notify_all();
		                                    });
	});
	{
		std::unique_lock lock(m);
		cv.wait_for(lock, std::chrono::seconds(10), [&] { return done; });
		CHECK(done);
	}
	*seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	loop.runSync([&] { query.reset(); });
	return result;
}

static void testResolver(bool multicastReply) {
	Responder responder;
	const std::string name = multicastReply ? "5f1c4d2a-mcast.local" : "5f1c4d2a-ucast.local";
	if (!responder.start(name, "127.0.0.1", multicastReply)) {
		std::fprintf(stderr, "FAIL: cannot run the responder on lo (224.0.0.251:5353)\n");
		++g_failures;
		return;
	}
	double took = 0;
	auto got = resolve(name, 2000, &took);
	CHECK_EQ(got.size(), 1u);
	CHECK(!got.empty() && got[0] == "127.0.0.1");
	CHECK(responder.queries >= 1);
	CHECK(took < 1.8); // answered, not timed out (2 s); about 5 ms natively
	std::printf("resolver (%s reply): %zu address(es) in %.0f ms\n", multicastReply ? "multicast" : "unicast",
	            got.size(), took * 1000);
	// Nobody answers another name: nothing, after the bounded timeout.
	got = resolve("nobody-here.local", 750, &took);
	CHECK(got.empty());
	CHECK(took >= 0.7 && took < 3);
}

int main() {
	testNames();
	testQuery();
	testParse();
	testResolver(false);
	testResolver(true);
	std::printf("test_mdns: %d checks, %d failures\n", g_checks, g_failures);
	return g_failures ? 1 : 0;
}
