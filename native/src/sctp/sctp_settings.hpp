// Global SCTP tuning (rtcSetSctpSettings), applied to usrsctp and to each new association.
#pragma once

#include "rtc/rtc.h"

namespace rtcimpl::sctp {

struct Settings {
	// Starting windows. Unless rtcSetSctpSettings sets them (then they stay fixed), each grows
	// per association while the path needs it, up to maxWindowSize (sctp/window_tuner.hpp).
	// They are limits, not allocations: an idle association holds no buffer memory. The send
	// side starts small because what usrsctp holds unsent is not in bufferedAmount's reach:
	// on a slow path it is what a sender's high-water mark cannot see. The receive window our
	// INIT announces is also the peer's first ssthresh (usrsctp, and RFC 4960 7.2.1 allows it):
	// 8 MiB lets slow start reach 42 MB/s at 200 ms RTT where 4 MiB stopped at 21 (issue 14,
	// native/BENCHMARKS.md "Third pass"; 12 MiB and 32 MiB overran this host more often).
	int recvBufferSize = 8 * 1024 * 1024;
	int sendBufferSize = 1024 * 1024;
	int maxWindowSize = 32 * 1024 * 1024; // 200 ms RTT at 100 MB/s needs 20 MB in flight
	bool tuneRecv = true;
	bool tuneSend = true;
	// DATA chunks an association may hold, outgoing (queued and in flight) and incoming
	// (reassembly and unread) alike. usrsctp's own default, 512, refused sends whenever 512
	// chunks (~600 KB) were in flight, whatever the send window: that held a 50 ms path to
	// 8-21 MB/s (native/BENCHMARKS.md, issue 14). 16 384 full chunks are 19 MB in flight (100 MB/s
	// at 200 ms). It is also what bounds a hostile peer's tiny chunks: usrsctp charges each only
	// its bytes + 256 B against the receive window, while one can pin its packet's ~2.5 KB
	// buffer, so an association can be made to hold up to ~40 MB (docs/reliability.md).
	int maxChunksOnQueue = 16384;
	int initialCongestionWindow = 10; // MTUs; RFC 4960's 3 is slow to start on fast paths
	int maxBurst = 0;
	int congestionControlModule = 0;
	int delayedSackTimeMs = 20;
	// Floor of the retransmission timeout. Each association raises its own to srtt + 200 ms
	// (sctp_transport.cpp): with a steady delay RFC 4960's srtt + 4 * rttvar comes within a few
	// ms of srtt, and one delayed SACK then fires a spurious timeout that resets cwnd to 1 MTU.
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
