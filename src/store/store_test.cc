#include "store/store.h"

#include <gtest/gtest.h>

#include "store/key_range.h"

namespace netkube::store {
namespace {

TEST(PrefixEndTest, IncrementsLastByte) {
  EXPECT_EQ(PrefixEnd("/a/"), "/a0");
  EXPECT_EQ(PrefixEnd("/registry/pods/"), "/registry/pods0");
  EXPECT_EQ(PrefixEnd("ab"), "ac");
}

TEST(PrefixEndTest, SkipsTrailingFF) {
  EXPECT_EQ(PrefixEnd(std::string("a\xff\xff", 3)), "b");
  EXPECT_EQ(PrefixEnd(std::string("\xff", 1)), std::string(1, '\0'));
  EXPECT_EQ(PrefixEnd(""), std::string(1, '\0'));
}

TEST(KeyRangeTest, Conventions) {
  KeyRange single("/a", "");
  EXPECT_TRUE(single.Contains("/a"));
  EXPECT_FALSE(single.Contains("/a/b"));

  KeyRange prefix("/a/", PrefixEnd("/a/"));
  EXPECT_TRUE(prefix.Contains("/a/"));
  EXPECT_TRUE(prefix.Contains("/a/zzz"));
  EXPECT_FALSE(prefix.Contains("/a0"));
  EXPECT_FALSE(prefix.Contains("/a"));

  KeyRange all("/m", std::string(1, '\0'));
  EXPECT_TRUE(all.Contains("/m"));
  EXPECT_TRUE(all.Contains("\xff"));
  EXPECT_FALSE(all.Contains("/l"));
}

}  // namespace
}  // namespace netkube::store
