// Defaulting: fills unset fields of an object the way kube-apiserver does
// (e.g. Service port protocol TCP and targetPort = port, sessionAffinity None,
// Pod restartPolicy Always and dnsPolicy ClusterFirst, Deployment strategy).
//
// Pure; thread-safe.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "api/kinds.h"

namespace netkube::api {

// Applies defaults to `obj`, a whole object of kind `k` in JSON form, in place.
// Unknown kinds are left unchanged. Never fails: invalid values are left for
// Validate to report.
void ApplyDefaults(const Kind& k, nlohmann::json& obj);

}  // namespace netkube::api
