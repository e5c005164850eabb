// SctpTransport lifecycle: usrsctp setup and teardown, the association's start, lower-layer
// input/output, close, graceful shutdown. Sending, stream resets/growth and reading live in
// sctp_send.cpp, sctp_streams.cpp and sctp_receive.cpp.
#include "sctp/sctp_transport.hpp"
#include "common/event_loop.hpp"
#include "common/log.hpp"
#include "sctp/crc32c.hpp"
#include "sctp/sctp_settings.hpp"

#ifdef _WIN32
#include <winsock2.h> // htons
#else
#include <arpa/inet.h>
#endif
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <shared_mutex>
#include <stdexcept>
#include <unordered_map>
#include <algorithm>
#include <vector>
#include "sctp/sctp_transport_internal.hpp"

namespace rtcimpl {

using namespace sctp_internal;

namespace {


// usrsctp names each association's AF_CONN address, and each socket's upcall argument, by an
// opaque pointer. A transport's token is never reused in the process: an association usrsctp
// still holds after its transport is gone (in its shutdown, or until its timers free it) can
// neither collide with the bind of a new transport allocated at the same heap address
// (EADDRINUSE) nor send through it. Only live transports are found.
std::shared_mutex gLiveMutex;
std::unordered_map<void *, SctpTransport *> gLive; // token -> transport
std::atomic<uintptr_t> gLastToken{0};

SctpTransport *liveTransport(void *token) { // gLiveMutex held
	auto it = gLive.find(token);
	return it != gLive.end() ? it->second : nullptr;
}

std::mutex gTimerMutex;
guint gTimer = 0;
std::chrono::steady_clock::time_point gLastTick;
int gTransportCount = 0;

// usrsctp runs without threads here, so its clock is driven from the loop.
void startTimers() {
	std::lock_guard lock(gTimerMutex);
	if (gTransportCount++ > 0)
		return;
	gLastTick = std::chrono::steady_clock::now();
	gTimer = EventLoop::instance().addTimer(std::chrono::milliseconds(10), [] {
		auto now = std::chrono::steady_clock::now();
		uint32_t elapsed;
		{
			std::lock_guard lock(gTimerMutex);
			elapsed = uint32_t(std::chrono::duration_cast<std::chrono::milliseconds>(now - gLastTick).count());
			gLastTick += std::chrono::milliseconds(elapsed);
		}
		if (elapsed)
			usrsctp_handle_timers(elapsed);
		return true;
	});
}

void stopTimers() {
	std::lock_guard lock(gTimerMutex);
	if (--gTransportCount > 0)
		return;
	// Keep ticking a little after the last association goes so its teardown timers fire.
	guint timer = gTimer;
	gTimer = 0;
	EventLoop::instance().addTimer(std::chrono::milliseconds(200), [timer] {
		std::lock_guard lock(gTimerMutex);
		if (gTransportCount == 0)
			EventLoop::instance().cancel(timer);
		else
			gTimer = timer;
		return false;
	});
}

sctp::WindowTuner windowTuner(int initial, bool tune) {
	return sctp::WindowTuner(size_t(initial), tune ? size_t(sctp::current().maxWindowSize) : size_t(initial));
}

} // namespace

int SctpTransport::streamCap() {
	static const int cap = [] {
		const char *env = std::getenv("WEBRTCNATIVE_SCTP_MAX_STREAMS");
		int v = env ? std::atoi(env) : 65535;
		return std::max(2, std::min(65535, v));
	}();
	return cap;
}

namespace {
std::mutex gInitMutex;
bool gInitialized = false; // gInitMutex
} // namespace

void SctpTransport::init() {
	std::lock_guard lock(gInitMutex);
	if (gInitialized)
		return;
	gInitialized = true;
	{
		// No threads: Debian's usrsctp would otherwise open raw SCTP sockets on every interface.
		usrsctp_init_nothreads(0, connOutput, nullptr);
		// DTLS already authenticates every packet, so incoming checksums need no check; the
		// outgoing one is still required by peers and is stamped in connOutput with the CPU's
		// CRC32 instruction, much cheaper than usrsctp's software loop.
		usrsctp_enable_crc32c_offload();
		usrsctp_sysctl_set_sctp_ecn_enable(0);
		usrsctp_sysctl_set_sctp_pr_enable(1);
		usrsctp_sysctl_set_sctp_asconf_enable(0);
		usrsctp_sysctl_set_sctp_auth_enable(0);
		usrsctp_sysctl_set_sctp_nr_outgoing_streams_default(kInitialStreams);
		usrsctp_sysctl_set_sctp_blackhole(2);
		usrsctp_sysctl_set_sctp_enable_sack_immediately(1);
		sctp::applyGlobal();
	}
}

bool SctpTransport::stopClock() {
	guint timer;
	{
		std::lock_guard lock(gTimerMutex);
		if (gTransportCount > 0)
			return false;
		timer = gTimer;
		gTimer = 0;
	}
	if (timer)
		EventLoop::instance().runSync([timer] { EventLoop::instance().cancel(timer); });
	return true;
}

bool SctpTransport::finish() {
	std::lock_guard lock(gInitMutex);
	if (!gInitialized)
		return true;
	// Closed associations are freed by usrsctp's timers: tick them here (no loop runs any
	// more) until usrsctp agrees to stop, for at most ~2 s.
	for (int i = 0; i < 200; ++i) {
		if (usrsctp_finish() == 0) {
			gInitialized = false;
			return true;
		}
		usrsctp_handle_timers(10);
		g_usleep(10000);
	}
	return false;
}

SctpTransport::SctpTransport(EventLoop &loop, uint16_t localPort, uint16_t remotePort, uint32_t maxRecvMessageSize,
                             int mtu, uint16_t peerAddStreamsUpTo, LowerSend lowerSend, Callbacks callbacks)
    : mLoop(loop), mLocalPort(localPort), mRemotePort(remotePort), mMaxRecvMessageSize(maxRecvMessageSize),
      mMtu(mtu), mLowerSend(std::move(lowerSend)), mCallbacks(std::move(callbacks)),
      mSendTuner(windowTuner(sctp::current().sendBufferSize, sctp::current().tuneSend)),
      mRecvTuner(windowTuner(sctp::current().recvBufferSize, sctp::current().tuneRecv)),
      mBaseRtoMinMs(uint32_t(sctp::current().minRetransmitTimeoutMs)),
      mRtoMaxMs(uint32_t(sctp::current().maxRetransmitTimeoutMs)),
      mRtoInitialMs(uint32_t(sctp::current().initialRetransmitTimeoutMs)) {
	init();
	// Streams beyond the setup's 1024 only with a peer known to answer add-streams requests:
	// pion, for one, ignores them, and an unanswered request would hold up every later stream
	// reset (channel close) on the association.
	const int streams = peerAddStreamsUpTo > 0 ? std::min(streamCap(), int(peerAddStreamsUpTo))
	                                           : std::min(streamCap(), int(kInitialStreams));
	mMaxStream = std::min(streams, 65535) - 1;
	{
		std::unique_lock lock(gLiveMutex);
		gLive.emplace(mToken, this);
	}
	usrsctp_register_address(mToken);
	auto settings = sctp::current();
	// No receive callback: reads happen in readAvailable (usrsctp_recvv) so that they can stop
	// while a channel's receive queue is full, which closes the SCTP receive window.
	mSocket = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, nullptr, nullptr, 0, nullptr);
	if (!mSocket) {
		usrsctp_deregister_address(mToken);
		std::unique_lock lock(gLiveMutex);
		gLive.erase(mToken);
		throw std::runtime_error("usrsctp_socket failed: " + std::string(strerror(errno)));
	}
	usrsctp_set_non_blocking(mSocket, 1);
	usrsctp_set_upcall(mSocket, upcall, mToken);

	struct linger lg{1, 0}; // close = abort: nothing lingers after the peer connection goes
	setOpt(mSocket, SOL_SOCKET, SO_LINGER, lg);
	setOpt(mSocket, SOL_SOCKET, SO_RCVBUF, settings.recvBufferSize);
	setOpt(mSocket, SOL_SOCKET, SO_SNDBUF, settings.sendBufferSize);

	struct sctp_assoc_value av{};
	av.assoc_id = SCTP_ALL_ASSOC;
	av.assoc_value = SCTP_ENABLE_RESET_STREAM_REQ | SCTP_ENABLE_CHANGE_ASSOC_REQ;
	setOpt(mSocket, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, av);
	setOpt(mSocket, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1);
	setOpt(mSocket, IPPROTO_SCTP, SCTP_NODELAY, 1);
	// Messages of different streams may interleave during partial delivery.
	setOpt(mSocket, IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, 2);
	// Streams take turns message by message (RFC 8260 round-robin scheduler), rather than the
	// order messages were queued in: a small message is not stuck behind another stream's bulk.
	struct sctp_assoc_value ss{};
	ss.assoc_id = SCTP_FUTURE_ASSOC;
	ss.assoc_value = SCTP_SS_ROUND_ROBIN;
	if (!setOpt(mSocket, IPPROTO_SCTP, SCTP_PLUGGABLE_SS, ss))
		LOG_WARNING("SCTP round-robin stream scheduler unavailable: " + std::string(strerror(errno)));

	struct sctp_event ev{};
	ev.se_assoc_id = SCTP_ALL_ASSOC;
	ev.se_on = 1;
	for (uint16_t type : {SCTP_ASSOC_CHANGE, SCTP_SENDER_DRY_EVENT, SCTP_STREAM_RESET_EVENT,
	                      SCTP_STREAM_CHANGE_EVENT}) {
		ev.se_type = type;
		setOpt(mSocket, IPPROTO_SCTP, SCTP_EVENT, ev);
	}

	struct sctp_initmsg init{};
	init.sinit_num_ostreams = uint16_t(std::min(streams, int(kInitialStreams)));
	// usrsctp keeps state for every incoming stream a peer announces at setup (browsers announce
	// 65535): accept more than 1024 only from a peer that itself adds streams when it needs them.
	init.sinit_max_instreams = uint16_t(peerAddStreamsUpTo > 0 ? streamCap() : std::min(streams, int(kInitialStreams)));
	setOpt(mSocket, IPPROTO_SCTP, SCTP_INITMSG, init);

	// The path MTU is fixed: no PMTU discovery over DTLS. SCTP's packet must fit in one DTLS
	// record inside one UDP datagram: link MTU - IPv6/UDP (48) - DTLS record overhead (~37).
	struct sctp_paddrparams pp{};
	pp.spp_assoc_id = SCTP_FUTURE_ASSOC;
	pp.spp_flags = SPP_PMTUD_DISABLE;
	pp.spp_pathmtu = uint32_t(mtu - 48 - 40);
	setOpt(mSocket, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, pp);

	if (settings.delayedSackTimeMs != 0) {
		struct sctp_sack_info si{};
		si.sack_assoc_id = SCTP_FUTURE_ASSOC;
		si.sack_delay = settings.delayedSackTimeMs < 0 ? 0 : uint32_t(settings.delayedSackTimeMs);
		si.sack_freq = settings.delayedSackTimeMs < 0 ? 1 : 2;
		setOpt(mSocket, IPPROTO_SCTP, SCTP_DELAYED_SACK, si);
	}

	struct sockaddr_conn sconn{};
	sconn.sconn_family = AF_CONN;
	sconn.sconn_port = htons(mLocalPort);
	sconn.sconn_addr = mToken;
	if (usrsctp_bind(mSocket, reinterpret_cast<struct sockaddr *>(&sconn), sizeof(sconn)) != 0) {
		int e = errno;
		usrsctp_close(mSocket);
		mSocket = nullptr;
		usrsctp_deregister_address(mToken);
		std::unique_lock lock(gLiveMutex);
		gLive.erase(mToken);
		throw std::runtime_error("usrsctp_bind failed: " + std::string(strerror(e)));
	}
	startTimers();
}

SctpTransport::~SctpTransport() {
	close();
	mLoop.cancel(mShutdownTimer);
	stopTimers();
}

void SctpTransport::start() {
	if (mClosed || !mSocket)
		return;
	struct sockaddr_conn sconn{};
	sconn.sconn_family = AF_CONN;
	sconn.sconn_port = htons(mRemotePort);
	sconn.sconn_addr = mToken;
	// Both sides connect; SCTP resolves the INIT collision (RFC 4960 section 5.2).
	LOG_INFO("timeline: sctp connect: INIT");
	if (usrsctp_connect(mSocket, reinterpret_cast<struct sockaddr *>(&sconn), sizeof(sconn)) != 0 &&
	    errno != EINPROGRESS) {
		LOG_ERROR("SCTP connect failed: " + std::string(strerror(errno)));
		if (mCallbacks.closed)
			mCallbacks.closed();
	}
}

void SctpTransport::incoming(const char *data, size_t size) {
	if (mClosed)
		return;
	// Events this packet raises are handled right after usrsctp returns, without a trip
	// through the loop's queue (the upcall only notes them: usrsctp's locks are held there).
	mInInput = true;
	usrsctp_conninput(mToken, data, size, 0);
	mInInput = false;
	if (mEventsPending) {
		mEventsPending = false;
		onEvents();
	}
}

int SctpTransport::connOutput(void *addr, void *buffer, size_t length, uint8_t, uint8_t) {
	std::shared_lock lock(gLiveMutex);
	auto t = liveTransport(addr);
	if (!t)
		return -1;
	t->mRetransmissions.observe(buffer, length);
	sctpStampChecksum(buffer, length);
	return t->mLowerSend(static_cast<const char *>(buffer), length) ? 0 : -1;
}

void SctpTransport::close() {
	struct socket *sock;
	{
		std::lock_guard lock(mSendMutex);
		if (mClosed.exchange(true))
			return;
		std::lock_guard socketLock(mSocketMutex);
		sock = mSocket;
		mSocket = nullptr;
		mQueues.clear();
		mHasQueued = false;
	}
	if (sock) {
		usrsctp_shutdown(sock, SHUT_RDWR);
		usrsctp_close(sock);
	}
	usrsctp_deregister_address(mToken);
	std::unique_lock lock(gLiveMutex);
	gLive.erase(mToken);
}

void *SctpTransport::newToken() { return reinterpret_cast<void *>(++gLastToken); }

void SctpTransport::upcall(struct socket *, void *arg, int) {
	// Runs inside usrsctp, possibly on loop 0's timer thread and with usrsctp's locks held, and
	// carries a token: only a transport still registered is used (its destructor
	// unregisters it under the exclusive lock), and only to schedule work on its loop, which
	// holds a weak reference.
	std::shared_lock lock(gLiveMutex);
	auto t = liveTransport(arg);
	if (!t || t->mClosed)
		return;
	if (t->mLoop.isLoopThread() && t->mInInput)
		t->mEventsPending = true; // incoming() handles them when usrsctp returns
	else
		t->scheduleEvents();
}

void SctpTransport::shutdown(std::chrono::milliseconds bound, std::function<void()> done) {
	if (mClosed || !mConnected || mShutdownDone) {
		if (done)
			done();
		return;
	}
	mShutdownDone = std::move(done);
	auto deadline = std::chrono::steady_clock::now() + bound;
	// Polled: the send queue drains through usrsctp's upcalls, and SHUTDOWN must wait for it.
	mShutdownTimer = mLoop.addTimer(std::chrono::milliseconds(5), [this, weak = weak_from_this(), deadline] {
		auto keep = weak.lock();
		if (!keep)
			return false;
		if (!mShutdownDone) {
			mShutdownTimer = 0;
			return false;
		}
		if (std::chrono::steady_clock::now() >= deadline) {
			LOG_INFO("SCTP shutdown not complete within its bound; the association is aborted");
			mShutdownTimer = 0;
			finishShutdown();
			return false;
		}
		if (!mShutdownSent) {
			std::lock_guard lock(mSendMutex);
			if (mQueues.empty() && mSocket && !mClosed) {
				usrsctp_shutdown(mSocket, SHUT_WR);
				mShutdownSent = true;
			}
		}
		return true;
	});
}

void SctpTransport::finishShutdown() {
	if (!mShutdownDone)
		return;
	auto done = std::move(mShutdownDone);
	mShutdownDone = nullptr;
	if (mShutdownTimer) {
		mLoop.cancel(mShutdownTimer);
		mShutdownTimer = 0;
	}
	// Later, never from inside a usrsctp upcall: `done` may tear this transport down.
	mLoop.post(std::move(done));
}

} // namespace rtcimpl
