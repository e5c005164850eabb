// CRC32c (RFC 4960 appendix B), the SCTP packet checksum. usrsctp computes it in software on
// every packet; here it uses the CPU's CRC32 instruction where there is one.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rtcimpl {

uint32_t crc32c(const void *data, size_t size);

// Writes the checksum of an outgoing SCTP packet into its common header (bytes 8..11).
void sctpStampChecksum(void *packet, size_t size);

} // namespace rtcimpl
