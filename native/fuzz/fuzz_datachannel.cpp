// libFuzzer harness: arbitrary SCTP user messages (stream id, PPID, payload) and stream resets
// delivered to the data-channel layer of a real PeerConnection, as SctpTransport would deliver
// them after reassembly: PeerConnection::onSctpMessage -> DCEP (OPEN/ACK, parity and in-use
// checks) -> DataChannel::onMessage (PPID dispatch, empty-message PPIDs) -> callback delivery or
// the polling queue (rtcReceiveMessage), and PeerConnection::onIncomingReset.
// Not covered: usrsctp itself (packet parsing, reassembly) and DTLS; no transport exists, so
// the DCEP ACK that would be sent is dropped.
//
// The transport-event methods are private; the harness reaches them by compiling the header
// with `private` defined as `public` (layout is unchanged) and runs every input on the peer
// connection's own loop thread, as the transports do.
#include <memory>
#include <mutex>
#include <string>
#include <vector>
#define private public
#include "channel/data_channel.hpp"
#include "pc/peer_connection.hpp"
#undef private
#include "common/event_loop.hpp"
#include "common/registry.hpp"
#include "rtc/rtc.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

using namespace rtcimpl;

namespace {
std::shared_ptr<PeerConnection> gPc;
std::vector<int> gPolling;
size_t gDelivered = 0;

void onMessage(int, const char *message, int size, void *) {
	// Strings arrive NUL-terminated with size -(len+1); binaries with size >= 0.
	if (size < 0) {
		if (message[-size - 1] != '\0')
			std::abort();
	}
	gDelivered++;
}

void onChannel(int, int dc, void *) {
	auto ch = Registry::instance().getAs<DataChannel>(dc, Entity::Kind::DataChannel);
	if (!ch)
		std::abort();
	// Every other channel stays in polling mode.
	if (dc % 2)
		ch->setMessageCallback(onMessage);
	else
		gPolling.push_back(dc);
}

uint32_t pickPpid(uint8_t b, const uint8_t *raw) {
	static const uint32_t ppids[] = {50, 51, 52, 53, 54, 56, 57, 0};
	uint32_t p = ppids[b & 7];
	if (p == 0)
		p = uint32_t(raw[0]) << 24 | uint32_t(raw[1]) << 16 | uint32_t(raw[2]) << 8 | raw[3];
	return p;
}
} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
	rtcInitLogger(RTC_LOG_NONE, nullptr); // rejected DCEP messages would log on every input
	PeerConfig config;
	config.bindAddress = "127.0.0.1";
	gPc = std::make_shared<PeerConnection>(config);
	Registry::instance().add(gPc);
	gPc->dataChannelCallback = onChannel;
	return 0;
}

// Input: records of [op u8][stream u16][ppid selector u8][raw ppid u32][length u16][payload].
// op & 3 == 3 resets the stream instead of delivering a message.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	gPc->loop().runSync([&] {
		size_t at = 0;
		while (at + 10 <= size) {
			uint8_t op = data[at];
			uint16_t stream = uint16_t(data[at + 1] << 8 | data[at + 2]) % 2048;
			uint32_t ppid = pickPpid(data[at + 3], data + at + 4);
			size_t length = size_t(data[at + 8] << 8 | data[at + 9]);
			at += 10;
			if (length > size - at)
				length = size - at;
			if ((op & 3) == 3) {
				gPc->onIncomingReset(stream);
			} else {
				// A copy of exactly `length` bytes so ASan sees any over-read.
				std::vector<char> payload(data + at, data + at + length);
				gPc->onSctpMessage(stream, ppid, payload.empty() ? nullptr : payload.data(),
				                   payload.size());
				at += length;
			}
		}
	});
	gPc->loop().runSync([] {}); // deferred deliveries (setMessageCallback flush) run now
	// Drain the polling channels through the public receive path.
	for (int id : gPolling) {
		auto ch = Registry::instance().getAs<DataChannel>(id, Entity::Kind::DataChannel);
		if (!ch)
			continue;
		std::vector<char> buf;
		for (;;) {
			int need = 0;
			if (ch->receive(nullptr, &need) != RTC_ERR_SUCCESS)
				break;
			// A NULL buffer only queries the size: keep one byte even for an empty message.
			buf.resize(size_t(std::abs(need)) + 1);
			int got = need;
			if (ch->receive(buf.data(), &got) != RTC_ERR_SUCCESS || got != need)
				std::abort();
		}
		if (ch->availableAmount() != 0)
			std::abort();
	}
	gPolling.clear();
	// Forget every channel so inputs stay independent.
	gPc->loop().runSync([] { gPc->closeAllChannels(); });
	for (auto &e : Registry::instance().all())
		if (e->kind() == Entity::Kind::DataChannel)
			Registry::instance().remove(e->id());
	return 0;
}
