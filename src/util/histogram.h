// Histogram: a Prometheus histogram with fixed buckets (seconds, 1 ms .. 5 s),
// rendered in the text exposition format.
//
// Thread-safety: none; the owner serializes Observe and Render.
#pragma once

#include <array>
#include <cstdint>
#include <ostream>
#include <string>

namespace netkube {

class Histogram {
 public:
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1,    2.5,   5};
  void Observe(double v);
  // Adds `other`'s observations to this one (same buckets).
  void Merge(const Histogram& other);
  // NAME_bucket{LABELS,le=".."} lines, then NAME_sum and NAME_count.
  // `labels` is "" or `k="v",...` without braces.
  void Render(std::ostream& out, const std::string& name, const std::string& labels) const;
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::array<uint64_t, kBuckets.size()> counts_{};
  uint64_t count_ = 0;
  double sum_ = 0;
};

}  // namespace netkube
