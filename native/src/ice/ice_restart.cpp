// IceTransport, ICE restart (RFC 8445 section 9): a new libnice stream with new credentials gathers
// again; sending moves to it once it has a pair, and the old stream lingers, then goes.
#include "ice/ice_transport.hpp"
#include "common/log.hpp"

#include <agent.h>

namespace rtcimpl {

void IceTransport::restart(const std::string &ufrag, const std::string &pwd) {
	if (mClosed)
		return;
	{
		std::lock_guard lock(mCredentialsMutex);
		mUfrag = ufrag;
		mPwd = pwd;
	}
	// Posted like every runtime operation; the remote credentials given after this call are
	// posted after it too, so they reach the new stream.
	mLoop.post([this, weak = weak_from_this(), ufrag, pwd] {
		auto keep = weak.lock();
		NiceAgent *agent = keep ? currentAgent() : nullptr;
		if (!agent)
			return;
		// libnice's own nice_agent_restart_stream keeps the sockets and candidates of the first
		// gathering (a stream gathers once), so an address that appeared since could never be
		// used: a new stream gathers afresh instead.
		unsigned fresh = nice_agent_add_stream(agent, 1);
		if (!fresh) {
			LOG_ERROR("ICE restart: libnice refused a new stream");
			return;
		}
		configureStream(agent, fresh);
		if (!nice_agent_set_local_credentials(agent, fresh, ufrag.c_str(), pwd.c_str()))
			LOG_ERROR("ICE restart: libnice refused the new credentials");
		nice_agent_attach_recv(agent, fresh, 1, mLoop.context(),
		                       reinterpret_cast<NiceAgentRecvFunc>(onReceive), this);
		// A stream that never carried data (a restart during a restart) goes at once; the one
		// datagrams go out on stays until the new one has a pair.
		unsigned previous = mStream;
		if (previous != mSendStream)
			removeStream(previous);
		else if (mOldStream && mOldStream != previous)
			removeStream(mOldStream);
		mLoop.cancel(mRemoveTimer);
		mRemoveTimer = 0;
		mOldStream = mSendStream;
		mStream = fresh;
		LOG_INFO("timeline: ice restart: stream " + std::to_string(fresh) + " replaces " +
		         std::to_string(mOldStream));
		mRestarted = true;
		mHaveRemoteCredentials = false;
		mRemoteGatheringDone = false;
		mPeerGatheringDoneSent = false;
		mRemoteCandidateCount = 0;
		mMdnsCandidateCount = 0;
		mLocalCandidateCount = 0;
		mPendingCandidates.clear();
		loopCancelConnectTimer();
		mGathering = true; // the first gathering is moot now: this one replaces it
		startGathering();
	});
}

void IceTransport::removeStream(unsigned stream) {
	NiceAgent *agent = currentAgent();
	if (!agent || !stream)
		return;
	nice_agent_attach_recv(agent, stream, 1, mLoop.context(), nullptr, nullptr);
	nice_agent_remove_stream(agent, stream);
	if (stream == mOldStream)
		mOldStream = 0;
	LOG_INFO("timeline: ice stream " + std::to_string(stream) + " removed");
}

namespace {
// After the switch the peer may still send a little on the old pair (it switches when it sees
// the nomination): the old stream keeps receiving that long.
constexpr int kOldStreamLingerMs = 3000;
} // namespace

void IceTransport::switchToRestartedStream() {
	if (mSendStream == mStream)
		return;
	mSendStream = mStream.load();
	LOG_INFO("timeline: ice sending on stream " + std::to_string(mStream.load()));
	mLoop.cancel(mRemoveTimer);
	mRemoveTimer = mLoop.addTimer(std::chrono::milliseconds(kOldStreamLingerMs),
	                              [this, weak = weak_from_this()] {
		                              auto keep = weak.lock();
		                              if (!keep)
			                              return false;
		                              mRemoveTimer = 0;
		                              if (!mClosed && mOldStream && mOldStream != mSendStream)
			                              removeStream(mOldStream);
		                              return false;
	                              });
}

} // namespace rtcimpl
