// IceTransport, datagrams: sending (held before the first connection), receiving from libnice, and
// socket buffer sizes.
#include "ice/ice_transport.hpp"
#include "common/log.hpp"

#include <agent.h>
#ifdef _WIN32
#include <winsock2.h>
#else
#include <sys/socket.h>
#endif
#include <cstring>

namespace rtcimpl {

namespace {
constexpr size_t kMaxEarlyDatagrams = 16;      // a DTLS flight is a handful of datagrams
constexpr size_t kMaxEarlyBytes = 64 * 1024;
} // namespace

bool IceTransport::send(const char *data, size_t size) {
	{
		std::shared_lock lock(mAgentMutex);
		if (!mAgent)
			return false;
		if (nice_agent_send(mAgent, mSendStream.load(std::memory_order_relaxed), 1, guint(size), data) >= 0)
			return true;
	}
	std::lock_guard lock(mEarlyMutex);
	if (!mEarlyOpen || mEarly.size() >= kMaxEarlyDatagrams || mEarlyBytes + size > kMaxEarlyBytes)
		return false;
	if (mEarly.empty())
		LOG_INFO("timeline: ice send held: no pair selected yet");
	mEarly.emplace_back(data, size);
	mEarlyBytes += size;
	return true;
}

void IceTransport::flushEarly() {
	std::vector<std::string> early;
	{
		std::lock_guard lock(mEarlyMutex);
		if (!mEarlyOpen)
			return;
		mEarlyOpen = false;
		early.swap(mEarly);
		mEarlyBytes = 0;
	}
	if (early.empty())
		return;
	LOG_INFO("timeline: ice send released: " + std::to_string(early.size()) + " datagram(s)");
	std::shared_lock lock(mAgentMutex);
	if (!mAgent)
		return;
	for (const auto &d : early)
		nice_agent_send(mAgent, mSendStream.load(), 1, guint(d.size()), d.data());
}

// Loopback and LAN peers can outrun a default-sized socket buffer in bursts (the kernel then
// drops datagrams, which costs unreliable channels messages and reliable ones a congestion
// window cut). Larger buffers on the selected pair's socket absorb the bursts.
void IceTransport::enlargeSocketBuffers() {
	NiceAgent *agent = currentAgent();
	if (!agent)
		return;
	GSocket *socket = nice_agent_get_selected_socket(agent, mSendStream.load(), 1);
	if (!socket) {
		LOG_DEBUG("ICE: no socket for the selected pair");
		return;
	}
	int fd = g_socket_get_fd(socket);
	int size = 4 * 1024 * 1024;
	// (const char *: Winsock's option type; POSIX takes it as const void *.)
	auto set = [fd, &size](int option) {
		return setsockopt(fd, SOL_SOCKET, option, reinterpret_cast<const char *>(&size), sizeof(size));
	};
#ifdef SO_RCVBUFFORCE
	// The FORCE variants pass net.core.rmem_max when privileged; otherwise the plain ones apply.
	if (set(SO_RCVBUFFORCE) != 0)
		set(SO_RCVBUF);
	if (set(SO_SNDBUFFORCE) != 0)
		set(SO_SNDBUF);
#else
	set(SO_RCVBUF);
	set(SO_SNDBUF);
#endif
	int rcv = 0;
	socklen_t len = sizeof(rcv);
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, reinterpret_cast<char *>(&rcv), &len);
	LOG_DEBUG("ICE socket " + std::to_string(fd) + " receive buffer " + std::to_string(rcv));
	g_object_unref(socket);
}

void IceTransport::onReceive(NiceAgent *, unsigned, unsigned, unsigned len, char *buf, void *self) {
	auto t = static_cast<IceTransport *>(self);
	if (!t->mClosed && t->mCallbacks.data)
		t->mCallbacks.data(buf, len);
}

} // namespace rtcimpl
