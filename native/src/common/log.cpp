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
struct Deferred {
	int depth = 0;
	std::vector<std::pair<rtcLogLevel, std::string>> lines;
	size_t dropped = 0;
};
thread_local Deferred tDeferred;

void emit(rtcLogLevel level, const std::string &message);
} // namespace

Defer::Defer() { ++tDeferred.depth; }

Defer::~Defer() {
	if (--tDeferred.depth > 0 || (tDeferred.lines.empty() && tDeferred.dropped == 0))
		return;
	// Swapped out first: a callback that logs again (or takes a lock with its own Defer) starts
	// from an empty list.
	std::vector<std::pair<rtcLogLevel, std::string>> lines;
	lines.swap(tDeferred.lines);
	size_t dropped = std::exchange(tDeferred.dropped, 0);
	for (const auto &[level, message] : lines)
		emit(level, message);
	if (dropped > 0)
		emit(RTC_LOG_WARNING, std::to_string(dropped) + " log line(s) dropped: more than " +
		                          std::to_string(kMaxDeferredLines) + " written in one call or loop iteration");
	lines.clear();
	if (tDeferred.lines.empty())
		tDeferred.lines.swap(lines); // keep the capacity: no allocation next time
}

void write(rtcLogLevel level, const std::string &message) {
	if (tDeferred.depth > 0) {
		if (tDeferred.lines.size() < kMaxDeferredLines)
			tDeferred.lines.emplace_back(level, message);
		else
			++tDeferred.dropped;
		return;
	}
	emit(level, message);
}

namespace {
void emit(rtcLogLevel level, const std::string &message) {
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

} // namespace rtcimpl::log
