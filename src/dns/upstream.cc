#include "dns/upstream.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include <cstring>

#include "dns/resolv_conf.h"

namespace netkube::dns {
namespace {

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Numeric host and port to a socket address; false when `host` is no IP.
bool Resolve(const std::string& host, int port, UpstreamAddress* out) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  if (getaddrinfo(host.c_str(), service.c_str(), &hints, &res) != 0 || res == nullptr) return false;
  std::memcpy(&out->addr, res->ai_addr, res->ai_addrlen);
  out->addr_len = res->ai_addrlen;
  bool v6 = res->ai_family == AF_INET6;
  freeaddrinfo(res);
  out->name = v6 ? "[" + host + "]:" + service : host + ":" + service;
  return true;
}

}  // namespace

StatusOr<UpstreamAddress> ParseUpstreamAddress(std::string_view text, int default_port) {
  std::string_view s = text;
  for (std::string_view scheme : {"tls://", "https://", "grpc://", "quic://"}) {
    if (StartsWith(s, scheme)) {
      return Status::Invalid("'" + std::string(scheme.substr(0, scheme.size() - 3)) +
                             "' is not supported as a destination protocol in forward: " + std::string(text));
    }
  }
  if (StartsWith(s, "dns://")) s.remove_prefix(6);
  auto bad = [&] { return Status::Invalid("not an IP address or file: \"" + std::string(text) + "\""); };
  if (s.empty()) return bad();

  std::string host;
  int port = default_port;
  auto parse_port = [&](std::string_view p) {
    if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string_view::npos) return false;
    port = std::stoi(std::string(p));
    return port > 0 && port <= 65535;
  };
  if (s.front() == '[') {  // [v6] or [v6]:port
    size_t close = s.find(']');
    if (close == std::string_view::npos) return bad();
    host = std::string(s.substr(1, close - 1));
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !parse_port(rest.substr(1)))) return bad();
  } else if (size_t colon = s.find(':'); colon != std::string_view::npos && s.find(':', colon + 1) == std::string_view::npos) {
    host = std::string(s.substr(0, colon));  // v4:port
    if (!parse_port(s.substr(colon + 1))) return bad();
  } else {
    host = std::string(s);  // v4 or bare v6
  }
  UpstreamAddress out;
  if (!Resolve(host, port, &out)) return bad();
  return out;
}

StatusOr<std::vector<UpstreamAddress>> ExpandUpstreams(const std::vector<std::string>& to, int file_port) {
  std::vector<UpstreamAddress> out;
  for (const std::string& word : to) {
    StatusOr<UpstreamAddress> addr = ParseUpstreamAddress(word);
    if (addr.ok()) {
      out.push_back(std::move(addr).value());
      continue;
    }
    struct stat st {};
    bool is_file = !StartsWith(word, "dns://") && stat(word.c_str(), &st) == 0 && S_ISREG(st.st_mode);
    if (!is_file) return addr.status();
    StatusOr<std::vector<std::string>> servers = ReadResolvConfNameservers(word);
    if (!servers.ok()) return servers.status();
    if (servers->empty()) return Status::Invalid("no nameservers found in " + word);
    for (const std::string& ns : *servers) {
      StatusOr<UpstreamAddress> a = ParseUpstreamAddress(ns, file_port);
      if (!a.ok()) return Status::Invalid("bad nameserver \"" + ns + "\" in " + word);
      out.push_back(std::move(a).value());
    }
  }
  return out;
}

}  // namespace netkube::dns
