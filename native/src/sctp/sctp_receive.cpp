// SctpTransport, receiving: usrsctp upcall events handled on the loop, reading messages,
// and association/stream notifications.
#include "sctp/sctp_transport.hpp"
#include "sctp/sctp_transport_internal.hpp"
#include "common/event_loop.hpp"
#include "common/log.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace rtcimpl {

using namespace sctp_internal;

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

} // namespace rtcimpl
