// src/nft against the real kernel, inside a private network namespace
// (scripts/in-netns): full load, deltas, a table flushed or deleted by hand
// and healed, a refused transaction that changes nothing, each with the
// libnftables executor and with the netlink batch executor; and a table with
// every rule shape loaded through both executors into two tables whose
// `nft list table` output must be identical. The kernel's state is checked
// with the nft CLI, independent of src/nft.
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "nft/applier.h"
#include "nft/nftnl_executor.h"
#include "nft/rule.h"
#include "netns_fixture.h"

namespace netkube::nft {
namespace {

using netkube::testing::Sh;


// What the kernel holds, per `nft -j list table`: rule count per chain, and
// map elements as "key -> goto target".
struct Kernel {
  bool exists = false;
  std::map<std::string, int> rules;
  std::map<std::string, std::string> vmap;
};

Kernel List(const std::string& table) {
  Kernel k;
  auto doc = nlohmann::json::parse(Sh("nft -j list table inet " + table + " 2>/dev/null"), nullptr, false);
  if (doc.is_discarded() || !doc.contains("nftables")) return k;
  k.exists = true;
  for (const auto& item : doc["nftables"]) {
    if (item.contains("chain")) k.rules.emplace(item["chain"]["name"].get<std::string>(), 0);
    if (item.contains("rule")) k.rules[item["rule"]["chain"].get<std::string>()]++;
    if (item.contains("map") && item["map"].contains("elem")) {
      for (const auto& e : item["map"]["elem"]) {
        k.vmap[e[0]["concat"][0].get<std::string>()] = e[1]["goto"]["target"].get<std::string>();
      }
    }
  }
  return k;
}

std::unique_ptr<Executor> MakeExecutor(bool batch) { return batch ? NewNftnlExecutor() : NewLibnftablesExecutor(); }

class NftKernelTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (run under scripts/in-netns)";
    name_ = "netkube-test-" + std::to_string(getpid());
  }
  void TearDown() override {
    if (!name_.empty()) Sh("nft delete table inet " + name_ + " 2>/dev/null");
  }

  // ClusterIP services 10.96.0.N:80/tcp, each with `eps` endpoints.
  Table Services(int n, int eps) {
    Table t;
    t.name = name_;
    t.AddSet("service-ips", "ipv4_addr . inet_proto . inet_service", "verdict");
    t.AddChain("nat-prerouting", BaseChainSpec{"nat", "prerouting", -100, "accept"}).rules = {"jump services"};
    t.AddChain("nat-output", BaseChainSpec{"nat", "output", -100, "accept"}).rules = {"jump services"};
    t.AddChain("nat-postrouting", BaseChainSpec{"nat", "postrouting", 100, "accept"}).rules = {
        *RuleBuilder().MarkMatch(0x4000).Masquerade().Build()};
    t.AddChain("services").rules = {
        *RuleBuilder().VmapLookup("ip daddr . meta l4proto . th dport", "service-ips").Build()};
    for (int i = 1; i <= n; ++i) AddService(&t, i, eps);
    return t;
  }
  void AddService(Table* t, int i, int eps) {
    std::string svc = "service-" + std::to_string(i) + "-default/web/tcp/http";
    std::vector<std::string> eps_chains;
    for (int k = 0; k < eps; ++k) {
      std::string ep = "endpoint-" + std::to_string(i) + "-" + std::to_string(k);
      std::string ip = "10.244." + std::to_string(i) + "." + std::to_string(k + 2);
      auto& c = t->AddChain(ep);
      c.rules = {*RuleBuilder().SaddrIs(ip).MarkSet(0x4000).Build(),
                 *RuleBuilder().L4Proto("tcp").DnatTo(ip, 8080).Build()};
      eps_chains.push_back(ep);
    }
    if (eps == 0) {
      t->AddChain(svc).rules = {*RuleBuilder().L4Proto("tcp").RejectTcpReset().Build()};
    } else {
      t->AddChain(svc).rules = *RandomCascade(eps_chains);
    }
    t->sets["service-ips"].elements["10.96.0." + std::to_string(i) + " . tcp . 80"] = "goto " + svc;
  }

  std::string name_;
};

TEST_P(NftKernelTest, FullLoadDeltasAndHeal) {
  Applier a(MakeExecutor(GetParam()));
  Table t = Services(3, 2);
  ASSERT_TRUE(a.Apply(t).ok()) << a.Apply(t).ToString();
  Kernel k = List(name_);
  ASSERT_TRUE(k.exists);
  EXPECT_EQ(k.rules.size(), 4u + 3 * 3);
  EXPECT_EQ(k.rules["service-2-default/web/tcp/http"], 2);
  EXPECT_EQ(k.rules["endpoint-2-1"], 2);
  EXPECT_EQ(k.vmap["10.96.0.2"], "service-2-default/web/tcp/http");

  // Delta: add service 4, drop an endpoint of service 2, service 3 loses all
  // endpoints (reject), service 1 removed.
  Table t2 = t;
  AddService(&t2, 4, 3);
  t2.chains.erase("endpoint-2-1");
  t2.chains["service-2-default/web/tcp/http"].rules = *RandomCascade({"endpoint-2-0"});
  t2.chains.erase("endpoint-3-0");
  t2.chains.erase("endpoint-3-1");
  t2.chains["service-3-default/web/tcp/http"].rules = {*RuleBuilder().L4Proto("tcp").RejectTcpReset().Build()};
  t2.chains.erase("endpoint-1-0");
  t2.chains.erase("endpoint-1-1");
  t2.chains.erase("service-1-default/web/tcp/http");
  t2.sets["service-ips"].elements.erase("10.96.0.1 . tcp . 80");
  ASSERT_TRUE(a.Apply(t2).ok()) << a.Apply(t2).ToString();
  EXPECT_FALSE(a.last_result().full);
  EXPECT_EQ(a.last_result().direct, GetParam());
  k = List(name_);
  EXPECT_EQ(k.rules.count("service-1-default/web/tcp/http"), 0u);
  EXPECT_EQ(k.rules.count("endpoint-2-1"), 0u);
  EXPECT_EQ(k.rules["service-2-default/web/tcp/http"], 1);
  EXPECT_EQ(k.rules["service-3-default/web/tcp/http"], 1);
  EXPECT_EQ(k.rules["service-4-default/web/tcp/http"], 3);
  EXPECT_EQ(k.vmap.size(), 3u);
  EXPECT_EQ(k.vmap.count("10.96.0.1"), 0u);
  EXPECT_EQ(k.vmap["10.96.0.4"], "service-4-default/web/tcp/http");

  // Heal with no drift: nothing sent.
  ASSERT_TRUE(a.Heal(t2).ok());
  EXPECT_TRUE(a.last_result().noop);

  // Flushed by hand -> healed by a full replace.
  Sh("nft flush table inet " + name_);
  ASSERT_EQ(List(name_).rules["service-4-default/web/tcp/http"], 0);
  ASSERT_TRUE(a.Heal(t2).ok());
  EXPECT_TRUE(a.last_result().full);
  k = List(name_);
  EXPECT_EQ(k.rules["service-4-default/web/tcp/http"], 3);
  EXPECT_EQ(k.vmap.size(), 3u);

  // Deleted by hand -> healed.
  Sh("nft delete table inet " + name_);
  ASSERT_FALSE(List(name_).exists);
  ASSERT_TRUE(a.Heal(t2).ok());
  EXPECT_EQ(List(name_).vmap.size(), 3u);

  // Remove deletes only our table.
  Sh("nft add table inet netkube-other-" + std::to_string(getpid()));
  ASSERT_TRUE(a.Remove(t2.family, t2.name).ok());
  EXPECT_FALSE(List(name_).exists);
  EXPECT_NE(Sh("nft list tables").find("netkube-other-" + std::to_string(getpid())), std::string::npos);
  Sh("nft delete table inet netkube-other-" + std::to_string(getpid()));
}

TEST_P(NftKernelTest, RefusedTransactionChangesNothing) {
  Applier a(MakeExecutor(GetParam()));
  Table t = Services(2, 2);
  ASSERT_TRUE(a.Apply(t).ok());
  // A rule the kernel refuses (dnat in a filter input chain), in the same
  // delta as a valid change: the whole transaction must be refused.
  Table bad = t;
  AddService(&bad, 3, 1);
  bad.AddChain("filter-input", BaseChainSpec{"filter", "input", 0, "accept"}).rules = {
      *RuleBuilder().L4Proto("tcp").DnatTo("10.244.9.9", 80).Build()};
  Status s = a.Apply(bad);
  EXPECT_FALSE(s.ok());
  if (GetParam()) EXPECT_NE(s.message().find("filter-input"), std::string::npos) << s.ToString();
  Kernel k = List(name_);
  EXPECT_EQ(k.rules.count("service-3-default/web/tcp/http"), 0u);
  EXPECT_EQ(k.vmap.size(), 2u);
  // The next good apply is a full replace and succeeds.
  ASSERT_TRUE(a.Apply(t).ok());
  EXPECT_TRUE(a.last_result().full);
  EXPECT_EQ(List(name_).vmap.size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Executors, NftKernelTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Batch" : "Libnftables"; });

// Every rule shape RuleBuilder emits, every set/map kind.
Table RichTable(const std::string& name) {
  Table t;
  t.name = name;
  auto& svc = t.AddSet("service-ips", "ipv4_addr . inet_proto . inet_service", "verdict");
  svc.elements["10.96.0.10 . udp . 53"] = "goto service-dns";
  svc.elements["10.96.0.1 . tcp . 443"] = "goto service-api";
  svc.elements["10.96.0.2 . sctp . 9"] = "drop";
  auto& np = t.AddSet("service-nodeports", "inet_proto . inet_service", "verdict");
  np.elements["tcp . 30080"] = "goto service-api";
  np.elements["udp . 30053"] = "jump service-dns";
  auto& local = t.AddSet("local-ips", "ipv4_addr");
  local.elements["192.168.0.1"] = "";
  local.elements["172.18.0.2"] = "";
  auto& ports = t.AddSet("no-endpoint-ports", "inet_service", "verdict");
  ports.elements["8080"] = "accept";
  auto& aff = t.AddSet("affinity-api", "ipv4_addr");
  aff.flags = {"dynamic", "timeout"};
  aff.timeout_seconds = 10800;
  t.AddSet("pod-cidrs", "ipv4_addr").flags = {"interval"};
  auto R = [](RuleBuilder& b) { return *b.Build(); };
  t.AddChain("nat-prerouting", BaseChainSpec{"nat", "prerouting", -100, "accept"}).rules = {
      R(RuleBuilder().Jump("services"))};
  t.AddChain("nat-output", BaseChainSpec{"nat", "output", -100, "accept"}).rules = {R(RuleBuilder().Jump("services"))};
  t.AddChain("nat-postrouting", BaseChainSpec{"nat", "postrouting", 100, "accept"}).rules = {
      R(RuleBuilder().MarkMatch(0x4000).Masquerade())};
  t.AddChain("filter-input", BaseChainSpec{"filter", "input", 0, "accept"}).rules = {
      R(RuleBuilder().CtState({"new"}).L4Dport("tcp", 9999).RejectTcpReset()),
      R(RuleBuilder().CtState({"established", "related"}).Accept()),
      R(RuleBuilder().CtState({"invalid"}).Counter().Drop()),
      R(RuleBuilder().SaddrIsNot("10.244.0.0/16").DaddrIs("10.96.0.0/12").Reject()),
      R(RuleBuilder().SaddrIs("10.0.0.0/8").DaddrIsNot("10.96.0.5").L4Proto("udp").Drop()),
      R(RuleBuilder().DaddrIs("10.96.0.2/31").Return()),
      R(RuleBuilder().VmapLookup("th dport", "no-endpoint-ports")),
  };
  t.AddChain("filter-forward", BaseChainSpec{"filter", "forward", 0, "drop"}).rules = {
      R(RuleBuilder().DaddrInSet("local-ips").Accept()), R(RuleBuilder().SaddrInSet("pod-cidrs").Accept()),
      R(RuleBuilder().VmapLookup("th dport", "no-endpoint-ports")), R(RuleBuilder().Reject())};
  t.AddChain("services").rules = {
      R(RuleBuilder().VmapLookup("ip daddr . meta l4proto . th dport", "service-ips")),
      R(RuleBuilder().FibDaddrLocal().VmapLookup("meta l4proto . th dport", "service-nodeports")),
      R(RuleBuilder().FibSaddrLocal().DaddrIs("10.96.0.0/12").Jump("mark-masq")),
  };
  t.AddChain("mark-masq").rules = {R(RuleBuilder().MarkSet(0x4000)), R(RuleBuilder().Counter())};
  t.AddChain("service-dns").rules = *RandomCascade({"endpoint-dns-a", "endpoint-dns-b", "endpoint-dns-c"});
  t.AddChain("service-api").rules = {
      R(RuleBuilder().SaddrInSet("affinity-api").Goto("endpoint-api")),
      R(RuleBuilder().NumgenRandomModEq(1, 0).Goto("endpoint-api")),
  };
  int i = 0;
  for (const char* ep : {"endpoint-dns-a", "endpoint-dns-b", "endpoint-dns-c"}) {
    std::string ip = "10.244.1." + std::to_string(++i);
    t.AddChain(ep).rules = {R(RuleBuilder().SaddrIs(ip).Jump("mark-masq")),
                            R(RuleBuilder().L4Proto("udp").DnatTo(ip, 53))};
  }
  t.AddChain("endpoint-api").rules = {
      R(RuleBuilder().UpdateSetWithSaddr("affinity-api").L4Dport("tcp", 443).DnatTo("172.18.0.2", 6443)),
      R(RuleBuilder().L4Dport("sctp", 9).DnatTo("172.18.0.3", 9)),
  };
  return t;
}

// `nft list table inet NAME` with the table name taken out.
std::string Listing(const std::string& name) {
  std::string out = Sh("nft list table inet " + name + " 2>&1");
  for (size_t p; (p = out.find(name)) != std::string::npos;) out.replace(p, name.size(), "T");
  return out;
}

class NftBatchKernelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (run under scripts/in-netns)";
    batch_ = "netkube-batch-" + std::to_string(getpid());
    script_ = "netkube-script-" + std::to_string(getpid());
  }
  void TearDown() override {
    for (const auto& n : {batch_, script_}) Sh("nft delete table inet " + n + " 2>/dev/null");
  }
  // Applies the same change both ways and compares the listings.
  void Both(Applier& a, Applier& b, const std::function<void(Table*)>& change, Table* ta, Table* tb) {
    change(ta);
    change(tb);
    Status sa = a.Apply(*ta);
    ASSERT_TRUE(sa.ok()) << sa.ToString();
    EXPECT_TRUE(a.last_result().direct) << a.last_result().fallback;
    Status sb = b.Apply(*tb);
    ASSERT_TRUE(sb.ok()) << sb.ToString();
    EXPECT_EQ(Listing(batch_), Listing(script_));
  }
  std::string batch_, script_;
};

TEST_F(NftBatchKernelTest, EveryShapeListsLikeLibnftables) {
  Applier a(NewNftnlExecutor());
  Applier b(NewLibnftablesExecutor());
  Table ta = RichTable(batch_), tb = RichTable(script_);
  ASSERT_TRUE(b.Apply(tb).ok()) << b.Apply(tb).ToString();
  Status s = a.Apply(ta);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(a.last_result().direct) << a.last_result().fallback;
  EXPECT_TRUE(a.last_result().full);
  std::string want = Listing(script_);
  ASSERT_NE(want.find("table inet T"), std::string::npos) << want;
  EXPECT_EQ(Listing(batch_), want);

  // A second full load replaces the table atomically.
  ASSERT_TRUE(a.ApplyFull(ta).ok());
  EXPECT_EQ(Listing(batch_), want);

  // Deltas: a new service, an endpoint gone, a map value changed, set
  // elements added/removed, a chain and a set deleted.
  Both(a, b, [](Table* t) {
    t->AddChain("service-web").rules = {*RuleBuilder().L4Proto("tcp").DnatTo("10.244.2.1", 80).Build()};
    t->sets["service-ips"].elements["10.96.0.20 . tcp . 80"] = "goto service-web";
    t->chains.erase("endpoint-dns-c");
    t->chains["service-dns"].rules = *RandomCascade({"endpoint-dns-a", "endpoint-dns-b"});
    t->sets["service-nodeports"].elements["udp . 30053"] = "goto service-dns";
    t->sets["local-ips"].elements.erase("172.18.0.2");
    t->sets["local-ips"].elements["172.18.0.9"] = "";
  }, &ta, &tb);
  Both(a, b, [](Table* t) {
    t->sets["service-ips"].elements.erase("10.96.0.20 . tcp . 80");
    t->chains.erase("service-web");
    t->sets.erase("no-endpoint-ports");
    t->chains["filter-forward"].rules.erase(t->chains["filter-forward"].rules.begin() + 2);
    t->chains["filter-input"].rules.pop_back();
    t->AddSet("new-set", "inet_proto").elements["tcp"] = "";
  }, &ta, &tb);

  // Heal: no drift -> nothing sent; a hand flush -> full replace (objects
  // then list in creation order, so the other table is reloaded fully too).
  ASSERT_TRUE(b.ApplyFull(tb).ok());
  ASSERT_TRUE(a.Heal(ta).ok());
  EXPECT_TRUE(a.last_result().noop);
  Sh("nft flush table inet " + batch_);
  ASSERT_TRUE(a.Heal(ta).ok());
  EXPECT_TRUE(a.last_result().full);
  EXPECT_TRUE(a.last_result().direct);
  EXPECT_EQ(Listing(batch_), Listing(script_));
  // A rule deleted by hand (counts differ) is healed too.
  Sh("nft flush chain inet " + batch_ + " services");
  ASSERT_TRUE(a.Heal(ta).ok());
  EXPECT_TRUE(a.last_result().full);
  EXPECT_EQ(Listing(batch_), Listing(script_));

  // Remove through the batch path deletes only our table.
  ASSERT_TRUE(a.Remove(ta.family, ta.name).ok());
  EXPECT_NE(Listing(batch_).find("No such file"), std::string::npos);
  EXPECT_NE(Listing(script_).find("table inet T"), std::string::npos);
}

TEST_F(NftBatchKernelTest, UntranslatableTableFallsBackToScript) {
  Applier a(NewNftnlExecutor());
  Table t = RichTable(batch_);
  t.sets["pod-cidrs"].elements["10.244.0.0/16"] = "";  // interval elements: script path
  Status s = a.Apply(t);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_FALSE(a.last_result().direct);
  EXPECT_NE(a.last_result().fallback.find("interval"), std::string::npos) << a.last_result().fallback;
  EXPECT_NE(Listing(batch_).find("10.244.0.0/16"), std::string::npos);
  // The next delta without interval elements goes direct again.
  t.sets["service-ips"].elements["10.96.0.30 . tcp . 80"] = "goto service-api";
  ASSERT_TRUE(a.Apply(t).ok());
  EXPECT_TRUE(a.last_result().direct) << a.last_result().fallback;
  EXPECT_NE(Listing(batch_).find("10.96.0.30 . tcp . 80"), std::string::npos);
}

TEST_F(NftBatchKernelTest, RefusalNamesTheObject) {
  Applier a(NewNftnlExecutor());
  Table t = RichTable(batch_);
  ASSERT_TRUE(a.Apply(t).ok());
  std::string before = Listing(batch_);
  Table bad = t;
  // Masquerade outside a nat postrouting chain: refused by the kernel.
  bad.chains["filter-forward"].rules.insert(bad.chains["filter-forward"].rules.begin(),
                                            *RuleBuilder().Masquerade().Build());
  bad.sets["service-ips"].elements["10.96.0.40 . tcp . 80"] = "goto service-api";
  Status s = a.Apply(bad);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("add rule #1 of chain filter-forward"), std::string::npos) << s.ToString();
  EXPECT_EQ(Listing(batch_), before);
  ASSERT_TRUE(a.Apply(t).ok());
  EXPECT_TRUE(a.last_result().full);
  EXPECT_EQ(Listing(batch_), before);
}

}  // namespace
}  // namespace netkube::nft
