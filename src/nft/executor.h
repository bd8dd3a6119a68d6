// Executor: the only part of src/nft that talks to the kernel. It runs an
// nft -f script as one transaction, reads a table back, and (optionally)
// sends the IR directly as a netlink batch, with no script at all.
//
// NewLibnftablesExecutor() uses libnftables in-process (one fresh context per
// call, so the library's cache of a large table is not kept in memory between
// syncs) and has no direct path. NewNftnlExecutor() (nftnl_executor.h) sends
// libnftnl batches. Tests use a fake. Not thread-safe: one caller at a time.
#pragma once

#include <memory>
#include <string>

#include "nft/diff.h"
#include "nft/readback.h"
#include "nft/ruleset.h"
#include "util/status.h"

namespace netkube::nft {

// What a direct (script-less) transaction did.
struct BatchOutcome {
  // false: not sent; the caller renders the script and calls Run() instead.
  bool sent = false;
  // Why not sent (empty when the executor has no direct path at all).
  std::string fallback_reason;
  Status status;     // when sent: the transaction's result (all or nothing)
  size_t bytes = 0;  // netlink bytes sent
};

class Executor {
 public:
  virtual ~Executor() = default;
  // Runs `script` (nft -f syntax) as one atomic transaction: all of it or
  // nothing. Errors: Internal with nft's error text.
  virtual Status Run(const std::string& script) = 0;
  // `nft -j list table FAMILY NAME`. NotFound when the table does not exist.
  virtual StatusOr<std::string> ListTableJson(Family family, const std::string& name) = 0;

  // The table's structure, for Heal. NotFound when the table does not exist.
  // Default: ListTableJson + ParseKernelJson.
  virtual StatusOr<KernelTable> ReadTable(Family family, const std::string& name);

  // True only when this executor knows that no nftables transaction at all
  // (by anyone) was committed since its own last successful transaction,
  // which was on this table: Heal may then skip the read-back. Default false.
  virtual bool UnchangedSinceLastSend(Family family, const std::string& name);

  // Direct transactions, each one atomic batch with the same effect as the
  // script of the same name (RenderFull / RenderDelta / RenderDelete). Nothing
  // is sent when sent == false. Default: not supported.
  // REQUIRES: Validate(desired).ok(); SendDelta: !delta.full_replace.
  virtual BatchOutcome SendFull(const Table& desired);
  virtual BatchOutcome SendDelta(const Table& desired, const Delta& delta);
  virtual BatchOutcome SendDelete(Family family, const std::string& name);
};

std::unique_ptr<Executor> NewLibnftablesExecutor();

}  // namespace netkube::nft
