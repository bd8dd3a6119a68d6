// resolv.conf(5) as the forward plugin reads it: only the `nameserver` lines
// matter (as CoreDNS's forward takes a file TO). Comments start with '#' or
// ';'; other keywords (search, options, domain, sortlist) are ignored.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace netkube::dns {

// The nameserver addresses in file order, as written ("10.0.0.1", "fd00::1",
// "fe80::1%eth0"). Lines with a missing address are skipped.
std::vector<std::string> ParseResolvConfNameservers(std::string_view text);

// Reads `path` and parses it; NotFound when it cannot be read.
StatusOr<std::vector<std::string>> ReadResolvConfNameservers(const std::string& path);

}  // namespace netkube::dns
