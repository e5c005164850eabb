// The C API facade: argument checks, id lookup, exceptions turned into RTC_ERR_* codes.
#include "channel/data_channel.hpp"
#include "common/event_loop.hpp"
#include "common/log.hpp"
#include "common/loop_owned.hpp"
#include "common/registry.hpp"
#include "pc/peer_connection.hpp"
#include "sctp/sctp_settings.hpp"
#include "sctp/sctp_transport.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <openssl/crypto.h>
#include <stdexcept>
#include <string>

using namespace rtcimpl;

namespace {

// Every entry point (through guard, setPcCallback/setDcCallback, or a Defer of its own) holds the
// lines the library writes until it returns: by then no library lock is held, so the
// application's log callback may call the API again (see log::Defer).
template <typename F> int guard(const char *fn, F &&f) {
	log::Defer deferLogs;
	try {
		return f();
	} catch (const std::invalid_argument &e) {
		LOG_WARNING(std::string(fn) + ": " + e.what());
		return RTC_ERR_INVALID;
	} catch (const std::exception &e) {
		LOG_ERROR(std::string(fn) + ": " + e.what());
		return RTC_ERR_FAILURE;
	} catch (...) {
		LOG_ERROR(std::string(fn) + ": unknown error");
		return RTC_ERR_FAILURE;
	}
}

std::shared_ptr<PeerConnection> getPc(int id) {
	auto pc = Registry::instance().getAs<PeerConnection>(id, Entity::Kind::PeerConnection);
	if (!pc)
		LOG_WARNING("unknown peer connection id " + std::to_string(id));
	return pc;
}

std::shared_ptr<DataChannel> getDc(int id) {
	auto dc = Registry::instance().getAs<DataChannel>(id, Entity::Kind::DataChannel);
	if (!dc)
		LOG_WARNING("unknown data channel id " + std::to_string(id));
	return dc;
}

// OpenSSL would free its locks from an atexit handler while the loop threads may still run
// DTLS work (process exit does not stop them): keep its globals for the process instead.
void initCrypto() {
	static std::once_flag once;
	std::call_once(once, [] { OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr); });
}

// String getter convention: NULL buffer -> size needed incl. NUL; else copy or TOO_SMALL.
int copyOut(const std::string &s, char *buffer, int size) {
	int needed = int(s.size()) + 1;
	if (!buffer)
		return needed;
	if (size < needed)
		return RTC_ERR_TOO_SMALL;
	std::memcpy(buffer, s.data(), s.size());
	buffer[s.size()] = '\0';
	return needed;
}

int copyOut(const std::optional<std::string> &s, char *buffer, int size) {
	if (!s)
		return RTC_ERR_NOT_AVAIL;
	return copyOut(*s, buffer, size);
}

// Versioned statistics structs (rtcStats, rtcDataChannelStats): the caller's `size` says which
// fields it knows; only those bytes are written, and `size` comes back as the bytes written.
template <typename T, typename F> int fillVersioned(T *out, F &&fill) {
	if (!out || out->size < int(sizeof(int))) {
		LOG_WARNING("statistics: NULL pointer or size field not set");
		return RTC_ERR_INVALID;
	}
	T full{};
	int r = fill(full);
	if (r < 0)
		return r;
	size_t n = std::min(size_t(out->size), sizeof(T));
	full.size = int(n);
	std::memcpy(out, &full, n);
	return RTC_ERR_SUCCESS;
}

template <typename Cb> int setPcCallback(int pc, Cb cb, std::atomic<Cb> PeerConnection::*field) {
	log::Defer deferLogs;
	auto p = getPc(pc);
	if (!p)
		return RTC_ERR_INVALID;
	((*p).*field).store(cb);
	return RTC_ERR_SUCCESS;
}

template <typename Cb> int setDcCallback(int id, Cb cb, std::atomic<Cb> DataChannel::*field) {
	log::Defer deferLogs;
	auto d = getDc(id);
	if (!d)
		return RTC_ERR_INVALID;
	((*d).*field).store(cb);
	return RTC_ERR_SUCCESS;
}

void deleteEntity(const std::shared_ptr<Entity> &e) {
	// Returns without waiting when waiting could deadlock (see common/entity.hpp).
	e->markDeleted();
	if (e->kind() == Entity::Kind::PeerConnection) {
		std::static_pointer_cast<PeerConnection>(e)->destroy();
	} else {
		auto dc = std::static_pointer_cast<DataChannel>(e);
		dc->close();
		if (auto pc = dc->peerConnection())
			pc->removeDataChannel(dc);
	}
}

} // namespace

extern "C" {

RTC_C_EXPORT void rtcInitLogger(rtcLogLevel level, rtcLogCallbackFunc cb) { log::init(level, cb); }

RTC_C_EXPORT void rtcSetUserPointer(int id, void *ptr) {
	log::Defer deferLogs;
	if (auto e = Registry::instance().get(id))
		e->setUserPointer(ptr);
}

RTC_C_EXPORT void *rtcGetUserPointer(int id) {
	log::Defer deferLogs;
	auto e = Registry::instance().get(id);
	return e ? e->userPointer() : nullptr;
}

RTC_C_EXPORT int rtcCreatePeerConnection(const rtcConfiguration *config) {
	return guard(__func__, [&] {
		if (!config)
			throw std::invalid_argument("NULL configuration");
		initCrypto();
		PeerConfig c;
		if (config->iceServersCount < 0 || (config->iceServersCount > 0 && !config->iceServers))
			throw std::invalid_argument("bad iceServers array");
		for (int i = 0; i < config->iceServersCount; ++i) {
			if (!config->iceServers[i])
				throw std::invalid_argument("NULL ICE server URL");
			c.iceServers.emplace_back(config->iceServers[i]);
		}
		if (config->proxyServer && *config->proxyServer)
			LOG_WARNING("proxyServer is not supported; ignored");
		if (config->bindAddress)
			c.bindAddress = config->bindAddress;
		if (config->certificateType < RTC_CERTIFICATE_DEFAULT || config->certificateType > RTC_CERTIFICATE_RSA)
			throw std::invalid_argument("unknown certificate type");
		c.certificateType = config->certificateType;
		if (config->iceTransportPolicy != RTC_TRANSPORT_POLICY_ALL &&
		    config->iceTransportPolicy != RTC_TRANSPORT_POLICY_RELAY)
			throw std::invalid_argument("unknown ICE transport policy");
		c.transportPolicy = config->iceTransportPolicy;
		c.enableIceTcp = config->enableIceTcp;
		c.disableAutoNegotiation = config->disableAutoNegotiation;
		if (config->portRangeEnd && config->portRangeBegin > config->portRangeEnd)
			throw std::invalid_argument("port range begin is above its end");
		c.portRangeBegin = config->portRangeBegin;
		c.portRangeEnd = config->portRangeEnd;
		if (config->mtu > 0) {
			if (config->mtu < 576 || config->mtu > 65535)
				throw std::invalid_argument("MTU must be within 576..65535");
			c.mtu = config->mtu;
		}
		if (config->maxMessageSize > 0)
			c.maxMessageSize = uint32_t(config->maxMessageSize);
		// Not make_shared: channels keep weak references, and a channel the user never deletes
		// must not pin the whole peer connection's memory.
		auto *raw = new PeerConnection(std::move(c));
		auto pc = ownedByLoop(raw->loop(), raw); // destroyed on its loop, like its transports
		return Registry::instance().add(pc);
	});
}

RTC_C_EXPORT int rtcClosePeerConnection(int pc) {
	return guard(__func__, [&] {
		auto p = getPc(pc);
		if (!p)
			return RTC_ERR_INVALID;
		p->close();
		return RTC_ERR_SUCCESS;
	});
}

RTC_C_EXPORT int rtcDeletePeerConnection(int pc) {
	return guard(__func__, [&] {
		auto p = getPc(pc);
		if (!p)
			return RTC_ERR_INVALID;
		Registry::instance().remove(pc);
		deleteEntity(p);
		return RTC_ERR_SUCCESS;
	});
}

RTC_C_EXPORT int rtcSetLocalDescriptionCallback(int pc, rtcDescriptionCallbackFunc cb) {
	return setPcCallback(pc, cb, &PeerConnection::descriptionCallback);
}
RTC_C_EXPORT int rtcSetLocalCandidateCallback(int pc, rtcCandidateCallbackFunc cb) {
	return setPcCallback(pc, cb, &PeerConnection::candidateCallback);
}
RTC_C_EXPORT int rtcSetStateChangeCallback(int pc, rtcStateChangeCallbackFunc cb) {
	return setPcCallback(pc, cb, &PeerConnection::stateCallback);
}
RTC_C_EXPORT int rtcSetIceStateChangeCallback(int pc, rtcIceStateChangeCallbackFunc cb) {
	return setPcCallback(pc, cb, &PeerConnection::iceStateCallback);
}
RTC_C_EXPORT int rtcSetGatheringStateChangeCallback(int pc, rtcGatheringStateCallbackFunc cb) {
	return setPcCallback(pc, cb, &PeerConnection::gatheringStateCallback);
}
RTC_C_EXPORT int rtcSetSignalingStateChangeCallback(int pc, rtcSignalingStateCallbackFunc cb) {
	return setPcCallback(pc, cb, &PeerConnection::signalingStateCallback);
}
RTC_C_EXPORT int rtcSetDataChannelCallback(int pc, rtcDataChannelCallbackFunc cb) {
	return setPcCallback(pc, cb, &PeerConnection::dataChannelCallback);
}

RTC_C_EXPORT int rtcSetLocalDescription(int pc, const char *type) {
	return guard(__func__, [&] {
		auto p = getPc(pc);
		return p ? p->setLocalDescription(type) : RTC_ERR_INVALID;
	});
}

RTC_C_EXPORT int rtcSetRemoteDescription(int pc, const char *sdp, const char *type) {
	return guard(__func__, [&] {
		auto p = getPc(pc);
		return p ? p->setRemoteDescription(sdp, type) : RTC_ERR_INVALID;
	});
}

RTC_C_EXPORT int rtcRestartIce(int pc) { // extension (rtc.h)
	return guard(__func__, [&] {
		auto p = getPc(pc);
		return p ? p->restartIce() : RTC_ERR_INVALID;
	});
}

RTC_C_EXPORT int rtcAddRemoteCandidate(int pc, const char *cand, const char *mid) {
	return guard(__func__, [&] {
		auto p = getPc(pc);
		return p ? p->addRemoteCandidate(cand, mid) : RTC_ERR_INVALID;
	});
}

#define RTC_PC_STRING_GETTER(name, expr)                                                           \
	RTC_C_EXPORT int name(int pc, char *buffer, int size) {                                        \
		return guard(#name, [&] {                                                                  \
			auto p = getPc(pc);                                                                    \
			if (!p)                                                                                \
				return RTC_ERR_INVALID;                                                            \
			if (buffer && size <= 0)                                                               \
				return RTC_ERR_INVALID;                                                            \
			return copyOut(expr, buffer, size);                                                    \
		});                                                                                        \
	}

RTC_PC_STRING_GETTER(rtcGetLocalDescription, p->localDescription())
RTC_PC_STRING_GETTER(rtcGetRemoteDescription, p->remoteDescription())
RTC_PC_STRING_GETTER(rtcGetLocalDescriptionType, p->localDescriptionType())
RTC_PC_STRING_GETTER(rtcGetRemoteDescriptionType, p->remoteDescriptionType())
RTC_PC_STRING_GETTER(rtcCreateOffer, p->createOffer())
RTC_PC_STRING_GETTER(rtcCreateAnswer, p->createAnswer())

RTC_C_EXPORT int rtcGetLocalAddress(int pc, char *buffer, int size) {
	return guard(__func__, [&] {
		auto p = getPc(pc);
		if (!p)
			return RTC_ERR_INVALID;
		std::string address;
		if (!p->selectedPair(nullptr, nullptr, &address, nullptr))
			return RTC_ERR_NOT_AVAIL;
		return copyOut(address, buffer, size);
	});
}

RTC_C_EXPORT int rtcGetRemoteAddress(int pc, char *buffer, int size) {
	return guard(__func__, [&] {
		auto p = getPc(pc);
		if (!p)
			return RTC_ERR_INVALID;
		std::string address;
		if (!p->selectedPair(nullptr, nullptr, nullptr, &address))
			return RTC_ERR_NOT_AVAIL;
		return copyOut(address, buffer, size);
	});
}

RTC_C_EXPORT int rtcGetSelectedCandidatePair(int pc, char *local, int localSize, char *remote,
                                             int remoteSize) {
	return guard(__func__, [&] {
		auto p = getPc(pc);
		if (!p)
			return RTC_ERR_INVALID;
		std::string l, r;
		if (!p->selectedPair(&l, &r, nullptr, nullptr))
			return RTC_ERR_NOT_AVAIL;
		int a = copyOut(l, local, localSize);
		if (a < 0)
			return a;
		int b = copyOut(r, remote, remoteSize);
		if (b < 0)
			return b;
		return std::max(a, b);
	});
}

RTC_C_EXPORT bool rtcIsNegotiationNeeded(int pc) {
	log::Defer deferLogs;
	auto p = getPc(pc);
	return p && p->negotiationNeeded();
}

RTC_C_EXPORT int rtcGetMaxDataChannelStream(int pc) {
	log::Defer deferLogs;
	auto p = getPc(pc);
	return p ? p->maxDataChannelStream() : RTC_ERR_INVALID;
}

RTC_C_EXPORT int rtcGetRemoteMaxMessageSize(int pc) {
	log::Defer deferLogs;
	auto p = getPc(pc);
	return p ? p->remoteMaxMessageSize() : RTC_ERR_INVALID;
}

RTC_C_EXPORT int rtcCreateDataChannel(int pc, const char *label) {
	return rtcCreateDataChannelEx(pc, label, nullptr);
}

RTC_C_EXPORT int rtcCreateDataChannelEx(int pc, const char *label, const rtcDataChannelInit *init) {
	return guard(__func__, [&] {
		auto p = getPc(pc);
		return p ? p->createDataChannel(label, init) : RTC_ERR_INVALID;
	});
}

RTC_C_EXPORT int rtcDeleteDataChannel(int dc) {
	return guard(__func__, [&] {
		auto d = getDc(dc);
		if (!d)
			return RTC_ERR_INVALID;
		Registry::instance().remove(dc);
		deleteEntity(d);
		return RTC_ERR_SUCCESS;
	});
}

RTC_C_EXPORT int rtcGetDataChannelStream(int dc) {
	log::Defer deferLogs;
	auto d = getDc(dc);
	if (!d)
		return RTC_ERR_INVALID;
	return d->stream() >= 0 ? d->stream() : RTC_ERR_NOT_AVAIL;
}

RTC_C_EXPORT int rtcGetDataChannelLabel(int dc, char *buffer, int size) {
	return guard(__func__, [&] {
		auto d = getDc(dc);
		if (!d || (buffer && size <= 0))
			return RTC_ERR_INVALID;
		return copyOut(d->label(), buffer, size);
	});
}

RTC_C_EXPORT int rtcGetDataChannelProtocol(int dc, char *buffer, int size) {
	return guard(__func__, [&] {
		auto d = getDc(dc);
		if (!d || (buffer && size <= 0))
			return RTC_ERR_INVALID;
		return copyOut(d->protocol(), buffer, size);
	});
}

RTC_C_EXPORT int rtcGetDataChannelReliability(int dc, rtcReliability *reliability) {
	log::Defer deferLogs;
	auto d = getDc(dc);
	if (!d || !reliability)
		return RTC_ERR_INVALID;
	*reliability = d->reliability();
	return RTC_ERR_SUCCESS;
}

RTC_C_EXPORT int rtcSetOpenCallback(int id, rtcOpenCallbackFunc cb) {
	log::Defer deferLogs;
	auto d = getDc(id);
	if (!d)
		return RTC_ERR_INVALID;
	d->setOpenCallback(cb);
	return RTC_ERR_SUCCESS;
}
RTC_C_EXPORT int rtcSetClosedCallback(int id, rtcClosedCallbackFunc cb) {
	log::Defer deferLogs;
	auto d = getDc(id);
	if (!d)
		return RTC_ERR_INVALID;
	d->setClosedCallback(cb);
	return RTC_ERR_SUCCESS;
}
RTC_C_EXPORT int rtcSetErrorCallback(int id, rtcErrorCallbackFunc cb) {
	return setDcCallback(id, cb, &DataChannel::errorCallback);
}
RTC_C_EXPORT int rtcSetMessageCallback(int id, rtcMessageCallbackFunc cb) {
	log::Defer deferLogs;
	auto d = getDc(id);
	if (!d)
		return RTC_ERR_INVALID;
	d->setMessageCallback(cb);
	return RTC_ERR_SUCCESS;
}
RTC_C_EXPORT int rtcSetBufferedAmountLowCallback(int id, rtcBufferedAmountLowCallbackFunc cb) {
	return setDcCallback(id, cb, &DataChannel::bufferedAmountLowCallback);
}
RTC_C_EXPORT int rtcSetAvailableCallback(int id, rtcAvailableCallbackFunc cb) {
	log::Defer deferLogs;
	auto d = getDc(id);
	if (!d)
		return RTC_ERR_INVALID;
	d->setAvailableCallback(cb);
	return RTC_ERR_SUCCESS;
}

RTC_C_EXPORT int rtcSendMessage(int id, const char *data, int size) {
	return guard(__func__, [&] {
		auto d = getDc(id);
		return d ? d->send(data, size) : RTC_ERR_INVALID;
	});
}

// Extension (not in upstream): text with an explicit length, so it may contain NUL bytes.
RTC_C_EXPORT int rtcSendText(int id, const char *data, int size) {
	return guard(__func__, [&] {
		auto d = getDc(id);
		return d ? d->sendText(data, size) : RTC_ERR_INVALID;
	});
}

RTC_C_EXPORT int rtcGetStats(int pc, rtcStats *stats) {
	return guard(__func__, [&] {
		return fillVersioned(stats, [&](rtcStats &s) {
			auto p = getPc(pc);
			if (!p)
				return RTC_ERR_INVALID;
			p->fillStats(s);
			return RTC_ERR_SUCCESS;
		});
	});
}

RTC_C_EXPORT int rtcGetDtlsCipher(int pc, char *buffer, int size) {
	return guard(__func__, [&] {
		auto p = getPc(pc);
		if (!p)
			return RTC_ERR_INVALID;
		if (buffer && size <= 0)
			return RTC_ERR_INVALID;
		return copyOut(p->dtlsCipher(), buffer, size);
	});
}

RTC_C_EXPORT int rtcGetDataChannelStats(int dc, rtcDataChannelStats *stats) {
	return guard(__func__, [&] {
		return fillVersioned(stats, [&](rtcDataChannelStats &s) {
			auto d = getDc(dc);
			if (!d)
				return RTC_ERR_INVALID;
			const auto &traffic = d->traffic();
			s.stream = d->stream();
			s.bytesSent = traffic.bytesSent();
			s.bytesReceived = traffic.bytesReceived();
			s.messagesSent = traffic.messagesSent();
			s.messagesReceived = traffic.messagesReceived();
			s.bufferedAmount = d->bufferedAmount();
			return RTC_ERR_SUCCESS;
		});
	});
}

RTC_C_EXPORT int rtcClose(int id) {
	return guard(__func__, [&] {
		auto e = Registry::instance().get(id);
		if (!e)
			return RTC_ERR_INVALID;
		if (e->kind() == Entity::Kind::PeerConnection) {
			std::static_pointer_cast<PeerConnection>(e)->close();
			return RTC_ERR_SUCCESS;
		}
		return std::static_pointer_cast<DataChannel>(e)->close();
	});
}

RTC_C_EXPORT int rtcDelete(int id) {
	return guard(__func__, [&] {
		auto e = Registry::instance().remove(id);
		if (!e)
			return RTC_ERR_INVALID;
		deleteEntity(e);
		return RTC_ERR_SUCCESS;
	});
}

RTC_C_EXPORT bool rtcIsOpen(int id) {
	log::Defer deferLogs;
	auto d = Registry::instance().getAs<DataChannel>(id, Entity::Kind::DataChannel);
	return d && d->state() == DataChannel::State::Open;
}

RTC_C_EXPORT bool rtcIsClosed(int id) {
	log::Defer deferLogs;
	auto d = Registry::instance().getAs<DataChannel>(id, Entity::Kind::DataChannel);
	return d && d->state() == DataChannel::State::Closed;
}

RTC_C_EXPORT int rtcMaxMessageSize(int id) {
	log::Defer deferLogs;
	auto d = getDc(id);
	return d ? d->maxMessageSize() : RTC_ERR_INVALID;
}

RTC_C_EXPORT int rtcGetBufferedAmount(int id) {
	log::Defer deferLogs;
	auto d = getDc(id);
	return d ? d->bufferedAmount() : RTC_ERR_INVALID;
}

RTC_C_EXPORT int rtcSetBufferedAmountLowThreshold(int id, int amount) {
	log::Defer deferLogs;
	auto d = getDc(id);
	return d ? d->setBufferedAmountLowThreshold(amount) : RTC_ERR_INVALID;
}

RTC_C_EXPORT int rtcGetAvailableAmount(int id) {
	log::Defer deferLogs;
	auto d = getDc(id);
	return d ? d->availableAmount() : RTC_ERR_INVALID;
}

RTC_C_EXPORT int rtcReceiveMessage(int id, char *buffer, int *size) {
	log::Defer deferLogs;
	auto d = getDc(id);
	return d ? d->receive(buffer, size) : RTC_ERR_INVALID;
}

RTC_C_EXPORT void rtcPreload(void) {
	log::Defer deferLogs;
	try {
		initCrypto();
		EventLoop::all();
		SctpTransport::init();
		Certificate::get(RTC_CERTIFICATE_DEFAULT);
	} catch (const std::exception &e) {
		LOG_ERROR(std::string("rtcPreload: ") + e.what());
	}
}

RTC_C_EXPORT void rtcCleanup(void) {
	log::Defer deferLogs;
	// Deletes whatever the user left, then stops every library thread and usrsctp, so that the
	// library can be unloaded; the next call that needs them starts them again. Must not
	// overlap any other call into the library.
	for (auto &e : Registry::instance().all()) {
		Registry::instance().remove(e->id());
		try {
			deleteEntity(e);
		} catch (...) {
		}
	}
	// Closing runs on each loop and posts more work there (transport teardown, destruction of
	// loop-owned objects): drain until every such object is gone, for at most ~2 s.
	bool idle = !EventLoop::running(); // never started (or cleaned up already): nothing to drain
	for (int round = 0; round < 200 && !idle; ++round) {
		for (auto *loop : EventLoop::all())
			loop->runSync([] {});
		idle = loop_owned::count().load() == 0 && SctpTransport::stopClock();
		if (!idle)
			g_usleep(10000);
	}
	if (!idle) {
		LOG_ERROR("rtcCleanup: transports still alive after 2 s; library threads left running");
		return;
	}
	EventLoop::shutdownAll();
	if (loop_owned::count().load() != 0)
		LOG_WARNING("rtcCleanup: objects were created during cleanup");
	if (!SctpTransport::finish())
		LOG_WARNING("rtcCleanup: usrsctp_finish refused (associations left); usrsctp stays initialized");
}

RTC_C_EXPORT int rtcSetSctpSettings(const rtcSctpSettings *settings) {
	return guard(__func__, [&] {
		if (!settings)
			throw std::invalid_argument("NULL settings");
		SctpTransport::init();
		sctp::set(*settings);
		return RTC_ERR_SUCCESS;
	});
}

RTC_C_EXPORT int rtcSetThreadPoolSize(unsigned int count) {
	log::Defer deferLogs;
	// The number of event loops; effective only before the library starts its threads.
	// Callbacks of one peer connection and its channels always run on one loop, in order.
	rtcimpl::EventLoop::setPoolSize(count);
	return RTC_ERR_SUCCESS;
}

} // extern "C"
