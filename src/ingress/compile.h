// Compile: the cluster's Ingress-related objects → the route table the proxy
// serves, plus the Events and status decisions that go with it. Pure: plain
// values in, plain values out; no I/O, no clock, no JSON (the controller
// converts API objects into the *Info structs below as they arrive).
//
// What is ours (as ingress-nginx decides it):
//   - spec.ingressClassName names an IngressClass whose spec.controller is
//     config.controller_class → ours; names any other class (or one that does
//     not exist) → not ours, never touched.
//   - no ingressClassName but the legacy annotation kubernetes.io/ingress.class
//     → ours when it equals config.ingress_class.
//   - neither → ours when config.watch_without_class, or when one of our
//     IngressClasses carries ingressclass.kubernetes.io/is-default-class=true.
//
// Rules: see route_table.h for the matching semantics. Rules for the same
// host merge across Ingresses; when two Ingresses claim the same host, path
// and path type, the oldest Ingress (creationTimestamp, then namespace/name)
// keeps it and the other gets a Warning Event (reason "Conflict"). Prefix and
// ImplementationSpecific count as one type here (they match alike). Canary
// Ingresses (nginx.ingress.kubernetes.io/canary: "true") do not add routes:
// they attach their backend to the main route with the same host and path
// (same type preferred); without one, or when that route already has an
// older canary, a Warning Event ("CanaryIgnored" / "Conflict"). A canary's
// defaultBackend, TLS and other annotations are ignored.
// Snippet annotations (configuration-snippet, server-snippet, ...) make the
// whole Ingress refused, with a Warning Event (reason "AnnotationRefused"),
// and it is not served. Invalid annotation values get a Warning Event
// ("InvalidAnnotation") and their default (annotations.h); annotations of the
// ingress-nginx prefix that netkube does not implement get one Warning
// ("UnsupportedAnnotation").
//
// Regex hosts: use-regex or rewrite-target on a (non-canary) Ingress makes
// every path of every host of that Ingress a regex route, whichever Ingress
// the path comes from, Exact paths included, as ingress-nginx does
// (`location ~* "^PATH"`). A path that is not a valid RE2 pattern gets a
// Warning Event ("InvalidRegex") and is skipped. Outside regex hosts, a path
// not starting with "/" or an unknown pathType is skipped ("InvalidPath").
//
// Default routes: an Ingress's defaultBackend becomes the default route of
// each host named in its rules (the oldest Ingress wins a host). An Ingress
// whose rules name no host (no rules, or only rules without host) offers its
// defaultBackend for the table's default route: the oldest one wins
// ("Conflict" for the others); without any, --default-backend-service's first
// port; without that, none (the proxy's 404).
//
// Backends: backend.service.port is matched against the Service's ports by
// number or by name; its endpoints come from the EndpointSlices labelled
// kubernetes.io/service-name=SERVICE, port picked by the Service port's name.
// Ready endpoints are used; when none is ready, serving-and-terminating ones.
// A missing Service, port, or no endpoint at all → Backend::error set (503);
// ExternalName Services are not supported (an error too). Details and the
// exact texts: backends.h.
//
// TLS: each tls entry's hosts get the certificate of its Secret (same
// namespace as the Ingress) when the Secret exists, has type kubernetes.io/tls
// (or Opaque) with non-empty tls.crt and tls.key; otherwise the host serves
// the default certificate and a Warning Event names the Secret. A tls entry
// without hosts applies to every host of the Ingress's rules (the API's
// "defaults to the wildcard host of the load balancer"). A tls host with no
// rule of its own changes nothing; the oldest Ingress's tls entry wins a
// host. Missing Secret → "SecretNotFound", unusable one → "InvalidSecret";
// either way the host keeps has_tls = true with tls_secret = "".
// --default-ssl-certificate's Secret is added to table.certificates under its
// "ns/name" when usable.
//
// served: the Ingresses that are ours and not refused, sorted by "ns/name"
// (canaries included). table.generation is left 0 (the controller sets it).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ingress/route_table.h"

namespace netkube::ingress {

struct BackendRef {
  std::string service;    // "" when the backend is a `resource` (unsupported: 503)
  std::string port_name;  // set when the Ingress names the port
  int32_t port_number = 0;  // set when it gives a number
};

struct IngressPathInfo {
  std::string path;       // "" means "/" (the API allows omitting it for ImplementationSpecific)
  std::string path_type;  // "Exact", "Prefix", "ImplementationSpecific"
  BackendRef backend;
};

struct IngressRuleInfo {
  std::string host;  // "" = every host
  std::vector<IngressPathInfo> paths;
};

struct IngressTlsInfo {
  std::vector<std::string> hosts;
  std::string secret_name;
};

struct IngressInfo {
  std::string ns, name, uid;
  int64_t created = 0;  // creationTimestamp, Unix seconds
  std::optional<std::string> class_name;  // spec.ingressClassName
  std::map<std::string, std::string> annotations;
  std::optional<BackendRef> default_backend;
  std::vector<IngressRuleInfo> rules;
  std::vector<IngressTlsInfo> tls;
};

struct IngressClassInfo {
  std::string name;
  std::string controller;  // spec.controller
  bool is_default = false;  // ingressclass.kubernetes.io/is-default-class: "true"
};

struct ServicePortInfo {
  std::string name;
  int32_t port = 0;
  std::string protocol = "TCP";
};

struct ServiceInfo {
  std::string ns, name;
  std::string type;  // "ClusterIP", "ExternalName", ...
  std::vector<ServicePortInfo> ports;
};

struct EndpointInfo {
  std::vector<std::string> addresses;
  bool ready = true;
  bool serving = true;
  bool terminating = false;
  std::string pod;  // targetRef.name when kind Pod
};

struct EndpointSliceInfo {
  std::string ns, name;
  std::string service;  // label kubernetes.io/service-name
  struct Port {
    std::string name;  // "" for an unnamed port
    int32_t port = 0;
    std::string protocol = "TCP";
  };
  std::vector<Port> ports;
  std::vector<EndpointInfo> endpoints;
};

struct SecretInfo {
  std::string ns, name, type;
  std::string cert_pem;  // data["tls.crt"], decoded
  std::string key_pem;   // data["tls.key"], decoded
  std::string resource_version;
};

// Everything compile reads. Maps are keyed "ns/name".
struct Snapshot {
  std::map<std::string, IngressInfo> ingresses;
  std::map<std::string, IngressClassInfo> classes;  // keyed by name
  std::map<std::string, ServiceInfo> services;
  std::map<std::string, EndpointSliceInfo> slices;  // keyed "ns/slice-name"
  std::map<std::string, SecretInfo> secrets;
};

// The controller's flags that change what compile does.
struct ControllerConfig {
  std::string ingress_class = "nginx";                  // --ingress-class
  std::string controller_class = "k8s.io/ingress-nginx";  // --controller-class
  bool watch_without_class = false;                     // --watch-ingress-without-class
  std::string default_backend_service;                  // --default-backend-service "ns/name" ("" = built-in 404)
  std::string default_ssl_certificate;                  // --default-ssl-certificate "ns/name"
};

struct IngressEvent {
  std::string ns, name;  // the Ingress
  std::string type = "Warning";
  std::string reason;    // "Conflict", "AnnotationRefused", "InvalidAnnotation", "SecretNotFound", ...
  std::string message;
};

struct CompileResult {
  std::shared_ptr<RouteTable> table;
  std::vector<IngressEvent> events;
  std::vector<std::string> served;  // "ns/name" of the Ingresses that are ours and accepted
};

// Whether the Ingress belongs to this controller (rules above).
bool IsOurs(const IngressInfo& ingress, const std::map<std::string, IngressClassInfo>& classes,
            const ControllerConfig& config);

// `seed` only picks each Backend's random round-robin start (Backend::next);
// 0 = from std::random_device. Everything else is a function of the inputs.
CompileResult Compile(const Snapshot& snapshot, const ControllerConfig& config, uint64_t seed = 0);

}  // namespace netkube::ingress
