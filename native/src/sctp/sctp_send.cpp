// SctpTransport, sending: per-stream queues handed to usrsctp, buffered amounts, send and
// receive window tuning.
#include "sctp/sctp_transport.hpp"
#include "sctp/sctp_transport_internal.hpp"
#include "common/event_loop.hpp"
#include "common/log.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace rtcimpl {

using namespace sctp_internal;

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
	if (size_t grown = mSendTuner.fit(size)) // the whole message must fit in the send buffer
		setOpt(mSocket, SOL_SOCKET, SO_SNDBUF, int(grown));
	auto queue = mQueues.find(stream);
	if (queue == mQueues.end() && streamReady) {
		// Nothing of this stream waits: straight to usrsctp. Other streams' queued messages
		// need not go first (no order across streams).
		int r = trySend(stream, ppid, data, size, reliability);
		if (r > 0) {
			if (counted)
				mTraffic.sent(payload);
			if (mSendTuner.countSent(size))
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
		if (mSendTuner.countSent(p.data.size()))
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
