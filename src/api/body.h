// Request bodies: JSON text → nlohmann::json, the way the API server reads them.
//
// Nesting is bounded (kMaxJsonDepth): every consumer of a body (patches,
// validation, the protobuf encoder, json::dump) recurses once per level, so an
// unbounded document could exhaust a worker thread's stack. kube-apiserver's
// decoder stops at 10000 levels; netkube stops at 1000, far beyond any real
// object (a Deployment is ~12 levels deep, a CRD schema rarely more than 100),
// and safe on small thread stacks even under sanitizers.
//
// Pure; thread-safe. Never throws.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "util/status.h"

namespace netkube::api {

inline constexpr int kMaxJsonDepth = 1000;

// Parses one JSON value (surrounding whitespace allowed). BadRequest when the
// text is not JSON, has trailing data, or nests deeper than kMaxJsonDepth.
StatusOr<nlohmann::json> ParseJsonBody(std::string_view body);
// As above; also reports the paths of keys that occur twice in one object
// ("data.a"; array elements add no path component). The last value wins, as in
// Go's decoder; strict field validation turns duplicates into errors.
StatusOr<nlohmann::json> ParseJsonBody(std::string_view body, std::vector<std::string>* duplicates);

// The nesting depth of `v`: 0 for a scalar, 1 for [] or {}, ...
int JsonDepth(const nlohmann::json& v);

}  // namespace netkube::api
