#include "controllers/loadbalancer_pool.h"

#include <arpa/inet.h>

#include <algorithm>
#include "util/strings.h"

namespace netkube::controllers {
namespace {

StatusOr<LoadBalancerPool::Range> ParseRange(std::string_view part) {
  auto bad = [&](const std::string& why) {
    return Status::BadRequest("invalid LoadBalancer pool range \"" + std::string(part) + "\": " + why);
  };
  if (part.find(':') != std::string_view::npos) return bad("only IPv4 ranges are supported");
  if (auto slash = part.find('/'); slash != std::string_view::npos) {
    std::optional<uint32_t> base = ParseIPv4(TrimSpace(part.substr(0, slash)));
    if (!base) return bad("not an IPv4 address");
    std::string_view len = TrimSpace(part.substr(slash + 1));
    int n = 0;
    if (len.empty() || len.size() > 2 || !std::all_of(len.begin(), len.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return bad("prefix length must be 0-32");
    for (char c : len) n = n * 10 + (c - '0');
    if (n > 32) return bad("prefix length must be 0-32");
    uint32_t mask = n == 0 ? 0 : ~uint32_t{0} << (32 - n);
    if ((*base & ~mask) != 0) return bad("host bits are set (the network is " + FormatIPv4(*base & mask) + "/" + std::string(len) + ")");
    return LoadBalancerPool::Range{*base, *base | ~mask};
  }
  auto dash = part.find('-');
  std::optional<uint32_t> first = ParseIPv4(TrimSpace(part.substr(0, dash)));
  std::optional<uint32_t> last = dash == std::string_view::npos ? first : ParseIPv4(TrimSpace(part.substr(dash + 1)));
  if (!first || !last) return bad("expected FIRST-LAST or ADDRESS/PREFIX with IPv4 addresses");
  if (*first > *last) return bad("the first address is above the last");
  return LoadBalancerPool::Range{*first, *last};
}

}  // namespace

std::optional<uint32_t> ParseIPv4(std::string_view text) {
  std::string s(text);
  in_addr a{};
  if (s.empty() || inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

std::string FormatIPv4(uint32_t ip) {
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 255) + "." + std::to_string((ip >> 8) & 255) +
         "." + std::to_string(ip & 255);
}

StatusOr<LoadBalancerPool> LoadBalancerPool::Parse(std::string_view text) {
  LoadBalancerPool pool;
  pool.text_ = std::string(TrimSpace(text));
  std::string_view rest = text;
  while (true) {
    auto comma = rest.find(',');
    std::string_view part = TrimSpace(rest.substr(0, comma));
    if (!part.empty()) {
      StatusOr<Range> r = ParseRange(part);
      if (!r.ok()) return r.status();
      pool.ranges_.push_back(*r);
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (pool.ranges_.empty()) return Status::BadRequest("the LoadBalancer pool is empty");
  std::sort(pool.ranges_.begin(), pool.ranges_.end(), [](const Range& a, const Range& b) { return a.first < b.first; });
  for (size_t i = 1; i < pool.ranges_.size(); ++i) {
    if (pool.ranges_[i].first <= pool.ranges_[i - 1].last)
      return Status::BadRequest("invalid LoadBalancer pool \"" + pool.text_ + "\": ranges overlap at " +
                                FormatIPv4(pool.ranges_[i].first));
  }
  return pool;
}

bool LoadBalancerPool::Contains(uint32_t ip) const {
  for (const Range& r : ranges_)
    if (ip >= r.first && ip <= r.last) return true;
  return false;
}

uint64_t LoadBalancerPool::Size() const {
  uint64_t n = 0;
  for (const Range& r : ranges_) n += uint64_t{r.last} - r.first + 1;
  return n;
}

bool LoadBalancerAllocator::Observe(const std::string& key, uint32_t ip) {
  if (by_key_.count(key) || by_ip_.count(ip) || !pool_.Contains(ip)) return false;
  Assign(key, ip);
  return true;
}

void LoadBalancerAllocator::Assign(const std::string& key, uint32_t ip) {
  Release(key);
  by_key_[key] = ip;
  by_ip_[ip] = key;
}

StatusOr<uint32_t> LoadBalancerAllocator::Allocate(const std::string& key, std::optional<uint32_t> requested) {
  if (requested) {
    if (!pool_.Contains(*requested))
      return Status::Invalid("requested IP " + FormatIPv4(*requested) + " is not in the pool " + pool_.text());
    std::string owner = OwnerOf(*requested);
    if (!owner.empty() && owner != key)
      return Status::Conflict("requested IP " + FormatIPv4(*requested) + " is already assigned to " + owner);
    if (owner.empty()) Assign(key, *requested);
    return *requested;
  }
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    if (pool_.Contains(it->second)) return it->second;
    Release(key);  // the pool changed under it
  }
  for (const LoadBalancerPool::Range& r : pool_.ranges()) {
    // Skip over held addresses in order; by_ip_ is sorted.
    uint64_t ip = r.first;
    for (auto it = by_ip_.lower_bound(r.first); it != by_ip_.end() && it->first == ip && ip <= r.last; ++it) ++ip;
    if (ip <= r.last) {
      Assign(key, static_cast<uint32_t>(ip));
      return static_cast<uint32_t>(ip);
    }
  }
  return Status::Unavailable("no available IPs in pool " + pool_.text() + " (" + std::to_string(pool_.Size()) +
                             " addresses, all assigned)");
}

bool LoadBalancerAllocator::Release(const std::string& key) {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return false;
  by_ip_.erase(it->second);
  by_key_.erase(it);
  return true;
}

std::optional<uint32_t> LoadBalancerAllocator::AddressOf(const std::string& key) const {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return std::nullopt;
  return it->second;
}

std::string LoadBalancerAllocator::OwnerOf(uint32_t ip) const {
  auto it = by_ip_.find(ip);
  return it == by_ip_.end() ? std::string() : it->second;
}

}  // namespace netkube::controllers
