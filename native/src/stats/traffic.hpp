// Message and byte counters of data channel traffic (rtcGetStats, rtcGetDataChannelStats).
// Relaxed atomics: written on the send and receive paths, read by any thread for statistics,
// where a count a message behind is fine.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace rtcimpl::stats {

class Traffic {
public:
	void sent(size_t bytes) {
		mMessagesSent.fetch_add(1, std::memory_order_relaxed);
		mBytesSent.fetch_add(bytes, std::memory_order_relaxed);
	}
	void received(size_t bytes) {
		mMessagesReceived.fetch_add(1, std::memory_order_relaxed);
		mBytesReceived.fetch_add(bytes, std::memory_order_relaxed);
	}
	uint64_t messagesSent() const { return mMessagesSent.load(std::memory_order_relaxed); }
	uint64_t bytesSent() const { return mBytesSent.load(std::memory_order_relaxed); }
	uint64_t messagesReceived() const { return mMessagesReceived.load(std::memory_order_relaxed); }
	uint64_t bytesReceived() const { return mBytesReceived.load(std::memory_order_relaxed); }

private:
	std::atomic<uint64_t> mMessagesSent{0}, mBytesSent{0}, mMessagesReceived{0}, mBytesReceived{0};
};

} // namespace rtcimpl::stats
