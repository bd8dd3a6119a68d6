// Patches: RFC 6902 JSON patch, RFC 7386 JSON merge patch and Kubernetes
// strategic merge patch (list merge keys from the schema, directives
// `$patch: replace|delete|merge`, `$retainKeys`, `$deleteFromPrimitiveList/<f>`,
// `$setElementOrder/<f>`).
//
// Pure; thread-safe. Errors are BadRequest/Invalid Statuses whose messages read
// like kube-apiserver's.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "api/schema.h"
#include "util/status.h"

namespace netkube::api {

StatusOr<nlohmann::json> ApplyJsonPatch(const nlohmann::json& doc, const nlohmann::json& patch);
StatusOr<nlohmann::json> ApplyMergePatch(const nlohmann::json& doc, const nlohmann::json& patch);
// `type` is the schema type of `doc` (e.g. io.k8s.api.core.v1.Pod); lists of
// fields without a merge strategy are replaced, as for an unknown type.
StatusOr<nlohmann::json> ApplyStrategicMergePatch(const nlohmann::json& doc, const nlohmann::json& patch,
                                                  const TypeDef* type);

}  // namespace netkube::api
