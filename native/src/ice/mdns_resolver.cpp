#include "ice/mdns_resolver.hpp"
#include "common/log.hpp"
#include "ice/mdns_message.hpp"

#ifndef _WIN32
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <glib-unix.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace rtcimpl {

namespace {
constexpr int kTickMs = 250;
// The query goes out at once, then again after 250 ms and 1 s (RFC 6762 section 5.2 spacing is
// for continuous queries; a one-shot query just repeats a few times against loss).
bool isSendTick(int tick) { return tick == 1 || tick == 4; }

int familyOf(const std::string &address) {
	if (address.empty())
		return AF_UNSPEC;
	return address.find(':') != std::string::npos ? AF_INET6 : AF_INET;
}
} // namespace

MdnsQuery::MdnsQuery(EventLoop &loop, std::string name, std::string interfaceAddress,
                     std::chrono::milliseconds timeout, Callback callback)
    : mLoop(loop), mName(std::move(name)), mInterfaceAddress(std::move(interfaceAddress)),
      mCallback(std::move(callback)) {
	mTimeoutTicks = std::max(1, int(timeout.count() / kTickMs));
	int wanted = familyOf(mInterfaceAddress);
	// The interfaces to ask on: the one holding ICE's bind address, or every multicast one.
	ifaddrs *list = nullptr;
	if (getifaddrs(&list) == 0) {
		for (ifaddrs *i = list; i; i = i->ifa_next) {
			if (!i->ifa_addr || !(i->ifa_flags & IFF_UP))
				continue;
			int family = i->ifa_addr->sa_family;
			if ((family != AF_INET && family != AF_INET6) || (wanted != AF_UNSPEC && family != wanted))
				continue;
			char buf[INET6_ADDRSTRLEN] = {};
			const void *raw = family == AF_INET
			                      ? static_cast<const void *>(&reinterpret_cast<sockaddr_in *>(i->ifa_addr)->sin_addr)
			                      : static_cast<const void *>(&reinterpret_cast<sockaddr_in6 *>(i->ifa_addr)->sin6_addr);
			inet_ntop(family, raw, buf, sizeof(buf));
			if (!mInterfaceAddress.empty() ? mInterfaceAddress != buf
			                               : !(i->ifa_flags & IFF_MULTICAST))
				continue;
			unsigned index = if_nametoindex(i->ifa_name);
			bool seen = false;
			for (auto &known : mInterfaces)
				seen = seen || (known.family == family && known.index == index);
			if (index && !seen)
				mInterfaces.push_back({family, index, family == AF_INET ? buf : ""});
		}
		freeifaddrs(list);
	}
	for (int family : {AF_INET, AF_INET6}) {
		if (wanted != AF_UNSPEC && wanted != family)
			continue;
		bool any = false;
		for (auto &i : mInterfaces)
			any = any || i.family == family;
		if (!any && wanted == AF_UNSPEC)
			continue;
		open(family);
		openListener(family);
	}
	if (mSockets.empty())
		LOG_WARNING("mDNS: no socket to query \"" + mName + "\" on");
	mTimer = mLoop.addTimer(std::chrono::milliseconds(kTickMs), [this] {
		++mTicks;
		if (mTicks >= mTimeoutTicks) {
			mTimer = 0;
			LOG_DEBUG("mDNS: no answer for \"" + mName + "\"");
			finish({});
			return false;
		}
		if (isSendTick(mTicks))
			sendQuery();
		return true;
	});
	sendQuery();
}

MdnsQuery::~MdnsQuery() {
	mLoop.cancel(mTimer);
	closeSockets();
}

// The socket the query leaves from (an ephemeral port: responders answer such one-shot queries
// by unicast to it, RFC 6762 section 6.7) on ICE's address when ICE is bound to one.
void MdnsQuery::open(int family) {
	Socket s;
	s.family = family;
	s.fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s.fd < 0)
		return;
	int ttl = 255, loop = 1, one = 1; // RFC 6762 section 11: TTL 255
	sockaddr_storage local{};
	socklen_t len;
	if (family == AF_INET) {
		setsockopt(s.fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl));
		setsockopt(s.fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop));
		auto *sin = reinterpret_cast<sockaddr_in *>(&local);
		sin->sin_family = AF_INET;
		if (!mInterfaceAddress.empty())
			inet_pton(AF_INET, mInterfaceAddress.c_str(), &sin->sin_addr);
		len = sizeof(sockaddr_in);
	} else {
		setsockopt(s.fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(s.fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl, sizeof(ttl));
		setsockopt(s.fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop, sizeof(loop));
		auto *sin6 = reinterpret_cast<sockaddr_in6 *>(&local);
		sin6->sin6_family = AF_INET6;
		if (!mInterfaceAddress.empty())
			inet_pton(AF_INET6, mInterfaceAddress.c_str(), &sin6->sin6_addr);
		len = sizeof(sockaddr_in6);
	}
	if (bind(s.fd, reinterpret_cast<sockaddr *>(&local), len) != 0) {
		LOG_DEBUG(std::string("mDNS: bind failed: ") + std::strerror(errno));
		::close(s.fd);
		return;
	}
	mSockets.push_back(s);
	watch(mSockets.back());
}

// Responders that answer by multicast only reach port 5353 on the group. Best effort: shared
// with any system responder through SO_REUSEPORT, skipped when the port is not available.
void MdnsQuery::openListener(int family) {
	Socket s;
	s.family = family;
	s.fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s.fd < 0)
		return;
	int one = 1;
	setsockopt(s.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(s.fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	sockaddr_storage local{};
	socklen_t len;
	if (family == AF_INET) {
		auto *sin = reinterpret_cast<sockaddr_in *>(&local);
		sin->sin_family = AF_INET;
		sin->sin_port = htons(mdns::kPort);
		len = sizeof(sockaddr_in);
	} else {
		setsockopt(s.fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		auto *sin6 = reinterpret_cast<sockaddr_in6 *>(&local);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(mdns::kPort);
		len = sizeof(sockaddr_in6);
	}
	bool joined = false;
	if (bind(s.fd, reinterpret_cast<sockaddr *>(&local), len) == 0) {
		for (auto &i : mInterfaces) {
			if (i.family != family)
				continue;
			if (family == AF_INET) {
				ip_mreqn mreq{};
				inet_pton(AF_INET, mdns::kGroupV4, &mreq.imr_multiaddr);
				mreq.imr_ifindex = int(i.index);
				joined |= setsockopt(s.fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) == 0;
			} else {
				ipv6_mreq mreq{};
				inet_pton(AF_INET6, mdns::kGroupV6, &mreq.ipv6mr_multiaddr);
				mreq.ipv6mr_interface = i.index;
				joined |= setsockopt(s.fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq, sizeof(mreq)) == 0;
			}
		}
	}
	if (!joined) {
		::close(s.fd);
		return;
	}
	mSockets.push_back(s);
	watch(mSockets.back());
}

void MdnsQuery::watch(Socket &socket) {
	socket.source = g_unix_fd_source_new(socket.fd, G_IO_IN);
	g_source_set_callback(socket.source, reinterpret_cast<GSourceFunc>(reinterpret_cast<void *>(onReadable)),
	                      this, nullptr);
	g_source_attach(socket.source, mLoop.context());
}

void MdnsQuery::sendQuery() {
	auto query = mdns::buildQuery(mName, 0, true);
	if (query.empty())
		return;
	for (auto &s : mSockets) {
		sockaddr_storage group{};
		socklen_t len;
		if (s.family == AF_INET) {
			auto *sin = reinterpret_cast<sockaddr_in *>(&group);
			sin->sin_family = AF_INET;
			sin->sin_port = htons(mdns::kPort);
			inet_pton(AF_INET, mdns::kGroupV4, &sin->sin_addr);
			len = sizeof(sockaddr_in);
		} else {
			auto *sin6 = reinterpret_cast<sockaddr_in6 *>(&group);
			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons(mdns::kPort);
			inet_pton(AF_INET6, mdns::kGroupV6, &sin6->sin6_addr);
			len = sizeof(sockaddr_in6);
		}
		int port = 0;
		sockaddr_storage bound{};
		socklen_t boundLen = sizeof(bound);
		if (getsockname(s.fd, reinterpret_cast<sockaddr *>(&bound), &boundLen) == 0)
			port = ntohs(s.family == AF_INET ? reinterpret_cast<sockaddr_in *>(&bound)->sin_port
			                                 : reinterpret_cast<sockaddr_in6 *>(&bound)->sin6_port);
		if (port == mdns::kPort)
			continue; // the group listener only listens
		bool sent = false;
		for (auto &i : mInterfaces) {
			if (i.family != s.family)
				continue;
			if (s.family == AF_INET) {
				ip_mreqn mreq{};
				mreq.imr_ifindex = int(i.index);
				setsockopt(s.fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof(mreq));
			} else {
				setsockopt(s.fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &i.index, sizeof(i.index));
			}
			sent |= sendto(s.fd, query.data(), query.size(), 0, reinterpret_cast<sockaddr *>(&group), len) >= 0;
		}
		if (mInterfaces.empty()) // the route's choice
			sent = sendto(s.fd, query.data(), query.size(), 0, reinterpret_cast<sockaddr *>(&group), len) >= 0;
		if (!sent)
			LOG_DEBUG(std::string("mDNS: query for \"") + mName + "\" not sent: " + std::strerror(errno));
	}
}

int MdnsQuery::onReadable(int fd, GIOCondition, void *self) {
	auto q = static_cast<MdnsQuery *>(self);
	uint8_t buf[9000];
	for (int i = 0; i < 64 && !q->mDone; ++i) { // bounded work per wakeup
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		auto addresses = mdns::parseAddresses(buf, size_t(n), q->mName);
		if (!addresses.empty()) {
			LOG_DEBUG("mDNS: \"" + q->mName + "\" is " + addresses.front());
			q->finish(addresses);
		}
	}
	// finish() destroyed this source already when done; keep it otherwise.
	return q->mDone ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

void MdnsQuery::finish(const std::vector<std::string> &addresses) {
	if (mDone)
		return;
	mDone = true;
	mLoop.cancel(mTimer);
	mTimer = 0;
	closeSockets();
	if (mCallback) {
		auto callback = std::move(mCallback);
		callback(addresses);
	}
}

void MdnsQuery::closeSockets() {
	for (auto &s : mSockets) {
		if (s.source) {
			g_source_destroy(s.source);
			g_source_unref(s.source);
		}
		::close(s.fd);
	}
	mSockets.clear();
}

} // namespace rtcimpl

#else // _WIN32

#include "common/log.hpp"

namespace rtcimpl {

// Windows builds carry no mDNS resolver yet (its sockets are POSIX): every query ends
// unresolved, on the loop, as a timed-out one does. Unresolved names still never count as "no
// candidate pair", so the connection comes up through peer-reflexive discovery (docs/platforms.md).
MdnsQuery::MdnsQuery(EventLoop &loop, std::string name, std::string interfaceAddress,
                     std::chrono::milliseconds, Callback callback)
    : mLoop(loop), mName(std::move(name)), mInterfaceAddress(std::move(interfaceAddress)),
      mCallback(std::move(callback)) {
	LOG_INFO("mDNS: no resolver in this Windows build; " + mName + " stays unresolved");
	mTimer = mLoop.addTimer(std::chrono::milliseconds(0), [this] {
		mTimer = 0;
		finish({});
		return false;
	});
}

MdnsQuery::~MdnsQuery() {
	if (mTimer)
		mLoop.cancel(mTimer);
}

void MdnsQuery::finish(const std::vector<std::string> &addresses) {
	if (mDone)
		return;
	mDone = true;
	auto callback = std::move(mCallback);
	if (callback)
		callback(addresses);
}

} // namespace rtcimpl

#endif // _WIN32
