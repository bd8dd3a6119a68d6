// OpenAPI documents generated from the schema and the kinds table:
//   /openapi/v2                   Swagger 2.0, every definition and path (JSON or protobuf)
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
// The same v2 document as protobuf (gnostic's openapi.v2.Document), served for
// `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf` with
// that Content-Type. kubectl 1.27 and 1.28 read only this form (apply's
// fieldValidation check and patch computation, explain); 1.29+ use v3.
const std::string& OpenApiV2Proto();
const std::string& OpenApiV3Index();
// `gv_path` is "api/v1" or "apis/apps/v1"; returns nullptr when not served.
const std::string* OpenApiV3(std::string_view gv_path);

}  // namespace netkube::api
