// Base of every object behind an id: user pointer and the guard that makes
// "no callback after rtcDelete* returns" true without holding any lock while user code runs.
//
// Design. Each entity counts the user callbacks in progress (mInFlight) and has a "deleted"
// flag. A callback starts only if, after counting itself in, the flag is still clear; rtcDelete*
// sets the flag and then waits for the count to reach zero. The flag store and the count load
// are both sequentially consistent, so either the deleter sees the callback in progress or the
// callback sees the flag (never neither).
//
// The wait is skipped when it could never end:
//  - the deleter is the thread running the callback (deleting from one's own callback);
//  - the thread running the callback is itself waiting, directly or through a chain of other
//    waits, for the deleter (two loops whose callbacks delete each other's objects). Every
//    thread that waits records whom it waits for under one global mutex, so of two threads
//    that would wait for each other the second sees the cycle and returns at once.
// In the second case the callback in progress is blocked inside an rtcDelete* call of its own
// and its user code resumes only after this deleter's callback returned; that is the one case
// where user code of a deleted object still runs after rtcDelete* returns, and it cannot be
// otherwise without a deadlock. In every case no callback *starts* after rtcDelete* returns.
#pragma once

#include "common/event_loop.hpp"

#include <atomic>
#include <memory>

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

	// Runs a user callback unless the entity was deleted. No lock is held while f runs.
	template <typename F> void invoke(F &&f) {
		if (!enter())
			return;
		f();
		leave();
	}

	// Marks the entity deleted (no callback starts afterwards) and waits for a callback in
	// progress on another thread to return, unless that wait could deadlock (see above).
	void markDeleted();

	// One per thread that runs callbacks or deletes: what it waits for, if anything.
	struct Waiter {
		const Waiter *waitingFor = nullptr; // global wait mutex
	};

private:
	bool enter();
	void leave();

	const Kind mKind;
	EventLoop &mLoop;
	std::atomic<int> mId{0};
	std::atomic<void *> mUserPointer{nullptr};
	std::atomic<bool> mDeleted{false};
	std::atomic<int> mInFlight{0};
	// The thread running this entity's callbacks (one at a time: its loop thread).
	std::atomic<const Waiter *> mRunner{nullptr};
};

} // namespace rtcimpl
