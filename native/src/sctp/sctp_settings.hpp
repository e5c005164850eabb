// Global SCTP tuning (rtcSetSctpSettings), applied to usrsctp and to each new association.
#pragma once

#include "rtc/rtc.h"

namespace rtcimpl::sctp {

struct Settings {
	int recvBufferSize = 4 * 1024 * 1024;
	int sendBufferSize = 4 * 1024 * 1024;
	int maxChunksOnQueue = 0;
	int initialCongestionWindow = 10; // MTUs; RFC 4960's 3 is slow to start on fast paths
	int maxBurst = 0;
	int congestionControlModule = 0;
	int delayedSackTimeMs = 20;
	int minRetransmitTimeoutMs = 200;
	int maxRetransmitTimeoutMs = 10000;
	int initialRetransmitTimeoutMs = 1000;
	int maxRetransmitAttempts = 10; // path and association; at 20 % loss fewer gives up on live paths
	int heartbeatIntervalMs = 1000; // keeps an idle path audibly alive for the liveness check
};

Settings current();
void set(const rtcSctpSettings &settings); // <= 0 fields keep the defaults above
void applyGlobal();                       // pushes the values into usrsctp's sysctls

} // namespace rtcimpl::sctp
