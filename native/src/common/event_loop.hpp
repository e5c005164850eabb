// The library's event threads: a small fixed pool of GLib main contexts (by default half the
// cores, 1 to 4, or one per core on 2 cores or fewer; rtcSetThreadPoolSize before first use or
// WEBRTCNATIVE_LOOPS change it), started on first use and stopped by rtcCleanup. Each peer connection lives on one loop for
// its whole life: its ICE agent, DTLS and SCTP processing and every user callback of it and
// its channels run there, in order, with no internal lock held. Loop 0 also drives usrsctp's
// clock.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <glib.h>
#include <vector>

namespace rtcimpl {

class EventLoop {
public:
	static EventLoop &instance();            // loop 0
	static EventLoop &next();                // round-robin over the pool, for a new object
	static std::vector<EventLoop *> all();
	static void setPoolSize(unsigned count); // effective before the pool starts
	// rtcCleanup: stops and joins every loop thread and frees their contexts (work still queued
	// is dropped). The next all()/next()/instance() starts a new pool. Not concurrent with any
	// other use of the loops.
	static void shutdownAll();
	static bool running(); // the pool is started

	GMainContext *context() const { return mContext; }
	bool isLoopThread() const;
	static bool onAnyLoop(); // the caller is one of the pool's threads

	// Queues fn to run on the loop thread.
	void post(std::function<void()> fn);
	// Runs fn on the loop thread and waits for it (inline when already there).
	void runSync(const std::function<void()> &fn);

	// One-shot or repeating timer on the loop; returns a handle for cancel(). A repeating
	// callback returns false to stop.
	using TimerFn = std::function<bool()>;
	guint addTimer(std::chrono::milliseconds delay, TimerFn fn);
	void cancel(guint handle);

private:
	explicit EventLoop(int index);
	~EventLoop();
	void run();
	int mIndex;
	std::atomic<bool> mQuit{false};

	GMainContext *mContext;
	GThread *mThread;
};

} // namespace rtcimpl
