// Statistics of a peer connection (rtcGetStats and rtcGetDtlsCipher extensions, docs/stats.md):
// a snapshot read from the transports on the caller's thread, each under its own lock.
#include "channel/data_channel.hpp"
#include "pc/peer_connection.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace rtcimpl {

namespace {
// The port of an "ip:port" address (IPv6 addresses hold colons too: the port follows the last).
int portOf(const std::string &address) {
	auto colon = address.rfind(':');
	if (colon == std::string::npos)
		return 0;
	int port = 0;
	std::from_chars(address.data() + colon + 1, address.data() + address.size(), port);
	return port;
}
} // namespace

void PeerConnection::fillStats(rtcStats &s) const {
	std::shared_ptr<SctpTransport> sctp;
	std::shared_ptr<DtlsTransport> dtls;
	int channels = 0;
	{
		std::lock_guard lock(mMutex);
		sctp = mSctp;
		dtls = mDtls;
		for (const auto &[stream, dc] : mChannels)
			channels += dc->state() != DataChannel::State::Closed;
		for (const auto &dc : mUnassigned)
			channels += dc->state() != DataChannel::State::Closed;
	}
	s.channelCount = channels;
	s.sctpSmoothedRttMs = s.sctpCongestionWindow = s.sctpRtoMs = -1;
	s.sctpPeerReceiveWindow = s.sctpUnackedChunks = -1;
	if (!sctp) {
		std::lock_guard lock(mMutex); // after close: what the transport counted to the end
		s.bytesSent = mFinalStats.bytesSent;
		s.bytesReceived = mFinalStats.bytesReceived;
		s.messagesSent = mFinalStats.messagesSent;
		s.messagesReceived = mFinalStats.messagesReceived;
		s.sctpRetransmissions = mFinalStats.sctpRetransmissions;
	} else {
		const auto &traffic = sctp->traffic();
		s.bytesSent = traffic.bytesSent();
		s.bytesReceived = traffic.bytesReceived();
		s.messagesSent = traffic.messagesSent();
		s.messagesReceived = traffic.messagesReceived();
		s.sctpRetransmissions = sctp->retransmissions();
		s.bufferedAmount = int(std::min<size_t>(sctp->totalBuffered(), INT32_MAX));
		SctpTransport::PathInfo path;
		if (sctp->pathInfo(path)) {
			s.sctpSmoothedRttMs = int(path.srttMs);
			s.sctpCongestionWindow = int(std::min<uint32_t>(path.cwnd, INT32_MAX));
			s.sctpRtoMs = int(path.rtoMs);
			s.sctpPeerReceiveWindow = int(std::min<uint32_t>(path.peerRwnd, INT32_MAX));
			s.sctpUnackedChunks = int(path.unacked);
		}
	}
	if (dtls)
		s.dtlsCipherSuite = dtls->cipherSuite(nullptr);
	std::string local, remote;
	if (auto transport = ice(); transport && transport->selectedPair(nullptr, nullptr, &local, &remote)) {
		s.localPort = portOf(local);
		s.remotePort = portOf(remote);
	}
}

void PeerConnection::keepFinalStats(const SctpTransport &sctp) {
	const auto &traffic = sctp.traffic();
	mFinalStats.bytesSent = traffic.bytesSent();
	mFinalStats.bytesReceived = traffic.bytesReceived();
	mFinalStats.messagesSent = traffic.messagesSent();
	mFinalStats.messagesReceived = traffic.messagesReceived();
	mFinalStats.sctpRetransmissions = sctp.retransmissions();
}

std::optional<std::string> PeerConnection::dtlsCipher() const {
	std::shared_ptr<DtlsTransport> dtls;
	{
		std::lock_guard lock(mMutex);
		dtls = mDtls;
	}
	std::string name;
	if (!dtls || dtls->cipherSuite(&name) == 0)
		return std::nullopt;
	return name;
}

} // namespace rtcimpl
