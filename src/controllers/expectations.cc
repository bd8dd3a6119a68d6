#include "controllers/expectations.h"

namespace netkube::controllers {

void Expectations::ExpectCreation(const std::string& key, const std::string& pod_key) {
  std::lock_guard<std::mutex> lock(mu_);
  Pending& p = pending_[key];
  if (p.adds.empty() && p.dels.empty()) p.since = std::chrono::steady_clock::now();
  p.adds.insert(pod_key);
}

void Expectations::ExpectDeletion(const std::string& key, const std::string& pod_key) {
  std::lock_guard<std::mutex> lock(mu_);
  Pending& p = pending_[key];
  if (p.adds.empty() && p.dels.empty()) p.since = std::chrono::steady_clock::now();
  p.dels.insert(pod_key);
}

void Expectations::ObserveCreation(const std::string& pod_key) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [k, p] : pending_) p.adds.erase(pod_key);
}

void Expectations::ObserveDeletion(const std::string& pod_key) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [k, p] : pending_) {
    p.adds.erase(pod_key);
    p.dels.erase(pod_key);
  }
}

void Expectations::Forget(const std::string& key, const std::string& pod_key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pending_.find(key);
  if (it == pending_.end()) return;
  it->second.adds.erase(pod_key);
  it->second.dels.erase(pod_key);
}

bool Expectations::Satisfied(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pending_.find(key);
  if (it == pending_.end()) return true;
  if (it->second.adds.empty() && it->second.dels.empty()) return true;
  if (std::chrono::steady_clock::now() - it->second.since > std::chrono::minutes(5)) {
    pending_.erase(it);
    return true;
  }
  return false;
}

void Expectations::Clear(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.erase(key);
}

}  // namespace netkube::controllers
