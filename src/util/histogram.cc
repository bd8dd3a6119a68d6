#include "util/histogram.h"

namespace netkube {

void Histogram::Observe(double v) {
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (v <= kBuckets[i]) ++counts_[i];
  }
  ++count_;
  sum_ += v;
}

void Histogram::Merge(const Histogram& other) {
  for (size_t i = 0; i < kBuckets.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
}

void Histogram::Render(std::ostream& o, const std::string& name, const std::string& labels) const {
  const std::string sep = labels.empty() ? "" : ",";
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    o << name << "_bucket{" << labels << sep << "le=\"" << kBuckets[i] << "\"} " << counts_[i] << "\n";
  }
  o << name << "_bucket{" << labels << sep << "le=\"+Inf\"} " << count_ << "\n";
  o << name << "_sum{" << labels << "} " << sum_ << "\n";
  o << name << "_count{" << labels << "} " << count_ << "\n";
}

}  // namespace netkube
