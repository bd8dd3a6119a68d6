// NewNftnlExecutor(): an Executor that sends netkube's tables to the kernel as
// nf_tables netlink batches (libnftnl + libmnl), built straight from the IR:
// no script, no libnftables, and no read of the table before writing (the
// cost libnftables pays on every transaction).
//
// - SendFull / SendDelta / SendDelete: one NFNL batch (BATCH_BEGIN ... END)
//   per call, in the same order as RenderFull / RenderDelta / RenderDelete,
//   so each is atomic: the kernel applies all of it or nothing. Every answer
//   is read; the first refusal becomes the Status (errno mapped: ENOENT ->
//   NotFound, EEXIST -> AlreadyExists, EINVAL/EOPNOTSUPP/ELOOP/... ->
//   Invalid, ENOMEM/ENOBUFS/EBUSY -> Unavailable, else Internal) naming the
//   object ("add rule #2 of chain X", "add elements of map M", ...) and the
//   kernel's extended-ack text when there is one.
// - When the table holds something the translator (nftnl_translate.h) does
//   not cover, or an interval set with elements, nothing is sent and the
//   outcome says why (sent == false): the Applier then uses the script path.
// - ReadTable: netlink dumps of this table's chains, rules (counted per
//   chain, not decoded), sets, and the element count of each non-dynamic set.
// - Run / ListTableJson: libnftables, as NewLibnftablesExecutor().
//
// One netlink socket, opened on first use and reused. Not thread-safe: one
// caller at a time (as the Applier). Needs CAP_NET_ADMIN in the network
// namespace it programs.
#pragma once

#include <memory>

#include "nft/executor.h"

namespace netkube::nft {

std::unique_ptr<Executor> NewNftnlExecutor();

}  // namespace netkube::nft
