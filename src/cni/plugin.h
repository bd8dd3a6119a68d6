// The netkube-cni plugin's commands, as functions of (runtime parameters,
// configuration). main/netkube_cni.cc is only the process wrapper (env,
// stdin, stdout, exit code).
//
// ADD (bridge mode), all through netlink in-process:
//   node: bridge `bridge` with a fixed MAC and the gateway address, up;
//         net.ipv4.ip_forward=1
//   IPAM: one address for (container ID, ifname)
//   veth: host side nkXXXXXXXX (a hash of container ID + ifname) enslaved to
//         the bridge with hairpin on, pod side CNI_IFNAME created directly in
//         CNI_NETNS with MAC 0a:58:<ip>, both with the configured MTU
//   pod:  lo up, ifname up, ADDR/prefix, default route via the gateway
// ADD (routed mode): no bridge; proxy_arp on the host veth, a /32 host route
//   to the pod, pod ADDR/32, 169.254.1.1 on-link with a permanent neighbour
//   entry (the host veth's MAC, so no node default route is needed for
//   proxy ARP to answer), default via 169.254.1.1.
//   REQUIRES: the node has some IPv4 address (lo up is enough), or it cannot
//   ARP for its pods.
// ADD with runtimeConfig.portMappings (the portMappings capability): DNAT
//   from the node's addresses to the pod in the node's `ip netkube-hostport`
//   table (hostport.h, hostport_table.h); a failure undoes the ADD.
// DEL: removes the container's hostPorts (from its record), releases the
//   address, deletes the pod interface (which removes the pair) and the host
//   veth; anything already missing is success.
// CHECK: the interface, address, host side and reservation of prevResult,
//   and the hostPorts of runtimeConfig.portMappings.
// STATUS: Unavailable when the range is exhausted.
// GC: releases reservations (and deletes bridge ports and hostPorts) of
//   attachments not in cni.dev/valid-attachments.
//
// Thread-safety: the functions share no state and IPAM is safe across
// processes, but they switch the calling thread into the pod's network
// namespace for a moment (NetNs::RunHere): call them from a thread that
// nothing else relies on, as netkube-cni's single thread.
#pragma once

#include <string>
#include <vector>

#include "cni/plugin_config.h"
#include "cni/types.h"
#include "netlink/handle.h"
#include "netlink/ip.h"
#include "util/status.h"

namespace netkube::cni {

// "nk" + 8 hex digits of FNV-1a(container ID, ifname): unique per attachment,
// 10 characters (an interface name may have 15).
std::string HostVethName(const std::string& container_id, const std::string& ifname);

// The pure part of ADD: what the pod side and host side look like once the
// attachment has address `ip`.
struct PodPlan {
  std::string host_veth;
  netlink::Ipv4Prefix pod_address;   // ip/prefix (bridge) or ip/32 (routed)
  netlink::Ipv4 gateway;             // bridge address or 169.254.1.1
  netlink::Mac pod_mac;              // 0a:58:<ip>
  std::vector<netlink::Route> pod_routes;
  std::vector<netlink::Route> host_routes;  // routed mode: ip/32 via host veth
};
PodPlan PlanPod(const PluginConfig& config, const RuntimeConf& rc, netlink::Ipv4 ip);

// The ADD result, given the plan and the host-side MACs.
Result BuildResult(const PluginConfig& config, const RuntimeConf& rc, const PodPlan& plan,
                   const std::string& host_veth_mac);

StatusOr<Result> CmdAdd(const RuntimeConf& rc, const PluginConfig& config);
Status CmdDel(const RuntimeConf& rc, const PluginConfig& config);
Status CmdCheck(const RuntimeConf& rc, const PluginConfig& config);
Status CmdStatus(const PluginConfig& config);
Status CmdGc(const PluginConfig& config);

}  // namespace netkube::cni
