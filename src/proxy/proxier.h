// Proxier: the service proxy of one node (kube-proxy's job), as a reconcile
// loop. Informers on Services, EndpointSlices and Nodes feed a ChangeTracker;
// one sync thread turns the touched services into table changes
// (ProxyTableRenderer) and moves the kernel there in one transaction
// (nft::Applier, which sends only the delta). Start-up, restarts and the
// periodic resync take the same path: every `sync_period` the table is read
// back and replaced whole when it drifted (flushed or edited by hand).
//
// After each applied sync that touched UDP or SCTP services (and on every
// resync) the proxier deletes the conntrack entries of those services that
// point at endpoints no longer reachable. It answers ARP on the node network
// for the LoadBalancer IPs this node wins (MetalLB's L2 mode; a Node informer
// tells it which nodes are Ready) and reports the healthCheckNodePorts it
// serves through ProxierOptions::on_health_checks.
//
// The Proxier acts on the network namespace of the threads that run it: start
// it in the node's namespace.
//
// Thread-safety: Start/Stop from one thread; Metrics(), HealthChecks() from any.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "nft/executor.h"
#include "proxy/render.h"
#include "util/status.h"

namespace netkube::client {
class Client;
}  // namespace netkube::client

namespace netkube::proxy {

// What a healthCheckNodePort reports (kube-proxy's service health server).
struct HealthCheck {
  NamespacedName service;
  int local_endpoints = 0;  // ready endpoints of the service on this node
  bool operator==(const HealthCheck&) const = default;
};

struct ProxierOptions {
  std::string node_name;            // REQUIRED
  std::vector<std::string> node_ips;  // REQUIRED: the node's InternalIPs (NodePorts listen here)
  RenderOptions render;             // table name, cluster pod CIDR, masquerade mark
  ClusterIPMasquerade masquerade = ClusterIPMasquerade::kNonPodSources;
  std::chrono::milliseconds sync_period{std::chrono::seconds(15)};  // read back + heal
  bool clear_conntrack = true;      // delete stale UDP/SCTP conntrack entries
  // The node-network interface on which this node answers ARP for the
  // LoadBalancer IPs it wins (l2_election.h); "" = no announcements.
  std::string announce_interface;
  // Called from the sync thread after a sync when the set changed.
  std::function<void(const std::map<int32_t, HealthCheck>&)> on_health_checks;
};

class Proxier {
 public:
  // `client` must outlive the Proxier. `executor` talks to nftables.
  Proxier(client::Client& client, ProxierOptions options, std::unique_ptr<nft::Executor> executor);
  ~Proxier();  // Stop()s
  Proxier(const Proxier&) = delete;
  Proxier& operator=(const Proxier&) = delete;

  // Starts the informers and the sync thread; returns once the first sync
  // after the informers' initial lists has been attempted (or after 30 s).
  Status Start();
  // Stops the sync thread and the informers. The table stays: restarting
  // the agent does not interrupt service traffic.
  void Stop();

  // Prometheus text: netkube_proxy_sync_duration_seconds (histogram),
  // netkube_proxy_network_programming_duration_seconds (histogram: a change
  // seen by the informers -> rules live), netkube_proxy_rules (gauge: rules
  // plus map elements), netkube_proxy_services (gauge: service ports),
  // netkube_proxy_syncs_total{mode="delta|full|noop"}, netkube_proxy_sync_errors_total,
  // netkube_proxy_heals_total (drift repaired), netkube_proxy_conntrack_deleted_total,
  // netkube_proxy_announced_ips (gauge).
  std::string Metrics() const;
  // True once a sync succeeded and the last one did not fail.
  bool Healthy() const;
  // The LoadBalancer IPs this node answers ARP for.
  std::set<std::string> AnnouncedIPs() const;
  // The healthCheckNodePorts this node serves, as of the last sync.
  std::map<int32_t, HealthCheck> HealthChecks() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace netkube::proxy
