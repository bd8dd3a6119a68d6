#include "ingress/proxy_format.h"

#include <charconv>
#include <cstdio>
#include <random>

namespace netkube::ingress {
namespace {

bool IsHopByHop(std::string_view name) {
  return EqualsIgnoreCase(name, "connection") || EqualsIgnoreCase(name, "keep-alive") ||
         EqualsIgnoreCase(name, "proxy-connection") || EqualsIgnoreCase(name, "te") ||
         EqualsIgnoreCase(name, "trailer") || EqualsIgnoreCase(name, "upgrade");
}

// Headers the proxy sets itself on the way to the backend.
bool IsForwardingHeader(std::string_view name) {
  return EqualsIgnoreCase(name, "x-forwarded-for") || EqualsIgnoreCase(name, "x-forwarded-host") ||
         EqualsIgnoreCase(name, "x-forwarded-port") || EqualsIgnoreCase(name, "x-forwarded-proto") ||
         EqualsIgnoreCase(name, "x-forwarded-scheme") || EqualsIgnoreCase(name, "x-real-ip") ||
         EqualsIgnoreCase(name, "x-request-id") || EqualsIgnoreCase(name, "x-scheme") ||
         EqualsIgnoreCase(name, "host");
}

void AppendHeader(std::string* out, std::string_view name, std::string_view value) {
  out->append(name);
  out->append(": ");
  out->append(value);
  out->append("\r\n");
}

void AppendEscaped(std::string* out, std::string_view v) {
  if (v.empty()) {
    out->push_back('-');
    return;
  }
  for (unsigned char c : v) {
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f) {
      char buf[5];
      std::snprintf(buf, sizeof(buf), "\\x%02X", c);
      out->append(buf);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
}

}  // namespace

std::string_view StatusReason(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Moved Temporarily";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Not Allowed";
    case 408: return "Request Time-out";
    case 411: return "Length Required";
    case 413: return "Request Entity Too Large";
    case 414: return "Request-URI Too Large";
    case 431: return "Request Header Fields Too Large";
    case 499: return "Client Closed Request";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Temporarily Unavailable";
    case 504: return "Gateway Time-out";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

std::string_view HttpDate(time_t now) {
  thread_local time_t cached_at = 0;
  thread_local char buf[40];
  if (now != cached_at) {
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached_at = now;
  }
  return buf;
}

std::string BuildUpstreamHead(const RequestHead& req, const UpstreamHeadParams& p) {
  std::string out;
  out.reserve(req.head_size + 320);
  out.append(req.method);
  out.push_back(' ');
  out.append(p.target);
  out.append(" HTTP/1.1\r\n");
  AppendHeader(&out, "Host", req.host);
  std::string_view xff, xf_host, xf_port, xf_proto;
  for (const HeaderField& h : req.headers) {
    if (p.trust_forwarded) {
      if (EqualsIgnoreCase(h.name, "x-forwarded-for")) xff = h.value;
      else if (EqualsIgnoreCase(h.name, "x-forwarded-host")) xf_host = h.value;
      else if (EqualsIgnoreCase(h.name, "x-forwarded-port")) xf_port = h.value;
      else if (EqualsIgnoreCase(h.name, "x-forwarded-proto")) xf_proto = h.value;
    }
    if (IsHopByHop(h.name) || IsForwardingHeader(h.name)) continue;
    AppendHeader(&out, h.name, h.value);
  }
  if (req.upgrade) {
    for (const HeaderField& h : req.headers)
      if (EqualsIgnoreCase(h.name, "upgrade")) AppendHeader(&out, "Upgrade", h.value);
    AppendHeader(&out, "Connection", "upgrade");
  }
  AppendHeader(&out, "X-Request-ID", p.request_id);
  AppendHeader(&out, "X-Real-IP", p.client_ip);
  if (xff.empty()) {
    AppendHeader(&out, "X-Forwarded-For", p.client_ip);
  } else {
    std::string chain(xff);
    chain += ", ";
    chain += p.client_ip;
    AppendHeader(&out, "X-Forwarded-For", chain);
  }
  AppendHeader(&out, "X-Forwarded-Host", xf_host.empty() ? req.host : xf_host);
  std::string port = std::to_string(p.listener_port);
  AppendHeader(&out, "X-Forwarded-Port", xf_port.empty() ? std::string_view(port) : xf_port);
  std::string_view scheme = xf_proto.empty() ? (p.https ? "https" : "http") : xf_proto;
  AppendHeader(&out, "X-Forwarded-Proto", scheme);
  AppendHeader(&out, "X-Forwarded-Scheme", scheme);
  AppendHeader(&out, "X-Scheme", scheme);
  out.append("\r\n");
  return out;
}

void AppendClientHead(std::string* out, const ResponseHead& resp, const ClientHeadParams& p) {
  out->append(p.client_minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ");
  out->append(std::to_string(resp.status));
  out->push_back(' ');
  out->append(resp.reason.empty() ? StatusReason(resp.status) : resp.reason);
  out->append("\r\n");
  AppendHeader(out, "Date", HttpDate(time(nullptr)));
  AppendHeader(out, "Server", kServerHeader);
  bool upgrade = resp.status == 101;
  for (const HeaderField& h : resp.headers) {
    if (EqualsIgnoreCase(h.name, "server") || EqualsIgnoreCase(h.name, "date")) continue;
    if (IsHopByHop(h.name) && !(upgrade && EqualsIgnoreCase(h.name, "upgrade"))) continue;
    if (p.dechunk && EqualsIgnoreCase(h.name, "transfer-encoding")) continue;
    AppendHeader(out, h.name, h.value);
  }
  if (!p.set_cookie.empty()) AppendHeader(out, "Set-Cookie", p.set_cookie);
  if (upgrade) {
    AppendHeader(out, "Connection", "upgrade");
  } else if (!p.keep_alive) {
    AppendHeader(out, "Connection", "close");
  } else if (p.client_minor == 0) {
    AppendHeader(out, "Connection", "keep-alive");
  }
  out->append("\r\n");
}

std::string LocalResponse(int status, bool head_request, bool keep_alive, int client_minor,
                          const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string reason(StatusReason(status));
  std::string body = "<html>\r\n<head><title>" + std::to_string(status) + " " + reason +
                     "</title></head>\r\n<body>\r\n<center><h1>" + std::to_string(status) + " " + reason +
                     "</h1></center>\r\n<hr><center>" + kServerHeader + "</center>\r\n</body>\r\n</html>\r\n";
  std::string out = client_minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(status) + " " + reason + "\r\n";
  AppendHeader(&out, "Date", HttpDate(time(nullptr)));
  AppendHeader(&out, "Server", kServerHeader);
  AppendHeader(&out, "Content-Type", "text/html");
  AppendHeader(&out, "Content-Length", std::to_string(body.size()));
  for (const auto& [k, v] : headers) AppendHeader(&out, k, v);
  if (!keep_alive) AppendHeader(&out, "Connection", "close");
  else if (client_minor == 0) AppendHeader(&out, "Connection", "keep-alive");
  out += "\r\n";
  if (!head_request) out += body;
  return out;
}

std::string ExpandRewrite(std::string_view rewrite, const std::vector<std::string>& groups) {
  std::string out;
  for (size_t i = 0; i < rewrite.size(); ++i) {
    if (rewrite[i] == '$' && i + 1 < rewrite.size() && rewrite[i + 1] >= '0' && rewrite[i + 1] <= '9') {
      size_t g = rewrite[i + 1] - '0';
      if (g < groups.size()) out += groups[g];
      ++i;
    } else {
      out.push_back(rewrite[i]);
    }
  }
  return out;
}

std::string NewRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[33];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return buf;
}

namespace {

void AppendUint(std::string* out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
}

// Seconds with three decimals ("0.002"), as nginx's $request_time.
void AppendSeconds(std::string* out, double seconds) {
  uint64_t ms = seconds <= 0 ? 0 : static_cast<uint64_t>(seconds * 1000 + 0.5);
  AppendUint(out, ms / 1000);
  char frac[4] = {static_cast<char>('.'), static_cast<char>('0' + ms / 100 % 10), static_cast<char>('0' + ms / 10 % 10),
                  static_cast<char>('0' + ms % 10)};
  out->append(frac, 4);
}

// "07/Dec/2026:23:59:59 +0000" (cached per second per thread).
std::string_view LogTime(time_t t) {
  thread_local time_t cached_at = -1;
  thread_local char buf[40];
  if (t != cached_at) {
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, sizeof(buf), "%d/%b/%Y:%H:%M:%S +0000", &tm);
    cached_at = t;
  }
  return buf;
}

}  // namespace

void AppendAccessLog(std::string* out, const AccessLogEntry& e) {
  out->append(e.remote_addr);
  out->append(" - - [");
  out->append(LogTime(e.time));
  out->append("] \"");
  AppendEscaped(out, e.method);
  out->push_back(' ');
  AppendEscaped(out, e.target);
  out->append(e.minor == 2 ? " HTTP/2.0\" " : e.minor == 0 ? " HTTP/1.0\" " : " HTTP/1.1\" ");
  AppendUint(out, static_cast<uint64_t>(e.status));
  out->push_back(' ');
  AppendUint(out, e.body_bytes_sent);
  out->append(" \"");
  AppendEscaped(out, e.referer);
  out->append("\" \"");
  AppendEscaped(out, e.user_agent);
  out->append("\" ");
  AppendUint(out, e.request_length);
  out->push_back(' ');
  AppendSeconds(out, e.request_time);
  out->append(" [");
  out->append(e.upstream_name);
  out->append("] [");
  out->append(e.alternative_upstream);
  out->append("] ");
  if (e.upstream_addr.empty()) {
    out->append("- - - - ");
  } else {
    out->append(e.upstream_addr);
    out->push_back(' ');
    AppendUint(out, e.upstream_response_length);
    out->push_back(' ');
    AppendSeconds(out, e.upstream_response_time < 0 ? 0.0 : e.upstream_response_time);
    out->push_back(' ');
    AppendUint(out, static_cast<uint64_t>(e.upstream_status));
    out->push_back(' ');
  }
  out->append(e.request_id);
  out->push_back('\n');
}

}  // namespace netkube::ingress
