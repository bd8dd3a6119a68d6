#include "apiserver/bootstrap.h"

#include <nlohmann/json.hpp>

#include "util/log.h"

namespace netkube::apiserver {

using nlohmann::json;

namespace {

Status Ensure(Registry& registry, const char* kind_name, const char* group, const std::string& ns, json obj) {
  const api::Kind* kind = api::FindByKind(group, "v1", kind_name);
  std::string name = obj["metadata"]["name"];
  auto cur = registry.Get(*kind, ns, name);
  if (cur.ok()) return Status::OK();
  auto r = registry.Create(*kind, ns, std::move(obj), {});
  if (!r.ok() && !r.status().IsAlreadyExists()) {
    LOG_ERROR << "bootstrap: creating " << kind_name << " " << name << ": " << r.status().ToString();
    return r.status();
  }
  return Status::OK();
}

}  // namespace

Status Bootstrap(Registry& registry, const BootstrapOptions& o) {
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    json n = {{"apiVersion", "v1"}, {"kind", "Namespace"},
              {"metadata", {{"name", ns}, {"labels", {{"kubernetes.io/metadata.name", ns}}}}}};
    if (Status s = Ensure(registry, "Namespace", "", "", n); !s.ok()) return s;
    json sa = {{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", {{"name", "default"}, {"namespace", ns}}}};
    if (Status s = Ensure(registry, "ServiceAccount", "", ns, sa); !s.ok()) return s;
  }
  json svc = {{"apiVersion", "v1"},
              {"kind", "Service"},
              {"metadata",
               {{"name", "kubernetes"},
                {"namespace", "default"},
                {"labels", {{"component", "apiserver"}, {"provider", "kubernetes"}}}}},
              {"spec",
               {{"type", "ClusterIP"},
                {"clusterIP", o.kubernetes_service_ip},
                {"ports", json::array({{{"name", "https"}, {"port", 443}, {"protocol", "TCP"},
                                        {"targetPort", o.advertise_port}}})}}}};
  if (Status s = Ensure(registry, "Service", "", "default", svc); !s.ok()) return s;
  // Endpoints may not point at loopback; a server that listens only there has
  // no address pods could reach, so its "kubernetes" Service has no endpoints.
  if (o.advertise_ip.rfind("127.", 0) == 0 || o.advertise_ip == "::1") {
    LOG_V(1) << "bootstrap: API server advertised on loopback " << o.advertise_ip
             << "; the kubernetes Service gets no endpoints";
    return Status::OK();
  }
  json ep = {{"apiVersion", "v1"},
             {"kind", "Endpoints"},
             {"metadata", {{"name", "kubernetes"}, {"namespace", "default"},
                           {"labels", {{"endpointslice.kubernetes.io/skip-mirror", "true"}}}}},
             {"subsets", json::array({{{"addresses", json::array({{{"ip", o.advertise_ip}}})},
                                       {"ports", json::array({{{"name", "https"}, {"port", o.advertise_port},
                                                               {"protocol", "TCP"}}})}}})}};
  if (Status s = Ensure(registry, "Endpoints", "", "default", ep); !s.ok()) return s;
  json slice = {{"apiVersion", "discovery.k8s.io/v1"},
                {"kind", "EndpointSlice"},
                {"metadata",
                 {{"name", "kubernetes"},
                  {"namespace", "default"},
                  {"labels", {{"kubernetes.io/service-name", "kubernetes"},
                              {"endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io"}}}}},
                {"addressType", "IPv4"},
                {"endpoints", json::array({{{"addresses", json::array({o.advertise_ip})},
                                            {"conditions", {{"ready", true}}}}})},
                {"ports", json::array({{{"name", "https"}, {"port", o.advertise_port}, {"protocol", "TCP"}}})}};
  return Ensure(registry, "EndpointSlice", "discovery.k8s.io", "default", slice);
}

}  // namespace netkube::apiserver
