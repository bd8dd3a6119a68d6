// Backend resolution for Compile (compile.h, "Backends"): an Ingress backend
// reference → the Service port → the endpoints of its EndpointSlices. Pure.
//
// One Backend per (namespace, service, port as written, https) for the
// lifetime of the resolver, so every route naming the same Service port shares
// one object (and one round-robin cursor). backend-protocol HTTPS is part of
// the key because Backend::https is a property of the object.
//
// Endpoints: the slices labelled kubernetes.io/service-name=SERVICE in the
// Service's namespace; in each, the port whose name equals the Service port's
// name ("" matches an unnamed port) and whose protocol is TCP. Ready
// endpoints are used; when none is ready, serving-and-terminating ones
// (Endpoint::ready = false). Duplicate ip:port pairs (a pod in two slices
// during a slice update) appear once. Endpoints are sorted by ip, port.
//
// Errors (Backend::error, the proxy answers 503):
//   service "ns/name" not found
//   ExternalName services are not supported
//   service "ns/name" has no port 8080        (or: has no port "http")
//   service "ns/name" port 53 is UDP, only TCP is proxied
//   no endpoints for service "ns/name"
//   resource backends are not supported
//
// Thread-safety: not thread-safe; one resolver per Compile call.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "ingress/compile.h"
#include "ingress/route_table.h"

namespace netkube::ingress {

class BackendResolver {
 public:
  // `seed` picks each Backend's random starting cursor; 0 = std::random_device.
  BackendResolver(const Snapshot& snapshot, uint64_t seed);

  // The Backend for `ref` as written in an Ingress of namespace `ns`.
  std::shared_ptr<Backend> Get(const std::string& ns, const BackendRef& ref, bool https);

  // The Backend for the first port of Service "ns/name"
  // (--default-backend-service); an error Backend when the text or the
  // Service is unusable.
  std::shared_ptr<Backend> GetFirstPort(std::string_view ns_name);

 private:
  void Resolve(Backend& b, const BackendRef& ref) const;
  uint64_t NextCursor();

  const Snapshot& snapshot_;
  uint64_t rng_;
  // "ns/service" → its slices, built once.
  std::map<std::string, std::vector<const EndpointSliceInfo*>, std::less<>> slices_;
  std::map<std::tuple<std::string, std::string, std::string, bool>, std::shared_ptr<Backend>> cache_;
};

}  // namespace netkube::ingress
