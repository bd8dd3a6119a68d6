// Link operations of Handle: RTM_{NEW,DEL,GET,SET}LINK messages built by hand
// (libnl's message helpers only), so every attribute sent is visible here.
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include <cstring>

#include "netlink/handle.h"

namespace netkube::netlink {

namespace {

nl_msg* LinkMsg(int type, int flags, int family, int index) {
  nl_msg* m = nlmsg_alloc_simple(type, NLM_F_REQUEST | flags);
  if (m == nullptr) return nullptr;
  ifinfomsg ifi{};
  ifi.ifi_family = static_cast<unsigned char>(family);
  ifi.ifi_index = index;
  if (nlmsg_append(m, &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0) {
    nlmsg_free(m);
    return nullptr;
  }
  return m;
}

// Fills the attributes every created link may carry.
void PutCommon(nl_msg* m, const std::string& name, int mtu, const std::optional<Mac>& mac) {
  nla_put_string(m, IFLA_IFNAME, name.c_str());
  if (mtu > 0) nla_put_u32(m, IFLA_MTU, static_cast<uint32_t>(mtu));
  if (mac) nla_put(m, IFLA_ADDRESS, 6, mac->bytes.data());
}

LinkInfo ParseLink(nlmsghdr* h) {
  LinkInfo info;
  auto* ifi = static_cast<ifinfomsg*>(nlmsg_data(h));
  info.index = ifi->ifi_index;
  info.up = (ifi->ifi_flags & IFF_UP) != 0;
  nlattr* tb[IFLA_MAX + 1] = {};
  if (nlmsg_parse(h, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr) < 0) return info;
  if (tb[IFLA_IFNAME]) info.name = nla_get_string(tb[IFLA_IFNAME]);
  if (tb[IFLA_MTU]) info.mtu = static_cast<int>(nla_get_u32(tb[IFLA_MTU]));
  if (tb[IFLA_MASTER]) info.master_index = static_cast<int>(nla_get_u32(tb[IFLA_MASTER]));
  if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) == 6) std::memcpy(info.mac.bytes.data(), nla_data(tb[IFLA_ADDRESS]), 6);
  if (tb[IFLA_LINKINFO]) {
    nlattr* li[IFLA_INFO_MAX + 1] = {};
    if (nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], nullptr) == 0 && li[IFLA_INFO_KIND]) {
      info.kind = nla_get_string(li[IFLA_INFO_KIND]);
    }
  }
  return info;
}

}  // namespace

StatusOr<LinkInfo> Handle::GetLink(const std::string& name) {
  nl_msg* m = LinkMsg(RTM_GETLINK, NLM_F_ACK, AF_UNSPEC, 0);
  if (m != nullptr) nla_put_string(m, IFLA_IFNAME, name.c_str());
  std::optional<LinkInfo> found;
  Status s = Transact(m, [&](nlmsghdr* h) {
    if (h->nlmsg_type == RTM_NEWLINK) found = ParseLink(h);
  }, "get link " + name);
  if (!s.ok()) return s;
  if (!found) return Status::NotFound("link " + name + " not found");
  return *found;
}

StatusOr<int> Handle::LinkIndex(const std::string& name) {
  auto link = GetLink(name);
  if (!link.ok()) return link.status();
  return link->index;
}

StatusOr<std::vector<LinkInfo>> Handle::ListLinks() {
  nl_msg* m = LinkMsg(RTM_GETLINK, NLM_F_DUMP, AF_UNSPEC, 0);
  std::vector<LinkInfo> links;
  Status s = Transact(m, [&](nlmsghdr* h) {
    if (h->nlmsg_type == RTM_NEWLINK) links.push_back(ParseLink(h));
  }, "list links");
  if (!s.ok()) return s;
  return links;
}

Status Handle::AddVeth(const VethSpec& spec) {
  nl_msg* m = LinkMsg(RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, AF_UNSPEC, 0);
  if (m != nullptr) {
    if (spec.up) {
      auto* ifi = static_cast<ifinfomsg*>(nlmsg_data(nlmsg_hdr(m)));
      ifi->ifi_flags = IFF_UP;
      ifi->ifi_change = IFF_UP;
    }
    PutCommon(m, spec.name, spec.mtu, spec.mac);
    if (spec.master_index > 0) nla_put_u32(m, IFLA_MASTER, static_cast<uint32_t>(spec.master_index));
    nlattr* linkinfo = nla_nest_start(m, IFLA_LINKINFO);
    nla_put_string(m, IFLA_INFO_KIND, "veth");
    nlattr* data = nla_nest_start(m, IFLA_INFO_DATA);
    nlattr* peer = nla_nest_start(m, VETH_INFO_PEER);
    ifinfomsg peer_ifi{};
    nlmsg_append(m, &peer_ifi, sizeof peer_ifi, NLMSG_ALIGNTO);
    PutCommon(m, spec.peer_name, spec.mtu, spec.peer_mac);
    if (spec.peer_netns_fd >= 0) nla_put_u32(m, IFLA_NET_NS_FD, static_cast<uint32_t>(spec.peer_netns_fd));
    nla_nest_end(m, peer);
    nla_nest_end(m, data);
    nla_nest_end(m, linkinfo);
  }
  return Transact(m, nullptr, "add veth " + spec.name + "/" + spec.peer_name);
}

Status Handle::AddBridge(const BridgeSpec& spec) {
  nl_msg* m = LinkMsg(RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, AF_UNSPEC, 0);
  if (m != nullptr) {
    PutCommon(m, spec.name, spec.mtu, spec.mac);
    nlattr* linkinfo = nla_nest_start(m, IFLA_LINKINFO);
    nla_put_string(m, IFLA_INFO_KIND, "bridge");
    nla_nest_end(m, linkinfo);
  }
  return Transact(m, nullptr, "add bridge " + spec.name);
}

Status Handle::AddVxlan(const VxlanSpec& spec) {
  int dev_index = 0;
  if (!spec.dev.empty()) {
    auto index = LinkIndex(spec.dev);
    if (!index.ok()) return index.status();
    dev_index = *index;
  }
  nl_msg* m = LinkMsg(RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, AF_UNSPEC, 0);
  if (m != nullptr) {
    PutCommon(m, spec.name, spec.mtu, spec.mac);
    nlattr* linkinfo = nla_nest_start(m, IFLA_LINKINFO);
    nla_put_string(m, IFLA_INFO_KIND, "vxlan");
    nlattr* data = nla_nest_start(m, IFLA_INFO_DATA);
    nla_put_u32(m, IFLA_VXLAN_ID, spec.vni);
    nla_put_u16(m, IFLA_VXLAN_PORT, htons(spec.port));
    if (spec.local) nla_put_u32(m, IFLA_VXLAN_LOCAL, spec.local->NetworkOrder());
    if (dev_index > 0) nla_put_u32(m, IFLA_VXLAN_LINK, static_cast<uint32_t>(dev_index));
    nla_put_u8(m, IFLA_VXLAN_LEARNING, spec.learning ? 1 : 0);
    nla_nest_end(m, data);
    nla_nest_end(m, linkinfo);
  }
  return Transact(m, nullptr, "add vxlan " + spec.name);
}

Status Handle::DeleteLink(const std::string& name) {
  nl_msg* m = LinkMsg(RTM_DELLINK, NLM_F_ACK, AF_UNSPEC, 0);
  if (m != nullptr) nla_put_string(m, IFLA_IFNAME, name.c_str());
  return Transact(m, nullptr, "delete link " + name);
}

Status Handle::SetLinkUp(const std::string& name, bool up) {
  nl_msg* m = LinkMsg(RTM_SETLINK, NLM_F_ACK, AF_UNSPEC, 0);
  if (m != nullptr) {
    auto* ifi = static_cast<ifinfomsg*>(nlmsg_data(nlmsg_hdr(m)));
    ifi->ifi_flags = up ? IFF_UP : 0;
    ifi->ifi_change = IFF_UP;
    nla_put_string(m, IFLA_IFNAME, name.c_str());
  }
  return Transact(m, nullptr, std::string("set link ") + name + (up ? " up" : " down"));
}

Status Handle::SetMtu(const std::string& name, int mtu) {
  nl_msg* m = LinkMsg(RTM_SETLINK, NLM_F_ACK, AF_UNSPEC, 0);
  if (m != nullptr) {
    nla_put_string(m, IFLA_IFNAME, name.c_str());
    nla_put_u32(m, IFLA_MTU, static_cast<uint32_t>(mtu));
  }
  return Transact(m, nullptr, "set mtu of " + name);
}

Status Handle::SetMac(const std::string& name, const Mac& mac) {
  nl_msg* m = LinkMsg(RTM_SETLINK, NLM_F_ACK, AF_UNSPEC, 0);
  if (m != nullptr) {
    nla_put_string(m, IFLA_IFNAME, name.c_str());
    nla_put(m, IFLA_ADDRESS, 6, mac.bytes.data());
  }
  return Transact(m, nullptr, "set mac of " + name);
}

Status Handle::SetMaster(const std::string& name, const std::string& master) {
  uint32_t master_index = 0;
  if (!master.empty()) {
    auto index = LinkIndex(master);
    if (!index.ok()) return index.status();
    master_index = static_cast<uint32_t>(*index);
  }
  nl_msg* m = LinkMsg(RTM_SETLINK, NLM_F_ACK, AF_UNSPEC, 0);
  if (m != nullptr) {
    nla_put_string(m, IFLA_IFNAME, name.c_str());
    nla_put_u32(m, IFLA_MASTER, master_index);
  }
  return Transact(m, nullptr, "set master of " + name);
}

Status Handle::SetHairpin(const std::string& port, bool on) {
  // The bridge's own RTM_SETLINK handler (family AF_BRIDGE) finds the port by
  // index only, and wants IFLA_PROTINFO marked nested.
  auto index = LinkIndex(port);
  if (!index.ok()) return index.status();
  nl_msg* m = LinkMsg(RTM_SETLINK, NLM_F_ACK, AF_BRIDGE, *index);
  if (m != nullptr) {
    nlattr* protinfo = nla_nest_start(m, IFLA_PROTINFO | NLA_F_NESTED);
    nla_put_u8(m, IFLA_BRPORT_MODE, on ? 1 : 0);
    nla_nest_end(m, protinfo);
  }
  return Transact(m, nullptr, "set hairpin on " + port);
}

StatusOr<bool> Handle::GetHairpin(const std::string& port) {
  auto index = LinkIndex(port);
  if (!index.ok()) return index.status();
  nl_msg* m = LinkMsg(RTM_GETLINK, NLM_F_DUMP, AF_BRIDGE, 0);
  std::optional<bool> hairpin;
  Status s = Transact(m, [&](nlmsghdr* h) {
    auto* ifi = static_cast<ifinfomsg*>(nlmsg_data(h));
    if (ifi->ifi_index != *index) return;
    nlattr* tb[IFLA_MAX + 1] = {};
    if (nlmsg_parse(h, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr) < 0 || !tb[IFLA_PROTINFO]) return;
    nlattr* pi[IFLA_BRPORT_MAX + 1] = {};
    if (nla_parse_nested(pi, IFLA_BRPORT_MAX, tb[IFLA_PROTINFO], nullptr) < 0) return;
    hairpin = pi[IFLA_BRPORT_MODE] && nla_get_u8(pi[IFLA_BRPORT_MODE]) != 0;
  }, "get bridge port " + port);
  if (!s.ok()) return s;
  if (!hairpin) return Status::NotFound(port + " is not a bridge port");
  return *hairpin;
}

}  // namespace netkube::netlink
