#include "common/entity.hpp"

#include <condition_variable>
#include <mutex>

namespace rtcimpl {

namespace {
// Never destroyed: callbacks and deleters may run while the process exits.
std::mutex &waitMutex() {
	static auto *m = new std::mutex();
	return *m;
}
std::condition_variable &waitCond() {
	static auto *c = new std::condition_variable();
	return *c;
}
std::atomic<int> gWaiters{0}; // deleters waiting; callbacks notify only when there are some

thread_local Entity::Waiter tWaiter;

// True if `from` waits, through a chain, for `target` (or is it). waitMutex held.
bool reaches(const Entity::Waiter *from, const Entity::Waiter *target) {
	for (int hops = 0; from && hops < 1024; ++hops, from = from->waitingFor)
		if (from == target)
			return true;
	return false;
}
} // namespace

bool Entity::enter() {
	mRunner.store(&tWaiter, std::memory_order_relaxed);
	mInFlight.fetch_add(1, std::memory_order_seq_cst);
	if (!mDeleted.load(std::memory_order_seq_cst))
		return true;
	leave();
	return false;
}

void Entity::leave() {
	if (mInFlight.fetch_sub(1, std::memory_order_seq_cst) == 1 &&
	    gWaiters.load(std::memory_order_seq_cst) > 0) {
		std::lock_guard lock(waitMutex()); // orders the wake-up after the waiter's check
		waitCond().notify_all();
	}
}

void Entity::markDeleted() {
	mDeleted.store(true, std::memory_order_seq_cst);
	gWaiters.fetch_add(1, std::memory_order_seq_cst);
	{
		std::unique_lock lock(waitMutex());
		while (mInFlight.load(std::memory_order_seq_cst) > 0) {
			const Waiter *runner = mRunner.load(std::memory_order_relaxed);
			// Our own callback, or a runner that (through others) waits for us: never ends.
			if (reaches(runner, &tWaiter))
				break;
			tWaiter.waitingFor = runner;
			waitCond().wait(lock);
			tWaiter.waitingFor = nullptr;
		}
	}
	gWaiters.fetch_sub(1, std::memory_order_seq_cst);
}

} // namespace rtcimpl
