// Validate: dispatch to the per-kind validators; InvalidStatus: the 422
// Status kube-apiserver builds from field errors (errors.NewInvalid).
#include "api/validation.h"

#include <set>

#include <nlohmann/json.hpp>

#include "api/validation_util.h"

namespace netkube::api {

using validation::Errors;
using ValidateFn = void (*)(Errors&, const nlohmann::json&, const nlohmann::json*);

namespace {

ValidateFn Find(const Kind& k) {
  struct Entry {
    const char* group;
    const char* kind;
    ValidateFn fn;
  };
  static const Entry kTable[] = {
      {"", "Pod", validation::ValidatePod},
      {"", "Service", validation::ValidateService},
      {"", "Endpoints", validation::ValidateEndpoints},
      {"", "Namespace", validation::ValidateNamespace},
      {"", "Node", validation::ValidateNode},
      {"", "ConfigMap", validation::ValidateConfigMap},
      {"", "Secret", validation::ValidateSecret},
      {"", "ServiceAccount", validation::ValidateServiceAccount},
      {"", "Event", validation::ValidateEvent},
      {"apps", "Deployment", validation::ValidateDeployment},
      {"apps", "ReplicaSet", validation::ValidateReplicaSet},
      {"apps", "DaemonSet", validation::ValidateDaemonSet},
      {"discovery.k8s.io", "EndpointSlice", validation::ValidateEndpointSlice},
      {"networking.k8s.io", "Ingress", validation::ValidateIngress},
      {"networking.k8s.io", "IngressClass", validation::ValidateIngressClass},
      {"networking.k8s.io", "NetworkPolicy", validation::ValidateNetworkPolicy},
      {"coordination.k8s.io", "Lease", validation::ValidateLease},
  };
  for (const auto& e : kTable)
    if (k.group == e.group && k.kind == e.kind) return e.fn;
  return nullptr;
}

}  // namespace

std::vector<Cause> Validate(const Kind& k, const nlohmann::json& obj, const nlohmann::json* old) {
  ValidateFn fn = Find(k);
  Errors e;
  if (!obj.is_object()) {
    e.Invalid("", nullptr, "must be a JSON object");
    return e.Take();
  }
  if (!fn) {
    // Unknown kinds still get the metadata checks.
    if (old) validation::ValidateObjectMetaUpdate(e, obj, *old);
    validation::ValidateObjectMeta(e, obj, k.namespaced, validation::NameRule::kDNSSubdomain);
    return e.Take();
  }
  try {
    fn(e, obj, old);
  } catch (const std::exception& ex) {
    e.causes().push_back({"InternalError", std::string("Internal error: ") + ex.what(), ""});
  }
  return e.Take();
}

Status InvalidStatus(const Kind& k, const std::string& name, std::vector<Cause> causes) {
  std::string qualified = k.group.empty() ? k.kind : k.kind + "." + k.group;
  std::string msg = qualified + " " + validation::GoQuote(name) + " is invalid";
  // field.ErrorList.ToAggregate: duplicates by text dropped, one error bare,
  // several in brackets.
  std::vector<std::string> parts;
  std::set<std::string> seen;
  for (const auto& c : causes) {
    std::string s = c.field + ": " + c.message;
    if (seen.insert(s).second) parts.push_back(std::move(s));
  }
  if (parts.size() == 1) {
    msg += ": " + parts[0];
  } else if (parts.size() > 1) {
    msg += ": [";
    for (size_t i = 0; i < parts.size(); ++i) msg += (i ? ", " : "") + parts[i];
    msg += "]";
  }
  Status s = Status::Invalid(std::move(msg));
  s.WithDetails(k.kind, k.group, name);
  for (auto& c : causes) s.AddCause(std::move(c));
  return s;
}

}  // namespace netkube::api
