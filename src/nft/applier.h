// Applier: moves netkube's own nftables table to a desired Table, one atomic
// transaction per call, touching nothing outside that table.
//
// It remembers the last table it applied successfully. Apply() sends only the
// delta against it (Diff + RenderDelta); the first call, a call after a
// failure, and a delta that needs it (Diff says full_replace) send a full
// replace (RenderFull). Heal() first reads the kernel's table back and does a
// full replace when it no longer matches what was applied (flushed, deleted
// or edited by hand), so a periodic resync repairs drift.
//
// Each transaction is offered to the Executor's direct path first (a netlink
// batch built from the IR, Executor::SendFull/SendDelta/SendDelete); when the
// executor cannot express it, the script is rendered and run instead (logged
// once per transaction). The kernel ends in the same state either way.
//
// Not thread-safe: one reconcile loop owns an Applier. Owns its Executor.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nft/diff.h"
#include "nft/executor.h"
#include "nft/ruleset.h"
#include "util/status.h"

namespace netkube::nft {

class Applier {
 public:
  explicit Applier(std::unique_ptr<Executor> executor);

  // What the last successful call did, for logs and metrics.
  struct Result {
    bool full = false;        // a full replace was sent
    bool noop = false;        // nothing to send (delta empty)
    size_t changes = 0;       // chains + rules + elements in the script
    size_t script_bytes = 0;  // bytes sent: the script, or the netlink batch
    std::string reason;       // why a full replace
    bool direct = false;      // sent as a netlink batch (no script)
    std::string fallback;     // why the script path was used instead of a batch
  };

  // Validates `desired`, then applies the delta (or a full replace, see above).
  // Errors: Invalid for a bad table (nothing sent). When the kernel refused
  // the transaction (nothing changed; the next call does a full replace):
  // Internal with nft's text on the script path; on the batch path a Status
  // from the kernel's errno (NotFound, AlreadyExists, Invalid, Unavailable,
  // Internal) naming the object that was refused.
  Status Apply(const Table& desired);
  // Always a full replace of the table.
  Status ApplyFull(const Table& desired);

  // The chains and sets/maps that may differ between the last applied table
  // and the one passed to ApplyChanged (added, changed or removed).
  struct Changed {
    std::vector<std::string> chains;
    std::vector<std::string> sets;
  };
  // Apply() for a caller that tracks its own changes (e.g. the services that
  // changed since the last sync): validates, diffs and remembers only the
  // named objects, so the cost is O(changes) instead of O(table) (at 10,000
  // services: well under 1 ms instead of ~75 ms). Same errors as Apply(); no
  // applied table yet, or a change Diff cannot apply in place -> full replace.
  // REQUIRES: `desired` differs from the last applied table only in the
  // named objects. An unnamed difference is not sent (the next Apply, Heal
  // or ApplyFull sends it).
  Status ApplyChanged(const Table& desired, const Changed& changed);
  // Reads the table back; full replace when it differs from the last applied
  // table (or none was applied), else as Apply().
  Status Heal(const Table& desired);
  // Deletes the table if it exists (no-op otherwise) and forgets it.
  Status Remove(Family family, const std::string& name);

  // Takes `applied` as the table last applied, for a short-lived process
  // that keeps what it applied elsewhere (netkube-cni: on disk). Nothing is
  // sent. The next Heal reads the kernel back and sends only the delta from
  // `applied` when the kernel still matches it, else a full replace; Apply
  // and ApplyChanged trust it without reading.
  // REQUIRES: Validate(applied).ok().
  void Assume(Table applied) { applied_ = std::move(applied); }

  const std::optional<Table>& last_applied() const { return applied_; }
  const Result& last_result() const { return result_; }

 private:
  // Sends `direct` if the executor took it, else runs render(); records how
  // in *r. On failure forgets the applied table.
  template <typename Render>
  Status Transmit(BatchOutcome direct, Render render, Result* r);
  // Apply's and ApplyChanged's common half: a full replace when `d` needs
  // one, else sends `d` (if any) and remembers the result, as `desired`
  // whole or by advancing the remembered table along `d`.
  Status SendDiff(const Table& desired, const Delta& d, bool remember_whole);
  void Advance(const Table& desired, const Delta& d);
  // Transmit, then remember `desired` (nullptr: nothing) and r.
  template <typename Render>
  Status Send(BatchOutcome direct, Render render, const Table* desired, Result r);

  std::unique_ptr<Executor> executor_;
  std::optional<Table> applied_;
  Result result_;
};

}  // namespace netkube::nft
