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

namespace rtcimpl {

namespace {
// Streams negotiated at setup. RFC 8831 asks for 65535, but usrsctp allocates state for every
// negotiated stream up front (tens of bytes each, per direction), so setup asks for 1024, as
// upstream libdatachannel and Chromium's usrsctp did, and grows on first use of a higher id.
constexpr uint16_t kInitialStreams = 1024;
constexpr int kMaxGrowRetries = 50;
// After usrsctp's send buffer was full, queued messages are handed over again this much later.
constexpr std::chrono::milliseconds kSendRetry{1};
// Longest wait between attempts to issue a stream reset refused while another reconfiguration
// request is outstanding.
constexpr int kMaxResetRetryMs = 200;

std::string streamList(const std::vector<uint16_t> &streams) {
	std::string s;
	for (uint16_t stream : streams)
		s += (s.empty() ? "" : ",") + std::to_string(stream);
	return s;
}

std::string hex(unsigned value) {
	char buf[16];
	snprintf(buf, sizeof(buf), "%x", value);
	return buf;
}

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

template <typename T> bool setOpt(struct socket *s, int level, int name, const T &value) {
	return usrsctp_setsockopt(s, level, name, &value, socklen_t(sizeof(T))) == 0;
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

int SctpTransport::trySend(uint16_t stream, uint32_t ppid, const char *data, size_t size,
                           const SctpReliability &rel) {
	struct sctp_sendv_spa spa{};
	spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
	spa.sendv_sndinfo.snd_sid = stream;
	spa.sendv_sndinfo.snd_ppid = htonl(ppid);
	spa.sendv_sndinfo.snd_flags = SCTP_EOR | (rel.unordered ? SCTP_UNORDERED : 0);
	if (rel.type != SctpReliability::Type::Reliable) {
		spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
		spa.sendv_prinfo.pr_policy =
		    rel.type == SctpReliability::Type::Rexmit ? SCTP_PR_SCTP_RTX : SCTP_PR_SCTP_TTL;
		spa.sendv_prinfo.pr_value = rel.value;
	}
	ssize_t n = usrsctp_sendv(mSocket, data, size, nullptr, 0, &spa, sizeof(spa), SCTP_SENDV_SPA, 0);
	if (n >= 0)
		return 1;
	if (errno == EWOULDBLOCK || errno == EAGAIN || errno == ENOBUFS)
		return 0;
	LOG_WARNING("SCTP send failed on stream " + std::to_string(stream) + ": " + strerror(errno));
	return -1;
}

bool SctpTransport::send(uint16_t stream, uint32_t ppid, const char *data, size_t size,
                         const SctpReliability &reliability) {
	// Counted once accepted (queued here or taken by usrsctp), with the payload's real size.
	const bool counted = ppid != uint32_t(Ppid::Dcep);
	const size_t payload = size;
	// Empty messages travel as one zero byte with the "empty" PPIDs (RFC 8831 section 6.6).
	static const char zero = 0;
	if (size == 0) {
		if (ppid == uint32_t(Ppid::String))
			ppid = uint32_t(Ppid::StringEmpty);
		else if (ppid == uint32_t(Ppid::Binary))
			ppid = uint32_t(Ppid::BinaryEmpty);
		data = &zero;
		size = 1;
	}
	std::lock_guard lock(mSendMutex);
	if (mClosed || !mSocket || int(stream) > mMaxStream.load())
		return false;
	bool streamReady = int(stream) < mOutStreams.load();
	if (!streamReady)
		wantStreams(int(stream) + 1); // the message waits in the queue for the new streams
	auto queue = mQueues.find(stream);
	if (queue == mQueues.end() && streamReady) {
		// Nothing of this stream waits: straight to usrsctp. Other streams' queued messages
		// need not go first (no order across streams).
		int r = trySend(stream, ppid, data, size, reliability);
		if (r > 0) {
			if (counted)
				mTraffic.sent(payload);
			if (mSendTuner.count(size))
				tuneSend();
			return true;
		}
		if (r < 0)
			return false;
	}
	if (queue == mQueues.end())
		queue = mQueues.emplace(stream, std::deque<Pending>()).first;
	queue->second.push_back(Pending{stream, ppid, reliability, std::chrono::steady_clock::now(),
	                                std::vector<char>(data, data + size)});
	mHasQueued = true;
	addBuffered(stream, long(size));
	if (counted)
		mTraffic.sent(payload);
	return true;
}

void SctpTransport::addBuffered(uint16_t stream, long delta) {
	auto &amount = mBuffered[stream];
	amount = size_t(long(amount) + delta);
}

size_t SctpTransport::bufferedAmount(uint16_t stream) const {
	std::lock_guard lock(mSendMutex);
	auto it = mBuffered.find(stream);
	return it != mBuffered.end() ? it->second : 0;
}

int SctpTransport::sendQueued(std::deque<Pending> &queue, std::vector<Change> &changed) {
	auto &p = queue.front();
	SctpReliability rel = p.reliability;
	bool expired = false;
	if (rel.type == SctpReliability::Type::Timed) {
		// Time in our queue counts toward maxPacketLifeTime: usrsctp gets what is left of it.
		auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
		                                                                    p.queued)
		                  .count();
		if (waited >= long(rel.value))
			expired = true;
		else
			rel.value -= uint32_t(waited);
	}
	if (expired) {
		uint64_t n = ++mExpired;
		if (n == 1 || n % 1000 == 0)
			LOG_INFO("SCTP: " + std::to_string(n) + " message(s) outlived their maxPacketLifeTime in the send "
			         "queue and were not sent");
	} else {
		int r = trySend(p.stream, p.ppid, p.data.data(), p.data.size(), rel);
		if (r == 0)
			return 0;
		if (mSendTuner.count(p.data.size()))
			tuneSend();
	}
	size_t before = mBuffered[p.stream];
	addBuffered(p.stream, -long(p.data.size()));
	changed.push_back({p.stream, before, mBuffered[p.stream]});
	queue.pop_front();
	return 1;
}

void SctpTransport::flush() {
	std::vector<Change> changed;
	{
		std::lock_guard lock(mSendMutex);
		// Round-robin over the streams with queued messages, one message per stream per turn,
		// until usrsctp's buffer is full.
		bool blocked = false, progress = true;
		while (!blocked && progress && !mQueues.empty() && !mClosed) {
			progress = false;
			auto it = mQueues.lower_bound(mNextStream);
			for (size_t n = mQueues.size(); n > 0 && !blocked; --n) {
				if (it == mQueues.end())
					it = mQueues.begin();
				uint16_t stream = it->first;
				if (int(stream) >= mOutStreams.load()) {
					++it; // waits for an add-streams answer, which flushes again
					continue;
				}
				if (sendQueued(it->second, changed) == 0) {
					blocked = mSendBlocked = true;
					mNextStream = stream; // its turn again when space frees
					break;
				}
				progress = true;
				mNextStream = uint16_t(stream + 1);
				if (it->second.empty())
					it = mQueues.erase(it);
				else
					++it;
			}
		}
		mHasQueued = !mQueues.empty();
		bool ready = false;
		for (auto it = mResetAfterFlush.begin(); it != mResetAfterFlush.end();) {
			if (mBuffered[*it] == 0) {
				mResetReady.insert(*it);
				it = mResetAfterFlush.erase(it);
				ready = true;
			} else {
				++it;
			}
		}
		if (ready)
			issueResets();
	}
	if (mCallbacks.bufferedAmount)
		for (auto &c : changed)
			mCallbacks.bufferedAmount(c.stream, c.before, c.after);
}

bool SctpTransport::pathStatus(struct sctp_status &st) {
	socklen_t len = sizeof(st);
	if (!mSocket || usrsctp_getsockopt(mSocket, IPPROTO_SCTP, SCTP_STATUS, &st, &len) != 0)
		return false;
	uint32_t srtt = st.sstat_primary.spinfo_srtt;
	// RFC 4960's RTO = srtt + 4 * rttvar comes within a few ms of srtt on a steady path, so a
	// SACK held back by the peer's delayed-ack timer or a busy host fires a spurious T3 timeout
	// that collapses cwnd to one MTU (this was the 41 s drain at 200 ms RTT). Like TCP's 200 ms
	// floor on its variance term, the timeout here never goes below srtt + 200 ms.
	uint32_t floor = std::min(mRtoMaxMs, std::max(mBaseRtoMinMs, srtt + 200));
	if (srtt > 0 && (floor > mRtoFloorMs + 20 || floor + 20 < mRtoFloorMs)) {
		struct sctp_rtoinfo rto{};
		rto.srto_min = floor;
		rto.srto_max = mRtoMaxMs;
		rto.srto_initial = std::max(floor, std::min(mRtoInitialMs, mRtoMaxMs));
		if (setOpt(mSocket, IPPROTO_SCTP, SCTP_RTOINFO, rto))
			mRtoFloorMs = floor;
	}
	return true;
}

void SctpTransport::tuneSend() {
	struct sctp_status st{};
	if (!pathStatus(st))
		return;
	if (size_t next = mSendTuner.checkInFlight(st.sstat_primary.spinfo_cwnd)) {
		setOpt(mSocket, SOL_SOCKET, SO_SNDBUF, int(next));
		LOG_DEBUG("SCTP send window " + std::to_string(next) + " (cwnd " +
		          std::to_string(st.sstat_primary.spinfo_cwnd) + ")");
	}
}

void SctpTransport::tuneReceive(std::chrono::steady_clock::time_point at) {
	mRecvTunePosted = false;
	std::lock_guard lock(mSendMutex);
	if (mClosed || !mSocket)
		return;
	struct sctp_status st{};
	if (!pathStatus(st))
		return;
	auto srtt = std::chrono::milliseconds(std::max<uint32_t>(st.sstat_primary.spinfo_srtt, 1));
	if (size_t next = mRecvTuner.check(at, srtt)) {
		setOpt(mSocket, SOL_SOCKET, SO_RCVBUF, int(next));
		LOG_DEBUG("SCTP receive window " + std::to_string(next) + " (srtt " + std::to_string(srtt.count()) + " ms)");
	}
}

bool SctpTransport::resetStream(uint16_t stream) {
	std::lock_guard lock(mSendMutex);
	if (mClosed || !mSocket || !mConnected)
		return false;
	// Queued messages go first: the reset must not overtake them.
	auto it = mBuffered.find(stream);
	if (it != mBuffered.end() && it->second > 0) {
		LOG_DEBUG("SCTP reset of stream " + std::to_string(stream) + " waits for " + std::to_string(it->second) +
		          " queued bytes");
		mResetAfterFlush.insert(stream);
		return true;
	}
	mResetReady.insert(stream);
	issueResets();
	return true;
}

void SctpTransport::issueResets() {
	if (mResetReady.empty() || mClosed || !mSocket)
		return;
	// 0 when usrsctp took the request, else its errno.
	auto request = [this](const std::vector<uint16_t> &streams) {
		std::vector<char> buf(sizeof(sctp_reset_streams) + streams.size() * sizeof(uint16_t));
		auto srs = reinterpret_cast<sctp_reset_streams *>(buf.data());
		srs->srs_assoc_id = SCTP_ALL_ASSOC;
		srs->srs_flags = SCTP_STREAM_RESET_OUTGOING;
		srs->srs_number_streams = uint16_t(streams.size());
		for (size_t i = 0; i < streams.size(); ++i)
			srs->srs_stream_list[i] = streams[i];
		return usrsctp_setsockopt(mSocket, IPPROTO_SCTP, SCTP_RESET_STREAMS, srs, socklen_t(buf.size())) == 0
		           ? 0
		           : errno;
	};
	auto busy = [](int err) { return err == EALREADY || err == EBUSY; };
	// Every ready stream in one request: a run of closes costs one round trip, not one each.
	std::vector<uint16_t> all(mResetReady.begin(), mResetReady.end());
	int err = request(all);
	if (err == 0) {
		LOG_DEBUG("SCTP asks the peer to reset stream(s) " + streamList(all));
		mResetReady.clear();
		mResetRetryMs = 0;
		return;
	}
	if (busy(err)) {
		LOG_DEBUG("SCTP reset of stream(s) " + streamList(all) + " waits for the outstanding reconfiguration (" +
		          strerror(err) + ")");
		scheduleResetRetry();
		return;
	}
	// Refused for good: stream by stream, so that one bad id does not hold up the others. A
	// stream usrsctp will not reset is reported as reset (logged), so that its id is not held
	// forever; the peer's side of it stays open.
	for (uint16_t stream : all) {
		err = request({stream});
		if (busy(err)) { // the one just issued is outstanding now: the rest wait for it
			scheduleResetRetry();
			return;
		}
		if (err == ENOENT) { // the association is gone, and with it every stream: nothing to reset
			LOG_DEBUG("SCTP reset of stream(s) " + streamList(all) + " moot: no association");
			mResetReady.clear();
			return;
		}
		mResetReady.erase(stream);
		if (err == 0) {
			LOG_DEBUG("SCTP asks the peer to reset stream " + std::to_string(stream));
			continue;
		}
		LOG_WARNING("SCTP cannot reset stream " + std::to_string(stream) + ": " + strerror(err));
		mLoop.post([this, weak = weak_from_this(), stream] {
			auto keep = weak.lock();
			if (keep && !mClosed && mCallbacks.outgoingReset)
				mCallbacks.outgoingReset(stream);
		});
	}
	mResetRetryMs = 0;
}

void SctpTransport::scheduleResetRetry() {
	// The outstanding request's completion (a stream reset or stream change event) normally
	// issues the waiting resets; the timer covers a completion we are not told about. It backs
	// off to kMaxResetRetryMs and stops once nothing waits or the association is closed.
	if (mResetRetryScheduled)
		return;
	mResetRetryScheduled = true;
	mResetRetryMs = std::min(kMaxResetRetryMs, std::max(10, mResetRetryMs * 2));
	mLoop.addTimer(std::chrono::milliseconds(mResetRetryMs), [this, weak = weak_from_this()] {
		if (auto keep = weak.lock()) {
			std::lock_guard lock(mSendMutex);
			mResetRetryScheduled = false;
			issueResets();
		}
		return false;
	});
}

void SctpTransport::wantStreams(int count) {
	mWantOut = std::max(mWantOut, count);
	if (!mGrowInFlight && mConnected)
		growStreams();
}

void SctpTransport::growStreams() {
	int out = mOutStreams.load();
	if (mClosed || !mSocket || mWantOut <= out || mGrowInFlight)
		return;
	// Doubling keeps a run of channel creations to a handful of round trips.
	int cap = mMaxStream.load() + 1;
	int target = std::min(cap, std::max(mWantOut, out * 2));
	struct sctp_add_streams add{};
	add.sas_assoc_id = SCTP_ALL_ASSOC;
	add.sas_outstrms = uint16_t(target - out);
	if (usrsctp_setsockopt(mSocket, IPPROTO_SCTP, SCTP_ADD_STREAMS, &add, socklen_t(sizeof(add))) == 0) {
		mGrowInFlight = true;
		LOG_DEBUG("SCTP asks to add " + std::to_string(target - out) + " outgoing streams");
		return;
	}
	// One reconfiguration at a time (RFC 6525 section 5.1.1): a stream reset is in flight.
	if ((errno == EALREADY || errno == EBUSY) && ++mGrowRetries <= kMaxGrowRetries * 4) {
		scheduleGrow(std::chrono::milliseconds(20));
		return;
	}
	LOG_WARNING("SCTP cannot add streams: " + std::string(strerror(errno)));
	refuseStreamsFrom(out);
}

void SctpTransport::refuseStreamsFrom(int first) {
	// mSendMutex held. No stream at or above `first` will exist: drop what waits for one.
	mMaxStream = first - 1;
	mWantOut = first;
	for (auto it = mQueues.lower_bound(uint16_t(std::min(first, 65535))); it != mQueues.end();) {
		for (auto &p : it->second)
			addBuffered(it->first, -long(p.data.size()));
		it = mQueues.erase(it);
	}
	mHasQueued = !mQueues.empty();
	mLoop.post([this, weak = weak_from_this(), first] {
		auto keep = weak.lock();
		if (!keep || mClosed) // closed: no callback (the owner may be gone)
			return;
		if (mCallbacks.streamsRefused)
			mCallbacks.streamsRefused(uint16_t(first));
		scheduleEvents();
	});
}

void SctpTransport::scheduleGrow(std::chrono::milliseconds delay) {
	mLoop.addTimer(delay, [this, weak = weak_from_this()] {
		if (auto keep = weak.lock()) {
			std::lock_guard lock(mSendMutex);
			growStreams();
		}
		return false;
	});
}

void SctpTransport::onStreamChange(const struct sctp_stream_change_event &e) {
	std::lock_guard lock(mSendMutex);
	issueResets(); // the add-streams request is over: resets refused meanwhile may go now
	bool ours = mGrowInFlight;
	if (e.strchange_flags & (SCTP_STREAM_CHANGE_DENIED | SCTP_STREAM_CHANGE_FAILED)) {
		if (!ours)
			return;
		mGrowInFlight = false;
		// "Failed" covers the peer being busy with its own reconfiguration: ask again.
		if ((e.strchange_flags & SCTP_STREAM_CHANGE_FAILED) && ++mGrowRetries <= kMaxGrowRetries) {
			scheduleGrow(std::chrono::milliseconds(20));
			return;
		}
		LOG_WARNING("SCTP peer refused more than " + std::to_string(mOutStreams.load()) + " streams");
		refuseStreamsFrom(mOutStreams.load());
		return;
	}
	int out = std::min<int>(e.strchange_outstrms, mMaxStream.load() + 1);
	if (out > mOutStreams.load()) {
		mOutStreams = out;
		mGrowInFlight = false;
		mGrowRetries = 0;
		LOG_DEBUG("SCTP outgoing streams now " + std::to_string(out));
	}
	if (mWantOut > mOutStreams.load())
		scheduleGrow(std::chrono::milliseconds(0));
	scheduleEvents();
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

void SctpTransport::scheduleEvents() {
	if (mEventsScheduled.exchange(true))
		return;
	// Sending or reading from inside usrsctp's upcall could re-enter it with its locks held.
	mLoop.post([this, weak = weak_from_this()] {
		auto keep = weak.lock();
		if (!keep)
			return;
		mEventsScheduled = false;
		onEvents();
	});
}

void SctpTransport::resumeReading() {
	if (mReadPauses.fetch_sub(1) == 1)
		scheduleEvents();
}

void SctpTransport::onEvents() {
	if (mClosed)
		return;
	bool queued = mHasQueued.load(), retryLater = false;
	if (queued) { // (checked first without the lock: application threads send under it)
		std::lock_guard lock(mSendMutex);
		queued = !mQueues.empty();
		// usrsctp was full at the last try. It raises an event for every acknowledgement;
		// refilling a few bytes each time would send a stream of tiny packets, so wait a
		// moment and refill in bulk (what a send-space threshold would do; usrsctp offers none
		// without its receive callback).
		if (queued && mSendBlocked) {
			queued = false;
			retryLater = !mRetryArmed;
			mRetryArmed = true;
		}
	}
	if (retryLater) {
		mLoop.addTimer(kSendRetry, [this, weak = weak_from_this()] {
			if (auto keep = weak.lock()) {
				{
					std::lock_guard lock(mSendMutex);
					mRetryArmed = false;
					mSendBlocked = false;
				}
				flush();
			}
			return false;
		});
	}
	if (queued)
		flush();
	readAvailable();
}

void SctpTransport::readAvailable() {
	// One buffer per loop thread; larger messages arrive in pieces and are put together in
	// handleData.
	static thread_local std::vector<char> buffer(256 * 1024);
	while (!mClosed && mReadPauses.load() == 0) {
		struct sctp_rcvinfo info{};
		socklen_t infoLen = sizeof(info);
		unsigned int infoType = 0;
		int flags = 0;
		ssize_t n;
		{
			std::lock_guard lock(mSocketMutex); // close() may free the socket meanwhile
			if (!mSocket)
				return;
			n = usrsctp_recvv(mSocket, buffer.data(), buffer.size(), nullptr, nullptr, &info, &infoLen,
			                  &infoType, &flags);
		}
		if (n < 0) {
			if (errno != EWOULDBLOCK && errno != EAGAIN && errno != EINTR)
				handleEnd();
			return;
		}
		if (n == 0 && !(flags & MSG_NOTIFICATION)) {
			handleEnd();
			return;
		}
		if (flags & MSG_NOTIFICATION)
			handleNotification(buffer.data(), size_t(n));
		else
			handleData(buffer.data(), size_t(n), info.rcv_sid, ntohl(info.rcv_ppid), (flags & MSG_EOR) != 0);
	}
}

void SctpTransport::handleEnd() {
	// The socket was shut down by the peer, or failed.
	if (!mClosed && mConnected.exchange(false) && mCallbacks.closed)
		mCallbacks.closed();
	finishShutdown(); // a graceful shutdown we started is complete (or moot)
}

void SctpTransport::handleData(const char *data, size_t length, uint16_t stream, uint32_t ppid,
                               bool eor) {
	if (mRecvTuner.count(length) && !mRecvTunePosted) {
		// Socket options are set outside the read loop, from a task of their own.
		mRecvTunePosted = true;
		mLoop.post([this, weak = weak_from_this(), at = std::chrono::steady_clock::now()] {
			if (auto keep = weak.lock())
				tuneReceive(at);
		});
	}
	const size_t max = mMaxRecvMessageSize;
	auto over = mOversized.find(stream);
	if (over != mOversized.end()) { // the rest of a message already found too big
		over->second += length;
		if (eor) {
			size_t total = over->second;
			mOversized.erase(over);
			tooBig(stream, total);
		}
		return;
	}
	auto it = mPartial.find(stream);
	if (eor && it == mPartial.end() && length <= max) {
		countReceived(ppid, length);
		if (mCallbacks.message)
			mCallbacks.message(stream, ppid, data, length); // the common case: no copy
		return;
	}
	size_t seen = (it != mPartial.end() ? it->second.size() : 0) + length;
	if (seen > max) {
		// Larger than the a=max-message-size we advertised: keep none of it (RFC 8841 section 6
		// leaves the reaction to the receiver; one bad message should not end the connection).
		if (it != mPartial.end())
			mPartial.erase(it);
		if (eor)
			tooBig(stream, seen);
		else
			mOversized[stream] = seen;
		return;
	}
	if (it == mPartial.end())
		it = mPartial.emplace(stream, std::vector<char>()).first;
	auto &buf = it->second;
	buf.insert(buf.end(), data, data + length);
	if (eor) {
		std::vector<char> whole = std::move(buf);
		mPartial.erase(it);
		countReceived(ppid, whole.size());
		if (mCallbacks.message)
			mCallbacks.message(stream, ppid, whole.data(), whole.size());
	}
}

void SctpTransport::tooBig(uint16_t stream, size_t size) {
	LOG_WARNING("SCTP message of " + std::to_string(size) + " bytes on stream " + std::to_string(stream) +
	            " exceeds our max-message-size " + std::to_string(mMaxRecvMessageSize) + "; dropped");
	if (mCallbacks.messageTooBig)
		mCallbacks.messageTooBig(stream, size);
}

void SctpTransport::handleNotification(const void *raw, size_t length) {
	auto n = static_cast<const union sctp_notification *>(raw);
	if (length < sizeof(n->sn_header))
		return;
	switch (n->sn_header.sn_type) {
	case SCTP_ASSOC_CHANGE: {
		const auto &ac = n->sn_assoc_change;
		if (ac.sac_state == SCTP_COMM_UP) {
			struct sctp_assoc_value ss{}; // the stream scheduler in effect, for the log
			{
				std::lock_guard lock(mSendMutex);
				socklen_t len = sizeof(ss);
				ss.assoc_id = ac.sac_assoc_id;
				if (mSocket)
					usrsctp_getsockopt(mSocket, IPPROTO_SCTP, SCTP_PLUGGABLE_SS, &ss, &len);
				mOutStreams = ac.sac_outbound_streams;
				// Fewer outgoing streams than we asked for: the peer accepts no more, ever.
				if (ac.sac_outbound_streams < kInitialStreams)
					mMaxStream = std::max(0, int(ac.sac_outbound_streams) - 1);
				if (mWantOut > mOutStreams.load()) {
					if (mWantOut > mMaxStream.load() + 1)
						refuseStreamsFrom(mMaxStream.load() + 1);
					scheduleGrow(std::chrono::milliseconds(0));
				}
				if (!mQueues.empty())
					scheduleEvents();
			}
			// The handshake's round trip sets the first RTO floor; socket options wait until
			// usrsctp's upcall has returned.
			mLoop.post([this, weak = weak_from_this()] {
				auto keep = weak.lock();
				if (!keep)
					return;
				std::lock_guard lock(mSendMutex);
				struct sctp_status st{};
				if (!mClosed)
					pathStatus(st);
			});
			if (!mConnected.exchange(true)) {
				LOG_INFO("timeline: sctp association up: streams out " +
				         std::to_string(ac.sac_outbound_streams) + " in " +
				         std::to_string(ac.sac_inbound_streams) + ", stream scheduler " +
				         std::to_string(ss.assoc_value));
				if (mCallbacks.connected)
					mCallbacks.connected();
			}
		} else if (ac.sac_state == SCTP_COMM_LOST || ac.sac_state == SCTP_SHUTDOWN_COMP ||
		           ac.sac_state == SCTP_CANT_STR_ASSOC) {
			LOG_DEBUG("SCTP association ended, state " + std::to_string(ac.sac_state));
			mConnected = false;
			if (mCallbacks.closed)
				mCallbacks.closed();
			finishShutdown(); // a graceful shutdown we started is complete (or moot)
		}
		break;
	}
	case SCTP_STREAM_RESET_EVENT: {
		const auto &sr = n->sn_strreset_event;
		bool failed = sr.strreset_flags & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED);
		if (failed && !(sr.strreset_flags & SCTP_STREAM_RESET_OUTGOING_SSN))
			break;
		size_t count = (sr.strreset_length - sizeof(sr)) / sizeof(uint16_t);
		{
			std::vector<uint16_t> streams(sr.strreset_stream_list, sr.strreset_stream_list + count);
			LOG_DEBUG("SCTP stream reset event, flags 0x" + hex(sr.strreset_flags) + ", stream(s) " +
			          streamList(streams));
		}
		for (size_t i = 0; i < count; ++i) {
			uint16_t stream = sr.strreset_stream_list[i];
			// A refused outgoing reset will not be retried: report it as over so that the
			// stream id is not held forever (the peer keeps its side open; logged).
			if (failed)
				LOG_WARNING("SCTP peer refused to reset stream " + std::to_string(stream));
			if ((sr.strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN) && mCallbacks.incomingReset)
				mCallbacks.incomingReset(stream);
			if ((sr.strreset_flags & SCTP_STREAM_RESET_OUTGOING_SSN) && mCallbacks.outgoingReset)
				mCallbacks.outgoingReset(stream);
		}
		// A reconfiguration request completed: resets refused meanwhile may go now.
		std::lock_guard lock(mSendMutex);
		issueResets();
		break;
	}
	case SCTP_STREAM_CHANGE_EVENT:
		if (length >= sizeof(n->sn_strchange_event))
			onStreamChange(n->sn_strchange_event);
		break;
	case SCTP_SENDER_DRY_EVENT: {
		std::lock_guard lock(mSendMutex);
		mSendBlocked = false; // all sent: room for everything
		if (!mQueues.empty())
			scheduleEvents();
		break;
	}
	default: break;
	}
}

void SctpTransport::countReceived(uint32_t ppid, size_t length) {
	if (ppid == uint32_t(Ppid::Dcep))
		return;
	// An empty message travels as one byte (RFC 8831 section 6.6): its payload is 0 bytes.
	bool empty = ppid == uint32_t(Ppid::StringEmpty) || ppid == uint32_t(Ppid::BinaryEmpty);
	mTraffic.received(empty ? 0 : length);
}

size_t SctpTransport::totalBuffered() const {
	std::lock_guard lock(mSendMutex);
	size_t total = 0;
	for (const auto &[stream, bytes] : mBuffered)
		total += bytes;
	return total;
}

bool SctpTransport::pathInfo(PathInfo &info) const {
	std::lock_guard lock(mSendMutex);
	struct sctp_status st{};
	socklen_t len = sizeof(st);
	if (mClosed || !mSocket || !mConnected ||
	    usrsctp_getsockopt(mSocket, IPPROTO_SCTP, SCTP_STATUS, &st, &len) != 0)
		return false;
	info.srttMs = st.sstat_primary.spinfo_srtt;
	info.cwnd = st.sstat_primary.spinfo_cwnd;
	info.rtoMs = st.sstat_primary.spinfo_rto;
	info.peerRwnd = st.sstat_rwnd;
	info.unacked = st.sstat_unackdata;
	return true;
}

} // namespace rtcimpl
