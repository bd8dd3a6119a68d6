// Resolve: what process a container of an image runs, as a container runtime
// would decide it from the image config and the pod's command/args.
//
// Docker semantics: the container's `command` replaces the image ENTRYPOINT
// and drops its CMD; `args` replace CMD. argv[0] is then resolved within the
// image (catalog.h): a built-in program becomes `<netkube> image PROGRAM ...`,
// a busybox applet `<netkube> image busybox APPLET ...`, anything else a
// program of the machine found through the image's PATH.
//
// An image the catalog does not know runs its command from the machine; with
// no command there is nothing to run.
//
// Thread-safety: pure given a thread-safe `is_executable`.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "images/catalog.h"
#include "util/status.h"

namespace netkube::images {

// The container's process (before the pod's own env is applied).
struct Process {
  std::vector<std::string> argv;  // argv[0] is an absolute path
  std::vector<std::string> env;   // the image's env, "NAME=value", always with PATH
  std::string working_dir;        // the image's workingDir, "/" when unset
};

struct ResolveOptions {
  // Absolute path of the netkube binary built-in programs run from
  // (`<binary> image PROGRAM ARGS`). When a `netkube-image` binary sits beside
  // it (the programs alone, much smaller), that one is used instead. A
  // catalog program "netkube SUBCOMMAND" (e.g. "netkube dns") always runs
  // the full binary: `<binary> SUBCOMMAND ARGS`.
  // Default: the running binary (/proc/self/exe).
  std::string netkube_binary;
  // Whether a path is an executable file. Default: a regular file with X_OK.
  std::function<bool(const std::string&)> is_executable;
};

// PATH when an image sets none (the one Docker sets).
inline constexpr std::string_view kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Errors (the reason tells the agent which container state to report):
//   kInvalid     bad image reference: reason InvalidImageName.
//   kNotFound    image not in the catalog and no command: reason ErrImagePull;
//                the message says how to fix it.
//   kBadRequest  nothing to run or argv[0] not found: reason RunContainerError
//                (the message is the runtime's "exec: ...: not found" text).
StatusOr<Process> Resolve(const Catalog& catalog, std::string_view image, const std::vector<std::string>& command,
                          const std::vector<std::string>& args, const ResolveOptions& options = {});

// A file the image has at `path`: an executable that runs `argv` followed by
// its own arguments (the agent writes it into the container's root, see
// node/container_spec.h), so any process of the container finds it: the
// command, `kubectl exec POD -- /agnhost connect ...`, a script.
struct ProgramFile {
  std::string path;               // absolute path inside the container
  std::vector<std::string> argv;  // e.g. {"<dir>/netkube-image", "image", "agnhost"}
  bool operator==(const ProgramFile&) const = default;
};

// The files of `image`: every absolute path of its catalog entry's `programs`
// mapped as Resolve maps that argv[0] ("/agnhost" -> `<netkube-image> image
// agnhost`, "/coredns" -> `<netkube> dns`). Bare names ("agnhost") are
// resolution shortcuts, not files. Left out: a path where the machine already
// has an executable (the machine's file is the image's, e.g. /usr/sbin/nginx),
// and a path a program itself execs (nginx runs /usr/sbin/nginx; a wrapper
// there would exec itself forever). Empty for images the catalog does not
// know and for busybox applets (handled by the busybox program). Pure given a
// thread-safe `options.is_executable`.
std::vector<ProgramFile> ProgramFiles(const Catalog& catalog, std::string_view image,
                                      const ResolveOptions& options = {});

// The message of an image not in the catalog (the ErrImagePull message).
std::string NotInCatalogMessage(std::string_view image);

}  // namespace netkube::images
