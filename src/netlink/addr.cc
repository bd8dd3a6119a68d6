// Address operations of Handle (IPv4).
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include "netlink/handle.h"

namespace netkube::netlink {

namespace {

nl_msg* AddrMsg(int type, int flags, int index, const Ipv4Prefix& address) {
  nl_msg* m = nlmsg_alloc_simple(type, NLM_F_REQUEST | flags);
  if (m == nullptr) return nullptr;
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_INET;
  ifa.ifa_prefixlen = static_cast<unsigned char>(address.length);
  ifa.ifa_index = static_cast<uint32_t>(index);
  nlmsg_append(m, &ifa, sizeof ifa, NLMSG_ALIGNTO);
  nla_put_u32(m, IFA_LOCAL, address.addr.NetworkOrder());
  nla_put_u32(m, IFA_ADDRESS, address.addr.NetworkOrder());
  return m;
}

}  // namespace

Status Handle::AddAddress(const std::string& dev, const Ipv4Prefix& address) {
  auto index = LinkIndex(dev);
  if (!index.ok()) return index.status();
  nl_msg* m = AddrMsg(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, *index, address);
  return Transact(m, nullptr, "add address " + address.ToString() + " to " + dev);
}

Status Handle::DeleteAddress(const std::string& dev, const Ipv4Prefix& address) {
  auto index = LinkIndex(dev);
  if (!index.ok()) return index.status();
  nl_msg* m = AddrMsg(RTM_DELADDR, NLM_F_ACK, *index, address);
  return Transact(m, nullptr, "delete address " + address.ToString() + " from " + dev);
}

StatusOr<std::vector<Ipv4Prefix>> Handle::ListAddresses(const std::string& dev) {
  auto index = LinkIndex(dev);
  if (!index.ok()) return index.status();
  nl_msg* m = nlmsg_alloc_simple(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP);
  if (m != nullptr) {
    ifaddrmsg ifa{};
    ifa.ifa_family = AF_INET;
    nlmsg_append(m, &ifa, sizeof ifa, NLMSG_ALIGNTO);
  }
  std::vector<Ipv4Prefix> out;
  Status s = Transact(m, [&](nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWADDR) return;
    auto* ifa = static_cast<ifaddrmsg*>(nlmsg_data(h));
    if (ifa->ifa_family != AF_INET || static_cast<int>(ifa->ifa_index) != *index) return;
    nlattr* tb[IFA_MAX + 1] = {};
    if (nlmsg_parse(h, sizeof(ifaddrmsg), tb, IFA_MAX, nullptr) < 0) return;
    nlattr* a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
    if (a == nullptr || nla_len(a) != 4) return;
    out.push_back(Ipv4Prefix{Ipv4::FromNetworkOrder(nla_get_u32(a)), ifa->ifa_prefixlen});
  }, "list addresses of " + dev);
  if (!s.ok()) return s;
  return out;
}

}  // namespace netkube::netlink
