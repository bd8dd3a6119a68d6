// Ingress status, pure part: which addresses the controller publishes in
// status.loadBalancer.ingress, and the patches that write or clear them.
//
// Addresses (ingress-nginx's choices, with netkube's fallback):
//   1. --publish-status-address "a,b": those (an IP → {ip}, else {hostname}).
//   2. --publish-service ns/name, by the Service's type:
//        LoadBalancer: status.loadBalancer.ingress (ip/hostname) + spec.externalIPs;
//        ExternalName: spec.externalName as a hostname;
//        NodePort: spec.externalIPs, or spec.clusterIP when there are none;
//        ClusterIP: spec.clusterIP.
//   3. Otherwise (no publish Service, it does not exist, or its LoadBalancer
//      address is not assigned yet): the node IP of the controller's own pod
//      (status.hostIP), as ingress-nginx does without --publish-service.
// The result is sorted (IPs and hostnames as text) and deduplicated, so it
// compares equal across replicas and passes.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>

#include "client/client.h"

namespace netkube::ingress {

// The status.loadBalancer.ingress list to publish; [] when nothing is known.
// `service` may be null (no --publish-service, or not found).
client::Json PublishedAddresses(const client::Json* service, const std::string& publish_status_address,
                                const std::string& host_ip);

// status.loadBalancer.ingress of an Ingress ([] when absent).
client::Json CurrentAddresses(const client::Json& ingress);

// A JSON merge patch for the status subresource that sets `addresses`, or
// nullopt when the Ingress already shows exactly them.
std::optional<client::Json> SetStatusPatch(const client::Json& ingress, const client::Json& addresses);

// A JSON patch (RFC 6902) for the status subresource that empties
// status.loadBalancer, guarded by a `test` of metadata.resourceVersion (so a
// status another controller wrote since our cache saw it is left alone), or
// nullopt unless the Ingress shows exactly `addresses` (never clear a value
// we did not write).
std::optional<client::Json> ClearStatusPatch(const client::Json& ingress, const client::Json& addresses);

}  // namespace netkube::ingress
