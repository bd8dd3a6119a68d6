#include "cluster/network.h"

#include <dirent.h>
#include <sched.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "cluster/state.h"
#include "netlink/handle.h"
#include "netlink/netns.h"
#include "netlink/sysctl.h"

namespace netkube::cluster {
namespace {

using netlink::Handle;
using netlink::Ipv4;
using netlink::Ipv4Prefix;
using netlink::Mac;
using netlink::NetNs;

Status Wrap(const Status& st, const std::string& what) {
  if (st.ok()) return st;
  return Status(st.reason(), what + ": " + st.message());
}

#define NK_RETURN_IF_ERROR_AS(expr, what)             \
  do {                                             \
    if (Status _st = (expr); !_st.ok()) return Wrap(_st, what); \
  } while (0)

bool IsHex8(const std::string& s) {
  return s.size() == 8 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

std::vector<std::string> ListNetNs() {
  std::vector<std::string> out;
  DIR* d = ::opendir(NetNs::kRunDir);
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  ::closedir(d);
  return out;
}

Status ProbeKernel(const std::string& network) {
  Status result;
  std::thread([&] {
    if (::unshare(CLONE_NEWNET) != 0) {
      result = Status::Unavailable(std::string("cannot create a network namespace: ") + std::strerror(errno));
      return;
    }
    auto h = Handle::Open();
    if (!h.ok()) {
      result = h.status();
      return;
    }
    if (Status st = h->AddBridge({"nkprobe-br"}); !st.ok()) {
      result = Status::Unavailable("the kernel cannot create bridge devices: " + st.message());
      return;
    }
    netlink::VethSpec v;
    v.name = "nkprobe-a";
    v.peer_name = "nkprobe-b";
    if (Status st = h->AddVeth(v); !st.ok()) {
      result = Status::Unavailable("the kernel cannot create veth devices: " + st.message());
      return;
    }
    if (network == "vxlan") {
      netlink::VxlanSpec x;
      x.name = "nkprobe-vx";
      if (Status st = h->AddVxlan(x); !st.ok()) {
        result = Status::Unavailable("the kernel cannot create vxlan devices (use --network routed): " + st.message());
        return;
      }
    }
  }).join();  // the thread's namespace, and all in it, goes with the thread
  return result;
}

Status CreateNetwork(const ClusterPlan& plan) {
  auto node_net = Ipv4Prefix::Parse(plan.node_cidr);
  if (!node_net.ok()) return node_net.status();
  auto gw = Ipv4::Parse(plan.gateway_ip);
  if (!gw.ok()) return gw.status();

  auto world = NetNs::Create(plan.world_netns);
  if (!world.ok()) return Wrap(world.status(), "create network namespace " + plan.world_netns);
  auto wh = Handle::OpenIn(*world);
  if (!wh.ok()) return wh.status();
  NK_RETURN_IF_ERROR_AS(wh->SetLinkUp("lo"), plan.world_netns + ": lo up");
  netlink::BridgeSpec br;
  br.name = kBridge;
  br.mac = Mac::FromIpv4(node_net->Network());
  NK_RETURN_IF_ERROR_AS(wh->AddBridge(br), plan.world_netns + ": add bridge nk0");
  NK_RETURN_IF_ERROR_AS(wh->SetLinkUp(kBridge), plan.world_netns + ": nk0 up");
  auto br_index = wh->LinkIndex(kBridge);
  if (!br_index.ok()) return br_index.status();

  // The host's way into the node network.
  auto host = Handle::Open();
  if (!host.ok()) return host.status();
  netlink::VethSpec hv;
  hv.name = plan.host_veth;
  hv.peer_name = kHostPeer;
  hv.peer_netns_fd = world->fd();
  hv.up = true;
  NK_RETURN_IF_ERROR_AS(host->AddVeth(hv), "add host interface " + plan.host_veth);
  NK_RETURN_IF_ERROR_AS(host->AddAddress(plan.host_veth, Ipv4Prefix{*gw, node_net->length}),
                     "address " + plan.gateway_ip + " on " + plan.host_veth);
  NK_RETURN_IF_ERROR_AS(wh->SetMaster(kHostPeer, kBridge), plan.world_netns + ": enslave " + kHostPeer);
  NK_RETURN_IF_ERROR_AS(wh->SetLinkUp(kHostPeer), plan.world_netns + ": " + kHostPeer + " up");

  for (const auto& node : plan.nodes) {
    auto ip = Ipv4::Parse(node.ip);
    if (!ip.ok()) return ip.status();
    auto ns = NetNs::Create(node.name);
    if (!ns.ok()) return Wrap(ns.status(), "create network namespace " + node.name);
    netlink::VethSpec v;
    v.name = node.world_veth;
    v.peer_name = kNodeDevice;
    v.peer_netns_fd = ns->fd();
    v.peer_mac = Mac::FromIpv4(*ip);
    v.master_index = *br_index;
    v.up = true;
    NK_RETURN_IF_ERROR_AS(wh->AddVeth(v), "add " + node.world_veth + " for node " + node.name);
    auto nh = Handle::OpenIn(*ns);
    if (!nh.ok()) return nh.status();
    NK_RETURN_IF_ERROR_AS(nh->SetLinkUp("lo"), node.name + ": lo up");
    NK_RETURN_IF_ERROR_AS(nh->AddAddress(kNodeDevice, Ipv4Prefix{*ip, node_net->length}), node.name + ": address");
    NK_RETURN_IF_ERROR_AS(nh->SetLinkUp(kNodeDevice), node.name + ": eth0 up");
    netlink::Route def;
    def.dst = Ipv4Prefix{Ipv4{0}, 0};
    def.gateway = *gw;
    def.dev = kNodeDevice;
    NK_RETURN_IF_ERROR_AS(nh->AddRoute(def), node.name + ": default route");
    NK_RETURN_IF_ERROR_AS(netlink::WriteSysctlIn(*ns, "net.ipv4.ip_forward", "1"), node.name + ": ip_forward");
  }
  return Status::OK();
}

std::vector<std::string> PodNetNs(const ClusterPlan& plan) {
  std::set<std::string> out;
  std::vector<std::string> all = ListNetNs();
  for (const auto& node : plan.nodes) {
    std::string pods = node.root_dir + "/pods";
    if (DIR* d = ::opendir(pods.c_str())) {
      while (dirent* e = ::readdir(d)) {
        std::string uid = e->d_name;
        if (uid == "." || uid == "..") continue;
        auto text = ReadFileToString(pods + "/" + uid + "/sandbox.json");
        if (!text.ok()) continue;
        auto j = nlohmann::json::parse(*text, nullptr, false);
        if (!j.is_object() || !j.contains("netns") || !j["netns"].is_string()) continue;
        std::string ns = j["netns"].get<std::string>();
        if (auto slash = ns.rfind('/'); slash != std::string::npos) ns = ns.substr(slash + 1);
        if (!ns.empty()) out.insert(ns);
      }
      ::closedir(d);
    }
    std::string prefix = node.name + "-";
    for (const auto& n : all) {
      if (n.size() == prefix.size() + 8 && n.compare(0, prefix.size(), prefix) == 0 && IsHex8(n.substr(prefix.size())))
        out.insert(n);
    }
  }
  return {out.begin(), out.end()};
}

std::vector<std::string> ClusterNetNs(const ClusterPlan& plan) {
  std::vector<std::string> out = PodNetNs(plan);
  for (const auto& node : plan.nodes) out.push_back(node.name);
  out.push_back(plan.world_netns);
  return out;
}

Status DeleteNetwork(const ClusterPlan& plan) {
  Status first;
  auto note = [&first](const Status& st) {
    if (!st.ok() && !st.IsNotFound() && first.ok()) first = st;
  };
  if (auto host = Handle::Open(); host.ok()) {
    note(host->DeleteLink(plan.host_veth));
  } else {
    note(host.status());
  }
  for (const auto& ns : ClusterNetNs(plan)) note(NetNs::Delete(ns));
  return first;
}

}  // namespace netkube::cluster
