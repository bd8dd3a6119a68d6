// netkube node exec NODE [--name CLUSTER] [-- CMD ARGS...]: a shell (or CMD)
// inside a node, as `docker exec -it kind-worker bash` is for kind: in the
// node's network namespace (its eth0, cni0, routes, nftables tables) and with
// the node's own files where a node keeps them — /etc/cni/net.d (the CNI
// configuration), /opt/cni/bin, /var/lib/cni (IPAM state) and
// /var/lib/kubelet/pods (the pods' directories) — over a private overlay of
// the machine's root, built as a container's is (container_spec.h): nothing
// written there reaches the machine. NODE is a node's name or its part after
// "CLUSTER-" ("worker" for "dev-worker"). Exit code: CMD's.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cluster/state.h"
#include "node/container_spec.h"
#include "util/file.h"

namespace netkube::cli {
namespace {

struct NodeExecFlags {
  std::string node, cluster;
  std::vector<std::string> command;
};

int RunNodeExec(const NodeExecFlags& f) {
  const std::string name = ClusterName(f.cluster);
  auto plan = cluster::LoadPlan(cluster::StateDir() + "/clusters/" + name);
  if (!plan.ok()) {
    std::fprintf(stderr, "ERROR: no cluster named \"%s\"\n", name.c_str());
    return 1;
  }
  const cluster::NodePlan* node = nullptr;
  std::string known;
  for (const cluster::NodePlan& n : plan->nodes) {
    if (n.name == f.node || n.name == name + "-" + f.node) node = &n;
    known += (known.empty() ? "" : ", ") + n.name;
  }
  if (node == nullptr) {
    std::fprintf(stderr, "ERROR: cluster \"%s\" has no node \"%s\" (nodes: %s)\n", name.c_str(), f.node.c_str(),
                 known.c_str());
    return 1;
  }

  node::ContainerSpec spec;
  spec.argv = f.command;
  if (spec.argv.empty()) spec.argv = {access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh"};
  spec.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root",
              "HOSTNAME=" + node->name, "PS1=root@" + node->name + ":\\w# "};
  if (const char* term = std::getenv("TERM")) spec.env.push_back(std::string("TERM=") + term);
  spec.netns_path = "/run/netns/" + node->name;
  for (const auto& [dir, target] : {std::pair{"/etc/cni/net.d", "/etc/cni/net.d"},
                                    std::pair{"/opt/cni/bin", "/opt/cni/bin"},
                                    std::pair{"/var/lib/cni", "/var/lib/cni"},
                                    std::pair{"/pods", "/var/lib/kubelet/pods"}}) {
    std::string source = node->root_dir + dir;
    struct stat st {};
    if (stat(source.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) spec.mounts.push_back({source, target, false, false});
  }
  // Scratch space for the overlay and the spec, removed afterwards.
  std::string scratch = plan->dir + "/node-exec.XXXXXX";
  if (mkdtemp(scratch.data()) == nullptr) {
    std::fprintf(stderr, "ERROR: cannot make a scratch directory under %s\n", plan->dir.c_str());
    return 1;
  }
  spec.fs_dir = scratch + "/fs";
  mkdir(spec.fs_dir.c_str(), 0700);
  const std::string spec_file = scratch + "/spec.json";
  int rc = 1;
  if (Status st = WriteFileAtomic(spec_file, spec.ToJson()); !st.ok()) {
    std::fprintf(stderr, "ERROR: %s\n", st.message().c_str());
  } else {
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    std::string exe = n > 0 ? std::string(self, static_cast<size_t>(n)) : "netkube";
    pid_t pid = fork();
    if (pid == 0) {
      execl(exe.c_str(), exe.c_str(), "container-init", spec_file.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    int status = 0;
    if (pid > 0 && waitpid(pid, &status, 0) == pid)
      rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (rc == 128) {
      auto why = ReadFileToString(spec_file + ".error");
      if (why.ok() && !why->empty()) std::fprintf(stderr, "%s", why->c_str());
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(scratch, ec);
  if (ec) std::fprintf(stderr, "warning: could not remove %s: %s\n", scratch.c_str(), ec.message().c_str());
  return rc;
}

}  // namespace

void AddNodeCommand(CLI::App& app, int* rc) {
  auto f = std::make_shared<NodeExecFlags>();
  auto* node = app.add_subcommand("node", "work inside a cluster's nodes");
  auto* exec = node->add_subcommand("exec", "run a shell (or a command after --) inside a node");
  exec->add_option("node", f->node, "the node: its name, or the part after CLUSTER- (\"worker\")")->required();
  exec->add_option("--name", f->cluster, kNameHelp);
  exec->add_option("command", f->command, "the command and its arguments (after --)");
  node->require_subcommand(1);
  exec->callback([f, rc] { *rc = RunNodeExec(*f); });
}

}  // namespace netkube::cli
