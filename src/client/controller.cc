#include "client/controller.h"

#include "client/meta.h"
#include "util/log.h"

namespace netkube::client {

Controller::~Controller() { Stop(); }

void Controller::Run(int workers) {
  for (int i = 0; i < workers; ++i)
    workers_.emplace_back([this] {
      std::string key;
      while (queue_.Get(&key)) Handle(key);
    });
}

void Controller::Stop() {
  queue_.ShutDown();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
}

bool Controller::ProcessNext(std::chrono::milliseconds timeout) {
  std::string key;
  if (!queue_.TryGet(&key, timeout)) return false;
  Handle(key);
  return true;
}

void Controller::Handle(const std::string& key) {
  Status s;
  try {
    s = Sync(key);
  } catch (const std::exception& e) {
    s = Status::Internal(std::string("unexpected object shape: ") + e.what());
  }
  if (s.ok()) {
    queue_.Forget(key);
  } else {
    if (s.IsConflict()) {
      LOG_V(2) << name_ << ": sync " << key << ": " << s.ToString();
    } else {
      LOG_WARN << name_ << ": sync " << key << " failed (retry " << queue_.NumRequeues(key) << "): " << s.ToString();
    }
    queue_.AddRateLimited(key);
  }
  queue_.Done(key);
}

EventHandler Controller::EnqueueKeys() {
  auto add = [this](const ObjectPtr& o) { queue_.Add(KeyOf(*o)); };
  return {add, [add](const ObjectPtr&, const ObjectPtr& o) { add(o); }, add};
}

}  // namespace netkube::client
