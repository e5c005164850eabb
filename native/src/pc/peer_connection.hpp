// A peer connection: JSEP signaling over one data section, and the transport chain
// ICE (libnice) -> DTLS (OpenSSL) -> SCTP (usrsctp) -> data channels (DCEP).
#pragma once

#include "channel/limits.hpp"
#include "common/entity.hpp"
#include "dtls/certificate.hpp"
#include "dtls/dtls_transport.hpp"
#include "ice/ice_transport.hpp"
#include "rtc/rtc.h"
#include "sctp/sctp_transport.hpp"
#include "sdp/description.hpp"

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace rtcimpl {

class DataChannel;

struct PeerConfig {
	std::vector<std::string> iceServers;
	std::string bindAddress;
	rtcCertificateType certificateType = RTC_CERTIFICATE_DEFAULT;
	rtcTransportPolicy transportPolicy = RTC_TRANSPORT_POLICY_ALL;
	bool enableIceTcp = false;
	bool disableAutoNegotiation = false;
	uint16_t portRangeBegin = 0, portRangeEnd = 0;
	int mtu = RTC_DEFAULT_MTU;
	uint32_t maxMessageSize = 262144;
};

class PeerConnection final : public Entity {
public:
	explicit PeerConnection(PeerConfig config); // throws std::invalid_argument on bad config
	~PeerConnection() override;

	std::atomic<rtcDescriptionCallbackFunc> descriptionCallback{nullptr};
	std::atomic<rtcCandidateCallbackFunc> candidateCallback{nullptr};
	std::atomic<rtcStateChangeCallbackFunc> stateCallback{nullptr};
	std::atomic<rtcIceStateChangeCallbackFunc> iceStateCallback{nullptr};
	std::atomic<rtcGatheringStateCallbackFunc> gatheringStateCallback{nullptr};
	std::atomic<rtcSignalingStateCallbackFunc> signalingStateCallback{nullptr};
	std::atomic<rtcDataChannelCallbackFunc> dataChannelCallback{nullptr};

	// User API (any thread). Return RTC_ERR_* codes; reasons are logged.
	int setLocalDescription(const char *type);
	int setRemoteDescription(const char *sdp, const char *type);
	// ICE restart (extension): the next local offer carries new ICE credentials.
	int restartIce();
	int addRemoteCandidate(const char *candidate, const char *mid);
	std::optional<std::string> localDescription() const;
	std::optional<std::string> remoteDescription() const;
	std::optional<std::string> localDescriptionType() const;
	std::optional<std::string> remoteDescriptionType() const;
	std::optional<std::string> createOffer();
	std::optional<std::string> createAnswer();
	bool selectedPair(std::string *local, std::string *remote, std::string *localAddress,
	                  std::string *remoteAddress) const;
	bool negotiationNeeded() const;
	int maxDataChannelStream() const;
	int remoteMaxMessageSize() const;
	// Statistics (rtcGetStats extension, pc/peer_connection_stats.cpp).
	void fillStats(rtcStats &stats) const;
	std::optional<std::string> dtlsCipher() const;
	void keepFinalStats(const SctpTransport &sctp); // mMutex held: counters outlive the transport

	// Returns the new channel id or an RTC_ERR_* code.
	int createDataChannel(const char *label, const rtcDataChannelInit *init);
	void removeDataChannel(const std::shared_ptr<DataChannel> &dc); // on rtcDelete of a channel
	// Resets our outgoing side of a channel's stream (RFC 8831 section 6.7); the id stays taken
	// until both directions are reset. Returns false when nothing went on the wire.
	bool resetChannelStream(uint16_t stream);
	void close();   // user close: channels, transports, then RTC_CLOSED
	void destroy(); // after rtcDeletePeerConnection: close without callbacks, free transports

private:
	static constexpr int kMaxStreamId = 65534; // 65535 is reserved (RFC 8831 section 6.5)
	std::shared_ptr<PeerConnection> self();
	std::shared_ptr<IceTransport> ice() const {
		std::lock_guard lock(mMutex);
		return mIce;
	}
	void changeState(rtcState state);
	void changeSignaling(rtcSignalingState state);
	sdp::LocalParams localParams(sdp::Type type) const; // mMutex held
	std::string generate(sdp::Type type) const;         // mMutex held
	void setupTransports();                             // mMutex held; role known
	void startIceChecks();                              // no lock held
	// Renegotiation (peer_connection_renegotiation.cpp).
	struct RemoteIceUpdate {
		bool credentials = false; // the ICE stream restarted: give the peer's credentials again
		std::string ufrag, pwd;
		std::vector<std::string> candidates;
		bool endOfCandidates = false;
	};
	void restartLocalIce(bool freshCredentials); // mMutex held
	void applyRemoteIce(const RemoteIceUpdate &update); // no lock held
	void applyRemoteMaxMessageSize();                 // mMutex held
	int rollbackLocal();                              // mMutex held
	int rollbackRemote();                             // mMutex held
	void emitLocalDescription(std::string sdpText, const std::string &typeName,
	                          sdp::Type type); // loop thread
	void releaseHeldEvents();                  // loop thread

	// Transport events (loop thread).
	void onIceState(rtcIceState state);
	void onIceCandidate(const std::string &candidate);
	void onGatheringState(rtcGatheringState state);
	void onDtlsConnected();
	void onDtlsFailed(const std::string &reason);
	void onSctpConnected();
	void onSctpClosed();
	void onSctpMessage(uint16_t stream, uint32_t ppid, const char *data, size_t size);
	void onDcepMessage(uint16_t stream, const char *data, size_t size);
	void onIncomingReset(uint16_t stream);
	void onOutgoingReset(uint16_t stream);
	void rejectOpen(uint16_t stream, const std::string &why);
	void assignStreams(); // mMutex held: ids for channels created before the DTLS role was known
	bool requestReset(uint16_t stream); // mMutex held
	void finishReset(uint16_t stream);  // mMutex held: both directions are reset
	void onStreamsRefused(uint16_t first);
	void openChannels();
	void armFailureTimer();    // loop thread
	void armFailureTimerFor(int ms); // loop thread
	void startLivenessTimer(); // loop thread
	int maxStreamLocked() const; // mMutex held
	int allocateStream(); // mMutex held
	void streamFreed(int stream); // mMutex held
	bool streamTaken(uint16_t stream) const; // mMutex held: a channel, or a reset in progress
	std::shared_ptr<DataChannel> channelOnStream(uint16_t stream) const;
	void closeTransports();
	void closeAllChannels();

	const PeerConfig mConfig;
	std::shared_ptr<Certificate> mCertificate;
	std::shared_ptr<IceTransport> mIce; // snapshot with ice() outside the loop thread
	std::shared_ptr<DtlsTransport> mDtls;
	std::shared_ptr<SctpTransport> mSctp;
	// The hot path's view without the mutex: loop thread only (transports are destroyed by a
	// task on the loop, so a pointer read there stays valid for the current task).
	std::atomic<DtlsTransport *> mDtlsPtr{nullptr};
	std::atomic<SctpTransport *> mSctpPtr{nullptr};
	// Datagrams that came before our DTLS transport existed (loop thread only), bounded: an
	// answerer whose ICE works before its answer has reached us (signaling slower than the
	// direct path) sends its ClientHello at once, and dropping it costs its retransmission timer.
	std::vector<std::string> mEarlyIncoming;
	size_t mEarlyIncomingBytes = 0;
	bool mEarlyIncomingOpen = true; // until the held datagrams went to DTLS
	bool mEarlyIncomingDropped = false;
	void onIceData(const char *data, size_t size); // loop thread
	void deliverEarlyIncoming();                    // loop thread, once DTLS exists

	mutable std::mutex mMutex;
	uint64_t mSessionId;
	uint64_t mSessionVersion = 0;
	std::optional<sdp::Type> mLocalType;
	std::optional<sdp::Description> mRemote;
	std::string mRemoteSdp;
	// What a rollback returns to: the descriptions of the last stable state.
	std::optional<sdp::Type> mStableLocalType;
	std::optional<sdp::Description> mStableRemote;
	std::string mStableRemoteSdp;
	bool mIceRestartRequested = false; // restartIce(): applied by the next local offer
	bool mIceNeedsRemote = false;      // ICE restarted: the next remote description gives credentials
	std::string mLocalMid = "0";
	std::vector<std::string> mLocalCandidates;
	bool mLocalGatheringDone = false;
	bool mIceRegathered = false; // ICE restarted: the next description is generated when emitted
	bool mIsClient = false; // DTLS role
	bool mRoleKnown = false;
	bool mTransportsStarted = false;
	// Loop thread only: while the first description gathers, or an ICE restart gathers again,
	// candidate and gathering events wait here and are reported after the description
	// (emitLocalDescription).
	bool mHoldEvents = false;
	std::vector<std::function<void()>> mHeldEvents;
	std::map<uint16_t, std::shared_ptr<DataChannel>> mChannels; // by stream
	// Streams being reset (RFC 8831 section 6.7). An id is reused only once both directions
	// are reset: reused earlier, the peer's answering reset would close the new channel.
	struct StreamReset {
		bool outgoingRequested = false, outgoingDone = false, incomingDone = false;
	};
	std::map<uint16_t, StreamReset> mResetting;
	int mFreeHint = 0; // every stream id of our parity below it is in use (mMutex)
	std::vector<std::shared_ptr<DataChannel>> mUnassigned;      // waiting for the DTLS role

	std::atomic<rtcState> mState{RTC_NEW};
	std::atomic<rtcSignalingState> mSignaling{RTC_SIGNALING_STABLE};
	std::atomic<bool> mClosed{false};
	std::atomic<bool> mDtlsStarted{false};
	guint mFailureTimer = 0;  // loop thread
	guint mLivenessTimer = 0; // loop thread
	std::atomic<int64_t> mLastReceivedMs{0};
	std::atomic<uint32_t> mRemoteMaxMessageSize{65536};
	limits::RemoteChannelBudget mRemoteBudget; // channels the peer opens (DCEP)
	rtcStats mFinalStats{}; // counters of the closed SCTP transport (mMutex)
};

} // namespace rtcimpl
