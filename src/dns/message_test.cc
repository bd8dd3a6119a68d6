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


// A dig query for example.com/A with EDNS (4096, a cookie option) and AD set,
// written from the RFC 1035 / RFC 6891 layouts.
const std::string kDigQuery = B({
    0xab, 0xcd, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,  // header
    7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0x00, 0x01, 0x00, 0x01,
    0x00, 0x00, 0x29, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c,  // OPT: root, 41, 4096, ttl 0, rdlen 12
    0x00, 0x0a, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8});                  // COOKIE option, 8 bytes

TEST(MessageTest, ParsesDigQuery) {
  auto m = Parse(kDigQuery);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->header.id, 0xabcd);
  EXPECT_TRUE(m->header.rd);
  EXPECT_TRUE(m->header.ad);
  EXPECT_FALSE(m->header.cd);
  EXPECT_EQ(m->header.opcode, opcode::Query);
  ASSERT_EQ(m->question.size(), 1u);
  EXPECT_EQ(m->question[0].name, N("example.com"));
  ASSERT_TRUE(m->edns.has_value());
  EXPECT_EQ(m->edns->udp_size, 4096);
  EXPECT_EQ(m->edns->version, 0);
  EXPECT_FALSE(m->edns->do_bit);
  EXPECT_EQ(m->edns->options, B({0x00, 0x0a, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_TRUE(m->additional.empty());
  // Serializing gives back the same bytes.
  EXPECT_EQ(Serialize(*m), kDigQuery);
}

// A recursive server's answer: www.example.com CNAME example.com, example.com A,
// owner names and the CNAME target compressed.
const std::string kCnameAnswer = B({
    0x00, 0x07, 0x81, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
    3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0x00, 0x01, 0x00, 0x01,
    0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x02, 0xc0, 0x10,  // CNAME -> ptr 16
    0xc0, 0x10, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x04, 93, 184, 216, 34});

TEST(MessageTest, ParsesCompressedAnswer) {
  auto m = Parse(kCnameAnswer);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_TRUE(m->header.qr);
  EXPECT_TRUE(m->header.ra);
  ASSERT_EQ(m->answer.size(), 2u);
  EXPECT_EQ(m->answer[0].ToString(), "www.example.com.\t3600\tIN\tCNAME\texample.com.");
  EXPECT_EQ(m->answer[0].rdata, N("example.com").wire());  // stored uncompressed
  EXPECT_EQ(m->answer[1].ToString(), "example.com.\t3600\tIN\tA\t93.184.216.34");
  // Our encoder makes exactly the same choices.
  EXPECT_EQ(Serialize(*m), kCnameAnswer);
}

// NXDOMAIN with the zone's SOA in authority; mname and rname compressed against the owner.
const std::string kNxdomain = B({
    0x00, 0x09, 0x84, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    1, 'x', 7, 'c', 'l', 'u', 's', 't', 'e', 'r', 5, 'l', 'o', 'c', 'a', 'l', 0, 0x00, 0x01, 0x00, 0x01,
    0xc0, 0x0e, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1e, 0x00, 0x2a,  // owner cluster.local (ptr 14)
    2, 'n', 's', 3, 'd', 'n', 's', 0xc0, 0x0e,                                // ns.dns.cluster.local
    10, 'h', 'o', 's', 't', 'm', 'a', 's', 't', 'e', 'r', 0xc0, 0x0e,          // hostmaster.cluster.local
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x1c, 0x20, 0x00, 0x00, 0x07, 0x08, 0x00, 0x01, 0x51, 0x80, 0x00, 0x00,
    0x00, 0x1e});

TEST(MessageTest, ParsesNxdomainWithSoa) {
  auto m = Parse(kNxdomain);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->header.rcode, rcode::NXDomain);
  EXPECT_TRUE(m->header.aa);
  ASSERT_EQ(m->authority.size(), 1u);
  auto soa = m->authority[0].soa();
  ASSERT_TRUE(soa.has_value());
  EXPECT_EQ(soa->mname.ToString(), "ns.dns.cluster.local.");
  EXPECT_EQ(soa->rname.ToString(), "hostmaster.cluster.local.");
  EXPECT_EQ(soa->serial, 1u);
  EXPECT_EQ(soa->refresh, 7200u);
  EXPECT_EQ(soa->retry, 1800u);
  EXPECT_EQ(soa->expire, 86400u);
  EXPECT_EQ(soa->minimum, 30u);
  EXPECT_EQ(Serialize(*m), kNxdomain);
}

TEST(MessageTest, AcceptsCompressedSrvTargetAndWritesItUncompressed) {
  std::string w = B({
      0x00, 0x01, 0x84, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
      5, '_', 'h', 't', 't', 'p', 4, '_', 't', 'c', 'p', 3, 'w', 'e', 'b', 0, 0x00, 0x21, 0x00, 0x01,
      0xc0, 0x0c, 0x00, 0x21, 0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0x00, 0x08,
      0x00, 0x00, 0x00, 0x64, 0x00, 0x50, 0xc0, 0x17});  // target: ptr to "web."
  auto m = Parse(w);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto srv = m->answer[0].srv();
  ASSERT_TRUE(srv.has_value());
  EXPECT_EQ(srv->priority, 0);
  EXPECT_EQ(srv->weight, 100);
  EXPECT_EQ(srv->port, 80);
  EXPECT_EQ(srv->target.ToString(), "web.");
  EXPECT_EQ(m->answer[0].ToString(), "_http._tcp.web.\t5\tIN\tSRV\t0 100 80 web.");
  std::string out = Serialize(*m);
  // The owner is compressed, the target is written in full.
  EXPECT_EQ(out.substr(32), B({0xc0, 0x0c, 0x00, 0x21, 0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0x00, 0x0b, 0x00, 0x00,
                               0x00, 0x64, 0x00, 0x50, 3, 'w', 'e', 'b', 0}));
}

TEST(MessageTest, CompressionBytes) {
  Message m = Message::ReplyTo(Query("www.example.com", type::A));
  m.answer.push_back(ResourceRecord::MakeName(N("WWW.Example.COM"), type::CNAME, 60, N("web.EXAMPLE.com")));
  m.answer.push_back(ResourceRecord::MakeA(N("web.example.com"), 60, {1, 2, 3, 4}));
  m.answer.push_back(ResourceRecord::MakeMx(N("example.com"), 60, {10, N("mx.web.example.com")}));
  std::string w = Serialize(m);
  std::string want = B({0x12, 0x34, 0x81, 0x00, 0, 1, 0, 3, 0, 0, 0, 0,
                        3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
                        // CNAME: owner = question (case-insensitive), target "web" + ptr to example.com (16)
                        0xc0, 0x0c, 0, 5, 0, 1, 0, 0, 0, 60, 0, 6, 3, 'w', 'e', 'b', 0xc0, 0x10,
                        // A: owner = the CNAME target at offset 45
                        0xc0, 0x2d, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4,
                        // MX: owner ptr 16, exchange "mx" + ptr to web.example.com (45)
                        0xc0, 0x10, 0, 15, 0, 1, 0, 0, 0, 60, 0, 7, 0, 10, 2, 'm', 'x', 0xc0, 0x2d});
  EXPECT_EQ(w, want);
  auto p = Parse(w);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->answer[2].mx()->exchange.ToString(), "mx.web.example.com.");
  // Compression is case-insensitive: the target's suffix takes the question's case.
  EXPECT_EQ(p->answer[0].target()->ToString(), "web.example.com.");
}

TEST(MessageTest, ManyRecordsCompressAndRoundTrip) {
  // Enough distinct names to pass the small table and offsets beyond 0x4000.
  Message m = Message::ReplyTo(Query("svc.cluster.local", type::SRV));
  for (int i = 0; i < 400; ++i) {
    Name host = N("10-0-" + std::to_string(i / 250) + "-" + std::to_string(i % 250) + ".web.default.svc.cluster.local");
    m.answer.push_back(ResourceRecord::MakeSrv(N("svc.cluster.local"), 5, {0, 10, 80, host}));
    m.additional.push_back(ResourceRecord::MakeA(host, 5, {10, 0, uint8_t(i / 250), uint8_t(i % 250)}));
    m.additional.push_back(ResourceRecord::MakeName(host, type::CNAME, 5, N("x" + std::to_string(i) + ".cluster.local")));
  }
  std::string w = Serialize(m);
  ASSERT_GT(w.size(), 0x4000u);
  ASSERT_LT(w.size(), 65535u);
  auto p = Parse(w);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_FALSE(p->header.tc);
  ASSERT_EQ(p->answer.size(), m.answer.size());
  ASSERT_EQ(p->additional.size(), m.additional.size());
  for (size_t i = 0; i < m.additional.size(); ++i) {
    ASSERT_EQ(p->additional[i].name, m.additional[i].name) << i;
    ASSERT_EQ(p->additional[i].rdata, m.additional[i].rdata) << i;
  }
  EXPECT_GT(CountPointers(w), 1000);
}

TEST(MessageTest, RejectsBadPointers) {
  std::string hdr = B({0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0});
  ParseError err;
  // Pointer to itself.
  auto self = Parse(hdr + B({0xc0, 0x0c, 0, 1, 0, 1}), &err);
  EXPECT_FALSE(self.ok());
  EXPECT_NE(self.status().message().find("compression pointer"), std::string::npos) << self.status().message();
  ASSERT_TRUE(err.header.has_value());
  EXPECT_EQ(err.header->id, 1);
  // Forward pointer.
  EXPECT_FALSE(Parse(hdr + B({0xc0, 0x12, 0, 1, 0, 1, 1, 'a', 0})).ok());
  // A label then a pointer back to the same name's start: a loop.
  EXPECT_FALSE(Parse(hdr + B({1, 'a', 0xc0, 0x0c, 0, 1, 0, 1})).ok());
  // Two names pointing at each other.
  std::string two = B({0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0,
                       1, 'a', 0xc0, 0x15, 0, 1, 0, 1,   // 12: a + ptr 21 (forward)
                       1, 'b', 0xc0, 0x0c, 0, 1, 0, 1});  // 21: b + ptr 12
  EXPECT_FALSE(Parse(two).ok());
  // Pointer into the header is backwards: allowed as long as what it reads is a name.
  std::string into_hdr = B({0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x03, 0, 1, 0, 1});
  EXPECT_TRUE(Parse(into_hdr).ok());
  // Reserved label types 0x40 and 0x80.
  EXPECT_FALSE(Parse(hdr + B({0x41, 'a', 0, 0, 1, 0, 1})).ok());
  EXPECT_FALSE(Parse(hdr + B({0x81, 'a', 0, 0, 1, 0, 1})).ok());
  // Truncated pointer.
  EXPECT_FALSE(Parse(hdr + B({0xc0})).ok());
}

TEST(MessageTest, ChainedPointersWork) {
  // a.b. at 12, c + ptr(12) at 22, d + ptr(22) in the answer: d.c.a.b.
  std::string w = B({0, 1, 0x80, 0, 0, 2, 0, 1, 0, 0, 0, 0,
                     1, 'a', 1, 'b', 0, 0, 1, 0, 1,   // 12..20
                     1, 'c', 0xc0, 0x0c, 0, 1, 0, 1,  // 21..28
                     1, 'd', 0xc0, 0x15, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4});
  auto m = Parse(w);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->question[1].name.ToString(), "c.a.b.");
  EXPECT_EQ(m->answer[0].name.ToString(), "d.c.a.b.");
}

TEST(MessageTest, RejectsNamesOver255AfterDecompression) {
  std::string l63 = std::string(1, 63) + std::string(63, 'x');
  std::string w = B({0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0});
  w += l63 + l63 + l63 + B({0, 0, 1, 0, 1});  // 193 bytes at 12
  std::string q2 = std::string(1, 61) + std::string(61, 'y') + B({0xc0, 0x0c, 0, 1, 0, 1});  // 62 + 193 = 255: ok
  auto ok = Parse(w + q2);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->question[1].name.wire().size(), 255u);
  std::string q3 = std::string(1, 62) + std::string(62, 'y') + B({0xc0, 0x0c, 0, 1, 0, 1});  // 256
  auto bad = Parse(w + q3);
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("255"), std::string::npos);
}

TEST(MessageTest, ParseErrors) {
  ParseError err;
  auto shortp = Parse(B({0, 1, 0}), &err);
  EXPECT_FALSE(shortp.ok());
  EXPECT_FALSE(err.header.has_value());
  EXPECT_FALSE(err.status.ok());

  std::string q = Serialize(Query("a.b", type::A, 77));
  // Truncated question.
  auto t = Parse(q.substr(0, q.size() - 1), &err);
  EXPECT_FALSE(t.ok());
  ASSERT_TRUE(err.header.has_value());
  EXPECT_EQ(err.header->id, 77);
  EXPECT_TRUE(err.header->rd);
  EXPECT_TRUE(t.status().IsInvalid());
  // Trailing garbage.
  EXPECT_FALSE(Parse(q + "x").ok());
  // A count larger than the records present.
  std::string more = q;
  more[7] = 1;
  EXPECT_FALSE(Parse(more).ok());
  // A huge count with nothing after it is rejected without trouble.
  std::string huge = q;
  huge[6] = huge[7] = huge[8] = huge[9] = huge[10] = huge[11] = static_cast<char>(0xff);
  EXPECT_FALSE(Parse(huge).ok());

  Message m = Message::ReplyTo(Query("a.b", type::NS));
  m.answer.push_back(ResourceRecord::MakeName(N("a.b"), type::NS, 1, N("ns.a.b")));
  std::string w = Serialize(m);
  // RDATA length past the end.
  std::string past = w;
  past[past.size() - 4 - 1] += 10;  // the rdlength low byte precedes "\2ns\xc0\x0c"
  EXPECT_FALSE(Parse(past).ok());
  // RDATA length longer than the name inside it: malformed NS.
  std::string longer = w.substr(0, w.size() - 6) + B({0, 6, 2, 'n', 's', 0xc0, 0x0c, 0});
  ASSERT_TRUE(Parse(w).ok());
  EXPECT_FALSE(Parse(longer).ok());
  // Unknown types keep any RDATA.
  Message u = Message::ReplyTo(Query("a.b", 999));
  ResourceRecord rr;
  rr.name = N("a.b");
  rr.rtype = 999;
  rr.rdata = B({0xc0, 0xff, 0});
  u.answer.push_back(rr);
  auto pu = Parse(Serialize(u));
  ASSERT_TRUE(pu.ok()) << pu.status().ToString();
  EXPECT_EQ(pu->answer[0].rdata, rr.rdata);
}

TEST(MessageTest, OptRules) {
  std::string opt = B({0, 0, 0x29, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0});  // 1232, DO
  std::string q = Serialize(Query("a.b", type::A));
  auto with = [&](int an, int ar, const std::string& tail) {
    std::string w = q + tail;
    w[7] = static_cast<char>(an);
    w[11] = static_cast<char>(ar);
    return Parse(w);
  };
  auto one = with(0, 1, opt);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  ASSERT_TRUE(one->edns);
  EXPECT_EQ(one->edns->udp_size, 1232);
  EXPECT_TRUE(one->edns->do_bit);
  EXPECT_TRUE(one->additional.empty());
  EXPECT_FALSE(with(0, 2, opt + opt).ok());
  EXPECT_FALSE(with(1, 0, opt).ok());  // OPT in the answer section
  std::string named = B({1, 'x', 0, 0, 0x29, 0x04, 0xd0, 0, 0, 0, 0, 0, 0});
  EXPECT_FALSE(with(0, 1, named).ok());
  // Extended rcode: upper 8 bits from the OPT TTL's first byte.
  std::string badvers = B({0, 0, 0x29, 0x04, 0xd0, 0x01, 0, 0, 0, 0, 0});
  auto bv = with(0, 1, badvers);
  ASSERT_TRUE(bv.ok());
  EXPECT_EQ(bv->header.rcode, rcode::BadVers);
  std::string v1 = B({0, 0, 0x29, 0x04, 0xd0, 0x00, 0x01, 0, 0, 0, 0});
  EXPECT_EQ(with(0, 1, v1)->edns->version, 1);
}

TEST(MessageTest, ExtendedRcodeGoesIntoOpt) {
  Message m = Message::ReplyTo(Query("a.b", type::A));
  m.header.rcode = rcode::BadVers;
  std::string w = Serialize(m);  // no OPT in the reply: one is added
  EXPECT_EQ(static_cast<uint8_t>(w[3]) & 0xF, 0);
  EXPECT_EQ(w[11], 1);
  auto p = Parse(w);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->header.rcode, rcode::BadVers);
  ASSERT_TRUE(p->edns);

  Message q = Query("a.b", type::A);
  q.edns = Edns{4096, 0, true, ""};
  Message r = Message::ReplyTo(q);
  r.header.rcode = 0x123;  // 12 bits
  auto pr = Parse(Serialize(r));
  ASSERT_TRUE(pr.ok());
  EXPECT_EQ(pr->header.rcode, 0x123);
  EXPECT_TRUE(pr->edns->do_bit);
  EXPECT_EQ(pr->edns->udp_size, 1232);
}

Message BigAnswer(int n) {
  Message q = Query("big.default.svc.cluster.local", type::A);
  q.edns = Edns{};
  Message m = Message::ReplyTo(q);
  for (int i = 0; i < n; ++i) {
    m.answer.push_back(ResourceRecord::MakeA(N("big.default.svc.cluster.local"), 5, {10, 0, 0, uint8_t(i)}));
  }
  return m;
}

TEST(MessageTest, TruncationDropsFromTheEndAndSetsTc) {
  Message m = BigAnswer(100);  // 12 + 35 + 100*16 + 11 bytes
  std::string full = Serialize(m);
  EXPECT_EQ(full.size(), 12u + 35 + 100 * 16 + 11);
  EXPECT_EQ(static_cast<uint8_t>(full[2]) & 0x02, 0);
  std::string w = Serialize(m, 512);
  EXPECT_LE(w.size(), 512u);
  auto p = Parse(w);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_TRUE(p->header.tc);
  EXPECT_EQ(p->answer.size(), (512u - 12 - 35 - 11) / 16);
  EXPECT_EQ(p->answer.back().a().value()[3], p->answer.size() - 1);  // the first ones kept
  ASSERT_TRUE(p->edns.has_value());  // OPT kept
  ASSERT_EQ(p->question.size(), 1u);
  // Sizes below 512 count as 512 (RFC 6891, as miekg/dns does).
  EXPECT_EQ(Serialize(m, 100), w);
  // Exactly fitting: no TC.
  std::string exact = Serialize(m, full.size());
  EXPECT_EQ(exact, full);
  std::string one_less = Serialize(m, full.size() - 1);
  EXPECT_EQ(Parse(one_less)->answer.size(), 99u);
  EXPECT_TRUE(Parse(one_less)->header.tc);
}

Message WithAuthorityAndAdditional(int answers) {
  Message m = BigAnswer(answers);  // 16 bytes per answer
  for (int i = 0; i < 10; ++i) {  // 18 bytes each
    m.authority.push_back(
        ResourceRecord::MakeName(N("cluster.local"), type::NS, 5, N("ns" + std::to_string(i) + ".cluster.local")));
  }
  for (int i = 0; i < 40; ++i) {  // 35 bytes each
    m.additional.push_back(ResourceRecord::MakeTxt(N("t.cluster.local"), 5, {std::string(20, 'a' + i % 26)}));
  }
  return m;
}

TEST(MessageTest, TruncationOrder) {
  Message m = WithAuthorityAndAdditional(10);
  auto full = Parse(Serialize(m));
  ASSERT_TRUE(full.ok());
  EXPECT_FALSE(full->header.tc);
  // Only additional records dropped: CoreDNS (miekg/dns Truncate) still sets TC.
  auto p = Parse(Serialize(m, 1000));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->answer.size(), 10u);
  EXPECT_EQ(p->authority.size(), 10u);
  EXPECT_LT(p->additional.size(), 40u);
  EXPECT_GT(p->additional.size(), 0u);
  EXPECT_TRUE(p->header.tc);
  EXPECT_TRUE(p->edns.has_value());
  // Authority partly dropped, additional all gone: 12 + 35 + 25 * 16 + 3 * 18 + 11 = 512.
  auto q = Parse(Serialize(WithAuthorityAndAdditional(25), 512));
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->answer.size(), 25u);
  EXPECT_EQ(q->authority.size(), 3u);
  EXPECT_TRUE(q->additional.empty());
  EXPECT_TRUE(q->header.tc);
  // A TC bit already set stays set.
  Message small = BigAnswer(1);
  small.header.tc = true;
  EXPECT_TRUE(Parse(Serialize(small))->header.tc);
}

TEST(MessageTest, CaseIsPreservedOnTheWire) {
  Message q = Query("KuBeRnEtEs.DeFaUlT.svc.cluster.local", type::A);
  auto p = Parse(Serialize(q));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->question[0].name.ToString(), "KuBeRnEtEs.DeFaUlT.svc.cluster.local.");
  Message r = Message::ReplyTo(*p);
  EXPECT_EQ(r.question[0].name.ToString(), "KuBeRnEtEs.DeFaUlT.svc.cluster.local.");
  r.answer.push_back(ResourceRecord::MakeA(N("kubernetes.default.svc.cluster.local"), 5, {10, 96, 0, 1}));
  std::string w = Serialize(r);
  EXPECT_EQ(w.substr(12 + 38 + 4, 2), B({0xc0, 0x0c}));  // owner compressed to the question
}

TEST(MessageTest, ReplyTo) {
  Message q = Query("a.b", type::AAAA, 4242);
  q.header.cd = true;
  q.header.opcode = opcode::Query;
  Message r = Message::ReplyTo(q);
  EXPECT_EQ(r.header.id, 4242);
  EXPECT_TRUE(r.header.qr);
  EXPECT_TRUE(r.header.rd);
  EXPECT_TRUE(r.header.cd);
  EXPECT_FALSE(r.header.aa);
  EXPECT_EQ(r.header.rcode, 0);
  ASSERT_EQ(r.question.size(), 1u);
  EXPECT_EQ(r.question[0].qtype, type::AAAA);
  EXPECT_FALSE(r.edns.has_value());
  q.edns = Edns{4096, 0, true, "xx"};
  Message e = Message::ReplyTo(q, 1400);
  ASSERT_TRUE(e.edns.has_value());
  EXPECT_EQ(e.edns->udp_size, 1400);
  EXPECT_TRUE(e.edns->do_bit);
  EXPECT_TRUE(e.edns->options.empty());
  q.edns->do_bit = false;
  EXPECT_FALSE(Message::ReplyTo(q).edns->do_bit);
  EXPECT_EQ(Message::ReplyTo(q).edns->udp_size, 1232);
}

TEST(MessageTest, HeaderBits) {
  Message m;
  m.header = Header{0xffff, true, true, true, true, true, true, true, opcode::Update, rcode::Refused};
  std::string w = Serialize(m);
  EXPECT_EQ(w.substr(0, 4), B({0xff, 0xff, 0x80 | (5 << 3) | 0x04 | 0x02 | 0x01, 0x80 | 0x20 | 0x10 | 0x05}));
  auto p = Parse(w);
  ASSERT_TRUE(p.ok());
  const Header& h = p->header;
  EXPECT_TRUE(h.qr && h.aa && h.tc && h.rd && h.ra && h.ad && h.cd);
  EXPECT_EQ(h.opcode, opcode::Update);
  EXPECT_EQ(h.rcode, rcode::Refused);
}

TEST(RecordTest, Accessors) {
  Name n = N("x.y");
  auto a = ResourceRecord::MakeA(n, 1, {1, 2, 3, 4});
  EXPECT_EQ(a.a().value(), (std::array<uint8_t, 4>{1, 2, 3, 4}));
  EXPECT_FALSE(a.aaaa());
  EXPECT_FALSE(a.target());
  EXPECT_FALSE(a.srv());
  EXPECT_FALSE(a.soa());
  EXPECT_FALSE(a.mx());
  EXPECT_FALSE(a.txt());
  EXPECT_EQ(a.rclass, klass::IN);
  a.rdata.pop_back();
  EXPECT_FALSE(a.a());
  EXPECT_EQ(a.ToString(), "x.y.\t1\tIN\tA\t\\# 3 010203");

  auto aaaa = ResourceRecord::MakeAAAA(n, 1, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10});
  EXPECT_EQ(aaaa.aaaa().value()[15], 0x10);
  EXPECT_FALSE(aaaa.a());
  EXPECT_EQ(aaaa.ToString(), "x.y.\t1\tIN\tAAAA\t2001:db8::10");

  for (uint16_t t : {type::CNAME, type::NS, type::PTR}) {
    auto r = ResourceRecord::MakeName(n, t, 1, N("t.y"));
    EXPECT_EQ(r.target().value(), N("t.y"));
    r.rdata += "z";
    EXPECT_FALSE(r.target());
  }
  EXPECT_FALSE(ResourceRecord::MakeName(n, type::MX, 1, N("t.y")).target());

  auto srv = ResourceRecord::MakeSrv(n, 1, {1, 2, 3, N("t.y")});
  EXPECT_EQ(srv.rdata, B({0, 1, 0, 2, 0, 3, 1, 't', 1, 'y', 0}));
  EXPECT_EQ(srv.srv()->target, N("t.y"));
  srv.rdata.resize(5);
  EXPECT_FALSE(srv.srv());

  auto mx = ResourceRecord::MakeMx(n, 1, {5, N("m.y")});
  EXPECT_EQ(mx.mx()->preference, 5);
  EXPECT_EQ(mx.mx()->exchange, N("m.y"));
  mx.rdata.pop_back();
  EXPECT_FALSE(mx.mx());

  auto soa = ResourceRecord::MakeSoa(n, 1, {N("a.y"), N("b.y"), 1, 2, 3, 4, 5});
  EXPECT_EQ(soa.soa()->rname, N("b.y"));
  EXPECT_EQ(soa.soa()->minimum, 5u);
  soa.rdata.pop_back();
  EXPECT_FALSE(soa.soa());

  auto txt = ResourceRecord::MakeTxt(n, 1, {std::string(300, 'a'), "", "b"});
  auto strings = txt.txt().value();
  ASSERT_EQ(strings.size(), 4u);
  EXPECT_EQ(strings[0].size(), 255u);
  EXPECT_EQ(strings[1].size(), 45u);
  EXPECT_EQ(strings[2], "");
  EXPECT_EQ(strings[3], "b");
  EXPECT_EQ(ResourceRecord::MakeTxt(n, 1, {"a\\b\x01"}).ToString(), "x.y.\t1\tIN\tTXT\t\"a\\\\b\\001\"");
  txt.rdata.push_back(5);
  EXPECT_FALSE(txt.txt());

  ResourceRecord unknown;
  unknown.name = n;
  unknown.rtype = 4321;
  unknown.rclass = 3;
  unknown.rdata = B({0x0a, 0, 0, 1});
  EXPECT_EQ(unknown.ToString(), "x.y.\t0\tCH\tTYPE4321\t\\# 4 0A000001");
  unknown.rdata.clear();
  unknown.rclass = 7;
  EXPECT_EQ(unknown.ToString(), "x.y.\t0\tCLASS7\tTYPE4321\t\\# 0");
}

TEST(RecordTest, TypeAndRcodeNames) {
  EXPECT_EQ(TypeName(type::A), "A");
  EXPECT_EQ(TypeName(type::AAAA), "AAAA");
  EXPECT_EQ(TypeName(type::SRV), "SRV");
  EXPECT_EQ(TypeName(type::AXFR), "AXFR");
  EXPECT_EQ(TypeName(65), "HTTPS");
  EXPECT_EQ(TypeName(4321), "TYPE4321");
  EXPECT_EQ(ParseType("a"), type::A);
  EXPECT_EQ(ParseType("Aaaa"), type::AAAA);
  EXPECT_EQ(ParseType("ptr"), type::PTR);
  EXPECT_EQ(ParseType("TYPE65"), 65);
  EXPECT_EQ(ParseType("type1"), 1);
  EXPECT_EQ(ParseType("TYPE65536"), std::nullopt);
  EXPECT_EQ(ParseType("TYPE"), std::nullopt);
  EXPECT_EQ(ParseType("TYPEx"), std::nullopt);
  EXPECT_EQ(ParseType("bogus"), std::nullopt);
  EXPECT_EQ(ParseType(""), std::nullopt);
  EXPECT_EQ(RcodeName(0), "NOERROR");
  EXPECT_EQ(RcodeName(rcode::FormErr), "FORMERR");
  EXPECT_EQ(RcodeName(rcode::ServFail), "SERVFAIL");
  EXPECT_EQ(RcodeName(rcode::NXDomain), "NXDOMAIN");
  EXPECT_EQ(RcodeName(rcode::NotImp), "NOTIMP");
  EXPECT_EQ(RcodeName(rcode::Refused), "REFUSED");
  EXPECT_EQ(RcodeName(rcode::BadVers), "BADVERS");
  EXPECT_EQ(RcodeName(99), "99");
}

TEST(MessageTest, OptOnlyFromEdns) {
  Message m = Query("a.b", type::A);
  ResourceRecord stray;
  stray.rtype = type::OPT;
  stray.rclass = 4096;
  m.additional.push_back(stray);
  m.additional.push_back(ResourceRecord::MakeA(N("a.b"), 1, {1, 1, 1, 1}));
  auto p = Parse(Serialize(m));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_FALSE(p->edns.has_value());
  ASSERT_EQ(p->additional.size(), 1u);
  EXPECT_EQ(p->additional[0].rtype, type::A);
}

}  // namespace
}  // namespace netkube::dns
