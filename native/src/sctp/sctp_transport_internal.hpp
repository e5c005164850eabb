// Shared by the files of SctpTransport (lifecycle, send, streams, receive): setup constants
// and small helpers. Internal to native/src/sctp.
#pragma once

#include "sctp/usrsctp_include.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace rtcimpl::sctp_internal {

// Streams negotiated at setup. RFC 8831 asks for 65535, but usrsctp allocates state for every
// negotiated stream up front (tens of bytes each, per direction), so setup asks for 1024, as
// upstream libdatachannel and Chromium's usrsctp did, and grows on first use of a higher id.
constexpr uint16_t kInitialStreams = 1024;
// After usrsctp's send buffer was full, queued messages are handed over again this much later.
constexpr std::chrono::milliseconds kSendRetry{1};

inline std::string streamList(const std::vector<uint16_t> &streams) {
	std::string s;
	for (uint16_t stream : streams)
		s += (s.empty() ? "" : ",") + std::to_string(stream);
	return s;
}

inline std::string hex(unsigned value) {
	char buf[16];
	snprintf(buf, sizeof(buf), "%x", value);
	return buf;
}

template <typename T> bool setOpt(struct socket *s, int level, int name, const T &value) {
	return usrsctp_setsockopt(s, level, name, &value, socklen_t(sizeof(T))) == 0;
}

} // namespace rtcimpl::sctp_internal
