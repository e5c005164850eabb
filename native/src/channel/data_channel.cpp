#include "channel/data_channel.hpp"
#include "common/event_loop.hpp"
#include "channel/limits.hpp"
#include "common/log.hpp"
#include "pc/peer_connection.hpp"

#include <climits>
#include <cstring>

namespace rtcimpl {

DataChannel::DataChannel(EventLoop &loop, std::weak_ptr<PeerConnection> pc, std::string label,
                         std::string protocol, rtcReliability reliability, bool negotiated, int stream,
                         uint32_t localMaxMessageSize)
    : Entity(Kind::DataChannel, loop), mPc(std::move(pc)), mLabel(std::move(label)),
      mProtocol(std::move(protocol)), mReliability(reliability), mNegotiated(negotiated),
      mStream(stream), mLocalMaxMessageSize(localMaxMessageSize) {}

DataChannel::~DataChannel() {
	// A deleted channel must not keep the association's reads stopped.
	releaseReadPause();
}

void DataChannel::releaseReadPause() {
	std::shared_ptr<SctpTransport> paused;
	{
		std::lock_guard lock(mQueueMutex);
		if (!mPausing)
			return;
		mPausing = false;
		paused = std::move(mPausedTransport);
	}
	if (paused)
		paused->resumeReading();
}

bool DataChannel::drainedLocked() {
	// Hysteresis: reading resumes at half the bounds, not on every message taken.
	const auto &lim = limits::get();
	return mPausing && mQueuedBytes <= lim.recvQueueBytes / 2 && mQueue.size() <= lim.recvQueueMessages / 2;
}

SctpReliability DataChannel::sctpReliability() const {
	SctpReliability r;
	r.unordered = mReliability.unordered;
	if (mReliability.unreliable) {
		if (mReliability.maxPacketLifeTime > 0) {
			r.type = SctpReliability::Type::Timed;
			r.value = mReliability.maxPacketLifeTime;
		} else {
			r.type = SctpReliability::Type::Rexmit;
			r.value = mReliability.maxRetransmits;
		}
	}
	return r;
}

void DataChannel::post(std::function<void(DataChannel &)> fn) {
	auto self = std::static_pointer_cast<DataChannel>(shared_from_this());
	loop().post([self, fn = std::move(fn)] { fn(*self); });
}

int DataChannel::send(const char *data, int size) {
	if (!data && size != 0) {
		LOG_WARNING("rtcSendMessage: NULL data");
		return RTC_ERR_INVALID;
	}
	if (size < 0)
		return sendPayload(uint32_t(Ppid::String), data, std::strlen(data));
	return sendPayload(uint32_t(Ppid::Binary), data, size_t(size));
}

int DataChannel::sendText(const char *data, int size) {
	if (size < 0 || (!data && size != 0)) {
		LOG_WARNING("rtcSendText: NULL data or negative size");
		return RTC_ERR_INVALID;
	}
	static const char empty = 0;
	return sendPayload(uint32_t(Ppid::String), data ? data : &empty, size_t(size));
}

int DataChannel::sendPayload(uint32_t ppid, const char *data, size_t length) {
	if (mState.load() != State::Open) {
		LOG_WARNING("rtcSendMessage: data channel " + std::to_string(id()) + " is not open");
		return RTC_ERR_FAILURE;
	}
	auto transport = std::atomic_load(&mTransport);
	if (!transport)
		return RTC_ERR_FAILURE;
	if (length > size_t(maxMessageSize())) {
		LOG_WARNING("rtcSendMessage: message of " + std::to_string(length) +
		            " bytes exceeds the max message size " + std::to_string(maxMessageSize()));
		return RTC_ERR_INVALID;
	}
	if (!transport->send(uint16_t(stream()), ppid, data, length, sctpReliability()))
		return RTC_ERR_FAILURE;
	mTraffic.sent(length);
	return RTC_ERR_SUCCESS;
}

int DataChannel::close() {
	State s = mState.load();
	do {
		if (s == State::Closed || s == State::Closing)
			return RTC_ERR_SUCCESS;
	} while (!mState.compare_exchange_weak(s, State::Closing));
	// The peer's answering reset waits behind whatever usrsctp holds: a closing channel must not
	// keep the association's reads stopped (from here on its full queue drops, see deliver).
	releaseReadPause();
	// Closing is stored before mOpenSent is read, and beginOpen() stores mOpenSent before it
	// reads the state: either the OPEN is not sent, or this close sees it and resets.
	auto transport = std::atomic_load(&mTransport);
	bool known = s == State::Open || mOpenSent.load() || mNegotiated;
	if (known && transport && transport->isConnected() && stream() >= 0) {
		// Outgoing stream reset (RFC 8831 section 6.7), also while our OPEN awaits its ACK: the
		// peer's channel is open already. The peer answers with its own reset, which closes us.
		auto pc = mPc.lock();
		bool reset = pc ? pc->resetChannelStream(uint16_t(stream()))
		                : transport->resetStream(uint16_t(stream()));
		if (reset)
			return RTC_ERR_SUCCESS;
	}
	// The peer never heard of this channel (or the association is gone): nothing to reset.
	post([](DataChannel &dc) { dc.onClosed(); });
	return RTC_ERR_SUCCESS;
}

bool DataChannel::beginOpen() {
	mOpenSent.store(true);
	return mState.load() == State::Connecting;
}

int DataChannel::maxMessageSize() const {
	uint32_t remote = mRemoteMaxMessageSize.load();
	if (remote == 0) // RFC 8841: 0 means the peer takes any size; keep ours as the bound
		remote = mLocalMaxMessageSize;
	return remote > uint32_t(INT_MAX) ? INT_MAX : int(remote); // the C API returns int
}

int DataChannel::bufferedAmount() const {
	auto transport = std::atomic_load(&mTransport);
	if (!transport || stream() < 0)
		return 0;
	return int(transport->bufferedAmount(uint16_t(stream())));
}

int DataChannel::setBufferedAmountLowThreshold(int amount) {
	if (amount < 0)
		return RTC_ERR_INVALID;
	mLowThreshold = size_t(amount);
	return RTC_ERR_SUCCESS;
}

int DataChannel::availableAmount() const {
	std::lock_guard lock(mQueueMutex);
	return int(mQueuedBytes);
}

int DataChannel::receive(char *buffer, int *size) {
	if (!size)
		return RTC_ERR_INVALID;
	std::unique_lock lock(mQueueMutex);
	if (mQueue.empty())
		return RTC_ERR_NOT_AVAIL;
	auto &m = mQueue.front();
	int needed = int(m.data.size()) + (m.isString ? 1 : 0);
	if (!buffer) {
		*size = m.isString ? -needed : needed;
		return RTC_ERR_SUCCESS;
	}
	int capacity = std::abs(*size);
	if (capacity < needed) {
		*size = m.isString ? -needed : needed;
		return RTC_ERR_TOO_SMALL;
	}
	if (!m.data.empty())
		std::memcpy(buffer, m.data.data(), m.data.size());
	if (m.isString) {
		buffer[m.data.size()] = '\0';
		*size = -needed;
	} else {
		*size = needed;
	}
	mQueuedBytes -= m.data.size();
	mQueue.pop_front();
	bool resume = drainedLocked();
	lock.unlock();
	if (resume)
		releaseReadPause();
	return RTC_ERR_SUCCESS;
}

void DataChannel::setOpenCallback(rtcOpenCallbackFunc cb) {
	openCallback = cb;
	// A channel announced by the peer is already open when the user gets to set this.
	if (cb && mState.load() == State::Open && !mOpenDelivered.load())
		post([](DataChannel &dc) {
			if (dc.mState.load() == State::Open && !dc.mOpenDelivered.exchange(true))
				if (auto cb = dc.openCallback.load())
					dc.invoke([&] { cb(dc.id(), dc.userPointer()); });
		});
}

void DataChannel::setClosedCallback(rtcClosedCallbackFunc cb) {
	closedCallback = cb;
	if (cb && mState.load() == State::Closed && !mClosedDelivered.load())
		post([](DataChannel &dc) {
			if (dc.mState.load() == State::Closed)
				if (auto cb = dc.closedCallback.load(); cb && !dc.mClosedDelivered.exchange(true))
					dc.invoke([&] { cb(dc.id(), dc.userPointer()); });
		});
}

void DataChannel::setAvailableCallback(rtcAvailableCallbackFunc cb) {
	availableCallback = cb;
	if (cb)
		post([](DataChannel &dc) {
			if (dc.mMessageCallback.load())
				return;
			{
				std::lock_guard lock(dc.mQueueMutex);
				if (dc.mQueue.empty())
					return;
			}
			if (auto acb = dc.availableCallback.load())
				dc.invoke([&] { acb(dc.id(), dc.userPointer()); });
		});
}

void DataChannel::setMessageCallback(rtcMessageCallbackFunc cb) {
	mMessageCallback = cb;
	if (cb)
		post([](DataChannel &dc) { dc.flushPending(); });
}

void DataChannel::attach(std::shared_ptr<SctpTransport> transport, uint32_t remoteMaxMessageSize) {
	mRemoteMaxMessageSize = remoteMaxMessageSize;
	std::atomic_store(&mTransport, std::move(transport));
}

bool DataChannel::sendDcep(const std::vector<char> &message) {
	auto transport = std::atomic_load(&mTransport);
	if (!transport || stream() < 0)
		return false;
	SctpReliability reliable; // DCEP messages always go reliable and ordered
	return transport->send(uint16_t(stream()), uint32_t(Ppid::Dcep), message.data(), message.size(),
	                       reliable);
}

void DataChannel::onOpen() {
	State expected = State::Connecting;
	if (!mState.compare_exchange_strong(expected, State::Open))
		return;
	if (auto cb = openCallback.load()) {
		mOpenDelivered = true;
		invoke([&] { cb(id(), userPointer()); });
	}
}

void DataChannel::onMessage(uint32_t ppid, const char *data, size_t size) {
	State s = mState.load();
	if (s == State::Closed)
		return;
	switch (Ppid(ppid)) {
	case Ppid::String:
	case Ppid::StringPartial: deliver(data, size, true); break;
	case Ppid::Binary:
	case Ppid::BinaryPartial: deliver(data, size, false); break;
	case Ppid::StringEmpty: deliver(data, 0, true); break;
	case Ppid::BinaryEmpty: deliver(data, 0, false); break;
	default: LOG_DEBUG("data channel: message with unknown PPID " + std::to_string(ppid) + " dropped");
	}
}

void DataChannel::deliver(const char *data, size_t size, bool isString) {
	mTraffic.received(size);
	auto cb = mMessageCallback.load();
	bool queueEmpty;
	{
		std::lock_guard lock(mQueueMutex);
		queueEmpty = mQueue.empty();
		if (!cb || !queueEmpty) {
			// Polling mode, or earlier messages still wait: keep the order.
			const auto &lim = limits::get();
			bool full = mQueuedBytes >= lim.recvQueueBytes || mQueue.size() >= lim.recvQueueMessages;
			if (full && (mReliability.unreliable || mState.load() == State::Closing)) {
				// An unreliable channel may lose messages, and a closing one was given up by
				// the user: drop rather than hold up the other channels.
				if (++mDropped == 1 || mDropped % 1000 == 0)
					LOG_WARNING("data channel " + std::to_string(id()) + ": receive queue full (" +
					            std::to_string(mQueue.size()) + " messages, " + std::to_string(mQueuedBytes) +
					            " bytes); " + std::to_string(mDropped) + " unreliable message(s) dropped");
				return;
			}
			mQueue.push_back(Message{std::vector<char>(data, data + size), isString});
			mQueuedBytes += size;
			// A reliable channel loses nothing: at its bound, stop reading from SCTP so that the
			// receive window closes and the sender waits. This message was already read.
			if (!mReliability.unreliable && !mPausing && mState.load() != State::Closing &&
			    (mQueuedBytes >= lim.recvQueueBytes || mQueue.size() >= lim.recvQueueMessages)) {
				auto pause = std::atomic_load(&mTransport);
				if (pause) {
					mPausing = true;
					mPausedTransport = pause;
					pause->pauseReading(); // under the lock: a drain cannot resume before it
					LOG_DEBUG("data channel " + std::to_string(id()) + ": receive queue full; reading paused");
				}
			}
		}
	}
	if (cb && queueEmpty) {
		if (isString) {
			mScratch.assign(data, data + size);
			mScratch.push_back('\0');
			invoke([&] { cb(id(), mScratch.data(), -int(size + 1), userPointer()); });
		} else {
			invoke([&] { cb(id(), data, int(size), userPointer()); });
		}
		return;
	}
	if (cb) {
		flushPending();
		return;
	}
	if (auto acb = availableCallback.load())
		invoke([&] { acb(id(), userPointer()); });
}

void DataChannel::flushPending() {
	for (;;) {
		auto cb = mMessageCallback.load();
		if (!cb || deleted())
			return;
		Message m;
		bool resume;
		{
			std::lock_guard lock(mQueueMutex);
			if (mQueue.empty())
				return;
			m = std::move(mQueue.front());
			mQueue.pop_front();
			mQueuedBytes -= m.data.size();
			resume = drainedLocked();
		}
		if (resume)
			releaseReadPause();
		if (m.isString) {
			m.data.push_back('\0');
			invoke([&] { cb(id(), m.data.data(), -int(m.data.size()), userPointer()); });
		} else {
			invoke([&] { cb(id(), m.data.data(), int(m.data.size()), userPointer()); });
		}
	}
}

void DataChannel::onBufferedAmount(size_t before, size_t after) {
	size_t threshold = mLowThreshold.load();
	if (before > threshold && after <= threshold)
		if (auto cb = bufferedAmountLowCallback.load())
			invoke([&] { cb(id(), userPointer()); });
}

void DataChannel::onClosed() {
	if (mState.exchange(State::Closed) == State::Closed)
		return;
	releaseReadPause();
	mAdmission.reset();
	// A closed channel never sends again: let the association's memory go with its peer
	// connection even if the user keeps this channel's id.
	std::atomic_store(&mTransport, std::shared_ptr<SctpTransport>());
	if (auto cb = closedCallback.load(); cb && !mClosedDelivered.exchange(true))
		invoke([&] { cb(id(), userPointer()); });
}

void DataChannel::onError(const std::string &message) {
	if (auto cb = errorCallback.load())
		invoke([&] { cb(id(), message.c_str(), userPointer()); });
}

} // namespace rtcimpl
