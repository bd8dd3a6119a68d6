// Parsing of the `forward` directive (forward.h).
#include <cctype>
#include <cstdlib>

#include "dns/corefile.h"
#include "dns/forward.h"
#include "util/duration.h"

namespace netkube::dns {
namespace {

bool ParseInt(const std::string& s, int64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size() || s.find_first_not_of("0123456789", i) != std::string::npos) return false;
  *out = std::strtoll(s.c_str(), nullptr, 10);
  return true;
}

Status Err(const Token& at, const std::string& what) { return ParseErrorAt(at, "plugin/forward: " + what); }

Status ParseOption(const Directive& line, ForwardConfig* c) {
  const std::string& opt = line.name.text;
  const std::vector<Token>& args = line.args;
  auto one_arg = [&]() { return args.size() == 1 ? Status::OK() : ArgErr(line.name); };
  auto duration = [&](std::chrono::milliseconds* out) -> Status {
    NK_RETURN_IF_ERROR(one_arg());
    auto d = ParseGoDurationMillis(args[0].text);
    if (!d.ok()) return Err(args[0], d.status().message());
    *out = *d;
    if (out->count() < 0) return Err(args[0], opt + " can't be negative: " + args[0].text);
    return Status::OK();
  };
  auto integer = [&](int64_t* out) -> Status {
    NK_RETURN_IF_ERROR(one_arg());
    if (!ParseInt(args[0].text, out)) return Err(args[0], "invalid integer \"" + args[0].text + "\" for " + opt);
    if (*out < 0) return Err(args[0], opt + " can't be negative: " + args[0].text);
    return Status::OK();
  };
  if (opt == "except") {
    if (args.empty()) return ArgErr(line.name);
    for (const Token& t : args) {
      StatusOr<Name> n = Name::Parse(t.text);
      if (!n.ok()) return Err(t, n.status().message());
      c->except.push_back(std::move(n).value());
    }
    return Status::OK();
  }
  if (opt == "force_tcp" || opt == "prefer_udp") {
    if (!args.empty()) return ArgErr(line.name);
    (opt == "force_tcp" ? c->force_tcp : c->prefer_udp) = true;
    return Status::OK();
  }
  if (opt == "expire") return duration(&c->expire);
  if (opt == "read_timeout") return duration(&c->read_timeout);
  if (opt == "max_fails" || opt == "max_concurrent" || opt == "max_connect_attempts" || opt == "max_idle_conns") {
    int64_t v = 0;
    NK_RETURN_IF_ERROR(integer(&v));
    if (opt == "max_fails") c->max_fails = static_cast<uint32_t>(std::min<int64_t>(v, UINT32_MAX));
    if (opt == "max_concurrent") c->max_concurrent = v;
    if (opt == "max_connect_attempts") c->max_connect_attempts = static_cast<int>(std::min<int64_t>(v, INT32_MAX));
    return Status::OK();  // max_idle_conns: accepted; idle connections are bounded by use
  }
  if (opt == "health_check") {
    if (args.empty()) return ArgErr(line.name);
    auto d = ParseGoDurationMillis(args[0].text);
    if (!d.ok()) return Err(args[0], d.status().message());
    c->health_check = *d;
    if (c->health_check.count() < 0) return Err(args[0], "health_check can't be negative: " + args[0].text);
    for (size_t i = 1; i < args.size(); ++i) {
      if (args[i].text == "no_rec") {
        c->health_check_rd = false;
      } else if (args[i].text == "domain" && i + 1 < args.size()) {
        StatusOr<Name> n = Name::Parse(args[i + 1].text);
        if (!n.ok()) return Err(args[i + 1], "health_check: invalid domain name " + args[i + 1].text);
        c->health_check_domain = std::move(n).value();
        ++i;
      } else {
        return Err(args[i], "health_check: unknown option " + args[i].text);
      }
    }
    return Status::OK();
  }
  if (opt == "policy") {
    NK_RETURN_IF_ERROR(one_arg());
    const std::string& p = args[0].text;
    if (p == "random") c->policy = ForwardPolicy::kRandom;
    else if (p == "round_robin") c->policy = ForwardPolicy::kRoundRobin;
    else if (p == "sequential") c->policy = ForwardPolicy::kSequential;
    else return Err(args[0], "unknown policy '" + p + "'");
    return Status::OK();
  }
  if (opt == "tls" || opt == "tls_servername") {
    return Err(line.name, "'" + opt + "' is not supported: netkube's forward speaks plain DNS (UDP and TCP) only");
  }
  return Err(line.name, "unknown property '" + opt + "'");
}

}  // namespace

StatusOr<ForwardConfig> ParseForwardConfig(const Directive& d, const SetupContext& ctx, int resolv_conf_port) {
  (void)ctx;
  if (d.args.size() < 2) return ArgErr(d.name);
  ForwardConfig c;
  StatusOr<ZoneAddress> from = ParseZoneKey(d.args[0]);
  if (!from.ok() || from->zones.empty()) return Err(d.args[0], "unable to normalize '" + d.args[0].text + "'");
  c.from = from->zones[0];
  std::vector<std::string> to;
  for (size_t i = 1; i < d.args.size(); ++i) to.push_back(d.args[i].text);
  StatusOr<std::vector<UpstreamAddress>> ups = ExpandUpstreams(to, resolv_conf_port);
  if (!ups.ok()) return Err(d.args[1], ups.status().message());
  c.to = std::move(ups).value();
  if (c.to.size() > kMaxUpstreams) {
    return Err(d.args[1], "more than " + std::to_string(kMaxUpstreams) + " TOs configured: " + std::to_string(c.to.size()));
  }
  for (const Directive& line : d.block) NK_RETURN_IF_ERROR(ParseOption(line, &c));
  return c;
}

StatusOr<std::unique_ptr<Plugin>> SetupForward(const Directive& d, const SetupContext& ctx) {
  StatusOr<ForwardConfig> c = ParseForwardConfig(d, ctx);
  if (!c.ok()) return c.status();
  return std::unique_ptr<Plugin>(std::make_unique<Forward>(std::move(c).value()));
}

}  // namespace netkube::dns
