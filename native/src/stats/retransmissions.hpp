// Counts SCTP DATA chunks sent again (RFC 4960 section 6.3.3 timeouts and section 7.2.4 fast
// retransmits alike) by watching the packets usrsctp hands down: a DATA or I-DATA (RFC 8260)
// chunk whose TSN is not beyond the highest TSN already sent is a retransmission. usrsctp has
// no per-association counter of its own (its sctpstat counters are process-wide).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace rtcimpl::stats {

class Retransmissions {
public:
	// One outgoing SCTP packet (common header included). Any thread: usrsctp sends from the
	// caller of usrsctp_sendv and from its timers; the lock is never contended in practice
	// (usrsctp sends one association's packets under its own lock) but keeps this exact.
	void observe(const void *packet, size_t length);
	uint64_t count() const { return mCount.load(std::memory_order_relaxed); }

private:
	std::mutex mMutex;
	bool mAny = false;
	uint32_t mHighest = 0;
	std::atomic<uint64_t> mCount{0};
};

} // namespace rtcimpl::stats
