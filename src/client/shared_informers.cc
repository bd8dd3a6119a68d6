#include "client/shared_informers.h"

namespace netkube::client {

Informer& SharedInformers::For(const api::Kind& kind) {
  auto& slot = informers_[kind.KeyPrefix()];
  if (!slot) {
    auto it = options_.find(kind.KeyPrefix());
    slot = std::make_unique<Informer>(client_, kind, it == options_.end() ? InformerOptions{} : it->second);
  }
  return *slot;
}

void SharedInformers::SetOptions(const api::Kind& kind, InformerOptions options) {
  options_[kind.KeyPrefix()] = std::move(options);
}

Informer* SharedInformers::Find(const api::Kind& kind) const {
  auto it = informers_.find(kind.KeyPrefix());
  return it == informers_.end() ? nullptr : it->second.get();
}

std::vector<Informer*> SharedInformers::All() const {
  std::vector<Informer*> out;
  for (const auto& [k, v] : informers_) out.push_back(v.get());
  return out;
}

void SharedInformers::Start() {
  for (auto& [k, v] : informers_) v->Start();
}

void SharedInformers::Stop() {
  for (auto& [k, v] : informers_) v->RequestStop();
  for (auto& [k, v] : informers_) v->Stop();
}

bool SharedInformers::WaitForSync(std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const auto& [k, v] : informers_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (!v->WaitForSync(std::max(left, std::chrono::milliseconds(0)))) return false;
  }
  return true;
}

}  // namespace netkube::client
