// The `kubernetes` plugin: answers the cluster zone (Kubernetes DNS-Based
// Service Discovery 1.1.0, CoreDNS's behaviour) from a watched, compact model
// of the cluster (k8s_records.h, fed by k8s_watch.h).
//
// Corefile:
//   kubernetes [ZONES...] {
//       endpoint URL                  # API server (https); default in-cluster
//       tls CERT KEY CACERT           # client certificate, key and CA for `endpoint`
//       kubeconfig PATH [CONTEXT]     # wins over endpoint
//       namespaces NS...              # serve only these namespaces
//       labels SELECTOR               # only Services/EndpointSlices matching
//       namespace_labels SELECTOR     # only namespaces matching
//       pods disabled|insecure|verified   # default disabled
//       endpoint_pod_names
//       ttl SECONDS                   # 0..3600, default 5
//       noendpoints                   # no EndpointSlice watch
//       fallthrough [ZONES...]
//       ignore empty_service
//       startup_timeout DURATION      # wait this long for the first sync (5s)
//   }
// ZONES default to the server block's zones; CIDRs become reverse zones. The
// first non-reverse zone names PTR targets (there must be one).
//
// In the chain: questions outside the zones go to Next(). Inside, AXFR/IXFR
// are REFUSED, everything else is answered by the model; NXDOMAIN passes on
// with Next() when `fallthrough` covers the name; before the watch has
// synced, what would be NXDOMAIN is SERVFAIL (with the SOA), and Ready() is
// false. Answers from the model carry req->data_generation. An ExternalName
// whose target lies outside the zone is answered with the CNAME plus what
// the rest of the chain (forward) answers for the target and the same type;
// with no plugin after this one the CNAME alone is returned.
//
// Metrics: coredns_kubernetes_answers_total{server,rcode}, and gauges of
// the model (coredns_kubernetes_objects{kind}).
//
// Thread-safety: Serve from any number of threads.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "client/client.h"
#include "dns/corefile.h"
#include "dns/k8s_records.h"
#include "dns/k8s_watch.h"
#include "dns/plugin.h"
#include "dns/setup.h"

namespace netkube::dns {

struct KubernetesConfig {
  std::vector<Name> zones;
  // API access: kubeconfig wins, then endpoint, else in-cluster.
  std::string endpoint;
  std::string tls_cert, tls_key, tls_ca;  // file paths
  std::string kubeconfig, context;
  k8s::RecordsOptions records;            // ttl, pods, namespaces, ...
  k8s::WatchOptions watch;                // selectors, endpoints, pods
  bool fallthrough = false;
  std::vector<Name> fallthrough_zones;    // empty = every zone
  std::chrono::milliseconds startup_timeout{5000};
  std::string server;                     // metrics label
};

// Parses the directive (no I/O). Errors: ParseErrorAt/ArgErr with the line.
StatusOr<KubernetesConfig> ParseKubernetes(const Directive& d, const SetupContext& ctx);

// The client a configuration asks for (kubeconfig, endpoint + tls, or
// in-cluster). Errors name the file or setting at fault.
StatusOr<std::shared_ptr<client::Client>> KubernetesClient(const KubernetesConfig& config);

class KubernetesPlugin : public Plugin {
 public:
  // Starts watching through `client` at once (it is kept alive by the plugin).
  // config.records.local_ips is filled from the machine's interfaces when empty.
  KubernetesPlugin(KubernetesConfig config, std::shared_ptr<client::Client> client);
  ~KubernetesPlugin() override;

  std::string_view name() const override { return "kubernetes"; }
  void Serve(RequestPtr req) override;
  bool Ready() const override { return watch_->HasSynced(); }
  void RenderMetrics(std::ostream& out) const override;

  bool WaitForSync(std::chrono::milliseconds timeout) const { return watch_->WaitForSync(timeout); }
  const k8s::ClusterRecords& records() const { return *records_; }

 private:
  const Name* ZoneOf(const Name& qname) const;
  bool FallsThrough(const Name& qname) const;
  void Count(int rc);

  KubernetesConfig config_;
  std::shared_ptr<client::Client> client_;
  std::unique_ptr<k8s::ClusterRecords> records_;
  std::unique_ptr<k8s::ClusterWatch> watch_;
  std::array<std::atomic<uint64_t>, 24> answers_{};  // by rcode
};

}  // namespace netkube::dns
