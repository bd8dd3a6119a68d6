// The ctnetlink wire format of conntrack.h, without a kernel: messages built
// here byte by byte as the kernel sends them, parsed back; every truncation
// and bad length refused.
#include "netlink/conntrack.h"

#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <netinet/in.h>

#include <cstring>

#include <gtest/gtest.h>

namespace netkube::netlink {
namespace {

// Little builder of netlink attributes for the tests.
class Bytes {
 public:
  Bytes& Attr(uint16_t type, const std::vector<uint8_t>& data) {
    size_t at = b_.size();
    b_.resize(at + NLA_ALIGN(NLA_HDRLEN + data.size()));
    nlattr a{static_cast<uint16_t>(NLA_HDRLEN + data.size()), type};
    std::memcpy(b_.data() + at, &a, sizeof a);
    std::memcpy(b_.data() + at + NLA_HDRLEN, data.data(), data.size());
    return *this;
  }
  Bytes& Nest(uint16_t type, const Bytes& inner) { return Attr(type | NLA_F_NESTED, inner.b_); }
  const std::vector<uint8_t>& bytes() const { return b_; }

 private:
  std::vector<uint8_t> b_;
};

std::vector<uint8_t> V4(const char* ip) {
  in_addr a{};
  inet_pton(AF_INET, ip, &a);
  std::vector<uint8_t> v(4);
  std::memcpy(v.data(), &a.s_addr, 4);
  return v;
}
std::vector<uint8_t> Port(uint16_t p) { return {static_cast<uint8_t>(p >> 8), static_cast<uint8_t>(p & 0xff)}; }

Bytes Tuple(const char* src, const char* dst, uint8_t proto, uint16_t sport, uint16_t dport) {
  Bytes ip, pr, t;
  ip.Attr(CTA_IP_V4_SRC, V4(src)).Attr(CTA_IP_V4_DST, V4(dst));
  pr.Attr(CTA_PROTO_NUM, {proto}).Attr(CTA_PROTO_SRC_PORT, Port(sport)).Attr(CTA_PROTO_DST_PORT, Port(dport));
  t.Nest(CTA_TUPLE_IP, ip).Nest(CTA_TUPLE_PROTO, pr);
  return t;
}

std::vector<uint8_t> Payload(const Bytes& attrs, uint8_t family = AF_INET) {
  std::vector<uint8_t> p(4);
  p[0] = family;
  p[1] = NFNETLINK_V0;
  p.insert(p.end(), attrs.bytes().begin(), attrs.bytes().end());
  return p;
}

// A DNATed DNS flow as the kernel dumps it (with attributes cleanup ignores).
std::vector<uint8_t> DnsFlow() {
  Bytes a;
  a.Nest(CTA_TUPLE_ORIG, Tuple("10.244.2.5", "10.96.0.10", IPPROTO_UDP, 40000, 53))
      .Nest(CTA_TUPLE_REPLY, Tuple("10.244.1.7", "10.244.2.5", IPPROTO_UDP, 53, 40000))
      .Attr(CTA_STATUS, {0, 0, 0x01, 0xb8})
      .Attr(CTA_TIMEOUT, {0, 0, 0, 30});
  return Payload(a);
}

TEST(ParseConntrackPayload, DnatedUdpFlow) {
  auto e = ParseConntrackPayload(DnsFlow());
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ASSERT_TRUE(e->has_value());
  ConntrackEntry want{IPPROTO_UDP, "10.244.2.5", "10.96.0.10", 40000, 53,
                      "10.244.1.7", "10.244.2.5", 53, 40000};
  EXPECT_EQ(**e, want);
  EXPECT_EQ((*e)->String(), "udp 10.244.2.5:40000 -> 10.96.0.10:53 (reply 10.244.1.7:53 -> 10.244.2.5:40000)");
}

TEST(ParseConntrackPayload, IcmpHasNoPorts) {
  Bytes ip, pr, t, a;
  ip.Attr(CTA_IP_V4_SRC, V4("10.0.0.1")).Attr(CTA_IP_V4_DST, V4("10.0.0.2"));
  pr.Attr(CTA_PROTO_NUM, {IPPROTO_ICMP}).Attr(CTA_PROTO_ICMP_ID, {0, 7}).Attr(CTA_PROTO_ICMP_TYPE, {8});
  t.Nest(CTA_TUPLE_IP, ip).Nest(CTA_TUPLE_PROTO, pr);
  a.Nest(CTA_TUPLE_ORIG, t).Nest(CTA_TUPLE_REPLY, t);
  auto e = ParseConntrackPayload(Payload(a));
  ASSERT_TRUE(e.ok() && e->has_value());
  EXPECT_EQ((*e)->protocol, IPPROTO_ICMP);
  EXPECT_EQ((*e)->orig_dport, 0);
}

TEST(ParseConntrackPayload, Ipv6IsSkipped) {
  Bytes a;
  a.Nest(CTA_TUPLE_ORIG, Tuple("10.0.0.1", "10.0.0.2", IPPROTO_UDP, 1, 2));
  auto e = ParseConntrackPayload(Payload(a, AF_INET6));
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->has_value());
  // An AF_INET message whose tuples carry IPv6 addresses only.
  Bytes ip, pr, t, b;
  ip.Attr(CTA_IP_V6_SRC, std::vector<uint8_t>(16, 1)).Attr(CTA_IP_V6_DST, std::vector<uint8_t>(16, 2));
  pr.Attr(CTA_PROTO_NUM, {IPPROTO_UDP});
  t.Nest(CTA_TUPLE_IP, ip).Nest(CTA_TUPLE_PROTO, pr);
  b.Nest(CTA_TUPLE_ORIG, t).Nest(CTA_TUPLE_REPLY, t);
  e = ParseConntrackPayload(Payload(b));
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->has_value());
}

TEST(ParseConntrackPayload, EveryTruncationIsHandled) {
  auto full = DnsFlow();
  for (size_t n = 0; n < full.size(); ++n) {
    std::vector<uint8_t> cut(full.begin(), full.begin() + n);
    auto e = ParseConntrackPayload(cut);
    // Cutting inside the tuples is an error; cutting only the trailing
    // attributes still yields the entry.
    if (e.ok()) EXPECT_TRUE(e->has_value()) << n;
  }
  EXPECT_FALSE(ParseConntrackPayload(std::vector<uint8_t>{}).ok());
}

TEST(ParseConntrackPayload, BadLengthsAreErrors) {
  // An attribute claiming more bytes than the message has.
  auto p = DnsFlow();
  uint16_t huge = 0x4000;
  std::memcpy(p.data() + 4, &huge, 2);
  EXPECT_FALSE(ParseConntrackPayload(p).ok());
  // An attribute length below the header size.
  p = DnsFlow();
  uint16_t tiny = 2;
  std::memcpy(p.data() + 4, &tiny, 2);
  EXPECT_FALSE(ParseConntrackPayload(p).ok());
  // A 3-byte IPv4 address.
  Bytes ip, pr, t, a;
  ip.Attr(CTA_IP_V4_SRC, {10, 0, 0}).Attr(CTA_IP_V4_DST, V4("10.0.0.2"));
  pr.Attr(CTA_PROTO_NUM, {IPPROTO_UDP});
  t.Nest(CTA_TUPLE_IP, ip).Nest(CTA_TUPLE_PROTO, pr);
  a.Nest(CTA_TUPLE_ORIG, t).Nest(CTA_TUPLE_REPLY, t);
  EXPECT_FALSE(ParseConntrackPayload(Payload(a)).ok());
  // A 1-byte port.
  Bytes pr2, t2, b;
  pr2.Attr(CTA_PROTO_NUM, {IPPROTO_UDP}).Attr(CTA_PROTO_DST_PORT, {53});
  Bytes ip2;
  ip2.Attr(CTA_IP_V4_SRC, V4("10.0.0.1")).Attr(CTA_IP_V4_DST, V4("10.0.0.2"));
  t2.Nest(CTA_TUPLE_IP, ip2).Nest(CTA_TUPLE_PROTO, pr2);
  b.Nest(CTA_TUPLE_ORIG, t2).Nest(CTA_TUPLE_REPLY, t2);
  EXPECT_FALSE(ParseConntrackPayload(Payload(b)).ok());
  // No reply tuple.
  Bytes c;
  c.Nest(CTA_TUPLE_ORIG, Tuple("10.0.0.1", "10.0.0.2", IPPROTO_UDP, 1, 2));
  EXPECT_FALSE(ParseConntrackPayload(Payload(c)).ok());
}

TEST(EncodeConntrackDelete, CarriesTheOriginalTuple) {
  ConntrackEntry e{IPPROTO_UDP, "10.244.2.5", "10.96.0.10", 40000, 53, "10.244.1.7", "10.244.2.5", 53, 40000};
  auto msg = EncodeConntrackDelete(e, 7);
  ASSERT_TRUE(msg.ok()) << msg.status().ToString();
  nlmsghdr h;
  std::memcpy(&h, msg->data(), sizeof h);
  EXPECT_EQ(h.nlmsg_len, msg->size());
  EXPECT_EQ(h.nlmsg_type, (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE);
  EXPECT_EQ(h.nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
  EXPECT_EQ(h.nlmsg_seq, 7u);
  // Parse it back: the request's payload plus a reply tuple is an entry.
  std::vector<uint8_t> payload(msg->begin() + NLMSG_HDRLEN, msg->end());
  Bytes reply;
  reply.Nest(CTA_TUPLE_REPLY, Tuple("10.244.1.7", "10.244.2.5", IPPROTO_UDP, 53, 40000));
  payload.insert(payload.end(), reply.bytes().begin(), reply.bytes().end());
  auto back = ParseConntrackPayload(payload);
  ASSERT_TRUE(back.ok() && back->has_value()) << back.status().ToString();
  EXPECT_EQ(**back, e);
}

TEST(EncodeConntrackDelete, RefusesBadEntries) {
  ConntrackEntry e{IPPROTO_UDP, "10.244.2.5", "not-an-ip", 1, 2, "", "", 0, 0};
  EXPECT_EQ(EncodeConntrackDelete(e, 1).status().reason(), Reason::kInvalid);
  e.orig_dst = "fd00::1";
  EXPECT_FALSE(EncodeConntrackDelete(e, 1).ok());
  e.orig_dst = "10.0.0.1";
  e.protocol = IPPROTO_ICMP;
  EXPECT_FALSE(EncodeConntrackDelete(e, 1).ok());
  auto r = DeleteConntrack({e});  // refused before any socket is opened
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), Reason::kInvalid);
}

TEST(EncodeConntrackDump, FilterOnProtocol) {
  auto all = EncodeConntrackDump(0, 3);
  EXPECT_EQ(all.size(), NLMSG_HDRLEN + 4u);
  auto udp = EncodeConntrackDump(IPPROTO_UDP, 3);
  nlmsghdr h;
  std::memcpy(&h, udp.data(), sizeof h);
  EXPECT_EQ(h.nlmsg_len, udp.size());
  EXPECT_EQ(h.nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
  EXPECT_EQ(h.nlmsg_type, (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET);
  EXPECT_GT(udp.size(), all.size());
  EXPECT_EQ(udp[NLMSG_HDRLEN], AF_INET);
}

}  // namespace
}  // namespace netkube::netlink
