#include "dns/k8s_records.h"

#include "dns/k8s_records_store.h"

#include <arpa/inet.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>
#include <unordered_set>

namespace netkube::dns::k8s {

using namespace records_internal;  // the storage shared with k8s_records_lookup.cc

// ---------------------------------------------------------------------------
// Values.

std::optional<IpAddr> IpAddr::Parse(std::string_view text) {
  char buf[64];
  if (text.empty() || text.size() >= sizeof(buf)) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = 0;
  IpAddr ip;
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, buf, ip.bytes.data()) != 1) return std::nullopt;
    ip.len = 4;
  } else {
    if (inet_pton(AF_INET6, buf, ip.bytes.data()) != 1) return std::nullopt;
    ip.len = 16;
  }
  return ip;
}

IpAddr IpAddr::V4(std::array<uint8_t, 4> b) {
  IpAddr ip;
  ip.len = 4;
  std::copy(b.begin(), b.end(), ip.bytes.begin());
  return ip;
}

std::string IpAddr::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  return std::string(IpChars(*this, buf));
}

size_t IpAddrHash::operator()(const IpAddr& ip) const {
  // FNV-1a over the address bytes.
  uint64_t h = 1469598103934665603ull ^ ip.len;
  for (int i = 0; i < ip.len; ++i) h = (h ^ ip.bytes[i]) * 1099511628211ull;
  return static_cast<size_t>(h);
}

std::string_view ProtocolLabel(Protocol p) {
  switch (p) {
    case Protocol::kUDP:
      return "udp";
    case Protocol::kSCTP:
      return "sctp";
    default:
      return "tcp";
  }
}

// ---------------------------------------------------------------------------
// The model's storage (k8s_records_store.h).

ClusterRecords::ClusterRecords(RecordsOptions options) : options_(std::move(options)) {
  serial_ = static_cast<uint32_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

ClusterRecords::~ClusterRecords() = default;

void ClusterRecords::Touch() {
  serial_.store(static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count()),
                std::memory_order_relaxed);
}

bool ClusterRecords::Served(std::string_view ns) const {
  if (options_.namespaces.empty()) return true;
  for (const std::string& n : options_.namespaces)
    if (EqualFold(n, ns)) return true;
  return false;
}

ClusterRecords::Namespace& ClusterRecords::NamespaceFor(const std::string& ns) {
  auto it = namespaces_.find(ns);
  if (it == namespaces_.end()) it = namespaces_.emplace(ns, std::make_unique<Namespace>()).first;
  return *it->second;
}

void ClusterRecords::MaybeDropNamespace(std::string_view ns) {
  auto it = namespaces_.find(ns);
  if (it == namespaces_.end()) return;
  const Namespace& n = *it->second;
  if (!n.exists && n.names.empty() && n.pods.empty() && n.slice_owner.empty()) namespaces_.erase(it);
}

void ClusterRecords::AddReverse(const IpAddr& ip, const std::string* ns, const std::string* svc, bool cluster_ip) {
  reverse_[ip].push_back(ReverseRef{ns, svc, cluster_ip});
}

void ClusterRecords::RemoveReverse(const IpAddr& ip, const std::string* ns, const std::string* svc,
                                   bool cluster_ip) {
  auto it = reverse_.find(ip);
  if (it == reverse_.end()) return;
  auto& refs = it->second;
  for (auto r = refs.begin(); r != refs.end(); ++r) {
    if (r->ns == ns && r->svc == svc && r->cluster_ip == cluster_ip) {
      refs.erase(r);
      break;
    }
  }
  if (refs.empty()) reverse_.erase(it);
}

// ---------------------------------------------------------------------------
// Mutations.

bool ClusterRecords::UpsertService(ServiceInfo svc) {
  svc.ns = Lower(svc.ns);
  svc.name = Lower(svc.name);
  if (!Served(svc.ns) || svc.name.empty()) return false;
  std::unique_lock lock(mu_);
  auto nit = namespaces_.find(svc.ns);
  if (nit == namespaces_.end()) nit = namespaces_.emplace(svc.ns, std::make_unique<Namespace>()).first;
  Namespace& ns = *nit->second;
  auto eit = ns.names.find(svc.name);
  if (eit == ns.names.end()) eit = ns.names.emplace(svc.name, NameEntry{}).first;
  NameEntry& e = eit->second;
  if (e.service && *e.service == svc) return false;
  const std::string* nsp = &nit->first;
  const std::string* svcp = &eit->first;
  if (e.service)
    for (const IpAddr& ip : e.service->cluster_ips) RemoveReverse(ip, nsp, svcp, true);
  e.service = std::make_unique<ServiceInfo>(std::move(svc));
  if (e.service->type == ServiceInfo::Type::kClusterIP)
    for (const IpAddr& ip : e.service->cluster_ips) AddReverse(ip, nsp, svcp, true);
  Touch();
  return true;
}

bool ClusterRecords::DeleteService(std::string_view ns_name, std::string_view name) {
  std::string nsl = Lower(ns_name), nl = Lower(name);
  std::unique_lock lock(mu_);
  auto nit = namespaces_.find(nsl);
  if (nit == namespaces_.end()) return false;
  Namespace& ns = *nit->second;
  auto eit = ns.names.find(nl);
  if (eit == ns.names.end() || !eit->second.service) return false;
  for (const IpAddr& ip : eit->second.service->cluster_ips) RemoveReverse(ip, &nit->first, &eit->first, true);
  eit->second.service.reset();
  if (eit->second.slices.empty()) ns.names.erase(eit);
  MaybeDropNamespace(nsl);
  Touch();
  return true;
}

namespace {

bool SameSlice(const SliceData& a, const EndpointSliceInfo& b) {
  return a.ports == b.ports && a.endpoints == b.endpoints;
}

}  // namespace

bool ClusterRecords::UpsertSlice(EndpointSliceInfo slice) {
  slice.ns = Lower(slice.ns);
  slice.service = Lower(slice.service);
  if (!Served(slice.ns)) return false;
  if (slice.service.empty()) return DeleteSlice(slice.ns, slice.name);
  if (!options_.endpoint_pod_names)
    for (EndpointInfo& ep : slice.endpoints) std::string().swap(ep.pod_name);
  for (EndpointInfo& ep : slice.endpoints) ep.hostname = Lower(ep.hostname);
  std::unique_lock lock(mu_);
  auto nit = namespaces_.find(slice.ns);
  if (nit == namespaces_.end()) nit = namespaces_.emplace(slice.ns, std::make_unique<Namespace>()).first;
  Namespace& ns = *nit->second;
  const std::string* nsp = &nit->first;

  // A slice that moved to another service name leaves the old one first.
  auto oit = ns.slice_owner.find(slice.name);
  if (oit != ns.slice_owner.end() && oit->second != slice.service) {
    auto old = ns.names.find(oit->second);
    if (old != ns.names.end()) {
      auto& v = old->second.slices;
      for (auto s = v.begin(); s != v.end(); ++s) {
        if (s->name != slice.name) continue;
        for (const EndpointInfo& ep : s->endpoints) RemoveReverse(ep.ip, nsp, &old->first, false);
        v.erase(s);
        break;
      }
      if (v.empty() && !old->second.service) ns.names.erase(old);
    }
  }
  ns.slice_owner[slice.name] = slice.service;

  auto eit = ns.names.find(slice.service);
  if (eit == ns.names.end()) eit = ns.names.emplace(slice.service, NameEntry{}).first;
  const std::string* svcp = &eit->first;
  auto& slices = eit->second.slices;
  auto pos = std::lower_bound(slices.begin(), slices.end(), slice.name,
                              [](const SliceData& s, const std::string& n) { return s.name < n; });
  if (pos != slices.end() && pos->name == slice.name) {
    if (SameSlice(*pos, slice)) return false;
    for (const EndpointInfo& ep : pos->endpoints) RemoveReverse(ep.ip, nsp, svcp, false);
    pos->ports = std::move(slice.ports);
    pos->endpoints = std::move(slice.endpoints);
  } else {
    pos = slices.insert(pos, SliceData{std::move(slice.name), std::move(slice.ports), std::move(slice.endpoints)});
  }
  pos->ports.shrink_to_fit();
  pos->endpoints.shrink_to_fit();
  for (const EndpointInfo& ep : pos->endpoints) AddReverse(ep.ip, nsp, svcp, false);
  Touch();
  return true;
}

bool ClusterRecords::DeleteSlice(std::string_view ns_name, std::string_view name) {
  std::string nsl = Lower(ns_name);
  std::unique_lock lock(mu_);
  auto nit = namespaces_.find(nsl);
  if (nit == namespaces_.end()) return false;
  Namespace& ns = *nit->second;
  auto oit = ns.slice_owner.find(name);
  if (oit == ns.slice_owner.end()) return false;
  bool changed = false;
  auto eit = ns.names.find(oit->second);
  if (eit != ns.names.end()) {
    auto& v = eit->second.slices;
    for (auto s = v.begin(); s != v.end(); ++s) {
      if (s->name != name) continue;
      for (const EndpointInfo& ep : s->endpoints) RemoveReverse(ep.ip, &nit->first, &eit->first, false);
      v.erase(s);
      changed = true;
      break;
    }
    if (v.empty() && !eit->second.service) ns.names.erase(eit);
  }
  ns.slice_owner.erase(oit);
  MaybeDropNamespace(nsl);
  if (changed) Touch();
  return changed;
}

bool ClusterRecords::UpsertNamespace(std::string_view name) {
  std::string n = Lower(name);
  if (!Served(n) || n.empty()) return false;
  std::unique_lock lock(mu_);
  Namespace& ns = NamespaceFor(n);
  if (ns.exists) return false;
  ns.exists = true;
  ++namespace_count_;
  Touch();
  return true;
}

bool ClusterRecords::DeleteNamespace(std::string_view name) {
  std::string n = Lower(name);
  std::unique_lock lock(mu_);
  auto it = namespaces_.find(n);
  if (it == namespaces_.end() || !it->second->exists) return false;
  it->second->exists = false;
  --namespace_count_;
  MaybeDropNamespace(n);
  Touch();
  return true;
}

bool ClusterRecords::UpsertPod(PodInfo pod) {
  pod.ns = Lower(pod.ns);
  if (!Served(pod.ns)) return false;
  if (pod.ips.empty()) return DeletePod(pod.ns, pod.name);
  std::unique_lock lock(mu_);
  Namespace& ns = NamespaceFor(pod.ns);
  auto it = ns.pods.find(pod.name);
  if (it != ns.pods.end()) {
    if (it->second == pod.ips) return false;
    for (const IpAddr& ip : it->second)
      if (auto c = ns.pod_ips.find(ip); c != ns.pod_ips.end() && --c->second == 0) ns.pod_ips.erase(c);
    it->second = std::move(pod.ips);
  } else {
    it = ns.pods.emplace(std::move(pod.name), std::move(pod.ips)).first;
  }
  for (const IpAddr& ip : it->second) ++ns.pod_ips[ip];
  Touch();
  return true;
}

bool ClusterRecords::DeletePod(std::string_view ns_name, std::string_view name) {
  std::string nsl = Lower(ns_name);
  std::unique_lock lock(mu_);
  auto nit = namespaces_.find(nsl);
  if (nit == namespaces_.end()) return false;
  Namespace& ns = *nit->second;
  auto it = ns.pods.find(name);
  if (it == ns.pods.end()) return false;
  for (const IpAddr& ip : it->second)
    if (auto c = ns.pod_ips.find(ip); c != ns.pod_ips.end() && --c->second == 0) ns.pod_ips.erase(c);
  ns.pods.erase(it);
  MaybeDropNamespace(nsl);
  Touch();
  return true;
}

namespace {

std::string Key(std::string_view ns, std::string_view name) {
  std::string k = Lower(ns);
  k += '/';
  k += name;
  return k;
}

}  // namespace

bool ClusterRecords::ReplaceServices(std::vector<ServiceInfo> all) {
  std::unordered_set<std::string> keep;
  for (const ServiceInfo& s : all) keep.insert(Key(s.ns, Lower(s.name)));
  std::vector<std::pair<std::string, std::string>> gone;
  {
    std::shared_lock lock(mu_);
    for (const auto& [nsn, ns] : namespaces_)
      for (const auto& [name, e] : ns->names)
        if (e.service && !keep.count(Key(nsn, name))) gone.emplace_back(nsn, name);
  }
  bool changed = false;
  for (const auto& [ns, name] : gone) changed |= DeleteService(ns, name);
  for (ServiceInfo& s : all) changed |= UpsertService(std::move(s));
  return changed;
}

bool ClusterRecords::ReplaceSlices(std::vector<EndpointSliceInfo> all) {
  std::unordered_set<std::string> keep;
  for (const EndpointSliceInfo& s : all) keep.insert(Key(s.ns, s.name));
  std::vector<std::pair<std::string, std::string>> gone;
  {
    std::shared_lock lock(mu_);
    for (const auto& [nsn, ns] : namespaces_)
      for (const auto& [slice, owner] : ns->slice_owner)
        if (!keep.count(Key(nsn, slice))) gone.emplace_back(nsn, slice);
  }
  bool changed = false;
  for (const auto& [ns, name] : gone) changed |= DeleteSlice(ns, name);
  for (EndpointSliceInfo& s : all) changed |= UpsertSlice(std::move(s));
  return changed;
}

bool ClusterRecords::ReplaceNamespaces(const std::vector<std::string>& all) {
  std::unordered_set<std::string> keep;
  for (const std::string& n : all) keep.insert(Lower(n));
  std::vector<std::string> gone;
  {
    std::shared_lock lock(mu_);
    for (const auto& [nsn, ns] : namespaces_)
      if (ns->exists && !keep.count(nsn)) gone.push_back(nsn);
  }
  bool changed = false;
  for (const std::string& n : gone) changed |= DeleteNamespace(n);
  for (const std::string& n : all) changed |= UpsertNamespace(n);
  return changed;
}

bool ClusterRecords::ReplacePods(std::vector<PodInfo> all) {
  std::unordered_set<std::string> keep;
  for (const PodInfo& p : all) keep.insert(Key(p.ns, p.name));
  std::vector<std::pair<std::string, std::string>> gone;
  {
    std::shared_lock lock(mu_);
    for (const auto& [nsn, ns] : namespaces_)
      for (const auto& [pod, ips] : ns->pods)
        if (!keep.count(Key(nsn, pod))) gone.emplace_back(nsn, pod);
  }
  bool changed = false;
  for (const auto& [ns, name] : gone) changed |= DeletePod(ns, name);
  for (PodInfo& p : all) changed |= UpsertPod(std::move(p));
  return changed;
}

// ---------------------------------------------------------------------------
// Statistics.

ClusterRecords::Counts ClusterRecords::counts() const {
  std::shared_lock lock(mu_);
  Counts c;
  c.namespaces = namespace_count_;
  for (const auto& [nsn, ns] : namespaces_) {
    c.pods += ns->pods.size();
    for (const auto& [name, e] : ns->names) {
      if (e.service) ++c.services;
      c.slices += e.slices.size();
      for (const SliceData& s : e.slices) c.endpoints += s.endpoints.size();
    }
  }
  return c;
}

namespace {

size_t StrHeap(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }

template <class M>
size_t MapOverhead(const M& m) {
  // A node holds the value, the next pointer and (for std::string keys) the
  // cached hash; buckets are one pointer each.
  return m.size() * (sizeof(typename M::value_type) + 2 * sizeof(void*)) + m.bucket_count() * sizeof(void*);
}

}  // namespace

size_t ClusterRecords::MemoryBytes() const {
  std::shared_lock lock(mu_);
  size_t b = MapOverhead(namespaces_) + MapOverhead(reverse_);
  for (const auto& [ip, refs] : reverse_) b += refs.capacity() * sizeof(ReverseRef);
  for (const auto& [nsn, ns] : namespaces_) {
    b += StrHeap(nsn) + sizeof(Namespace);
    b += MapOverhead(ns->names) + MapOverhead(ns->slice_owner) + MapOverhead(ns->pods) + MapOverhead(ns->pod_ips);
    for (const auto& [k, v] : ns->slice_owner) b += StrHeap(k) + StrHeap(v);
    for (const auto& [k, v] : ns->pods) b += StrHeap(k) + v.capacity() * sizeof(IpAddr);
    for (const auto& [name, e] : ns->names) {
      b += StrHeap(name) + e.slices.capacity() * sizeof(SliceData);
      if (e.service) {
        const ServiceInfo& s = *e.service;
        b += sizeof(ServiceInfo) + StrHeap(s.ns) + StrHeap(s.name) + StrHeap(s.external_name) +
             s.cluster_ips.capacity() * sizeof(IpAddr) + s.ports.capacity() * sizeof(PortInfo);
        for (const PortInfo& p : s.ports) b += StrHeap(p.name);
      }
      for (const SliceData& s : e.slices) {
        b += StrHeap(s.name) + s.ports.capacity() * sizeof(PortInfo) + s.endpoints.capacity() * sizeof(EndpointInfo);
        for (const PortInfo& p : s.ports) b += StrHeap(p.name);
        for (const EndpointInfo& ep : s.endpoints) b += StrHeap(ep.hostname) + StrHeap(ep.pod_name);
      }
    }
  }
  return b;
}

}  // namespace netkube::dns::k8s
