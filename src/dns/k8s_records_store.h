// The storage of ClusterRecords (k8s_records.h), shared by the two files
// that implement it: k8s_records.cc (the model and its updates) and
// k8s_records_lookup.cc (answering questions from it). Not a public header.
//
// Thread-safety: as ClusterRecords (callers hold its lock).
#pragma once

#include <arpa/inet.h>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "dns/k8s_records.h"

namespace netkube::dns::k8s {
namespace records_internal {

// Writes the text form into `buf` (at least INET6_ADDRSTRLEN bytes).
inline std::string_view IpChars(const IpAddr& ip, char* buf) {
  if (ip.len != 4 && ip.len != 16) return {};
  if (inet_ntop(ip.len == 4 ? AF_INET : AF_INET6, ip.bytes.data(), buf, INET6_ADDRSTRLEN) == nullptr) return {};
  return std::string_view(buf);
}

struct SliceData {
  std::string name;
  std::vector<PortInfo> ports;
  std::vector<EndpointInfo> endpoints;
};

// One service name of a namespace: the Service (if any) and the slices
// labeled with its name (which may arrive before it).
struct NameEntry {
  std::unique_ptr<ServiceInfo> service;
  std::vector<SliceData> slices;  // sorted by name
};

template <class V>
using StrMap = std::unordered_map<std::string, V, StrHash, std::equal_to<>>;

inline std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

inline char LowerChar(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

inline bool EqualFold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (LowerChar(a[i]) != LowerChar(b[i])) return false;
  return true;
}

// Lower-cases a label (<= 63 bytes) into `buf`.
inline std::string_view LowerInto(std::string_view label, char* buf) {
  size_t n = std::min<size_t>(label.size(), kMaxLabel);
  for (size_t i = 0; i < n; ++i) buf[i] = LowerChar(label[i]);
  return std::string_view(buf, n);
}

}  // namespace records_internal

struct ClusterRecords::Namespace {
  bool exists = false;  // the Namespace object is present
  records_internal::StrMap<records_internal::NameEntry> names;
  records_internal::StrMap<std::string> slice_owner;            // slice name -> service name
  records_internal::StrMap<std::vector<IpAddr>> pods;           // pod name -> IPs (pods verified)
  std::unordered_map<IpAddr, uint32_t, IpAddrHash> pod_ips;  // IP -> pods holding it
};

}  // namespace netkube::dns::k8s
