#include "cni/install.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cni/invoker.h"
#include "cni/plugin_config.h"
#include "cni/port_mapping.h"

namespace netkube::cni {
namespace {

using nlohmann::json;

TEST(SubnetEnvTest, Parses) {
  auto e = ParseSubnetEnv(
      "# written by the agent\nNETKUBE_NETWORK=10.244.0.0/16\nNETKUBE_SUBNET=10.244.1.0/24\n"
      "NETKUBE_MTU=1450\nexport NETKUBE_NODE_IP=\"172.18.0.3\"\nOTHER=ignored\n");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->network, "10.244.0.0/16");
  EXPECT_EQ(e->subnet, "10.244.1.0/24");
  EXPECT_EQ(e->mtu, 1450);
  EXPECT_EQ(e->node_ip, "172.18.0.3");
  EXPECT_EQ(e->cni_data_dir, "");
}

TEST(SubnetEnvTest, Errors) {
  EXPECT_NE(ParseSubnetEnv("NETKUBE_NETWORK=10.244.0.0/16\n").status().message().find("NETKUBE_SUBNET is missing"),
            std::string::npos);
  EXPECT_NE(ParseSubnetEnv("NETKUBE_SUBNET=10.244.1.0/33\n").status().message().find("subnet.env:1: NETKUBE_SUBNET"),
            std::string::npos);
  EXPECT_NE(ParseSubnetEnv("NETKUBE_SUBNET=10.244.1.0/24\nNETKUBE_MTU=big\n").status().message().find("subnet.env:2"),
            std::string::npos);
  EXPECT_FALSE(ParseSubnetEnv("garbage\n").ok());
  EXPECT_FALSE(ParseSubnetEnv("NETKUBE_SUBNET=10.0.0.0/24\nNETKUBE_CNI_DATA_DIR=rel\n").ok());
}

// The plugin object as the runtime hands it to the plugin.
json PluginObject(const json& list, size_t i) {
  json p = list["plugins"][i];
  p["name"] = list["name"];
  p["cniVersion"] = list["cniVersion"];
  return p;
}

TEST(ConflistTest, NetkubeBridgeParsesAsThePluginReadsIt) {
  SubnetEnv env{.network = "10.244.0.0/16", .subnet = "10.244.1.0/24", .mtu = 1450, .node_ip = "172.18.0.3"};
  auto text = BuildConflist(InstallOptions{}, env);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  json list = json::parse(*text);
  EXPECT_EQ(list["name"], "netkube");
  ASSERT_EQ(list["plugins"].size(), 1u);
  auto c = PluginConfig::Parse(PluginObject(list, 0).dump());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->type, "netkube-cni");
  EXPECT_EQ(c->mode, PluginConfig::Mode::kBridge);
  EXPECT_EQ(c->bridge, "cni0");
  EXPECT_TRUE(c->hairpin);
  EXPECT_EQ(c->mtu, 1450);
  EXPECT_EQ(c->range.subnet.ToString(), "10.244.1.0/24");
  EXPECT_EQ(c->data_dir, kDefaultDataDir);
}

// netkube-cni declares portMappings, so the runtime's hostPorts reach it
// through runtimeConfig.
TEST(ConflistTest, NetkubeDeclaresPortMappings) {
  auto text = BuildConflist(InstallOptions{}, SubnetEnv{.subnet = "10.244.1.0/24"});
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(json::parse(*text)["plugins"][0]["capabilities"]["portMappings"], true);
  auto list = NetworkConfigList::Parse(*text);
  ASSERT_TRUE(list.ok());
  std::string args = PortMappingsCapabilityArgs({{.host_port = 8080, .container_port = 80, .protocol = "tcp"}});
  auto request = Invoker::RequestConfig(*list, 0, "ADD", "", args, nullptr);
  ASSERT_TRUE(request.ok());
  auto c = PluginConfig::Parse(*request);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->port_mappings.size(), 1u);
  EXPECT_EQ(c->port_mappings[0].host_port, 8080);
  EXPECT_EQ(c->port_mappings[0].container_port, 80);
}

TEST(ConflistTest, NetkubeRoutedWithDataDir) {
  SubnetEnv env{.subnet = "10.244.2.0/24", .cni_data_dir = "/nodes/w2/var/lib/cni/networks"};
  InstallOptions o;
  o.mode = "routed";
  auto text = BuildConflist(o, env);
  ASSERT_TRUE(text.ok());
  auto c = PluginConfig::Parse(PluginObject(json::parse(*text), 0).dump());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->mode, PluginConfig::Mode::kRouted);
  EXPECT_EQ(c->mtu, 1500);
  EXPECT_EQ(c->data_dir, "/nodes/w2/var/lib/cni/networks");
}

TEST(ConflistTest, Reference) {
  SubnetEnv env{.subnet = "10.244.1.0/24", .mtu = 1450};
  InstallOptions o;
  o.plugin = "reference";
  auto text = BuildConflist(o, env);
  ASSERT_TRUE(text.ok());
  json list = json::parse(*text);
  EXPECT_EQ(list["cniVersion"], "1.0.0");
  ASSERT_EQ(list["plugins"].size(), 2u);
  const json& br = list["plugins"][0];
  EXPECT_EQ(br["type"], "bridge");
  EXPECT_EQ(br["bridge"], "cni0");
  EXPECT_EQ(br["isGateway"], true);
  EXPECT_EQ(br["hairpinMode"], true);
  EXPECT_EQ(br["mtu"], 1450);
  EXPECT_EQ(br["ipam"]["type"], "host-local");
  EXPECT_EQ(br["ipam"]["ranges"][0][0]["subnet"], "10.244.1.0/24");
  EXPECT_EQ(list["plugins"][1]["type"], "portmap");
  EXPECT_EQ(list["plugins"][1]["capabilities"]["portMappings"], true);
}

TEST(ConflistTest, BadOptions) {
  SubnetEnv env{.subnet = "10.244.1.0/24"};
  InstallOptions o;
  o.plugin = "calico";
  EXPECT_TRUE(BuildConflist(o, env).status().IsInvalid());
  o.plugin = "netkube";
  o.mode = "vxlan";
  EXPECT_TRUE(BuildConflist(o, env).status().IsInvalid());
  o.plugin = "reference";
  o.mode = "routed";
  EXPECT_TRUE(BuildConflist(o, env).status().IsInvalid());
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(InstallTest, WaitsForSubnetThenInstallsAtomically) {
  namespace fs = std::filesystem;
  fs::path root = fs::path(::testing::TempDir()) / ("cni_install_test." + std::to_string(getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "run");
  {
    std::ofstream(root / "netkube-cni-src") << "#!/bin/true\nplugin bytes\n";
  }
  InstallOptions o;
  o.conf_dir = (root / "etc/cni/net.d").string();
  o.bin_dir = (root / "opt/cni/bin").string();
  o.subnet_file = (root / "run/subnet.env").string();
  o.plugin_source = (root / "netkube-cni-src").string();

  Status s = InstallOnce(o);
  EXPECT_EQ(s.reason(), Reason::kServiceUnavailable) << s.ToString();
  EXPECT_FALSE(fs::exists(o.conf_dir));

  std::ofstream(o.subnet_file) << "NETKUBE_SUBNET=10.244.3.0/24\nNETKUBE_MTU=1450\n";
  ASSERT_TRUE(InstallOnce(o).ok());
  EXPECT_EQ(Slurp(o.bin_dir + "/netkube-cni"), "#!/bin/true\nplugin bytes\n");
  struct stat st;
  ASSERT_EQ(::stat((o.bin_dir + "/netkube-cni").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  std::string conf = Slurp(o.conf_dir + "/10-netkube.conflist");
  EXPECT_NE(conf.find("10.244.3.0/24"), std::string::npos);
  // Idempotent, and heals a deleted file; no temporary files are left.
  ASSERT_TRUE(InstallOnce(o).ok());
  fs::remove(o.conf_dir + "/10-netkube.conflist");
  ASSERT_TRUE(InstallOnce(o).ok());
  EXPECT_EQ(Slurp(o.conf_dir + "/10-netkube.conflist"), conf);
  int files = 0;
  for (const auto& e : fs::directory_iterator(o.conf_dir)) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);

  // The program: --once.
  fs::remove(o.conf_dir + "/10-netkube.conflist");
  EXPECT_EQ(RunCniInstall({"--plugin", "reference", "--conf-dir", o.conf_dir, "--bin-dir", o.bin_dir,
                           "--subnet-file", o.subnet_file, "--once"}),
            0);
  EXPECT_NE(Slurp(o.conf_dir + "/10-netkube.conflist").find("host-local"), std::string::npos);
  EXPECT_EQ(RunCniInstall({"--plugin=bogus", "--once"}), 2);
  EXPECT_EQ(RunCniInstall({"--unknown"}), 2);
  fs::remove_all(root);
}

}  // namespace
}  // namespace netkube::cni
