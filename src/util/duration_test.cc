#include "util/duration.h"

#include <gtest/gtest.h>

namespace netkube {
namespace {

using std::chrono::nanoseconds;

int64_t Ns(std::string_view s) {
  auto d = ParseGoDuration(s);
  EXPECT_TRUE(d.ok()) << s << ": " << d.status().message();
  return d.ok() ? d->count() : -1;
}

TEST(GoDurationTest, GoForms) {
  EXPECT_EQ(Ns("0"), 0);
  EXPECT_EQ(Ns("-0"), 0);
  EXPECT_EQ(Ns("5s"), 5'000'000'000);
  EXPECT_EQ(Ns("300ms"), 300'000'000);
  EXPECT_EQ(Ns("1m30s"), 90'000'000'000);
  EXPECT_EQ(Ns("2h45m"), 9'900'000'000'000);
  EXPECT_EQ(Ns("1.5s"), 1'500'000'000);
  EXPECT_EQ(Ns(".5s"), 500'000'000);
  EXPECT_EQ(Ns("5.s"), 5'000'000'000);
  EXPECT_EQ(Ns("-1.5h"), -5'400'000'000'000);
  EXPECT_EQ(Ns("+10us"), 10'000);
  EXPECT_EQ(Ns("10\xc2\xb5s"), 10'000);
  EXPECT_EQ(Ns("7ns"), 7);
}

TEST(GoDurationTest, ErrorsWithGosTexts) {
  for (std::string_view bad : {"", ".", "-", "+", "s", ".s", "1..5s", "--1s"}) {
    auto d = ParseGoDuration(bad);
    EXPECT_FALSE(d.ok()) << bad;
  }
  EXPECT_EQ(ParseGoDuration("abc").status().message(), "time: invalid duration \"abc\"");
  EXPECT_EQ(ParseGoDuration("5").status().message(), "time: missing unit in duration \"5\"");
  EXPECT_EQ(ParseGoDuration("5x").status().message(), "time: unknown unit \"x\" in duration \"5x\"");
  EXPECT_FALSE(ParseGoDuration("999999999h").ok());
}

}  // namespace
}  // namespace netkube
