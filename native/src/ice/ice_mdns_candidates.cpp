// IceTransport, remote mDNS candidates (<uuid>.local): resolved with the one-shot resolver,
// bounded per connection, then handed to libnice with the address.
#include "ice/ice_transport.hpp"
#include "common/log.hpp"

namespace rtcimpl {

namespace {
// mDNS candidates (docs/reliability.md): names resolved at once per connection, candidates
// waiting per name, and how long one resolution may take.
constexpr size_t kMaxMdnsNames = 16;
constexpr size_t kMaxCandidatesPerMdnsName = 8;
constexpr int kMdnsTimeoutMs = 2000;

// The candidate with its connection address (5th field) replaced.
std::string withAddress(const std::string &candidate, const std::string &address) {
	std::string out;
	size_t field = 0, i = 0;
	while (i < candidate.size()) {
		size_t end = candidate.find(' ', i);
		if (end == std::string::npos)
			end = candidate.size();
		if (!out.empty())
			out += ' ';
		out += field == 4 ? address : candidate.substr(i, end - i);
		++field;
		i = end + 1;
	}
	return out;
}
} // namespace

void IceTransport::resolveMdnsCandidate(const std::string &name, const std::string &candidate) {
	++mMdnsCandidateCount;
	auto it = mMdnsNames.find(name);
	if (it != mMdnsNames.end()) {
		MdnsName &entry = it->second;
		if (entry.query && !entry.query->done()) {
			if (entry.candidates.size() < kMaxCandidatesPerMdnsName)
				entry.candidates.push_back(candidate);
			else
				LOG_WARNING("ICE: too many candidates for mDNS name " + name + ", one dropped");
		} else if (!entry.address.empty()) {
			applyRemoteCandidate(withAddress(candidate, entry.address));
		}
		return;
	}
	if (mMdnsNames.size() >= kMaxMdnsNames) {
		LOG_WARNING("ICE: more than " + std::to_string(kMaxMdnsNames) +
		            " mDNS names from the peer; candidate dropped: " + candidate);
		return;
	}
	LOG_INFO("timeline: ice mdns query: " + name);
	MdnsName &entry = mMdnsNames[name];
	entry.candidates.push_back(candidate);
	entry.query = std::make_unique<MdnsQuery>(
	    mLoop, name, mBindAddress, std::chrono::milliseconds(kMdnsTimeoutMs),
	    [this, weak = weak_from_this(), name](const std::vector<std::string> &addresses) {
		    auto keep = weak.lock();
		    if (keep && !mClosed)
			    onMdnsResolved(name, addresses);
	    });
}

void IceTransport::onMdnsResolved(const std::string &name, const std::vector<std::string> &addresses) {
	auto it = mMdnsNames.find(name);
	if (it == mMdnsNames.end())
		return;
	MdnsName &entry = it->second;
	// An address of ICE's own family when bound to one (IPv4 comes first otherwise).
	bool wantV6 = mBindAddress.find(':') != std::string::npos;
	for (const auto &a : addresses)
		if (mBindAddress.empty() || (a.find(':') != std::string::npos) == wantV6) {
			entry.address = a;
			break;
		}
	auto candidates = std::move(entry.candidates);
	entry.candidates.clear();
	// The query is calling us: destroy it after it returns.
	mLoop.post([query = std::shared_ptr<MdnsQuery>(std::move(entry.query))] {});
	std::string address = entry.address;
	if (address.empty()) {
		LOG_INFO("ICE: mDNS name " + name + " not resolved; peer-reflexive candidates may still connect");
	} else {
		LOG_INFO("timeline: ice mdns resolved: " + name + " " + address);
		for (const auto &c : candidates)
			applyRemoteCandidate(withAddress(c, address));
	}
	if (mRemoteGatheringDone)
		tellPeerGatheringDone();
	checkNoPairs();
}

} // namespace rtcimpl
