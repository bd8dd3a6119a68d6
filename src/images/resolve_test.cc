#include "images/resolve.h"

#include <gtest/gtest.h>

#include <set>

namespace netkube::images {
namespace {

using Args = std::vector<std::string>;

class ResolveTest : public ::testing::Test {
 protected:
  ResolveTest() {
    options_.netkube_binary = "/opt/netkube/netkube";
    options_.is_executable = [this](const std::string& p) { return files_.count(p) > 0; };
  }
  StatusOr<Process> Run(const std::string& image, const Args& command, const Args& args) {
    return Resolve(Catalog::Builtin(), image, command, args, options_);
  }
  Args Argv(const std::string& image, const Args& command, const Args& args) {
    auto p = Run(image, command, args);
    EXPECT_TRUE(p.ok()) << image << ": " << p.status().ToString();
    return p.ok() ? p->argv : Args{};
  }

  std::set<std::string> files_ = {"/usr/bin/curl", "/usr/bin/sh", "/bin/sh", "/usr/bin/bash", "/bin/bash",
                                  "/usr/bin/sleep", "/usr/local/bin/tool"};
  ResolveOptions options_;
};

TEST_F(ResolveTest, BuiltinPrograms) {
  EXPECT_EQ(Argv("k8s.gcr.io/echoserver:1.10", {}, {}), (Args{"/opt/netkube/netkube", "image", "echoserver"}));
  EXPECT_EQ(Argv("registry.k8s.io/e2e-test-images/agnhost:2.40", {}, {"netexec", "--http-port=8080"}),
            (Args{"/opt/netkube/netkube", "image", "agnhost", "netexec", "--http-port=8080"}));
  // Image default: CMD pause.
  EXPECT_EQ(Argv("registry.k8s.io/e2e-test-images/agnhost:2.40", {}, {}),
            (Args{"/opt/netkube/netkube", "image", "agnhost", "pause"}));
  // command replaces the entrypoint: "/agnhost" is the image's program.
  EXPECT_EQ(Argv("registry.k8s.io/e2e-test-images/agnhost:2.40", {"/agnhost", "serve-hostname"}, {}),
            (Args{"/opt/netkube/netkube", "image", "agnhost", "serve-hostname"}));
  EXPECT_EQ(Argv("registry.k8s.io/pause:3.9", {}, {}), (Args{"/opt/netkube/netkube", "image", "pause"}));
  EXPECT_EQ(Argv("netkube/cni", {}, {"--plugin", "reference"}),
            (Args{"/opt/netkube/netkube", "image", "cni-install", "--plugin", "reference"}));
}

TEST_F(ResolveTest, PrefersNetkubeImageBesideNetkube) {
  files_.insert("/opt/netkube/netkube-image");
  EXPECT_EQ(Argv("registry.k8s.io/pause", {}, {}), (Args{"/opt/netkube/netkube-image", "image", "pause"}));
  EXPECT_EQ(Argv("busybox", {}, {}), (Args{"/opt/netkube/netkube-image", "image", "busybox", "sh"}));
}

TEST_F(ResolveTest, CorednsRunsTheFullBinarysDnsCommand) {
  files_.insert("/opt/netkube/netkube-image");  // the small binary has no DNS server
  const std::string coredns = "registry.k8s.io/coredns/coredns:v1.10.1";
  EXPECT_EQ(Argv(coredns, {}, {"-conf", "/etc/coredns/Corefile"}),
            (Args{"/opt/netkube/netkube", "dns", "-conf", "/etc/coredns/Corefile"}));
  EXPECT_EQ(Argv("coredns/coredns:1.11.1", {"/coredns"}, {"-dns.port", "1053"}),
            (Args{"/opt/netkube/netkube", "dns", "-dns.port", "1053"}));
}

TEST_F(ResolveTest, DockerCommandArgsSemantics) {
  // agnhost: entrypoint [/agnhost], cmd [pause].
  const std::string agnhost = "registry.k8s.io/e2e-test-images/agnhost:2.40";
  // args replace cmd, entrypoint kept.
  EXPECT_EQ(Argv(agnhost, {}, {"connect", "a:80"}), (Args{"/opt/netkube/netkube", "image", "agnhost", "connect", "a:80"}));
  // command replaces entrypoint and drops cmd.
  EXPECT_EQ(Argv(agnhost, {"sleep"}, {}), (Args{"/usr/bin/sleep"}));
  // command + args.
  EXPECT_EQ(Argv(agnhost, {"sleep"}, {"10"}), (Args{"/usr/bin/sleep", "10"}));
}

TEST_F(ResolveTest, BusyboxApplets) {
  const std::string nk = "/opt/netkube/netkube";
  EXPECT_EQ(Argv("busybox", {}, {}), (Args{nk, "image", "busybox", "sh"}));
  // kubectl run tmp --image=busybox -- wget 10.0.0.1:8080 --timeout=5 --tries=1 (args only)
  EXPECT_EQ(Argv("busybox", {}, {"wget", "10.0.0.1:8080", "--timeout=5"}),
            (Args{nk, "image", "busybox", "wget", "10.0.0.1:8080", "--timeout=5"}));
  EXPECT_EQ(Argv("busybox:1.36", {"/bin/sh", "-c", "echo hi"}, {}), (Args{nk, "image", "busybox", "sh", "-c", "echo hi"}));
  EXPECT_EQ(Argv("busybox", {"nslookup", "kubernetes"}, {}), (Args{nk, "image", "busybox", "nslookup", "kubernetes"}));
  EXPECT_EQ(Argv("busybox", {"/usr/sbin/nc"}, {}), (Args{nk, "image", "busybox", "nc"}));
  // Paths outside the applet directories are the machine's.
  EXPECT_EQ(Argv("busybox", {"/usr/local/bin/tool"}, {}), (Args{"/usr/local/bin/tool"}));
  // alpine: a shell with applets.
  EXPECT_EQ(Argv("alpine", {}, {}), (Args{nk, "image", "busybox", "sh"}));
}

TEST_F(ResolveTest, CurlEntrypointScript) {
  // Seed 000: args [/bin/sh -c ...] run as a command.
  EXPECT_EQ(Argv("curlimages/curl:7.79.1", {}, {"/bin/sh", "-c", "while true; do curl localhost:80; done"}),
            (Args{"/bin/sh", "-c", "while true; do curl localhost:80; done"}));
  // Options and URLs go to curl.
  EXPECT_EQ(Argv("curlimages/curl", {}, {"-s", "http://10.0.0.1"}), (Args{"/usr/bin/curl", "-s", "http://10.0.0.1"}));
  EXPECT_EQ(Argv("curlimages/curl", {}, {"10.0.0.1:80"}), (Args{"/usr/bin/curl", "10.0.0.1:80"}));
  // A command found in PATH runs as itself.
  EXPECT_EQ(Argv("curlimages/curl", {}, {"sleep", "3600"}), (Args{"/usr/bin/sleep", "3600"}));
  // No args: the image's cmd, curl.
  EXPECT_EQ(Argv("curlimages/curl", {}, {}), (Args{"/usr/bin/curl"}));
  // A command replaces the entrypoint script entirely.
  EXPECT_EQ(Argv("curlimages/curl", {"curl"}, {"-v", "x"}), (Args{"/usr/bin/curl", "-v", "x"}));
}

TEST_F(ResolveTest, NginxAndShells) {
  const std::string nk = "/opt/netkube/netkube";
  EXPECT_EQ(Argv("nginx", {}, {}), (Args{nk, "image", "nginx", "-g", "daemon off;"}));
  EXPECT_EQ(Argv("nginx:1.25", {}, {"nginx-debug", "-g", "daemon off;"}), (Args{nk, "image", "nginx", "-g", "daemon off;"}));
  EXPECT_EQ(Argv("nginx", {"sh", "-c", "x"}, {}), (Args{"/usr/bin/sh", "-c", "x"}));
  EXPECT_EQ(Argv("debian", {}, {}), (Args{"/usr/bin/bash"}));
  EXPECT_EQ(Argv("ubuntu:22.04", {}, {"sh"}), (Args{"/usr/bin/sh"}));
}

TEST_F(ResolveTest, EnvAndWorkingDir) {
  auto p = Run("nginxinc/nginx-unprivileged", {}, {});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->env.front(), "PATH=" + std::string(kDefaultPath));
  EXPECT_NE(std::find(p->env.begin(), p->env.end(), "NETKUBE_NGINX_PORT=8080"), p->env.end());
  EXPECT_EQ(p->working_dir, "/");

  Catalog c;
  ASSERT_TRUE(c.MergeYaml("images:\n  - repositories: [app]\n    cmd: [run]\n    env: [PATH=/srv/bin]\n"
                          "    workingDir: /srv\n",
                          "t")
                  .ok());
  files_.insert("/srv/bin/run");
  p = Resolve(c, "app", {}, {}, options_);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->argv, Args{"/srv/bin/run"});
  EXPECT_EQ(p->env, Args{"PATH=/srv/bin"});
  EXPECT_EQ(p->working_dir, "/srv");
  // Relative paths with a slash are relative to the working directory.
  files_.insert("/srv/x/y");
  p = Resolve(c, "app", {"x/y"}, {}, options_);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->argv, Args{"/srv/x/y"});
}

TEST_F(ResolveTest, UnknownImages) {
  // With a command: the machine's program.
  EXPECT_EQ(Argv("example.com/team/tool:v1", {"sleep", "5"}, {}), (Args{"/usr/bin/sleep", "5"}));
  // Without: ErrImagePull with a way out.
  auto p = Run("example.com/team/tool:v1", {}, {"serve"});
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(p.status().IsNotFound());
  EXPECT_NE(p.status().message().find("\"example.com/team/tool:v1\" is not in netkube's image catalog"),
            std::string::npos);
  EXPECT_NE(p.status().message().find("--config"), std::string::npos);
  EXPECT_NE(p.status().message().find("command"), std::string::npos);
}

TEST_F(ResolveTest, Errors) {
  auto p = Run("Bad:Ref", {"sh"}, {});
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(p.status().IsInvalid());

  p = Run("debian", {"no-such-tool"}, {});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().reason(), Reason::kBadRequest);
  EXPECT_EQ(p.status().message(), "exec: \"no-such-tool\": executable file not found in $PATH");

  p = Run("debian", {"/nope"}, {});
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("no such file or directory"), std::string::npos);

  Catalog c;
  ASSERT_TRUE(c.MergeYaml("images:\n  - repositories: [empty]\n", "t").ok());
  p = Resolve(c, "empty", {}, {}, options_);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("no command specified"), std::string::npos);
}

TEST_F(ResolveTest, ProgramFilesAreTheAbsoluteProgramPathsOfTheImage) {
  auto files = [&](const std::string& image) { return ProgramFiles(Catalog::Builtin(), image, options_); };
  EXPECT_EQ(files("registry.k8s.io/e2e-test-images/agnhost:2.47"),
            (std::vector<ProgramFile>{{"/agnhost", {"/opt/netkube/netkube", "image", "agnhost"}}}));
  EXPECT_EQ(files("registry.k8s.io/echoserver:1.10"),
            (std::vector<ProgramFile>{{"/usr/local/bin/echoserver", {"/opt/netkube/netkube", "image", "echoserver"}}}));
  // Full subcommands run the full binary, never netkube-image.
  files_.insert("/opt/netkube/netkube-image");
  EXPECT_EQ(files("registry.k8s.io/coredns/coredns:v1.11.1"),
            (std::vector<ProgramFile>{{"/coredns", {"/opt/netkube/netkube", "dns"}}}));
  EXPECT_EQ(files("registry.k8s.io/ingress-nginx/controller:v1.9.4"),
            (std::vector<ProgramFile>{{"/nginx-ingress-controller", {"/opt/netkube/netkube", "ingress"}}}));
  EXPECT_EQ(files("registry.k8s.io/pause:3.9"),
            (std::vector<ProgramFile>{{"/pause", {"/opt/netkube/netkube-image", "image", "pause"}}}));
  // nginx keeps the machine's /usr/sbin/nginx (the program execs it), whether
  // or not the machine has it.
  EXPECT_EQ(files("nginx"),
            (std::vector<ProgramFile>{{"/docker-entrypoint.sh", {"/opt/netkube/netkube-image", "image", "nginx"}}}));
  // A path the machine already has stays the machine's file.
  files_.insert("/docker-entrypoint.sh");
  EXPECT_TRUE(files("nginx").empty());
  // Busybox applets, machine images and unknown images have no program files.
  EXPECT_TRUE(files("busybox").empty());
  EXPECT_TRUE(files("debian").empty());
  EXPECT_TRUE(files("example.com/app:1").empty());
}

TEST(ResolveDefaultsTest, UsesTheRunningBinaryAndTheFilesystem) {
  auto p = Resolve(Catalog::Builtin(), "registry.k8s.io/pause", {}, {});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->argv[0].front(), '/');
  EXPECT_EQ(p->argv[1], "image");
  p = Resolve(Catalog::Builtin(), "debian", {"sh"}, {});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->argv[0].front(), '/');
}

}  // namespace
}  // namespace netkube::images
