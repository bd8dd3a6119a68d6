// ContainerSpec: everything `netkube container-init` needs to turn itself
// into one container's main process. The agent writes it as JSON into the
// container's directory and execs container-init on it; container-init
// enters the pod's namespaces, builds the container's filesystem view and
// execs the program, keeping its pid (so the agent's pid is the container's).
//
// The filesystem view: the machine's root through an overlay whose upper layer
// lives on a tmpfs private to this container (writes never reach the machine
// and vanish when the container exits), a fresh /tmp and /run, the machine's
// /proc, /sys and /dev, fresh empty /root and /home and empty /etc/shadow and
// /etc/gshadow (the machine's users' private files and netkube's state under
// /root/.netkube are not the container's; the netkube binaries' directory
// stays visible, read-only, if it lies under them), then the mounts in order
// (volumes, /etc/hosts, /etc/resolv.conf, /etc/hostname) at their paths, and
// pivot_root into it.
//
// The image's programs (images::ProgramFiles: /agnhost, /coredns, ...) are
// files of that root, as in the real image: before the mounts, each `programs`
// path is written into the overlay (so into the container's private upper
// layer, never the machine) as an executable shell script (ProgramScript)
// that execs its argv with the caller's arguments. Any process of the
// container finds them: its command, `kubectl exec` (which enters this root),
// a script. Volumes mounted over a program's directory hide it, as they would
// hide the image's file. Without isolate_fs there is no private layer to
// write into and `programs` is ignored.
#pragma once

#include <string>
#include <vector>

#include "images/resolve.h"
#include "util/status.h"

namespace netkube::node {

struct Mount {
  std::string source;       // a path on the machine (bind) or "" (tmpfs)
  std::string target;       // a path inside the container
  bool read_only = false;
  bool tmpfs = false;       // a new tmpfs instead of a bind mount
  bool operator==(const Mount&) const = default;
};

struct ContainerSpec {
  std::vector<std::string> argv;  // argv[0]: absolute, or looked up in PATH of env
  std::vector<std::string> env;   // "K=V"
  std::string working_dir;        // "" = "/"
  std::string netns_path;         // "" = stay in the caller's (hostNetwork)
  std::string uts_path;           // "" = stay in the caller's
  std::string fs_dir;             // where the overlay's tmpfs is mounted (created by the agent)
  std::vector<Mount> mounts;
  std::vector<images::ProgramFile> programs;  // written into the root (see above)
  bool isolate_fs = true;         // false: no overlay, no pivot_root (for tests without root)

  std::string ToJson() const;
  static StatusOr<ContainerSpec> Parse(const std::string& json);
};

// Where the absolute container path `path` lands under `root` (the new
// root's directory on the machine), resolving symlinks inside `root` as the
// container will see them: /var/run -> /run stays in the container's tree
// instead of escaping to the machine's /run. Missing components are kept.
std::string ResolveInRoot(const std::string& root, const std::string& path);

// The script written at a program file's path: "#!/bin/sh", then `exec ARGV
// "$@"` with each argument single-quoted for sh. Pure.
std::string ProgramScript(const std::vector<std::string>& argv);

// The body of `netkube container-init SPEC_FILE`: never returns on success
// (the program replaces this process). On failure writes "netkube: ..." to
// stderr (the container's log) and returns 128, the exit code kubelet reports
// for a container that could not start.
int ContainerInitMain(const std::string& spec_file);

}  // namespace netkube::node
