#include "common/event_loop.hpp"
#include "common/log.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <atomic>
#include <condition_variable>
#include <thread>
#include <mutex>

// GLib hands posted work to the loop thread through its own futex-based locks, which
// ThreadSanitizer cannot see: tell it that posting happens before running.
#if defined(__SANITIZE_THREAD__)
#define WRN_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WRN_TSAN 1
#endif
#endif
#ifdef WRN_TSAN
extern "C" void __tsan_acquire(void *addr);
extern "C" void __tsan_release(void *addr);
#define HANDOFF_RELEASE(p) __tsan_release(p)
#define HANDOFF_ACQUIRE(p) __tsan_acquire(p)
#else
#define HANDOFF_RELEASE(p) ((void)0)
#define HANDOFF_ACQUIRE(p) ((void)0)
#endif

namespace rtcimpl {

namespace {
thread_local const EventLoop *tCurrent = nullptr;
std::atomic<unsigned> gPoolSize{0};
std::atomic<unsigned> gNext{0};

std::vector<EventLoop *> &pool() {
	static auto *loops = new std::vector<EventLoop *>();
	return *loops;
}
// Guards starting and stopping the pool. Started loops are read without it through gStarted.
std::mutex &poolMutex() {
	static auto *m = new std::mutex();
	return *m;
}
std::atomic<bool> gStarted{false};
std::atomic<long> gDefaultSpin{100};

unsigned cores() { return std::max(1u, std::thread::hardware_concurrency()); }

// WEBRTCNATIVE_SPIN_US overrides the busy-poll window (0 disables it). Read once the pool size
// is known: the default depends on it.
long spinMicros() {
	static const long value = [] {
		const char *env = std::getenv("WEBRTCNATIVE_SPIN_US");
		return env ? std::max(0L, std::atol(env)) : gDefaultSpin.load();
	}();
	return value;
}

gboolean runPosted(gpointer data) {
	HANDOFF_ACQUIRE(data);
	auto fn = static_cast<std::function<void()> *>(data);
	(*fn)();
	return G_SOURCE_REMOVE;
}

void deletePosted(gpointer data) {
	HANDOFF_ACQUIRE(data);
	delete static_cast<std::function<void()> *>(data);
}

gboolean runTimer(gpointer data) {
	HANDOFF_ACQUIRE(data);
	auto fn = static_cast<EventLoop::TimerFn *>(data);
	return (*fn)() ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

void deleteTimer(gpointer data) {
	HANDOFF_ACQUIRE(data);
	delete static_cast<EventLoop::TimerFn *>(data);
}
} // namespace

// Loops live until rtcCleanup (or the process): native threads may outlive main().
std::vector<EventLoop *> EventLoop::all() {
	if (gStarted.load(std::memory_order_acquire))
		return pool(); // unchanged until shutdownAll, which no other call may overlap
	std::lock_guard lock(poolMutex());
	if (gStarted.load(std::memory_order_relaxed))
		return pool();
	{
		unsigned n = gPoolSize.load();
		if (const char *env = std::getenv("WEBRTCNATIVE_LOOPS"); n == 0 && env)
			n = unsigned(std::max(1, std::min(64, std::atoi(env))));
		// Half the cores (1 to 4), busy-polling after work: the application's own threads (the
		// one calling Poll() in the managed layer, a game loop) keep the other cores. With 2
		// cores or fewer there is no spare core, so one loop per core and no busy-poll: a
		// spinning loop would take the core the application polls on (measured on 2 vCPUs:
		// managed round trip 180 us with 2 spinning loops, 76 us without spinning, while two
		// loops carry ~45 % more than one: native/BENCHMARKS.md).
		if (n == 0)
			n = cores() <= 2 ? cores() : std::min(4u, cores() / 2);
		if (n >= cores())
			gDefaultSpin = 0;
		for (unsigned i = 0; i < n; ++i)
			pool().push_back(new EventLoop(int(i)));
		// Return only once every loop thread runs (and carries its name): rtcPreload() then
		// means "threads started", and a caller counting threads sees a settled picture.
		for (EventLoop *loop : pool())
			loop->runSync([] {});
	}
	gStarted.store(true, std::memory_order_release);
	return pool();
}

bool EventLoop::running() { return gStarted.load(std::memory_order_acquire); }

void EventLoop::shutdownAll() {
	std::lock_guard lock(poolMutex());
	if (!gStarted.load())
		return;
	for (EventLoop *loop : pool())
		delete loop;
	pool().clear();
	gNext = 0;
	gStarted.store(false, std::memory_order_release);
}

EventLoop &EventLoop::instance() { return *all()[0]; }

EventLoop &EventLoop::next() {
	auto loops = all();
	return *loops[gNext.fetch_add(1) % loops.size()];
}

void EventLoop::setPoolSize(unsigned count) { gPoolSize = std::min(count, 64u); }

EventLoop::EventLoop(int index) : mIndex(index) {
	mContext = g_main_context_new();
	std::string name = "rtc-loop-" + std::to_string(index);
	mThread = g_thread_new(name.c_str(), [](gpointer self) -> gpointer {
		static_cast<EventLoop *>(self)->run();
		return nullptr;
	}, this);
}

EventLoop::~EventLoop() {
	mQuit = true;
	g_main_context_wakeup(mContext);
	g_thread_join(mThread); // also drops the thread's reference
	// Sources still attached (work that was never going to run) are destroyed with it.
	g_main_context_unref(mContext);
}

void EventLoop::run() {
	tCurrent = this;
	g_main_context_push_thread_default(mContext);
	// After work, keep polling without sleeping for a short window: a reply usually arrives
	// within tens of microseconds, and waking a sleeping thread costs about as much again
	// (much more on idle virtual CPUs). An idle loop sleeps in poll() and costs nothing.
	const auto spinWindow = std::chrono::microseconds(spinMicros());
	// Lines written during an iteration reach the application's log callback once it returns,
	// when no lock is held: neither the library's own nor the ones libnice and usrsctp hold
	// while they call in (libnice's debug hook, usrsctp's packet output); see log::Defer.
	auto iterate = [this](bool mayBlock) {
		log::Defer deferLogs;
		return g_main_context_iteration(mContext, mayBlock ? TRUE : FALSE);
	};
	while (!mQuit.load(std::memory_order_acquire)) {
		iterate(true);
		if (spinWindow.count() == 0)
			continue;
		auto until = std::chrono::steady_clock::now() + spinWindow;
		while (std::chrono::steady_clock::now() < until && !mQuit.load(std::memory_order_relaxed))
			if (iterate(false))
				until = std::chrono::steady_clock::now() + spinWindow;
	}
	g_main_context_pop_thread_default(mContext);
}

bool EventLoop::isLoopThread() const { return tCurrent == this; }

bool EventLoop::onAnyLoop() { return tCurrent != nullptr; }

void EventLoop::post(std::function<void()> fn) {
	GSource *source = g_idle_source_new();
	g_source_set_priority(source, G_PRIORITY_DEFAULT);
	auto *work = new std::function<void()>(std::move(fn));
	HANDOFF_RELEASE(work);
	g_source_set_callback(source, runPosted, work, deletePosted);
	g_source_attach(source, mContext);
	g_source_unref(source);
}

void EventLoop::runSync(const std::function<void()> &fn) {
	if (isLoopThread()) {
		fn();
		return;
	}
	std::mutex m;
	std::condition_variable cv;
	bool done = false;
	post([&] {
		fn();
		std::lock_guard lock(m);
		done = true;
		cv.notify_one();
	});
	std::unique_lock lock(m);
	cv.wait(lock, [&] { return done; });
}

guint EventLoop::addTimer(std::chrono::milliseconds delay, TimerFn fn) {
	GSource *source = g_timeout_source_new(guint(delay.count()));
	auto *work = new TimerFn(std::move(fn));
	HANDOFF_RELEASE(work);
	g_source_set_callback(source, runTimer, work, deleteTimer);
	guint handle = g_source_attach(source, mContext);
	g_source_unref(source);
	return handle;
}

void EventLoop::cancel(guint handle) {
	if (!handle)
		return;
	if (GSource *source = g_main_context_find_source_by_id(mContext, handle))
		g_source_destroy(source);
}

} // namespace rtcimpl
