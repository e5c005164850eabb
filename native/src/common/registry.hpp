// One id space for peer connections and data channels (ids > 0).
#pragma once

#include "common/entity.hpp"

#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

namespace rtcimpl {

class Registry {
public:
	static Registry &instance();

	int add(std::shared_ptr<Entity> entity);
	std::shared_ptr<Entity> get(int id) const;
	std::shared_ptr<Entity> remove(int id);
	std::vector<std::shared_ptr<Entity>> all() const;
	size_t size() const;

	template <typename T> std::shared_ptr<T> getAs(int id, Entity::Kind kind) const {
		auto e = get(id);
		if (!e || e->kind() != kind)
			return nullptr;
		return std::static_pointer_cast<T>(e);
	}

private:
	mutable std::shared_mutex mMutex; // lookups (every send) share it
	std::unordered_map<int, std::shared_ptr<Entity>> mMap;
	int mNext = 1;
};

} // namespace rtcimpl
