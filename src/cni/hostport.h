// Hostports: netkube-cni's portMappings on one node, the state and the
// kernel side of hostport_table.h.
//
// State: one record per container in `dir` (CONTAINERID.json: pod IP and
// mappings, written only once the kernel has them) and a lock file. Plugin
// processes of one node run concurrently, so every change holds an exclusive
// flock(2) on DIR/lock while it
//   1. loads the records (the table they compile to is what was applied),
//   2. compiles the table before and after the change,
//   3. applies it with nft::Applier: Assume(before), then Heal(after) reads
//      the kernel's table back and sends only the change (one container's
//      chain and map elements, O(1) in the other containers) when the kernel
//      still matches, else a full replace that heals a table flushed,
//      deleted or edited by hand; the last container gone deletes the table,
//   4. writes or removes the record.
// A crash between 3 and 4 leaves the kernel off the records; the next change
// sees that and replaces the table from the records.
//
// Thread-safety: safe across processes and threads (the flock); each call
// runs the executor in the calling thread's network namespace (the node's).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cni/hostport_table.h"
#include "nft/applier.h"
#include "nft/executor.h"
#include "util/status.h"

namespace netkube::cni {

class Hostports {
 public:
  // The executor is used only when the kernel must be read or changed.
  Hostports(std::string dir, std::unique_ptr<nft::Executor> executor);

  // Programs `entry` (replacing an earlier record of the same container).
  // Conflict when another container holds one of its (hostIP, protocol,
  // hostPort); nothing changes then. Mappings that cannot be programmed
  // (hostPort_table.h) are left out, the rest is.
  Status Add(const HostportEntry& entry);
  // Removes what Add programmed for the container. OK, without touching the
  // kernel, when it has no record (never added, or deleted before).
  Status Del(const std::string& container_id);
  // CHECK: the record equals `entry` (pod IP and mappings), and the kernel
  // holds its chain and map elements. An empty `entry.mappings` with no
  // record is OK.
  Status Check(const HostportEntry& entry);
  // Removes the records (and rules) of every container not in `keep`.
  Status Gc(const std::vector<std::string>& keep);

  // What the last change left out (hostport_table.h's skipped list).
  const std::vector<std::string>& skipped() const { return skipped_; }

 private:
  std::string RecordPath(const std::string& container_id) const;
  StatusOr<std::vector<HostportEntry>> LoadRecords() const;
  // Steps 2-3 for records `before` -> `after`.
  Status Apply(const std::vector<HostportEntry>& before, const std::vector<HostportEntry>& after);

  std::string dir_;
  nft::Executor* executor_;  // owned by applier_
  nft::Applier applier_;
  std::vector<std::string> skipped_;
};

// A record's JSON ({"containerID", "podIP", "portMappings"}) and back.
std::string HostportEntryToJson(const HostportEntry& entry);
StatusOr<HostportEntry> ParseHostportEntry(const std::string& json);

}  // namespace netkube::cni
