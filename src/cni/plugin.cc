#include "cni/plugin.h"

#include <algorithm>
#include <cstdio>

#include "cni/hostport.h"
#include "cni/nft_command.h"
#include "netlink/netns.h"
#include "netlink/sysctl.h"

namespace netkube::cni {

using netlink::Handle;
using netlink::Ipv4;
using netlink::Ipv4Prefix;
using netlink::Mac;
using netlink::NetNs;
using netlink::Route;
using netlink::RouteScope;

std::string HostVethName(const std::string& container_id, const std::string& ifname) {
  uint32_t h = 2166136261u;
  auto mix = [&](const std::string& s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 16777619u;
    }
  };
  mix(container_id);
  mix(std::string(1, '\0'));
  mix(ifname);
  char buf[16];
  std::snprintf(buf, sizeof buf, "nk%08x", h);
  return buf;
}

PodPlan PlanPod(const PluginConfig& config, const RuntimeConf& rc, Ipv4 ip) {
  PodPlan plan;
  plan.host_veth = HostVethName(rc.container_id, rc.ifname);
  plan.pod_mac = Mac::FromIpv4(ip);
  Ipv4Prefix any{Ipv4{0}, 0};
  if (config.mode == PluginConfig::Mode::kBridge) {
    plan.pod_address = {ip, config.range.subnet.length};
    plan.gateway = config.range.gateway;
    plan.pod_routes.push_back({.dst = any, .gateway = plan.gateway, .dev = rc.ifname});
  } else {
    plan.pod_address = {ip, 32};
    plan.gateway = *Ipv4::Parse(kRoutedGateway);
    plan.pod_routes.push_back({.dst = {plan.gateway, 32}, .dev = rc.ifname, .scope = RouteScope::kLink});
    plan.pod_routes.push_back({.dst = any, .gateway = plan.gateway, .dev = rc.ifname});
    plan.host_routes.push_back({.dst = {ip, 32}, .dev = plan.host_veth, .scope = RouteScope::kLink});
  }
  return plan;
}

Result BuildResult(const PluginConfig& config, const RuntimeConf& rc, const PodPlan& plan,
                   const std::string& host_veth_mac) {
  Result r;
  r.cni_version = config.cni_version;
  if (config.mode == PluginConfig::Mode::kBridge) {
    r.interfaces.push_back({.name = config.bridge, .mac = config.bridge_mac.ToString(), .mtu = config.mtu});
  }
  r.interfaces.push_back({.name = plan.host_veth, .mac = host_veth_mac, .mtu = config.mtu});
  r.interfaces.push_back(
      {.name = rc.ifname, .mac = plan.pod_mac.ToString(), .mtu = config.mtu, .sandbox = rc.netns});
  int pod_index = static_cast<int>(r.interfaces.size()) - 1;
  r.ips.push_back({plan.pod_address.ToString(), plan.gateway.ToString(), pod_index});
  r.routes.push_back({.dst = "0.0.0.0/0", .gw = plan.gateway.ToString()});
  r.dns = config.dns;
  return r;
}

namespace {

// The plugin process is single-threaded: enter pod namespaces on the calling
// thread instead of starting one per namespace switch.
constexpr bool kInPlace = true;

bool OkOrExists(const Status& s) { return s.ok() || s.IsAlreadyExists(); }
bool OkOrMissing(const Status& s) { return s.ok() || s.IsNotFound(); }

// The node bridge, created on first use. Concurrent plugins may race here;
// whoever loses sees AlreadyExists and carries on.
StatusOr<int> EnsureBridge(Handle& host, const PluginConfig& config) {
  auto link = host.GetLink(config.bridge);
  if (!link.ok() && link.status().IsNotFound()) {
    Status s = host.AddBridge({.name = config.bridge, .mac = config.bridge_mac, .mtu = config.mtu});
    if (!OkOrExists(s)) return s;
    link = host.GetLink(config.bridge);
  }
  if (!link.ok()) return link.status();
  if (link->kind != "bridge") return Status::Invalid(config.bridge + " exists and is not a bridge");
  if (!link->up) {
    Status s = host.SetLinkUp(config.bridge);
    if (!s.ok()) return s;
  }
  Status s = host.AddAddress(config.bridge, {config.range.gateway, config.range.subnet.length});
  if (!OkOrExists(s)) return s;
  return link->index;
}

Status EnsureForwarding() {
  auto v = netlink::ReadSysctl("net.ipv4.ip_forward");
  if (v.ok() && *v == "1") return Status::OK();
  return netlink::WriteSysctl("net.ipv4.ip_forward", "1");
}

// gateway_mac: in routed mode, the host veth's MAC, pinned as the pod's
// neighbour entry for 169.254.1.1 so the pod needs no ARP for its gateway.
Status ConfigurePod(const NetNs& ns, const RuntimeConf& rc, const PodPlan& plan, const Mac* gateway_mac) {
  auto pod = Handle::OpenIn(ns, kInPlace);
  if (!pod.ok()) return pod.status();
  Status s = pod->SetLinkUp("lo");
  if (s.ok()) s = pod->SetLinkUp(rc.ifname);
  if (s.ok()) s = pod->AddAddress(rc.ifname, plan.pod_address);
  if (s.ok() && gateway_mac != nullptr) s = pod->SetNeighbour(rc.ifname, plan.gateway, *gateway_mac);
  for (const Route& r : plan.pod_routes) {
    if (s.ok()) s = pod->AddRoute(r);
  }
  return s;
}

}  // namespace

StatusOr<Result> CmdAdd(const RuntimeConf& rc, const PluginConfig& config) {
  Ipam ipam(config.IpamDir(), config.range);
  Status s = ipam.Validate();
  if (!s.ok()) return s;
  auto ns = NetNs::Open(rc.netns);
  if (!ns.ok()) return ns.status();
  auto host = Handle::Open();
  if (!host.ok()) return host.status();
  int bridge_index = 0;
  if (config.mode == PluginConfig::Mode::kBridge) {
    auto index = EnsureBridge(*host, config);
    if (!index.ok()) return index.status();
    bridge_index = *index;
  }
  s = EnsureForwarding();
  if (!s.ok()) return s;

  Attachment attachment{rc.container_id, rc.ifname};
  auto ip = ipam.Allocate(attachment);
  if (!ip.ok()) return ip.status();
  PodPlan plan = PlanPod(config, rc, *ip);
  auto fail = [&](Status err) -> StatusOr<Result> {
    host->DeleteLink(plan.host_veth);
    ipam.Release(attachment);
    return err;
  };

  netlink::VethSpec veth{.name = plan.host_veth, .peer_name = rc.ifname, .peer_netns_fd = ns->fd(),
                         .mtu = config.mtu, .peer_mac = plan.pod_mac, .master_index = bridge_index, .up = true};
  s = host->AddVeth(veth);
  if (s.IsAlreadyExists()) {
    // A host veth left over from an earlier ADD of this attachment (or still
    // being removed after its namespace went away): replace it once.
    host->DeleteLink(plan.host_veth);
    s = host->AddVeth(veth);
  }
  if (!s.ok()) {
    if (s.IsAlreadyExists()) s = Status::AlreadyExists("interface " + rc.ifname + " already exists in " + rc.netns);
    ipam.Release(attachment);
    return s;
  }
  if (config.mode == PluginConfig::Mode::kBridge) {
    if (config.hairpin) s = host->SetHairpin(plan.host_veth, true);
  } else {
    s = netlink::WriteSysctl("net/ipv4/conf/" + plan.host_veth + "/proxy_arp", "1");
    for (const Route& r : plan.host_routes) {
      if (s.ok()) s = host->ReplaceRoute(r);
    }
  }
  if (!s.ok()) return fail(s);
  auto link = host->GetLink(plan.host_veth);
  if (!link.ok()) return fail(link.status());
  bool routed = config.mode == PluginConfig::Mode::kRouted;
  s = ConfigurePod(*ns, rc, plan, routed ? &link->mac : nullptr);
  if (!s.ok()) return fail(s);
  if (!config.port_mappings.empty()) {
    Hostports hostports(config.HostportDir(), NewNftCommandExecutor());
    s = hostports.Add({rc.container_id, ip->ToString(), config.port_mappings});
    if (!s.ok()) return fail(s);
    for (const auto& why : hostports.skipped()) std::fprintf(stderr, "netkube-cni: not mapped: %s\n", why.c_str());
  }
  return BuildResult(config, rc, plan, link->mac.ToString());
}

Status CmdDel(const RuntimeConf& rc, const PluginConfig& config) {
  // The container's hostPorts, from its record (runtimeConfig is not needed).
  Status first = Hostports(config.HostportDir(), NewNftCommandExecutor()).Del(rc.container_id);
  Ipam ipam(config.IpamDir(), config.range);
  if (Status s = ipam.Release({rc.container_id, rc.ifname}); first.ok()) first = s;
  if (!rc.netns.empty()) {
    auto ns = NetNs::Open(rc.netns);
    if (ns.ok()) {
      auto pod = Handle::OpenIn(*ns, kInPlace);
      if (pod.ok()) {
        Status s = pod->DeleteLink(rc.ifname);
        if (!OkOrMissing(s) && first.ok()) first = s;
      }
    }
  }
  auto host = Handle::Open();
  if (!host.ok()) return first.ok() ? host.status() : first;
  Status s = host->DeleteLink(HostVethName(rc.container_id, rc.ifname));
  if (!OkOrMissing(s) && first.ok()) first = s;
  return first;
}

Status CmdCheck(const RuntimeConf& rc, const PluginConfig& config) {
  if (!config.prev_result) return Status::Invalid("CHECK needs prevResult");
  std::optional<Ipv4Prefix> want;
  for (const auto& ip : config.prev_result->ips) {
    auto p = Ipv4Prefix::Parse(ip.address);
    if (p.ok()) want = *p;
  }
  if (!want) return Status::Invalid("prevResult has no IPv4 address");
  Ipam ipam(config.IpamDir(), config.range);
  auto reserved = ipam.Find({rc.container_id, rc.ifname});
  if (!reserved.ok()) return reserved.status();
  if (!*reserved || **reserved != want->addr) {
    return Status::Internal("address " + want->addr.ToString() + " is not reserved for this attachment");
  }
  auto ns = NetNs::Open(rc.netns);
  if (!ns.ok()) return ns.status();
  auto pod = Handle::OpenIn(*ns, kInPlace);
  if (!pod.ok()) return pod.status();
  auto link = pod->GetLink(rc.ifname);
  if (!link.ok()) return link.status();
  if (!link->up) return Status::Internal(rc.ifname + " is down");
  auto addrs = pod->ListAddresses(rc.ifname);
  if (!addrs.ok()) return addrs.status();
  bool found = false;
  for (const auto& a : *addrs) found |= (a == *want);
  if (!found) return Status::Internal(rc.ifname + " lacks " + want->ToString());
  auto host = Handle::Open();
  if (!host.ok()) return host.status();
  auto veth = host->GetLink(HostVethName(rc.container_id, rc.ifname));
  if (!veth.ok()) return veth.status();
  if (config.mode == PluginConfig::Mode::kBridge) {
    auto bridge = host->GetLink(config.bridge);
    if (!bridge.ok()) return bridge.status();
    if (veth->master_index != bridge->index) return Status::Internal(veth->name + " is not a port of " + config.bridge);
  }
  return Hostports(config.HostportDir(), NewNftCommandExecutor())
      .Check({rc.container_id, want->addr.ToString(), config.port_mappings});
}

Status CmdStatus(const PluginConfig& config) {
  Ipam ipam(config.IpamDir(), config.range);
  auto free = ipam.FreeCount();
  if (!free.ok()) return free.status();
  if (*free == 0) return Status::Unavailable("no free addresses in " + config.range.subnet.ToString());
  return Status::OK();
}

Status CmdGc(const PluginConfig& config) {
  std::vector<Attachment> valid = config.valid_attachments.value_or(std::vector<Attachment>{});
  Ipam ipam(config.IpamDir(), config.range);
  Status first = ipam.GarbageCollect(valid);
  std::vector<std::string> containers;
  for (const auto& a : valid) containers.push_back(a.container_id);
  if (Status s = Hostports(config.HostportDir(), NewNftCommandExecutor()).Gc(containers); first.ok()) first = s;
  if (config.mode != PluginConfig::Mode::kBridge) return first;
  // Host veths of attachments that no longer exist (their namespaces are gone
  // but the kernel may not have removed them yet, or DEL never ran).
  auto host = Handle::Open();
  if (!host.ok()) return first;
  auto bridge = host->GetLink(config.bridge);
  auto links = host->ListLinks();
  if (!bridge.ok() || !links.ok()) return first;
  std::vector<std::string> keep;
  for (const auto& a : valid) keep.push_back(HostVethName(a.container_id, a.ifname));
  for (const auto& l : *links) {
    if (l.kind != "veth" || l.master_index != bridge->index || l.name.rfind("nk", 0) != 0 || l.name.size() != 10) {
      continue;
    }
    if (std::find(keep.begin(), keep.end(), l.name) != keep.end()) continue;
    Status s = host->DeleteLink(l.name);
    if (!OkOrMissing(s) && first.ok()) first = s;
  }
  return first;
}

}  // namespace netkube::cni
