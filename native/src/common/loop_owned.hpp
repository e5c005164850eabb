// Shared ownership whose last release destroys the object on its event loop's thread, whoever
// drops the last reference (a user thread sending, a snapshot handed out, another loop). The
// object's own work runs there too, so its destructor never races its callbacks, and teardown
// that must run on the loop (libnice, usrsctp) runs inline instead of waiting across threads.
#pragma once

#include "common/event_loop.hpp"

#include <atomic>
#include <memory>

namespace rtcimpl {

namespace loop_owned {
// Objects created by ownedByLoop and not yet destroyed; rtcCleanup waits for zero before it
// stops the loops.
inline std::atomic<long> &count() {
	static std::atomic<long> value{0};
	return value;
}
} // namespace loop_owned

template <typename T> std::shared_ptr<T> ownedByLoop(EventLoop &loop, T *object) {
	loop_owned::count().fetch_add(1);
	EventLoop *owner = &loop;
	// Always posted, even from the loop thread: the last reference may drop inside one of the
	// object's own callbacks (or a library upcall), where destroying it is unsafe.
	return std::shared_ptr<T>(object, [owner](T *p) {
		owner->post([p] {
			delete p;
			loop_owned::count().fetch_sub(1);
		});
	});
}

} // namespace rtcimpl
