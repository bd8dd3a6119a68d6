#include "dns/k8s_records.h"

#include <sys/resource.h>

#include <cstdio>

#include <gtest/gtest.h>

namespace netkube::dns::k8s {
namespace {

Name N(std::string_view s) { return *Name::Parse(s); }
IpAddr Ip(std::string_view s) { return *IpAddr::Parse(s); }

ServiceInfo ClusterIP(std::string ns, std::string name, std::vector<std::string> ips, std::vector<PortInfo> ports) {
  ServiceInfo s;
  s.ns = std::move(ns);
  s.name = std::move(name);
  s.type = ServiceInfo::Type::kClusterIP;
  for (const std::string& ip : ips) s.cluster_ips.push_back(Ip(ip));
  s.ports = std::move(ports);
  return s;
}

ServiceInfo Headless(std::string ns, std::string name, std::vector<PortInfo> ports = {}) {
  ServiceInfo s;
  s.ns = std::move(ns);
  s.name = std::move(name);
  s.type = ServiceInfo::Type::kHeadless;
  s.ports = std::move(ports);
  return s;
}

ServiceInfo External(std::string ns, std::string name, std::string target) {
  ServiceInfo s;
  s.ns = std::move(ns);
  s.name = std::move(name);
  s.type = ServiceInfo::Type::kExternalName;
  s.external_name = std::move(target);
  return s;
}

EndpointInfo Ep(std::string_view ip, bool ready = true, std::string hostname = "", std::string pod = "") {
  EndpointInfo e;
  e.ip = Ip(ip);
  e.ready = ready;
  e.hostname = std::move(hostname);
  e.pod_name = std::move(pod);
  return e;
}

EndpointSliceInfo Slice(std::string ns, std::string name, std::string svc, std::vector<PortInfo> ports,
                        std::vector<EndpointInfo> eps) {
  EndpointSliceInfo s;
  s.ns = std::move(ns);
  s.name = std::move(name);
  s.service = std::move(svc);
  s.ports = std::move(ports);
  s.endpoints = std::move(eps);
  return s;
}

PortInfo Port(std::string name, int port, Protocol p = Protocol::kTCP) { return PortInfo{std::move(name), p, port}; }

// The cluster of the specification's examples, plus the cases around them.
void Populate(ClusterRecords& m) {
  for (const char* ns : {"default", "kube-system", "ns1"}) m.UpsertNamespace(ns);
  m.UpsertService(ClusterIP("default", "kubernetes", {"10.96.0.1"}, {Port("https", 443)}));
  m.UpsertService(ClusterIP("kube-system", "kube-dns", {"10.96.0.10"},
                            {Port("dns", 53, Protocol::kUDP), Port("dns-tcp", 53), Port("metrics", 9153)}));
  m.UpsertService(ClusterIP("ns1", "web", {"10.96.1.1", "fd00::1:1"}, {Port("http", 80), Port("", 8080)}));
  m.UpsertSlice(Slice("ns1", "web-x1", "web", {Port("http", 8080)}, {Ep("10.244.3.1")}));
  m.UpsertService(Headless("ns1", "headless", {Port("http", 80)}));
  m.UpsertSlice(Slice("ns1", "headless-a", "headless", {Port("http", 80), Port("udp-metrics", 9000, Protocol::kUDP)},
                      {Ep("10.244.1.5", true, "my-pet"), Ep("10.244.1.6", true, "", "web-0"),
                       Ep("10.244.1.7", false, "sleepy"), Ep("fd00:10:244:1::5", true, "v6pet")}));
  m.UpsertService(Headless("ns1", "empty-headless"));
  m.UpsertService(External("ns1", "ext", "www.example.com"));
  m.UpsertService(External("ns1", "ext-in", "web.ns1.svc.cluster.local"));
  ServiceInfo pnr = Headless("ns1", "notready");
  pnr.publish_not_ready = true;
  m.UpsertService(pnr);
  m.UpsertSlice(Slice("ns1", "notready-1", "notready", {}, {Ep("10.244.2.9", false)}));
}

RecordsOptions Options() {
  RecordsOptions o;
  o.primary_zone = N("cluster.local.");
  return o;
}

struct Answer {
  Message msg;
  LookupResult result;
};

Answer Ask(const ClusterRecords& m, std::string_view name, uint16_t qtype, std::string_view zone = "cluster.local.") {
  Message q;
  q.question.push_back({N(name), qtype, klass::IN});
  Answer a{Message::ReplyTo(q), {}};
  a.result = m.Lookup(q.question[0], N(zone), &a.msg);
  return a;
}

std::vector<std::string> Addresses(const std::vector<ResourceRecord>& rrs) {
  std::vector<std::string> out;
  for (const ResourceRecord& rr : rrs) {
    if (auto a = rr.a()) out.push_back(IpAddr::V4(*a).ToString());
    if (auto a = rr.aaaa()) {
      IpAddr ip;
      ip.len = 16;
      ip.bytes = *a;
      out.push_back(ip.ToString());
    }
  }
  return out;
}

void ExpectNegative(const Answer& a, int rc, std::string_view zone = "cluster.local.") {
  EXPECT_EQ(a.msg.header.rcode, rc);
  EXPECT_TRUE(a.msg.header.aa);
  EXPECT_TRUE(a.msg.answer.empty());
  ASSERT_EQ(a.msg.authority.size(), 1u);
  EXPECT_EQ(a.msg.authority[0].rtype, type::SOA);
  EXPECT_EQ(a.msg.authority[0].name, N(zone));
}

class RecordsTest : public ::testing::Test {
 protected:
  void SetUp() override { Populate(m); }
  ClusterRecords m{Options()};
};

TEST_F(RecordsTest, ClusterIPServiceA) {
  Answer a = Ask(m, "kubernetes.default.svc.cluster.local.", type::A);
  EXPECT_EQ(a.result.outcome, Outcome::kAnswer);
  EXPECT_EQ(a.msg.header.rcode, rcode::NoError);
  EXPECT_TRUE(a.msg.header.aa);
  ASSERT_EQ(a.msg.answer.size(), 1u);
  EXPECT_EQ(a.msg.answer[0].ttl, 5u);
  EXPECT_EQ(a.msg.answer[0].name, N("kubernetes.default.svc.cluster.local."));
  EXPECT_EQ(Addresses(a.msg.answer), std::vector<std::string>{"10.96.0.1"});
  EXPECT_TRUE(a.msg.authority.empty());
}

TEST_F(RecordsTest, NamesCompareCaseInsensitivelyAndKeepTheQuestionsCase) {
  Answer a = Ask(m, "KUBERNETES.Default.SVC.Cluster.LOCAL.", type::A);
  ASSERT_EQ(a.msg.answer.size(), 1u);
  EXPECT_EQ(a.msg.answer[0].name.wire(), N("KUBERNETES.Default.SVC.Cluster.LOCAL.").wire());
  EXPECT_EQ(Addresses(Ask(m, "My-Pet.HEADLESS.ns1.svc.cluster.local.", type::A).msg.answer),
            std::vector<std::string>{"10.244.1.5"});
  Answer nx = Ask(m, "nope.default.svc.CLUSTER.local.", type::A);
  ASSERT_EQ(nx.msg.authority.size(), 1u);
  EXPECT_EQ(nx.msg.authority[0].name.wire(), N("CLUSTER.local.").wire());
}

TEST_F(RecordsTest, NoDataCarriesTheZoneSoa) {
  Answer a = Ask(m, "kubernetes.default.svc.cluster.local.", type::AAAA);
  EXPECT_EQ(a.result.outcome, Outcome::kNoData);
  ExpectNegative(a, rcode::NoError);
  auto soa = a.msg.authority[0].soa();
  ASSERT_TRUE(soa.has_value());
  EXPECT_EQ(soa->mname, N("ns.dns.cluster.local."));
  EXPECT_EQ(soa->rname, N("hostmaster.cluster.local."));
  EXPECT_EQ(soa->refresh, 7200u);
  EXPECT_EQ(soa->retry, 1800u);
  EXPECT_EQ(soa->expire, 86400u);
  EXPECT_EQ(soa->minimum, 5u);
  EXPECT_EQ(soa->serial, m.Serial());
  EXPECT_EQ(a.msg.authority[0].ttl, 5u);
  // Other types of an existing name: NODATA too.
  for (uint16_t t : {type::TXT, type::MX, type::CNAME, type::PTR, type::NS, type::SOA, type::HINFO})
    ExpectNegative(Ask(m, "kubernetes.default.svc.cluster.local.", t), rcode::NoError);
}

TEST_F(RecordsTest, NxDomainForMissingNames) {
  for (const char* name :
       {"nope.default.svc.cluster.local.", "kubernetes.nope.svc.cluster.local.", "nope.svc.cluster.local.",
        "x.kubernetes.default.svc.cluster.local.", "a.b.c.d.e.kubernetes.default.svc.cluster.local.",
        "foo.cluster.local.", "kubernetes.default.foo.cluster.local.", "x.dns.cluster.local.",
        "x.ns.dns.cluster.local."}) {
    SCOPED_TRACE(name);
    Answer a = Ask(m, name, type::A);
    EXPECT_EQ(a.result.outcome, Outcome::kNxDomain);
    ExpectNegative(a, rcode::NXDomain);
  }
}

TEST_F(RecordsTest, EmptyNonTerminalsAndNamespacesAreNoData) {
  for (const char* name : {"svc.cluster.local.", "pod.cluster.local.", "dns.cluster.local.", "ns1.svc.cluster.local.",
                           "default.svc.cluster.local.", "_tcp.kubernetes.default.svc.cluster.local."}) {
    SCOPED_TRACE(name);
    ExpectNegative(Ask(m, name, type::A), rcode::NoError);
  }
  // A protocol no named port uses is no node at all.
  ExpectNegative(Ask(m, "_udp.kubernetes.default.svc.cluster.local.", type::A), rcode::NXDomain);
}

TEST_F(RecordsTest, Apex) {
  Answer soa = Ask(m, "cluster.local.", type::SOA);
  ASSERT_EQ(soa.msg.answer.size(), 1u);
  EXPECT_EQ(soa.msg.answer[0].rtype, type::SOA);
  EXPECT_TRUE(soa.msg.authority.empty());

  Answer ns = Ask(m, "cluster.local.", type::NS);
  ASSERT_EQ(ns.msg.answer.size(), 1u);
  EXPECT_EQ(ns.msg.answer[0].target(), N("ns.dns.cluster.local."));
  ASSERT_EQ(ns.msg.additional.size(), 1u);
  EXPECT_EQ(ns.msg.additional[0].name, N("ns.dns.cluster.local."));
  EXPECT_EQ(Addresses(ns.msg.additional), std::vector<std::string>{"10.96.0.10"});  // kube-system/kube-dns

  EXPECT_EQ(Addresses(Ask(m, "ns.dns.cluster.local.", type::A).msg.answer), std::vector<std::string>{"10.96.0.10"});
  ExpectNegative(Ask(m, "ns.dns.cluster.local.", type::AAAA), rcode::NoError);
  ExpectNegative(Ask(m, "cluster.local.", type::A), rcode::NoError);
  ExpectNegative(Ask(m, "cluster.local.", type::TXT), rcode::NoError);
}

TEST(Records, NsGlueIsTheServiceWhoseEndpointIsThisServer) {
  RecordsOptions o = Options();
  o.local_ips = {Ip("10.244.0.3")};
  ClusterRecords m(o);
  m.UpsertNamespace("kube-system");
  m.UpsertService(ClusterIP("kube-system", "dns-a", {"10.96.0.53"}, {Port("dns", 53, Protocol::kUDP)}));
  m.UpsertSlice(Slice("kube-system", "dns-a-1", "dns-a", {}, {Ep("10.244.0.3")}));
  EXPECT_EQ(Addresses(Ask(m, "cluster.local.", type::NS).msg.additional), std::vector<std::string>{"10.96.0.53"});
  // No such service: the server's own addresses.
  ClusterRecords bare(o);
  EXPECT_EQ(Addresses(Ask(bare, "ns.dns.cluster.local.", type::A).msg.answer),
            std::vector<std::string>{"10.244.0.3"});
}

TEST_F(RecordsTest, DnsVersion) {
  Answer a = Ask(m, "dns-version.cluster.local.", type::TXT);
  ASSERT_EQ(a.msg.answer.size(), 1u);
  EXPECT_EQ(a.msg.answer[0].ttl, 28800u);
  EXPECT_EQ(a.msg.answer[0].txt(), std::vector<std::string>{"1.1.0"});
  ExpectNegative(Ask(m, "dns-version.cluster.local.", type::A), rcode::NoError);
}

TEST_F(RecordsTest, ClusterIPSrv) {
  Answer a = Ask(m, "_https._tcp.kubernetes.default.svc.cluster.local.", type::SRV);
  ASSERT_EQ(a.msg.answer.size(), 1u);
  auto srv = a.msg.answer[0].srv();
  ASSERT_TRUE(srv.has_value());
  EXPECT_EQ(srv->priority, 0);
  EXPECT_EQ(srv->weight, 100);
  EXPECT_EQ(srv->port, 443);
  EXPECT_EQ(srv->target, N("kubernetes.default.svc.cluster.local."));
  ASSERT_EQ(a.msg.additional.size(), 1u);
  EXPECT_EQ(a.msg.additional[0].name, N("kubernetes.default.svc.cluster.local."));
  EXPECT_EQ(Addresses(a.msg.additional), std::vector<std::string>{"10.96.0.1"});
  // The name exists for other types.
  ExpectNegative(Ask(m, "_https._tcp.kubernetes.default.svc.cluster.local.", type::A), rcode::NoError);
  // Unknown port or protocol: NXDOMAIN.
  ExpectNegative(Ask(m, "_http._tcp.kubernetes.default.svc.cluster.local.", type::SRV), rcode::NXDomain);
  ExpectNegative(Ask(m, "_https._udp.kubernetes.default.svc.cluster.local.", type::SRV), rcode::NXDomain);
}

TEST_F(RecordsTest, SrvPerProtocolAndForAllPorts) {
  Answer udp = Ask(m, "_dns._udp.kube-dns.kube-system.svc.cluster.local.", type::SRV);
  ASSERT_EQ(udp.msg.answer.size(), 1u);
  EXPECT_EQ(udp.msg.answer[0].srv()->port, 53);
  Answer tcp = Ask(m, "_dns-tcp._tcp.kube-dns.kube-system.svc.cluster.local.", type::SRV);
  ASSERT_EQ(tcp.msg.answer.size(), 1u);
  EXPECT_EQ(tcp.msg.answer[0].srv()->port, 53);
  ExpectNegative(Ask(m, "_dns._tcp.kube-dns.kube-system.svc.cluster.local.", type::SRV), rcode::NXDomain);
  // SRV at the service name: every port (one record per target and port).
  Answer all = Ask(m, "kube-dns.kube-system.svc.cluster.local.", type::SRV);
  std::vector<int> ports;
  for (const ResourceRecord& rr : all.msg.answer) ports.push_back(rr.srv()->port);
  EXPECT_EQ(ports, (std::vector<int>{53, 9153}));
  EXPECT_EQ(all.msg.answer[0].srv()->weight, 33);  // 100 / 3 candidates
}

TEST_F(RecordsTest, DualStackClusterIPs) {
  EXPECT_EQ(Addresses(Ask(m, "web.ns1.svc.cluster.local.", type::A).msg.answer), std::vector<std::string>{"10.96.1.1"});
  EXPECT_EQ(Addresses(Ask(m, "web.ns1.svc.cluster.local.", type::AAAA).msg.answer),
            std::vector<std::string>{"fd00::1:1"});
  Answer srv = Ask(m, "_http._tcp.web.ns1.svc.cluster.local.", type::SRV);
  ASSERT_EQ(srv.msg.answer.size(), 1u);
  EXPECT_EQ(srv.msg.answer[0].srv()->port, 80);
  EXPECT_EQ(Addresses(srv.msg.additional), (std::vector<std::string>{"10.96.1.1", "fd00::1:1"}));
}

TEST_F(RecordsTest, HeadlessServiceReadyEndpointsOnly) {
  EXPECT_EQ(Addresses(Ask(m, "headless.ns1.svc.cluster.local.", type::A).msg.answer),
            (std::vector<std::string>{"10.244.1.5", "10.244.1.6"}));
  EXPECT_EQ(Addresses(Ask(m, "headless.ns1.svc.cluster.local.", type::AAAA).msg.answer),
            std::vector<std::string>{"fd00:10:244:1::5"});
  // No ready endpoints: NXDOMAIN (specification 2.4.1).
  ExpectNegative(Ask(m, "empty-headless.ns1.svc.cluster.local.", type::A), rcode::NXDomain);
  // publishNotReadyAddresses: not-ready endpoints count.
  EXPECT_EQ(Addresses(Ask(m, "notready.ns1.svc.cluster.local.", type::A).msg.answer),
            std::vector<std::string>{"10.244.2.9"});
}

TEST_F(RecordsTest, HeadlessHostnames) {
  EXPECT_EQ(Addresses(Ask(m, "my-pet.headless.ns1.svc.cluster.local.", type::A).msg.answer),
            std::vector<std::string>{"10.244.1.5"});
  EXPECT_EQ(Addresses(Ask(m, "v6pet.headless.ns1.svc.cluster.local.", type::AAAA).msg.answer),
            std::vector<std::string>{"fd00:10:244:1::5"});
  ExpectNegative(Ask(m, "v6pet.headless.ns1.svc.cluster.local.", type::A), rcode::NoError);
  // Without a hostname: the dashed IP.
  EXPECT_EQ(Addresses(Ask(m, "10-244-1-6.headless.ns1.svc.cluster.local.", type::A).msg.answer),
            std::vector<std::string>{"10.244.1.6"});
  // A hostname wins over the dashed IP; not-ready endpoints have no name.
  ExpectNegative(Ask(m, "10-244-1-5.headless.ns1.svc.cluster.local.", type::A), rcode::NXDomain);
  ExpectNegative(Ask(m, "sleepy.headless.ns1.svc.cluster.local.", type::A), rcode::NXDomain);
  ExpectNegative(Ask(m, "web-0.headless.ns1.svc.cluster.local.", type::A), rcode::NXDomain);
  // Endpoint names exist under ClusterIP services too (as CoreDNS).
  EXPECT_EQ(Addresses(Ask(m, "10-244-3-1.web.ns1.svc.cluster.local.", type::A).msg.answer),
            std::vector<std::string>{"10.244.3.1"});
}

TEST(Records, EndpointPodNames) {
  RecordsOptions o = Options();
  o.endpoint_pod_names = true;
  ClusterRecords m(o);
  Populate(m);
  EXPECT_EQ(Addresses(Ask(m, "web-0.headless.ns1.svc.cluster.local.", type::A).msg.answer),
            std::vector<std::string>{"10.244.1.6"});
  ExpectNegative(Ask(m, "10-244-1-6.headless.ns1.svc.cluster.local.", type::A), rcode::NXDomain);
  EXPECT_EQ(Addresses(Ask(m, "my-pet.headless.ns1.svc.cluster.local.", type::A).msg.answer),
            std::vector<std::string>{"10.244.1.5"});
}

TEST_F(RecordsTest, HeadlessSrvOnePerEndpointWithAddresses) {
  Answer a = Ask(m, "_http._tcp.headless.ns1.svc.cluster.local.", type::SRV);
  std::vector<std::string> targets;
  for (const ResourceRecord& rr : a.msg.answer) {
    EXPECT_EQ(rr.srv()->port, 80);
    targets.push_back(rr.srv()->target.ToString());
  }
  EXPECT_EQ(targets, (std::vector<std::string>{"my-pet.headless.ns1.svc.cluster.local.",
                                                "10-244-1-6.headless.ns1.svc.cluster.local.",
                                                "v6pet.headless.ns1.svc.cluster.local."}));
  ASSERT_EQ(a.msg.additional.size(), 3u);
  EXPECT_EQ(a.msg.additional[0].name, N("my-pet.headless.ns1.svc.cluster.local."));
  EXPECT_EQ(Addresses(a.msg.additional), (std::vector<std::string>{"10.244.1.5", "10.244.1.6", "fd00:10:244:1::5"}));
  Answer udp = Ask(m, "_udp-metrics._udp.headless.ns1.svc.cluster.local.", type::SRV);
  ASSERT_EQ(udp.msg.answer.size(), 3u);
  EXPECT_EQ(udp.msg.answer[0].srv()->port, 9000);
  ExpectNegative(Ask(m, "_http._udp.headless.ns1.svc.cluster.local.", type::SRV), rcode::NXDomain);
}

TEST_F(RecordsTest, ExternalName) {
  Answer a = Ask(m, "ext.ns1.svc.cluster.local.", type::A);
  EXPECT_EQ(a.result.outcome, Outcome::kAnswer);
  ASSERT_EQ(a.msg.answer.size(), 1u);
  EXPECT_EQ(a.msg.answer[0].rtype, type::CNAME);
  EXPECT_EQ(a.msg.answer[0].target(), N("www.example.com."));
  ASSERT_TRUE(a.result.chase.has_value());
  EXPECT_EQ(*a.result.chase, N("www.example.com."));

  Answer c = Ask(m, "ext.ns1.svc.cluster.local.", type::CNAME);
  ASSERT_EQ(c.msg.answer.size(), 1u);
  EXPECT_FALSE(c.result.chase.has_value());

  // A target inside the zone is followed here.
  Answer in = Ask(m, "ext-in.ns1.svc.cluster.local.", type::A);
  ASSERT_EQ(in.msg.answer.size(), 2u);
  EXPECT_EQ(in.msg.answer[0].rtype, type::CNAME);
  EXPECT_EQ(in.msg.answer[1].name, N("web.ns1.svc.cluster.local."));
  EXPECT_EQ(Addresses(in.msg.answer), std::vector<std::string>{"10.96.1.1"});
  EXPECT_FALSE(in.result.chase.has_value());
  // No endpoint or port names below an ExternalName.
  ExpectNegative(Ask(m, "_http._tcp.ext.ns1.svc.cluster.local.", type::SRV), rcode::NXDomain);
}

TEST(Records, ExternalNameLoopsEnd) {
  ClusterRecords m(Options());
  m.UpsertNamespace("a");
  m.UpsertService(External("a", "x", "y.a.svc.cluster.local"));
  m.UpsertService(External("a", "y", "x.a.svc.cluster.local"));
  Answer a = Ask(m, "x.a.svc.cluster.local.", type::A);
  EXPECT_LE(a.msg.answer.size(), 12u);
  EXPECT_GE(a.msg.answer.size(), 2u);
}

TEST_F(RecordsTest, ReverseLookups) {
  Answer svc = Ask(m, "1.0.96.10.in-addr.arpa.", type::PTR, "in-addr.arpa.");
  ASSERT_EQ(svc.msg.answer.size(), 1u);
  EXPECT_EQ(svc.msg.answer[0].target(), N("kubernetes.default.svc.cluster.local."));

  Answer ep = Ask(m, "5.1.244.10.in-addr.arpa.", type::PTR, "10.in-addr.arpa.");
  ASSERT_EQ(ep.msg.answer.size(), 1u);
  EXPECT_EQ(ep.msg.answer[0].target(), N("my-pet.headless.ns1.svc.cluster.local."));
  Answer dashed = Ask(m, "6.1.244.10.in-addr.arpa.", type::PTR, "in-addr.arpa.");
  ASSERT_EQ(dashed.msg.answer.size(), 1u);
  EXPECT_EQ(dashed.msg.answer[0].target(), N("10-244-1-6.headless.ns1.svc.cluster.local."));

  // fd00::1:1, 32 nibbles reversed.
  std::string v6 = "1.0.0.0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.";
  Answer six = Ask(m, v6, type::PTR, "ip6.arpa.");
  ASSERT_EQ(six.msg.answer.size(), 1u);
  EXPECT_EQ(six.msg.answer[0].target(), N("web.ns1.svc.cluster.local."));

  ExpectNegative(Ask(m, "7.1.244.10.in-addr.arpa.", type::PTR, "in-addr.arpa."), rcode::NXDomain, "in-addr.arpa.");
  ExpectNegative(Ask(m, "9.9.9.10.in-addr.arpa.", type::PTR, "in-addr.arpa."), rcode::NXDomain, "in-addr.arpa.");
  ExpectNegative(Ask(m, "96.10.in-addr.arpa.", type::PTR, "in-addr.arpa."), rcode::NXDomain, "in-addr.arpa.");
  ExpectNegative(Ask(m, "1.0.96.10.in-addr.arpa.", type::A, "in-addr.arpa."), rcode::NoError, "in-addr.arpa.");
  // A PTR question inside the forward zone: no such records.
  ExpectNegative(Ask(m, "kubernetes.default.svc.cluster.local.", type::PTR), rcode::NoError);
}

TEST(Records, PodsInsecure) {
  RecordsOptions o = Options();
  o.pods = PodMode::kInsecure;
  ClusterRecords m(o);
  Populate(m);
  Answer a = Ask(m, "10-244-1-22.ns1.pod.cluster.local.", type::A);
  EXPECT_EQ(Addresses(a.msg.answer), std::vector<std::string>{"10.244.1.22"});
  EXPECT_EQ(a.msg.answer[0].name, N("10-244-1-22.ns1.pod.cluster.local."));
  EXPECT_EQ(Addresses(Ask(m, "fd00--5.default.pod.cluster.local.", type::AAAA).msg.answer),
            std::vector<std::string>{"fd00::5"});
  ExpectNegative(Ask(m, "10-244-1-22.ns1.pod.cluster.local.", type::AAAA), rcode::NoError);
  ExpectNegative(Ask(m, "10-244-1-22.nope.pod.cluster.local.", type::A), rcode::NXDomain);
  ExpectNegative(Ask(m, "10-244-1-300.ns1.pod.cluster.local.", type::A), rcode::NXDomain);
  ExpectNegative(Ask(m, "web.ns1.pod.cluster.local.", type::A), rcode::NXDomain);
  ExpectNegative(Ask(m, "x.10-244-1-22.ns1.pod.cluster.local.", type::A), rcode::NXDomain);
  ExpectNegative(Ask(m, "ns1.pod.cluster.local.", type::A), rcode::NoError);
}

TEST_F(RecordsTest, PodsDisabled) {
  ExpectNegative(Ask(m, "10-244-1-22.ns1.pod.cluster.local.", type::A), rcode::NXDomain);
  ExpectNegative(Ask(m, "ns1.pod.cluster.local.", type::A), rcode::NXDomain);
  ExpectNegative(Ask(m, "pod.cluster.local.", type::A), rcode::NoError);
}

TEST(Records, PodsVerified) {
  RecordsOptions o = Options();
  o.pods = PodMode::kVerified;
  ClusterRecords m(o);
  Populate(m);
  m.UpsertPod(PodInfo{"ns1", "web-0", {Ip("10.244.1.22"), Ip("fd00::22")}});
  EXPECT_EQ(Addresses(Ask(m, "10-244-1-22.ns1.pod.cluster.local.", type::A).msg.answer),
            std::vector<std::string>{"10.244.1.22"});
  EXPECT_EQ(Addresses(Ask(m, "fd00--22.ns1.pod.cluster.local.", type::AAAA).msg.answer),
            std::vector<std::string>{"fd00::22"});
  ExpectNegative(Ask(m, "10-244-1-22.default.pod.cluster.local.", type::A), rcode::NXDomain);  // other namespace
  ExpectNegative(Ask(m, "10-244-1-23.ns1.pod.cluster.local.", type::A), rcode::NXDomain);
  EXPECT_TRUE(m.DeletePod("ns1", "web-0"));
  ExpectNegative(Ask(m, "10-244-1-22.ns1.pod.cluster.local.", type::A), rcode::NXDomain);
}

TEST(Records, IgnoreEmptyService) {
  RecordsOptions o = Options();
  o.ignore_empty_service = true;
  ClusterRecords m(o);
  Populate(m);
  EXPECT_EQ(Addresses(Ask(m, "web.ns1.svc.cluster.local.", type::A).msg.answer), std::vector<std::string>{"10.96.1.1"});
  ExpectNegative(Ask(m, "kubernetes.default.svc.cluster.local.", type::A), rcode::NXDomain);  // no slices
}

TEST(Records, NamespacesOption) {
  RecordsOptions o = Options();
  o.namespaces = {"ns1"};
  ClusterRecords m(o);
  Populate(m);
  ExpectNegative(Ask(m, "kubernetes.default.svc.cluster.local.", type::A), rcode::NXDomain);
  ExpectNegative(Ask(m, "default.svc.cluster.local.", type::A), rcode::NXDomain);
  EXPECT_EQ(Addresses(Ask(m, "web.ns1.svc.cluster.local.", type::A).msg.answer), std::vector<std::string>{"10.96.1.1"});
  ExpectNegative(Ask(m, "1.0.96.10.in-addr.arpa.", type::PTR, "in-addr.arpa."), rcode::NXDomain, "in-addr.arpa.");
}

TEST(Records, TtlOption) {
  RecordsOptions o = Options();
  o.ttl = 600;
  ClusterRecords m(o);
  Populate(m);
  EXPECT_EQ(Ask(m, "kubernetes.default.svc.cluster.local.", type::A).msg.answer[0].ttl, 600u);
  Answer neg = Ask(m, "nope.default.svc.cluster.local.", type::A);
  EXPECT_EQ(neg.msg.authority[0].ttl, 300u);  // the SOA's own TTL is capped
  EXPECT_EQ(neg.msg.authority[0].soa()->minimum, 600u);
}

TEST_F(RecordsTest, UpdatesAndDeletes) {
  EXPECT_FALSE(m.UpsertService(ClusterIP("default", "kubernetes", {"10.96.0.1"}, {Port("https", 443)})));
  EXPECT_TRUE(m.UpsertService(ClusterIP("default", "kubernetes", {"10.96.0.2"}, {Port("https", 443)})));
  EXPECT_EQ(Addresses(Ask(m, "kubernetes.default.svc.cluster.local.", type::A).msg.answer),
            std::vector<std::string>{"10.96.0.2"});
  ExpectNegative(Ask(m, "1.0.96.10.in-addr.arpa.", type::PTR, "in-addr.arpa."), rcode::NXDomain, "in-addr.arpa.");
  EXPECT_EQ(Ask(m, "2.0.96.10.in-addr.arpa.", type::PTR, "in-addr.arpa.").msg.answer.size(), 1u);

  EXPECT_TRUE(m.DeleteService("default", "kubernetes"));
  EXPECT_FALSE(m.DeleteService("default", "kubernetes"));
  ExpectNegative(Ask(m, "kubernetes.default.svc.cluster.local.", type::A), rcode::NXDomain);
  ExpectNegative(Ask(m, "2.0.96.10.in-addr.arpa.", type::PTR, "in-addr.arpa."), rcode::NXDomain, "in-addr.arpa.");

  // A slice moves to another service name.
  EXPECT_FALSE(m.UpsertSlice(Slice("ns1", "web-x1", "web", {Port("http", 8080)}, {Ep("10.244.3.1")})));
  m.UpsertService(Headless("ns1", "other"));
  EXPECT_TRUE(m.UpsertSlice(Slice("ns1", "web-x1", "other", {Port("http", 8080)}, {Ep("10.244.3.1")})));
  EXPECT_EQ(Addresses(Ask(m, "other.ns1.svc.cluster.local.", type::A).msg.answer),
            std::vector<std::string>{"10.244.3.1"});
  ExpectNegative(Ask(m, "10-244-3-1.web.ns1.svc.cluster.local.", type::A), rcode::NXDomain);
  EXPECT_EQ(Ask(m, "1.3.244.10.in-addr.arpa.", type::PTR, "in-addr.arpa.").msg.answer[0].target(),
            N("10-244-3-1.other.ns1.svc.cluster.local."));

  // Endpoints become ready.
  EXPECT_TRUE(m.UpsertSlice(Slice("ns1", "headless-a", "headless", {Port("http", 80)},
                                  {Ep("10.244.1.5", true, "my-pet"), Ep("10.244.1.7", true, "sleepy")})));
  EXPECT_EQ(Addresses(Ask(m, "headless.ns1.svc.cluster.local.", type::A).msg.answer),
            (std::vector<std::string>{"10.244.1.5", "10.244.1.7"}));
  EXPECT_TRUE(m.DeleteSlice("ns1", "headless-a"));
  ExpectNegative(Ask(m, "headless.ns1.svc.cluster.local.", type::A), rcode::NXDomain);

  // A namespace that goes away takes its names with it.
  EXPECT_TRUE(m.DeleteNamespace("ns1"));
  ExpectNegative(Ask(m, "web.ns1.svc.cluster.local.", type::A), rcode::NXDomain);
  EXPECT_TRUE(m.UpsertNamespace("ns1"));
  EXPECT_EQ(Addresses(Ask(m, "web.ns1.svc.cluster.local.", type::A).msg.answer), std::vector<std::string>{"10.96.1.1"});
}

TEST_F(RecordsTest, ReplaceDropsWhatTheListLacks) {
  EXPECT_TRUE(m.ReplaceServices({ClusterIP("default", "kubernetes", {"10.96.0.1"}, {Port("https", 443)})}));
  ExpectNegative(Ask(m, "web.ns1.svc.cluster.local.", type::A), rcode::NXDomain);
  EXPECT_EQ(Ask(m, "kubernetes.default.svc.cluster.local.", type::A).msg.answer.size(), 1u);
  EXPECT_FALSE(m.ReplaceServices({ClusterIP("default", "kubernetes", {"10.96.0.1"}, {Port("https", 443)})}));
  EXPECT_TRUE(m.ReplaceSlices({}));
  EXPECT_EQ(m.counts().slices, 0u);
  EXPECT_TRUE(m.ReplaceNamespaces({"default"}));
  ExpectNegative(Ask(m, "ns1.svc.cluster.local.", type::A), rcode::NXDomain);
  EXPECT_EQ(m.counts().namespaces, 1u);
}

TEST(IpAddr, ParseAndPrint) {
  EXPECT_EQ(Ip("10.0.0.1").ToString(), "10.0.0.1");
  EXPECT_EQ(Ip("FD00:0:0::1").ToString(), "fd00::1");
  EXPECT_FALSE(IpAddr::Parse("10.0.0").has_value());
  EXPECT_FALSE(IpAddr::Parse("").has_value());
  EXPECT_FALSE(IpAddr::Parse("hello").has_value());
}

long MaxRssKb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

// The memory goal: 10,000 services and 50,000 pods' endpoints. Reports the
// model's bytes (and the process's peak RSS); asserts the model stays well
// inside the 64 MB budget of the whole process.
TEST(RecordsMemory, TenThousandServicesFiftyThousandEndpoints) {
  RecordsOptions o = Options();
  o.endpoint_pod_names = true;
  ClusterRecords m(o);
  long rss_before = MaxRssKb();
  constexpr int kNamespaces = 100, kServices = 10000, kPods = 50000;
  for (int n = 0; n < kNamespaces; ++n) m.UpsertNamespace("namespace-" + std::to_string(n));
  int pod = 0;
  for (int s = 0; s < kServices; ++s) {
    std::string ns = "namespace-" + std::to_string(s % kNamespaces);
    std::string name = "service-number-" + std::to_string(s);
    char ip[32];
    snprintf(ip, sizeof(ip), "10.%d.%d.%d", 96 + s / 65536, (s / 256) % 256, s % 256);
    m.UpsertService(ClusterIP(ns, name, {ip}, {Port("http", 80), Port("https", 443)}));
    std::vector<EndpointInfo> eps;
    for (int i = 0; i < kPods / kServices; ++i, ++pod) {
      snprintf(ip, sizeof(ip), "10.%d.%d.%d", 128 + pod / 65536, (pod / 256) % 256, pod % 256);
      eps.push_back(Ep(ip, true, "", name.substr(0, 20) + "-7d9f8c6b5-" + std::to_string(i)));
    }
    m.UpsertSlice(Slice(ns, name + "-abcde", name, {Port("http", 8080), Port("https", 8443)}, std::move(eps)));
  }
  ClusterRecords::Counts c = m.counts();
  EXPECT_EQ(c.services, static_cast<size_t>(kServices));
  EXPECT_EQ(c.endpoints, static_cast<size_t>(kPods));
  size_t bytes = m.MemoryBytes();
  long rss_after = MaxRssKb();
  std::printf("[ model ] %d services, %d endpoints: %.1f MB estimated; peak RSS grew %.1f MB (to %.1f MB)\n",
              kServices, kPods, bytes / 1048576.0, (rss_after - rss_before) / 1024.0, rss_after / 1024.0);
  EXPECT_LT(bytes, size_t{32} << 20);
  EXPECT_EQ(Addresses(Ask(m, "service-number-4242.namespace-42.svc.cluster.local.", type::A).msg.answer),
            std::vector<std::string>{"10.96.16.146"});
}

}  // namespace
}  // namespace netkube::dns::k8s
