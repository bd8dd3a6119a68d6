#include "policy/model.h"

#include <algorithm>
#include <cstdio>

namespace netkube::policy {

bool LabelSelector::Matches(const Labels& labels) const {
  for (const auto& [k, v] : match_labels) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  for (const SelectorRequirement& r : match_expressions) {
    auto it = labels.find(r.key);
    bool has = it != labels.end();
    bool listed = has && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    switch (r.op) {
      case SelectorRequirement::Op::kIn:
        if (!listed) return false;
        break;
      case SelectorRequirement::Op::kNotIn:
        if (listed) return false;
        break;
      case SelectorRequirement::Op::kExists:
        if (!has) return false;
        break;
      case SelectorRequirement::Op::kDoesNotExist:
        if (has) return false;
        break;
    }
  }
  return true;
}

std::string LabelSelector::Canonical() const {
  std::vector<std::string> parts;
  for (const auto& [k, v] : match_labels) parts.push_back(k + "=" + v);
  for (const SelectorRequirement& r : match_expressions) {
    std::vector<std::string> values = r.values;
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    std::string s;
    switch (r.op) {
      case SelectorRequirement::Op::kIn: s = r.key + " in ("; break;
      case SelectorRequirement::Op::kNotIn: s = r.key + " notin ("; break;
      case SelectorRequirement::Op::kExists: s = r.key; break;
      case SelectorRequirement::Op::kDoesNotExist: s = "!" + r.key; break;
    }
    if (r.op == SelectorRequirement::Op::kIn || r.op == SelectorRequirement::Op::kNotIn) {
      for (size_t i = 0; i < values.size(); ++i) s += (i ? "," : "") + values[i];
      s += ")";
    }
    parts.push_back(s);
  }
  std::sort(parts.begin(), parts.end());
  parts.erase(std::unique(parts.begin(), parts.end()), parts.end());
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "," : "") + parts[i];
  return out;
}

const char* ProtocolName(Protocol p) {
  switch (p) {
    case Protocol::kTcp: return "tcp";
    case Protocol::kUdp: return "udp";
    case Protocol::kSctp: return "sctp";
  }
  return "tcp";
}

std::vector<PolicyType> PolicyInfo::EffectivePolicyTypes() const {
  if (!policy_types.empty()) return policy_types;
  std::vector<PolicyType> types = {PolicyType::kIngress};
  if (!egress.empty()) types.push_back(PolicyType::kEgress);
  return types;
}

bool PolicyInfo::Isolates(PolicyType t) const {
  std::vector<PolicyType> types = EffectivePolicyTypes();
  return std::find(types.begin(), types.end(), t) != types.end();
}

std::string PodInfo::Ipv4() const {
  for (const std::string& ip : ips) {
    if (ParseIpv4(ip)) return ip;
  }
  return "";
}

std::optional<uint32_t> ParseIpv4(const std::string& text) {
  unsigned a, b, c, d;
  char tail;
  if (std::sscanf(text.c_str(), "%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &tail) != 4) return std::nullopt;
  if (a > 255 || b > 255 || c > 255 || d > 255) return std::nullopt;
  return (a << 24) | (b << 16) | (c << 8) | d;
}

std::string FormatIpv4(uint32_t addr) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 255, (addr >> 8) & 255, addr & 255);
  return buf;
}

std::optional<std::pair<uint32_t, uint32_t>> ParseCidr(const std::string& text) {
  size_t slash = text.find('/');
  std::optional<uint32_t> addr = ParseIpv4(text.substr(0, slash));
  if (!addr) return std::nullopt;
  int len = 32;
  if (slash != std::string::npos) {
    std::string l = text.substr(slash + 1);
    if (l.empty() || l.size() > 2 || l.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    len = std::stoi(l);
    if (len > 32) return std::nullopt;
  }
  uint32_t mask = len == 0 ? 0 : ~uint32_t{0} << (32 - len);
  uint32_t first = *addr & mask;
  return std::make_pair(first, first | ~mask);
}

std::vector<std::string> CidrsOf(const IpBlock& block) {
  std::optional<std::pair<uint32_t, uint32_t>> whole = ParseCidr(block.cidr);
  if (!whole) return {};
  // Remaining intervals, inclusive, in 64 bits to avoid overflow at the ends.
  std::vector<std::pair<uint64_t, uint64_t>> left = {{whole->first, whole->second}};
  for (const std::string& e : block.except) {
    std::optional<std::pair<uint32_t, uint32_t>> ex = ParseCidr(e);
    if (!ex) continue;
    std::vector<std::pair<uint64_t, uint64_t>> next;
    for (auto [lo, hi] : left) {
      if (ex->second < lo || ex->first > hi) {
        next.push_back({lo, hi});
        continue;
      }
      if (ex->first > lo) next.push_back({lo, uint64_t{ex->first} - 1});
      if (ex->second < hi) next.push_back({uint64_t{ex->second} + 1, hi});
    }
    left = std::move(next);
  }
  std::vector<std::string> out;
  for (auto [lo, hi] : left) {
    while (lo <= hi) {
      int len = 32;  // the largest aligned block starting at lo that fits
      while (len > 0) {
        uint64_t size = uint64_t{1} << (32 - (len - 1));
        if (lo % size != 0 || lo + size - 1 > hi) break;
        --len;
      }
      out.push_back(FormatIpv4(static_cast<uint32_t>(lo)) + "/" + std::to_string(len));
      lo += uint64_t{1} << (32 - len);
    }
  }
  return out;
}

bool IpBlockContains(const IpBlock& block, uint32_t addr) {
  std::optional<std::pair<uint32_t, uint32_t>> whole = ParseCidr(block.cidr);
  if (!whole || addr < whole->first || addr > whole->second) return false;
  for (const std::string& e : block.except) {
    std::optional<std::pair<uint32_t, uint32_t>> ex = ParseCidr(e);
    if (ex && addr >= ex->first && addr <= ex->second) return false;
  }
  return true;
}

}  // namespace netkube::policy
