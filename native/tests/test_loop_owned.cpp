// ownedByLoop (issue 11 item 6): an object is destroyed on its own loop's thread whichever
// thread drops the last reference (a user thread, another loop, or its own loop inside one of
// its tasks, where it must be deferred until that task returns), and the count rtcCleanup
// waits for returns to zero.
#include "common/event_loop.hpp"
#include "common/loop_owned.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

using namespace rtcimpl;

namespace {

int failures = 0;
#define EXPECT(cond)                                                                               \
	do {                                                                                           \
		if (!(cond)) {                                                                             \
			std::fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                   \
			++failures;                                                                            \
		}                                                                                          \
	} while (0)

struct Probe {
	EventLoop &loop;
	std::atomic<int> &where;          // 1 destroyed on its loop, -1 elsewhere
	std::atomic<bool> *insideTask;    // set while a task of the probe runs
	~Probe() { where = loop.isLoopThread() && !(insideTask && *insideTask) ? 1 : -1; }
};

bool waitFor(const std::atomic<int> &v) {
	for (int i = 0; i < 500 && v.load() == 0; ++i)
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	return v.load() != 0;
}

} // namespace

int main() {
	EventLoop::setPoolSize(2);
	auto loops = EventLoop::all();
	EXPECT(loops.size() == 2);
	EventLoop &own = *loops[0], &other = *loops[1];

	// 1. Last reference dropped on a user thread.
	{
		std::atomic<int> where{0};
		auto p = ownedByLoop(own, new Probe{own, where, nullptr});
		p.reset();
		EXPECT(waitFor(where));
		EXPECT(where == 1);
	}
	// 2. Dropped on another loop's thread.
	{
		std::atomic<int> where{0};
		auto p = ownedByLoop(own, new Probe{own, where, nullptr});
		other.runSync([&] { p.reset(); });
		EXPECT(waitFor(where));
		EXPECT(where == 1);
	}
	// 3. Dropped on its own loop inside one of its tasks: destroyed after the task returns.
	{
		std::atomic<int> where{0};
		std::atomic<bool> inside{false};
		auto p = ownedByLoop(own, new Probe{own, where, &inside});
		own.runSync([&] {
			inside = true;
			p.reset();
			inside = false;
		});
		EXPECT(waitFor(where));
		EXPECT(where == 1);
	}
	for (int i = 0; i < 100 && loop_owned::count().load() != 0; ++i)
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	EXPECT(loop_owned::count().load() == 0);

	if (failures)
		return 1;
	std::printf("test_loop_owned: ok\n");
	return 0;
}
