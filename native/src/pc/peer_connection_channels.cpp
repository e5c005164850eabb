// Channel management of a peer connection: channels created here or announced by the peer
// (DCEP, RFC 8832), SCTP stream id allocation, and stream resets (RFC 8831 section 6.7).
// A stream id is taken from the moment a channel uses it until both directions of its stream
// are reset (or the association ends); only then may a new channel reuse it.
#include "channel/data_channel.hpp"
#include "channel/dcep.hpp"
#include "common/loop_owned.hpp"
#include "common/log.hpp"
#include "common/registry.hpp"
#include "pc/peer_connection.hpp"

namespace rtcimpl {

namespace {
rtcReliability reliabilityFromDcep(const dcep::OpenMessage &m) {
	rtcReliability r{};
	r.unordered = (m.channelType & 0x80) != 0;
	switch (m.channelType & 0x7f) {
	case 0x01:
		r.unreliable = true;
		r.maxRetransmits = m.reliabilityParameter;
		break;
	case 0x02:
		r.unreliable = true;
		r.maxPacketLifeTime = m.reliabilityParameter;
		break;
	default: break;
	}
	return r;
}

dcep::OpenMessage openFor(const DataChannel &dc) {
	dcep::OpenMessage m;
	rtcReliability r = dc.reliability();
	uint8_t type = dcep::Reliable;
	if (r.unreliable) {
		if (r.maxPacketLifeTime > 0) {
			type = dcep::PartialReliableTimed;
			m.reliabilityParameter = r.maxPacketLifeTime;
		} else {
			type = dcep::PartialReliableRexmit;
			m.reliabilityParameter = r.maxRetransmits;
		}
	}
	if (r.unordered)
		type |= 0x80;
	m.channelType = type;
	m.label = dc.label();
	m.protocol = dc.protocol();
	return m;
}
} // namespace

int PeerConnection::allocateStream() {
	// Lowest free id of our parity. Every id of our parity below mFreeHint is taken, so a run of
	// creations costs O(1) each instead of a scan over thousands of channels.
	int limit = maxStreamLocked();
	int first = mIsClient ? 0 : 1;
	for (int s = std::max(mFreeHint, first); s <= limit; s += 2)
		if (!streamTaken(uint16_t(s))) {
			mFreeHint = s + 2;
			return s;
		}
	return -1;
}

bool PeerConnection::streamTaken(uint16_t stream) const {
	return mChannels.count(stream) || mResetting.count(stream);
}

void PeerConnection::assignStreams() {
	for (auto &dc : mUnassigned) {
		int stream = allocateStream();
		if (stream < 0) {
			LOG_ERROR("no free SCTP stream for data channel \"" + dc->label() + "\"");
			auto lost = dc;
			loop().post([lost] {
				lost->onError("no free SCTP stream");
				lost->onClosed();
			});
			continue;
		}
		dc->setStream(stream);
		mChannels[uint16_t(stream)] = dc;
	}
	mUnassigned.clear();
}

void PeerConnection::streamFreed(int stream) {
	// mMutex held
	if (stream >= 0 && stream % 2 == (mIsClient ? 0 : 1))
		mFreeHint = std::min(mFreeHint, stream);
}


int PeerConnection::createDataChannel(const char *label, const rtcDataChannelInit *init) {
	if (!label) {
		LOG_WARNING("createDataChannel: NULL label");
		return RTC_ERR_INVALID;
	}
	rtcDataChannelInit opts{};
	if (init)
		opts = *init;
	std::string protocol = opts.protocol ? opts.protocol : "";
	if (std::string(label).size() > 65535 || protocol.size() > 65535) {
		LOG_WARNING("createDataChannel: label or protocol longer than 65535 bytes");
		return RTC_ERR_INVALID;
	}
	if (opts.negotiated && !opts.manualStream) {
		LOG_WARNING("createDataChannel: a negotiated channel needs an explicit stream id");
		return RTC_ERR_INVALID;
	}
	if (opts.manualStream && opts.stream > kMaxStreamId) {
		LOG_WARNING("createDataChannel: stream id " + std::to_string(opts.stream) + " out of range");
		return RTC_ERR_INVALID;
	}
	std::shared_ptr<DataChannel> dc;
	bool openNow = false, sendOpenNow = false, autoOffer = false;
	{
		std::lock_guard lock(mMutex);
		if (mClosed) {
			LOG_WARNING("createDataChannel: peer connection is closed");
			return RTC_ERR_FAILURE;
		}
		int stream = -1;
		if (opts.manualStream) {
			stream = opts.stream;
			if (streamTaken(uint16_t(stream))) {
				LOG_WARNING("createDataChannel: stream id " + std::to_string(stream) + " already in use");
				return RTC_ERR_INVALID;
			}
			if (stream > maxStreamLocked()) {
				LOG_WARNING("createDataChannel: stream id " + std::to_string(stream) +
				             " above the negotiated maximum " + std::to_string(maxStreamLocked()));
				return RTC_ERR_INVALID;
			}
		} else if (mRoleKnown) {
			stream = allocateStream();
			if (stream < 0) {
				LOG_WARNING("createDataChannel: every SCTP stream is in use");
				return RTC_ERR_FAILURE;
			}
		}
		dc = ownedByLoop(loop(), new DataChannel(loop(), std::weak_ptr<PeerConnection>(self()), label,
		                                         protocol, opts.reliability, opts.negotiated, stream,
		                                         mConfig.maxMessageSize));
		dc->setUserPointer(userPointer()); // inherited, as upstream does
		Registry::instance().add(dc);
		if (stream >= 0)
			mChannels[uint16_t(stream)] = dc;
		else
			mUnassigned.push_back(dc);
		if (mSctp)
			dc->attach(mSctp, mRemoteMaxMessageSize);
		if (mSctp && mSctp->isConnected()) {
			openNow = opts.negotiated;
			sendOpenNow = !opts.negotiated;
		}
		autoOffer = !mConfig.disableAutoNegotiation && !mLocalType &&
		            mSignaling == RTC_SIGNALING_STABLE;
	}
	if (sendOpenNow && dc->beginOpen())
		dc->sendDcep(dcep::encodeOpen(openFor(*dc)));
	if (openNow) {
		auto keep = dc;
		loop().post([keep] { keep->onOpen(); });
	}
	if (autoOffer)
		setLocalDescription("offer");
	return dc->id();
}

void PeerConnection::removeDataChannel(const std::shared_ptr<DataChannel> &dc) {
	std::lock_guard lock(mMutex);
	int stream = dc->stream();
	if (stream >= 0) {
		auto it = mChannels.find(uint16_t(stream));
		if (it != mChannels.end() && it->second == dc) {
			mChannels.erase(it);
			if (!mResetting.count(uint16_t(stream))) // else freed when the reset completes
				streamFreed(stream);
		}
	}
	for (auto it = mUnassigned.begin(); it != mUnassigned.end(); ++it)
		if (*it == dc) {
			mUnassigned.erase(it);
			break;
		}
}

std::shared_ptr<DataChannel> PeerConnection::channelOnStream(uint16_t stream) const {
	std::lock_guard lock(mMutex);
	auto it = mChannels.find(stream);
	return it != mChannels.end() ? it->second : nullptr;
}


void PeerConnection::openChannels() {
	// Ids were accepted before the association said how many streams it can have.
	if (auto sctp = mSctpPtr.load()) {
		int max = sctp->maxStream();
		bool beyond;
		{
			std::lock_guard lock(mMutex);
			beyond = !mChannels.empty() && int(mChannels.rbegin()->first) > max;
		}
		if (beyond)
			onStreamsRefused(uint16_t(max + 1));
	}
	std::vector<std::shared_ptr<DataChannel>> channels;
	{
		std::lock_guard lock(mMutex);
		for (auto &[stream, dc] : mChannels)
			channels.push_back(dc);
	}
	for (auto &dc : channels) {
		if (dc->state() != DataChannel::State::Connecting)
			continue;
		if (dc->negotiated())
			dc->onOpen();
		else if (dc->beginOpen())
			dc->sendDcep(dcep::encodeOpen(openFor(*dc)));
	}
}


void PeerConnection::onSctpMessage(uint16_t stream, uint32_t ppid, const char *data, size_t size) {
	if (mClosed)
		return; // arriving while our graceful shutdown runs: no channel is left for it
	if (ppid == uint32_t(Ppid::Dcep)) {
		onDcepMessage(stream, data, size);
		return;
	}
	if (auto dc = channelOnStream(stream))
		dc->onMessage(ppid, data, size);
	else
		LOG_DEBUG("message on stream " + std::to_string(stream) + " without a channel; dropped");
}

void PeerConnection::onDcepMessage(uint16_t stream, const char *data, size_t size) {
	std::string_view view(data, size);
	auto type = dcep::messageType(view);
	if (!type)
		return;
	if (*type == dcep::Ack) {
		if (auto dc = channelOnStream(stream))
			dc->onOpen();
		return;
	}
	if (*type != dcep::Open) {
		LOG_DEBUG("unknown DCEP message type " + std::to_string(*type));
		return;
	}
	std::string error;
	auto open = dcep::parseOpen(view, &error);
	if (!open) {
		rejectOpen(stream, error);
		return;
	}
	std::shared_ptr<DataChannel> dc;
	const char *why;
	limits::RemoteChannelBudget::Ticket admission;
	{
		std::lock_guard lock(mMutex);
		if (mClosed)
			return;
		// The peer answered our reset of this stream and reuses it: its reset is over for us too.
		if (auto it = mResetting.find(stream); it != mResetting.end() && it->second.incomingDone)
			mResetting.erase(it);
		// RFC 8832: the peer must use streams of its own parity, and free ones.
		why = streamTaken(stream)                     ? "stream in use"
		      : stream % 2 == (mIsClient ? 0 : 1) ? "stream of our parity"
		                                          : nullptr;
		if (!why) {
			// Channels the peer opens, and their labels, count against a per-connection budget.
			admission = mRemoteBudget.admit(open->label.size() + open->protocol.size(), &error);
			if (!admission)
				why = error.c_str();
		}
		if (!why) {
			dc = ownedByLoop(loop(), new DataChannel(loop(), std::weak_ptr<PeerConnection>(self()),
			                                         open->label, open->protocol, reliabilityFromDcep(*open),
			                                         false, stream, mConfig.maxMessageSize));
			dc->setUserPointer(userPointer());
			dc->holdAdmission(std::move(admission));
			Registry::instance().add(dc);
			mChannels[stream] = dc;
			dc->attach(mSctp, mRemoteMaxMessageSize);
		}
	}
	if (why) {
		rejectOpen(stream, why);
		return;
	}
	dc->sendDcep(dcep::encodeAck());
	if (auto cb = dataChannelCallback.load())
		invoke([&] { cb(id(), dc->id(), userPointer()); });
	dc->onOpen();
}

void PeerConnection::rejectOpen(uint16_t stream, const std::string &why) {
	// RFC 8832 section 6: a DATA_CHANNEL_OPEN that cannot be accepted closes the channel by
	// resetting the stream, so that the peer's channel does not wait open forever.
	LOG_WARNING("DCEP OPEN on stream " + std::to_string(stream) + " rejected (" + why +
	            "); resetting the stream");
	if (!mClosed)
		resetChannelStream(stream);
}

bool PeerConnection::resetChannelStream(uint16_t stream) {
	std::shared_ptr<SctpTransport> sctp;
	{
		std::lock_guard lock(mMutex);
		auto &r = mResetting[stream];
		if (r.outgoingRequested)
			return true;
		r.outgoingRequested = true;
		sctp = mSctp;
	}
	// Not under mMutex: usrsctp may report back from inside the request.
	if (sctp && sctp->resetStream(stream))
		return true;
	// No association: nothing to reset on the wire, and no answer will come.
	std::lock_guard lock(mMutex);
	finishReset(stream);
	return false;
}

void PeerConnection::finishReset(uint16_t stream) {
	mResetting.erase(stream);
	if (!mChannels.count(stream))
		streamFreed(stream);
}

void PeerConnection::onOutgoingReset(uint16_t stream) {
	std::lock_guard lock(mMutex);
	auto it = mResetting.find(stream);
	if (it == mResetting.end())
		return;
	LOG_DEBUG("our reset of stream " + std::to_string(stream) + " done" +
	          (it->second.incomingDone ? "; the id is free" : "; the peer's reset is awaited"));
	it->second.outgoingDone = true;
	if (it->second.incomingDone)
		finishReset(stream);
}

void PeerConnection::onIncomingReset(uint16_t stream) {
	std::shared_ptr<DataChannel> dc;
	bool answer;
	{
		std::lock_guard lock(mMutex);
		// Closed (its graceful SCTP shutdown may still run): every channel is closed already, and
		// answering would start a reset ping-pong with the peer, each side answering the other's
		// answer as a new reset, until the association ends.
		if (mClosed)
			return;
		auto it = mChannels.find(stream);
		if (it != mChannels.end()) {
			dc = it->second;
			mChannels.erase(it);
		}
		auto &r = mResetting[stream];
		r.incomingDone = true;
		answer = !r.outgoingRequested;
		LOG_DEBUG("the peer reset stream " + std::to_string(stream) + (dc ? " (a channel closes)" : "") +
		          (answer ? "; answering with ours" : ""));
		if (r.outgoingDone)
			finishReset(stream);
	}
	// Answer the peer's reset with ours (RFC 8831 section 6.7); the id is free once it is done.
	if (answer)
		resetChannelStream(stream);
	if (dc)
		dc->onClosed();
}

void PeerConnection::closeAllChannels() {
	std::vector<std::shared_ptr<DataChannel>> channels;
	{
		std::lock_guard lock(mMutex);
		for (auto &[stream, dc] : mChannels)
			channels.push_back(dc);
		channels.insert(channels.end(), mUnassigned.begin(), mUnassigned.end());
		mChannels.clear();
		mUnassigned.clear();
		mResetting.clear(); // the association is gone, and every stream with it
		mFreeHint = 0;
	}
	for (auto &dc : channels)
		dc->onClosed();
}

void PeerConnection::onStreamsRefused(uint16_t first) {
	std::vector<std::shared_ptr<DataChannel>> lost;
	{
		std::lock_guard lock(mMutex);
		for (auto it = mChannels.lower_bound(first); it != mChannels.end();) {
			lost.push_back(it->second);
			it = mChannels.erase(it);
		}
	}
	for (auto &dc : lost) {
		dc->onError("the remote peer allows no SCTP stream above " + std::to_string(int(first) - 1));
		dc->onClosed();
	}
}


} // namespace rtcimpl
