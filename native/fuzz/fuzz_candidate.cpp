// libFuzzer harness: parseCandidate()/candidateInfo()/isEndOfCandidates() on arbitrary input.
// A normalized candidate must parse again to itself.
#include "sdp/description.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace rtcimpl::sdp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	std::string_view input(reinterpret_cast<const char *>(data), size);
	(void)isEndOfCandidates(input);
	std::string error;
	auto cand = parseCandidate(input, &error);
	auto info = candidateInfo(input);
	if (cand.has_value() != info.has_value())
		std::abort();
	if (!cand) {
		if (error.empty())
			std::abort();
		return 0;
	}
	auto again = parseCandidate(*cand, &error);
	if (!again || *again != *cand)
		std::abort();
	auto info2 = candidateInfo(*cand);
	if (!info2 || info2->port != info->port || info2->address != info->address ||
	    info2->priority != info->priority || info2->component < 1 || info2->component > 256)
		std::abort();
	return 0;
}
