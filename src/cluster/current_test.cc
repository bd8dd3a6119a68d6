#include "cluster/current.h"

#include <gtest/gtest.h>

namespace netkube::cluster {
namespace {

TEST(CurrentCluster, ReadsTheCurrentContext) {
  EXPECT_EQ(CurrentContextOf("apiVersion: v1\ncurrent-context: netkube-walk\ncontexts: []\n"), "netkube-walk");
  EXPECT_EQ(CurrentContextOf("apiVersion: v1\n"), "");
  EXPECT_EQ(CurrentContextOf(": : bad"), "");
  EXPECT_EQ(CurrentContextOf(""), "");
}

TEST(CurrentCluster, ChoosesAsMinikubesProfile) {
  std::string note;
  EXPECT_EQ(ChooseCluster("netkube-walk", {"netkube", "walk"}, &note), "walk");
  EXPECT_EQ(note, "");
  EXPECT_EQ(ChooseCluster("kind-kind", {"walk"}, &note), "walk");  // the only one
  EXPECT_EQ(note, "");
  EXPECT_EQ(ChooseCluster("netkube-gone", {"netkube", "walk"}, &note), "netkube");
  EXPECT_NE(note.find("using cluster \"netkube\""), std::string::npos) << note;
  EXPECT_NE(note.find("--name"), std::string::npos);
  note.clear();
  EXPECT_EQ(ChooseCluster("", {"a", "b"}, &note), "netkube");  // none fits: the command says it is missing
  EXPECT_NE(note.find("clusters: a, b"), std::string::npos) << note;
  EXPECT_EQ(ChooseCluster("", {}, nullptr), "netkube");
}

}  // namespace
}  // namespace netkube::cluster
