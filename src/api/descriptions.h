// Field descriptions of netkube's own, for the fields a learner of Kubernetes
// networking reads with `kubectl explain` (Pod networking, Service, Endpoints,
// EndpointSlice, Ingress, IngressClass, NetworkPolicy). Written for netkube,
// not copied from Kubernetes. Schema::Get() sets them on the built-in schema,
// so OpenAPI v2/v3 serve them; fields not listed keep an empty description.
//
// Thread-safety: immutable data.
#pragma once

#include <string_view>
#include <vector>

namespace netkube::api {

struct FieldDescription {
  std::string_view type;   // OpenAPI definition name, "io.k8s.api.core.v1.ServiceSpec"
  std::string_view field;  // JSON field name, "" for the type itself
  std::string_view text;
};

const std::vector<FieldDescription>& FieldDescriptions();

}  // namespace netkube::api
