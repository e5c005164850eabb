// Library logging: one sink (rtcInitLogger), a level filter checked before formatting.
#pragma once

#include "rtc/rtc.h"

#include <atomic>
#include <string>

namespace rtcimpl::log {

extern std::atomic<int> gLevel;

void init(rtcLogLevel level, rtcLogCallbackFunc cb);
void write(rtcLogLevel level, const std::string &message);
inline bool enabled(rtcLogLevel level) { return int(level) <= gLevel.load(std::memory_order_relaxed); }

// The log sink is the application's callback, and no lock may be held while an application
// callback runs: one that calls back into the API would deadlock on the lock its line was written
// under (the SCTP send lock, the peer connection's, libnice's agent lock in its debug hook,
// usrsctp's while it outputs packets). Lines written on a thread while a Defer lives there are held
// and written when the outermost one ends. The outermost scopes are where no lock can be held:
// every C API entry point (capi.cpp) and every event-loop iteration (event_loop.cpp), which
// between them run all of the library's code. Only lines for an application callback are held
// (the stdout sink takes no library lock), and held lines are dropped if the logger stops first.
// At most kMaxDeferredLines are held per thread; the rest are counted and reported in one line.
class Defer {
public:
	Defer();
	~Defer();
	Defer(const Defer &) = delete;
	Defer &operator=(const Defer &) = delete;
};
constexpr size_t kMaxDeferredLines = 1024;

} // namespace rtcimpl::log

// Formatting happens only when the level is enabled.
#define RTC_LOG(level, expr)                                                                       \
	do {                                                                                           \
		if (::rtcimpl::log::enabled(level)) {                                                      \
			std::string rtc_log_line_;                                                             \
			rtc_log_line_ += expr;                                                                 \
			::rtcimpl::log::write(level, rtc_log_line_);                                           \
		}                                                                                          \
	} while (0)
#define LOG_ERROR(expr) RTC_LOG(RTC_LOG_ERROR, expr)
#define LOG_WARNING(expr) RTC_LOG(RTC_LOG_WARNING, expr)
#define LOG_INFO(expr) RTC_LOG(RTC_LOG_INFO, expr)
#define LOG_DEBUG(expr) RTC_LOG(RTC_LOG_DEBUG, expr)
#define LOG_VERBOSE(expr) RTC_LOG(RTC_LOG_VERBOSE, expr)
