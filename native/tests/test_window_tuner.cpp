// Unit tests of SCTP window auto-tuning (native/src/sctp/window_tuner.hpp): receive windows grow
// only while the connection moves more than half of them per round trip; send buffers follow the
// congestion window up and down; both change at most by a factor 2 per check, stay between the
// initial size and the cap, and never grow for a slow or idle connection.
#include "sctp/window_tuner.hpp"

#include <cstdio>

using rtcimpl::sctp::WindowTuner;
using namespace std::chrono;

#include "support/unit_check.hpp" // g_checks, g_failures

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                           \
		++g_checks;                                                                                \
		if (!((a) == (b))) {                                                                       \
			++g_failures;                                                                          \
			std::fprintf(stderr, "FAIL %s:%d: %s == %s (%zu vs %zu)\n", __FILE__, __LINE__, #a, #b, \
			             size_t(a), size_t(b));                                                    \
		}                                                                                          \
	} while (0)

constexpr size_t MiB = 1024 * 1024;

// Feeds `bytes` in 64 KiB messages; runs check() whenever count() asks for it, `step` apart.
static size_t feedReceive(WindowTuner &t, size_t bytes, WindowTuner::Clock::time_point &now,
                          milliseconds step, milliseconds srtt) {
	size_t grownTo = 0;
	for (size_t sent = 0; sent < bytes; sent += 64 * 1024) {
		if (t.count(64 * 1024)) {
			now += step;
			if (size_t n = t.check(now, srtt))
				grownTo = n;
		}
	}
	return grownTo;
}

static void receiveGrowsOnlyWhenWindowLimited() {
	// A fast long path: half the window arrives within one round trip each time.
	WindowTuner fast(4 * MiB, 32 * MiB);
	auto now = WindowTuner::Clock::now();
	feedReceive(fast, 64 * MiB, now, milliseconds(20), milliseconds(50));
	CHECK_EQ(fast.size(), 32 * MiB); // doubled to the cap, not past it

	// A slow path: half the window takes longer than a round trip, however much flows.
	WindowTuner slow(4 * MiB, 32 * MiB);
	now = WindowTuner::Clock::now();
	CHECK_EQ(feedReceive(slow, 256 * MiB, now, milliseconds(200), milliseconds(50)), 0u);
	CHECK_EQ(slow.size(), 4 * MiB);

	// Loopback: the round trip is under a millisecond; a burst that fills the window in 2 ms
	// is not a window-limited path.
	WindowTuner near(4 * MiB, 32 * MiB);
	now = WindowTuner::Clock::now();
	CHECK_EQ(feedReceive(near, 256 * MiB, now, milliseconds(2), milliseconds(1)), 0u);
	CHECK_EQ(near.size(), 4 * MiB);

	// Idle: nothing counted, nothing to check.
	WindowTuner idle(4 * MiB, 32 * MiB);
	CHECK_EQ(idle.count(0) ? 1 : 0, 0);
	CHECK_EQ(idle.size(), 4 * MiB);
}

static void receiveDoublesOnePerCheck() {
	WindowTuner t(1 * MiB, 32 * MiB);
	auto now = WindowTuner::Clock::now();
	CHECK_EQ(t.count(MiB / 2) ? 1 : 0, 1);
	CHECK_EQ(t.check(now, milliseconds(50)), 0u); // the first check only starts the clock
	t.count(MiB / 2);
	CHECK_EQ(t.check(now + milliseconds(10), milliseconds(50)), 2 * MiB);
	// Half of the new window is needed before the next check.
	CHECK_EQ(t.count(MiB / 2) ? 1 : 0, 0);
	CHECK_EQ(t.count(MiB / 2) ? 1 : 0, 1);
}

static void sendFollowsCongestionWindow() {
	WindowTuner t(1 * MiB, 32 * MiB);
	CHECK_EQ(t.checkInFlight(300 * 1024), 0u); // cwnd under half the buffer
	CHECK_EQ(t.size(), 1 * MiB);
	CHECK_EQ(t.checkInFlight(600 * 1024), 2 * MiB); // cwnd past half: the buffer would limit
	CHECK_EQ(t.checkInFlight(600 * 1024), 0u);      // between a quarter and a half: kept
	CHECK_EQ(t.checkInFlight(40 * MiB), 4 * MiB);   // one doubling per check
	for (int i = 0; i < 10; ++i)
		t.checkInFlight(40 * MiB);
	CHECK_EQ(t.size(), 32 * MiB);
	// Checks continue at the cap (else a collapse there would never be noticed), every half
	// initial window accepted.
	CHECK_EQ(t.countSent(MiB / 4) ? 1 : 0, 0);
	CHECK_EQ(t.countSent(MiB / 4) ? 1 : 0, 1);
	// The congestion window collapsed (a timeout): the buffer follows it down, one halving per
	// check, never below the initial size, so unsent bytes hidden from bufferedAmount stay
	// within a few windows.
	CHECK_EQ(t.checkInFlight(1200), 16 * MiB);
	for (int i = 0; i < 10; ++i)
		t.checkInFlight(1200);
	CHECK_EQ(t.size(), 1 * MiB);
	CHECK_EQ(t.checkInFlight(1200), 0u);
	// Recovery grows it again.
	CHECK_EQ(t.checkInFlight(MiB / 2), 2 * MiB);
}

static void sendNeverBelowLargestMessage() {
	// usrsctp refuses a message larger than its whole send buffer (EMSGSIZE): the buffer grows
	// to fit one, even when the size is fixed, and never shrinks below it again.
	WindowTuner t(1 * MiB, 32 * MiB);
	CHECK_EQ(t.fit(64 * 1024), 0u);
	CHECK_EQ(t.fit(3 * MiB), 3 * MiB);
	CHECK_EQ(t.checkInFlight(4 * MiB), 6 * MiB);
	for (int i = 0; i < 10; ++i)
		t.checkInFlight(1200);
	CHECK_EQ(t.size(), 3 * MiB);
	WindowTuner fixed(1 * MiB, 1 * MiB);
	CHECK_EQ(fixed.fit(2 * MiB), 2 * MiB);
	CHECK_EQ(fixed.countSent(64 * MiB) ? 1 : 0, 0);
}

static void fixedWhenCapIsInitial() {
	// A size the application set (rtcSetSctpSettings) is built with cap == initial.
	WindowTuner t(4 * MiB, 4 * MiB);
	CHECK_EQ(t.count(64 * MiB) ? 1 : 0, 0);
	CHECK_EQ(t.countSent(64 * MiB) ? 1 : 0, 0);
	CHECK_EQ(t.checkInFlight(64 * MiB), 0u);
	CHECK_EQ(t.size(), 4 * MiB);
}

int main() {
	receiveGrowsOnlyWhenWindowLimited();
	receiveDoublesOnePerCheck();
	sendFollowsCongestionWindow();
	sendNeverBelowLargestMessage();
	fixedWhenCapIsInitial();
	std::printf("%d checks, %d failures\n", g_checks, g_failures);
	return g_failures ? 1 : 0;
}
