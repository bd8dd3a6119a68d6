// How a directive of a server block becomes a Plugin: each plugin has a
// factory that parses its own directive (arguments and block) and returns a
// ready plugin or a parse error with the line (corefile.h: ParseErrorAt,
// ArgErr). The factories are listed explicitly below (static registrars would
// be dropped from a static library). Plugins run in CoreDNS's fixed order
// (plugin.cfg), not in the order the Corefile lists them.
//
// Server-level directives (health, ready, prometheus, reload, errors) are read
// by the server itself; see server.h.
//
// Thread-safety: pure lookups.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dns/corefile.h"
#include "dns/plugin.h"
#include "util/status.h"

namespace netkube::dns {

struct SetupContext {
  std::vector<Name> zones;      // the server block's zones
  int port = 53;
  std::string server;           // metrics label, "dns://:53"
  std::string corefile_dir;     // for relative paths (hosts FILE)
};

using PluginFactory =
    std::function<StatusOr<std::unique_ptr<Plugin>>(const Directive& d, const SetupContext& ctx)>;

// The factories, one per plugin, each in the plugin's own .cc file.
StatusOr<std::unique_ptr<Plugin>> SetupKubernetes(const Directive& d, const SetupContext& ctx);  // kubernetes.cc
StatusOr<std::unique_ptr<Plugin>> SetupForward(const Directive& d, const SetupContext& ctx);     // forward.cc
StatusOr<std::unique_ptr<Plugin>> SetupLoop(const Directive& d, const SetupContext& ctx);        // loop.cc
StatusOr<std::unique_ptr<Plugin>> SetupCache(const Directive& d, const SetupContext& ctx);       // cache.cc
StatusOr<std::unique_ptr<Plugin>> SetupLog(const Directive& d, const SetupContext& ctx);         // log.cc
StatusOr<std::unique_ptr<Plugin>> SetupLoadbalance(const Directive& d, const SetupContext& ctx);  // loadbalance.cc
StatusOr<std::unique_ptr<Plugin>> SetupHosts(const Directive& d, const SetupContext& ctx);       // hosts.cc
StatusOr<std::unique_ptr<Plugin>> SetupRewrite(const Directive& d, const SetupContext& ctx);     // rewrite.cc

// The chain plugins in CoreDNS's order (plugin.cfg): log, loadbalance, cache,
// rewrite, hosts, kubernetes, loop, forward.
const std::vector<std::string>& PluginOrder();
// nullptr for a name that is no chain plugin (setup.cc).
const PluginFactory* LookupPlugin(std::string_view name);

}  // namespace netkube::dns
