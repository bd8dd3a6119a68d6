// ctnetlink entry parser (netlink::ParseConntrackPayload): arbitrary bytes
// in place of a kernel message must give an entry, nullopt or an error,
// never a read out of bounds.
#include <cstddef>
#include <cstdint>
#include <span>

#include "netlink/conntrack.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto entry = netkube::netlink::ParseConntrackPayload(std::span<const uint8_t>(data, size));
  if (entry.ok() && entry->has_value()) {
    // A parsed entry must encode as a delete request.
    (void)netkube::netlink::EncodeConntrackDelete(**entry, 1);
  }
  return 0;
}
