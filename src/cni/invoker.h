// Invoker: the runtime side of CNI (spec sections 2 and 3). It executes
// plugin binaries found on its plugin path exactly as the spec says: CNI_*
// environment variables, the derived request configuration on stdin, a
// result or an error object on stdout. So the node agent runs netkube-cni and
// the reference plugins (/usr/lib/cni: bridge, host-local, loopback, portmap)
// alike, from the same configuration directory.
//
// Request configuration derived per plugin of a list: the plugin object with
// cniVersion (the selected version) and name (the list's) inserted,
// "capabilities" removed, runtimeConfig = the capability arguments the plugin
// declares, prevResult = the previous plugin's result (ADD) or the stored
// result of the ADD (DEL, CHECK), cni.dev/valid-attachments for GC.
// ADD runs plugins in order and stops at the first error; DEL runs them in
// reverse; GC runs all and reports the first error.
//
// Thread-safety: an Invoker is immutable after construction; its methods may
// run concurrently (the spec forbids concurrent operations on one
// attachment, which is the caller's business).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cni/types.h"
#include "util/status.h"

namespace netkube::cni {

// The per-attachment parameters of ADD/DEL/CHECK.
struct AttachmentParams {
  std::string container_id;
  std::string netns;   // path
  std::string ifname = "eth0";
  std::vector<std::pair<std::string, std::string>> args;  // CNI_ARGS
  std::string capability_args;  // JSON object, e.g. {"portMappings":[...]}; "" for none
};

// Loads the network configuration a runtime would use from `dir`: the first
// (by name) *.conflist, *.conf or *.json file that parses. NotFound if none.
StatusOr<NetworkConfigList> LoadNetworkConfig(const std::string& dir);

class Invoker {
 public:
  // plugin_dirs: where plugin binaries are looked up, in order (CNI_PATH).
  explicit Invoker(std::vector<std::string> plugin_dirs);

  StatusOr<Result> Add(const NetworkConfigList& list, const AttachmentParams& params) const;
  // prev: the result of the ADD (may be null if it is lost).
  Status Del(const NetworkConfigList& list, const AttachmentParams& params, const Result* prev) const;
  Status Check(const NetworkConfigList& list, const AttachmentParams& params, const Result& prev) const;
  Status Gc(const NetworkConfigList& list, const std::vector<Attachment>& valid) const;
  Status PluginStatus(const NetworkConfigList& list) const;
  // The versions a plugin supports (its VERSION result).
  StatusOr<std::vector<std::string>> Versions(const std::string& type) const;

  // The plugin binary's path; NotFound if no plugin dir has it.
  StatusOr<std::string> FindPlugin(const std::string& type) const;

  struct Output {
    int exit_code = 0;
    std::string out, err;
  };
  // Executes `path` (with `args` after argv[0]) with the calling process's
  // environment minus CNI_*, plus `env`, feeding `input` on stdin. The error
  // is only for failing to run it; a non-zero exit is in Output.
  static StatusOr<Output> Exec(const std::string& path, const std::vector<std::string>& env, const std::string& input,
                               const std::vector<std::string>& args = {});

  // Derives the request configuration of one plugin (see above). Exposed for
  // tests. prev_result/valid_attachments/capability_args are JSON text or "".
  static StatusOr<std::string> RequestConfig(const NetworkConfigList& list, size_t plugin, const std::string& command,
                                             const std::string& prev_result, const std::string& capability_args,
                                             const std::vector<Attachment>* valid_attachments);

 private:
  StatusOr<std::string> Run(const NetworkConfigList& list, size_t plugin, const std::string& command,
                            const AttachmentParams* params, const std::string& prev_result,
                            const std::vector<Attachment>* valid) const;

  std::vector<std::string> dirs_;
  std::string path_;  // dirs_ joined with ':'
};

}  // namespace netkube::cni
