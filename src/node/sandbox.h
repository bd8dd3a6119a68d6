// Pod sandboxes: what a pod keeps for its whole life, independent of its
// containers (the role of the pause container): its network namespace with
// the interface and address CNI gave it, and its UTS namespace holding the
// pod's hostname. Both are namespaces pinned by bind mounts, so they outlive
// every container process and the agent itself.
//
// Layout: the network namespace is /run/netns/<node>-<first 8 hex of uid>;
// ROOT/pods/<uid>/uts pins the UTS namespace; ROOT/pods/<uid>/sandbox.json is
// the record (so a restarted agent finds what exists). hostNetwork pods have
// a record but no namespaces of their own.
//
// Thread-safety: Sandboxes is safe for concurrent use on distinct pods.
#pragma once

#include <string>
#include <vector>

#include "cni/invoker.h"
#include "cni/port_mapping.h"
#include "cni/types.h"
#include "util/status.h"

namespace netkube::node {

struct SandboxRecord {
  std::string uid, ns, name;
  bool host_network = false;
  std::string netns_name;   // "" for hostNetwork
  std::string netns_path;   // "" for hostNetwork
  std::string uts_path;     // "" for hostNetwork
  std::string hostname;
  std::string ip;           // the pod IP ("" until CNI answered; node IP for hostNetwork)
  std::string cni_result;   // the ADD result, JSON text
  std::string network;      // the CNI network name the ADD used
  std::string created;      // RFC 3339: the pod's startTime
  // The pod's hostPorts, passed to CNI ADD and, from here, to DEL (the pod
  // may be gone from the API by then) as runtimeConfig.portMappings.
  std::vector<cni::PortMapping> port_mappings;

  std::string ToJson() const;
  static StatusOr<SandboxRecord> Parse(const std::string& json);
};

class Sandboxes {
 public:
  // pods_dir: ROOT/pods. node_name prefixes network namespace names.
  Sandboxes(std::string pods_dir, std::string node_name, cni::Invoker invoker);

  // Creates the namespaces, sets the hostname, brings lo up and runs CNI ADD
  // with `network` and the capability argument portMappings (node/hostports.h;
  // empty for hostNetwork). On error, undoes what it made. REQUIRES:
  // !host_network or network may be null.
  StatusOr<SandboxRecord> Create(const std::string& uid, const std::string& ns, const std::string& name,
                                 const std::string& hostname, bool host_network, const std::string& node_ip,
                                 const cni::NetworkConfigList* network, const std::string& created,
                                 const std::vector<cni::PortMapping>& port_mappings = {});
  // CNI DEL (with the stored result), then removes the namespaces and the
  // record. Idempotent: missing pieces are skipped. `network` may be null when
  // no configuration exists any more (DEL is then skipped).
  Status Destroy(const SandboxRecord& record, const cni::NetworkConfigList* network);

  // The stored record of a pod, NotFound if none.
  StatusOr<SandboxRecord> Load(const std::string& uid) const;
  Status Save(const SandboxRecord& record) const;

  std::string PodDir(const std::string& uid) const { return pods_dir_ + "/" + uid; }
  const cni::Invoker& invoker() const { return invoker_; }

 private:
  cni::AttachmentParams Params(const SandboxRecord& record) const;

  const std::string pods_dir_;
  const std::string node_name_;
  const cni::Invoker invoker_;
};

}  // namespace netkube::node
