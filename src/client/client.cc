#include "client/client.h"

#include "util/log.h"

namespace netkube::client {

const api::Kind& KindOf(std::string_view group, std::string_view kind) {
  const api::Kind* k = api::FindByKind(group, "v1", kind);
  if (k == nullptr) LOG_FATAL << "unknown built-in kind " << group << "/" << kind;
  return *k;
}

}  // namespace netkube::client
