#include "ice/ice_transport.hpp"
#include "common/event_loop.hpp"
#include "common/log.hpp"
#include "ice/ice_server.hpp"
#include "ice/turn_tls_tunnel.hpp"
#include "ice/mdns_message.hpp"
#include "sdp/description.hpp"

#include <agent.h>
#include <debug.h> // nice_debug_enable: libnice's own header, next to agent.h
#include <cctype>
#include <cstring>
#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <netdb.h>
#include <sys/socket.h>
#endif
#include <mutex>
#include <stdexcept>

namespace rtcimpl {

namespace {
constexpr int kConnectTimeoutMs = 30000;

std::string lowercase(std::string s) {
	for (char &c : s)
		c = char(std::tolower(static_cast<unsigned char>(c)));
	return s;
}

// libnice wants numeric addresses for servers; resolve once (loopback in tests).
std::string resolve(const std::string &host) {
#ifdef _WIN32
	// getaddrinfo needs Winsock started; GLib starts it only once a GSocket exists.
	static const bool winsock = [] {
		WSADATA data;
		return WSAStartup(MAKEWORD(2, 2), &data) == 0;
	}();
	if (!winsock)
		return {};
#endif
	addrinfo hints{};
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	addrinfo *res = nullptr;
	if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || !res)
		return {};
	char buf[INET6_ADDRSTRLEN] = {};
	getnameinfo(res->ai_addr, res->ai_addrlen, buf, sizeof(buf), nullptr, 0, NI_NUMERICHOST);
	freeaddrinfo(res);
	return buf;
}

std::string addressString(const NiceAddress &addr) {
	char buf[NICE_ADDRESS_STRING_LEN] = {};
	nice_address_to_string(&addr, buf);
	std::string s = buf;
	unsigned port = nice_address_get_port(&addr);
	if (s.find(':') != std::string::npos)
		return "[" + s + "]:" + std::to_string(port);
	return s + ":" + std::to_string(port);
}
} // namespace

IceTransport::IceTransport(EventLoop &eventLoop, const Config &config, Callbacks callbacks)
    : mLoop(eventLoop), mCallbacks(std::move(callbacks)), mBindAddress(config.bindAddress) {
	auto &loop = mLoop;
	std::string error;
	[&] {
		mAgent = nice_agent_new_full(loop.context(), NICE_COMPATIBILITY_RFC5245,
		                             // No libnice consent freshness: under heavy loss it stops
		                             // sending on a live path. The peer connection watches
		                             // authenticated traffic instead (see PeerConnection).
		                             NiceAgentOption(NICE_AGENT_OPTION_ICE_TRICKLE));
		if (!mAgent) {
			error = "libnice agent creation failed";
			return;
		}
		// Short pacing: the first checks go out at once instead of on a 20 ms tick.
		g_object_set(G_OBJECT(mAgent), "ice-tcp", config.enableTcp ? TRUE : FALSE, "ice-udp", TRUE,
		             "upnp", FALSE, "stun-pacing-timer", 1u, "force-relay",
		             config.relayOnly ? TRUE : FALSE, NULL);
		mStream = nice_agent_add_stream(mAgent, 1);
		mSendStream = mStream.load();
		nice_agent_set_stream_name(mAgent, mStream, "application");
		mPortRangeBegin = config.portRangeBegin;
		mPortRangeEnd = config.portRangeEnd;
		if (!config.bindAddress.empty()) {
			NiceAddress addr;
			nice_address_init(&addr);
			if (!nice_address_set_from_string(&addr, config.bindAddress.c_str())) {
				error = "invalid bind address \"" + config.bindAddress + "\"";
				return;
			}
			nice_agent_add_local_address(mAgent, &addr);
		}
		try {
			applyServers(config);
		} catch (const std::exception &e) {
			error = e.what();
			return;
		}
		configureStream(mAgent, mStream);
		gchar *ufrag = nullptr, *pwd = nullptr;
		nice_agent_get_local_credentials(mAgent, mStream, &ufrag, &pwd);
		{
			std::lock_guard lock(mCredentialsMutex);
			mUfrag = ufrag ? ufrag : "";
			mPwd = pwd ? pwd : "";
		}
		g_free(ufrag);
		g_free(pwd);
		g_signal_connect(G_OBJECT(mAgent), "new-candidate-full", G_CALLBACK(onCandidate), this);
		g_signal_connect(G_OBJECT(mAgent), "candidate-gathering-done", G_CALLBACK(onGatheringDone),
		                 this);
		g_signal_connect(G_OBJECT(mAgent), "component-state-changed", G_CALLBACK(onStateChanged),
		                 this);
		g_signal_connect(G_OBJECT(mAgent), "new-selected-pair-full", G_CALLBACK(onSelectedPair),
		                 this);
		nice_agent_attach_recv(mAgent, mStream, 1, loop.context(),
		                       reinterpret_cast<NiceAgentRecvFunc>(onReceive), this);
	}();
	if (!error.empty()) {
		close();
		throw std::invalid_argument(error);
	}
}

void IceTransport::applyServers(const Config &config) {
	std::string stunUsed; // libnice takes one STUN server per agent: the first that resolves
	for (const auto &url : config.iceServers) {
		std::string error;
		auto server = IceServer::parse(url, &error);
		if (!server)
			throw std::invalid_argument(error);
		std::string ip = resolve(server->host);
		if (ip.empty()) {
			LOG_WARNING("cannot resolve ICE server host \"" + server->host + "\", skipped");
			continue;
		}
		if (server->type == IceServer::Type::Stun) {
			if (!stunUsed.empty()) {
				LOG_WARNING("one STUN server per connection (libnice): using " + stunUsed +
				            ", ignoring " + IceServer::redact(url) + " (docs/ice-servers.md)");
				continue;
			}
			g_object_set(G_OBJECT(mAgent), "stun-server", ip.c_str(), "stun-server-port",
			             unsigned(server->port), NULL);
			stunUsed = IceServer::redact(url);
		} else {
			NiceRelayType type = server->transport == IceServer::Transport::Udp
			                         ? NICE_RELAY_TYPE_TURN_UDP
			                         : NICE_RELAY_TYPE_TURN_TCP;
			uint16_t port = server->port;
			if (server->transport == IceServer::Transport::Tls) {
				// libnice's own TURN_TLS is plain TCP: the TLS comes from a verifying tunnel.
				auto tunnel = std::make_unique<TurnTlsTunnel>(mLoop, server->host, ip, port);
				ip = tunnel->localIp();
				port = tunnel->localPort();
				mTurnTunnels.push_back(std::move(tunnel));
			}
			mRelays.push_back({ip, port, server->username, server->password, int(type)});
		}
	}
}

// Everything per stream in libnice: a stream that replaces another on an ICE restart gets the
// same port range and relays (the STUN server and bind address belong to the agent).
void IceTransport::configureStream(NiceAgent *agent, unsigned stream) {
	if (mPortRangeBegin || mPortRangeEnd) {
		unsigned end = mPortRangeEnd ? mPortRangeEnd : 65535;
		nice_agent_set_port_range(agent, stream, 1, mPortRangeBegin, end);
	}
	for (const auto &relay : mRelays)
		nice_agent_set_relay_info(agent, stream, 1, relay.ip.c_str(), relay.port,
		                          relay.username.c_str(), relay.password.c_str(),
		                          NiceRelayType(relay.type));
}

IceTransport::~IceTransport() {
	close();
	mLoop.cancel(mConnectTimer);
}

void IceTransport::close() {
	NiceAgent *agent;
	{
		std::unique_lock lock(mAgentMutex);
		if (mClosed.exchange(true))
			return;
		agent = mAgent;
		mAgent = nullptr;
	}
	void *self = this;
	if (!agent)
		return;
	// Detach on the loop so no libnice callback can be running or start afterwards.
	mLoop.runSync([&] {
		g_signal_handlers_disconnect_matched(G_OBJECT(agent), G_SIGNAL_MATCH_DATA, 0, 0, nullptr,
		                                     nullptr, self);
		for (unsigned stream : {mStream.load(), mOldStream}) {
			if (!stream)
				continue;
			nice_agent_attach_recv(agent, stream, 1, mLoop.context(), nullptr, nullptr);
			nice_agent_remove_stream(agent, stream);
		}
		mOldStream = 0;
		mLoop.cancel(mRemoveTimer);
		mRemoveTimer = 0;
		mTurnTunnels.clear(); // their sockets and sources belong to this loop
		// Pending mDNS queries end on the loop, after whatever loop work is running now.
		auto names = std::make_shared<decltype(mMdnsNames)>(std::move(mMdnsNames));
		mMdnsNames.clear();
		mLoop.post([names] { names->clear(); });
	});
	// libnice may still hold references in pending sources; release the agent from the loop.
	mLoop.post([agent] {
		nice_agent_close_async(agent, nullptr, nullptr);
		g_object_unref(agent);
	});
}

void IceTransport::setControlling(bool controlling) {
	if (NiceAgent *agent = currentAgent())
		g_object_set(G_OBJECT(agent), "controlling-mode", controlling ? TRUE : FALSE, NULL);
}

// Runtime operations are posted, never waited for: a peer connection on another loop may
// call them from inside its own callbacks, and two loops waiting on each other would deadlock.
void IceTransport::gather() {
	if (mClosed || mGathering.exchange(true))
		return;
	mLoop.post([this, weak = weak_from_this()] {
		if (auto keep = weak.lock())
			startGathering();
	});
}

bool IceTransport::gatherNow() {
	if (mClosed || mGathering.exchange(true))
		return false;
	startGathering();
	return true;
}

void IceTransport::startGathering() {
	NiceAgent *agent = currentAgent();
	if (!agent)
		return;
	installNiceDebugHook();
	mGatheringState = RTC_GATHERING_INPROGRESS;
	LOG_INFO("timeline: ice gathering started");
	if (mCallbacks.gatheringState)
		mCallbacks.gatheringState(RTC_GATHERING_INPROGRESS);
	if (!nice_agent_gather_candidates(agent, mStream)) {
		LOG_ERROR("ICE candidate gathering failed to start");
		mGatheringState = RTC_GATHERING_COMPLETE;
		if (mCallbacks.gatheringState)
			mCallbacks.gatheringState(RTC_GATHERING_COMPLETE);
	}
}

bool IceTransport::setRemoteCredentials(const std::string &ufrag, const std::string &pwd) {
	if (mClosed)
		return false;
	mLoop.post([this, weak = weak_from_this(), ufrag, pwd] {
		auto keep = weak.lock();
		if (!keep)
			return;
		NiceAgent *agent = currentAgent();
		if (!agent)
			return;
		if (!nice_agent_set_remote_credentials(agent, mStream, ufrag.c_str(), pwd.c_str())) {
			LOG_ERROR("ICE: remote credentials refused");
			return;
		}
		mHaveRemoteCredentials = true;
		auto pending = std::move(mPendingCandidates);
		mPendingCandidates.clear();
		for (auto &c : pending)
			applyRemoteCandidate(c);
		armConnectTimeout();
		checkNoPairs();
	});
	return true;
}

bool IceTransport::addRemoteCandidate(const std::string &candidate) {
	if (mClosed)
		return false;
	mLoop.post([this, weak = weak_from_this(), candidate] {
		auto keep = weak.lock();
		if (!keep)
			return;
		if (!mHaveRemoteCredentials)
			mPendingCandidates.push_back(candidate); // trickled before the description
		else
			applyRemoteCandidate(candidate);
	});
	return true;
}

void IceTransport::applyRemoteCandidate(const std::string &candidate) {
	NiceAgent *agent = currentAgent();
	if (!agent)
		return;
	// libnice drops host names; a browser's "<uuid>.local" is resolved over mDNS first.
	if (auto info = sdp::candidateInfo(candidate); info && mdns::isLocalName(info->address)) {
		resolveMdnsCandidate(lowercase(info->address), candidate);
		return;
	}
	std::string line = "a=" + candidate;
	NiceCandidate *cand = nice_agent_parse_remote_candidate_sdp(agent, mStream, line.c_str());
	if (!cand) {
		LOG_WARNING("libnice could not parse remote candidate: " + candidate);
		return;
	}
	GSList *list = g_slist_append(nullptr, cand);
	int added = nice_agent_set_remote_candidates(agent, mStream, 1, list);
	g_slist_free_full(list, reinterpret_cast<GDestroyNotify>(nice_candidate_free));
	if (added < 1)
		LOG_DEBUG("remote candidate not used (duplicate or unsupported): " + candidate);
	else
		mRemoteCandidateCount += added;
}

// libnice treats end-of-candidates as final: say it only once no mDNS name is still resolving,
// or the resolved candidates would come too late.
void IceTransport::tellPeerGatheringDone() {
	if (mPeerGatheringDoneSent)
		return;
	for (const auto &[name, entry] : mMdnsNames)
		if (entry.query && !entry.query->done())
			return;
	mPeerGatheringDoneSent = true;
	if (NiceAgent *agent = currentAgent())
		nice_agent_peer_candidate_gathering_done(agent, mStream);
}

// libnice with trickle ICE waits for more candidates as long as either side may still send
// some. When both sides are done and one of them has none (e.g. relay-only with refused TURN
// credentials), no pair can ever form: fail now rather than never.
void IceTransport::checkNoPairs() {
	if (mClosed || mState == RTC_ICE_CONNECTED || mState == RTC_ICE_COMPLETED || mState == RTC_ICE_FAILED)
		return;
	if (!mHaveRemoteCredentials || !mRemoteGatheringDone || mGatheringState != RTC_GATHERING_COMPLETE)
		return;
	// A remote mDNS candidate that did not resolve still stands for a host that sends checks:
	// its peer-reflexive candidate can pair (RFC 8445 section 7.3.1.3), so it is not "none".
	if (mLocalCandidateCount == 0 || (mRemoteCandidateCount == 0 && mMdnsCandidateCount == 0)) {
		LOG_WARNING("ICE failed: no candidate pair possible (" + std::to_string(mLocalCandidateCount) +
		            " local, " + std::to_string(mRemoteCandidateCount) + " remote candidates)");
		changeState(RTC_ICE_FAILED);
	}
}

// A peer that never sends end-of-candidates would keep libnice checking forever.
void IceTransport::armConnectTimeout() {
	if (mConnectTimer)
		return;
	mConnectTimer = mLoop.addTimer(std::chrono::milliseconds(kConnectTimeoutMs), [this, weak = weak_from_this()] {
		auto keep = weak.lock();
		if (!keep)
			return false;
		mConnectTimer = 0;
		if (!mClosed && (!mWasConnected || mRestarted) && mState != RTC_ICE_FAILED) {
			LOG_WARNING(std::string("ICE failed: not connected within ") + std::to_string(kConnectTimeoutMs / 1000) +
			            " s" + (mRestarted ? " of the ICE restart" : ""));
			changeState(RTC_ICE_FAILED);
		}
		return false;
	});
}

void IceTransport::loopCancelConnectTimer() {
	mLoop.cancel(mConnectTimer);
	mConnectTimer = 0;
}

void IceTransport::remoteGatheringDone() {
	if (mClosed)
		return;
	mLoop.post([this, weak = weak_from_this()] {
		auto keep = weak.lock();
		if (!keep)
			return;
		mRemoteGatheringDone = true;
		tellPeerGatheringDone();
		checkNoPairs();
	});
}

bool IceTransport::selectedPair(std::string *local, std::string *remote, std::string *localAddress,
                                std::string *remoteAddress) const {
	// libnice's getters take the agent lock themselves; our shared lock keeps the agent alive.
	std::shared_lock lock(mAgentMutex);
	NiceAgent *agent = mAgent;
	if (!agent)
		return false;
	NiceCandidate *l = nullptr, *r = nullptr;
	if (!nice_agent_get_selected_pair(agent, mSendStream.load(), 1, &l, &r) || !l || !r)
		return false;
	auto sdpOf = [&](NiceCandidate *c) {
		gchar *s = nice_agent_generate_local_candidate_sdp(agent, c);
		std::string out = s ? s : "";
		g_free(s);
		if (out.rfind("a=", 0) == 0)
			out = out.substr(2);
		return out;
	};
	if (local)
		*local = sdpOf(l);
	if (remote)
		*remote = sdpOf(r);
	if (localAddress)
		*localAddress = addressString(l->addr);
	if (remoteAddress)
		*remoteAddress = addressString(r->addr);
	return true;
}

void IceTransport::onCandidate(NiceAgent *agent, void *candidate, void *self) {
	auto t = static_cast<IceTransport *>(self);
	// A replaced stream may still finish its server-reflexive or relay gathering: not ours now.
	if (t->mClosed || static_cast<NiceCandidate *>(candidate)->stream_id != t->mStream)
		return;
	gchar *sdp = nice_agent_generate_local_candidate_sdp(agent, static_cast<NiceCandidate *>(candidate));
	if (!sdp)
		return;
	std::string line = sdp;
	g_free(sdp);
	if (line.rfind("a=", 0) == 0)
		line = line.substr(2);
	t->mLocalCandidateCount++;
	if (t->mCallbacks.candidate)
		t->mCallbacks.candidate(line);
}

void IceTransport::onGatheringDone(NiceAgent *, unsigned stream, void *self) {
	auto t = static_cast<IceTransport *>(self);
	if (t->mClosed || stream != t->mStream)
		return;
	t->mGatheringState = RTC_GATHERING_COMPLETE;
	if (t->mCallbacks.gatheringState)
		t->mCallbacks.gatheringState(RTC_GATHERING_COMPLETE);
	t->checkNoPairs();
}

void IceTransport::onStateChanged(NiceAgent *, unsigned stream, unsigned, unsigned state, void *self) {
	auto t = static_cast<IceTransport *>(self);
	// The replaced stream's pair may die or fail meanwhile: the new stream's state is the one.
	if (t->mClosed || stream != t->mStream)
		return;
	switch (state) {
	case NICE_COMPONENT_STATE_CONNECTING: t->changeState(RTC_ICE_CHECKING); break;
	case NICE_COMPONENT_STATE_CONNECTED: t->changeState(RTC_ICE_CONNECTED); break;
	case NICE_COMPONENT_STATE_READY: t->changeState(RTC_ICE_COMPLETED); break;
	case NICE_COMPONENT_STATE_FAILED: t->changeState(RTC_ICE_FAILED); break;
	case NICE_COMPONENT_STATE_DISCONNECTED:
		if (t->mWasConnected)
			t->changeState(RTC_ICE_DISCONNECTED);
		break;
	default: break;
	}
}

void IceTransport::changeState(rtcIceState state) {
	if (state == mState)
		return;

	mState = state;
	static const char *names[] = {"new", "checking", "connected", "completed", "failed", "disconnected", "closed"};
	LOG_INFO(std::string("timeline: ice state ") + names[int(state)]);
	if (state == RTC_ICE_CONNECTED || state == RTC_ICE_COMPLETED) {
		mWasConnected = true;
		mRestarted = false;
		flushEarly();
	}
	if (mCallbacks.state)
		mCallbacks.state(state);
}

void IceTransport::onSelectedPair(NiceAgent *agent, unsigned stream, unsigned, void *local, void *remote,
                                  void *self) {
	auto t = static_cast<IceTransport *>(self);
	if (t->mClosed || stream != t->mStream)
		return;
	t->mRestarted = false; // a restart found its pair, even where libnice's state stayed ready
	t->switchToRestartedStream();
	if (log::enabled(RTC_LOG_INFO)) {
		auto describe = [agent](void *c) {
			gchar *sdp = nice_agent_generate_local_candidate_sdp(agent, static_cast<NiceCandidate *>(c));
			std::string s = sdp ? sdp : "?";
			g_free(sdp);
			return s;
		};
		LOG_INFO("timeline: ice pair selected: local [" + describe(local) + "] remote [" +
		         describe(remote) + "]");
	}
	t->enlargeSocketBuffers();
}

// libnice reports a retransmitted connectivity check only as a debug line ("Agent %p :STUN
// transaction retransmitted on pair %p ..."). While the library logs at INFO or more, libnice's
// debug output is switched on and those lines become timeline lines (the interop drivers count
// them); every other libnice line is dropped. At a quieter level libnice's debug stays off, so
// nothing is formatted.
void IceTransport::installNiceDebugHook() {
	static std::once_flag once;
	std::call_once(once, [] {
		g_log_set_handler("libnice", GLogLevelFlags(G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO),
		                  [](const gchar *, GLogLevelFlags, const gchar *message, gpointer) {
			                  if (message && std::strstr(message, "retransmitted on pair"))
				                  LOG_INFO(std::string("timeline: ice check retransmitted: ") + message);
		                  },
		                  nullptr);
	});
	if (log::enabled(RTC_LOG_INFO))
		nice_debug_enable(FALSE);
	else
		nice_debug_disable(FALSE);
}

} // namespace rtcimpl
