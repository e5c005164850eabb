// Send/receive window auto-tuning for one SCTP association, in the manner of TCP's dynamic
// right-sizing: a window starts at the configured size (what an idle connection reserves, as
// a limit, never as allocated memory) and doubles, up to a cap, only while the connection
// moves more than half of it per round trip, i.e. while the window is what limits the path.
// A fast path across a long distance (50 ms RTT at 100 MB/s needs 5 MB in flight) gets the
// window it needs; a slow, near or idle one keeps the small one.
#pragma once

#include <chrono>
#include <cstddef>

namespace rtcimpl::sctp {

class WindowTuner {
public:
	using Clock = std::chrono::steady_clock;

	WindowTuner(size_t initial, size_t cap)
	    : mSize(initial), mInitial(initial), mCap(cap < initial ? initial : cap), mFloor(initial) {}

	size_t size() const { return mSize; }
	size_t cap() const { return mCap; }

	// Receive side: counts bytes that crossed the window; true when enough did (half the
	// window) since the last check that the caller should fetch the round-trip time and call
	// check(). One add and compare per call.
	bool count(size_t bytes) {
		mBytes += bytes;
		return mSize < mCap && mBytes >= mSize / 2;
	}

	// Send side: the same, but due every half initial window accepted, at any size, so that a
	// buffer far above the congestion window is noticed before much of it fills.
	bool countSent(size_t bytes) {
		mBytes += bytes;
		return mCap > mInitial && mBytes >= mInitial / 2;
	}

	// Send side: keeps the buffer between two and four congestion windows (what the path takes
	// in flight): one in flight, the rest ready for the next SACKs while the application's next
	// batch is still on its way to usrsctp. It doubles once the congestion window uses half of
	// it, and halves once that falls under a quarter, not below the initial size or the largest
	// message (fit()): what waits in usrsctp unsent is not in bufferedAmount, so after a
	// congestion window collapse it must not stay at many windows' worth (a 32 MiB buffer behind
	// a 100 KB cwnd drained for over a minute at 200 ms RTT). Bytes accepted per round trip would
	// not tell: an application that keeps data queued fills any new space at once. Returns the
	// new size, or 0 for no change. Starts the next count either way.
	size_t checkInFlight(size_t congestionWindow) {
		mBytes = 0;
		if (congestionWindow >= mSize / 2)
			return grow();
		if (congestionWindow < mSize / 4 && mSize > mFloor) {
			mSize = mSize / 2 < mFloor ? mFloor : mSize / 2;
			return mSize;
		}
		return 0;
	}

	// Send side: usrsctp refuses (EMSGSIZE) a message larger than its whole send buffer, so the
	// buffer never goes below the largest message handed to it, even when the application fixed
	// the size. Returns the new size when it had to grow, else 0.
	size_t fit(size_t messageSize) {
		if (messageSize > mFloor)
			mFloor = messageSize;
		if (messageSize <= mSize)
			return 0;
		mSize = messageSize;
		return mSize;
	}

	// Receive side: half the window crossed within one smoothed round trip (srtt; 0 when not known yet): the
	// window limits the rate, so it doubles. Returns the new size, or 0 for no change.
	// Starts the next measurement either way.
	size_t check(Clock::time_point now, std::chrono::milliseconds srtt) {
		bool first = mStart == Clock::time_point{};
		auto took = now - mStart;
		size_t bytes = mBytes;
		mStart = now;
		mBytes = 0;
		if (first || srtt.count() <= 0 || bytes < mSize / 2 || took > srtt)
			return 0;
		return grow();
	}

private:
	size_t grow() {
		size_t next = mSize * 2 > mCap ? mCap : mSize * 2;
		if (next == mSize)
			return 0;
		mSize = next;
		return mSize;
	}

	size_t mSize;
	const size_t mInitial;
	const size_t mCap;
	size_t mFloor; // send side: never below the initial size or the largest message sent
	size_t mBytes = 0;
	Clock::time_point mStart{};
};

} // namespace rtcimpl::sctp
