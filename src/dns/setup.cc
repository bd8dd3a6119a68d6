// The plugin registration table (setup.h): CoreDNS's plugin.cfg order, one
// row per chain plugin.
#include "dns/setup.h"

#include <utility>

namespace netkube::dns {

namespace {

struct Entry {
  std::string name;
  PluginFactory factory;
};

// In execution order (PluginOrder).
const std::vector<Entry>& Table() {
  static const std::vector<Entry> kTable = {
      {"log", SetupLog},
      {"loadbalance", SetupLoadbalance},
      {"cache", SetupCache},
      {"rewrite", SetupRewrite},
      {"hosts", SetupHosts},
      {"kubernetes", SetupKubernetes},
      {"loop", SetupLoop},
      {"forward", SetupForward},
  };
  return kTable;
}

}  // namespace

const std::vector<std::string>& PluginOrder() {
  static const std::vector<std::string> kOrder = {"log",   "loadbalance", "cache", "rewrite",
                                                   "hosts", "kubernetes",  "loop",  "forward"};
  return kOrder;
}

const PluginFactory* LookupPlugin(std::string_view name) {
  for (const Entry& e : Table()) {
    if (e.name == name) return &e.factory;
  }
  return nullptr;
}

}  // namespace netkube::dns
