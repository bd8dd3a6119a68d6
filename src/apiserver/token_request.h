// serviceaccounts/{name}/token: answers an authentication.k8s.io/v1
// TokenRequest with a signed, time-bound service-account token (JWT), as
// kubectl create token and the projected service-account volume use it.
#pragma once

#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "apiserver/registry.h"

namespace netkube::apiserver {

// `tokens` may be null (no signing key): then ServiceUnavailable.
StatusOr<WriteResult> IssueTokenRequest(Registry& registry, const TokenIssuer* tokens, const api::Kind& kind,
                                        std::string_view ns, std::string_view name, nlohmann::json body);

}  // namespace netkube::apiserver
