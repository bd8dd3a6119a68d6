#include "cni/invoker.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace netkube::cni {
namespace {

using nlohmann::json;

NetworkConfigList List() {
  return *NetworkConfigList::Parse(R"({"cniVersion":"1.0.0","name":"net","plugins":[
      {"type":"fake","x":1,"capabilities":{"portMappings":true},"cni.dev/bogus":1},
      {"type":"fake2","prevResult":{"stale":true}}]})");
}

TEST(InvokerTest, RequestConfigInjectsPerSpec) {
  auto first = Invoker::RequestConfig(List(), 0, "ADD", "", R"({"portMappings":[{"hostPort":80}],"mac":"x"})", nullptr);
  ASSERT_TRUE(first.ok());
  json j = json::parse(*first);
  EXPECT_EQ(j["name"], "net");
  EXPECT_EQ(j["cniVersion"], "1.0.0");
  EXPECT_EQ(j["x"], 1);
  EXPECT_FALSE(j.contains("capabilities"));
  EXPECT_FALSE(j.contains("cni.dev/bogus"));
  EXPECT_FALSE(j.contains("prevResult"));  // never on the first ADD
  EXPECT_EQ(j["runtimeConfig"], json::parse(R"({"portMappings":[{"hostPort":80}]})"));  // only declared capabilities

  auto second = Invoker::RequestConfig(List(), 1, "ADD", R"({"cniVersion":"1.0.0","ips":[]})", "", nullptr);
  json k = json::parse(*second);
  EXPECT_EQ(k["prevResult"], json::parse(R"({"cniVersion":"1.0.0","ips":[]})"));
  auto no_prev = Invoker::RequestConfig(List(), 1, "ADD", "", "", nullptr);
  EXPECT_FALSE(json::parse(*no_prev).contains("prevResult"));  // the stale one in the file is dropped

  std::vector<Attachment> valid = {{"c1", "eth0"}};
  json gc = json::parse(*Invoker::RequestConfig(List(), 0, "GC", "", "", &valid));
  EXPECT_EQ(gc["cni.dev/valid-attachments"], json::parse(R"([{"containerID":"c1","ifname":"eth0"}])"));
  EXPECT_FALSE(gc.contains("runtimeConfig"));
}

class FakePluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nk-invoker-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Plugin(const std::string& name, const std::string& script) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << "#!/bin/sh\n" << script;
    chmod(path.c_str(), 0755);
  }
  std::string dir_;
};

TEST_F(FakePluginTest, AddChainsResultsAndPassesEnvironment) {
  // fake records its env and stdin, and answers with a result; fake2 records
  // its stdin and passes the result through.
  Plugin("fake", "env | grep ^CNI_ | sort > " + dir_ + "/env1; cat > " + dir_ + "/in1\n" +
                     R"(echo '{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.2/24","gateway":"10.0.0.1"}]}')"
                     "\n");
  Plugin("fake2", "cat > " + dir_ + "/in2\n" +
                      R"(echo '{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.2/24","gateway":"10.0.0.1"}]}')"
                      "\n");
  Invoker invoker({dir_ + "/nope", dir_});
  AttachmentParams params{.container_id = "c1", .netns = "/run/netns/p", .ifname = "eth0", .args = {{"A", "1"}}};
  auto result = invoker.Add(List(), params);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->ips.size(), 1u);
  EXPECT_EQ(result->ips[0].address, "10.0.0.2/24");
  std::ifstream env(dir_ + "/env1");
  std::string all((std::istreambuf_iterator<char>(env)), std::istreambuf_iterator<char>());
  EXPECT_EQ(all, "CNI_ARGS=A=1\nCNI_COMMAND=ADD\nCNI_CONTAINERID=c1\nCNI_IFNAME=eth0\nCNI_NETNS=/run/netns/p\nCNI_PATH=" +
                     dir_ + "/nope:" + dir_ + "\n");
  std::ifstream in2(dir_ + "/in2");
  json second = json::parse(in2);
  EXPECT_EQ(second["prevResult"]["ips"][0]["address"], "10.0.0.2/24");
}

TEST_F(FakePluginTest, ErrorsAreParsedAndDelRunsInReverse) {
  Plugin("fake", "cat >/dev/null; echo fake >> " + dir_ + "/order\n" +
                     R"(echo '{"cniVersion":"1.0.0","code":7,"msg":"Invalid Configuration","details":"too small"}'; exit 1)"
                     "\n");
  Plugin("fake2", "cat >/dev/null; echo fake2 >> " + dir_ + "/order\n");
  Invoker invoker({dir_});
  AttachmentParams params{.container_id = "c1", .netns = "/run/netns/p"};
  auto add = invoker.Add(List(), params);
  ASSERT_FALSE(add.ok());
  EXPECT_TRUE(add.status().IsInvalid());
  EXPECT_NE(add.status().message().find("too small"), std::string::npos);
  std::remove((dir_ + "/order").c_str());
  EXPECT_FALSE(invoker.Del(List(), params, nullptr).ok());
  std::ifstream order(dir_ + "/order");
  std::string text((std::istreambuf_iterator<char>(order)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "fake2\nfake\n");
}

TEST_F(FakePluginTest, MissingPluginAndPluginIgnoringStdin) {
  Invoker invoker({dir_});
  EXPECT_TRUE(invoker.FindPlugin("fake").status().IsNotFound());
  EXPECT_TRUE(invoker.FindPlugin("../bin/sh").status().IsInvalid());
  // A plugin that exits without reading a large stdin must not kill us (SIGPIPE).
  Plugin("fake", "exit 3\n");
  std::string big(1 << 20, 'x');
  auto out = Invoker::Exec(dir_ + "/fake", {}, big);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->exit_code, 3);
}

TEST_F(FakePluginTest, LoadNetworkConfigPicksFirstValidFile) {
  std::ofstream(dir_ + "/00-broken.conflist") << "{";
  std::ofstream(dir_ + "/10-a.conflist") << R"({"cniVersion":"1.0.0","name":"a","plugins":[{"type":"x"}]})";
  std::ofstream(dir_ + "/20-b.conf") << R"({"cniVersion":"1.0.0","name":"b","type":"y"})";
  auto list = LoadNetworkConfig(dir_);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->name, "a");
  EXPECT_TRUE(LoadNetworkConfig(dir_ + "/none").status().IsNotFound());
}

}  // namespace
}  // namespace netkube::cni
