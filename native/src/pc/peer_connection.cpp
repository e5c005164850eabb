#include "pc/peer_connection.hpp"
#include "channel/data_channel.hpp"
#include "common/event_loop.hpp"
#include "common/log.hpp"
#include "common/loop_owned.hpp"
#include "common/registry.hpp"

#include <chrono>
#include <climits>
#include <cstdlib>
#include <openssl/rand.h>
#include <stdexcept>
#include <utility>

namespace rtcimpl {

namespace {
constexpr uint16_t kSctpPort = 5000;
// Liveness, in the spirit of RFC 7675: any record that DTLS authenticated counts (SCTP sends
// heartbeats every second when idle); unauthenticated datagrams do not. Silence for kSilenceMs
// means disconnected; kDisconnectedGraceMs more of it means failed.
constexpr int kSilenceMs = 5000;
constexpr int kDisconnectedGraceMs = 10000;
// rtcClosePeerConnection waits at most this long for the SCTP SHUTDOWN handshake (data sent
// before the close is acknowledged first), then aborts.
constexpr int kGracefulCloseMs = 2000;

int64_t nowMs() {
	return std::chrono::duration_cast<std::chrono::milliseconds>(
	           std::chrono::steady_clock::now().time_since_epoch())
	    .count();
}

const char *stateName(rtcState s) {
	static const char *names[] = {"new", "connecting", "connected", "disconnected", "failed", "closed"};
	return int(s) >= 0 && int(s) < 6 ? names[int(s)] : "?";
}

} // namespace

PeerConnection::PeerConnection(PeerConfig config)
    : Entity(Kind::PeerConnection, EventLoop::next()), mConfig(std::move(config)) {
	mCertificate = Certificate::get(mConfig.certificateType);
	RAND_bytes(reinterpret_cast<unsigned char *>(&mSessionId), sizeof(mSessionId));
	mSessionId &= 0x3fffffffffffffffULL; // RFC 3264: fits in 63 bits
	IceTransport::Config ic;
	ic.iceServers = mConfig.iceServers;
	ic.bindAddress = mConfig.bindAddress;
	ic.portRangeBegin = mConfig.portRangeBegin;
	ic.portRangeEnd = mConfig.portRangeEnd;
	ic.relayOnly = mConfig.transportPolicy == RTC_TRANSPORT_POLICY_RELAY;
	ic.enableTcp = mConfig.enableIceTcp;
	IceTransport::Callbacks cb;
	// Raw `this` in transport callbacks (here and in setupTransports) is safe by ownership, not by
	// a flag: transport callbacks run only on this loop, this object is destroyed only on this
	// loop (ownedByLoop), and its destructor closes every transport first, after which none calls
	// back. (weak_from_this() is not available yet in a constructor.)
	cb.candidate = [this](const std::string &c) { onIceCandidate(c); };
	cb.gatheringState = [this](rtcGatheringState s) { onGatheringState(s); };
	cb.state = [this](rtcIceState s) { onIceState(s); };
	cb.data = [this](const char *data, size_t size) { onIceData(data, size); };
	mIce = ownedByLoop(loop(), new IceTransport(loop(), ic, std::move(cb)));
}

PeerConnection::~PeerConnection() { closeTransports(); }

namespace {
constexpr size_t kMaxEarlyIncoming = 16; // a DTLS flight is a handful of datagrams
constexpr size_t kMaxEarlyIncomingBytes = 64 * 1024;
} // namespace

void PeerConnection::onIceData(const char *data, size_t size) {
	if (!mEarlyIncomingOpen) {
		if (auto dtls = mDtlsPtr.load(std::memory_order_acquire))
			dtls->incoming(data, size);
		return;
	}
	// Held until DTLS exists (also once it exists but the held ones are not delivered yet, so
	// that the order stays).
	if (mEarlyIncoming.size() >= kMaxEarlyIncoming || mEarlyIncomingBytes + size > kMaxEarlyIncomingBytes) {
		if (!mEarlyIncomingDropped) // once: a flood before the answer is not worth a line each
			LOG_INFO("early datagrams dropped: " + std::to_string(kMaxEarlyIncoming) + " datagrams / " +
			         std::to_string(kMaxEarlyIncomingBytes) + " bytes held already before DTLS exists");
		mEarlyIncomingDropped = true;
		return;
	}
	if (mEarlyIncoming.empty())
		LOG_INFO("timeline: ice receive held: no DTLS transport yet (remote description pending)");
	mEarlyIncoming.emplace_back(data, size);
	mEarlyIncomingBytes += size;
}

void PeerConnection::deliverEarlyIncoming() {
	auto dtls = mDtlsPtr.load(std::memory_order_acquire);
	if (!mEarlyIncomingOpen || !dtls)
		return;
	mEarlyIncomingOpen = false;
	auto held = std::move(mEarlyIncoming);
	mEarlyIncoming.clear();
	mEarlyIncomingBytes = 0;
	if (held.empty())
		return;
	LOG_INFO("timeline: ice receive released: " + std::to_string(held.size()) + " datagram(s) to DTLS");
	for (const auto &d : held)
		dtls->incoming(d.data(), d.size());
}

std::shared_ptr<PeerConnection> PeerConnection::self() {
	return std::static_pointer_cast<PeerConnection>(shared_from_this());
}

void PeerConnection::changeState(rtcState state) {
	rtcState old = mState.load();
	do {
		// Closed is final; so is failed, except that a user close still reports closed.
		if (old == state || old == RTC_CLOSED || (old == RTC_FAILED && state != RTC_CLOSED))
			return;
	} while (!mState.compare_exchange_weak(old, state));
	LOG_DEBUG("peer connection " + std::to_string(id()) + " " + stateName(old) + " -> " +
	          stateName(state));
	if (auto cb = stateCallback.load())
		invoke([&] { cb(id(), state, userPointer()); });
}

void PeerConnection::changeSignaling(rtcSignalingState state) {
	if (mSignaling.exchange(state) == state)
		return;
	// Callers hold mMutex: the callback always runs later, on the loop.
	auto keep = self();
	loop().post([keep, state] {
		if (auto cb = keep->signalingStateCallback.load())
			keep->invoke([&] { cb(keep->id(), state, keep->userPointer()); });
	});
}

sdp::LocalParams PeerConnection::localParams(sdp::Type type) const {
	sdp::LocalParams p;
	p.sessionId = mSessionId;
	p.sessionVersion = mSessionVersion;
	p.mid = mLocalMid;
	p.iceUfrag = mIce ? mIce->localUfrag() : "";
	p.icePwd = mIce ? mIce->localPwd() : "";
	p.fingerprint = mCertificate->fingerprint();
	p.setup = type == sdp::Type::Offer ? sdp::Setup::ActPass
	          : mIsClient               ? sdp::Setup::Active
	                                    : sdp::Setup::Passive;
	p.sctpPort = kSctpPort;
	p.maxMessageSize = mConfig.maxMessageSize;
	p.addStreamsUpTo = uint16_t(SctpTransport::streamCap());
	p.candidates = mLocalCandidates;
	p.endOfCandidates = mLocalGatheringDone;
	return p;
}

std::string PeerConnection::generate(sdp::Type type) const {
	auto p = localParams(type);
	if (type == sdp::Type::Offer || !mRemote)
		return sdp::generateOffer(p);
	return sdp::generateAnswer(p, *mRemote);
}

// Loop thread. An answer gathers before it goes out, so it carries the host candidates (they
// come synchronously from libnice): the answerer's checks start at once, and without them our
// first check can reach the offerer before our trickled candidate does; the offerer then knows
// us only as a peer-reflexive candidate, and some stacks wait before nominating such a pair
// (pion: 1 s). Candidates and gathering events found meanwhile are held and still reported,
// after the description, so trickling applications see every candidate as before. An offer
// goes out first and gathers after, as before: no check of ours can precede it (they wait for
// the answer), and an answerer that has no candidate yet stays New while it adds channels.
void PeerConnection::emitLocalDescription(std::string sdpText, const std::string &typeName,
                                          sdp::Type type) {
	auto ice = this->ice();
	bool regenerate = false;
	if (type != sdp::Type::Offer && ice && !mClosed) {
		mHoldEvents = true;
		regenerate = ice->gatherNow();
	}
	mHoldEvents = false;
	{
		// After an ICE restart the description takes the host candidates just gathered.
		std::lock_guard lock(mMutex);
		regenerate = std::exchange(mIceRegathered, false) || regenerate;
		if (regenerate && mLocalType == type && !mClosed)
			sdpText = generate(type);
	}
	if (auto cb = descriptionCallback.load())
		invoke([&] { cb(id(), sdpText.c_str(), typeName.c_str(), userPointer()); });
	releaseHeldEvents();
	if (type == sdp::Type::Offer && ice && !mClosed)
		ice->gather();
}

// Loop thread: the candidate and gathering events held until a description went out.
void PeerConnection::releaseHeldEvents() {
	mHoldEvents = false;
	auto held = std::move(mHeldEvents);
	mHeldEvents.clear();
	for (auto &event : held)
		event();
}

void PeerConnection::setupTransports() {
	auto remote = *mRemote;
	DtlsTransport::Callbacks dc;
	dc.connected = [this] { onDtlsConnected(); };
	dc.failed = [this](const std::string &reason) { onDtlsFailed(reason); };
	dc.closed = [this] { onSctpClosed(); };
	dc.data = [this](const char *data, size_t size) {
		// Only records DTLS decrypted and authenticated prove the peer alive: an off-path
		// sender can put any datagram on the peer's address (RFC 7675 section 1).
		mLastReceivedMs.store(nowMs(), std::memory_order_relaxed);
		if (auto sctp = mSctpPtr.load(std::memory_order_acquire))
			sctp->incoming(data, size);
	};
	// Each layer owns the one below it, so a packet on its way down never meets a freed layer.
	std::shared_ptr<IceTransport> ice = mIce;
	mDtls = ownedByLoop(loop(), new DtlsTransport(
	    loop(), mCertificate, mIsClient, remote.fingerprintAlgorithm, remote.fingerprint, mConfig.mtu,
	    [ice](const char *data, size_t size) { return ice->send(data, size); }, std::move(dc)));

	SctpTransport::Callbacks sc;
	sc.connected = [this] { onSctpConnected(); };
	sc.closed = [this] { onSctpClosed(); };
	sc.message = [this](uint16_t stream, uint32_t ppid, const char *data, size_t size) {
		onSctpMessage(stream, ppid, data, size);
	};
	sc.messageTooBig = [this](uint16_t stream, size_t size) {
		if (auto dc = channelOnStream(stream))
			dc->onError("a message of " + std::to_string(size) + " bytes exceeded our max-message-size " +
			            std::to_string(mConfig.maxMessageSize) + " and was dropped");
	};
	sc.incomingReset = [this](uint16_t stream) { onIncomingReset(stream); };
	sc.outgoingReset = [this](uint16_t stream) { onOutgoingReset(stream); };
	sc.streamsRefused = [this](uint16_t first) { onStreamsRefused(first); };
	sc.bufferedAmount = [this](uint16_t stream, size_t before, size_t after) {
		if (auto dc = channelOnStream(stream))
			dc->onBufferedAmount(before, after);
	};
	std::shared_ptr<DtlsTransport> dtls = mDtls;
	mSctp = ownedByLoop(loop(), new SctpTransport(
	    loop(), kSctpPort, remote.sctpPort, mConfig.maxMessageSize, mConfig.mtu, remote.addStreamsUpTo,
	    [dtls](const char *data, size_t size) { return dtls->send(data, size); }, std::move(sc)));
	mSctpPtr.store(mSctp.get(), std::memory_order_release);
	mDtlsPtr.store(mDtls.get(), std::memory_order_release);
	// What the peer sent before this moment goes to DTLS now, on the loop, before anything newer.
	loop().post([weak = std::weak_ptr<PeerConnection>(self())] {
		if (auto keep = weak.lock())
			keep->deliverEarlyIncoming();
	});
	mTransportsStarted = true;

	assignStreams();
	for (auto &[stream, dc] : mChannels)
		dc->attach(mSctp, mRemoteMaxMessageSize);
}

int PeerConnection::addRemoteCandidate(const char *candidate, const char *mid) {
	if (!candidate) {
		LOG_WARNING("addRemoteCandidate: NULL candidate");
		return RTC_ERR_INVALID;
	}
	if (mClosed) {
		LOG_WARNING("addRemoteCandidate: peer connection is closed");
		return RTC_ERR_FAILURE;
	}
	auto transport = ice();
	if (!transport)
		return RTC_ERR_FAILURE;
	if (sdp::isEndOfCandidates(candidate)) {
		bool haveRemote;
		{
			std::lock_guard lock(mMutex);
			haveRemote = mRemote.has_value();
		}
		if (haveRemote)
			transport->remoteGatheringDone();
		return RTC_ERR_SUCCESS;
	}
	std::string error;
	auto line = sdp::parseCandidate(candidate, &error);
	if (!line) {
		LOG_WARNING("addRemoteCandidate: " + error);
		return RTC_ERR_INVALID;
	}
	// Candidates that come before the remote description wait in the ICE transport.
	if (!transport->addRemoteCandidate(*line))
		return RTC_ERR_FAILURE;
	return RTC_ERR_SUCCESS;
}

std::optional<std::string> PeerConnection::localDescription() const {
	std::lock_guard lock(mMutex);
	if (!mLocalType)
		return std::nullopt;
	return generate(*mLocalType);
}

std::optional<std::string> PeerConnection::remoteDescription() const {
	std::lock_guard lock(mMutex);
	if (!mRemote)
		return std::nullopt;
	return mRemoteSdp;
}

std::optional<std::string> PeerConnection::localDescriptionType() const {
	std::lock_guard lock(mMutex);
	if (!mLocalType)
		return std::nullopt;
	return std::string(sdp::typeToString(*mLocalType));
}

std::optional<std::string> PeerConnection::remoteDescriptionType() const {
	std::lock_guard lock(mMutex);
	if (!mRemote)
		return std::nullopt;
	return std::string(sdp::typeToString(mRemote->type));
}

std::optional<std::string> PeerConnection::createOffer() {
	std::lock_guard lock(mMutex);
	if (mClosed)
		return std::nullopt;
	return sdp::generateOffer(localParams(sdp::Type::Offer));
}

std::optional<std::string> PeerConnection::createAnswer() {
	std::lock_guard lock(mMutex);
	if (mClosed || !mRemote ||
	    (mSignaling != RTC_SIGNALING_HAVE_REMOTE_OFFER && mSignaling != RTC_SIGNALING_HAVE_LOCAL_PRANSWER))
		return std::nullopt;
	auto p = localParams(sdp::Type::Answer);
	p.mid = mRemote->dataMid;
	p.setup = mRemote->setup == sdp::Setup::Active ? sdp::Setup::Passive : sdp::Setup::Active;
	return sdp::generateAnswer(p, *mRemote);
}

bool PeerConnection::selectedPair(std::string *local, std::string *remote, std::string *localAddress,
                                  std::string *remoteAddress) const {
	auto transport = ice();
	if (mClosed || !transport)
		return false;
	return transport->selectedPair(local, remote, localAddress, remoteAddress);
}

bool PeerConnection::negotiationNeeded() const {
	std::lock_guard lock(mMutex);
	return !mLocalType && (!mChannels.empty() || !mUnassigned.empty());
}

int PeerConnection::maxDataChannelStream() const {
	std::lock_guard lock(mMutex);
	return maxStreamLocked();
}

int PeerConnection::maxStreamLocked() const {
	// mSctp, not mSctpPtr: this runs on user threads, where only the owning pointer keeps the
	// transport from being destroyed on the loop meanwhile.
	if (auto &sctp = mSctp)
		return std::min(kMaxStreamId, sctp->maxStream());
	return std::min(kMaxStreamId, SctpTransport::streamCap() - 1);
}

int PeerConnection::remoteMaxMessageSize() const {
	uint32_t v = mRemoteMaxMessageSize.load();
	v = v == 0 ? mConfig.maxMessageSize : v;
	return v > uint32_t(INT_MAX) ? INT_MAX : int(v); // the C API returns int
}

void PeerConnection::onIceCandidate(const std::string &candidate) {
	std::string mid;
	{
		std::lock_guard lock(mMutex);
		mLocalCandidates.push_back(candidate);
		mid = mLocalMid;
	}
	if (mHoldEvents) {
		mHeldEvents.push_back([this, candidate, mid] {
			if (auto cb = candidateCallback.load())
				invoke([&] { cb(id(), candidate.c_str(), mid.c_str(), userPointer()); });
		});
		return;
	}
	if (auto cb = candidateCallback.load())
		invoke([&] { cb(id(), candidate.c_str(), mid.c_str(), userPointer()); });
}

void PeerConnection::onGatheringState(rtcGatheringState state) {
	if (state == RTC_GATHERING_COMPLETE) {
		std::lock_guard lock(mMutex);
		mLocalGatheringDone = true;
	}
	if (mHoldEvents) {
		mHeldEvents.push_back([this, state] {
			if (auto cb = gatheringStateCallback.load())
				invoke([&] { cb(id(), state, userPointer()); });
		});
		return;
	}
	if (auto cb = gatheringStateCallback.load())
		invoke([&] { cb(id(), state, userPointer()); });
}

void PeerConnection::onIceState(rtcIceState state) {
	if (auto cb = iceStateCallback.load())
		invoke([&] { cb(id(), state, userPointer()); });
	if (mClosed)
		return;
	switch (state) {
	case RTC_ICE_CHECKING:
		if (mState == RTC_NEW)
			changeState(RTC_CONNECTING);
		break;
	case RTC_ICE_CONNECTED:
	case RTC_ICE_COMPLETED:
		if (mState == RTC_NEW)
			changeState(RTC_CONNECTING);
		if (!mDtlsStarted.exchange(true)) {
			if (auto dtls = mDtlsPtr.load())
				dtls->start();
		} else if (mState == RTC_DISCONNECTED) {
			loop().cancel(mFailureTimer);
			mFailureTimer = 0;
			changeState(RTC_CONNECTED);
		}
		break;
	case RTC_ICE_DISCONNECTED:
	case RTC_ICE_FAILED:
		if (mState == RTC_CONNECTED || mState == RTC_DISCONNECTED) {
			// Consent lost on a path that worked (RFC 7675): libnice reports it after ~10 s of
			// silence and often recovers under heavy loss. Report disconnected, and fail only if
			// the path stays down for the grace period or SCTP gives up first.
			changeState(RTC_DISCONNECTED);
			armFailureTimer();
		} else if (state == RTC_ICE_FAILED) {
			closeAllChannels();
			changeState(RTC_FAILED);
		}
		break;
	default: break;
	}
}

void PeerConnection::armFailureTimer() { armFailureTimerFor(kDisconnectedGraceMs); }

void PeerConnection::armFailureTimerFor(int ms) {
	if (mFailureTimer)
		return;
	auto keep = self();
	mFailureTimer = loop().addTimer(std::chrono::milliseconds(ms), [keep, ms] {
		keep->mFailureTimer = 0;
		if (keep->mState == RTC_DISCONNECTED && !keep->mClosed) {
			LOG_WARNING("peer connection " + std::to_string(keep->id()) + ": no path for " +
			            std::to_string(ms / 1000) + " s after disconnection");
			keep->closeAllChannels();
			keep->changeState(RTC_FAILED);
		}
		return false;
	});
}

void PeerConnection::onDtlsConnected() {
	if (auto sctp = mSctpPtr.load())
		sctp->start();
}

void PeerConnection::onDtlsFailed(const std::string &reason) {
	if (mClosed)
		return;
	LOG_WARNING("peer connection " + std::to_string(id()) + ": " + reason);
	closeAllChannels();
	changeState(RTC_FAILED);
}

void PeerConnection::onSctpConnected() {
	if (mClosed)
		return;
	changeState(RTC_CONNECTED);
	startLivenessTimer();
	openChannels();
}

void PeerConnection::startLivenessTimer() {
	if (mLivenessTimer)
		return;
	std::weak_ptr<PeerConnection> weak = self();
	mLivenessTimer = loop().addTimer(std::chrono::milliseconds(1000), [weak] {
		auto pc = weak.lock();
		if (!pc || pc->mClosed)
			return false;
		bool silent = nowMs() - pc->mLastReceivedMs.load(std::memory_order_relaxed) > kSilenceMs;
		rtcState s = pc->mState.load();
		if (silent && s == RTC_CONNECTED) {
			LOG_INFO("peer connection " + std::to_string(pc->id()) + ": nothing received for " +
			         std::to_string(kSilenceMs / 1000) + " s");
			pc->changeState(RTC_DISCONNECTED);
			pc->armFailureTimer();
		} else if (!silent && s == RTC_DISCONNECTED) {
			pc->loop().cancel(pc->mFailureTimer);
			pc->mFailureTimer = 0;
			pc->changeState(RTC_CONNECTED);
		}
		if (s == RTC_FAILED || s == RTC_CLOSED) {
			pc->mLivenessTimer = 0;
			return false;
		}
		return true;
	});
}

void PeerConnection::onSctpClosed() {
	if (mClosed)
		return;
	closeAllChannels();
	// An association that never came up, or that died while the path was down, is a failed
	// connection; one that ends while connected was closed by the peer.
	if (mState == RTC_CONNECTED)
		changeState(RTC_CLOSED);
	else
		changeState(RTC_FAILED);
}

void PeerConnection::closeTransports() {
	std::shared_ptr<IceTransport> ice;
	std::shared_ptr<DtlsTransport> dtls;
	std::shared_ptr<SctpTransport> sctp;
	{
		std::lock_guard lock(mMutex);
		mSctpPtr = nullptr;
		mDtlsPtr = nullptr;
		ice = std::move(mIce);
		dtls = std::move(mDtls);
		sctp = std::move(mSctp);
		if (sctp)
			keepFinalStats(*sctp);
	}
	// Upper layers first: SCTP's abort still travels through DTLS and ICE.
	if (sctp)
		sctp->close();
	if (dtls)
		dtls->close();
	if (ice)
		ice->close();
}

void PeerConnection::close() {
	if (mClosed.exchange(true))
		return;
	auto keep = self();
	auto work = [keep] {
		keep->loop().cancel(keep->mFailureTimer);
		keep->mFailureTimer = 0;
		keep->loop().cancel(keep->mLivenessTimer);
		keep->mLivenessTimer = 0;
		keep->closeAllChannels();
		// Graceful SCTP end: messages the application already sent still reach the peer
		// (bounded); the transports go after it. rtcDeletePeerConnection aborts (destroy()).
		std::shared_ptr<SctpTransport> sctp;
		{
			std::lock_guard lock(keep->mMutex);
			sctp = keep->mSctp;
		}
		if (sctp)
			sctp->shutdown(std::chrono::milliseconds(kGracefulCloseMs), [keep] { keep->closeTransports(); });
		else
			keep->closeTransports();
		keep->changeState(RTC_CLOSED);
	};
	// Transports must not be torn down from inside their own callbacks, and one loop never
	// waits for another (two could wait for each other): defer when on any loop.
	if (EventLoop::onAnyLoop())
		loop().post(work);
	else
		loop().runSync(work);
}

void PeerConnection::destroy() {
	close();
	// Deleting does not wait for the graceful SCTP shutdown close() started: abort it.
	auto keep = self();
	auto work = [keep] { keep->closeTransports(); };
	if (EventLoop::onAnyLoop())
		loop().post(work);
	else
		loop().runSync(work);
}

} // namespace rtcimpl
