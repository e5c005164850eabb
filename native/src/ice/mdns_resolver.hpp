// One-shot multicast DNS resolution (RFC 6762 section 5.1) of a "<name>.local" ICE candidate
// address, on the owner's event loop, without a system daemon: the query goes to 224.0.0.251 /
// ff02::fb port 5353 on the interface ICE is bound to (every multicast interface when ICE binds
// to none), asks for a unicast answer (QU bit) and also listens on the group, so both legacy
// unicast replies and multicast replies are heard. Repeated a few times, given up after a
// bounded time (the callback then gets no address).
#pragma once

#include "common/event_loop.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace rtcimpl {

class MdnsQuery {
public:
	using Callback = std::function<void(const std::vector<std::string> &addresses)>;

	// Construct, use and destroy on the loop thread. The callback runs once, on the loop,
	// with the addresses found (IPv4 first) or none after `timeout`; the query is idle after it.
	MdnsQuery(EventLoop &loop, std::string name, std::string interfaceAddress,
	          std::chrono::milliseconds timeout, Callback callback);
	~MdnsQuery();
	MdnsQuery(const MdnsQuery &) = delete;
	MdnsQuery &operator=(const MdnsQuery &) = delete;

	bool done() const { return mDone; }

private:
	struct Socket {
		int fd = -1;
		int family = 0;
		GSource *source = nullptr;
	};
	struct Interface {
		int family;
		unsigned index;
		std::string address; // numeric, IPv4 interfaces only (for IP_MULTICAST_IF)
	};
	void open(int family);
	void openListener(int family);
	void watch(Socket &socket);
	void sendQuery();
	static int onReadable(int fd, GIOCondition, void *self);
	void finish(const std::vector<std::string> &addresses);
	void closeSockets();

	EventLoop &mLoop;
	std::string mName;
	std::string mInterfaceAddress;
	Callback mCallback;
	std::vector<Interface> mInterfaces;
	std::vector<Socket> mSockets;
	guint mTimer = 0;
	int mTicks = 0, mTimeoutTicks = 0;
	bool mDone = false;
};

} // namespace rtcimpl
