#include "controllers/endpointslice_tracker.h"

#include <charconv>

#include "client/meta.h"

namespace netkube::controllers {

int64_t EndpointSliceTracker::Version(const client::Json& obj) {
  std::string rv = client::ResourceVersionOf(obj);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(rv.data(), rv.data() + rv.size(), v);
  return ec == std::errc() && p == rv.data() + rv.size() ? v : 0;
}

void EndpointSliceTracker::Wrote(const std::string& owner_key, const client::Json& obj) {
  std::lock_guard<std::mutex> lock(mu_);
  expected_[owner_key][client::NameOf(obj)] = Version(obj);
}

void EndpointSliceTracker::Deleted(const std::string& owner_key, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  expected_[owner_key][name] = kDeleted;
}

bool EndpointSliceTracker::Stale(const std::string& owner_key, const std::vector<client::ObjectPtr>& cached) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = expected_.find(owner_key);
  if (it == expected_.end()) return false;
  std::map<std::string, int64_t> seen;
  for (const client::ObjectPtr& o : cached) seen[client::NameOf(*o)] = Version(*o);
  for (const auto& [name, rv] : it->second) {
    auto s = seen.find(name);
    if (rv == kDeleted) {
      if (s != seen.end()) return true;
    } else if (s == seen.end() || s->second < rv) {
      return true;
    }
  }
  return false;
}

void EndpointSliceTracker::Observe(const std::string& owner_key, const client::Json& obj, bool deleted) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = expected_.find(owner_key);
  if (it == expected_.end()) return;
  auto e = it->second.find(client::NameOf(obj));
  if (e == it->second.end()) return;
  if (deleted || (e->second != kDeleted && Version(obj) >= e->second)) it->second.erase(e);
  if (it->second.empty()) expected_.erase(it);
}

void EndpointSliceTracker::Forget(const std::string& owner_key) {
  std::lock_guard<std::mutex> lock(mu_);
  expected_.erase(owner_key);
}

}  // namespace netkube::controllers
