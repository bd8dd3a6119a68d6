// The pure text work of the ingress proxy: the head sent upstream (hop-by-hop
// headers dropped, X-Forwarded-* and X-Request-ID set as ingress-nginx sets
// them), the head sent back to the client (the upstream's Server, Date and
// hop-by-hop headers replaced by ours), local answers (errors and redirects,
// with short HTML bodies as nginx gives), the rewrite of a regex path, and the
// access log line in ingress-nginx's default "upstreaminfo" format.
//
// Thread-safety: plain functions.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ingress/http1.h"

namespace netkube::ingress {

inline constexpr char kServerHeader[] = "netkube";

struct UpstreamHeadParams {
  std::string_view target;      // request target after rewrites
  std::string_view client_ip;   // "10.0.0.1" (no port)
  int listener_port = 80;       // X-Forwarded-Port
  bool https = false;           // X-Forwarded-Proto
  std::string_view request_id;  // X-Request-ID
  bool trust_forwarded = false;  // use-forwarded-headers
};

// "METHOD TARGET HTTP/1.1" and headers for the backend, CRLFCRLF included.
std::string BuildUpstreamHead(const RequestHead& req, const UpstreamHeadParams& p);

struct ClientHeadParams {
  int client_minor = 1;      // the client's HTTP/1.minor
  bool keep_alive = true;    // the client connection stays open after this response
  bool dechunk = false;      // the body is sent de-chunked and close-delimited (HTTP/1.0 client)
  std::string_view set_cookie;  // extra Set-Cookie ("" = none)
};

// Appends the response head for the client to `out`.
void AppendClientHead(std::string* out, const ResponseHead& resp, const ClientHeadParams& p);

// A whole local answer (status line, headers, short HTML body unless HEAD).
// `headers` are extra headers (e.g. Location).
std::string LocalResponse(int status, bool head_request, bool keep_alive, int client_minor,
                          const std::vector<std::pair<std::string, std::string>>& headers = {});

std::string_view StatusReason(int status);

// "Mon, 07 Dec 2026 23:59:59 GMT" (cached per second per thread).
std::string_view HttpDate(time_t now);

// Replaces $0..$9 in `rewrite` with `groups` (missing groups become "").
std::string ExpandRewrite(std::string_view rewrite, const std::vector<std::string>& groups);

// A random 32-hex-digit request id.
std::string NewRequestId();

struct AccessLogEntry {
  std::string_view remote_addr;
  time_t time = 0;
  std::string_view method, target;
  int minor = 1;  // HTTP/1.minor; 2 for HTTP/2.0
  int status = 0;
  uint64_t body_bytes_sent = 0;
  std::string_view referer, user_agent;
  uint64_t request_length = 0;
  double request_time = 0;  // seconds
  std::string_view upstream_name;        // "ns-svc-port" or ""
  std::string_view alternative_upstream;  // canary upstream or ""
  std::string_view upstream_addr;        // "10.244.1.5:8080" or ""
  uint64_t upstream_response_length = 0;
  double upstream_response_time = -1;    // < 0: none
  int upstream_status = 0;               // 0: none
  std::string_view request_id;
};

// One line (newline included) in ingress-nginx's default log format:
// $remote_addr - $remote_user [$time_local] "$request" $status
// $body_bytes_sent "$http_referer" "$http_user_agent" $request_length
// $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name]
// $upstream_addr $upstream_response_length $upstream_response_time
// $upstream_status $req_id
void AppendAccessLog(std::string* out, const AccessLogEntry& e);

}  // namespace netkube::ingress
