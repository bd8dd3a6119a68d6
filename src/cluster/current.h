// Which cluster a `netkube` command means when --name is not given, as
// minikube's current profile: the cluster of kubectl's current context when
// that context is a netkube one ("netkube-NAME" for an existing cluster NAME);
// otherwise "netkube" when it exists; otherwise the only cluster there is;
// otherwise "netkube" (and the command then says no such cluster exists).
//
// When the choice was not obvious — several clusters exist and the current
// context names none of them — `note` says which one was taken and how to
// pick another, for the command to print on stderr.
//
// Thread-safety: plain functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace netkube::cluster {

// The current-context of a kubeconfig's text ("" when none or unparsable).
std::string CurrentContextOf(std::string_view kubeconfig_text);

// The pure choice (see above). `note` may be null.
std::string ChooseCluster(std::string_view current_context, const std::vector<std::string>& clusters,
                          std::string* note);

// The same, reading kubectl's kubeconfig (DefaultKubeconfigPath) and the
// clusters under StateDir().
std::string DefaultClusterName(std::string* note);

}  // namespace netkube::cluster
