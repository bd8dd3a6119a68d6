#include "proxy/proxier.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <thread>

#include "client/client.h"
#include "client/informer.h"
#include <netinet/in.h>

#include "netlink/conntrack.h"
#include "nft/applier.h"
#include "proxy/arp_responder.h"
#include "proxy/conntrack_cleanup.h"
#include "proxy/convert.h"
#include "proxy/l2_election.h"
#include "proxy/tracker.h"
#include "util/histogram.h"
#include "util/log.h"

namespace netkube::proxy {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

constexpr char kExcludeFromLB[] = "node.kubernetes.io/exclude-from-external-load-balancers";

bool NodeReady(const client::Json& node) {
  for (const auto& c : node["status"].value("conditions", client::Json::array())) {
    if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
  }
  return false;
}

// What of a Node matters to the election: Ready, and the exclusion label.
std::pair<bool, bool> NodeElectionState(const client::Json& node) {
  const auto& labels = node["metadata"].value("labels", client::Json::object());
  return {NodeReady(node), labels.contains(kExcludeFromLB)};
}

NamespacedName MetaName(const client::Json& obj) {
  return {obj["metadata"].value("namespace", ""), obj["metadata"].value("name", "")};
}

bool IsDatagram(Protocol p) { return p == Protocol::kUDP || p == Protocol::kSCTP; }

}  // namespace

struct Proxier::Impl {
  Impl(client::Client& c, ProxierOptions o, std::unique_ptr<nft::Executor> e)
      : client(c),
        options(std::move(o)),
        tracker(NodeInfo{options.node_name, options.node_ips}, CompileOptions{IPFamily::kIPv4, options.masquerade}),
        renderer(options.render),
        applier(std::move(e)) {}

  client::Client& client;
  const ProxierOptions options;

  // Guarded by mu: the tracker (fed by the informers' threads), the time the
  // oldest change not yet live was seen, the wake-up flag.
  mutable std::mutex mu;
  std::condition_variable cv;
  ChangeTracker tracker;
  std::optional<Clock::time_point> oldest_pending;
  bool dirty = false;
  bool nodes_changed = false;  // a Node's readiness or LB exclusion changed
  bool stop = false;
  bool first_sync_done = false;

  // Owned by the sync thread.
  ProxyTableRenderer renderer;
  nft::Applier applier;
  Clock::time_point last_heal;
  bool failed = false;  // the last sync failed: retry soon, in full

  // Metrics, guarded by metrics_mu.
  mutable std::mutex metrics_mu;
  Histogram sync_duration, programming_duration;
  bool healthy = false;
  uint64_t conntrack_deleted = 0;
  std::set<std::string> announced;
  uint64_t syncs_delta = 0, syncs_full = 0, syncs_noop = 0, sync_errors = 0, heals = 0;
  size_t rules = 0, service_ports = 0;
  std::map<int32_t, HealthCheck> health_checks;

  std::unique_ptr<client::Informer> services, slices, nodes;
  ArpResponder arp;
  bool arp_started = false;
  std::thread sync_thread;

  void Poke() {
    if (!oldest_pending) oldest_pending = Clock::now();
    dirty = true;
    cv.notify_all();
  }

  template <typename Fn>
  void Locked(Fn fn) {
    std::lock_guard<std::mutex> lock(mu);
    fn();
    Poke();
  }

  void OnService(const client::ObjectPtr& obj, bool deleted) {
    if (deleted) {
      Locked([&] { tracker.DeleteService(MetaName(*obj)); });
      return;
    }
    auto svc = ServiceFromJson(*obj);
    if (!svc.ok()) {
      LOG_WARN << "proxy: ignoring a Service: " << svc.status().message();
      return;
    }
    Locked([&] { tracker.UpsertService(std::move(*svc)); });
  }

  void OnSlice(const client::ObjectPtr& obj, bool deleted) {
    const NamespacedName name = MetaName(*obj);
    if (deleted) {
      Locked([&] { tracker.DeleteEndpointSlice(name); });
      return;
    }
    auto slice = EndpointSliceFromJson(*obj);
    if (!slice.ok()) {
      LOG_WARN << "proxy: ignoring EndpointSlice " << name.String() << ": " << slice.status().message();
      return;
    }
    Locked([&] { tracker.UpsertEndpointSlice(std::move(*slice)); });
  }

  client::EventHandler Handler(void (Impl::*fn)(const client::ObjectPtr&, bool)) {
    return {
        .on_add = [this, fn](const client::ObjectPtr& o) { (this->*fn)(o, false); },
        .on_update =
            [this, fn](const client::ObjectPtr& old_obj, const client::ObjectPtr& o) {
              if (old_obj != o) (this->*fn)(o, false);
            },
        .on_delete = [this, fn](const client::ObjectPtr& o) { (this->*fn)(o, true); },
    };
  }

  // One pass of the loop: the touched services into the table, the table
  // into the kernel (delta, or a full replace on a heal or after an error).
  void Sync(bool heal) {
    const Clock::time_point start = Clock::now();
    ChangeSet changes;
    std::optional<Clock::time_point> seen;
    Status st;
    size_t ports = 0;
    bool announce = false;
    {
      std::lock_guard<std::mutex> lock(mu);
      changes = tracker.TakeChanges();
      seen = oldest_pending;
      oldest_pending.reset();
      dirty = false;
      ports = tracker.entries().size();
      announce = heal || nodes_changed || AffectsAnnouncements(changes);
      nodes_changed = false;
      st = renderer.Update(tracker.entries(), options.node_ips, options.masquerade, changes.changed,
                           changes.full || failed);
    }
    if (st.ok()) {
      // Only the touched chains and maps are diffed and sent: the cost of a
      // sync follows the change, not the size of the table.
      ProxyTableRenderer::Touched touched = renderer.TakeTouched();
      if (heal || failed) {
        st = applier.Heal(renderer.table());
      } else if (touched.all) {
        st = applier.Apply(renderer.table());
      } else {
        st = applier.ApplyChanged(renderer.table(),
                                  {{touched.chains.begin(), touched.chains.end()}, {touched.sets.begin(), touched.sets.end()}});
      }
    }
    const Clock::time_point end = Clock::now();
    const nft::Applier::Result& r = applier.last_result();
    {
      std::lock_guard<std::mutex> lock(metrics_mu);
      healthy = st.ok();
      if (!st.ok()) {
        ++sync_errors;
      } else {
        sync_duration.Observe(Seconds(end - start));
        if (seen) programming_duration.Observe(Seconds(end - *seen));
        (r.noop ? syncs_noop : r.full ? syncs_full : syncs_delta)++;
        if (r.reason.rfind("healed", 0) == 0) ++heals;
        rules = renderer.RuleCount();
        service_ports = ports;
      }
    }
    if (!st.ok()) {
      LOG_WARN << "proxy: sync failed (retrying with a full sync): " << st.message();
      failed = true;
      std::lock_guard<std::mutex> lock(mu);
      if (seen && !oldest_pending) oldest_pending = seen;
      return;
    }
    if (failed || r.full) {
      LOG_INFO << "proxy: " << (r.full ? "full sync" : "sync") << " of " << ports << " service ports, "
               << r.changes << " changes" << (r.reason.empty() ? "" : " (" + r.reason + ")");
    }
    failed = false;
    for (const std::string& s : renderer.skipped()) LOG_WARN << "proxy: no rules for " << s;
    PublishHealthChecks();
    bool datagram_changed = false;
    for (const ServicePortName& n : changes.changed) datagram_changed |= IsDatagram(n.protocol);
    if (options.clear_conntrack && (datagram_changed || heal)) ClearStaleConntrack();
    if (announce) Announce();
  }

  // Whether a sync with these changes may move an L2 announcement: a changed
  // entry that is gone or has LoadBalancer IPs, or any change while this node
  // announces something. The election itself re-lists Services and Nodes, so
  // it runs only then. REQUIRES: mu held.
  bool AffectsAnnouncements(const ChangeSet& changes) {
    if (!arp_started || changes.empty()) return false;
    if (changes.full) return true;
    {
      std::lock_guard<std::mutex> lock(metrics_mu);
      if (!announced.empty()) return true;
    }
    for (const ServicePortName& n : changes.changed) {
      auto it = tracker.entries().find(n);
      if (it == tracker.entries().end() || !it->second.load_balancer_ips.empty()) return true;
    }
    return false;
  }

  // Deletes the UDP/SCTP conntrack entries whose service no longer sends
  // traffic to the endpoint they point at (kube-proxy's conntrack cleanup).
  void ClearStaleConntrack() {
    ProxyPlan plan;
    plan.node_port_ips = options.node_ips;
    {
      std::lock_guard<std::mutex> lock(mu);
      for (const auto& [name, e] : tracker.entries()) {
        if (IsDatagram(name.protocol)) plan.ports.push_back(e);
      }
    }
    if (plan.ports.empty()) return;
    int deleted = 0;
    for (uint8_t proto : {uint8_t{IPPROTO_UDP}, uint8_t{IPPROTO_SCTP}}) {
      auto entries = netlink::ListConntrack(proto);
      if (!entries.ok()) {
        LOG_WARN << "proxy: conntrack: " << entries.status().message();
        return;
      }
      auto stale = StaleConntrackEntries(plan, *entries);
      if (stale.empty()) continue;
      auto n = netlink::DeleteConntrack(stale);
      if (!n.ok()) {
        LOG_WARN << "proxy: conntrack: " << n.status().message();
        continue;
      }
      deleted += *n;
    }
    if (deleted > 0) {
      LOG_INFO << "proxy: deleted " << deleted << " stale conntrack entries";
      std::lock_guard<std::mutex> lock(metrics_mu);
      conntrack_deleted += deleted;
    }
  }

  // Answers ARP for the LoadBalancer IPs this node wins.
  void Announce() {
    if (!arp_started) return;
    std::set<std::string> ready, excluded;
    for (const client::ObjectPtr& n : nodes->List("")) {
      auto [is_ready, is_excluded] = NodeElectionState(*n);
      if (!is_ready) continue;
      const std::string name = (*n)["metadata"].value("name", "");
      (is_excluded ? excluded : ready).insert(name);
    }
    if (ready.empty()) ready = excluded;  // a one-node cluster still answers
    std::vector<Service> lbs;
    std::set<NamespacedName> local_policy;
    for (const client::ObjectPtr& o : services->List("")) {
      if ((*o)["spec"].value("type", "") != "LoadBalancer") continue;
      auto svc = ServiceFromJson(*o);
      if (!svc.ok()) continue;
      if (svc->external_traffic_policy == TrafficPolicy::kLocal) local_policy.insert(svc->name);
      lbs.push_back(std::move(*svc));
    }
    std::vector<EndpointSlice> eps;
    if (!local_policy.empty()) {
      for (const client::ObjectPtr& o : slices->List("")) {
        auto slice = EndpointSliceFromJson(*o);
        if (slice.ok() && local_policy.count(slice->ServiceKey())) eps.push_back(std::move(*slice));
      }
    }
    std::set<std::string> mine = AnnouncedLoadBalancerIPs(lbs, eps, ready, options.node_name);
    {
      std::lock_guard<std::mutex> lock(metrics_mu);
      if (mine == announced) return;
      announced = mine;
    }
    if (Status st = arp.SetAddresses(mine); !st.ok()) LOG_WARN << "proxy: ARP announcements: " << st.message();
    std::string list;
    for (const std::string& ip : mine) list += (list.empty() ? "" : ", ") + ip;
    LOG_INFO << "proxy: answering ARP on " << options.announce_interface << " for [" << list << "]";
  }

  void PublishHealthChecks() {
    std::map<int32_t, HealthCheck> hc;
    {
      std::lock_guard<std::mutex> lock(mu);
      for (const auto& [name, e] : tracker.entries()) {
        if (e.health_check_node_port <= 0) continue;
        int local = 0;
        for (const Endpoint& ep : e.local_endpoints) local += ep.ready ? 1 : 0;
        HealthCheck& h = hc[e.health_check_node_port];
        h.service = name.service;
        h.local_endpoints = std::max(h.local_endpoints, local);
      }
    }
    bool changed;
    {
      std::lock_guard<std::mutex> lock(metrics_mu);
      changed = hc != health_checks;
      health_checks = hc;
    }
    if (changed && options.on_health_checks) options.on_health_checks(hc);
  }

  void Loop() {
    if (nodes) nodes->WaitForSync(std::chrono::seconds(30));
    if (services) services->WaitForSync(std::chrono::seconds(30));
    if (slices) slices->WaitForSync(std::chrono::seconds(30));
    last_heal = Clock::now();
    Sync(/*heal=*/true);
    {
      std::lock_guard<std::mutex> lock(mu);
      first_sync_done = true;
    }
    cv.notify_all();
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mu);
        auto deadline = last_heal + options.sync_period;
        if (failed) deadline = std::min(deadline, Clock::now() + std::chrono::seconds(1));
        cv.wait_until(lock, deadline, [this] { return stop || dirty; });
        if (stop) return;
      }
      const bool heal = failed || Clock::now() >= last_heal + options.sync_period;
      if (heal) last_heal = Clock::now();
      Sync(heal);
    }
  }
};

Proxier::Proxier(client::Client& client, ProxierOptions options, std::unique_ptr<nft::Executor> executor)
    : impl_(std::make_unique<Impl>(client, std::move(options), std::move(executor))) {}

Proxier::~Proxier() { Stop(); }

Status Proxier::Start() {
  Impl& p = *impl_;
  if (p.options.node_name.empty()) return Status::BadRequest("proxy: the node name is required");
  if (p.options.node_ips.empty()) return Status::BadRequest("proxy: the node's IPs are required");
  p.services = std::make_unique<client::Informer>(p.client, client::KindOf("", "Service"));
  p.services->AddHandler(p.Handler(&Impl::OnService));
  client::InformerOptions so;
  // Slices of headless services never get rules; skip them as kube-proxy does.
  so.label_selector = "!service.kubernetes.io/headless";
  p.slices = std::make_unique<client::Informer>(p.client, client::KindOf("discovery.k8s.io", "EndpointSlice"), so);
  p.slices->AddHandler(p.Handler(&Impl::OnSlice));
  if (!p.options.announce_interface.empty()) {
    if (Status st = p.arp.Start(p.options.announce_interface); !st.ok()) {
      return Status(st.reason(), "answering ARP for LoadBalancer IPs: " + st.message());
    }
    p.arp_started = true;
    p.nodes = std::make_unique<client::Informer>(p.client, client::KindOf("", "Node"));
    p.nodes->AddHandler({
        .on_add = [&p](const client::ObjectPtr&) { p.Locked([&p] { p.nodes_changed = true; }); },
        .on_update =
            [&p](const client::ObjectPtr& a, const client::ObjectPtr& b) {
              if (NodeElectionState(*a) != NodeElectionState(*b)) p.Locked([&p] { p.nodes_changed = true; });
            },
        .on_delete = [&p](const client::ObjectPtr&) { p.Locked([&p] { p.nodes_changed = true; }); },
    });
    p.nodes->Start();
  }
  p.services->Start();
  p.slices->Start();
  p.sync_thread = std::thread([&p] { p.Loop(); });
  std::unique_lock<std::mutex> lock(p.mu);
  p.cv.wait_for(lock, std::chrono::seconds(35), [&p] { return p.first_sync_done || p.stop; });
  return Status::OK();
}

void Proxier::Stop() {
  Impl& p = *impl_;
  {
    std::lock_guard<std::mutex> lock(p.mu);
    if (p.stop) return;
    p.stop = true;
  }
  p.cv.notify_all();
  if (p.services) p.services->Stop();
  if (p.slices) p.slices->Stop();
  if (p.nodes) p.nodes->Stop();
  if (p.sync_thread.joinable()) p.sync_thread.join();
  p.arp.Stop();
}

std::set<std::string> Proxier::AnnouncedIPs() const {
  std::lock_guard<std::mutex> lock(impl_->metrics_mu);
  return impl_->announced;
}

bool Proxier::Healthy() const {
  std::lock_guard<std::mutex> lock(impl_->metrics_mu);
  return impl_->healthy;
}

std::map<int32_t, HealthCheck> Proxier::HealthChecks() const {
  std::lock_guard<std::mutex> lock(impl_->metrics_mu);
  return impl_->health_checks;
}

std::string Proxier::Metrics() const {
  const Impl& p = *impl_;
  std::lock_guard<std::mutex> lock(p.metrics_mu);
  std::ostringstream o;
  o << "# HELP netkube_proxy_sync_duration_seconds Time to compile and apply one sync of the service rules.\n"
    << "# TYPE netkube_proxy_sync_duration_seconds histogram\n";
  p.sync_duration.Render(o, "netkube_proxy_sync_duration_seconds", "");
  o << "# HELP netkube_proxy_network_programming_duration_seconds Time from a Service or EndpointSlice change "
       "seen by the proxy to its rules being live.\n"
    << "# TYPE netkube_proxy_network_programming_duration_seconds histogram\n";
  p.programming_duration.Render(o, "netkube_proxy_network_programming_duration_seconds", "");
  o << "# HELP netkube_proxy_rules Rules and map elements in the node's service table.\n"
    << "# TYPE netkube_proxy_rules gauge\n"
    << "netkube_proxy_rules " << p.rules << "\n"
    << "# HELP netkube_proxy_services Service ports the proxy programs.\n"
    << "# TYPE netkube_proxy_services gauge\n"
    << "netkube_proxy_services " << p.service_ports << "\n"
    << "# HELP netkube_proxy_syncs_total Syncs by what was sent to the kernel.\n"
    << "# TYPE netkube_proxy_syncs_total counter\n"
    << "netkube_proxy_syncs_total{mode=\"delta\"} " << p.syncs_delta << "\n"
    << "netkube_proxy_syncs_total{mode=\"full\"} " << p.syncs_full << "\n"
    << "netkube_proxy_syncs_total{mode=\"noop\"} " << p.syncs_noop << "\n"
    << "# HELP netkube_proxy_sync_errors_total Syncs the kernel refused (retried in full).\n"
    << "# TYPE netkube_proxy_sync_errors_total counter\n"
    << "netkube_proxy_sync_errors_total " << p.sync_errors << "\n"
    << "# HELP netkube_proxy_heals_total Resyncs that found the table changed behind the proxy's back and "
       "replaced it.\n"
    << "# TYPE netkube_proxy_heals_total counter\n"
    << "netkube_proxy_heals_total " << p.heals << "\n"
    << "# HELP netkube_proxy_conntrack_deleted_total Conntrack entries deleted because their endpoint went away.\n"
    << "# TYPE netkube_proxy_conntrack_deleted_total counter\n"
    << "netkube_proxy_conntrack_deleted_total " << p.conntrack_deleted << "\n"
    << "# HELP netkube_proxy_announced_ips LoadBalancer IPs this node answers ARP for.\n"
    << "# TYPE netkube_proxy_announced_ips gauge\n"
    << "netkube_proxy_announced_ips " << p.announced.size() << "\n";
  return o.str();
}

}  // namespace netkube::proxy
