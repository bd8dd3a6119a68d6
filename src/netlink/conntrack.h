// Conntrack: listing and deleting connection-tracking entries of the current
// network namespace through ctnetlink (a NETLINK_NETFILTER socket, no
// subprocess), for the service proxy's stale-entry cleanup
// (src/proxy/conntrack_cleanup.h decides which entries are stale).
//
// IPv4 only, conntrack zone 0 (the default zone; netkube sets no zones).
//
// Namespace: every call opens its own socket in the CALLING THREAD's network
// namespace (see netns.h: run inside NetNs::Run/RunHere to act on another).
// Thread-safety: the functions share no state; safe from any thread.
//
// Errors: a netlink socket the kernel refuses (no ctnetlink, no
// CAP_NET_ADMIN) is Unavailable; a kernel refusal of a request is Internal
// with the kernel's message; a malformed message from the kernel is Internal;
// a bad entry handed to DeleteConntrack is Invalid.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "netlink/conntrack_entry.h"
#include "util/status.h"

namespace netkube::netlink {

// Every IPv4 entry whose L4 protocol is `protocol` (IPPROTO_TCP, IPPROTO_UDP
// or IPPROTO_SCTP), in the kernel's order. The kernel filters by protocol
// when it can (Linux 5.8+); older kernels dump everything and the filter is
// applied here. A table that changes during the dump may be listed partly
// (the next call sees the rest), as conntrack -L does.
StatusOr<std::vector<ConntrackEntry>> ListConntrack(uint8_t protocol);

// Deletes each entry by its original tuple (protocol, orig_src:orig_sport ->
// orig_dst:orig_dport); the reply fields are not used. An entry that is
// already gone (ENOENT) is skipped, not an error. Returns how many entries
// the kernel deleted. Every entry is validated before anything is sent
// (Invalid: an address that is not IPv4 text, a protocol other than
// TCP/UDP/SCTP); after a kernel refusal of one entry the others are still
// tried, and the first refusal is returned as Internal.
StatusOr<int> DeleteConntrack(const std::vector<ConntrackEntry>& entries);

// ---- The pure wire format, exposed for tests and fuzzing.

// Parses the payload of one IPCTNL_MSG_CT_NEW message (what follows the
// nlmsghdr: struct nfgenmsg, then attributes). Every length is checked.
// nullopt for an entry that is not IPv4 (its family or addresses say so).
// Internal when the message is truncated or a needed attribute (either
// tuple, its addresses, the protocol number) is missing or has a bad length.
// Ports are 0 for protocols without ports (ICMP).
StatusOr<std::optional<ConntrackEntry>> ParseConntrackPayload(std::span<const uint8_t> payload);

// The bytes of an IPCTNL_MSG_CT_DELETE request (with NLM_F_ACK) for
// `entry`'s original tuple, sequence number `seq`.
// Invalid as DeleteConntrack says.
StatusOr<std::vector<uint8_t>> EncodeConntrackDelete(const ConntrackEntry& entry, uint32_t seq);

// The bytes of an IPCTNL_MSG_CT_GET dump request for IPv4 entries; with
// `protocol` != 0 it carries a kernel-side filter (CTA_FILTER) on it.
std::vector<uint8_t> EncodeConntrackDump(uint8_t protocol, uint32_t seq);

}  // namespace netkube::netlink
