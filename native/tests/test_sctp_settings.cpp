// Unit tests of the global SCTP settings (native/src/sctp/sctp_settings.cpp) as usrsctp sees
// them. Issue 14: usrsctp's own cap of 512 DATA chunks per association (queued + in flight)
// refused sends whenever ~600 KB were in flight, whatever the send window, which held a 50 ms
// path to 8-21 MB/s; the default now lets 19 MB be in flight and still bounds hostile chunks.
#include "sctp/sctp_settings.hpp"
#include "sctp/usrsctp_include.hpp"

#include <cstdio>
#include <cstring>

#include "support/unit_check.hpp"

static int output(void *, void *, size_t, uint8_t, uint8_t) { return 0; }

int main() {
	usrsctp_init_nothreads(0, output, nullptr);
	const uint32_t usrsctpDefault = usrsctp_sysctl_get_sctp_max_chunks_on_queue();

	rtcimpl::sctp::applyGlobal();
	const auto defaults = rtcimpl::sctp::current();
	// Full chunks carry 1 192 B (1280-byte MTU path minus DTLS, UDP and SCTP headers). The cap
	// must let at least 16 MiB be in flight (80 MB/s at 200 ms RTT), or sends stop while the
	// window still has room; and it bounds what a hostile peer's tiny chunks can pin (each may
	// hold its ~2.5 KB packet buffer: 16 384 x 2.5 KB = 40 MB, docs/reliability.md).
	const uint32_t needed = uint32_t(16 * 1024 * 1024 / 1192);
	const uint32_t hostileBound = 16384;
	std::printf("usrsctp default %u, library default %u, 16 MiB in flight needs %u, hostile bound %u\n",
	            usrsctpDefault, usrsctp_sysctl_get_sctp_max_chunks_on_queue(), needed, hostileBound);
	CHECK(usrsctp_sysctl_get_sctp_max_chunks_on_queue() >= needed);
	CHECK(usrsctp_sysctl_get_sctp_max_chunks_on_queue() <= hostileBound);
	CHECK(usrsctp_sysctl_get_sctp_max_chunks_on_queue() == uint32_t(defaults.maxChunksOnQueue));

	// rtcSetSctpSettings: a value the application sets wins; <= 0 restores the default.
	rtcSctpSettings s;
	std::memset(&s, 0, sizeof(s));
	s.maxChunksOnQueue = 1000;
	rtcimpl::sctp::set(s);
	CHECK(usrsctp_sysctl_get_sctp_max_chunks_on_queue() == 1000);
	s.maxChunksOnQueue = 0;
	rtcimpl::sctp::set(s);
	CHECK(usrsctp_sysctl_get_sctp_max_chunks_on_queue() == uint32_t(defaults.maxChunksOnQueue));

	usrsctp_finish();
	std::printf("%d checks, %d failures\n", g_checks, g_failures);
	return g_failures ? 1 : 0;
}
