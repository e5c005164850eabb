// JSEP signaling of a peer connection (RFC 8829): offers, answers, provisional answers and
// rollback, and what a description exchanged mid-session changes: an ICE restart (RFC 8445
// section 9, RFC 8839 section 4.4.1.1), candidates, and max-message-size (RFC 8841 section 6).
// DTLS and SCTP are never renegotiated: the association outlives any number of exchanges.
#include "channel/data_channel.hpp"
#include "common/event_loop.hpp"
#include "common/log.hpp"
#include "pc/peer_connection.hpp"

#include <cstdlib>
#include <openssl/rand.h>
#include <stdexcept>

namespace rtcimpl {

namespace {
// A restart is the way back from a lost path, so while it runs the connection is given as long
// as ICE gives the restarted checks (ice_transport.cpp, kConnectTimeoutMs) before it fails.
constexpr int kIceRestartGraceMs = 30000;

bool sha1FingerprintAllowed() {
	const char *env = std::getenv("WEBRTCNATIVE_ALLOW_SHA1_FINGERPRINT");
	return env && std::string(env) == "1";
}

// ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 section 5.4); 6 random bits per character.
std::string randomIceString(size_t length) {
	static const char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char bytes[64];
	if (length > sizeof(bytes) || RAND_bytes(bytes, int(length)) != 1)
		throw std::runtime_error("no random bytes for ICE credentials");
	std::string out;
	for (size_t i = 0; i < length; ++i)
		out += kChars[bytes[i] & 63];
	return out;
}

bool isAnswer(sdp::Type type) { return type == sdp::Type::Answer || type == sdp::Type::Pranswer; }
} // namespace

int PeerConnection::restartIce() {
	std::lock_guard lock(mMutex);
	if (mClosed) {
		LOG_WARNING("restartIce: peer connection is closed");
		return RTC_ERR_FAILURE;
	}
	mIceRestartRequested = true;
	return RTC_ERR_SUCCESS;
}

// RFC 8445 section 9: new credentials, checks start over, and local candidates are gathered
// again (the addresses may have changed: that is often why the path died); until a new pair is
// selected data still goes out on the old one. Callers hold mMutex.
void PeerConnection::restartLocalIce(bool freshCredentials) {
	if (!mIce)
		return;
	std::string ufrag = freshCredentials ? randomIceString(8) : mIce->localUfrag();
	std::string pwd = freshCredentials ? randomIceString(24) : mIce->localPwd();
	// The candidates of the last gathering belong to the replaced stream. With new credentials
	// a description follows (our restart offer, or the answer to the peer's): it carries the new
	// host candidates, and they are announced after it, as for the first answer
	// (emitLocalDescription), so a trickled candidate never reaches the peer before the
	// credentials it belongs to.
	mLocalCandidates.clear();
	mLocalGatheringDone = false;
	if (freshCredentials) {
		mIceRegathered = true;
		auto keep = self();
		loop().post([keep] { keep->mHoldEvents = true; });
	}
	mIce->restart(ufrag, pwd); // posted after the hold: the new candidates are held
	mIceNeedsRemote = true;
	LOG_INFO("peer connection " + std::to_string(id()) + ": ICE restart" +
	         (freshCredentials ? " with new credentials" : " (the peer's credentials changed)"));
	auto keep = self();
	loop().post([keep] {
		if (keep->mState != RTC_DISCONNECTED)
			return;
		keep->loop().cancel(keep->mFailureTimer);
		keep->mFailureTimer = 0;
		keep->armFailureTimerFor(kIceRestartGraceMs);
	});
}

void PeerConnection::applyRemoteIce(const RemoteIceUpdate &update) {
	auto transport = ice();
	if (!transport)
		return;
	// Each call is posted to the loop in order: credentials, candidates, end-of-candidates.
	if (update.credentials)
		transport->setRemoteCredentials(update.ufrag, update.pwd);
	for (const auto &c : update.candidates)
		transport->addRemoteCandidate(c);
	if (update.endOfCandidates)
		transport->remoteGatheringDone();
}

void PeerConnection::applyRemoteMaxMessageSize() {
	mRemoteMaxMessageSize = mRemote ? mRemote->maxMessageSize : 65536;
	for (auto &[stream, dc] : mChannels)
		dc->setRemoteMaxMessageSize(mRemoteMaxMessageSize);
}

int PeerConnection::rollbackLocal() {
	if (mSignaling == RTC_SIGNALING_STABLE)
		return RTC_ERR_SUCCESS; // nothing to roll back (as before)
	if (mSignaling != RTC_SIGNALING_HAVE_LOCAL_OFFER) {
		LOG_WARNING("setLocalDescription(rollback): no local offer to roll back");
		return RTC_ERR_FAILURE;
	}
	mLocalType = mStableLocalType;
	// An ICE restart the offer carried stays applied: our next description carries its
	// credentials, and the peer restarts when it sees them (mIceNeedsRemote stays set).
	changeSignaling(RTC_SIGNALING_STABLE);
	return RTC_ERR_SUCCESS;
}

int PeerConnection::rollbackRemote() {
	if (mSignaling == RTC_SIGNALING_STABLE)
		return RTC_ERR_SUCCESS;
	if (mSignaling != RTC_SIGNALING_HAVE_REMOTE_OFFER) {
		LOG_WARNING("setRemoteDescription(rollback): no remote offer to roll back");
		return RTC_ERR_FAILURE;
	}
	mRemote = mStableRemote;
	mRemoteSdp = mStableRemoteSdp;
	applyRemoteMaxMessageSize();
	if (mIceNeedsRemote) {
		LOG_WARNING("setRemoteDescription(rollback): the rolled back offer restarted ICE; the next "
		            "offer must restart ICE again");
		// No answer will carry the candidates gathered for it: announce them now.
		mIceRegathered = false;
		auto keep = self();
		loop().post([keep] { keep->releaseHeldEvents(); });
	}
	changeSignaling(RTC_SIGNALING_STABLE);
	return RTC_ERR_SUCCESS;
}

int PeerConnection::setLocalDescription(const char *typeStr) {
	std::string sdpText, typeName;
	sdp::Type type;
	bool setupIce = false;
	{
		std::lock_guard lock(mMutex);
		if (mClosed) {
			LOG_WARNING("setLocalDescription: peer connection is closed");
			return RTC_ERR_FAILURE;
		}
		if (!typeStr || !*typeStr)
			type = mSignaling == RTC_SIGNALING_HAVE_REMOTE_OFFER || mSignaling == RTC_SIGNALING_HAVE_LOCAL_PRANSWER
			           ? sdp::Type::Answer
			           : sdp::Type::Offer;
		else
			type = sdp::typeFromString(typeStr);
		if (type == sdp::Type::Unspec) {
			LOG_WARNING(std::string("setLocalDescription: unknown type \"") + typeStr + "\"");
			return RTC_ERR_INVALID;
		}
		if (type == sdp::Type::Rollback)
			return rollbackLocal();
		if (type == sdp::Type::Offer) {
			if (mSignaling != RTC_SIGNALING_STABLE && mSignaling != RTC_SIGNALING_HAVE_LOCAL_OFFER) {
				LOG_WARNING("setLocalDescription: cannot offer while a remote offer is pending");
				return RTC_ERR_FAILURE;
			}
			if (mSignaling == RTC_SIGNALING_STABLE)
				mStableLocalType = mLocalType;
			if (mLocalType)
				++mSessionVersion; // a new version of our description (RFC 3264 section 8)
			// Roles stay as the first exchange set them unless ICE restarts (RFC 8445 section 9:
			// the restarting offerer is controlling); a restart asked before that exchange is moot.
			bool restart = mIceRestartRequested && mTransportsStarted;
			mIceRestartRequested = false;
			if (restart)
				restartLocalIce(true);
			if (mIce && (!mTransportsStarted || restart))
				mIce->setControlling(true);
			mLocalType = sdp::Type::Offer;
			changeSignaling(RTC_SIGNALING_HAVE_LOCAL_OFFER);
		} else {
			if ((mSignaling != RTC_SIGNALING_HAVE_REMOTE_OFFER && mSignaling != RTC_SIGNALING_HAVE_LOCAL_PRANSWER) ||
			    !mRemote) {
				LOG_WARNING("setLocalDescription: no remote offer to answer");
				return RTC_ERR_FAILURE;
			}
			mLocalType = type;
			mLocalMid = mRemote->dataMid;
			if (!mRoleKnown) {
				// We answer "active" (DTLS client) unless the offerer claimed that role.
				mIsClient = mRemote->setup != sdp::Setup::Active;
				mRoleKnown = true;
				setupTransports();
				setupIce = true;
			}
			changeSignaling(type == sdp::Type::Pranswer ? RTC_SIGNALING_HAVE_LOCAL_PRANSWER : RTC_SIGNALING_STABLE);
		}
		sdpText = generate(type);
		typeName = sdp::typeToString(type);
	}
	if (setupIce)
		startIceChecks();
	auto keep = self();
	loop().post([keep, sdpText, typeName, type] { keep->emitLocalDescription(sdpText, typeName, type); });
	return RTC_ERR_SUCCESS;
}

void PeerConnection::startIceChecks() {
	RemoteIceUpdate update;
	{
		std::lock_guard lock(mMutex);
		if (!mRemote || !mIce)
			return;
		update.credentials = true;
		update.ufrag = mRemote->iceUfrag;
		update.pwd = mRemote->icePwd;
		update.candidates = mRemote->candidates;
		update.endOfCandidates = mRemote->endOfCandidates;
		mIceNeedsRemote = false;
	}
	applyRemoteIce(update);
}

int PeerConnection::setRemoteDescription(const char *sdpText, const char *typeStr) {
	if (!sdpText) {
		LOG_WARNING("setRemoteDescription: NULL description");
		return RTC_ERR_INVALID;
	}
	bool autoAnswer = false, setupIce = false, haveUpdate = false;
	RemoteIceUpdate update;
	{
		std::lock_guard lock(mMutex);
		if (mClosed) {
			LOG_WARNING("setRemoteDescription: peer connection is closed");
			return RTC_ERR_FAILURE;
		}
		sdp::Type type;
		if (!typeStr || !*typeStr)
			type = mSignaling == RTC_SIGNALING_HAVE_LOCAL_OFFER || mSignaling == RTC_SIGNALING_HAVE_REMOTE_PRANSWER
			           ? sdp::Type::Answer
			           : sdp::Type::Offer;
		else
			type = sdp::typeFromString(typeStr);
		if (type == sdp::Type::Unspec) {
			LOG_WARNING(std::string("setRemoteDescription: unknown type \"") + typeStr + "\"");
			return RTC_ERR_INVALID;
		}
		if (type == sdp::Type::Rollback)
			return rollbackRemote();
		if (type == sdp::Type::Offer && mSignaling != RTC_SIGNALING_STABLE &&
		    mSignaling != RTC_SIGNALING_HAVE_REMOTE_OFFER) {
			if (mSignaling == RTC_SIGNALING_HAVE_LOCAL_OFFER)
				LOG_WARNING("setRemoteDescription: remote offer while a local offer is pending (glare); "
				            "the polite peer rolls its offer back first (docs/renegotiation.md)");
			else
				LOG_WARNING("setRemoteDescription: remote offer while an answer is pending");
			return RTC_ERR_FAILURE;
		}
		if (isAnswer(type) && mSignaling != RTC_SIGNALING_HAVE_LOCAL_OFFER &&
		    mSignaling != RTC_SIGNALING_HAVE_REMOTE_PRANSWER) {
			LOG_WARNING("setRemoteDescription: answer without a local offer");
			return RTC_ERR_FAILURE;
		}
		std::string error;
		auto desc = sdp::parse(sdpText, type, &error);
		if (!desc) {
			LOG_WARNING("setRemoteDescription: " + error);
			return RTC_ERR_INVALID;
		}
		// SHA-1 is too weak to pin a certificate (RFC 8122 section 5 prefers SHA-256 or
		// stronger); a peer offering nothing better is refused unless the host opts in.
		if (desc->fingerprintAlgorithm == "sha-1" && !sha1FingerprintAllowed()) {
			LOG_WARNING("setRemoteDescription: the peer's only certificate fingerprint is SHA-1; "
			            "refused (WEBRTCNATIVE_ALLOW_SHA1_FINGERPRINT=1 accepts it)");
			return RTC_ERR_INVALID;
		}
		if (mRemote && mTransportsStarted && desc->fingerprint != mRemote->fingerprint) {
			LOG_WARNING("setRemoteDescription: a new DTLS certificate mid-session is not supported");
			return RTC_ERR_FAILURE;
		}
		if (mTransportsStarted) {
			// A later description: ICE is running with the peer's earlier credentials.
			bool changed = desc->iceUfrag != mRemote->iceUfrag || desc->icePwd != mRemote->icePwd;
			if (changed && type == sdp::Type::Offer) {
				// The peer restarts ICE: so do we, with new credentials in our answer
				// (RFC 8839 section 4.4.1.1.2), controlled unless the peer is ICE-lite.
				restartLocalIce(true);
				if (mIce)
					mIce->setControlling(desc->iceLite);
			} else if (changed && !mIceNeedsRemote) {
				// An answer with new credentials to an offer that kept ours: checks start over
				// with the peer's new credentials, ours unchanged.
				restartLocalIce(false);
			}
			update.credentials = mIceNeedsRemote;
			update.ufrag = desc->iceUfrag;
			update.pwd = desc->icePwd;
			update.candidates = desc->candidates; // libnice ignores the ones it already has
			update.endOfCandidates = desc->endOfCandidates;
			mIceNeedsRemote = false;
			haveUpdate = true;
			if (update.credentials)
				LOG_INFO("peer connection " + std::to_string(id()) + ": ICE restarts with the peer's " +
				         sdp::typeToString(type));
		}
		if (type == sdp::Type::Offer && mSignaling == RTC_SIGNALING_STABLE) {
			mStableRemote = mRemote;
			mStableRemoteSdp = mRemoteSdp;
		}
		bool first = !mRemote;
		mRemote = std::move(*desc);
		mRemoteSdp = sdpText;
		applyRemoteMaxMessageSize();
		if (type == sdp::Type::Offer) {
			if (first)
				if (mIce)
					mIce->setControlling(mRemote->iceLite);
			changeSignaling(RTC_SIGNALING_HAVE_REMOTE_OFFER);
			autoAnswer = !mConfig.disableAutoNegotiation;
		} else {
			if (!mRoleKnown) {
				mIsClient = mRemote->setup == sdp::Setup::Passive;
				mRoleKnown = true;
				setupTransports();
				setupIce = true;
			}
			changeSignaling(type == sdp::Type::Pranswer ? RTC_SIGNALING_HAVE_REMOTE_PRANSWER
			                                            : RTC_SIGNALING_STABLE);
		}
	}
	if (setupIce)
		startIceChecks();
	if (haveUpdate)
		applyRemoteIce(update);
	if (autoAnswer)
		return setLocalDescription("answer");
	return RTC_ERR_SUCCESS;
}

} // namespace rtcimpl
