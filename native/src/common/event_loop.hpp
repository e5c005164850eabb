// The library's one event thread: a GLib main context that runs every ICE agent, DTLS and
// SCTP timers, and every user callback (in order per object, with no internal lock held).
#pragma once

#include <chrono>
#include <functional>
#include <glib.h>

namespace rtcimpl {

class EventLoop {
public:
	static EventLoop &instance();

	GMainContext *context() const { return mContext; }
	bool isLoopThread() const;

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
	EventLoop();
	void run();

	GMainContext *mContext;
	GMainLoop *mLoop;
	GThread *mThread;
};

} // namespace rtcimpl
