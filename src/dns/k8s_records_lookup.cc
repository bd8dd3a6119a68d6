// ClusterRecords::Lookup and its helpers: answering a question from the
// model (the record set is documented in k8s_records.h).
#include <algorithm>
#include <array>
#include <cstring>
#include <unordered_set>

#include "dns/k8s_records.h"
#include "dns/k8s_records_store.h"

namespace netkube::dns::k8s {

using namespace records_internal;

// ---------------------------------------------------------------------------
// Lookup.

namespace {

constexpr int kMaxCnameChain = 10;
constexpr uint32_t kVersionTtl = 28800;

// The labels of a name left of its zone, in the case asked.
struct Rel {
  std::array<std::string_view, 128> label;
  int n = 0;
};

Rel SplitRelative(const Name& qname, const Name& zone) {
  Rel r;
  const std::string& w = qname.wire();
  int total = 0;
  std::array<std::string_view, 128> all;
  for (size_t pos = 0; pos < w.size() && w[pos] != 0 && total < 128;) {
    size_t len = static_cast<uint8_t>(w[pos]);
    all[total++] = std::string_view(w).substr(pos + 1, len);
    pos += len + 1;
  }
  r.n = std::max(0, total - zone.label_count());
  for (int i = 0; i < r.n; ++i) r.label[i] = all[i];
  return r;
}

bool IsReverseZone(const Name& zone) {
  static const Name kV4 = *Name::Parse("in-addr.arpa.");
  static const Name kV6 = *Name::Parse("ip6.arpa.");
  return zone.IsSubdomainOf(kV4) || zone.IsSubdomainOf(kV6);
}

// Remembers (name, value) pairs; linear while small.
class Seen {
 public:
  // True when new.
  bool Add(std::string_view a, std::string_view b) {
    std::string key;
    key.reserve(a.size() + b.size() + 1);
    key.append(a).push_back('\0');
    key.append(b);
    if (set_.empty() && small_.size() < 16) {
      for (const std::string& s : small_)
        if (s == key) return false;
      small_.push_back(std::move(key));
      return true;
    }
    if (set_.empty())
      for (std::string& s : small_) set_.insert(std::move(s));
    return set_.insert(std::move(key)).second;
  }

 private:
  std::vector<std::string> small_;
  std::unordered_set<std::string> set_;
};

std::string_view IpKey(const IpAddr& ip) {
  return std::string_view(reinterpret_cast<const char*>(ip.bytes.data()), ip.len);
}

ResourceRecord AddressRecord(const Name& owner, uint32_t ttl, const IpAddr& ip) {
  if (ip.is_v4()) return ResourceRecord::MakeA(owner, ttl, ip.v4());
  return ResourceRecord::MakeAAAA(owner, ttl, ip.bytes);
}

bool FamilyMatches(uint16_t qtype, const IpAddr& ip) {
  return (qtype == type::A && ip.is_v4()) || (qtype == type::AAAA && ip.len == 16);
}

// "10-244-1-5", "fd00-10-244--5" (a trailing '-' gets a '0', as CoreDNS).
std::string_view DashedIp(const IpAddr& ip, char* buf) {
  std::string_view s = IpChars(ip, buf);
  size_t n = s.size();
  for (size_t i = 0; i < n; ++i)
    if (buf[i] == '.' || buf[i] == ':') buf[i] = '-';
  if (n > 0 && buf[n - 1] == '-') buf[n++] = '0';
  return std::string_view(buf, n);
}

std::string_view StripUnderscore(std::string_view s) { return (!s.empty() && s[0] == '_') ? s.substr(1) : s; }

}  // namespace

struct ClusterRecords::Query {
  const Name* zone;
  uint16_t qtype;
  Rel rel;
};

ResourceRecord ClusterRecords::Soa(const Name& zone) const {
  netkube::dns::Soa soa;
  auto dns = zone.Prepend("dns");
  auto ns = dns.ok() ? dns->Prepend("ns") : dns;
  auto hm = zone.Prepend("hostmaster");
  soa.mname = ns.ok() ? *ns : zone;
  soa.rname = hm.ok() ? *hm : zone;
  soa.serial = Serial();
  soa.refresh = 7200;
  soa.retry = 1800;
  soa.expire = 86400;
  soa.minimum = options_.ttl;
  return ResourceRecord::MakeSoa(zone, std::min<uint32_t>(options_.ttl, 300), soa);
}

LookupResult ClusterRecords::Lookup(const Question& q, const Name& zone, Message* reply) const {
  LookupResult res;
  reply->header.aa = true;
  const Name zone_as_asked = q.name.Parent(std::max(0, q.name.label_count() - zone.label_count()));
  {
    std::shared_lock lock(mu_);
    if (IsReverseZone(zone))
      res.outcome = LookupReverse(q.name, q.qtype, zone, reply);
    else
      res.outcome = LookupName(q.name, q.qtype, zone, 0, reply, &res.chase);
  }
  if (res.outcome == Outcome::kNxDomain) reply->header.rcode = rcode::NXDomain;
  if (res.outcome != Outcome::kAnswer) reply->authority.push_back(Soa(zone_as_asked));
  return res;
}

Outcome ClusterRecords::LookupName(const Name& qname, uint16_t qtype, const Name& zone, int depth, Message* reply,
                                   std::optional<Name>* chase) const {
  Query q{&zone, qtype, SplitRelative(qname, zone)};
  const int n = q.rel.n;
  const uint32_t ttl = options_.ttl;
  if (n == 0) {  // the apex
    if (qtype == type::SOA) {
      reply->answer.push_back(Soa(qname));
      return Outcome::kAnswer;
    }
    if (qtype == type::NS) {
      auto target = qname.Prepend("dns");
      if (target.ok()) target = target->Prepend("ns");
      if (!target.ok()) return Outcome::kNoData;
      reply->answer.push_back(ResourceRecord::MakeName(qname, type::NS, ttl, *target));
      for (const IpAddr& ip : NsAddresses()) reply->additional.push_back(AddressRecord(*target, ttl, ip));
      return Outcome::kAnswer;
    }
    return Outcome::kNoData;
  }
  char buf[kMaxLabel];
  const std::string_view last = LowerInto(q.rel.label[n - 1], buf);
  if (n == 1) {
    if (last == "dns-version") {
      if (qtype != type::TXT) return Outcome::kNoData;
      reply->answer.push_back(ResourceRecord::MakeTxt(qname, kVersionTtl, {kSchemaVersion}));
      return Outcome::kAnswer;
    }
    if (last == "svc" || last == "pod" || last == "dns") return Outcome::kNoData;
    return Outcome::kNxDomain;
  }
  if (last == "dns") {
    if (n == 2 && EqualFold(q.rel.label[0], "ns")) return LookupNsAddresses(qname, qtype, reply);
    return Outcome::kNxDomain;
  }
  const bool svc = last == "svc";
  if (!svc && last != "pod") return Outcome::kNxDomain;
  if (!svc && options_.pods == PodMode::kDisabled) return Outcome::kNxDomain;
  char nsbuf[kMaxLabel];
  auto nit = namespaces_.find(LowerInto(q.rel.label[n - 2], nsbuf));
  if (nit == namespaces_.end() || !nit->second->exists) return Outcome::kNxDomain;
  if (n == 2) return Outcome::kNoData;
  if (!svc) return n == 3 ? LookupPod(q, qname, reply) : Outcome::kNxDomain;
  if (n > 5) return Outcome::kNxDomain;
  return LookupService(q, qname, depth, reply, chase);
}

Outcome ClusterRecords::LookupService(const Query& q, const Name& qname, int depth, Message* reply,
                                      std::optional<Name>* chase) const {
  const int n = q.rel.n;
  const uint32_t ttl = options_.ttl;
  const uint16_t qtype = q.qtype;
  char buf[kMaxLabel];
  const Namespace& ns = *namespaces_.find(LowerInto(q.rel.label[n - 2], buf))->second;
  auto eit = ns.names.find(LowerInto(q.rel.label[n - 3], buf));
  if (eit == ns.names.end() || !eit->second.service) return Outcome::kNxDomain;
  const NameEntry& e = eit->second;
  const ServiceInfo& s = *e.service;
  using Type = ServiceInfo::Type;

  if (s.type == Type::kExternalName) {
    if (n != 3) return Outcome::kNxDomain;
    if (IpAddr::Parse(s.external_name)) return Outcome::kNxDomain;
    auto target = Name::Parse(s.external_name);
    if (!target.ok()) return Outcome::kNxDomain;
    if (*target == qname) return Outcome::kNoData;
    reply->answer.push_back(ResourceRecord::MakeName(qname, type::CNAME, ttl, *target));
    if (qtype == type::CNAME) return Outcome::kAnswer;
    if (target->IsSubdomainOf(*q.zone)) {
      if (depth >= kMaxCnameChain) return Outcome::kAnswer;
      return LookupName(*target, qtype, *q.zone, depth + 1, reply, chase);
    }
    *chase = std::move(*target);
    return Outcome::kAnswer;
  }

  // The endpoints DNS may name: ready, or any with publishNotReadyAddresses.
  auto usable = [&](const EndpointInfo& ep) { return ep.ready || s.publish_not_ready; };
  auto label_of = [&](const EndpointInfo& ep, char* out) -> std::string_view {
    if (!ep.hostname.empty()) return ep.hostname;
    if (options_.endpoint_pod_names && !ep.pod_name.empty() && ep.pod_name.size() <= kMaxLabel) return ep.pod_name;
    return DashedIp(ep.ip, out);
  };
  size_t ready = 0;
  for (const SliceData& sl : e.slices)
    for (const EndpointInfo& ep : sl.endpoints) ready += usable(ep);
  const bool headless = s.type == Type::kHeadless;
  if (options_.ignore_empty_service && !headless && ready == 0) return Outcome::kNxDomain;
  if (headless && ready == 0) return Outcome::kNxDomain;

  // The service's own name as asked (SVC.NS.svc.ZONE).
  const Name svc_name = qname.Parent(n - 3);

  // SRV answers: (port, target label or "" for the service name) candidates.
  auto srv = [&](const std::vector<std::pair<int32_t, const EndpointInfo*>>& cands) {
    if (cands.empty()) return;
    const uint16_t weight = static_cast<uint16_t>(std::max<size_t>(1, 100 / cands.size()));
    Seen seen_srv, seen_addr;
    char lbuf[INET6_ADDRSTRLEN + 2];
    char pbuf[8];
    for (const auto& [port, ep] : cands) {
      if (port < 0) continue;
      std::optional<Name> target;
      if (ep == nullptr) {
        target = svc_name;
      } else {
        auto t = svc_name.Prepend(label_of(*ep, lbuf));
        if (!t.ok()) continue;
        target = std::move(*t);
      }
      const std::string tkey = target->key();
      int pn = snprintf(pbuf, sizeof(pbuf), "%d", port);
      if (seen_srv.Add(tkey, std::string_view(pbuf, pn))) {
        Srv rd;
        rd.priority = 0;
        rd.weight = weight;
        rd.port = static_cast<uint16_t>(port);
        rd.target = *target;
        reply->answer.push_back(ResourceRecord::MakeSrv(qname, ttl, rd));
      }
      if (ep == nullptr) {
        for (const IpAddr& ip : s.cluster_ips)
          if (seen_addr.Add(tkey, IpKey(ip))) reply->additional.push_back(AddressRecord(*target, ttl, ip));
      } else if (seen_addr.Add(tkey, IpKey(ep->ip))) {
        reply->additional.push_back(AddressRecord(*target, ttl, ep->ip));
      }
    }
  };
  auto addresses = [&](const std::vector<const IpAddr*>& ips) {
    // Distinct, in order; answers hold few, big headless services use a set.
    Seen seen;
    for (const IpAddr* ip : ips)
      if (FamilyMatches(qtype, *ip) && seen.Add(IpKey(*ip), {})) reply->answer.push_back(AddressRecord(qname, ttl, *ip));
  };
  auto answered = [&](size_t before) { return reply->answer.size() > before ? Outcome::kAnswer : Outcome::kNoData; };
  const size_t before = reply->answer.size();

  if (n == 3) {
    if (qtype == type::A || qtype == type::AAAA) {
      std::vector<const IpAddr*> ips;
      if (headless) {
        for (const SliceData& sl : e.slices)
          for (const EndpointInfo& ep : sl.endpoints)
            if (usable(ep)) ips.push_back(&ep.ip);
      } else {
        for (const IpAddr& ip : s.cluster_ips) ips.push_back(&ip);
      }
      addresses(ips);
      return answered(before);
    }
    if (qtype == type::SRV) {
      std::vector<std::pair<int32_t, const EndpointInfo*>> cands;
      if (headless) {
        for (const SliceData& sl : e.slices)
          for (const EndpointInfo& ep : sl.endpoints)
            if (usable(ep))
              for (const PortInfo& p : sl.ports) cands.emplace_back(p.port, &ep);
      } else {
        for (const PortInfo& p : s.ports)
          for (size_t i = 0; i < std::max<size_t>(1, s.cluster_ips.size()); ++i) cands.emplace_back(p.port, nullptr);
      }
      srv(cands);
      return answered(before);
    }
    return Outcome::kNoData;
  }

  if (n == 4) {
    const std::string_view want = q.rel.label[0];
    if (!want.empty() && want[0] == '_') {
      // _PROTO.SVC...: the empty non-terminal above _PORT._PROTO.SVC...
      const std::string_view proto = want.substr(1);
      bool any = false;
      if (headless) {
        for (const SliceData& sl : e.slices)
          for (const PortInfo& p : sl.ports) any |= !p.name.empty() && EqualFold(ProtocolLabel(p.protocol), proto);
      } else {
        for (const PortInfo& p : s.ports) any |= !p.name.empty() && EqualFold(ProtocolLabel(p.protocol), proto);
      }
      return any ? Outcome::kNoData : Outcome::kNxDomain;
    }
    std::vector<const IpAddr*> ips;
    std::vector<std::pair<int32_t, const EndpointInfo*>> cands;
    char lbuf[INET6_ADDRSTRLEN + 2];
    for (const SliceData& sl : e.slices)
      for (const EndpointInfo& ep : sl.endpoints) {
        if (!usable(ep) || !EqualFold(label_of(ep, lbuf), want)) continue;
        ips.push_back(&ep.ip);
        for (const PortInfo& p : sl.ports) cands.emplace_back(p.port, &ep);
      }
    if (ips.empty()) return Outcome::kNxDomain;
    if (qtype == type::A || qtype == type::AAAA) addresses(ips);
    if (qtype == type::SRV) srv(cands);
    return answered(before);
  }

  // n == 5: _PORT._PROTO.SVC.NS.svc.ZONE
  const std::string_view port_name = StripUnderscore(q.rel.label[0]);
  const std::string_view proto = StripUnderscore(q.rel.label[1]);
  auto port_matches = [&](const PortInfo& p) {
    return !p.name.empty() && EqualFold(p.name, port_name) && EqualFold(ProtocolLabel(p.protocol), proto);
  };
  std::vector<std::pair<int32_t, const EndpointInfo*>> cands;
  if (headless) {
    for (const SliceData& sl : e.slices)
      for (const PortInfo& p : sl.ports) {
        if (!port_matches(p)) continue;
        for (const EndpointInfo& ep : sl.endpoints)
          if (usable(ep)) cands.emplace_back(p.port, &ep);
      }
  } else {
    for (const PortInfo& p : s.ports)
      if (port_matches(p))
        for (size_t i = 0; i < std::max<size_t>(1, s.cluster_ips.size()); ++i) cands.emplace_back(p.port, nullptr);
  }
  if (cands.empty()) return Outcome::kNxDomain;
  if (qtype == type::SRV) srv(cands);
  return answered(before);
}

Outcome ClusterRecords::LookupPod(const Query& q, const Name& qname, Message* reply) const {
  const std::string_view label = q.rel.label[0];
  char text[kMaxLabel + 1];
  const size_t dashes = std::count(label.begin(), label.end(), '-');
  const bool v4 = dashes == 3 && label.find("--") == std::string_view::npos;
  for (size_t i = 0; i < label.size(); ++i) text[i] = label[i] == '-' ? (v4 ? '.' : ':') : label[i];
  auto ip = IpAddr::Parse(std::string_view(text, label.size()));
  if (!ip) return Outcome::kNxDomain;
  if (options_.pods == PodMode::kVerified) {
    char buf[kMaxLabel];
    const Namespace& ns = *namespaces_.find(LowerInto(q.rel.label[1], buf))->second;
    if (!ns.pod_ips.count(*ip)) return Outcome::kNxDomain;
  }
  if (!FamilyMatches(q.qtype, *ip)) return Outcome::kNoData;
  reply->answer.push_back(AddressRecord(qname, options_.ttl, *ip));
  return Outcome::kAnswer;
}

std::vector<IpAddr> ClusterRecords::NsAddresses() const {
  std::vector<IpAddr> out;
  auto add_service = [&](const ServiceInfo& s) {
    for (const IpAddr& ip : s.cluster_ips)
      if (std::find(out.begin(), out.end(), ip) == out.end()) out.push_back(ip);
  };
  for (const IpAddr& local : options_.local_ips) {
    auto it = reverse_.find(local);
    if (it == reverse_.end()) continue;
    for (const ReverseRef& r : it->second) {
      if (r.cluster_ip) continue;
      const Namespace& ns = *namespaces_.find(*r.ns)->second;
      auto e = ns.names.find(*r.svc);
      if (e != ns.names.end() && e->second.service && e->second.service->type == ServiceInfo::Type::kClusterIP)
        add_service(*e->second.service);
    }
  }
  if (!out.empty()) return out;
  if (auto nit = namespaces_.find(std::string_view("kube-system")); nit != namespaces_.end()) {
    auto e = nit->second->names.find(std::string_view("kube-dns"));
    if (e != nit->second->names.end() && e->second.service) add_service(*e->second.service);
  }
  if (!out.empty()) return out;
  return options_.local_ips;
}

Outcome ClusterRecords::LookupNsAddresses(const Name& qname, uint16_t qtype, Message* reply) const {
  size_t before = reply->answer.size();
  for (const IpAddr& ip : NsAddresses())
    if (FamilyMatches(qtype, ip)) reply->answer.push_back(AddressRecord(qname, options_.ttl, ip));
  return reply->answer.size() > before ? Outcome::kAnswer : Outcome::kNoData;
}

namespace {

// The address a full reverse name stands for: D.C.B.A.in-addr.arpa or 32
// nibbles under ip6.arpa.
std::optional<IpAddr> ReverseAddress(const Name& qname) {
  std::vector<std::string_view> l = qname.labels();
  auto is = [](std::string_view a, std::string_view b) { return EqualFold(a, b); };
  IpAddr ip;
  if (l.size() == 6 && is(l[4], "in-addr") && is(l[5], "arpa")) {
    ip.len = 4;
    for (int i = 0; i < 4; ++i) {
      std::string_view o = l[3 - i];
      if (o.empty() || o.size() > 3 || (o.size() > 1 && o[0] == '0')) return std::nullopt;
      int v = 0;
      for (char c : o) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
      }
      if (v > 255) return std::nullopt;
      ip.bytes[i] = static_cast<uint8_t>(v);
    }
    return ip;
  }
  if (l.size() == 34 && is(l[32], "ip6") && is(l[33], "arpa")) {
    ip.len = 16;
    for (int i = 0; i < 32; ++i) {
      std::string_view d = l[31 - i];
      if (d.size() != 1) return std::nullopt;
      char c = LowerChar(d[0]);
      int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
      if (v < 0) return std::nullopt;
      ip.bytes[i / 2] = static_cast<uint8_t>(ip.bytes[i / 2] | (i % 2 == 0 ? v << 4 : v));
    }
    return ip;
  }
  return std::nullopt;
}

}  // namespace

Outcome ClusterRecords::LookupReverse(const Name& qname, uint16_t qtype, const Name& /*zone*/,
                                      Message* reply) const {
  auto ip = ReverseAddress(qname);
  if (!ip) return Outcome::kNxDomain;
  auto it = reverse_.find(*ip);
  if (it == reverse_.end()) return Outcome::kNxDomain;
  const Name& zone = options_.primary_zone;
  std::vector<Name> targets;
  auto service_name = [&](const ReverseRef& r) -> std::optional<Name> {
    auto a = zone.Prepend("svc");
    if (a.ok()) a = a->Prepend(*r.ns);
    if (a.ok()) a = a->Prepend(*r.svc);
    if (!a.ok()) return std::nullopt;
    return std::move(*a);
  };
  // A ClusterIP names its Service alone.
  for (const ReverseRef& r : it->second) {
    if (!r.cluster_ip) continue;
    if (auto n = service_name(r)) targets.push_back(std::move(*n));
    break;
  }
  if (targets.empty()) {
    char lbuf[INET6_ADDRSTRLEN + 2];
    for (const ReverseRef& r : it->second) {
      const Namespace& ns = *namespaces_.find(*r.ns)->second;
      auto e = ns.names.find(*r.svc);
      if (e == ns.names.end() || !e->second.service) continue;
      const ServiceInfo& s = *e->second.service;
      auto base = service_name(r);
      if (!base) continue;
      for (const SliceData& sl : e->second.slices)
        for (const EndpointInfo& ep : sl.endpoints) {
          if (!(ep.ip == *ip) || !(ep.ready || s.publish_not_ready)) continue;
          std::string_view label = !ep.hostname.empty() ? std::string_view(ep.hostname)
                                   : (options_.endpoint_pod_names && !ep.pod_name.empty() &&
                                      ep.pod_name.size() <= kMaxLabel)
                                       ? std::string_view(ep.pod_name)
                                       : DashedIp(ep.ip, lbuf);
          auto t = base->Prepend(label);
          if (t.ok() && std::find(targets.begin(), targets.end(), *t) == targets.end()) targets.push_back(*t);
        }
    }
  }
  if (targets.empty()) return Outcome::kNxDomain;
  if (qtype != type::PTR) return Outcome::kNoData;
  for (const Name& t : targets) reply->answer.push_back(ResourceRecord::MakeName(qname, type::PTR, options_.ttl, t));
  return Outcome::kAnswer;
}

}  // namespace netkube::dns::k8s
