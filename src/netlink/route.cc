// Route operations of Handle (IPv4).
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include <map>

#include "netlink/handle.h"

namespace netkube::netlink {

namespace {

nl_msg* RouteMsg(int type, int flags, const Route& r, int oif, bool for_delete) {
  nl_msg* m = nlmsg_alloc_simple(type, NLM_F_REQUEST | flags);
  if (m == nullptr) return nullptr;
  rtmsg rt{};
  rt.rtm_family = AF_INET;
  rt.rtm_dst_len = static_cast<unsigned char>(r.dst.length);
  rt.rtm_table = r.table < 256 ? static_cast<unsigned char>(r.table) : RT_TABLE_UNSPEC;
  if (for_delete) {
    rt.rtm_scope = RT_SCOPE_NOWHERE;  // matches any scope, as `ip route del`
  } else {
    rt.rtm_protocol = RTPROT_BOOT;
    rt.rtm_scope = static_cast<unsigned char>(r.scope);
    rt.rtm_type = RTN_UNICAST;
  }
  if (r.onlink) rt.rtm_flags |= RTNH_F_ONLINK;
  nlmsg_append(m, &rt, sizeof rt, NLMSG_ALIGNTO);
  if (r.table >= 256) nla_put_u32(m, RTA_TABLE, r.table);
  if (r.dst.length > 0) nla_put_u32(m, RTA_DST, r.dst.Network().NetworkOrder());
  if (r.gateway) nla_put_u32(m, RTA_GATEWAY, r.gateway->NetworkOrder());
  if (oif > 0) nla_put_u32(m, RTA_OIF, static_cast<uint32_t>(oif));
  if (r.src) nla_put_u32(m, RTA_PREFSRC, r.src->NetworkOrder());
  if (r.metric > 0) nla_put_u32(m, RTA_PRIORITY, r.metric);
  return m;
}

}  // namespace

namespace {
StatusOr<int> OifOf(Handle& h, const Route& r) {
  if (r.dev.empty()) return 0;
  return h.LinkIndex(r.dev);
}
}  // namespace

Status Handle::AddRoute(const Route& route) {
  auto oif = OifOf(*this, route);
  if (!oif.ok()) return oif.status();
  return Transact(RouteMsg(RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, route, *oif, false), nullptr,
                  "add route " + route.dst.ToString());
}

Status Handle::ReplaceRoute(const Route& route) {
  auto oif = OifOf(*this, route);
  if (!oif.ok()) return oif.status();
  return Transact(RouteMsg(RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, route, *oif, false), nullptr,
                  "replace route " + route.dst.ToString());
}

Status Handle::DeleteRoute(const Route& route) {
  auto oif = OifOf(*this, route);
  if (!oif.ok()) return oif.status();
  return Transact(RouteMsg(RTM_DELROUTE, NLM_F_ACK, route, *oif, true), nullptr,
                  "delete route " + route.dst.ToString());
}

StatusOr<std::vector<Route>> Handle::ListRoutes(uint32_t table) {
  auto links = ListLinks();
  if (!links.ok()) return links.status();
  std::map<int, std::string> names;
  for (const auto& l : *links) names[l.index] = l.name;
  nl_msg* m = nlmsg_alloc_simple(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP);
  if (m != nullptr) {
    rtmsg rt{};
    rt.rtm_family = AF_INET;
    nlmsg_append(m, &rt, sizeof rt, NLMSG_ALIGNTO);
  }
  std::vector<Route> out;
  Status s = Transact(m, [&](nlmsghdr* h) {
    if (h->nlmsg_type != RTM_NEWROUTE) return;
    auto* rt = static_cast<rtmsg*>(nlmsg_data(h));
    if (rt->rtm_family != AF_INET || rt->rtm_type != RTN_UNICAST) return;
    nlattr* tb[RTA_MAX + 1] = {};
    if (nlmsg_parse(h, sizeof(rtmsg), tb, RTA_MAX, nullptr) < 0) return;
    uint32_t t = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rt->rtm_table;
    if (t != table) return;
    Route r;
    r.table = t;
    r.dst.length = rt->rtm_dst_len;
    if (tb[RTA_DST]) r.dst.addr = Ipv4::FromNetworkOrder(nla_get_u32(tb[RTA_DST]));
    if (tb[RTA_GATEWAY]) r.gateway = Ipv4::FromNetworkOrder(nla_get_u32(tb[RTA_GATEWAY]));
    if (tb[RTA_PREFSRC]) r.src = Ipv4::FromNetworkOrder(nla_get_u32(tb[RTA_PREFSRC]));
    if (tb[RTA_PRIORITY]) r.metric = nla_get_u32(tb[RTA_PRIORITY]);
    if (tb[RTA_OIF]) r.dev = names[static_cast<int>(nla_get_u32(tb[RTA_OIF]))];
    r.scope = static_cast<RouteScope>(rt->rtm_scope);
    r.onlink = (rt->rtm_flags & RTNH_F_ONLINK) != 0;
    out.push_back(r);
  }, "list routes");
  if (!s.ok()) return s;
  return out;
}

}  // namespace netkube::netlink
