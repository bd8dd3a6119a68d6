// Subresources served by the registry itself (the node-side ones — log, exec,
// attach, portforward — are answered by handler.cc):
//   scale        autoscaling/v1 Scale view of spec.replicas (Deployment, ReplicaSet)
//   binding      pods/binding: assigns a pending pod to a node (the scheduler's write)
//   eviction     pods/eviction: deletes a pod (no disruption budgets yet)
//   token        serviceaccounts/token: a TokenRequest answered with a signed token
// and the follow-up writes after a create (OnCreated).
//
// Thread-safety: as the Registry.
#pragma once

#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "apiserver/registry.h"

namespace netkube::apiserver {

// The Scale of a Deployment or ReplicaSet object.
StatusOr<nlohmann::json> ScaleOf(const api::Kind& kind, const nlohmann::json& obj);
bool ScaleHasResourceVersion(const nlohmann::json& scale);
// Writes `scale.spec.replicas` into the object (stored as `old` at `old_rev`);
// the result's object is the new Scale.
StatusOr<WriteResult> UpdateScale(Registry& registry, const api::Kind& kind, std::string_view ns,
                                  std::string_view name, const nlohmann::json& old, int64_t old_rev,
                                  const nlohmann::json& scale, const WriteOptions& opts);

StatusOr<WriteResult> CreateSubresourceImpl(Registry& registry, const TokenIssuer* tokens, const api::Kind& kind,
                                            std::string_view ns, std::string_view name,
                                            std::string_view subresource, nlohmann::json body);

// Runs after an object was created: a new Namespace gets its "default"
// ServiceAccount and the kube-root-ca.crt ConfigMap (Registry::root_ca).
void OnCreated(Registry& registry, const api::Kind& kind, const nlohmann::json& obj);

}  // namespace netkube::apiserver
