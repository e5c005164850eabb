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
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/event_loop.hpp"

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



class SctpTransport {
public:
	using LowerSend = std::function<bool(const char *data, size_t size)>;
	struct Callbacks {
		std::function<void()> connected;
		std::function<void()> closed; // association ended (shutdown, abort, lost)
		std::function<void(uint16_t stream, uint32_t ppid, const char *data, size_t size)> message;
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
	void resetStream(uint16_t stream);
	void close();
	bool isConnected() const { return mConnected.load(); }
	// The highest stream id this association can ever use. With a peer that takes add-streams
	// requests (another WebRtcNative) that is 65534, or less if either side's
	// WEBRTCNATIVE_SCTP_MAX_STREAMS says so, and streams above the 1024 negotiated at setup are
	// added on first use (RFC 6525), messages on them waiting for it. With any other peer: 1023.
	int maxStream() const { return mMaxStream.load(); }
	// The configured stream cap (WEBRTCNATIVE_SCTP_MAX_STREAMS, default 65535).
	static int streamCap();

	static void init(); // global usrsctp setup, once

private:
	struct Pending {
		uint16_t stream;
		uint32_t ppid;
		SctpReliability reliability;
		std::vector<char> data;
	};
	static int receiveCallback(struct socket *sock, union sctp_sockstore addr, void *data,
	                           size_t length, struct sctp_rcvinfo info, int flags, void *ulp);
	static int sendCallback(struct socket *sock, uint32_t freeSpace, void *ulp);
	static int connOutput(void *addr, void *buffer, size_t length, uint8_t tos, uint8_t setDf);

	int trySend(uint16_t stream, uint32_t ppid, const char *data, size_t size,
	            const SctpReliability &reliability); // 1 sent, 0 would block, -1 error
	void flush();      // loop thread
	void scheduleFlush();
	void handleNotification(const void *notification, size_t length);
	void handleData(const char *data, size_t length, uint16_t stream, uint32_t ppid, bool eor);
	void addBuffered(uint16_t stream, long delta); // mSendMutex held
	void doReset(uint16_t stream);                 // mSendMutex held
	void wantStreams(int count);                   // mSendMutex held: grow outgoing to count
	void growStreams();                            // mSendMutex held
	void refuseStreamsFrom(int first);             // mSendMutex held
	void scheduleGrow(std::chrono::milliseconds delay);
	void onStreamChange(const struct sctp_stream_change_event &e);

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

	mutable std::mutex mSendMutex; // send ordering: a queued message blocks later ones
	std::deque<Pending> mQueue;
	std::unordered_map<uint16_t, size_t> mBuffered;
	std::vector<uint16_t> mResetAfterFlush; // closing streams with messages still queued
	std::atomic<bool> mFlushScheduled{false};
	std::shared_ptr<bool> mAlive = std::make_shared<bool>(true);

	std::unordered_map<uint16_t, std::vector<char>> mPartial; // loop thread only
	std::unordered_map<uint16_t, uint32_t> mPartialPpid;
};

} // namespace rtcimpl
