// Fuzzes the Corefile parser (dns/corefile.h): any text must give server
// blocks or an Invalid error that names the file and line, never a crash or a
// hang; every key of a parsed block must give a zone address or an Invalid
// error. Imports see a fixed, small set of files (no disk access).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dns/corefile.h"

namespace {

void Walk(const std::vector<netkube::dns::Directive>& ds, int depth) {
  if (depth > 200) std::abort();
  for (const auto& d : ds) {
    if (d.name.line <= 0) std::abort();
    if (!d.has_block && !d.block.empty()) std::abort();
    Walk(d.block, depth + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netkube::dns;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  CorefileOptions o;
  o.file = "/etc/coredns/Corefile";
  o.getenv = [](const std::string& name) -> std::optional<std::string> {
    if (name == "ZONE") return std::string("cluster.local");
    if (name == "BRACE") return std::string("{");
    return std::nullopt;
  };
  o.read_file = [](const std::string& path) -> netkube::StatusOr<std::string> {
    if (path == "/etc/coredns/a") return std::string("log\nimport b\n");
    if (path == "/etc/coredns/b") return std::string("(s) {\n errors\n}\nimport a\n");
    return netkube::Status::NotFound("no such file or directory");
  };
  o.glob = [](const std::string& pattern) -> std::vector<std::string> {
    if (pattern == "/etc/coredns/a" || pattern == "/etc/coredns/b") return {pattern};
    if (pattern == "/etc/coredns/*") return {"/etc/coredns/a", "/etc/coredns/b"};
    return {};
  };
  auto blocks = ParseCorefile(text, o);
  if (!blocks.ok()) {
    if (!blocks.status().IsInvalid()) std::abort();
    if (blocks.status().message().find(" - Error during parsing: ") == std::string::npos) std::abort();
    return 0;
  }
  for (const auto& b : *blocks) {
    for (const auto& k : b.keys) {
      auto z = ParseZoneKey(k);
      if (!z.ok() && !z.status().IsInvalid()) std::abort();
      if (z.ok() && (z->zones.empty() || z->port < 0 || z->port > 65535)) std::abort();
    }
    Walk(b.directives, 0);
  }
  return 0;
}
