// Service port → endpoints (backends.h).
#include "ingress/backends.h"

#include <algorithm>
#include <random>
#include <set>
#include <utility>

namespace netkube::ingress {

namespace {

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

bool IsTcp(std::string_view protocol) { return protocol.empty() || protocol == "TCP"; }

}  // namespace

BackendResolver::BackendResolver(const Snapshot& snapshot, uint64_t seed) : snapshot_(snapshot) {
  if (seed == 0) {
    std::random_device rd;
    seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }
  rng_ = seed;
  for (const auto& [key, slice] : snapshot.slices) {
    if (slice.service.empty()) continue;
    slices_[slice.ns + "/" + slice.service].push_back(&slice);
  }
}

uint64_t BackendResolver::NextCursor() {
  // Kept well below 2^64 so next++ never wraps in a table's lifetime.
  return SplitMix64(rng_) >> 16;
}

std::shared_ptr<Backend> BackendResolver::Get(const std::string& ns, const BackendRef& ref,
                                              bool https) {
  std::string port = ref.port_name.empty() ? std::to_string(ref.port_number) : ref.port_name;
  auto key = std::make_tuple(ns, ref.service, port, https);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  auto b = std::make_shared<Backend>();
  b->ns = ns;
  b->service = ref.service;
  b->port = port;
  b->https = https;
  b->next.store(NextCursor(), std::memory_order_relaxed);
  Resolve(*b, ref);
  cache_.emplace(std::move(key), b);
  return b;
}

std::shared_ptr<Backend> BackendResolver::GetFirstPort(std::string_view ns_name) {
  size_t slash = ns_name.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == ns_name.size()) {
    auto b = std::make_shared<Backend>();
    b->service = std::string(ns_name);
    b->error = "invalid --default-backend-service " + Quoted(ns_name) + ", want namespace/name";
    return b;
  }
  std::string ns(ns_name.substr(0, slash));
  BackendRef ref;
  ref.service = std::string(ns_name.substr(slash + 1));
  auto svc = snapshot_.services.find(std::string(ns_name));
  if (svc != snapshot_.services.end() && !svc->second.ports.empty()) {
    const ServicePortInfo& p = svc->second.ports.front();
    if (p.name.empty()) {
      ref.port_number = p.port;
    } else {
      ref.port_name = p.name;
    }
  }
  return Get(ns, ref, /*https=*/false);
}

void BackendResolver::Resolve(Backend& b, const BackendRef& ref) const {
  if (ref.service.empty()) {
    b.error = "resource backends are not supported";
    return;
  }
  std::string key = b.ns + "/" + b.service;
  auto svc_it = snapshot_.services.find(key);
  if (svc_it == snapshot_.services.end()) {
    b.error = "service " + Quoted(key) + " not found";
    return;
  }
  const ServiceInfo& svc = svc_it->second;
  if (svc.type == "ExternalName") {
    b.error = "ExternalName services are not supported";
    return;
  }
  const ServicePortInfo* sp = nullptr;
  for (const ServicePortInfo& p : svc.ports) {
    if (ref.port_name.empty() ? p.port == ref.port_number : p.name == ref.port_name) {
      sp = &p;
      break;
    }
  }
  if (sp == nullptr) {
    b.error = "service " + Quoted(key) + " has no port " +
              (ref.port_name.empty() ? std::to_string(ref.port_number) : Quoted(ref.port_name));
    return;
  }
  if (!IsTcp(sp->protocol)) {
    b.error = "service " + Quoted(key) + " port " + std::to_string(sp->port) + " is " + sp->protocol +
              ", only TCP is proxied";
    return;
  }

  std::vector<Endpoint> ready, terminating;
  std::set<std::pair<std::string, uint16_t>> seen_ready, seen_terminating;
  auto slices = slices_.find(key);
  if (slices != slices_.end()) {
    for (const EndpointSliceInfo* slice : slices->second) {
      const EndpointSliceInfo::Port* port = nullptr;
      for (const auto& p : slice->ports) {
        if (p.name == sp->name && IsTcp(p.protocol)) {
          port = &p;
          break;
        }
      }
      if (port == nullptr || port->port <= 0 || port->port > 65535) continue;
      for (const EndpointInfo& e : slice->endpoints) {
        bool is_ready = e.ready;  // true also for publishNotReadyAddresses
        bool fallback = !is_ready && e.serving && e.terminating;
        if (!is_ready && !fallback) continue;
        auto& list = is_ready ? ready : terminating;
        auto& seen = is_ready ? seen_ready : seen_terminating;
        for (const std::string& ip : e.addresses) {
          uint16_t port_number = static_cast<uint16_t>(port->port);
          if (ip.empty() || !seen.emplace(ip, port_number).second) continue;
          Endpoint ep;
          ep.ip = ip;
          ep.port = port_number;
          ep.pod = e.pod;
          ep.ready = is_ready;
          list.push_back(std::move(ep));
        }
      }
    }
  }
  std::vector<Endpoint>& chosen = ready.empty() ? terminating : ready;
  if (chosen.empty()) {
    b.error = "no endpoints for service " + Quoted(key);
    return;
  }
  std::sort(chosen.begin(), chosen.end(), [](const Endpoint& x, const Endpoint& y) {
    return std::tie(x.ip, x.port) < std::tie(y.ip, y.port);
  });
  b.endpoints = std::move(chosen);
}

}  // namespace netkube::ingress
