// TimedStore: a Store decorator that reports the latency of every transaction
// (durable commit included) to Metrics as netkube_storage_txn_duration_seconds.
//
// Thread-safety: as the wrapped store.
#pragma once

#include "apiserver/metrics.h"
#include "store/store.h"

namespace netkube::apiserver {

class TimedStore : public store::Store {
 public:
  // Neither is owned; both must outlive this object.
  TimedStore(store::Store& inner, Metrics& metrics) : inner_(inner), metrics_(metrics) {}

  int64_t Revision() const override { return inner_.Revision(); }
  int64_t CompactRevision() const override { return inner_.CompactRevision(); }
  StatusOr<store::KeyValue> Get(std::string_view key) override { return inner_.Get(key); }
  store::RangeResult Range(std::string_view start, std::string_view end, int64_t limit) override {
    return inner_.Range(start, end, limit);
  }
  StatusOr<store::TxnResult> Txn(const std::vector<store::Compare>& compares, const std::vector<store::Op>& then,
                                 const std::vector<store::Op>& otherwise) override;
  StatusOr<std::unique_ptr<store::Watcher>> Watch(std::string_view start, std::string_view end,
                                                  int64_t after_revision) override {
    return inner_.Watch(start, end, after_revision);
  }
  Status Compact(int64_t revision) override { return inner_.Compact(revision); }

 private:
  store::Store& inner_;
  Metrics& metrics_;
};

}  // namespace netkube::apiserver
