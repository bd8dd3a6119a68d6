// The Executor base class's defaults, apart from executor.cc so that the
// base class (and the Applier) link without libnftables: netkube-cni is a
// static binary and Debian ships no static libnftables.
#include "nft/executor.h"

namespace netkube::nft {

StatusOr<KernelTable> Executor::ReadTable(Family family, const std::string& name) {
  auto json = ListTableJson(family, name);
  if (!json.ok()) return json.status();
  return ParseKernelJson(*json);
}

bool Executor::UnchangedSinceLastSend(Family, const std::string&) { return false; }
BatchOutcome Executor::SendFull(const Table&) { return {}; }
BatchOutcome Executor::SendDelta(const Table&, const Delta&) { return {}; }
BatchOutcome Executor::SendDelete(Family, const std::string&) { return {}; }

}  // namespace netkube::nft
