// Ipam: host-local IPv4 address management with on-disk state.
//
// State: one directory per network (data_dir/NAME). Each allocated address is
// a file named after it ("10.244.0.5") holding "CONTAINERID\nIFNAME\n". A
// file is published with link(2) from a fully written temporary file, which
// fails with EEXIST if the address is taken, so no address is ever handed out
// twice, even across concurrent plugin processes, and a crash never leaves a
// half-written allocation. "last_reserved_ip" remembers where the previous
// allocation ended, so addresses are handed out round-robin and a just
// released address is not reused at once. Restarts lose nothing: the
// directory is the state.
//
// The range is the subnet minus its network address, broadcast address and
// the gateway (by default the first address), optionally narrowed by
// range_start/range_end.
//
// Thread-safety: every method is safe to call concurrently, from threads or
// processes, on the same directory.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cni/types.h"
#include "netlink/ip.h"
#include "util/status.h"

namespace netkube::cni {

struct IpamRange {
  netlink::Ipv4Prefix subnet;
  netlink::Ipv4 gateway;                     // excluded from allocation
  std::optional<netlink::Ipv4> range_start;  // inclusive
  std::optional<netlink::Ipv4> range_end;    // inclusive
};

class Ipam {
 public:
  // REQUIRES: dir is the network's own directory (created on first use).
  Ipam(std::string dir, IpamRange range);

  // Checks the range (Invalid if it holds no address, e.g. a /31).
  Status Validate() const;
  // A new address for this attachment, in O(1) file operations when the
  // range is not crowded (no directory scan). The spec forbids a second ADD
  // of an attachment without a DEL in between; if it happens anyway the
  // attachment holds two addresses until Release frees both.
  // Unavailable ("no free addresses") when the range is exhausted.
  StatusOr<netlink::Ipv4> Allocate(const Attachment& attachment);
  // Releases every address of this attachment; OK if it has none. Scans the
  // directory (one small file per allocation).
  Status Release(const Attachment& attachment);
  // The attachment's address, or nullopt.
  StatusOr<std::optional<netlink::Ipv4>> Find(const Attachment& attachment) const;
  // Every allocation.
  StatusOr<std::vector<std::pair<netlink::Ipv4, Attachment>>> List() const;
  // Releases every allocation whose attachment is not in `valid`; keeps going
  // past errors and returns the first.
  Status GarbageCollect(const std::vector<Attachment>& valid);
  // How many addresses are still free.
  StatusOr<size_t> FreeCount() const;

  const std::string& dir() const { return dir_; }

 private:
  Status EnsureDir() const;
  uint32_t First() const;
  uint32_t Last() const;
  std::optional<uint32_t> LastReserved() const;
  void SetLastReserved(uint32_t ip) const;

  std::string dir_;
  IpamRange range_;
};

}  // namespace netkube::cni
