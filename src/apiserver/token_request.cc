#include "apiserver/token_request.h"

#include <ctime>

#include <nlohmann/json.hpp>

#include "apiserver/tokens.h"

namespace netkube::apiserver {

using nlohmann::json;

StatusOr<WriteResult> IssueTokenRequest(Registry& registry, const TokenIssuer* tokens, const api::Kind& kind,
                                        std::string_view ns, std::string_view name, json body) {
  auto sa = registry.Get(kind, ns, name);
  if (!sa.ok()) return sa.status();
  if (tokens == nullptr) return Status::Unavailable("service-account token signing is not configured");
  json account = json::parse(*sa->json);
  if (!body.is_object()) body = json::object();
  json spec = body.value("spec", json::object());
  if (!spec.is_object()) spec = json::object();
  int64_t expiration = spec.contains("expirationSeconds") && spec["expirationSeconds"].is_number_integer()
                           ? spec["expirationSeconds"].get<int64_t>()
                           : 3600;
  if (expiration < 600) {
    Status s = Status::Invalid("TokenRequest.authentication.k8s.io \"" + std::string(name) +
                               "\" is invalid: spec.expirationSeconds: Invalid value: " + std::to_string(expiration) +
                               ": may not specify a duration less than 10 minutes");
    s.AddCause({"FieldValueInvalid", "may not specify a duration less than 10 minutes", "spec.expirationSeconds"});
    return s;
  }
  TokenClaims claims;
  claims.namespace_name = std::string(ns);
  claims.service_account = std::string(name);
  claims.sa_uid = account["metadata"].value("uid", "");
  if (spec.contains("audiences") && spec["audiences"].is_array())
    for (const auto& a : spec["audiences"])
      if (a.is_string()) claims.audiences.push_back(a.get<std::string>());
  if (spec.contains("boundObjectRef") && spec["boundObjectRef"].is_object() &&
      spec["boundObjectRef"].value("kind", "") == "Pod") {
    claims.pod_name = spec["boundObjectRef"].value("name", "");
    claims.pod_uid = spec["boundObjectRef"].value("uid", "");
  }
  claims.issued_at = std::time(nullptr);
  claims.expires_at = claims.issued_at + expiration;
  auto token = tokens->Issue(claims);
  if (!token.ok()) return token.status();
  std::tm tm;
  gmtime_r(&claims.expires_at, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (claims.audiences.empty()) claims.audiences.push_back(std::string(kServiceAccountIssuer));
  spec["audiences"] = claims.audiences;
  spec["expirationSeconds"] = expiration;
  json out = {{"kind", "TokenRequest"},
              {"apiVersion", "authentication.k8s.io/v1"},
              {"metadata", {{"name", std::string(name)}, {"namespace", std::string(ns)},
                            {"creationTimestamp", nullptr}}},
              {"spec", spec},
              {"status", {{"token", *token}, {"expirationTimestamp", buf}}}};
  WriteResult r;
  r.code = 201;
  r.object = std::make_shared<json>(std::move(out));
  return r;
}

}  // namespace netkube::apiserver
