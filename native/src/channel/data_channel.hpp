// One WebRTC data channel (RFC 8831) on one SCTP stream: its options, state, user callbacks,
// and the receive queue for rtcReceiveMessage polling mode.
#pragma once

#include "common/entity.hpp"
#include "rtc/rtc.h"
#include "sctp/sctp_transport.hpp"
#include "stats/traffic.hpp"

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rtcimpl {

class PeerConnection;

class DataChannel final : public Entity {
public:
	enum class State { Connecting, Open, Closing, Closed };

	DataChannel(EventLoop &loop, std::weak_ptr<PeerConnection> pc, std::string label, std::string protocol,
	            rtcReliability reliability, bool negotiated, int stream, uint32_t localMaxMessageSize);
	~DataChannel() override;

	const std::string &label() const { return mLabel; }
	const std::string &protocol() const { return mProtocol; }
	rtcReliability reliability() const { return mReliability; }
	bool negotiated() const { return mNegotiated; }
	int stream() const { return mStream.load(); }
	void setStream(int stream) { mStream.store(stream); }
	State state() const { return mState.load(); }
	std::shared_ptr<PeerConnection> peerConnection() const { return mPc.lock(); }
	SctpReliability sctpReliability() const;

	// User API (any thread); return RTC_ERR_* codes.
	int send(const char *data, int size);
	int sendText(const char *data, int size); // rtcSendText extension: explicit length, NULs allowed
	int close();
	int maxMessageSize() const;
	int bufferedAmount() const;
	int setBufferedAmountLowThreshold(int amount);
	int availableAmount() const;
	int receive(char *buffer, int *size);
	const stats::Traffic &traffic() const { return mTraffic; } // rtcGetDataChannelStats

	std::atomic<rtcOpenCallbackFunc> openCallback{nullptr};
	std::atomic<rtcClosedCallbackFunc> closedCallback{nullptr};
	std::atomic<rtcErrorCallbackFunc> errorCallback{nullptr};
	std::atomic<rtcBufferedAmountLowCallbackFunc> bufferedAmountLowCallback{nullptr};
	std::atomic<rtcAvailableCallbackFunc> availableCallback{nullptr};
	void setOpenCallback(rtcOpenCallbackFunc cb);
	// A channel can close before its creator gets to set this (a peer that rejects our DCEP
	// OPEN answers within a round trip of rtcCreateDataChannel): a close not yet reported to
	// a closed callback is reported to the one set now.
	void setClosedCallback(rtcClosedCallbackFunc cb);
	void setMessageCallback(rtcMessageCallbackFunc cb);
	// Messages already queued when a puller sets this raise one callback, so that it learns of
	// them without polling first.
	void setAvailableCallback(rtcAvailableCallbackFunc cb);

	// From the peer connection, on the loop thread.
	void attach(std::shared_ptr<SctpTransport> transport, uint32_t remoteMaxMessageSize);
	// A later remote description's max-message-size (RFC 8841 section 6: it may change).
	void setRemoteMaxMessageSize(uint32_t size) { mRemoteMaxMessageSize = size; }
	void onOpen();
	void onMessage(uint32_t ppid, const char *data, size_t size);
	void onBufferedAmount(size_t before, size_t after);
	void onClosed(); // stream reset by both sides, or the transport went away
	void onError(const std::string &message);
	// The remote peer's channel holds its share of the connection's budget until it closes.
	void holdAdmission(std::shared_ptr<void> ticket) { mAdmission = std::move(ticket); }
	bool sendDcep(const std::vector<char> &message);
	// Before sending our DCEP OPEN: marks the stream as known to the peer (a later close must
	// reset it) and returns false if the channel was closed meanwhile (then send nothing).
	bool beginOpen();
	int sendPayload(uint32_t ppid, const char *data, size_t length);

private:
	struct Message {
		std::vector<char> data;
		bool isString;
	};
	void deliver(const char *data, size_t size, bool isString); // loop thread
	// mQueueMutex held: after a message left the queue; true when reading should resume.
	bool drainedLocked();
	void releaseReadPause();
	void flushPending();                                         // loop thread
	void post(std::function<void(DataChannel &)> fn);

	const std::weak_ptr<PeerConnection> mPc;
	const std::string mLabel, mProtocol;
	const rtcReliability mReliability;
	const bool mNegotiated;
	std::atomic<int> mStream;
	std::atomic<State> mState{State::Connecting};
	std::atomic<bool> mOpenDelivered{false};
	std::atomic<bool> mClosedDelivered{false};
	std::atomic<bool> mOpenSent{false}; // our DCEP OPEN may have reached the peer
	std::shared_ptr<SctpTransport> mTransport; // std::atomic_load/store: read on any thread
	std::atomic<uint32_t> mRemoteMaxMessageSize{65536};
	const uint32_t mLocalMaxMessageSize; // ours, from the peer connection's configuration
	std::atomic<size_t> mLowThreshold{0};
	std::atomic<rtcMessageCallbackFunc> mMessageCallback{nullptr};

	mutable std::mutex mQueueMutex;
	std::deque<Message> mQueue;
	size_t mQueuedBytes = 0;
	bool mPausing = false;     // this channel holds a read pause on mPausedTransport (mQueueMutex)
	std::shared_ptr<SctpTransport> mPausedTransport; // (mQueueMutex)
	uint64_t mDropped = 0;     // unreliable messages dropped on a full queue (mQueueMutex)
	std::shared_ptr<void> mAdmission; // loop thread
	stats::Traffic mTraffic; // messages sent and delivered on this channel
	std::vector<char> mScratch; // NUL-terminated copies of string messages, loop thread only
};

} // namespace rtcimpl
