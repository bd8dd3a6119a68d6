// The add-on manifests `netkube up` applies through the API (embedded at
// build time): manifests/netkube-cni.yaml, adjusted for --cni,
// manifests/coredns.yaml, adjusted for the cluster's DNS address, and
// manifests/ingress-nginx.yaml (--ingress netkube), applied as is.
//
// Thread-safety: pure functions, except ApplyObjects (one client call per
// object; the client is thread-safe).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/client.h"
#include "util/status.h"

namespace netkube::cluster {

// The text of manifests/netkube-cni.yaml.
std::string_view CniManifestYaml();

// The objects of the CNI manifest for `cni` ("netkube" or "bridge": the
// DaemonSet's args become ["--plugin", "netkube"|"reference"]).
StatusOr<std::vector<nlohmann::json>> CniObjects(const std::string& cni);

// The text of manifests/coredns.yaml.
std::string_view CoreDnsManifestYaml();

// The objects of the DNS manifest with the kube-dns Service at `cluster_dns`
// (the service network's tenth address, "10.96.0.10").
StatusOr<std::vector<nlohmann::json>> CoreDnsObjects(const std::string& cluster_dns);

// The text of manifests/ingress-nginx.yaml.
std::string_view IngressManifestYaml();

// The objects of the ingress manifest, in creation order (the Namespace first).
StatusOr<std::vector<nlohmann::json>> IngressObjects();

// Creates each object (AlreadyExists is fine). Errors name the object.
Status ApplyObjects(client::Client& client, const std::vector<nlohmann::json>& objects);

}  // namespace netkube::cluster
