#include "dns/kubernetes.h"

#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "client/fake_client.h"
#include "client/meta.h"
#include "dns/chain_testing.h"

namespace netkube::dns {
namespace {

using client::Json;
using testing::N;

const api::Kind& Namespaces() { return client::KindOf("", "Namespace"); }
const api::Kind& Services() { return client::KindOf("", "Service"); }
const api::Kind& Slices() { return client::KindOf("discovery.k8s.io", "EndpointSlice"); }
const api::Kind& Pods() { return client::KindOf("", "Pod"); }

SetupContext Ctx() {
  SetupContext c;
  c.zones = {N("cluster.local.")};
  c.server = "dns://:53";
  return c;
}

StatusOr<KubernetesConfig> ParseText(std::string_view text) {
  Status err;
  Directive d = testing::ParseDirective(text, &err);
  if (!err.ok()) return err;
  return ParseKubernetes(d, Ctx());
}

// ---------------------------------------------------------------------------
// The directive.

TEST(KubernetesSetup, Defaults) {
  auto c = ParseText("kubernetes");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->zones.size(), 1u);
  EXPECT_EQ(c->zones[0], N("cluster.local."));
  EXPECT_EQ(c->records.ttl, 5u);
  EXPECT_EQ(c->records.pods, k8s::PodMode::kDisabled);
  EXPECT_TRUE(c->watch.endpoints);
  EXPECT_FALSE(c->watch.pods);
  EXPECT_FALSE(c->fallthrough);
  EXPECT_EQ(c->records.primary_zone, N("cluster.local."));
}

TEST(KubernetesSetup, EveryProperty) {
  auto c = ParseText(R"(kubernetes cluster.local in-addr.arpa ip6.arpa {
    endpoint https://127.0.0.1:6443
    tls cert.pem key.pem ca.pem
    kubeconfig /etc/kube.conf ctx
    namespaces a b
    labels app=web, tier in (front, back)
    pods verified
    endpoint_pod_names
    ttl 30
    noendpoints
    fallthrough in-addr.arpa ip6.arpa
    ignore empty_service
    startup_timeout 1m30s
  })");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->zones.size(), 3u);
  EXPECT_EQ(c->zones[1], N("in-addr.arpa."));
  EXPECT_EQ(c->endpoint, "https://127.0.0.1:6443");
  EXPECT_EQ(c->tls_ca, "ca.pem");
  EXPECT_EQ(c->kubeconfig, "/etc/kube.conf");
  EXPECT_EQ(c->context, "ctx");
  EXPECT_EQ(c->records.namespaces, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c->watch.label_selector, "app=web, tier in (front, back)");
  EXPECT_EQ(c->records.pods, k8s::PodMode::kVerified);
  EXPECT_TRUE(c->watch.pods);
  EXPECT_TRUE(c->records.endpoint_pod_names);
  EXPECT_EQ(c->records.ttl, 30u);
  EXPECT_FALSE(c->watch.endpoints);
  EXPECT_TRUE(c->fallthrough);
  EXPECT_EQ(c->fallthrough_zones.size(), 2u);
  EXPECT_TRUE(c->records.ignore_empty_service);
  EXPECT_EQ(c->startup_timeout, std::chrono::milliseconds(90000));
}

TEST(KubernetesSetup, CidrZonesBecomeReverseZones) {
  auto c = ParseText("kubernetes cluster.local 10.0.0.0/8");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->zones.size(), 2u);
  EXPECT_EQ(c->zones[1], N("10.in-addr.arpa."));
}

TEST(KubernetesSetup, Errors) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"kubernetes {\n foo bar\n}", "Corefile:3 - Error during parsing: unknown property 'foo'"},
      {"kubernetes {\n ttl 3601\n}", "ttl must be in range [0, 3600]: 3601"},
      {"kubernetes {\n ttl -1\n}", "ttl must be in range [0, 3600]: -1"},
      {"kubernetes {\n ttl x\n}", "invalid ttl: x"},
      {"kubernetes {\n ttl\n}", "Wrong argument count or unexpected line ending after 'ttl'"},
      {"kubernetes {\n pods sometimes\n}", "wrong value for pods: sometimes"},
      {"kubernetes {\n namespaces\n}", "Wrong argument count"},
      {"kubernetes {\n namespaces a\n namespace_labels x=y\n}", "namespaces and namespace_labels cannot both be set"},
      {"kubernetes {\n ignore everything\n}", "unable to parse ignore value: 'everything'"},
      {"kubernetes {\n noendpoints now\n}", "Wrong argument count"},
      {"kubernetes {\n tls a b\n}", "Wrong argument count"},
      {"kubernetes {\n labels a in (b\n}", "unable to parse label selector value"},
      {"kubernetes {\n startup_timeout soon\n}", "failed to parse startup_timeout: soon"},
      {"kubernetes {\n endpoint http://x:8080\n}", "endpoint must be an https:// URL"},
      {"kubernetes in-addr.arpa", "non-reverse zone name must be used"},
  };
  for (const Case& tc : cases) {
    SCOPED_TRACE(tc.text);
    auto c = ParseText(tc.text);
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.status().message().find(tc.message), std::string::npos) << c.status().message();
  }
}

// ---------------------------------------------------------------------------
// The plugin against the fake API.

Json NamespaceObj(const std::string& name) { return {{"metadata", {{"name", name}}}}; }

Json ServiceObj(const std::string& name, const std::string& cluster_ip, Json ports, std::string type = "ClusterIP") {
  Json spec = {{"type", type}, {"ports", ports}};
  if (type == "ExternalName")
    spec["externalName"] = cluster_ip;
  else
    spec["clusterIP"] = cluster_ip;
  return {{"metadata", {{"name", name}}}, {"spec", spec}};
}

Json SliceObj(const std::string& name, const std::string& service, Json endpoints, Json ports = Json::array()) {
  return {{"metadata", {{"name", name}, {"labels", {{"kubernetes.io/service-name", service}}}}},
          {"addressType", "IPv4"},
          {"endpoints", endpoints},
          {"ports", ports}};
}

Json EndpointObj(const std::string& ip, bool ready = true, const std::string& hostname = "") {
  Json e = {{"addresses", {ip}}, {"conditions", {{"ready", ready}}}};
  if (!hostname.empty()) e["hostname"] = hostname;
  return e;
}

// A client whose lists fail until opened: the plugin stays unsynced.
class GatedClient : public client::FakeClient {
 public:
  StatusOr<Json> List(const api::Kind& kind, std::string_view ns, const client::ListOptions& o) override {
    if (!open.load()) return Status::Unavailable("closed");
    return FakeClient::List(kind, ns, o);
  }
  std::atomic<bool> open{true};
};

class KubernetesPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api_ = std::make_shared<GatedClient>();
    ASSERT_TRUE(api_->Create(Namespaces(), "", NamespaceObj("default")).ok());
    ASSERT_TRUE(api_->Create(Namespaces(), "", NamespaceObj("ns1")).ok());
    ASSERT_TRUE(api_->Create(Services(), "default", ServiceObj("kubernetes", "10.96.0.1",
                                                               {{{"name", "https"}, {"port", 443}, {"protocol", "TCP"}}}))
                    .ok());
    ASSERT_TRUE(api_->Create(Services(), "ns1", ServiceObj("db", "None", {{{"name", "pg"}, {"port", 5432}}})).ok());
    ASSERT_TRUE(api_->Create(Slices(), "ns1",
                             SliceObj("db-1", "db",
                                      {EndpointObj("10.244.1.5", true, "db-0"), EndpointObj("10.244.1.6", false)},
                                      {{{"name", "pg"}, {"port", 5432}, {"protocol", "TCP"}}}))
                    .ok());
    ASSERT_TRUE(api_->Create(Services(), "ns1", ServiceObj("ext", "www.example.com", Json::array(), "ExternalName")).ok());
  }

  void Make(std::string_view corefile_body = "kubernetes cluster.local in-addr.arpa") {
    Status err;
    Directive d = testing::ParseDirective(corefile_body, &err);
    ASSERT_TRUE(err.ok()) << err.ToString();
    auto c = ParseKubernetes(d, Ctx());
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    plugin_ = std::make_unique<KubernetesPlugin>(std::move(*c), api_);
    backend_.answer = [](const Message& q) {
      Message m = Message::ReplyTo(q);
      if (q.question[0].qtype == type::A)
        m.answer.push_back(ResourceRecord::MakeA(q.question[0].name, 60, {192, 0, 2, 53}));
      return m;
    };
    chain_ = {plugin_.get(), &backend_};
  }

  Message Ask(std::string_view name, uint16_t qtype = type::A) {
    testing::QueryOptions o;
    o.qtype = qtype;
    std::string wire = testing::Run(chain_, testing::MakeQuery(name, o));
    auto m = Parse(wire);
    EXPECT_TRUE(m.ok()) << "no reply for " << name;
    return m.ok() ? *m : Message();
  }

  // Polls until `name` answers `rc` (the watch is asynchronous); no timing
  // is asserted, the deadline only keeps a broken watch from hanging.
  bool EventuallyRcode(std::string_view name, int rc) {
    for (int i = 0; i < 1000; ++i) {
      if (Ask(name).header.rcode == rc) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  std::shared_ptr<GatedClient> api_;
  std::unique_ptr<KubernetesPlugin> plugin_;
  testing::FakeBackend backend_;
  std::vector<Plugin*> chain_;
};

TEST_F(KubernetesPluginTest, AnswersFromTheWatchedCluster) {
  Make();
  ASSERT_TRUE(plugin_->WaitForSync(std::chrono::seconds(10)));
  EXPECT_TRUE(plugin_->Ready());
  Message a = Ask("kubernetes.default.svc.cluster.local.");
  EXPECT_EQ(a.header.rcode, rcode::NoError);
  EXPECT_TRUE(a.header.aa);
  ASSERT_EQ(a.answer.size(), 1u);
  EXPECT_EQ(a.answer[0].a(), (std::array<uint8_t, 4>{10, 96, 0, 1}));

  Message h = Ask("db.ns1.svc.cluster.local.");
  ASSERT_EQ(h.answer.size(), 1u);  // the not-ready endpoint is left out
  EXPECT_EQ(h.answer[0].a(), (std::array<uint8_t, 4>{10, 244, 1, 5}));
  Message srv = Ask("_pg._tcp.db.ns1.svc.cluster.local.", type::SRV);
  ASSERT_EQ(srv.answer.size(), 1u);
  EXPECT_EQ(srv.answer[0].srv()->target, N("db-0.db.ns1.svc.cluster.local."));
  EXPECT_EQ(srv.additional.size(), 1u);

  Message nx = Ask("nope.default.svc.cluster.local.");
  EXPECT_EQ(nx.header.rcode, rcode::NXDomain);
  ASSERT_EQ(nx.authority.size(), 1u);
  EXPECT_EQ(nx.authority[0].rtype, type::SOA);
  EXPECT_EQ(backend_.calls, 0);

  Message ptr = Ask("5.1.244.10.in-addr.arpa.", type::PTR);
  ASSERT_EQ(ptr.answer.size(), 1u);
  EXPECT_EQ(ptr.answer[0].target(), N("db-0.db.ns1.svc.cluster.local."));
}

TEST_F(KubernetesPluginTest, ChangesResolveAndDeletedServicesStop) {
  Make();
  ASSERT_TRUE(plugin_->WaitForSync(std::chrono::seconds(10)));
  uint64_t generation = DataGeneration();
  ASSERT_TRUE(api_->Create(Services(), "ns1", ServiceObj("web", "10.96.5.5", {{{"name", "http"}, {"port", 80}}})).ok());
  EXPECT_TRUE(EventuallyRcode("web.ns1.svc.cluster.local.", rcode::NoError));
  EXPECT_GT(DataGeneration(), generation);
  ASSERT_TRUE(api_->Delete(Services(), "ns1", "web").ok());
  EXPECT_TRUE(EventuallyRcode("web.ns1.svc.cluster.local.", rcode::NXDomain));
  // A new namespace appears.
  ASSERT_TRUE(api_->Create(Namespaces(), "", NamespaceObj("late")).ok());
  ASSERT_TRUE(api_->Create(Services(), "late", ServiceObj("x", "10.96.7.7", {{{"port", 80}}})).ok());
  EXPECT_TRUE(EventuallyRcode("x.late.svc.cluster.local.", rcode::NoError));
}

TEST_F(KubernetesPluginTest, WatchSurvivesEndedStreamsAndExpiredHistory) {
  Make();
  ASSERT_TRUE(plugin_->WaitForSync(std::chrono::seconds(10)));
  api_->CloseAllWatches();
  ASSERT_TRUE(api_->Create(Services(), "ns1", ServiceObj("a", "10.96.8.1", {{{"port", 80}}})).ok());
  EXPECT_TRUE(EventuallyRcode("a.ns1.svc.cluster.local.", rcode::NoError));
  api_->ExpireHistory();
  ASSERT_TRUE(api_->Delete(Services(), "ns1", "a").ok());
  EXPECT_TRUE(EventuallyRcode("a.ns1.svc.cluster.local.", rcode::NXDomain));
}

TEST_F(KubernetesPluginTest, ServfailUntilSynced) {
  api_->open = false;
  Make();
  EXPECT_FALSE(plugin_->Ready());
  Message a = Ask("kubernetes.default.svc.cluster.local.");
  EXPECT_EQ(a.header.rcode, rcode::ServFail);
  ASSERT_EQ(a.authority.size(), 1u);
  EXPECT_EQ(a.authority[0].rtype, type::SOA);
  api_->open = true;
  ASSERT_TRUE(plugin_->WaitForSync(std::chrono::seconds(20)));
  EXPECT_EQ(Ask("kubernetes.default.svc.cluster.local.").header.rcode, rcode::NoError);
}

TEST_F(KubernetesPluginTest, OtherZonesGoToTheNextPlugin) {
  Make();
  ASSERT_TRUE(plugin_->WaitForSync(std::chrono::seconds(10)));
  Message a = Ask("www.example.org.");
  EXPECT_EQ(backend_.calls, 1);
  ASSERT_EQ(a.answer.size(), 1u);
  // Reverse names outside the plugin's zones too.
  Ask("1.0.0.127.in-addr.arpa.", type::PTR);  // in-addr.arpa is ours: no call
  EXPECT_EQ(backend_.calls, 1);
}

TEST_F(KubernetesPluginTest, TransfersAreRefused) {
  Make();
  ASSERT_TRUE(plugin_->WaitForSync(std::chrono::seconds(10)));
  EXPECT_EQ(Ask("cluster.local.", type::AXFR).header.rcode, rcode::Refused);
  EXPECT_EQ(Ask("cluster.local.", type::IXFR).header.rcode, rcode::Refused);
}

TEST_F(KubernetesPluginTest, FallthroughPassesNxDomainOn) {
  Make("kubernetes cluster.local in-addr.arpa {\n fallthrough in-addr.arpa\n}");
  ASSERT_TRUE(plugin_->WaitForSync(std::chrono::seconds(10)));
  Ask("9.9.9.10.in-addr.arpa.", type::PTR);
  EXPECT_EQ(backend_.calls, 1);
  // Not covered by the listed zones: NXDOMAIN here.
  EXPECT_EQ(Ask("nope.default.svc.cluster.local.").header.rcode, rcode::NXDomain);
  EXPECT_EQ(backend_.calls, 1);
  // Existing names are answered here.
  EXPECT_EQ(Ask("kubernetes.default.svc.cluster.local.").answer.size(), 1u);
  EXPECT_EQ(backend_.calls, 1);
}

TEST_F(KubernetesPluginTest, FallthroughForAllZones) {
  Make("kubernetes cluster.local {\n fallthrough\n}");
  ASSERT_TRUE(plugin_->WaitForSync(std::chrono::seconds(10)));
  Message a = Ask("nope.default.svc.cluster.local.");
  EXPECT_EQ(backend_.calls, 1);
  EXPECT_EQ(a.answer.size(), 1u);  // the backend's answer
}

TEST_F(KubernetesPluginTest, ExternalNameTargetResolvedByTheRestOfTheChain) {
  Make();
  ASSERT_TRUE(plugin_->WaitForSync(std::chrono::seconds(10)));
  Message a = Ask("ext.ns1.svc.cluster.local.");
  EXPECT_EQ(backend_.calls, 1);
  ASSERT_EQ(a.question.size(), 1u);
  EXPECT_EQ(a.question[0].name, N("ext.ns1.svc.cluster.local."));
  ASSERT_EQ(a.answer.size(), 2u);
  EXPECT_EQ(a.answer[0].rtype, type::CNAME);
  EXPECT_EQ(a.answer[0].target(), N("www.example.com."));
  EXPECT_EQ(a.answer[1].name, N("www.example.com."));
  EXPECT_EQ(a.answer[1].a(), (std::array<uint8_t, 4>{192, 0, 2, 53}));
  // With nothing after the plugin, the CNAME alone.
  std::vector<Plugin*> alone = {plugin_.get()};
  auto wire = testing::Run(alone, testing::MakeQuery("ext.ns1.svc.cluster.local."));
  auto m = Parse(wire);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->answer.size(), 1u);
  EXPECT_EQ(m->answer[0].rtype, type::CNAME);
}

TEST_F(KubernetesPluginTest, PodsVerifiedWatchesPods) {
  Json pod = {{"metadata", {{"name", "p"}}}, {"spec", {{"containers", Json::array()}}}};
  Json created = *api_->Create(Pods(), "ns1", pod);
  created["status"]["podIP"] = "10.244.2.2";
  created["status"]["podIPs"] = Json::array({{{"ip", "10.244.2.2"}}});
  ASSERT_TRUE(api_->Update(Pods(), "ns1", created, "status").ok());
  Make("kubernetes cluster.local {\n pods verified\n}");
  ASSERT_TRUE(plugin_->WaitForSync(std::chrono::seconds(10)));
  EXPECT_EQ(Ask("10-244-2-2.ns1.pod.cluster.local.").answer.size(), 1u);
  EXPECT_EQ(Ask("10-244-2-3.ns1.pod.cluster.local.").header.rcode, rcode::NXDomain);
  ASSERT_TRUE(api_->Delete(Pods(), "ns1", "p").ok());
  EXPECT_TRUE(EventuallyRcode("10-244-2-2.ns1.pod.cluster.local.", rcode::NXDomain));
}

TEST_F(KubernetesPluginTest, NoEndpointsMakesHeadlessNamesNxDomain) {
  Make("kubernetes cluster.local {\n noendpoints\n}");
  ASSERT_TRUE(plugin_->WaitForSync(std::chrono::seconds(10)));
  EXPECT_EQ(Ask("db.ns1.svc.cluster.local.").header.rcode, rcode::NXDomain);
  EXPECT_EQ(Ask("kubernetes.default.svc.cluster.local.").answer.size(), 1u);
}

TEST_F(KubernetesPluginTest, AnswersCarryTheDataGeneration) {
  Make();
  ASSERT_TRUE(plugin_->WaitForSync(std::chrono::seconds(10)));
  // A chain with a filter that records the request's generation.
  struct Probe : Plugin {
    std::string_view name() const override { return "probe"; }
    void Serve(RequestPtr req) override {
      struct F : ResponseFilter {
        explicit F(uint64_t* out) : out(out) {}
        void Filter(const Request& r, Message&) override { *out = r.data_generation; }
        uint64_t* out;
      };
      req->PushFilter(std::make_unique<F>(&seen));
      Next(std::move(req));
    }
    uint64_t seen = 0;
  } probe;
  std::vector<Plugin*> chain = {&probe, plugin_.get()};
  testing::Run(chain, testing::MakeQuery("kubernetes.default.svc.cluster.local."));
  EXPECT_NE(probe.seen, 0u);
  EXPECT_LE(probe.seen, DataGeneration());
}

TEST_F(KubernetesPluginTest, Metrics) {
  Make();
  ASSERT_TRUE(plugin_->WaitForSync(std::chrono::seconds(10)));
  Ask("kubernetes.default.svc.cluster.local.");
  Ask("nope.default.svc.cluster.local.");
  std::ostringstream out;
  plugin_->RenderMetrics(out);
  EXPECT_NE(out.str().find("coredns_kubernetes_answers_total{server=\"dns://:53\",rcode=\"NOERROR\"} 1"),
            std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("rcode=\"NXDOMAIN\"} 1"), std::string::npos);
  EXPECT_NE(out.str().find("coredns_kubernetes_objects{kind=\"services\"} 3"), std::string::npos);
}

// ---------------------------------------------------------------------------
// Conversions from the API's JSON.

TEST(KubernetesConvert, Service) {
  Json svc = {{"metadata", {{"name", "web"}, {"namespace", "ns1"}}},
              {"spec",
               {{"clusterIP", "10.96.1.1"},
                {"clusterIPs", {"10.96.1.1", "fd00::1"}},
                {"publishNotReadyAddresses", true},
                {"ports", {{{"name", "dns"}, {"port", 53}, {"protocol", "UDP"}}, {{"port", 80}}}}}}};
  auto s = k8s::ServiceFromJson(svc);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->type, k8s::ServiceInfo::Type::kClusterIP);
  EXPECT_EQ(s->cluster_ips.size(), 2u);
  EXPECT_TRUE(s->publish_not_ready);
  ASSERT_EQ(s->ports.size(), 2u);
  EXPECT_EQ(s->ports[0].protocol, k8s::Protocol::kUDP);
  EXPECT_EQ(s->ports[1].protocol, k8s::Protocol::kTCP);
  EXPECT_EQ(s->ports[1].name, "");

  svc["spec"] = {{"clusterIP", "None"}};
  EXPECT_EQ(k8s::ServiceFromJson(svc)->type, k8s::ServiceInfo::Type::kHeadless);
  svc["spec"] = {{"type", "ExternalName"}, {"externalName", "db.example.com."}};
  EXPECT_EQ(k8s::ServiceFromJson(svc)->external_name, "db.example.com");
  EXPECT_FALSE(k8s::ServiceFromJson(Json::object()).has_value());
}

TEST(KubernetesConvert, EndpointSlice) {
  Json s = SliceObj("db-1", "db",
                    {EndpointObj("10.244.1.5", true, "db-0"),
                     {{"addresses", {"10.244.1.6"}},
                      {"targetRef", {{"kind", "Pod"}, {"name", "db-1"}}}},  // no conditions: ready
                     EndpointObj("10.244.1.7", false)},
                    {{{"name", "pg"}, {"port", 5432}}});
  s["metadata"]["namespace"] = "ns1";
  auto e = k8s::EndpointSliceFromJson(s);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->service, "db");
  ASSERT_EQ(e->endpoints.size(), 3u);
  EXPECT_EQ(e->endpoints[0].hostname, "db-0");
  EXPECT_TRUE(e->endpoints[1].ready);
  EXPECT_EQ(e->endpoints[1].pod_name, "db-1");
  EXPECT_FALSE(e->endpoints[2].ready);
  EXPECT_EQ(e->ports[0].port, 5432);
  s["metadata"]["labels"] = Json::object();
  EXPECT_FALSE(k8s::EndpointSliceFromJson(s).has_value());
}

TEST(KubernetesConvert, Pod) {
  Json p = {{"metadata", {{"name", "p"}, {"namespace", "ns1"}}}, {"status", {{"podIP", "10.244.1.9"}}}};
  auto pod = k8s::PodFromJson(p);
  ASSERT_TRUE(pod.has_value());
  EXPECT_EQ(pod->ips.size(), 1u);
  p["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z";
  EXPECT_FALSE(k8s::PodFromJson(p).has_value());
  EXPECT_FALSE(k8s::PodFromJson(Json{{"metadata", {{"name", "q"}}}}).has_value());
}

}  // namespace
}  // namespace netkube::dns
