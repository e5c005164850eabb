// Bounds on what a remote peer can make us allocate per data channel and per connection.
// Each is read once from its environment variable (documented in docs/reliability.md).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

namespace rtcimpl::limits {

struct Values {
	// Polling-mode receive queue of one channel (rtcReceiveMessage). A reliable channel whose
	// queue reaches either bound stops the association's reads from SCTP (flow control pushes
	// back on the sender) until the queue drains to half; an unreliable one drops and counts.
	size_t recvQueueBytes = 4 * 1024 * 1024;   // WEBRTCNATIVE_RECV_QUEUE_BYTES
	size_t recvQueueMessages = 16384;          // WEBRTCNATIVE_RECV_QUEUE_MESSAGES
	// Channels the remote peer may have open at once on one peer connection (DCEP OPENs past
	// it are refused: the stream is reset).
	size_t remoteChannels = 4096;              // WEBRTCNATIVE_MAX_REMOTE_CHANNELS
	// Label and protocol bytes of the remote peer's open channels, per peer connection.
	size_t remoteLabelBytes = 1024 * 1024;     // WEBRTCNATIVE_REMOTE_LABEL_BUDGET
};

const Values &get();

// Per peer connection: admits channels the remote peer opens against the channel cap and the
// label budget. Each admitted channel holds a ticket; dropping the ticket gives its share back.
class RemoteChannelBudget {
public:
	using Ticket = std::shared_ptr<void>;
	// A ticket, or null with *why set when the channel is over a bound.
	Ticket admit(size_t labelBytes, std::string *why);

private:
	struct State {
		std::mutex mutex;
		size_t channels = 0, bytes = 0;
	};
	std::shared_ptr<State> mState = std::make_shared<State>();
};

} // namespace rtcimpl::limits
