// DiffNamed / ValidateNamed / Applier::ApplyChanged: the O(changes) path
// gives the same delta and the same remembered table as the full one.
#include <gtest/gtest.h>

#include "nft/applier.h"
#include "nft/diff.h"
#include "nft/render.h"
#include "nft/testing_tables.h"

namespace netkube::nft {
namespace {

class ScriptRecorder : public Executor {
 public:
  std::vector<std::string>* scripts;
  Status Run(const std::string& script) override {
    scripts->push_back(script);
    return Status::OK();
  }
  StatusOr<std::string> ListTableJson(Family, const std::string&) override { return Status::NotFound("none"); }
};

// SmallTable plus a second service; an endpoint of kube-dns gone.
Table Changed(const Table& t) {
  Table c = t;
  c.AddChain("service-web").rules = {*RuleBuilder().L4Proto("tcp").DnatTo("10.244.2.2", 80).Build()};
  c.sets["service-ips"].elements["10.96.0.20 . tcp . 80"] = "goto service-web";
  c.chains.erase("endpoint-b");
  c.chains["service-kube-dns"].rules = *RandomCascade({"endpoint-a"});
  return c;
}
const std::vector<std::string> kChains = {"service-web", "endpoint-b", "service-kube-dns"};
const std::vector<std::string> kSets = {"service-ips"};

TEST(DiffNamed, SameDeltaAsDiffWhenTheNamesCoverTheChanges) {
  Table t = testing::SmallTable();
  Table c = Changed(t);
  Delta full = Diff(t, c);
  Delta named = DiffNamed(t, c, kChains, kSets);
  EXPECT_EQ(RenderDelta(c, named), RenderDelta(c, full));
  // Unnamed objects are not looked at.
  EXPECT_TRUE(DiffNamed(t, c, {}, {}).empty());
  // A set type change still asks for a full replace.
  Table typed = c;
  typed.sets["service-ips"].key_type = "ipv4_addr";
  EXPECT_TRUE(DiffNamed(t, typed, {}, kSets).full_replace);
  // A named set that is gone is deleted.
  Table gone = t;
  gone.sets.erase("service-ips");
  EXPECT_EQ(DiffNamed(t, gone, {}, kSets).delete_maps, std::vector<std::string>{"service-ips"});
}

TEST(ValidateNamed, ChecksOnlyTheNamedObjects) {
  Table c = Changed(testing::SmallTable());
  EXPECT_TRUE(ValidateNamed(c, kChains, kSets).ok());
  c.chains["service-web"].rules.push_back("goto nowhere");
  EXPECT_TRUE(ValidateNamed(c, kChains, kSets).IsInvalid());
  EXPECT_TRUE(ValidateNamed(c, {"endpoint-a"}, {}).ok());
}

TEST(ApplyChanged, SendsTheDeltaAndRemembersTheTable) {
  std::vector<std::string> scripts;
  auto rec = std::make_unique<ScriptRecorder>();
  rec->scripts = &scripts;
  Applier a(std::move(rec));
  Table t = testing::SmallTable();
  // No applied table yet: full replace.
  ASSERT_TRUE(a.ApplyChanged(t, {}).ok());
  EXPECT_TRUE(a.last_result().full);
  Table c = Changed(t);
  ASSERT_TRUE(a.ApplyChanged(c, {kChains, kSets}).ok());
  EXPECT_FALSE(a.last_result().full);
  ASSERT_EQ(scripts.size(), 2u);
  EXPECT_EQ(scripts[1], RenderDelta(c, Diff(t, c)));
  ASSERT_TRUE(a.last_applied().has_value());
  EXPECT_EQ(*a.last_applied(), c);
  // Nothing named changed: nothing sent.
  ASSERT_TRUE(a.ApplyChanged(c, {kChains, kSets}).ok());
  EXPECT_TRUE(a.last_result().noop);
  EXPECT_EQ(scripts.size(), 2u);
  // Invalid named objects: refused, nothing sent.
  Table bad = c;
  bad.chains["service-web"].rules = {"goto nowhere"};
  EXPECT_TRUE(a.ApplyChanged(bad, {{"service-web"}, {}}).IsInvalid());
  EXPECT_EQ(scripts.size(), 2u);
}

}  // namespace
}  // namespace netkube::nft
