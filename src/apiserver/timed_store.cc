#include "apiserver/timed_store.h"

#include <chrono>

namespace netkube::apiserver {

StatusOr<store::TxnResult> TimedStore::Txn(const std::vector<store::Compare>& compares,
                                           const std::vector<store::Op>& then,
                                           const std::vector<store::Op>& otherwise) {
  auto start = std::chrono::steady_clock::now();
  auto r = inner_.Txn(compares, then, otherwise);
  metrics_.ObserveStorage(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return r;
}

}  // namespace netkube::apiserver
