// The ingress-nginx annotations (nginx.ingress.kubernetes.io/*) that netkube
// honours, parsed into plain values. Pure.
//
// Supported (value syntax as ingress-nginx documents it):
//   rewrite-target, use-regex, app-root, ssl-redirect, force-ssl-redirect,
//   proxy-body-size ("8k", "1m", "2g", "100", "0" = unlimited; units k/m/g
//   in either case), proxy-connect-timeout / proxy-read-timeout /
//   proxy-send-timeout (whole seconds, 1..2147483), allowlist-source-range
//   (old name whitelist-source-range; comma-separated CIDRs or addresses),
//   affinity ("cookie") + session-cookie-name (default INGRESSCOOKIE),
//   permanent-redirect + permanent-redirect-code (300..308, default 301),
//   backend-protocol (HTTP or HTTPS, any case), canary, canary-weight,
//   canary-weight-total, canary-by-header, canary-by-header-value.
// Booleans take Go's strconv.ParseBool spellings ("true", "false", "1", "0",
// "t", "F", "TRUE", "False", ...), as ingress-nginx does.
//
// An invalid value is reported as (annotation, error) and the setting keeps
// its default, except allowlist-source-range: a list that does not parse
// denies every client (one Cidr with family 0), as ingress-nginx denies the
// location, rather than silently opening it to everyone.
//
// Snippet annotations (configuration-snippet, server-snippet, auth-snippet,
// stream-snippet, modsecurity-snippet, any "*-snippet" under the prefix) are
// never honoured: compile refuses the whole Ingress (the 2025
// "IngressNightmare" CVEs came through them).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ingress/route_table.h"

namespace netkube::ingress {

inline constexpr std::string_view kAnnotationPrefix = "nginx.ingress.kubernetes.io/";

struct CanaryOptions {
  bool enabled = false;      // canary: "true"
  std::string header;        // canary-by-header
  std::string header_value;  // canary-by-header-value
  int weight = 0;            // canary-weight, 0..weight_total
  int weight_total = 100;    // canary-weight-total, > 0
};

struct IngressAnnotations {
  RouteOptions options;
  CanaryOptions canary;
  bool use_regex = false;      // use-regex: "true"
  bool backend_https = false;  // backend-protocol: HTTPS
};

struct AnnotationError {
  std::string annotation;  // full key, "nginx.ingress.kubernetes.io/proxy-body-size"
  std::string error;       // "invalid size \"12q\"", ...
};

// Parses the annotations above. Invalid values are appended to `errors`
// (never null) and keep their defaults. Annotations under the prefix that
// netkube does not implement are appended to `unsupported` (may be null), so
// a user relying on, say, auth-url is told it has no effect.
IngressAnnotations ParseAnnotations(const std::map<std::string, std::string>& annotations,
                                    std::vector<AnnotationError>* errors,
                                    std::vector<std::string>* unsupported = nullptr);

// The snippet annotations present (full keys, sorted); empty when none.
std::vector<std::string> SnippetAnnotations(const std::map<std::string, std::string>& annotations);

// "1m" → 1048576; nullopt when not an nginx size (exposed for tests).
std::optional<int64_t> ParseNginxSize(std::string_view text);
// Go's strconv.ParseBool; nullopt when not a boolean.
std::optional<bool> ParseBool(std::string_view text);

}  // namespace netkube::ingress
