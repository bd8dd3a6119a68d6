// Discovery documents built from the kinds table: /api, /apis, /api/v1,
// /apis/{group}, /apis/{group}/{version} (legacy, unaggregated discovery, which
// every kubectl version understands).
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace netkube::apiserver {

std::string ApiVersionsJson(const std::string& server_address);
std::string ApiGroupListJson();
// "" group for /api/v1. Returns "" when the group/version is not served.
std::string ApiResourceListJson(std::string_view group, std::string_view version);
std::string ApiGroupJson(std::string_view group);

}  // namespace netkube::apiserver
