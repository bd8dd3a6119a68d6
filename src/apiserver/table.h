// Table responses (meta.k8s.io/v1 Table) for `kubectl get`: the kind's columns
// from api/printers.h, one row per object, and each row's object as
// PartialObjectMetadata (includeObject=Metadata, the default), the whole object
// (Object) or nothing (None).
// Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "api/kinds.h"
#include "apiserver/registry.h"

namespace netkube::apiserver {

// True when an Accept header asks for a Table ("...;as=Table;v=v1;g=meta.k8s.io").
bool WantsTable(const std::string& accept);

// `objects` are whole objects; `include_object` is "", "None", "Metadata" or "Object".
nlohmann::json ToTable(const api::Kind& kind, const std::vector<const nlohmann::json*>& objects,
                       const std::string& include_object, const std::string& resource_version,
                       const std::string& continue_token, bool with_columns = true);

// The Table for a list, built from the registry's cached rows: no object is
// parsed again unless it changed. `include_object` as for ToTable.
std::string TableListJson(Registry& registry, const api::Kind& kind, const std::vector<StoredObject>& items,
                          const std::string& include_object, const std::string& resource_version,
                          const std::string& continue_token, int64_t remaining);

}  // namespace netkube::apiserver
