// SCTP (RFC 4960) over DTLS (RFC 8261) with usrsctp's AF_CONN sockets. usrsctp runs without
// its own threads (no raw sockets are opened): its timers tick on the loop thread and its
// packets come in from DTLS on the loop thread, so message callbacks need no handoff.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <glib.h>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/event_loop.hpp"
#include "sctp/window_tuner.hpp"
#include "stats/retransmissions.hpp"
#include "stats/traffic.hpp"

#include "sctp/usrsctp_include.hpp"

namespace rtcimpl {

struct SctpReliability {
	enum class Type { Reliable, Rexmit, Timed } type = Type::Reliable;
	bool unordered = false;
	uint32_t value = 0; // retransmissions or milliseconds
};

enum class Ppid : uint32_t {
	Dcep = 50,
	String = 51,
	BinaryPartial = 52,
	Binary = 53,
	StringPartial = 54,
	StringEmpty = 56,
	BinaryEmpty = 57,
};



// Owned through ownedByLoop (common/loop_owned.hpp): destroyed on its loop; posted work and
// timers hold a weak reference, and usrsctp's upcalls (which may come from loop 0's clock)
// find it through the registry of live transports.
class SctpTransport : public std::enable_shared_from_this<SctpTransport> {
public:
	using LowerSend = std::function<bool(const char *data, size_t size)>;
	struct Callbacks {
		std::function<void()> connected;
		std::function<void()> closed; // association ended (shutdown, abort, lost)
		std::function<void(uint16_t stream, uint32_t ppid, const char *data, size_t size)> message;
		// A complete message above our max-message-size arrived and was dropped.
		std::function<void(uint16_t stream, size_t size)> messageTooBig;
		std::function<void(uint16_t stream)> incomingReset;  // the remote closed its side
		std::function<void(uint16_t stream)> outgoingReset;  // our reset took effect
		// After queued messages left for usrsctp: the amount before and after.
		std::function<void(uint16_t stream, size_t before, size_t after)> bufferedAmount;
		// The peer refused to add streams: channels on streams from `first` up cannot send.
		std::function<void(uint16_t first)> streamsRefused;
	};

	// peerAddStreamsUpTo: from the remote description (a=x-webrtcnative-add-streams); 0 means
	// the peer may not answer add-streams requests, so none is sent and none is accepted.
	SctpTransport(EventLoop &loop, uint16_t localPort, uint16_t remotePort, uint32_t maxRecvMessageSize, int mtu,
	              uint16_t peerAddStreamsUpTo, LowerSend lowerSend, Callbacks callbacks);
	~SctpTransport();

	void start();                                  // loop thread, once DTLS is up
	void incoming(const char *data, size_t size);  // loop thread, one decrypted SCTP packet

	// Any thread. Returns false when the association cannot take it (closed, too big).
	bool send(uint16_t stream, uint32_t ppid, const char *data, size_t size,
	          const SctpReliability &reliability);
	size_t bufferedAmount(uint16_t stream) const;
	size_t totalBuffered() const; // over every stream (rtcGetStats)
	// Resets our outgoing side of a stream, after its queued messages. False when the
	// association is not up (nothing to reset on the wire, and no notification will follow).
	bool resetStream(uint16_t stream);
	void close(); // abort (linger 0): whatever is unsent or unacknowledged is lost
	// Graceful end (RFC 4960 section 9.2): what is queued here is handed to usrsctp, then a
	// SHUTDOWN goes out once usrsctp has everything acknowledged. `done` runs once, on the loop,
	// when the shutdown completed, the association died, or `bound` passed. Loop thread.
	void shutdown(std::chrono::milliseconds bound, std::function<void()> done);
	bool isConnected() const { return mConnected.load(); }
	// The highest stream id this association can ever use. With a peer that takes add-streams
	// requests (another WebRtcNative) that is 65534, or less if either side's
	// WEBRTCNATIVE_SCTP_MAX_STREAMS says so, and streams above the 1024 negotiated at setup are
	// added on first use (RFC 6525), messages on them waiting for it. With any other peer: 1023.
	int maxStream() const { return mMaxStream.load(); }
	// The configured stream cap (WEBRTCNATIVE_SCTP_MAX_STREAMS, default 65535).
	static int streamCap();

	// Any thread. Receive flow control: while any pause is held, nothing more is read out of
	// usrsctp, so its receive window closes and the peer's sender is throttled.
	void pauseReading() { mReadPauses.fetch_add(1); }
	void resumeReading();
	// Timed (maxPacketLifeTime) messages whose lifetime ran out in our send queue: not sent.
	uint64_t expiredInQueue() const { return mExpired.load(); }
	// Statistics (rtcGetStats): data channel messages (not DCEP), DATA chunks sent again, and
	// the primary path as usrsctp's SCTP_STATUS reports it (false before the association is up).
	const stats::Traffic &traffic() const { return mTraffic; }
	uint64_t retransmissions() const { return mRetransmissions.count(); }
	struct PathInfo {
		uint32_t srttMs = 0, cwnd = 0, rtoMs = 0, peerRwnd = 0, unacked = 0;
	};
	bool pathInfo(PathInfo &info) const;

	static void init(); // global usrsctp setup, once (again after finish())
	// rtcCleanup, once every transport is gone: stops usrsctp's clock on loop 0 (false while
	// any transport lives), then, with the loops stopped, usrsctp_finish (false if it refused).
	static bool stopClock();
	static bool finish();

private:
	struct Pending {
		uint16_t stream;
		uint32_t ppid;
		SctpReliability reliability;
		std::chrono::steady_clock::time_point queued; // counts toward a Timed lifetime
		std::vector<char> data;
	};
	static void upcall(struct socket *sock, void *arg, int flags);
	static int connOutput(void *addr, void *buffer, size_t length, uint8_t tos, uint8_t setDf);
	static void *newToken(); // a process-unique AF_CONN address (see gLive in the .cpp)
	void *const mToken = newToken();

	void scheduleEvents();  // any thread: run onEvents on the loop (coalesced)
	void onEvents();        // loop thread: flush what waits, read what arrived
	void readAvailable();   // loop thread
	void handleEnd();       // loop thread: the peer shut the socket down
	void tooBig(uint16_t stream, size_t size); // loop thread

	int trySend(uint16_t stream, uint32_t ppid, const char *data, size_t size,
	            const SctpReliability &reliability); // 1 sent, 0 would block, -1 error
	void flush();      // loop thread
	// mSendMutex held: hands one queued message to usrsctp (or drops it when its lifetime ran
	// out). 1 gone, 0 would block.
	struct Change {
		uint16_t stream;
		size_t before, after;
	};
	int sendQueued(std::deque<Pending> &queue, std::vector<Change> &changed);
	void handleNotification(const void *notification, size_t length);
	void handleData(const char *data, size_t length, uint16_t stream, uint32_t ppid, bool eor);
	void countReceived(uint32_t ppid, size_t length); // loop thread: one whole message
	void addBuffered(uint16_t stream, long delta); // mSendMutex held
	// mSendMutex held: asks usrsctp to reset every stream in mResetReady, in one request.
	// usrsctp allows one reconfiguration request outstanding (RFC 6525 section 5.1.1) and
	// refuses another (EALREADY) rather than queueing it, so refused streams stay ready and are
	// asked for again when a reconfiguration completes, and on a timer as a fallback.
	void issueResets();
	void scheduleResetRetry(); // mSendMutex held
	void wantStreams(int count);                   // mSendMutex held: grow outgoing to count
	void growStreams();                            // mSendMutex held
	void refuseStreamsFrom(int first);             // mSendMutex held
	void scheduleGrow(std::chrono::milliseconds delay);
	void onStreamChange(const struct sctp_stream_change_event &e);
	// Window auto-tuning and the per-association RTO floor (see sctp_settings.hpp).
	bool pathStatus(struct sctp_status &status); // mSendMutex held; also raises the RTO floor
	void tuneSend();                         // mSendMutex held, after usrsctp took more data
	void tuneReceive(std::chrono::steady_clock::time_point at); // loop thread, outside upcalls

	EventLoop &mLoop;
	struct socket *mSocket = nullptr;
	const uint16_t mLocalPort, mRemotePort;
	const uint32_t mMaxRecvMessageSize;
	const int mMtu;
	LowerSend mLowerSend;
	Callbacks mCallbacks;

	std::atomic<bool> mConnected{false};
	std::atomic<bool> mClosed{false};
	std::atomic<int> mMaxStream{65534};
	std::atomic<int> mOutStreams{0}; // outgoing streams usable now (0 until connected)
	int mWantOut = 0;                // mSendMutex: outgoing streams asked for by sends
	bool mGrowInFlight = false;      // mSendMutex: an add-streams request awaits its answer
	int mGrowRetries = 0;            // mSendMutex: answers "failed" (another request was in progress)

	// One send queue per stream, served round-robin, so a bulk transfer on one channel does
	// not hold up another's messages (usrsctp's stream scheduler does the same below us).
	mutable std::mutex mSendMutex;
	std::map<uint16_t, std::deque<Pending>> mQueues; // non-empty queues only
	uint16_t mNextStream = 0;                        // round-robin cursor
	std::atomic<bool> mHasQueued{false};             // !mQueues.empty(), readable without the lock
	bool mSendBlocked = false;                       // usrsctp's buffer was full at the last try
	bool mRetryArmed = false;                        // a timer will try again
	std::atomic<uint64_t> mExpired{0};
	stats::Traffic mTraffic;
	stats::Retransmissions mRetransmissions; // fed by connOutput
	std::unordered_map<uint16_t, size_t> mBuffered;
	std::mutex mSocketMutex; // reads vs close() (after mSendMutex when both are taken)
	std::set<uint16_t> mResetAfterFlush; // closing streams with messages still queued
	std::set<uint16_t> mResetReady;      // flushed closing streams whose reset is not yet asked for
	bool mResetRetryScheduled = false;   // mSendMutex: a timer will call issueResets
	int mResetRetryMs = 0;               // mSendMutex: current back-off of that timer
	std::atomic<bool> mEventsScheduled{false};
	std::atomic<int> mReadPauses{0};
	// Graceful shutdown in progress (loop thread).
	std::function<void()> mShutdownDone;
	std::atomic<guint> mShutdownTimer{0}; // the destructor may run on another thread
	bool mShutdownSent = false;
	void finishShutdown();
	sctp::WindowTuner mSendTuner;    // mSendMutex
	sctp::WindowTuner mRecvTuner;    // loop thread
	bool mRecvTunePosted = false;    // loop thread
	uint32_t mRtoFloorMs = 0;        // mSendMutex
	const uint32_t mBaseRtoMinMs, mRtoMaxMs, mRtoInitialMs;
	bool mInInput = false;      // loop thread: inside usrsctp_conninput
	bool mEventsPending = false; // loop thread: the upcall ran during it

	std::unordered_map<uint16_t, std::vector<char>> mPartial; // loop thread only
	std::unordered_map<uint16_t, size_t> mOversized;           // loop thread: bytes seen so far
};

} // namespace rtcimpl
