// The node's hostPort table, `ip netkube-hostport`: what netkube-cni
// programs for the portMappings capability (the job of the reference
// `portmap` plugin), compiled from the mappings of every container on the
// node. Pure: no I/O (hostport.h applies it).
//
//   nat-prerouting (nat, prerouting, -99)  jump dispatch
//   nat-output     (nat, output, -99)      jump dispatch   (the node's own processes)
//   dispatch:
//     ip daddr . meta l4proto . th dport vmap @hostip-hostports
//     fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @hostports
//   map hostports         "tcp . 8080"            : goto container-CID   (no hostIP)
//   map hostip-hostports  "172.18.0.2 . tcp . 80" : goto container-CID   (hostIP given)
//   container-CID (one chain per container, so DEL touches only it):
//     ip saddr POD meta mark set meta mark | 0x2000     hairpin: the pod reaching itself
//     ip daddr HOSTIP tcp dport 80 dnat to POD:8080     mappings with a hostIP first,
//     tcp dport 8080 dnat to POD:80                     then the rest
//   nat-postrouting (nat, postrouting, 100)
//     meta mark & 0x2000 == 0x2000 masquerade
//
// Decisions:
// - Priority -99: right after the service proxy's DNAT (-100), so a Service
//   address is translated first, as kube-proxy's KUBE-SERVICES precedes
//   portmap's CNI-HOSTPORT-DNAT in iptables. The two do not overlap unless a
//   hostPort equals a NodePort; then the Service wins, deterministically.
// - Loopback destinations are never translated: 127.0.0.1:hostPort would
//   need route_localnet (a DNATed packet keeps its 127.x source and the
//   kernel drops it on a non-loopback device). hostIP 127.x is skipped.
// - Hairpin: a pod reaching its own hostPort via a node address comes back
//   with its own source address, which it would drop; the mark bit 0x2000
//   (not the proxy's 0x4000) has such packets masqueraded to the node.
// - Only IPv4 (pods are IPv4): an IPv6 hostIP is skipped.
// - Two containers cannot hold the same (hostIP, protocol, hostPort): the
//   map holds one value per key. FindConflict lets ADD refuse the second;
//   the compiler keeps the first by container ID and skips the rest.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cni/port_mapping.h"
#include "nft/ruleset.h"
#include "util/status.h"

namespace netkube::cni {

inline constexpr const char* kHostportTable = "netkube-hostport";
inline constexpr const char* kHostportsMap = "hostports";
inline constexpr const char* kHostIpHostportsMap = "hostip-hostports";
inline constexpr int kHostportDnatPriority = -99;
inline constexpr int kHostportSnatPriority = 100;
inline constexpr uint32_t kHostportHairpinMark = 0x2000;

// The hostPort mappings of one container (one CNI ADD).
struct HostportEntry {
  std::string container_id;
  std::string pod_ip;
  std::vector<PortMapping> mappings;
  bool operator==(const HostportEntry&) const = default;
};

// "container-" + the container ID (a valid nft name: the CNI spec allows
// only alphanumerics, '_', '.', '-'); an ID that does not fit is hashed.
std::string HostportChain(const std::string& container_id);

// Where a mapping goes: map name and element key. Invalid (with the reason)
// for a mapping that is not programmed: IPv6 or loopback hostIP.
struct HostportKey {
  std::string map;
  std::string key;
  bool operator<(const HostportKey& o) const { return map != o.map ? map < o.map : key < o.key; }
  bool operator==(const HostportKey&) const = default;
};
StatusOr<HostportKey> KeyOf(const PortMapping& mapping);

// Conflict naming the first mapping of `entry` whose key a different
// container in `others` already holds; OK otherwise.
Status FindConflict(const HostportEntry& entry, const std::vector<HostportEntry>& others);

// The whole table for `entries` (order does not matter). Mappings that cannot
// be programmed are left out and described in *skipped (may be null).
nft::Table CompileHostportTable(const std::vector<HostportEntry>& entries, std::vector<std::string>* skipped);

// The element maps of a `nft -j list table` listing: map name -> key ->
// value, in the IR's text ("tcp . 8080" -> "goto container-x").
// BadRequest when the listing cannot be parsed.
StatusOr<std::map<std::string, std::map<std::string, std::string>>> ElementsFromKernelJson(
    const std::string& kernel_json);

// CHECK: the listing holds `container_id`'s chain with the rules and the map
// elements `desired` has for it. NotFound naming what is missing, Conflict
// naming what differs.
Status VerifyContainer(const std::string& kernel_json, const nft::Table& desired, const std::string& container_id);

}  // namespace netkube::cni
