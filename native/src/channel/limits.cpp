#include "channel/limits.hpp"

#include <cstdlib>

namespace rtcimpl::limits {

namespace {
size_t fromEnv(const char *name, size_t fallback, size_t min) {
	const char *env = std::getenv(name);
	if (!env || !*env)
		return fallback;
	char *end = nullptr;
	unsigned long long v = std::strtoull(env, &end, 10);
	if (end == env)
		return fallback;
	return v < min ? min : size_t(v);
}
} // namespace

const Values &get() {
	static const Values values = [] {
		Values v;
		v.recvQueueBytes = fromEnv("WEBRTCNATIVE_RECV_QUEUE_BYTES", v.recvQueueBytes, 1);
		v.recvQueueMessages = fromEnv("WEBRTCNATIVE_RECV_QUEUE_MESSAGES", v.recvQueueMessages, 1);
		v.remoteChannels = fromEnv("WEBRTCNATIVE_MAX_REMOTE_CHANNELS", v.remoteChannels, 0);
		v.remoteLabelBytes = fromEnv("WEBRTCNATIVE_REMOTE_LABEL_BUDGET", v.remoteLabelBytes, 0);
		return v;
	}();
	return values;
}

RemoteChannelBudget::Ticket RemoteChannelBudget::admit(size_t labelBytes, std::string *why) {
	const Values &v = get();
	std::lock_guard lock(mState->mutex);
	if (mState->channels >= v.remoteChannels) {
		*why = "the peer already has " + std::to_string(mState->channels) +
		       " open channels (WEBRTCNATIVE_MAX_REMOTE_CHANNELS=" + std::to_string(v.remoteChannels) + ")";
		return nullptr;
	}
	if (mState->bytes + labelBytes > v.remoteLabelBytes) {
		*why = "label and protocol of " + std::to_string(labelBytes) + " bytes exceed what is left of the " +
		       std::to_string(v.remoteLabelBytes) + "-byte budget (WEBRTCNATIVE_REMOTE_LABEL_BUDGET; " +
		       std::to_string(mState->bytes) + " in use)";
		return nullptr;
	}
	mState->channels++;
	mState->bytes += labelBytes;
	// The ticket may outlive the peer connection (a user keeps the channel): it holds the state.
	auto state = mState;
	return Ticket(static_cast<void *>(state.get()), [state, labelBytes](void *) {
		std::lock_guard lock(state->mutex);
		state->channels--;
		state->bytes -= labelBytes;
	});
}

} // namespace rtcimpl::limits
