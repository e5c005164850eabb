#include "common/registry.hpp"

namespace rtcimpl {

Registry &Registry::instance() {
	static Registry *registry = new Registry(); // never destroyed: callbacks may outlive main()
	return *registry;
}

int Registry::add(std::shared_ptr<Entity> entity) {
	std::lock_guard lock(mMutex);
	// Ids are not reused soon, so a stale id held by a user is simply invalid.
	int id;
	do {
		id = mNext++;
		if (mNext <= 0)
			mNext = 1;
	} while (mMap.count(id));
	entity->setId(id);
	mMap.emplace(id, std::move(entity));
	return id;
}

std::shared_ptr<Entity> Registry::get(int id) const {
	std::shared_lock lock(mMutex);
	auto it = mMap.find(id);
	return it != mMap.end() ? it->second : nullptr;
}

std::shared_ptr<Entity> Registry::remove(int id) {
	std::lock_guard lock(mMutex);
	auto it = mMap.find(id);
	if (it == mMap.end())
		return nullptr;
	auto e = std::move(it->second);
	mMap.erase(it);
	return e;
}

std::vector<std::shared_ptr<Entity>> Registry::all() const {
	std::shared_lock lock(mMutex);
	std::vector<std::shared_ptr<Entity>> result;
	result.reserve(mMap.size());
	for (auto &kv : mMap)
		result.push_back(kv.second);
	return result;
}

size_t Registry::size() const {
	std::shared_lock lock(mMutex);
	return mMap.size();
}

} // namespace rtcimpl
