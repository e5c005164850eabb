// libFuzzer harness: sdp::parse() on arbitrary input; successful parses are fed back through
// generateAnswer()/generateOffer() and must parse again.
#include "sdp/description.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace rtcimpl::sdp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	std::string_view input(reinterpret_cast<const char *>(data), size);
	std::string error;
	auto desc = parse(input, Type::Offer, &error);
	if (!desc) {
		if (error.empty())
			std::abort(); // failures must explain themselves
		return 0;
	}
	if (desc->dataIndex < 0 || size_t(desc->dataIndex) >= desc->media.size() ||
	    !desc->media[size_t(desc->dataIndex)].isData || desc->fingerprint.empty())
		std::abort();
	for (const auto &c : desc->candidates)
		if (!candidateInfo(c))
			std::abort();

	LocalParams local;
	local.sessionId = size;
	local.iceUfrag = "fuzz";
	local.icePwd = "fuzzfuzzfuzzfuzzfuzzfuzz";
	local.fingerprint = desc->fingerprintAlgorithm == "sha-256" ? desc->fingerprint
	                                                            : std::string(95, 'A');
	if (desc->fingerprintAlgorithm != "sha-256")
		for (size_t i = 2; i < local.fingerprint.size(); i += 3)
			local.fingerprint[i] = ':';
	local.setup = Setup::Passive;
	local.candidates = desc->candidates;
	std::string answer = generateAnswer(local, *desc);
	auto back = parse(answer, Type::Answer, &error);
	// The answer keeps every m-line and answers the same data section.
	if (!back || back->media.size() != desc->media.size() || back->dataIndex != desc->dataIndex ||
	    back->dataMid != desc->dataMid || back->candidates.size() != desc->candidates.size())
		std::abort();
	return 0;
}
