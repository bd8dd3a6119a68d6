// Bootstrap: what every cluster has from its first start, created when missing
// (and so also healed on every start): the namespaces default, kube-system,
// kube-public and kube-node-lease, each with its "default" ServiceAccount; the
// "kubernetes" Service (first address of the service CIDR, port 443 → the API
// server's port) with its Endpoints and EndpointSlice pointing at the API
// server's advertised address.
#pragma once

#include <string>

#include "apiserver/registry.h"

namespace netkube::apiserver {

struct BootstrapOptions {
  std::string kubernetes_service_ip;  // "10.96.0.1"
  std::string advertise_ip;           // "172.18.0.2" or "127.0.0.1"
  int advertise_port = 6443;
};

Status Bootstrap(Registry& registry, const BootstrapOptions& options);

}  // namespace netkube::apiserver
