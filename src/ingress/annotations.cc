// ingress-nginx annotations → RouteOptions (annotations.h).
#include "ingress/annotations.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include "util/strings.h"

namespace netkube::ingress {

namespace {

constexpr std::array<std::string_view, 21> kSupported = {
    "rewrite-target",        "use-regex",
    "app-root",              "ssl-redirect",
    "force-ssl-redirect",    "proxy-body-size",
    "proxy-connect-timeout", "proxy-read-timeout",
    "proxy-send-timeout",    "allowlist-source-range",
    "whitelist-source-range", "affinity",
    "session-cookie-name",   "permanent-redirect",
    "permanent-redirect-code", "backend-protocol",
    "canary",                "canary-weight",
    "canary-weight-total",   "canary-by-header",
    "canary-by-header-value",
};

constexpr std::string_view kSnippetSuffix = "-snippet";

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Non-negative decimal integer without sign or spaces; nullopt on overflow.
std::optional<int64_t> ParseUint(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Printable ASCII without spaces: what may go into a Location header or a
// rewritten request line without splitting it.
bool IsUrlSafe(std::string_view s) {
  for (unsigned char c : s)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}

// RFC 7230 tchar.
bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// A header field value: visible characters, spaces and tabs.
bool IsHeaderValue(std::string_view s) {
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  return true;
}

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  return out;
}

// Reads the annotations of one Ingress, recording errors by full key.
class Reader {
 public:
  Reader(const std::map<std::string, std::string>& a, std::vector<AnnotationError>* errors)
      : annotations_(a), errors_(errors) {}

  // The value of `name` (without prefix), or nullptr.
  const std::string* Get(std::string_view name) const {
    auto it = annotations_.find(std::string(kAnnotationPrefix) + std::string(name));
    return it == annotations_.end() ? nullptr : &it->second;
  }

  void Error(std::string_view name, std::string message) {
    errors_->push_back({std::string(kAnnotationPrefix) + std::string(name), std::move(message)});
  }

  void Bool(std::string_view name, bool* out) {
    const std::string* v = Get(name);
    if (v == nullptr) return;
    if (std::optional<bool> b = ParseBool(TrimSpace(*v))) {
      *out = *b;
    } else {
      Error(name, "invalid boolean " + Quote(*v) + "; want \"true\" or \"false\"");
    }
  }

  // Whole seconds into milliseconds.
  void Seconds(std::string_view name, int* out_ms) {
    const std::string* v = Get(name);
    if (v == nullptr) return;
    std::optional<int64_t> s = ParseUint(TrimSpace(*v));
    constexpr int64_t kMax = std::numeric_limits<int>::max() / 1000;
    if (!s || *s < 1 || *s > kMax) {
      Error(name, "invalid timeout " + Quote(*v) + "; want whole seconds from 1 to " +
                      std::to_string(kMax));
      return;
    }
    *out_ms = static_cast<int>(*s * 1000);
  }

  // An integer in [lo, hi].
  bool Int(std::string_view name, int lo, int hi, int* out) {
    const std::string* v = Get(name);
    if (v == nullptr) return false;
    std::optional<int64_t> n = ParseUint(TrimSpace(*v));
    if (!n || *n < lo || *n > hi) {
      Error(name, "invalid value " + Quote(*v) + "; want an integer from " + std::to_string(lo) +
                      " to " + std::to_string(hi));
      return false;
    }
    *out = static_cast<int>(*n);
    return true;
  }

  // A URL or path that ends up in a header or request line.
  void Url(std::string_view name, std::string* out, bool must_be_path) {
    const std::string* v = Get(name);
    if (v == nullptr) return;
    std::string_view t = TrimSpace(*v);
    if (t.empty()) return;  // "" = not set
    if (!IsUrlSafe(t)) {
      Error(name, "invalid value " + Quote(*v) + ": spaces and control characters are not allowed");
      return;
    }
    if (must_be_path && t.front() != '/') {
      Error(name, "invalid value " + Quote(*v) + ": must be a path starting with \"/\"");
      return;
    }
    *out = std::string(t);
  }

 private:
  const std::map<std::string, std::string>& annotations_;
  std::vector<AnnotationError>* errors_;
};

void ParseAllowlist(Reader& r, RouteOptions& o) {
  std::string_view name = "allowlist-source-range";
  const std::string* v = r.Get(name);
  if (v == nullptr) {
    name = "whitelist-source-range";
    v = r.Get(name);
  }
  if (v == nullptr) return;
  std::vector<Cidr> list;
  std::string bad;
  std::string_view rest = *v;
  while (true) {
    size_t comma = rest.find(',');
    std::string_view item = TrimSpace(rest.substr(0, comma));
    if (!item.empty()) {
      if (std::optional<Cidr> c = Cidr::Parse(item)) {
        list.push_back(*c);
      } else if (bad.empty()) {
        bad = std::string(item);
      }
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (!bad.empty()) {
    r.Error(name, "invalid CIDR " + Quote(bad) + "; denying every client");
    Cidr none;
    none.family = 0;
    o.allowlist = {none};
    return;
  }
  o.allowlist = std::move(list);  // empty (all blanks) = everyone
}

void ParseAffinity(Reader& r, RouteOptions& o) {
  const std::string* v = r.Get("affinity");
  if (v == nullptr) return;
  std::string_view t = TrimSpace(*v);
  if (t.empty()) return;
  if (t != "cookie") {
    r.Error("affinity", "unsupported affinity " + Quote(*v) + "; only \"cookie\" is supported");
    return;
  }
  o.affinity_cookie = "INGRESSCOOKIE";
  if (const std::string* n = r.Get("session-cookie-name")) {
    std::string_view name = TrimSpace(*n);
    // A cookie-name is an RFC 6265 token.
    if (IsToken(name)) {
      o.affinity_cookie = std::string(name);
    } else {
      r.Error("session-cookie-name", "invalid cookie name " + Quote(*n) + "; using INGRESSCOOKIE");
    }
  }
}

void ParseCanary(Reader& r, CanaryOptions& c) {
  r.Bool("canary", &c.enabled);
  r.Int("canary-weight-total", 1, 1000000000, &c.weight_total);
  if (r.Int("canary-weight", 0, 1000000000, &c.weight) && c.weight > c.weight_total) {
    r.Error("canary-weight", "weight " + std::to_string(c.weight) + " is above canary-weight-total " +
                                 std::to_string(c.weight_total) + "; using " +
                                 std::to_string(c.weight_total));
    c.weight = c.weight_total;
  }
  if (const std::string* h = r.Get("canary-by-header")) {
    std::string_view t = TrimSpace(*h);
    if (t.empty()) {
      // not set
    } else if (IsToken(t)) {
      c.header = std::string(t);
    } else {
      r.Error("canary-by-header", "invalid header name " + Quote(*h));
    }
  }
  if (const std::string* hv = r.Get("canary-by-header-value")) {
    if (IsHeaderValue(*hv)) {
      c.header_value = *hv;
    } else {
      r.Error("canary-by-header-value", "invalid header value " + Quote(*hv));
    }
  }
}

}  // namespace

std::optional<bool> ParseBool(std::string_view t) {
  if (t == "1" || t == "t" || t == "T" || t == "TRUE" || t == "true" || t == "True") return true;
  if (t == "0" || t == "f" || t == "F" || t == "FALSE" || t == "false" || t == "False") return false;
  return std::nullopt;
}

std::optional<int64_t> ParseNginxSize(std::string_view text) {
  std::string_view t = TrimSpace(text);
  if (t.empty()) return std::nullopt;
  int shift = 0;
  switch (t.back()) {
    case 'k':
    case 'K':
      shift = 10;
      break;
    case 'm':
    case 'M':
      shift = 20;
      break;
    case 'g':
    case 'G':
      shift = 30;
      break;
  }
  if (shift != 0) t.remove_suffix(1);
  std::optional<int64_t> n = ParseUint(t);
  if (!n || *n > (std::numeric_limits<int64_t>::max() >> shift)) return std::nullopt;
  return *n << shift;
}

IngressAnnotations ParseAnnotations(const std::map<std::string, std::string>& annotations,
                                    std::vector<AnnotationError>* errors,
                                    std::vector<std::string>* unsupported) {
  IngressAnnotations a;
  RouteOptions& o = a.options;
  Reader r(annotations, errors);

  r.Url("rewrite-target", &o.rewrite_target, /*must_be_path=*/false);
  r.Bool("use-regex", &a.use_regex);
  r.Url("app-root", &o.app_root, /*must_be_path=*/true);
  r.Bool("ssl-redirect", &o.ssl_redirect);
  r.Bool("force-ssl-redirect", &o.force_ssl_redirect);
  if (const std::string* v = r.Get("proxy-body-size")) {
    if (std::optional<int64_t> n = ParseNginxSize(*v)) {
      o.proxy_body_size = *n;
    } else {
      r.Error("proxy-body-size", "invalid size " + Quote(*v) +
                                     "; want a number of bytes with an optional k, m or g unit");
    }
  }
  r.Seconds("proxy-connect-timeout", &o.connect_timeout_ms);
  r.Seconds("proxy-read-timeout", &o.read_timeout_ms);
  r.Seconds("proxy-send-timeout", &o.send_timeout_ms);
  ParseAllowlist(r, o);
  ParseAffinity(r, o);
  r.Url("permanent-redirect", &o.permanent_redirect, /*must_be_path=*/false);
  r.Int("permanent-redirect-code", 300, 308, &o.permanent_redirect_code);
  if (const std::string* v = r.Get("backend-protocol")) {
    std::string p = Upper(TrimSpace(*v));
    if (p == "HTTPS") {
      a.backend_https = true;
    } else if (p != "HTTP") {
      r.Error("backend-protocol", "unsupported backend protocol " + Quote(*v) +
                                      "; only HTTP and HTTPS are supported, using HTTP");
    }
  }
  ParseCanary(r, a.canary);

  if (unsupported != nullptr) {
    for (const auto& [key, value] : annotations) {
      std::string_view k = key;
      if (k.substr(0, kAnnotationPrefix.size()) != kAnnotationPrefix) continue;
      std::string_view name = k.substr(kAnnotationPrefix.size());
      if (EndsWith(name, kSnippetSuffix)) continue;  // refused, not merely unsupported
      if (std::find(kSupported.begin(), kSupported.end(), name) == kSupported.end())
        unsupported->push_back(key);
    }
  }
  return a;
}

std::vector<std::string> SnippetAnnotations(const std::map<std::string, std::string>& annotations) {
  std::vector<std::string> out;
  for (const auto& [key, value] : annotations) {
    std::string_view k = key;
    if (k.size() <= kAnnotationPrefix.size()) continue;
    // Keys are case-sensitive in the API; compare the prefix and the suffix
    // without case anyway, so "Nginx.Ingress..." cannot slip through.
    std::string lower(k);
    for (char& c : lower)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    std::string_view l = lower;
    if (l.substr(0, kAnnotationPrefix.size()) == kAnnotationPrefix && EndsWith(l, kSnippetSuffix))
      out.push_back(key);
  }
  return out;  // map order: sorted
}

}  // namespace netkube::ingress
