#include "dns/message.h"

#include <gtest/gtest.h>

namespace netkube::dns {
namespace {

Name N(std::string_view s) {
  auto n = Name::Parse(s);
  EXPECT_TRUE(n.ok()) << s << ": " << n.status().ToString();
  return n.ok() ? *n : Name();
}

std::string B(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

Message Query(std::string_view name, uint16_t qtype, uint16_t id = 0x1234) {
  Message m;
  m.header.id = id;
  m.header.rd = true;
  m.question.push_back({N(name), qtype, klass::IN});
  return m;
}

// Offsets of every compression pointer that a well-formed message's names use.
int CountPointers(const std::string& wire) {
  int n = 0;
  for (size_t i = 0; i + 1 < wire.size(); ++i) {
    if ((static_cast<uint8_t>(wire[i]) & 0xC0) == 0xC0) ++n;
  }
  return n;
}

TEST(MessageTest, QueryRoundTrip) {
  Message q = Query("kubernetes.default.svc.cluster.local", type::A);
  std::string w = Serialize(q);
  // Header: id 0x1234, RD, 1 question.
  EXPECT_EQ(w.substr(0, 12), B({0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(w.size(), 12u + 38 + 4);
  auto p = Parse(w);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->header.id, 0x1234);
  EXPECT_TRUE(p->header.rd);
  EXPECT_FALSE(p->header.qr);
  ASSERT_EQ(p->question.size(), 1u);
  EXPECT_EQ(p->question[0].name.ToString(), "kubernetes.default.svc.cluster.local.");
  EXPECT_EQ(p->question[0].qtype, type::A);
  EXPECT_EQ(p->question[0].qclass, klass::IN);
  EXPECT_FALSE(p->edns.has_value());
}

TEST(MessageTest, AnswerRoundTripEveryType) {
  Message m = Message::ReplyTo(Query("web.default.svc.cluster.local", type::ANY));
  m.header.aa = true;
  Name owner = N("web.default.svc.cluster.local");
  m.answer.push_back(ResourceRecord::MakeA(owner, 5, {10, 96, 0, 1}));
  m.answer.push_back(ResourceRecord::MakeAAAA(owner, 5, {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
  m.answer.push_back(ResourceRecord::MakeName(owner, type::CNAME, 5, N("other.default.svc.cluster.local")));
  m.answer.push_back(ResourceRecord::MakeSrv(owner, 5, {0, 100, 80, N("web.default.svc.cluster.local")}));
  m.answer.push_back(ResourceRecord::MakeMx(owner, 5, {10, N("mail.cluster.local")}));
  m.answer.push_back(ResourceRecord::MakeTxt(owner, 5, {"hello", "wor\"ld"}));
  m.authority.push_back(ResourceRecord::MakeSoa(
      N("cluster.local"), 5, {N("ns.dns.cluster.local"), N("hostmaster.cluster.local"), 1, 7200, 1800, 86400, 5}));
  m.authority.push_back(ResourceRecord::MakeName(N("cluster.local"), type::NS, 5, N("ns.dns.cluster.local")));
  m.additional.push_back(ResourceRecord::MakeName(N("1.0.96.10.in-addr.arpa"), type::PTR, 5, owner));
  std::string w = Serialize(m);
  auto p = Parse(w);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_TRUE(p->header.qr);
  EXPECT_TRUE(p->header.aa);
  ASSERT_EQ(p->answer.size(), m.answer.size());
  ASSERT_EQ(p->authority.size(), 2u);
  ASSERT_EQ(p->additional.size(), 1u);
  for (size_t i = 0; i < m.answer.size(); ++i) {
    EXPECT_EQ(p->answer[i].name, m.answer[i].name);
    EXPECT_EQ(p->answer[i].rtype, m.answer[i].rtype);
    EXPECT_EQ(p->answer[i].ttl, 5u);
    EXPECT_EQ(p->answer[i].rdata, m.answer[i].rdata) << i;
  }
  EXPECT_EQ(p->authority[0].rdata, m.authority[0].rdata);
  EXPECT_EQ(p->additional[0].rdata, m.additional[0].rdata);
  EXPECT_EQ(p->answer[0].ToString(), "web.default.svc.cluster.local.\t5\tIN\tA\t10.96.0.1");
  EXPECT_EQ(p->answer[1].ToString(), "web.default.svc.cluster.local.\t5\tIN\tAAAA\tfd00::1");
  EXPECT_EQ(p->answer[2].ToString(), "web.default.svc.cluster.local.\t5\tIN\tCNAME\tother.default.svc.cluster.local.");
  EXPECT_EQ(p->answer[3].ToString(), "web.default.svc.cluster.local.\t5\tIN\tSRV\t0 100 80 web.default.svc.cluster.local.");
  EXPECT_EQ(p->answer[4].ToString(), "web.default.svc.cluster.local.\t5\tIN\tMX\t10 mail.cluster.local.");
  EXPECT_EQ(p->answer[5].ToString(), "web.default.svc.cluster.local.\t5\tIN\tTXT\t\"hello\" \"wor\\\"ld\"");
  EXPECT_EQ(p->authority[0].ToString(),
            "cluster.local.\t5\tIN\tSOA\tns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 5");
  EXPECT_EQ(p->authority[1].ToString(), "cluster.local.\t5\tIN\tNS\tns.dns.cluster.local.");
  EXPECT_EQ(p->additional[0].ToString(), "1.0.96.10.in-addr.arpa.\t5\tIN\tPTR\tweb.default.svc.cluster.local.");
}

}  // namespace
}  // namespace netkube::dns
