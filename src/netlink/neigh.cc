// Neighbour (ARP) and bridge/vxlan fdb operations of Handle.
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include "netlink/handle.h"

namespace netkube::netlink {

namespace {

nl_msg* NeighMsg(int type, int flags, int family, int index, uint8_t ntf_flags) {
  nl_msg* m = nlmsg_alloc_simple(type, NLM_F_REQUEST | flags);
  if (m == nullptr) return nullptr;
  ndmsg nd{};
  nd.ndm_family = static_cast<uint8_t>(family);
  nd.ndm_ifindex = index;
  nd.ndm_state = NUD_PERMANENT;
  nd.ndm_flags = ntf_flags;
  nlmsg_append(m, &nd, sizeof nd, NLMSG_ALIGNTO);
  return m;
}

}  // namespace

Status Handle::SetNeighbour(const std::string& dev, Ipv4 ip, const Mac& mac) {
  auto index = LinkIndex(dev);
  if (!index.ok()) return index.status();
  nl_msg* m = NeighMsg(RTM_NEWNEIGH, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, AF_INET, *index, 0);
  if (m != nullptr) {
    nla_put_u32(m, NDA_DST, ip.NetworkOrder());
    nla_put(m, NDA_LLADDR, 6, mac.bytes.data());
  }
  return Transact(m, nullptr, "set neighbour " + ip.ToString() + " on " + dev);
}

Status Handle::DeleteNeighbour(const std::string& dev, Ipv4 ip) {
  auto index = LinkIndex(dev);
  if (!index.ok()) return index.status();
  nl_msg* m = NeighMsg(RTM_DELNEIGH, NLM_F_ACK, AF_INET, *index, 0);
  if (m != nullptr) nla_put_u32(m, NDA_DST, ip.NetworkOrder());
  return Transact(m, nullptr, "delete neighbour " + ip.ToString() + " on " + dev);
}

Status Handle::SetFdb(const std::string& dev, const Mac& mac, Ipv4 dst) {
  auto index = LinkIndex(dev);
  if (!index.ok()) return index.status();
  nl_msg* m = NeighMsg(RTM_NEWNEIGH, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, AF_BRIDGE, *index, NTF_SELF);
  if (m != nullptr) {
    nla_put(m, NDA_LLADDR, 6, mac.bytes.data());
    nla_put_u32(m, NDA_DST, dst.NetworkOrder());
  }
  return Transact(m, nullptr, "set fdb " + mac.ToString() + " on " + dev);
}

Status Handle::DeleteFdb(const std::string& dev, const Mac& mac, Ipv4 dst) {
  auto index = LinkIndex(dev);
  if (!index.ok()) return index.status();
  nl_msg* m = NeighMsg(RTM_DELNEIGH, NLM_F_ACK, AF_BRIDGE, *index, NTF_SELF);
  if (m != nullptr) {
    nla_put(m, NDA_LLADDR, 6, mac.bytes.data());
    nla_put_u32(m, NDA_DST, dst.NetworkOrder());
  }
  return Transact(m, nullptr, "delete fdb " + mac.ToString() + " on " + dev);
}

}  // namespace netkube::netlink
