// ICE (RFC 8445) over libnice: one agent, one stream, one component, driven by the loop thread.
#pragma once

#include "rtc/rtc.h"

#include <atomic>
#include <cstdint>
#include <map>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

typedef struct _NiceAgent NiceAgent;

#include "common/event_loop.hpp"
#include "ice/mdns_resolver.hpp"
#include "ice/turn_tls_tunnel.hpp"

namespace rtcimpl {

// Owned through ownedByLoop (common/loop_owned.hpp): destroyed on its loop; posted work and
// timers hold a weak reference.
class IceTransport : public std::enable_shared_from_this<IceTransport> {
public:
	struct Config {
		std::vector<std::string> iceServers;
		std::string bindAddress; // empty: every interface
		uint16_t portRangeBegin = 0, portRangeEnd = 0;
		bool relayOnly = false;
		bool enableTcp = false;
	};
	struct Callbacks {
		std::function<void(const std::string &candidate)> candidate; // "candidate:..." (loop thread)
		std::function<void(rtcGatheringState)> gatheringState;
		std::function<void(rtcIceState)> state;
		std::function<void(const char *data, size_t size)> data; // each datagram, loop thread
	};

	// Throws std::invalid_argument on a bad configuration (e.g. malformed server URL).
	IceTransport(EventLoop &loop, const Config &config, Callbacks callbacks);
	~IceTransport(); // runs the libnice teardown on the loop thread

	std::string localUfrag() const {
		std::lock_guard lock(mCredentialsMutex);
		return mUfrag;
	}
	std::string localPwd() const {
		std::lock_guard lock(mCredentialsMutex);
		return mPwd;
	}
	// ICE restart (RFC 8445 section 9): the local credentials become ufrag/pwd at once (the next
	// description carries them). On the loop, a new libnice stream with those credentials
	// gathers again (host candidates for the addresses present now, signalled before the task
	// returns; server-reflexive and relay ones later), and the remote credentials and candidates
	// given afterwards go to it. Until it selects a pair, datagrams still go out on the old
	// stream's pair and both streams deliver what they receive; then the old stream is removed.
	void restart(const std::string &ufrag, const std::string &pwd);

	void setControlling(bool controlling);
	void gather();                                    // once; later calls do nothing
	bool gatherNow(); // loop thread: gather() without the post, true when it started now;
	                  // host candidates are signalled before it returns
	bool setRemoteCredentials(const std::string &ufrag, const std::string &pwd);
	bool addRemoteCandidate(const std::string &candidate); // "candidate:..."
	void remoteGatheringDone();
	bool send(const char *data, size_t size);          // any thread
	void close();                                      // stops everything; no callback after

	// Selected pair as candidate lines and "ip:port"; false when none.
	bool selectedPair(std::string *local, std::string *remote, std::string *localAddress,
	                  std::string *remoteAddress) const;
	rtcGatheringState gatheringState() const { return mGatheringState.load(); }

private:
	void applyServers(const Config &config);
	void configureStream(NiceAgent *agent, unsigned stream); // port range and relays of a stream
	void removeStream(unsigned stream);       // loop thread
	void switchToRestartedStream();           // loop thread: its pair is selected
	static void onCandidate(NiceAgent *, void *candidate, void *self);
	static void onGatheringDone(NiceAgent *, unsigned stream, void *self);
	static void onStateChanged(NiceAgent *, unsigned stream, unsigned component, unsigned state,
	                           void *self);
	static void onSelectedPair(NiceAgent *, unsigned stream, unsigned component, void *local,
	                           void *remote, void *self);
	static void onReceive(NiceAgent *, unsigned stream, unsigned component, unsigned len, char *buf,
	                      void *self);
	void changeState(rtcIceState state);
	void startGathering();                      // loop thread
	static void installNiceDebugHook();         // counts retransmitted checks while logging INFO
	void enlargeSocketBuffers(); // loop thread
	void checkNoPairs();         // loop thread: fail when no candidate pair can ever form
	void armConnectTimeout();    // loop thread
	void loopCancelConnectTimer(); // loop thread: a restart arms a fresh one with its credentials
	void applyRemoteCandidate(const std::string &candidate); // loop thread
	void resolveMdnsCandidate(const std::string &name, const std::string &candidate); // loop thread
	void onMdnsResolved(const std::string &name, const std::vector<std::string> &addresses);
	void tellPeerGatheringDone(); // loop thread, once no mDNS name is pending
	NiceAgent *currentAgent() const {
		std::shared_lock lock(mAgentMutex);
		return mAgent;
	}

	EventLoop &mLoop;
	NiceAgent *mAgent = nullptr;
	mutable std::shared_mutex mAgentMutex; // send() vs close() releasing the agent
	// Datagrams written before libnice has a pair to send on (a DTLS server answering the
	// ClientHello that arrived on a pair still being checked): libnice drops them, which cost a
	// DTLS retransmission timeout. They wait here, bounded, and go out once ICE is connected.
	std::mutex mEarlyMutex;
	bool mEarlyOpen = true; // until the first connection
	std::vector<std::string> mEarly;
	size_t mEarlyBytes = 0;
	void flushEarly(); // loop thread, on the first connection
	// mStream: the stream signalling talks to (credentials, candidates, state); after a restart
	// it is the new one. mSendStream: the one datagrams go out on, the old one until the new one
	// selects a pair. mOldStream: the stream being replaced (0: none), removed after the switch.
	std::atomic<unsigned> mStream{0};
	std::atomic<unsigned> mSendStream{0};
	unsigned mOldStream = 0; // loop thread
	guint mRemoveTimer = 0;  // loop thread: removes mOldStream a little after the switch
	struct Relay {
		std::string ip;
		uint16_t port;
		std::string username, password;
		int type; // NiceRelayType
	};
	std::vector<Relay> mRelays; // set in the constructor, read on the loop
	uint16_t mPortRangeBegin = 0, mPortRangeEnd = 0;
	mutable std::mutex mCredentialsMutex; // mUfrag/mPwd: read by signaling, changed by restart()
	std::string mUfrag, mPwd;
	bool mRestarted = false; // loop thread: restarted and not connected since
	Callbacks mCallbacks;
	std::atomic<bool> mClosed{false};
	std::atomic<bool> mGathering{false};
	std::atomic<rtcGatheringState> mGatheringState{RTC_GATHERING_NEW};
	rtcIceState mState = RTC_ICE_NEW;
	bool mWasConnected = false;
	bool mHaveRemoteCredentials = false;
	bool mRemoteGatheringDone = false;
	int mLocalCandidateCount = 0;
	int mRemoteCandidateCount = 0;
	guint mConnectTimer = 0;
	std::vector<std::string> mPendingCandidates; // trickled before the remote credentials
	std::string mBindAddress; // the interface mDNS queries go out on (empty: all)
	// Remote "<uuid>.local" candidates (browsers hide host addresses so): one query per name,
	// the candidates waiting for it; queries and candidates are bounded (docs/reliability.md).
	struct MdnsName {
		std::unique_ptr<MdnsQuery> query;
		std::vector<std::string> candidates;
		std::string address; // resolved (empty: not yet, or not resolvable)
	};
	std::map<std::string, MdnsName> mMdnsNames;
	std::vector<std::unique_ptr<TurnTlsTunnel>> mTurnTunnels; // one per turns: server; loop thread
	int mMdnsCandidateCount = 0; // remote mDNS candidates seen, resolved or not
	bool mPeerGatheringDoneSent = false;
};

} // namespace rtcimpl
