// ConntrackEntry: one connection-tracking entry as the service proxy sees it
// (the two tuples of a TCP, UDP or SCTP flow), a plain value with no
// dependencies, so pure code (src/proxy) can reason about entries without
// linking the netlink edge (conntrack.h).
//
// Thread-safety: a plain value.
#pragma once

#include <cstdint>
#include <string>

namespace netkube::netlink {

struct ConntrackEntry {
  uint8_t protocol = 0;  // IPPROTO_TCP (6), IPPROTO_UDP (17), IPPROTO_SCTP (132)
  // The original direction, as the client sent it: for a Service flow
  // orig_dst:orig_dport is the service address (ClusterIP, NodePort, ...).
  std::string orig_src, orig_dst;  // IPv4 text, "10.244.1.5"
  uint16_t orig_sport = 0, orig_dport = 0;
  // The reply direction, as the kernel expects it back: after DNAT,
  // reply_src:reply_sport is the endpoint the flow was sent to; without NAT it
  // mirrors the original tuple (reply_src == orig_dst).
  std::string reply_src, reply_dst;
  uint16_t reply_sport = 0, reply_dport = 0;

  // "udp 10.244.1.5:40000 -> 10.96.0.10:53 (reply 10.244.2.7:53 -> 10.244.1.5:40000)"
  std::string String() const {
    std::string proto = protocol == 6 ? "tcp" : protocol == 17 ? "udp" : protocol == 132 ? "sctp"
                                                                                         : std::to_string(protocol);
    return proto + " " + orig_src + ":" + std::to_string(orig_sport) + " -> " + orig_dst + ":" +
           std::to_string(orig_dport) + " (reply " + reply_src + ":" + std::to_string(reply_sport) + " -> " +
           reply_dst + ":" + std::to_string(reply_dport) + ")";
  }
  bool operator==(const ConntrackEntry&) const = default;
};

}  // namespace netkube::netlink
