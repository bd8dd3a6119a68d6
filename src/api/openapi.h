// OpenAPI documents generated from the schema and the kinds table:
//   /openapi/v2                   Swagger 2.0, every definition and path
//   /openapi/v3                   the index of per-group-version documents
//   /openapi/v3/api/v1, /openapi/v3/apis/apps/v1, ...
// Paths carry the parameters kubectl looks for (fieldValidation, dryRun,
// fieldManager) and x-kubernetes-group-version-kind / x-kubernetes-action, so
// `kubectl apply` validates server-side and `kubectl explain` works; definitions
// carry x-kubernetes-patch-merge-key/-strategy and x-kubernetes-list-* markers.
//
// Thread-safe: documents are built once and cached.
#pragma once

#include <string>
#include <string_view>

namespace netkube::api {

const std::string& OpenApiV2();
const std::string& OpenApiV3Index();
// `gv_path` is "api/v1" or "apis/apps/v1"; returns nullptr when not served.
const std::string* OpenApiV3(std::string_view gv_path);

}  // namespace netkube::api
