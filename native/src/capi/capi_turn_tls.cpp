// Extension entry point for TURN over TLS (see ice/turn_tls_tunnel.hpp, docs/turn-tcp-tls.md).
// Its own file so that the C API's main file stays one concern per block.
#include "rtc/rtc.h"

#include "common/log.hpp"
#include "ice/turn_tls_tunnel.hpp"

#include <exception>
#include <string>

extern "C" {

RTC_C_EXPORT int rtcSetTurnCaFile(const char *pemFile) {
	rtcimpl::log::Defer deferLogs;
	try {
		std::string error;
		if (!rtcimpl::TurnTlsTunnel::setExtraCaFile(pemFile ? pemFile : "", &error)) {
			LOG_ERROR("rtcSetTurnCaFile: " + error);
			return RTC_ERR_INVALID;
		}
		return RTC_ERR_SUCCESS;
	} catch (const std::exception &e) {
		LOG_ERROR(std::string("rtcSetTurnCaFile: ") + e.what());
		return RTC_ERR_FAILURE;
	}
}

} // extern "C"
