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
