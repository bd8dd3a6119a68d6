// Field selectors: the fields of each kind a fieldSelector may name, as
// kube-apiserver exposes them (metadata.name and metadata.namespace for all;
// pods: spec.nodeName, spec.restartPolicy, spec.schedulerName,
// spec.serviceAccountName, spec.hostNetwork, status.phase, status.podIP,
// status.nominatedNodeName; events: involvedObject.*, reason, source, type; ...).
//
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "api/kinds.h"

namespace netkube::api {

using FieldSet = std::vector<std::pair<std::string, std::string>>;

// The selectable fields of `obj` with their values as strings ("" when unset,
// "true"/"false" for booleans).
FieldSet SelectableFields(const Kind& k, const nlohmann::json& obj);

// Whether a field selector may name `field` for kind `k`.
bool IsSelectableField(const Kind& k, std::string_view field);

}  // namespace netkube::api
