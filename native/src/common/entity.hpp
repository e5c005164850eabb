// Base of every object behind an id: user pointer and the guard that makes
// "no callback after rtcDelete* returns" true.
#pragma once

#include "common/event_loop.hpp"

#include <atomic>
#include <memory>
#include <mutex>

namespace rtcimpl {

class Entity : public std::enable_shared_from_this<Entity> {
public:
	enum class Kind { PeerConnection, DataChannel };
	Entity(Kind kind, EventLoop &loop) : mKind(kind), mLoop(loop) {}
	virtual ~Entity() = default;

	Kind kind() const { return mKind; }
	EventLoop &loop() const { return mLoop; }
	int id() const { return mId.load(std::memory_order_relaxed); }
	void setId(int id) { mId.store(id, std::memory_order_relaxed); }

	void *userPointer() const { return mUserPointer.load(std::memory_order_acquire); }
	void setUserPointer(void *ptr) { mUserPointer.store(ptr, std::memory_order_release); }

	bool deleted() const { return mDeleted.load(std::memory_order_acquire); }

	// Runs a user callback unless the entity was deleted. Callbacks only run on the entity's
	// loop thread, so the mutex is contended only by a deleter on another thread.
	template <typename F> void invoke(F &&f) {
		std::lock_guard lock(mCallbackMutex);
		if (!mDeleted.load(std::memory_order_acquire))
			f();
	}

	// Marks the entity deleted; when called off the loop thread, waits for an in-flight
	// callback to return. On the loop thread nothing can be in flight but the caller itself.
	void markDeleted(bool onLoopThread) {
		mDeleted.store(true, std::memory_order_release);
		if (!onLoopThread) {
			std::lock_guard lock(mCallbackMutex);
		}
	}

private:
	const Kind mKind;
	EventLoop &mLoop;
	std::atomic<int> mId{0};
	std::atomic<void *> mUserPointer{nullptr};
	std::atomic<bool> mDeleted{false};
	std::mutex mCallbackMutex;
};

} // namespace rtcimpl
