// Admission: the mutating and validating steps kube-apiserver runs between
// defaulting and storage that need cluster state:
//   - namespace lifecycle: namespaced objects need an existing namespace that is
//     not terminating;
//   - Service ClusterIP allocation from the service CIDR ("kubernetes" gets the
//     first address; "None" = headless; a requested free IP is honoured);
//   - Service NodePort (and healthCheckNodePort) allocation, unique across the
//     cluster, automatic or requested within the range.
// Allocations are kept in memory, rebuilt from stored Services at start-up.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "api/kinds.h"
#include "store/store.h"
#include "util/status.h"

namespace netkube::apiserver {

struct AdmissionOptions {
  std::string service_cidr = "10.96.0.0/12";
  int node_port_min = 30000;
  int node_port_max = 32767;
};

// What one admission call allocated, so a failed write can give it back.
struct Allocations {
  std::vector<uint32_t> ips;
  std::vector<int> ports;
};

class Admission {
 public:
  explicit Admission(AdmissionOptions options);

  // Parses the options; InvalidArgument-style BadRequest when malformed.
  Status Init();
  // Marks the allocations of every stored Service as used.
  void Load(store::Store& store);

  // Runs on create (old == nullptr) and update. May modify `obj` (allocations).
  // Fills `allocated` with what it newly took.
  Status Admit(const api::Kind& kind, nlohmann::json& obj, const nlohmann::json* old, store::Store& store,
               Allocations* allocated);
  // Gives back allocations after a failed write.
  void Rollback(const Allocations& allocated);
  // After an update committed: frees what `old` held and `now` no longer does.
  void Committed(const api::Kind& kind, const nlohmann::json& old, const nlohmann::json& now);
  // After a delete committed.
  void Deleted(const api::Kind& kind, const nlohmann::json& obj);

  // The first usable address of the service CIDR ("10.96.0.1").
  std::string KubernetesServiceIP() const;
  const AdmissionOptions& options() const { return options_; }

 private:
  Status AdmitService(nlohmann::json& svc, const nlohmann::json* old, Allocations* allocated);
  void CollectService(const nlohmann::json& svc, std::vector<uint32_t>* ips, std::vector<int>* ports) const;

  AdmissionOptions options_;
  uint32_t base_ = 0;   // network address
  uint32_t size_ = 0;   // number of addresses
  std::mutex mu_;
  std::set<uint32_t> ips_;
  std::set<int> ports_;
};

std::string FormatIPv4(uint32_t ip);
bool ParseIPv4(const std::string& s, uint32_t* ip);

}  // namespace netkube::apiserver
