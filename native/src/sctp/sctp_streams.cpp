// SctpTransport, streams: outgoing stream resets (RFC 6525, batched, retried while another
// request is outstanding) and growing the stream count on demand.
#include "sctp/sctp_transport.hpp"
#include "sctp/sctp_transport_internal.hpp"
#include "common/event_loop.hpp"
#include "common/log.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace rtcimpl {

using namespace sctp_internal;

namespace {
constexpr int kMaxGrowRetries = 50;
// Longest wait between attempts to issue a stream reset refused while another reconfiguration
// request is outstanding.
constexpr int kMaxResetRetryMs = 200;
} // namespace

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


} // namespace rtcimpl
