#include "nft/readback.h"

#include <gtest/gtest.h>

#include "nft/applier.h"
#include "nft/testing_tables.h"

namespace netkube::nft {
namespace {

// A listing shaped like `nft -j list table inet netkube-proxy` for SmallTable().
std::string Listing(int endpoint_a_rules, bool with_map_elem) {
  std::string s = R"({"nftables": [{"metainfo": {"version": "1.0.6"}},
 {"table": {"family": "inet", "name": "netkube-proxy", "handle": 1}},
 {"map": {"family": "inet", "name": "service-ips", "table": "netkube-proxy", "type": ["ipv4_addr", "inet_proto", "inet_service"], "handle": 2, "map": "verdict")";
  if (with_map_elem) s += R"(, "elem": [[{"concat": ["10.96.0.10", "udp", 53]}, {"goto": {"target": "service-kube-dns"}}]])";
  s += R"(}},
 {"chain": {"family": "inet", "table": "netkube-proxy", "name": "endpoint-a", "handle": 3}},
 {"chain": {"family": "inet", "table": "netkube-proxy", "name": "endpoint-b", "handle": 4}},
 {"chain": {"family": "inet", "table": "netkube-proxy", "name": "nat-output", "handle": 5, "type": "nat", "hook": "output", "prio": -100, "policy": "accept"}},
 {"chain": {"family": "inet", "table": "netkube-proxy", "name": "nat-postrouting", "handle": 6, "type": "nat", "hook": "postrouting", "prio": 100, "policy": "accept"}},
 {"chain": {"family": "inet", "table": "netkube-proxy", "name": "nat-prerouting", "handle": 7, "type": "nat", "hook": "prerouting", "prio": -100, "policy": "accept"}},
 {"chain": {"family": "inet", "table": "netkube-proxy", "name": "service-kube-dns", "handle": 8}},
 {"chain": {"family": "inet", "table": "netkube-proxy", "name": "services", "handle": 9}})";
  auto rule = [](const char* chain) {
    return std::string(",\n {\"rule\": {\"family\": \"inet\", \"table\": \"netkube-proxy\", \"chain\": \"") + chain +
           "\", \"handle\": 10, \"expr\": []}}";
  };
  for (int i = 0; i < endpoint_a_rules; ++i) s += rule("endpoint-a");
  for (const char* c : {"endpoint-b", "endpoint-b", "nat-output", "nat-postrouting", "nat-prerouting",
                        "service-kube-dns", "service-kube-dns", "services"}) {
    s += rule(c);
  }
  return s + "]}";
}

TEST(CompareWithKernel, MatchesAndDetectsDrift) {
  Table t = testing::SmallTable();
  EXPECT_TRUE(CompareWithKernel(Listing(2, true), t).ok()) << CompareWithKernel(Listing(2, true), t).ToString();
  Status s = CompareWithKernel(Listing(0, true), t);
  EXPECT_TRUE(s.IsConflict());
  EXPECT_NE(s.message().find("endpoint-a"), std::string::npos) << s.message();
  EXPECT_TRUE(CompareWithKernel(Listing(2, false), t).IsConflict());
  EXPECT_FALSE(CompareWithKernel("not json", t).ok());
}

// A fake kernel: records scripts, serves a listing.
class FakeExecutor : public Executor {
 public:
  std::vector<std::string>* scripts;
  std::string* listing;
  Status next_run;
  Status Run(const std::string& script) override {
    scripts->push_back(script);
    Status s = next_run;
    next_run = Status::OK();
    return s;
  }
  StatusOr<std::string> ListTableJson(Family, const std::string&) override {
    if (listing->empty()) return Status::NotFound("no table");
    return *listing;
  }
};

TEST(Applier, FullThenDeltaThenHeal) {
  std::vector<std::string> scripts;
  std::string listing;
  auto fake = std::make_unique<FakeExecutor>();
  fake->scripts = &scripts;
  fake->listing = &listing;
  FakeExecutor* raw = fake.get();
  Applier a(std::move(fake));

  Table t = testing::SmallTable();
  ASSERT_TRUE(a.Apply(t).ok());
  EXPECT_TRUE(a.last_result().full);
  ASSERT_EQ(scripts.size(), 1u);

  ASSERT_TRUE(a.Apply(t).ok());  // nothing changed: nothing sent
  EXPECT_TRUE(a.last_result().noop);
  EXPECT_EQ(scripts.size(), 1u);

  Table t2 = t;
  t2.chains["service-kube-dns"].rules = {"goto endpoint-a"};
  ASSERT_TRUE(a.Apply(t2).ok());
  EXPECT_FALSE(a.last_result().full);
  EXPECT_EQ(scripts.back(),
            "flush chain inet netkube-proxy service-kube-dns\n"
            "add rule inet netkube-proxy service-kube-dns goto endpoint-a\n");

  // Kernel refuses: state forgotten, the next call is a full replace.
  raw->next_run = Status::Internal("boom");
  EXPECT_FALSE(a.Apply(t).ok());
  EXPECT_FALSE(a.last_applied().has_value());
  ASSERT_TRUE(a.Apply(t).ok());
  EXPECT_TRUE(a.last_result().full);

  // Heal: the table matches -> a (no-op) delta; flushed -> full replace.
  listing = Listing(2, true);
  ASSERT_TRUE(a.Heal(t).ok());
  EXPECT_TRUE(a.last_result().noop);
  listing = Listing(0, true);
  size_t before = scripts.size();
  ASSERT_TRUE(a.Heal(t).ok());
  EXPECT_TRUE(a.last_result().full);
  EXPECT_EQ(scripts.size(), before + 1);
  EXPECT_NE(a.last_result().reason.find("healed"), std::string::npos);
  listing.clear();  // table deleted by hand
  ASSERT_TRUE(a.Heal(t).ok());
  EXPECT_TRUE(a.last_result().full);

  // Invalid input is refused before anything is sent.
  Table bad = t;
  bad.chains["services"].rules.push_back("goto nowhere");
  before = scripts.size();
  EXPECT_TRUE(a.Apply(bad).IsInvalid());
  EXPECT_EQ(scripts.size(), before);
}

// A process that keeps its applied table elsewhere (netkube-cni) assumes it,
// then heals: a delta when the kernel still matches, else a full replace.
TEST(Applier, AssumeThenHealSendsADeltaOrHeals) {
  std::vector<std::string> scripts;
  std::string listing = Listing(2, true);  // the kernel holds SmallTable
  auto fake = std::make_unique<FakeExecutor>();
  fake->scripts = &scripts;
  fake->listing = &listing;
  Applier a(std::move(fake));
  Table t = testing::SmallTable();
  Table t2 = t;
  t2.chains["service-kube-dns"].rules = {"goto endpoint-a"};

  a.Assume(t);
  EXPECT_TRUE(scripts.empty());
  ASSERT_TRUE(a.Heal(t2).ok());
  EXPECT_FALSE(a.last_result().full);
  ASSERT_EQ(scripts.size(), 1u);
  EXPECT_EQ(scripts.back(),
            "flush chain inet netkube-proxy service-kube-dns\n"
            "add rule inet netkube-proxy service-kube-dns goto endpoint-a\n");

  // The kernel lost the table meanwhile: the assumed one is not trusted.
  listing.clear();
  a.Assume(t);
  ASSERT_TRUE(a.Heal(t2).ok());
  EXPECT_TRUE(a.last_result().full);
}

}  // namespace
}  // namespace netkube::nft
