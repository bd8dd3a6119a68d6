// Expectations: the creations and deletions a controller has issued but its
// informer cache has not shown yet, per controller key (as Kubernetes'
// ControllerExpectations). A controller that acts on a cache lagging behind its
// own writes would create or delete twice; it checks Satisfied(key) first.
//
// Entries expire after 5 minutes so a lost event cannot wedge a controller.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>

namespace netkube::controllers {

class Expectations {
 public:
  // Pod keys ("ns/name") the controller `key` created / deleted.
  void ExpectCreation(const std::string& key, const std::string& pod_key);
  void ExpectDeletion(const std::string& key, const std::string& pod_key);
  // The informer showed the pod added / deleted.
  void ObserveCreation(const std::string& pod_key);
  void ObserveDeletion(const std::string& pod_key);
  // A create/delete call failed: nothing to wait for.
  void CreationFailed(const std::string& key, const std::string& pod_key) { Forget(key, pod_key); }
  bool Satisfied(const std::string& key);
  void Clear(const std::string& key);

 private:
  void Forget(const std::string& key, const std::string& pod_key);
  struct Pending {
    std::set<std::string> adds, dels;
    std::chrono::steady_clock::time_point since;
  };
  std::mutex mu_;
  std::map<std::string, Pending> pending_;
};

}  // namespace netkube::controllers
