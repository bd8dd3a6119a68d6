#include "images/flags.h"

#include <gtest/gtest.h>

namespace netkube::images {
namespace {

TEST(FlagsTest, GoDurations) {
  EXPECT_DOUBLE_EQ(*ParseDurationSeconds("5s"), 5);
  EXPECT_DOUBLE_EQ(*ParseDurationSeconds("100ms"), 0.1);
  EXPECT_DOUBLE_EQ(*ParseDurationSeconds("1m30s"), 90);
  EXPECT_DOUBLE_EQ(*ParseDurationSeconds("1.5h"), 5400);
  EXPECT_DOUBLE_EQ(*ParseDurationSeconds("0"), 0);
  EXPECT_DOUBLE_EQ(*ParseDurationSeconds("3"), 3);
  EXPECT_FALSE(ParseDurationSeconds("").ok());
  EXPECT_FALSE(ParseDurationSeconds("5 s").ok());
  EXPECT_FALSE(ParseDurationSeconds("5x").ok());
  EXPECT_FALSE(ParseDurationSeconds("s").ok());
}

TEST(FlagsTest, ParsesTheGoForms) {
  FlagSet f;
  int port = 8080, udp = 8081;
  bool tcp = false, http = true;
  std::string name;
  double timeout = 0;
  f.Int("http-port", &port);
  f.Int("udp-port", &udp);
  f.Bool("tcp", &tcp);
  f.Bool("http", &http);
  f.String("name", &name);
  f.Duration("timeout", &timeout);
  auto pos = f.Parse({"--http-port=9000", "-udp-port", "-1", "--tcp", "--http=false", "host:80", "--name", "x",
                      "--timeout=2s", "--", "--not-a-flag"});
  ASSERT_TRUE(pos.ok()) << pos.status().ToString();
  EXPECT_EQ(port, 9000);
  EXPECT_EQ(udp, -1);
  EXPECT_TRUE(tcp);
  EXPECT_FALSE(http);
  EXPECT_EQ(name, "x");
  EXPECT_DOUBLE_EQ(timeout, 2);
  EXPECT_EQ(*pos, (std::vector<std::string>{"host:80", "--not-a-flag"}));
}

TEST(FlagsTest, Errors) {
  FlagSet f;
  int port = 0;
  bool b = false;
  f.Int("port", &port);
  f.Bool("b", &b);
  EXPECT_NE(f.Parse({"--nope"}).status().message().find("unknown flag: --nope"), std::string::npos);
  EXPECT_NE(f.Parse({"--port"}).status().message().find("needs an argument"), std::string::npos);
  EXPECT_NE(f.Parse({"--port=abc"}).status().message().find("invalid argument \"abc\""), std::string::npos);
  EXPECT_FALSE(f.Parse({"--b=maybe"}).ok());
}

}  // namespace
}  // namespace netkube::images
