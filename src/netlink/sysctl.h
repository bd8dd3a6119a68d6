// Sysctls under /proc/sys. Entries under net/ are per network namespace: the
// namespace is that of the thread that opens the file, so these functions act
// in the calling thread's namespace; wrap them in NetNs::Run for another one.
//
// Keys are either dotted ("net.ipv4.ip_forward") or a path relative to
// /proc/sys ("net/ipv4/conf/eth0.100/proxy_arp", needed when an interface
// name contains a dot).
//
// Thread-safety: safe to call from any thread.
#pragma once

#include <string>

#include "netlink/netns.h"
#include "util/status.h"

namespace netkube::netlink {

Status WriteSysctl(const std::string& key, const std::string& value);
StatusOr<std::string> ReadSysctl(const std::string& key);  // trailing newline removed

// The same, inside `ns`.
Status WriteSysctlIn(const NetNs& ns, const std::string& key, const std::string& value);
StatusOr<std::string> ReadSysctlIn(const NetNs& ns, const std::string& key);

// "net.ipv4.ip_forward" -> "/proc/sys/net/ipv4/ip_forward".
std::string SysctlPath(const std::string& key);

}  // namespace netkube::netlink
