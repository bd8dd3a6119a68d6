// Route matching (route_table.h). Nothing here allocates on the request path
// except the first lookups of a thread (a thread_local key buffer grows once)
// and RE2's own lazily built DFA states for regex routes.
#include "ingress/route_table.h"

#include <arpa/inet.h>
#include <re2/re2.h>

#include <cstring>

namespace netkube::ingress {

namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// The rule path with its trailing '/' removed ("/" → "", "/foo/" → "/foo").
std::string_view TrimTrailingSlashes(std::string_view p) {
  while (!p.empty() && p.back() == '/') p.remove_suffix(1);
  return p;
}

bool RouteMatches(const Route& r, std::string_view path) {
  switch (r.type) {
    case PathType::kExact:
      return path == r.path;
    case PathType::kPrefix:
    case PathType::kImplementationSpecific:
      return PrefixMatch(r.path, path);
    case PathType::kRegex:
      return r.regex != nullptr &&
             r.regex->Match(re2::StringPiece(path.data(), path.size()), 0, path.size(),
                            re2::RE2::ANCHOR_START, nullptr, 0);
  }
  return false;
}

// Looks `key` up without building a std::string per call: the thread's
// buffer keeps its capacity between requests.
const VirtualHost* Lookup(const std::unordered_map<std::string, VirtualHost>& hosts,
                          std::string_view key) {
  if (hosts.empty()) return nullptr;
  thread_local std::string buffer;
  buffer.assign(key.data(), key.size());
  auto it = hosts.find(buffer);
  return it == hosts.end() ? nullptr : &it->second;
}

}  // namespace

std::optional<Cidr> Cidr::Parse(std::string_view text) {
  Cidr c;
  std::string_view addr = text;
  int max_prefix = 0;
  std::optional<int> prefix;
  size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    int v = 0;
    for (char ch : digits) {
      if (ch < '0' || ch > '9') return std::nullopt;
      v = v * 10 + (ch - '0');
    }
    prefix = v;
  }
  if (addr.empty() || addr.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN];
  std::memcpy(buf, addr.data(), addr.size());
  buf[addr.size()] = '\0';
  if (inet_pton(AF_INET, buf, c.bytes) == 1) {
    c.family = 4;
    max_prefix = 32;
  } else if (inet_pton(AF_INET6, buf, c.bytes) == 1) {
    c.family = 6;
    max_prefix = 128;
  } else {
    return std::nullopt;
  }
  c.prefix = prefix.value_or(max_prefix);
  if (c.prefix > max_prefix) return std::nullopt;
  // Clear the host bits, as Go's net.ParseCIDR does ("10.1.2.3/8" is 10.0.0.0/8).
  int nbytes = max_prefix / 8;
  for (int i = 0; i < nbytes; ++i) {
    int keep = c.prefix - i * 8;
    if (keep >= 8) continue;
    c.bytes[i] &= keep <= 0 ? 0 : static_cast<uint8_t>(0xff << (8 - keep));
  }
  return c;
}

bool Cidr::Contains(const uint8_t* addr, int addr_family) const {
  if (family != 4 && family != 6) return false;  // fails closed
  const uint8_t* a = addr;
  if (family == 4 && addr_family == 6) {
    // An IPv4 client seen on a dual-stack socket: ::ffff:a.b.c.d.
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(addr, kMapped, 12) != 0) return false;
    a = addr + 12;
  } else if (family != addr_family) {
    return false;
  }
  int full = prefix / 8;
  if (std::memcmp(a, bytes, full) != 0) return false;
  int rest = prefix % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[full] & mask) == bytes[full];
}

std::string Backend::UpstreamName() const { return ns + "-" + service + "-" + port; }

std::string NormalizeHost(std::string_view h) {
  std::string_view name = h;
  if (!h.empty() && h.front() == '[') {
    // IPv6 literal: "[::1]:80" → "[::1]".
    size_t close = h.find(']');
    name = close == std::string_view::npos ? h : h.substr(0, close + 1);
  } else {
    size_t colon = h.rfind(':');
    // One colon: host:port. Several: a bare IPv6 address (not valid in a
    // Host header, but not ours to cut either).
    if (colon != std::string_view::npos && h.find(':') == colon) name = h.substr(0, colon);
  }
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string out(name);
  for (char& c : out) c = Lower(c);
  return out;
}

bool PrefixMatch(std::string_view rule_path, std::string_view path) {
  std::string_view rule = TrimTrailingSlashes(rule_path);
  if (path.size() < rule.size() || path.compare(0, rule.size(), rule) != 0) return false;
  return path.size() == rule.size() || path[rule.size()] == '/';
}

const VirtualHost* FindHost(const RouteTable& table, std::string_view host) {
  if (const VirtualHost* v = Lookup(table.exact_hosts, host)) return v;
  size_t dot = host.find('.');
  // "*" stands for exactly one non-empty label.
  if (dot != std::string_view::npos && dot > 0) {
    if (const VirtualHost* v = Lookup(table.wildcard_hosts, host.substr(dot))) return v;
  }
  if (!table.any_host.routes.empty() || table.any_host.default_route) return &table.any_host;
  return nullptr;
}

MatchResult Match(const RouteTable& table, std::string_view host, std::string_view path) {
  MatchResult m;
  m.vhost = FindHost(table, host);
  if (m.vhost != nullptr) {
    for (const Route& r : m.vhost->routes) {
      if (RouteMatches(r, path)) {
        m.route = &r;
        return m;
      }
    }
    if (m.vhost->default_route) {
      m.route = &*m.vhost->default_route;
      return m;
    }
  }
  if (table.default_route) m.route = &*table.default_route;
  return m;
}

}  // namespace netkube::ingress
