#include "common/log.hpp"

#include <chrono>
#include <cstdio>
#include <mutex>

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

void write(rtcLogLevel level, const std::string &message) {
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

} // namespace rtcimpl::log
