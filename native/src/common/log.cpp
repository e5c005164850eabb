#include "common/log.hpp"

#include <chrono>
#include <cstdio>
#include <mutex>
#include <utility>
#include <vector>

namespace rtcimpl::log {

std::atomic<int> gLevel{RTC_LOG_NONE};
static std::atomic<rtcLogCallbackFunc> gCallback{nullptr};

static const char *levelName(rtcLogLevel level) {
	switch (level) {
	case RTC_LOG_FATAL: return "FATAL";
	case RTC_LOG_ERROR: return "ERROR";
	case RTC_LOG_WARNING: return "WARN";
	case RTC_LOG_INFO: return "INFO";
	case RTC_LOG_DEBUG: return "DEBUG";
	case RTC_LOG_VERBOSE: return "VERBOSE";
	default: return "NONE";
	}
}

void init(rtcLogLevel level, rtcLogCallbackFunc cb) {
	gCallback.store(cb);
	gLevel.store(int(level));
}

namespace {
// Trivially destructible on purpose: a thread_local with a destructor is destroyed before atexit
// handlers and static destructors run (glibc), so an API call made from one of them (a host's
// static wrapper calling rtcCleanup) would write into freed memory; it would also pin the library
// while any thread that called the API lives. The held lines live on the heap only while a
// scope holds some, and go with the outermost scope.
struct Held {
	std::vector<std::pair<rtcLogLevel, std::string>> lines;
	size_t dropped = 0;
};
thread_local int tDepth = 0;
thread_local Held *tHeld = nullptr;

void emit(rtcLogLevel level, const std::string &message) {
	if (!enabled(level)) // held lines of a logger stopped (or quietened) meanwhile
		return;
	if (auto cb = gCallback.load()) {
		cb(level, message.c_str());
		return;
	}
	static std::mutex stdoutMutex; // keep lines whole when several threads log
	static const auto start = std::chrono::steady_clock::now();
	double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
	std::lock_guard lock(stdoutMutex);
	std::fprintf(stdout, "rtc %10.6f %-7s %s\n", t, levelName(level), message.c_str());
	std::fflush(stdout);
}
} // namespace

Defer::Defer() { ++tDepth; }

Defer::~Defer() {
	if (--tDepth > 0 || !tHeld)
		return;
	// Taken out first: a callback that logs again (or calls the API, which opens its own scope)
	// starts from nothing held.
	Held *held = std::exchange(tHeld, nullptr);
	try {
		for (const auto &[level, message] : held->lines)
			emit(level, message);
		if (held->dropped > 0)
			emit(RTC_LOG_WARNING, std::to_string(held->dropped) + " log line(s) dropped: more than " +
			                          std::to_string(kMaxDeferredLines) +
			                          " written in one call or loop iteration");
	} catch (...) {
		// A destructor must not throw (out of memory, or a callback that threw): the rest is lost.
	}
	delete held;
}

void write(rtcLogLevel level, const std::string &message) {
	// Only the application's callback needs the wait; the stdout sink takes no library lock.
	if (tDepth > 0 && gCallback.load()) {
		try {
			if (!tHeld)
				tHeld = new Held();
			if (tHeld->lines.size() < kMaxDeferredLines)
				tHeld->lines.emplace_back(level, message);
			else
				++tHeld->dropped;
		} catch (...) {
		}
		return;
	}
	emit(level, message);
}

} // namespace rtcimpl::log
