#include "cni/hostport.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include <nlohmann/json.hpp>

namespace netkube::cni {
namespace {

using nlohmann::json;

// `nft -j list table` of a table, as much of it as the readers look at.
std::string Listing(const nft::Table& t) {
  json items = json::array({json{{"metainfo", {{"version", "1.0.6"}}}}});
  items.push_back({{"table", {{"family", "ip"}, {"name", t.name}}}});
  auto key_json = [](const std::string& key) {
    json parts = json::array();
    size_t pos = 0;
    while (true) {
      size_t next = key.find(" . ", pos);
      std::string p = key.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
      if (!p.empty() && std::isdigit(static_cast<unsigned char>(p[0])) && p.find('.') == std::string::npos) {
        parts.push_back(std::stoi(p));
      } else {
        parts.push_back(p);
      }
      if (next == std::string::npos) break;
      pos = next + 3;
    }
    return json{{"concat", parts}};
  };
  for (const auto& [name, s] : t.sets) {
    json m = {{"name", name}, {"table", t.name}, {"map", "verdict"}};
    if (!s.elements.empty()) {
      m["elem"] = json::array();
      for (const auto& [k, v] : s.elements) {
        m["elem"].push_back({key_json(k), {{v.substr(0, v.find(' ')), {{"target", v.substr(v.find(' ') + 1)}}}}});
      }
    }
    items.push_back({{"map", m}});
  }
  for (const auto& [name, c] : t.chains) {
    json j = {{"name", name}, {"table", t.name}};
    if (c.base) {
      j["type"] = c.base->type;
      j["hook"] = c.base->hook;
      j["prio"] = c.base->priority;
      j["policy"] = c.base->policy;
    }
    items.push_back({{"chain", j}});
    for (size_t i = 0; i < c.rules.size(); ++i) items.push_back({{"rule", {{"chain", name}, {"expr", json::array()}}}});
  }
  return json{{"nftables", items}}.dump();
}

// A fake kernel: records scripts and listings asked for; holds the table the
// test says the kernel has (none: the table does not exist).
struct FakeKernel {
  std::vector<std::string> scripts;
  int listings = 0;
  std::optional<nft::Table> table;
  Status next_run;
};

class FakeExecutor : public nft::Executor {
 public:
  explicit FakeExecutor(FakeKernel* k) : k_(k) {}
  Status Run(const std::string& script) override {
    k_->scripts.push_back(script);
    Status s = k_->next_run;
    k_->next_run = Status::OK();
    return s;
  }
  StatusOr<std::string> ListTableJson(nft::Family, const std::string&) override {
    ++k_->listings;
    if (!k_->table) return Status::NotFound("no table");
    return Listing(*k_->table);
  }

 private:
  FakeKernel* k_;
};

class HostportsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nk-hostport-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = std::string(tmpl) + "/hostports";
  }
  void TearDown() override { std::filesystem::remove_all(std::filesystem::path(dir_).parent_path()); }

  Hostports Make() { return Hostports(dir_, std::make_unique<FakeExecutor>(&kernel_)); }
  // What a successful transaction left in the kernel: the table of `entries`.
  void KernelHas(const std::vector<HostportEntry>& entries) {
    kernel_.table = entries.empty() ? std::nullopt : std::optional(CompileHostportTable(entries, nullptr));
  }
  bool Recorded(const std::string& id) { return std::filesystem::exists(dir_ + "/" + id + ".json"); }

  std::string dir_;
  FakeKernel kernel_;
};

HostportEntry A() { return {"ctr-a", "10.244.0.5", {{8080, 80, "tcp", ""}}}; }
HostportEntry B() { return {"ctr-b", "10.244.0.6", {{9090, 90, "udp", "172.18.0.2"}}}; }

TEST_F(HostportsTest, AddThenDeltaThenDel) {
  // The first container: the table does not exist yet, a full load.
  ASSERT_TRUE(Make().Add(A()).ok());
  ASSERT_EQ(kernel_.scripts.size(), 1u);
  EXPECT_NE(kernel_.scripts[0].find("add table ip netkube-hostport"), std::string::npos);
  EXPECT_TRUE(Recorded("ctr-a"));
  KernelHas({A()});

  // The second: only its own chain and element.
  ASSERT_TRUE(Make().Add(B()).ok());
  ASSERT_EQ(kernel_.scripts.size(), 2u);
  EXPECT_EQ(kernel_.scripts[1],
            "add chain ip netkube-hostport container-ctr-b\n"
            "add rule ip netkube-hostport container-ctr-b ip saddr 10.244.0.6 meta mark set meta mark | 0x2000\n"
            "add rule ip netkube-hostport container-ctr-b ip daddr 172.18.0.2 udp dport 9090 dnat to 10.244.0.6:90\n"
            "add element ip netkube-hostport hostip-hostports { 172.18.0.2 . udp . 9090 : goto container-ctr-b }\n");
  KernelHas({A(), B()});

  // DEL of the first: its objects only.
  ASSERT_TRUE(Make().Del("ctr-a").ok());
  ASSERT_EQ(kernel_.scripts.size(), 3u);
  EXPECT_EQ(kernel_.scripts[2],
            "flush chain ip netkube-hostport container-ctr-a\n"
            "delete element ip netkube-hostport hostports { tcp . 8080 }\n"
            "delete chain ip netkube-hostport container-ctr-a\n");
  EXPECT_FALSE(Recorded("ctr-a"));
  KernelHas({B()});

  // DEL again, or of a container that never had hostPorts: nothing touched.
  int listings = kernel_.listings;
  ASSERT_TRUE(Make().Del("ctr-a").ok());
  ASSERT_TRUE(Make().Del("never-added").ok());
  EXPECT_EQ(kernel_.scripts.size(), 3u);
  EXPECT_EQ(kernel_.listings, listings);

  // The last one: the table goes.
  ASSERT_TRUE(Make().Del("ctr-b").ok());
  EXPECT_EQ(kernel_.scripts.back(), "add table ip netkube-hostport\ndelete table ip netkube-hostport\n");
  EXPECT_FALSE(Recorded("ctr-b"));
}

TEST_F(HostportsTest, ConflictChangesNothing) {
  ASSERT_TRUE(Make().Add(A()).ok());
  KernelHas({A()});
  HostportEntry c{"ctr-c", "10.244.0.7", {{8080, 8080, "tcp", ""}}};
  Status s = Make().Add(c);
  EXPECT_TRUE(s.IsConflict()) << s.ToString();
  EXPECT_EQ(kernel_.scripts.size(), 1u);
  EXPECT_FALSE(Recorded("ctr-c"));
  // ADD of the same container again replaces its own mappings.
  HostportEntry a2 = A();
  a2.mappings[0].container_port = 81;
  ASSERT_TRUE(Make().Add(a2).ok());
  EXPECT_NE(kernel_.scripts.back().find("flush chain ip netkube-hostport container-ctr-a"), std::string::npos);
  EXPECT_NE(kernel_.scripts.back().find("dnat to 10.244.0.5:81"), std::string::npos);
}

TEST_F(HostportsTest, AFailedTransactionLeavesNoRecord) {
  kernel_.next_run = Status::Internal("nft: transaction failed");
  EXPECT_FALSE(Make().Add(A()).ok());
  EXPECT_FALSE(Recorded("ctr-a"));
  ASSERT_TRUE(Make().Add(A()).ok());
  KernelHas({A()});
  kernel_.next_run = Status::Internal("nft: transaction failed");
  EXPECT_FALSE(Make().Del("ctr-a").ok());
  EXPECT_TRUE(Recorded("ctr-a"));  // DEL can be retried
}

TEST_F(HostportsTest, AKernelTableOffTheRecordsIsReplacedWhole) {
  ASSERT_TRUE(Make().Add(A()).ok());
  kernel_.table = CompileHostportTable({}, nullptr);  // flushed by hand: the skeleton only
  ASSERT_TRUE(Make().Add(B()).ok());
  const std::string& s = kernel_.scripts.back();
  EXPECT_EQ(s.rfind("add table ip netkube-hostport\ndelete table ip netkube-hostport\n", 0), 0u) << s;
  EXPECT_NE(s.find("container-ctr-a"), std::string::npos);
  EXPECT_NE(s.find("container-ctr-b"), std::string::npos);
}

TEST_F(HostportsTest, Check) {
  EXPECT_TRUE(Make().Check({"ctr-a", "10.244.0.5", {}}).ok());  // nothing asked, nothing recorded
  EXPECT_TRUE(Make().Check(A()).IsNotFound());
  ASSERT_TRUE(Make().Add(A()).ok());
  KernelHas({A()});
  EXPECT_TRUE(Make().Check(A()).ok()) << Make().Check(A()).ToString();
  HostportEntry other = A();
  other.mappings[0].host_port = 8081;
  EXPECT_TRUE(Make().Check(other).IsConflict());
  kernel_.table = CompileHostportTable({}, nullptr);
  EXPECT_TRUE(Make().Check(A()).IsNotFound());
}

TEST_F(HostportsTest, GcKeepsOnlyTheValid) {
  EXPECT_TRUE(Make().Gc({}).ok());  // no state at all
  EXPECT_TRUE(kernel_.scripts.empty());
  ASSERT_TRUE(Make().Add(A()).ok());
  KernelHas({A()});
  ASSERT_TRUE(Make().Add(B()).ok());
  KernelHas({A(), B()});
  size_t sent = kernel_.scripts.size();
  ASSERT_TRUE(Make().Gc({"ctr-a", "ctr-b"}).ok());
  EXPECT_EQ(kernel_.scripts.size(), sent);
  ASSERT_TRUE(Make().Gc({"ctr-b"}).ok());
  EXPECT_FALSE(Recorded("ctr-a"));
  EXPECT_TRUE(Recorded("ctr-b"));
  EXPECT_NE(kernel_.scripts.back().find("delete chain ip netkube-hostport container-ctr-a"), std::string::npos);
}

TEST(HostportRecordTest, RoundTrip) {
  HostportEntry e = B();
  auto back = ParseHostportEntry(HostportEntryToJson(e));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, e);
  EXPECT_FALSE(ParseHostportEntry(R"({"containerID":"../x","podIP":"10.0.0.1"})").ok());
  EXPECT_FALSE(ParseHostportEntry("nope").ok());
}

}  // namespace
}  // namespace netkube::cni
