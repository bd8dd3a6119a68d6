// Parsing of the `cache` directive (cache.h), with CoreDNS's checks and
// messages (plugin/cache/setup.go).
#include <cctype>
#include <charconv>
#include <optional>
#include <string>

#include "dns/cache.h"
#include "util/duration.h"

namespace netkube::dns {

namespace {

std::optional<long long> ParseInt(std::string_view s) {
  long long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

Status Err(const Token& at, const std::string& what) { return ParseErrorAt(at, "plugin/cache: " + what); }

// CAPACITY [TTL] [MINTTL] of `success` / `denial`.
Status ParseKind(const Directive& sub, size_t* capacity, uint32_t* max_ttl, uint32_t* min_ttl) {
  if (sub.args.empty() || sub.args.size() > 3) return ArgErr(sub.name);
  auto cap = ParseInt(sub.args[0].text);
  if (!cap) return Err(sub.args[0], "invalid capacity: " + sub.args[0].text);
  if (*cap < 0) return Err(sub.args[0], "capacity can not be negative: " + sub.args[0].text);
  *capacity = static_cast<size_t>(*cap);
  if (sub.args.size() > 1) {
    auto ttl = ParseInt(sub.args[1].text);
    if (!ttl) return Err(sub.args[1], "invalid TTL: " + sub.args[1].text);
    if (*ttl <= 0 || *ttl > UINT32_MAX)
      return Err(sub.args[1], "cache TTL can not be zero or negative: " + sub.args[1].text);
    *max_ttl = static_cast<uint32_t>(*ttl);
  }
  if (sub.args.size() > 2) {
    auto min = ParseInt(sub.args[2].text);
    if (!min) return Err(sub.args[2], "invalid min TTL: " + sub.args[2].text);
    if (*min < 0 || *min > UINT32_MAX)
      return Err(sub.args[2], "cache min TTL can not be negative: " + sub.args[2].text);
    *min_ttl = static_cast<uint32_t>(*min);
  }
  return Status::OK();
}

Status ParseZones(const std::vector<Token>& args, size_t from, std::vector<Name>* out) {
  for (size_t i = from; i < args.size(); ++i) {
    std::string text = args[i].text;
    auto zone = Name::Parse(text);
    if (!zone.ok()) return Err(args[i], "invalid zone: " + text);
    out->push_back(std::move(zone).value());
  }
  return Status::OK();
}

Status ParseServeStale(const Directive& sub, CacheConfig* c) {
  const auto& a = sub.args;
  if (a.size() > 5) return ArgErr(sub.name);
  c->serve_stale = true;
  if (a.size() > 0) {
    auto d = ParseGoDuration(a[0].text);
    if (!d.ok() || d->count() < 0) return Err(a[0], "invalid serve_stale duration: " + a[0].text);
    c->serve_stale_duration = *d;
  }
  if (a.size() > 1) {
    std::string mode = a[1].text;
    for (char& ch : mode) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (mode != "immediate" && mode != "verify")
      return Err(a[1], "invalid value for serve_stale refresh mode: " + mode);
    c->serve_stale_verify = mode == "verify";
    if (!c->serve_stale_verify && a.size() > 4) return ArgErr(sub.name);
    for (size_t i = 2; i < a.size(); ++i) {
      if (auto d = ParseGoDuration(a[i].text); !d.ok() || d->count() < 0) return Err(a[i], "invalid serve_stale duration: " + a[i].text);
    }
  }
  return Status::OK();
}

Status ParsePrefetch(const Directive& sub, CacheConfig* c) {
  const auto& a = sub.args;
  if (a.empty() || a.size() > 3) return ArgErr(sub.name);
  auto amount = ParseInt(a[0].text);
  if (!amount) return Err(a[0], "invalid prefetch amount: " + a[0].text);
  if (*amount < 0) return Err(a[0], "prefetch amount should be positive: " + a[0].text);
  c->prefetch_amount = static_cast<int>(*amount);
  if (a.size() > 1) {
    auto d = ParseGoDuration(a[1].text);
    if (!d.ok() || d->count() < 0) return Err(a[1], "invalid prefetch duration: " + a[1].text);
    c->prefetch_duration = *d;
  }
  if (a.size() > 2) {
    std::string pct = a[2].text;
    if (pct.empty() || pct.back() != '%')
      return Err(a[2], "last character of percentage should be `%`, but is: " + pct);
    auto num = ParseInt(std::string_view(pct).substr(0, pct.size() - 1));
    if (!num) return Err(a[2], "invalid percentage: " + pct);
    if (*num < 10 || *num > 90) return Err(a[2], "percentage should fall in range [10, 90]: " + pct);
    c->prefetch_percentage = static_cast<int>(*num);
  }
  return Status::OK();
}

}  // namespace

StatusOr<CacheConfig> ParseCacheConfig(const Directive& d, const SetupContext& ctx) {
  CacheConfig c;
  size_t first_zone = 0;
  if (!d.args.empty()) {
    if (auto ttl = ParseInt(d.args[0].text)) {
      if (*ttl <= 0 || *ttl > UINT32_MAX)
        return Err(d.args[0], "cache TTL can not be zero or negative: " + d.args[0].text);
      c.success_max_ttl = c.denial_max_ttl = static_cast<uint32_t>(*ttl);
      first_zone = 1;
    }
  }
  NK_RETURN_IF_ERROR(ParseZones(d.args, first_zone, &c.zones));
  if (c.zones.empty()) c.zones = ctx.zones;

  bool stale_policy = false;
  for (const Directive& sub : d.block) {
    const std::string& opt = sub.name.text;
    if (opt == "success") {
      NK_RETURN_IF_ERROR(ParseKind(sub, &c.success_capacity, &c.success_max_ttl, &c.success_min_ttl));
    } else if (opt == "denial") {
      NK_RETURN_IF_ERROR(ParseKind(sub, &c.denial_capacity, &c.denial_max_ttl, &c.denial_min_ttl));
    } else if (opt == "prefetch") {
      NK_RETURN_IF_ERROR(ParsePrefetch(sub, &c));
    } else if (opt == "serve_stale") {
      NK_RETURN_IF_ERROR(ParseServeStale(sub, &c));
    } else if (opt == "serve_stale_policy") {
      if (sub.args.size() != 1) return ArgErr(sub.name);
      if (sub.args[0].text != "prefer_positive")
        return Err(sub.args[0], "invalid serve_stale_policy: " + sub.args[0].text);
      stale_policy = true;
    } else if (opt == "servfail") {
      if (sub.args.size() != 1) return ArgErr(sub.name);
      auto dur = ParseGoDuration(sub.args[0].text);
      if (!dur.ok() || dur->count() < 0) return Err(sub.args[0], "invalid servfail duration: " + sub.args[0].text);
      if (*dur > std::chrono::minutes(5))
        return Err(sub.args[0], "caching SERVFAIL responses over 5 minutes is not permitted");
      c.servfail_ttl = static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(*dur).count());
    } else if (opt == "disable") {
      if (sub.args.empty()) return ArgErr(sub.name);
      std::vector<Name> zones;
      NK_RETURN_IF_ERROR(ParseZones(sub.args, 1, &zones));
      if (zones.empty()) zones.push_back(Name());
      if (sub.args[0].text == "success") {
        c.success_disabled = std::move(zones);
      } else if (sub.args[0].text == "denial") {
        c.denial_disabled = std::move(zones);
      } else {
        return Err(sub.args[0], "cache type for disable must be \"success\" or \"denial\"");
      }
    } else if (opt == "keepttl") {
      if (!sub.args.empty()) return ArgErr(sub.name);
      c.keepttl = true;
    } else {
      return Err(sub.name, "unknown property '" + opt + "'");
    }
  }
  if (stale_policy && !c.serve_stale) return Err(d.name, "serve_stale_policy requires serve_stale");
  return c;
}

}  // namespace netkube::dns
