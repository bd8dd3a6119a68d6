// The kubernetes plugin's API edge: lists and watches Services,
// EndpointSlices (discovery.k8s.io/v1), Namespaces and, for `pods verified`,
// Pods, and feeds the compact model (k8s_records.h).
//
// No JSON object is kept: each object is converted to its compact struct as
// it arrives, and lists are read in pages (`page_size` objects, limit +
// continue), so the peak memory of a relist is one page of JSON plus the
// compact structs. Each kind has one thread that lists, replaces that kind in
// the model, then watches from the list's resourceVersion; a stream that ends
// is re-watched from the last version seen, and a watch that fails or reports
// an ERROR (410 Gone) leads to a fresh list, as client-go's reflector does.
// After every change of the model `on_change` runs (default:
// BumpDataGeneration, so cached answers built from older data are dropped).
//
// HasSynced: every watched kind has been listed once. Until then the plugin
// answers SERVFAIL for names it would deny.
//
// Thread-safety: Start/Stop from one thread; HasSynced from any.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "client/client.h"
#include "dns/k8s_records.h"

namespace netkube::dns::k8s {

// Conversions from the API's JSON (pure). nullopt when the object carries
// nothing DNS can serve (no name; a slice without the
// kubernetes.io/service-name label; a pod being deleted or without an IP):
// the watch then removes it from the model.
std::optional<ServiceInfo> ServiceFromJson(const nlohmann::json& obj);
std::optional<EndpointSliceInfo> EndpointSliceFromJson(const nlohmann::json& obj);
std::optional<PodInfo> PodFromJson(const nlohmann::json& obj);

struct WatchOptions {
  std::string label_selector;            // Services and EndpointSlices (`labels`)
  std::string namespace_label_selector;  // Namespaces (`namespace_labels`)
  bool endpoints = true;                 // false with `noendpoints`
  bool pods = false;                     // `pods verified`
  int64_t page_size = 500;
  // Runs after each change of the model; default BumpDataGeneration.
  std::function<void()> on_change;
};

class ClusterWatch {
 public:
  // `client` and `records` must outlive the watch.
  ClusterWatch(client::Client& client, ClusterRecords& records, WatchOptions options);
  ~ClusterWatch();  // Stop()
  ClusterWatch(const ClusterWatch&) = delete;
  ClusterWatch& operator=(const ClusterWatch&) = delete;

  void Start();
  // Stops every thread and waits for them.
  void Stop();
  bool HasSynced() const;
  bool WaitForSync(std::chrono::milliseconds timeout) const;

  // For metrics and tests.
  uint64_t events() const { return events_.load(); }
  uint64_t lists() const { return lists_.load(); }

  class Reflector;

 private:
  std::vector<std::unique_ptr<Reflector>> reflectors_;
  std::atomic<uint64_t> events_{0}, lists_{0};
};

}  // namespace netkube::dns::k8s
