// Service-account tokens as kube-apiserver issues them (TokenRequest, projected
// volumes): a JWT signed with pki/sa.key.
//
//   header  {"alg":"ES256","kid":"<sha256 of the public key>","typ":"JWT"}
//           (RS256 when sa.key is an RSA key)
//   claims  iss  "https://kubernetes.default.svc.cluster.local"
//           sub  "system:serviceaccount:NS:NAME"
//           aud  ["https://kubernetes.default.svc.cluster.local"] (or the requested ones)
//           exp, iat, nbf, jti
//           "kubernetes.io": {"namespace": NS,
//                             "serviceaccount": {"name": NAME, "uid": UID},
//                             "pod": {"name": P, "uid": PUID}}   // pod only when bound
//
// Thread-safety: a TokenIssuer is immutable after Load; Issue and Verify may be
// called concurrently. Copies share the key.
#pragma once

#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace netkube::apiserver {

// The issuer, and the audience the API server accepts.
inline constexpr std::string_view kServiceAccountIssuer = "https://kubernetes.default.svc.cluster.local";

struct TokenClaims {
  std::string namespace_name;   // the service account's namespace
  std::string service_account;  // its name
  std::string sa_uid;           // its metadata.uid
  std::string pod_name;         // "" when the token is not bound to a pod
  std::string pod_uid;
  // Issue: empty means {kServiceAccountIssuer}.
  std::vector<std::string> audiences;
  // Seconds since the epoch. Issue: issued_at 0 means now; expires_at 0 means
  // issued_at + 3600 (the TokenRequest default).
  std::time_t issued_at = 0;
  std::time_t expires_at = 0;

  // "system:serviceaccount:NS:NAME", the authenticated user name.
  std::string Username() const;
  // {"system:serviceaccounts", "system:serviceaccounts:NS"}, the groups.
  std::vector<std::string> Groups() const;
};

class TokenIssuer {
 public:
  // Reads a PEM private key (EC P-256 → ES256, RSA → RS256).
  static StatusOr<TokenIssuer> Load(const std::string& sa_key_file);

  // Signs a token. BadRequest when namespace_name or service_account is empty.
  StatusOr<std::string> Issue(const TokenClaims& claims) const;

  // Checks the signature (this key only), iss, that aud contains
  // kServiceAccountIssuer, and nbf <= now < exp (60 s leeway each way, as
  // kube-apiserver allows). Returns the claims, or Unauthorized naming the
  // reason.
  StatusOr<TokenClaims> Verify(std::string_view jwt, std::time_t now) const;

  struct Key;  // opaque; defined in tokens.cc

 private:
  explicit TokenIssuer(std::shared_ptr<const Key> key) : key_(std::move(key)) {}
  std::shared_ptr<const Key> key_;
};

}  // namespace netkube::apiserver
