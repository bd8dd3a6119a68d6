// KeyRange: the [start, end) key interval of Range and Watch, with etcd's
// conventions for `end`: "" selects only `start` itself, "\0" (one NUL byte)
// selects every key >= start.
#pragma once

#include <string>
#include <string_view>

namespace netkube::store {

class KeyRange {
 public:
  KeyRange(std::string_view start, std::string_view end) : start_(start), end_(end) {}

  bool Contains(std::string_view key) const {
    if (end_.empty()) return key == start_;
    if (key < start_) return false;
    return Unbounded() || key < end_;
  }
  bool SingleKey() const { return end_.empty(); }
  bool Unbounded() const { return end_.size() == 1 && end_[0] == '\0'; }
  const std::string& start() const { return start_; }
  const std::string& end() const { return end_; }

 private:
  std::string start_;
  std::string end_;
};

}  // namespace netkube::store
