#include "cni/hostport_table.h"

#include <gtest/gtest.h>

#include "nft/diff.h"
#include "nft/render.h"

namespace netkube::cni {
namespace {

HostportEntry Web() {
  return {"web", "10.244.0.5", {{8080, 80, "tcp", ""}, {9090, 90, "udp", "172.18.0.2"}}};
}
HostportEntry Dns() { return {"dns", "10.244.0.6", {{53, 5353, "udp", ""}}}; }

TEST(HostportTableTest, CompilesTheDocumentedTable) {
  std::vector<std::string> skipped;
  nft::Table t = CompileHostportTable({Web()}, &skipped);
  EXPECT_TRUE(skipped.empty());
  ASSERT_TRUE(nft::Validate(t).ok()) << nft::Validate(t).ToString();
  EXPECT_EQ(nft::RenderFull(t),
            "add table ip netkube-hostport\n"
            "delete table ip netkube-hostport\n"
            "add table ip netkube-hostport\n"
            "add map ip netkube-hostport hostip-hostports { type ipv4_addr . inet_proto . inet_service : verdict; }\n"
            "add map ip netkube-hostport hostports { type inet_proto . inet_service : verdict; }\n"
            "add chain ip netkube-hostport container-web\n"
            "add chain ip netkube-hostport dispatch\n"
            "add chain ip netkube-hostport nat-output { type nat hook output priority -99; policy accept; }\n"
            "add chain ip netkube-hostport nat-postrouting { type nat hook postrouting priority 100; policy accept; }\n"
            "add chain ip netkube-hostport nat-prerouting { type nat hook prerouting priority -99; policy accept; }\n"
            "add rule ip netkube-hostport container-web ip saddr 10.244.0.5 meta mark set meta mark | 0x2000\n"
            "add rule ip netkube-hostport container-web ip daddr 172.18.0.2 udp dport 9090 dnat to 10.244.0.5:90\n"
            "add rule ip netkube-hostport container-web tcp dport 8080 dnat to 10.244.0.5:80\n"
            "add rule ip netkube-hostport dispatch ip daddr . meta l4proto . th dport vmap @hostip-hostports\n"
            "add rule ip netkube-hostport dispatch fib daddr type local ip daddr != 127.0.0.0/8 "
            "meta l4proto . th dport vmap @hostports\n"
            "add rule ip netkube-hostport nat-output jump dispatch\n"
            "add rule ip netkube-hostport nat-postrouting meta mark & 0x2000 == 0x2000 masquerade\n"
            "add rule ip netkube-hostport nat-prerouting jump dispatch\n"
            "add element ip netkube-hostport hostip-hostports { 172.18.0.2 . udp . 9090 : goto container-web }\n"
            "add element ip netkube-hostport hostports { tcp . 8080 : goto container-web }\n");
}

// Removing a container touches its chain and its elements only, however
// many other containers the node has.
TEST(HostportTableTest, RemovingAContainerIsADeltaOfItsOwnObjects) {
  std::vector<HostportEntry> all;
  for (int i = 0; i < 50; ++i) {
    all.push_back({"c" + std::to_string(i), "10.244.0." + std::to_string(10 + i),
                   {{static_cast<int>(10000 + i), 80, "tcp", ""}}});
  }
  nft::Table before = CompileHostportTable(all, nullptr);
  all.erase(all.begin() + 7);
  nft::Table after = CompileHostportTable(all, nullptr);
  nft::Delta d = nft::Diff(before, after);
  ASSERT_FALSE(d.full_replace);
  EXPECT_EQ(nft::RenderDelta(after, d),
            "flush chain ip netkube-hostport container-c7\n"
            "delete element ip netkube-hostport hostports { tcp . 10007 }\n"
            "delete chain ip netkube-hostport container-c7\n");
  // And adding it back is the same size the other way.
  d = nft::Diff(after, before);
  EXPECT_EQ(nft::RenderDelta(before, d),
            "add chain ip netkube-hostport container-c7\n"
            "add rule ip netkube-hostport container-c7 ip saddr 10.244.0.17 meta mark set meta mark | 0x2000\n"
            "add rule ip netkube-hostport container-c7 tcp dport 10007 dnat to 10.244.0.17:80\n"
            "add element ip netkube-hostport hostports { tcp . 10007 : goto container-c7 }\n");
}

TEST(HostportTableTest, SkipsWhatCannotBeProgrammed) {
  HostportEntry e{"x", "10.244.0.9",
                  {{80, 8080, "tcp", "::"},           // IPv6
                   {81, 8080, "tcp", "127.0.0.1"},    // loopback
                   {82, 8080, "tcp", "not-an-ip"},    // garbage
                   {83, 8080, "tcp", "0.0.0.0"},      // = every address
                   {83, 8080, "tcp", "0.0.0.0"},      // the same again: silently one
                   {83, 9999, "tcp", ""}}};           // same key, other target
  std::vector<std::string> skipped;
  nft::Table t = CompileHostportTable({e, {"y", "fd00::1", {{90, 90, "tcp", ""}}}}, &skipped);
  ASSERT_EQ(skipped.size(), 5u) << ::testing::PrintToString(skipped);
  EXPECT_NE(skipped[0].find("IPv6"), std::string::npos);
  EXPECT_NE(skipped[1].find("loopback"), std::string::npos);
  EXPECT_NE(skipped[3].find("listed twice"), std::string::npos);
  EXPECT_NE(skipped[4].find("container y"), std::string::npos);
  EXPECT_EQ(t.sets.at(kHostportsMap).elements, (std::map<std::string, std::string>{{"tcp . 83", "goto container-x"}}));
  EXPECT_TRUE(t.sets.at(kHostIpHostportsMap).elements.empty());
  EXPECT_EQ(t.chains.count("container-y"), 0u);
  // A container with nothing left to map gets no chain.
  nft::Table none = CompileHostportTable({{"z", "10.244.0.3", {{80, 80, "tcp", "127.0.0.1"}}}}, nullptr);
  EXPECT_EQ(none.chains.count("container-z"), 0u);
}

TEST(HostportTableTest, ConflictsAcrossContainers) {
  HostportEntry other{"other", "10.244.0.7", {{8080, 81, "tcp", ""}}};
  Status s = FindConflict(Web(), {Dns(), other});
  EXPECT_TRUE(s.IsConflict());
  EXPECT_NE(s.message().find("8080/tcp"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("container other"), std::string::npos) << s.message();
  // Its own earlier record, another protocol, or another hostIP: no conflict.
  EXPECT_TRUE(FindConflict(Web(), {Web(), Dns()}).ok());
  EXPECT_TRUE(FindConflict(Web(), {{"o", "10.244.0.7", {{8080, 81, "udp", ""}, {9090, 1, "udp", "172.18.0.3"}}}}).ok());
  // Both in the records anyway: the first by container ID keeps the port.
  std::vector<std::string> skipped;
  nft::Table t = CompileHostportTable({Web(), other}, &skipped);
  EXPECT_EQ(t.sets.at(kHostportsMap).elements.at("tcp . 8080"), "goto container-other");
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_NE(skipped[0].find("container web"), std::string::npos);
}

TEST(HostportTableTest, ChainNames) {
  EXPECT_EQ(HostportChain("4f1d9c2e"), "container-4f1d9c2e");
  EXPECT_EQ(HostportChain("pod_1.a-b"), "container-pod_1.a-b");
  std::string odd = HostportChain("bad/id");
  EXPECT_EQ(odd.rfind("container-h", 0), 0u);
  EXPECT_EQ(odd.size(), 27u);
  EXPECT_TRUE(nft::IsValidName(odd));
  EXPECT_NE(odd, HostportChain("bad/ie"));
  EXPECT_TRUE(nft::IsValidName(HostportChain(std::string(190, 'a'))));
}

// `nft -j list table ip netkube-hostport` as nft 1.0.6 prints it for Web()
// (handles and the base chains' rules trimmed to what is read).
constexpr const char* kListing = R"({"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}},
 {"table": {"family": "ip", "name": "netkube-hostport", "handle": 1}},
 {"map": {"family": "ip", "name": "hostports", "table": "netkube-hostport", "type": ["inet_proto", "inet_service"],
   "handle": 1, "map": "verdict",
   "elem": [[{"concat": ["tcp", 8080]}, {"goto": {"target": "container-web"}}]]}},
 {"map": {"family": "ip", "name": "hostip-hostports", "table": "netkube-hostport",
   "type": ["ipv4_addr", "inet_proto", "inet_service"], "handle": 2, "map": "verdict",
   "elem": [[{"concat": ["172.18.0.2", "udp", 9090]}, {"goto": {"target": "container-web"}}]]}},
 {"chain": {"family": "ip", "table": "netkube-hostport", "name": "container-web", "handle": 7}},
 {"rule": {"family": "ip", "table": "netkube-hostport", "chain": "container-web", "handle": 8, "expr": []}},
 {"rule": {"family": "ip", "table": "netkube-hostport", "chain": "container-web", "handle": 9, "expr": []}},
 {"rule": {"family": "ip", "table": "netkube-hostport", "chain": "container-web", "handle": 10, "expr": []}}]})";

TEST(HostportTableTest, ElementsFromTheKernelListing) {
  auto e = ElementsFromKernelJson(kListing);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->at("hostports"), (std::map<std::string, std::string>{{"tcp . 8080", "goto container-web"}}));
  EXPECT_EQ(e->at("hostip-hostports"),
            (std::map<std::string, std::string>{{"172.18.0.2 . udp . 9090", "goto container-web"}}));
  EXPECT_EQ(ElementsFromKernelJson("[]").status().reason(), Reason::kBadRequest);
}

TEST(HostportTableTest, VerifyContainer) {
  nft::Table t = CompileHostportTable({Web(), Dns()}, nullptr);
  EXPECT_TRUE(VerifyContainer(kListing, t, "web").ok()) << VerifyContainer(kListing, t, "web").ToString();
  EXPECT_TRUE(VerifyContainer(kListing, t, "dns").IsNotFound());  // its chain is not in the listing
  EXPECT_TRUE(VerifyContainer(kListing, t, "nothing-mapped").ok());
  std::string other_target = kListing;
  other_target.replace(other_target.find("\"container-web\"}}]]}},\n {\"map\""), 15, "\"container-xyz\"");
  Status s = VerifyContainer(other_target, t, "web");
  EXPECT_TRUE(s.IsConflict()) << s.ToString();
  std::string fewer_rules = kListing;
  fewer_rules.erase(fewer_rules.rfind(",\n {\"rule\""), std::string::npos);
  EXPECT_TRUE(VerifyContainer(fewer_rules + "]}", t, "web").IsConflict());
}

}  // namespace
}  // namespace netkube::cni
