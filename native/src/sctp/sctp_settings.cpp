#include "sctp/sctp_settings.hpp"

#include <mutex>
#include "sctp/usrsctp_include.hpp"

namespace rtcimpl::sctp {

namespace {
std::mutex gMutex;
Settings gSettings;
} // namespace

Settings current() {
	std::lock_guard lock(gMutex);
	return gSettings;
}

void set(const rtcSctpSettings &s) {
	{
		std::lock_guard lock(gMutex);
		Settings d;
		auto pick = [](int v, int def) { return v > 0 ? v : def; };
		gSettings.recvBufferSize = pick(s.recvBufferSize, d.recvBufferSize);
		gSettings.sendBufferSize = pick(s.sendBufferSize, d.sendBufferSize);
		gSettings.tuneRecv = s.recvBufferSize <= 0; // a size set by the application stays fixed
		gSettings.tuneSend = s.sendBufferSize <= 0;
		gSettings.maxChunksOnQueue = pick(s.maxChunksOnQueue, d.maxChunksOnQueue);
		gSettings.initialCongestionWindow = pick(s.initialCongestionWindow, d.initialCongestionWindow);
		gSettings.maxBurst = s.maxBurst < 0 ? -1 : pick(s.maxBurst, d.maxBurst);
		gSettings.congestionControlModule = s.congestionControlModule > 0 && s.congestionControlModule <= 3
		                                        ? s.congestionControlModule
		                                        : 0;
		gSettings.delayedSackTimeMs = s.delayedSackTimeMs < 0 ? -1 : pick(s.delayedSackTimeMs, d.delayedSackTimeMs);
		gSettings.minRetransmitTimeoutMs = pick(s.minRetransmitTimeoutMs, d.minRetransmitTimeoutMs);
		gSettings.maxRetransmitTimeoutMs = pick(s.maxRetransmitTimeoutMs, d.maxRetransmitTimeoutMs);
		gSettings.initialRetransmitTimeoutMs = pick(s.initialRetransmitTimeoutMs, d.initialRetransmitTimeoutMs);
		gSettings.maxRetransmitAttempts = pick(s.maxRetransmitAttempts, d.maxRetransmitAttempts);
		gSettings.heartbeatIntervalMs = pick(s.heartbeatIntervalMs, d.heartbeatIntervalMs);
	}
	applyGlobal();
}

void applyGlobal() {
	Settings s = current();
	usrsctp_sysctl_set_sctp_sendspace(uint32_t(s.sendBufferSize));
	usrsctp_sysctl_set_sctp_recvspace(uint32_t(s.recvBufferSize));
	if (s.maxChunksOnQueue > 0)
		usrsctp_sysctl_set_sctp_max_chunks_on_queue(uint32_t(s.maxChunksOnQueue));
	usrsctp_sysctl_set_sctp_initial_cwnd(uint32_t(s.initialCongestionWindow));
	if (s.maxBurst > 0)
		usrsctp_sysctl_set_sctp_max_burst_default(uint32_t(s.maxBurst));
	else if (s.maxBurst < 0)
		usrsctp_sysctl_set_sctp_max_burst_default(0);
	usrsctp_sysctl_set_sctp_default_cc_module(uint32_t(s.congestionControlModule));
	if (s.delayedSackTimeMs > 0)
		usrsctp_sysctl_set_sctp_delayed_sack_time_default(uint32_t(s.delayedSackTimeMs));
	usrsctp_sysctl_set_sctp_rto_min_default(uint32_t(s.minRetransmitTimeoutMs));
	usrsctp_sysctl_set_sctp_rto_max_default(uint32_t(s.maxRetransmitTimeoutMs));
	usrsctp_sysctl_set_sctp_rto_initial_default(uint32_t(s.initialRetransmitTimeoutMs));
	usrsctp_sysctl_set_sctp_init_rto_max_default(uint32_t(s.maxRetransmitTimeoutMs));
	usrsctp_sysctl_set_sctp_assoc_rtx_max_default(uint32_t(s.maxRetransmitAttempts));
	usrsctp_sysctl_set_sctp_path_rtx_max_default(uint32_t(s.maxRetransmitAttempts));
	usrsctp_sysctl_set_sctp_heartbeat_interval_default(uint32_t(s.heartbeatIntervalMs));
}

} // namespace rtcimpl::sctp
