// Corefile -> Config: each server block's zones and port, its plugin chain in
// PluginOrder, and the directives the server reads itself (errors, health,
// ready, prometheus, reload, bind, debug).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "dns/server_impl.h"

#include "util/duration.h"

namespace netkube::dns {

namespace {

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The plugin table in use: the options' or the built-in one.
struct PluginTable {
  std::vector<std::pair<std::string, const PluginFactory*>> order;
  int Rank(std::string_view name) const {
    for (size_t i = 0; i < order.size(); ++i) {
      if (order[i].first == name) return static_cast<int>(i);
    }
    return -1;
  }
};

PluginTable TableFor(const ServerOptions& options) {
  PluginTable t;
  if (!options.plugins.empty()) {
    for (const auto& [name, factory] : options.plugins) t.order.emplace_back(name, &factory);
    return t;
  }
  for (const std::string& name : PluginOrder()) {
    if (const PluginFactory* f = LookupPlugin(name)) t.order.emplace_back(name, f);
  }
  return t;
}

std::string ServerLabel(const std::string& address, int port) {
  std::string host = address;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "dns://" + host + ":" + std::to_string(port);
}

// One zone of one block with its listener keys, before grouping.
struct Pending {
  Name zone;
  int port;
  std::vector<std::string> addresses;  // bind or {default}
  BlockConfig* block;
  Token key;
};

Status ReadServerDirective(const Directive& d, Config& cfg, BlockConfig& block,
                           std::vector<std::string>& binds) {
  const std::string& n = d.name.text;
  if (n == "errors") {
    block.errors = true;  // `consolidate` lines are accepted; every error is logged
    for (const Directive& sub : d.block) {
      if (sub.name.text != "consolidate") return ParseErrorAt(sub.name, "unknown property '" + sub.name.text + "'");
    }
    return Status::OK();
  }
  if (n == "health") {
    if (d.args.size() > 1) return ArgErr(d.name);
    std::string addr = d.args.empty() ? ":8080" : d.args[0].text;
    cfg.http[addr].health = true;
    for (const Directive& sub : d.block) {
      if (sub.name.text != "lameduck") return ParseErrorAt(sub.name, "unknown property '" + sub.name.text + "'");
      if (sub.args.size() != 1) return ArgErr(sub.name);
      auto dur = ParseGoDurationMillis(sub.args[0].text);
      if (!dur.ok()) return ParseErrorAt(sub.args[0], "plugin/health: " + dur.status().message());
      cfg.lameduck = std::max(cfg.lameduck, *dur);
    }
    return Status::OK();
  }
  if (n == "ready") {
    if (d.args.size() > 1 || d.has_block) return ArgErr(d.name);
    cfg.http[d.args.empty() ? ":8181" : d.args[0].text].ready = true;
    block.ready = true;
    return Status::OK();
  }
  if (n == "prometheus") {
    if (d.args.size() > 1) return ArgErr(d.name);
    cfg.http[d.args.empty() ? "localhost:9153" : d.args[0].text].metrics = true;
    return Status::OK();
  }
  if (n == "reload") {
    if (d.args.size() > 2 || d.has_block) return ArgErr(d.name);
    std::chrono::milliseconds interval{30000}, jitter{15000};
    if (!d.args.empty()) {
      auto v = ParseGoDurationMillis(d.args[0].text);
      if (!v.ok() || *v < std::chrono::seconds(2)) {
        return ParseErrorAt(d.args[0], "plugin/reload: interval value must be greater or equal to 2s");
      }
      interval = *v;
      jitter = interval / 2;
    }
    if (d.args.size() > 1) {
      auto v = ParseGoDurationMillis(d.args[1].text);
      if (!v.ok() || *v < std::chrono::seconds(1)) {
        return ParseErrorAt(d.args[1], "plugin/reload: jitter value must be greater or equal to 1s");
      }
      if (*v > interval / 2) {
        return ParseErrorAt(d.args[1], "plugin/reload: jitter value must be smaller than interval/2");
      }
      jitter = *v;
    }
    cfg.reload = true;
    cfg.reload_interval = interval;
    cfg.reload_jitter = jitter;
    return Status::OK();
  }
  if (n == "bind") {
    if (d.args.empty()) return ArgErr(d.name);
    for (const Token& a : d.args) {
      std::string addr = a.text;
      if (addr.size() > 2 && addr.front() == '[' && addr.back() == ']') addr = addr.substr(1, addr.size() - 2);
      binds.push_back(addr);
    }
    return Status::OK();
  }
  if (n == "debug") return Status::OK();
  return ParseErrorAt(d.name, "Unknown directive '" + n + "'");
}

}  // namespace

StatusOr<std::shared_ptr<Config>> BuildConfig(const std::string& corefile, const ServerOptions& options) {
  CorefileOptions copts;
  copts.file = options.corefile_path;
  auto parsed = ParseCorefile(corefile, copts);
  if (!parsed.ok()) return parsed.status();

  auto cfg = std::make_shared<Config>();
  cfg->corefile = corefile;
  PluginTable table = TableFor(options);
  std::vector<Pending> pending;

  for (const ServerBlock& sb : *parsed) {
    auto block = std::make_unique<BlockConfig>();
    SetupContext ctx;
    ctx.corefile_dir = DirOf(options.corefile_path);
    std::vector<std::pair<Name, int>> zones;
    std::vector<Token> zone_keys;
    for (const Token& key : sb.keys) {
      auto za = ParseZoneKey(key, options.default_port);
      if (!za.ok()) return za.status();
      for (const Name& written : za->zones) {
        Name z = *Name::FromWire(written.key());  // zones are lower-cased, as CoreDNS does
        zones.emplace_back(z, za->port);
        zone_keys.push_back(key);
        ctx.zones.push_back(z);
      }
    }
    if (zones.empty()) continue;
    ctx.port = zones[0].second;

    // Server directives first (bind decides the metrics label), then the
    // chain plugins in table order.
    std::vector<std::string> binds;
    std::vector<std::pair<int, const Directive*>> chain_directives;
    for (const Directive& d : sb.directives) {
      int rank = table.Rank(d.name.text);
      if (rank >= 0) {
        chain_directives.emplace_back(rank, &d);
        continue;
      }
      NK_RETURN_IF_ERROR(ReadServerDirective(d, *cfg, *block, binds));
    }
    if (binds.empty()) binds.push_back(options.default_address);
    ctx.server = ServerLabel(binds[0], ctx.port);
    std::stable_sort(chain_directives.begin(), chain_directives.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [rank, d] : chain_directives) {
      auto plugin = (*table.order[rank].second)(*d, ctx);
      if (!plugin.ok()) return plugin.status();
      block->chain.push_back(plugin->get());
      block->plugins.push_back(std::move(plugin).value());
    }
    for (size_t i = 0; i < zones.size(); ++i) {
      block->names.push_back(zones[i].first.ToString() + ":" + std::to_string(zones[i].second));
      pending.push_back(Pending{zones[i].first, zones[i].second, binds, block.get(), zone_keys[i]});
    }
    cfg->blocks.push_back(std::move(block));
  }

  // Group zones by listener; a zone twice on one listener is an error.
  std::map<ListenerKey, size_t> listener_index;
  std::set<std::pair<ListenerKey, std::string>> seen;
  for (const Pending& p : pending) {
    for (const std::string& addr : p.addresses) {
      ListenerKey key{addr, p.port};
      std::string zkey = p.zone.key();
      if (!seen.insert({key, zkey}).second) {
        std::string where = addr.empty() ? "" : " on " + addr;
        return Status::Invalid("cannot serve dns://" + p.zone.ToString() + ":" + std::to_string(p.port) + where +
                               " - it is already defined");
      }
      auto [it, fresh] = listener_index.emplace(key, cfg->listeners.size());
      if (fresh) {
        ListenerConfig lc;
        lc.key = key;
        lc.server = ServerLabel(addr, p.port);
        lc.dropped = MetricsRegistry::Get().Zone(lc.server, "dropped");
        cfg->listeners.push_back(std::move(lc));
      }
      ListenerConfig& lc = cfg->listeners[it->second];
      auto entry = std::make_unique<ZoneEntry>();
      entry->zone = p.zone;
      entry->zone_key = zkey;
      entry->block = p.block;
      entry->server = lc.server;
      entry->metrics = MetricsRegistry::Get().Zone(lc.server, p.zone.ToString());
      for (Plugin* plugin : p.block->chain) entry->plugin_slots.push_back(entry->metrics->PluginSlot(plugin->name()));
      entry->index = cfg->zones.size();
      lc.zones.push_back(entry.get());
      cfg->zones.push_back(std::move(entry));
    }
  }
  for (ListenerConfig& lc : cfg->listeners) {
    std::stable_sort(lc.zones.begin(), lc.zones.end(),
                     [](const ZoneEntry* a, const ZoneEntry* b) { return a->zone_key.size() > b->zone_key.size(); });
  }
  return cfg;
}

ZoneEntry* ListenerConfig::Match(std::string_view qkey) const {
  // Label starts of the query name: a zone matches when it is a suffix that
  // starts at one.
  bool starts[256] = {};
  size_t i = 0;
  while (i < qkey.size() && i < 256) {
    starts[i] = true;
    i += static_cast<uint8_t>(qkey[i]) + 1;
  }
  for (ZoneEntry* z : zones) {  // longest first
    const std::string& k = z->zone_key;
    if (k.size() > qkey.size()) continue;
    size_t off = qkey.size() - k.size();
    if (off < 256 && starts[off] && qkey.compare(off, k.size(), k) == 0) return z;
  }
  return nullptr;
}

void ServerLog(std::string_view level, std::string_view msg) {
  std::string line;
  line.reserve(msg.size() + level.size() + 4);
  line += '[';
  line += level;
  line += "] ";
  line += msg;
  line += '\n';
  ssize_t rc = ::write(1, line.data(), line.size());
  (void)rc;
}

}  // namespace netkube::dns
