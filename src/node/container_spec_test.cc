#include "node/container_spec.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace netkube::node {
namespace {

namespace fs = std::filesystem;

TEST(ContainerSpecTest, JsonRoundTrip) {
  ContainerSpec s;
  s.argv = {"/bin/sh", "-c", "echo hi"};
  s.env = {"A=1"};
  s.netns_path = "/run/netns/n1-abcd";
  s.mounts = {{"/data/v", "/etc/cfg", true, false}, {"", "/cache", false, true}};
  s.programs = {{"/agnhost", {"/opt/netkube-image", "image", "agnhost"}}};
  auto back = ContainerSpec::Parse(s.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->argv, s.argv);
  EXPECT_EQ(back->programs, s.programs);
  EXPECT_EQ(back->mounts, s.mounts);
  EXPECT_EQ(back->netns_path, s.netns_path);
  EXPECT_FALSE(ContainerSpec::Parse("{}").ok());
  EXPECT_FALSE(ContainerSpec::Parse("not json").ok());
}

TEST(ContainerSpecTest, ProgramScriptExecsItsArgvWithTheCallersArguments) {
  EXPECT_EQ(ProgramScript({"/opt/nk/netkube-image", "image", "agnhost"}),
            "#!/bin/sh\nexec '/opt/nk/netkube-image' 'image' 'agnhost' \"$@\"\n");
  // Quoting survives a real sh: quotes, spaces, $ and globs reach the program as is.
  char tmpl[] = "/tmp/nk-prog-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string script = std::string(tmpl) + "/prog", out = std::string(tmpl) + "/out";
  {
    std::ofstream f(script);
    f << ProgramScript({"/usr/bin/printf", "[%s]", "it's", "a $b *"});
  }
  fs::permissions(script, fs::perms::owner_all);
  ASSERT_EQ(std::system((script + " 'x y' '' > " + out).c_str()), 0);
  std::ifstream in(out);
  std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(got, "[it's][a $b *][x y][]");
  fs::remove_all(tmpl);
}

TEST(ContainerSpecTest, ResolveInRootKeepsSymlinksInsideTheRoot) {
  char tmpl[] = "/tmp/nk-root-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string root = tmpl;
  fs::create_directories(root + "/run");
  fs::create_directories(root + "/var");
  fs::create_directories(root + "/opt/app");
  fs::create_symlink("/run", root + "/var/run");      // absolute, as Debian has it
  fs::create_symlink("../opt/app", root + "/var/app");  // relative
  fs::create_symlink("/var/run", root + "/var/chain");  // a chain of links
  EXPECT_EQ(ResolveInRoot(root, "/var/run/secrets/kubernetes.io/serviceaccount"),
            root + "/run/secrets/kubernetes.io/serviceaccount");
  EXPECT_EQ(ResolveInRoot(root, "/var/app/conf"), root + "/opt/app/conf");
  EXPECT_EQ(ResolveInRoot(root, "/var/chain/x"), root + "/run/x");
  EXPECT_EQ(ResolveInRoot(root, "/../../etc/hosts"), root + "/etc/hosts");
  EXPECT_EQ(ResolveInRoot(root, "/data"), root + "/data");
  fs::create_symlink("/loop", root + "/loop");
  EXPECT_EQ(ResolveInRoot(root, "/loop/x").rfind(root, 0), 0u);  // a loop ends, inside the root
  fs::remove_all(root);
}

}  // namespace
}  // namespace netkube::node
