// The controller's API edge, pure part: API objects (JSON, as the informers
// cache them) → the plain *Info structs compile.h reads. No I/O.
//
// Every function returns nullopt when the object has no metadata.name (it
// cannot be keyed); otherwise it never fails: a field of the wrong type is
// read as absent, so a malformed object cannot stop the controller.
//
// Defaults applied here are the API's, for fields the server may leave unset:
//   EndpointSlice endpoint conditions: ready nil → true, serving nil → the
//   value of ready, terminating nil → false (discovery.k8s.io/v1 types.go);
//   ports: protocol nil → TCP, name nil → "".
//   Service: spec.type nil → ClusterIP; ports: protocol nil → TCP.
//   Ingress path: pathType nil → ImplementationSpecific.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "ingress/compile.h"

namespace netkube::ingress {

// networking.k8s.io/v1 Ingress. creationTimestamp (RFC 3339) → Unix seconds
// (0 when absent or malformed); every annotation; spec.ingressClassName;
// spec.defaultBackend; spec.rules[].http.paths[]; spec.tls[]. A backend given
// as `resource` has an empty service (compile answers it with 503).
std::optional<IngressInfo> IngressFromJson(const nlohmann::json& obj);

// networking.k8s.io/v1 IngressClass; is_default when the annotation
// ingressclass.kubernetes.io/is-default-class is "true".
std::optional<IngressClassInfo> IngressClassFromJson(const nlohmann::json& obj);

// core/v1 Service: type and ports.
std::optional<ServiceInfo> ServiceFromJson(const nlohmann::json& obj);

// discovery.k8s.io/v1 EndpointSlice. `service` is the label
// kubernetes.io/service-name ("" when absent: compile ignores such a slice);
// an endpoint's pod is targetRef.name when targetRef.kind is Pod. A slice of
// addressType FQDN gives nullopt (its addresses are names, not IPs the proxy
// can connect to).
std::optional<EndpointSliceInfo> EndpointSliceFromJson(const nlohmann::json& obj);

// core/v1 Secret: type, resourceVersion, and data["tls.crt"]/data["tls.key"]
// base64-decoded ("" when absent or not valid base64).
std::optional<SecretInfo> SecretFromJson(const nlohmann::json& obj);

// A ConfigMap's `data` (string values only).
std::map<std::string, std::string> ConfigMapDataFromJson(const nlohmann::json& obj);

// "2024-05-01T10:00:00Z" (fractional seconds allowed) → Unix seconds; 0 when
// empty or malformed.
int64_t UnixSecondsOf(std::string_view rfc3339);

}  // namespace netkube::ingress
