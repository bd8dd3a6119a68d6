// Helpers shared by the store tests.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

#include "store/store.h"

namespace netkube::store::testing {

// A fresh directory from mkdtemp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "netkube-store-XXXXXX").string();
    path_ = mkdtemp(pattern.data()) ? pattern : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline StatusOr<TxnResult> Put(Store& s, const std::string& key, const std::string& value) {
  return s.Txn({}, {Op::Put(key, value)}, {});
}

inline StatusOr<TxnResult> Delete(Store& s, const std::string& key) { return s.Txn({}, {Op::Delete(key)}, {}); }

inline Compare Cmp(std::string key, Compare::Target target, Compare::Result result, int64_t value) {
  return Compare{std::move(key), target, result, value};
}

}  // namespace netkube::store::testing
