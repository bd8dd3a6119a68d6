// Building nf_tables netlink batches from the IR (libnftnl message builders,
// no I/O). Used by the netlink executor (nftnl_executor.h); separate so the
// message layout can be inspected without a kernel.
//
// A Batch is one NFNL batch: BATCH_BEGIN, the messages, BATCH_END, in a few
// fixed-size chunks (never copied as the batch grows), sent with a single
// sendmsg() of one iovec per chunk: the kernel sees one batch. Only the last object
// message asks for an ack; the kernel answers every refused message with an
// error carrying its sequence number, which Describe() turns into the object.
// A Batch keeps pointers to the names in the Table / Delta it was built from:
// they must outlive it. Not thread-safe; a plain value otherwise.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nft/diff.h"
#include "nft/ruleset.h"
#include "util/status.h"

struct nlmsghdr;

namespace netkube::nft::nftnl {

class Batch {
 public:
  // Numbers messages from `seq` (BATCH_BEGIN) upwards.
  Batch(Family family, const std::string& table, uint32_t seq);
  ~Batch();
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  // Message builders, in the order they are to be applied. Add* that
  // translate text return Invalid "unsupported ..." (nothing is added then).
  void AddTable();
  void DeleteTable();
  Status AddSet(const Set& set);
  void AddChain(const Chain& chain);
  Status AddRule(const std::string& chain, const std::string& rule, uint32_t index);
  void FlushChain(const std::string& chain);
  void DeleteChain(const std::string& chain);
  void DeleteSet(const std::string& set);
  // Elements as (key, value) pairs; value "" for plain sets.
  Status AddElements(const Set& set, const std::vector<std::pair<const std::string*, const std::string*>>& elems);
  Status DeleteElements(const Set& set, const std::vector<const std::string*>& keys);

  // Closes the batch (ack on the last message, BATCH_END). REQUIRES: once.
  void Finish();

  // One (pointer, length) per chunk, in order.
  std::vector<std::pair<const char*, size_t>> chunks() const;
  size_t size() const { return total_; }
  size_t messages() const { return ops_.size(); }
  uint32_t begin_seq() const { return seq0_; }
  uint32_t ack_seq() const { return ack_seq_; }  // the message whose ack ends the answers
  uint32_t next_seq() const { return seq_; }
  // "add rule #3 of chain X", "add elements of map M (from #1000)", ... for
  // the message with this sequence number.
  std::string Describe(uint32_t seq) const;

 private:
  struct Op {
    uint8_t kind;
    const std::string* name;
    uint32_t index;
  };
  char* Room();
  ::nlmsghdr* Begin(uint16_t type, uint16_t flags, Op op);
  void End(::nlmsghdr* nlh);
  Status Elements(const Set& set, bool add, const std::vector<const std::string*>& keys,
                  const std::vector<const std::string*>* values);

  Family family_;
  uint16_t nfproto_;
  const std::string& table_;
  struct Chunk {
    std::unique_ptr<char[]> data;
    size_t used = 0;
  };
  std::vector<Chunk> chunks_;
  size_t total_ = 0;
  char* last_msg_ = nullptr;  // the last object message
  uint32_t seq0_, seq_, ack_seq_ = 0;
  uint32_t set_id_ = 1;
  std::vector<Op> ops_;
};

// The batches of RenderFull / RenderDelta / RenderDelete, finished.
// Invalid "unsupported ..." when something cannot be expressed (the caller
// falls back to the script).
StatusOr<std::unique_ptr<Batch>> BuildFull(const Table& table, uint32_t seq);
StatusOr<std::unique_ptr<Batch>> BuildDelta(const Table& desired, const Delta& delta, uint32_t seq);
std::unique_ptr<Batch> BuildDelete(Family family, const std::string& name, uint32_t seq);

}  // namespace netkube::nft::nftnl
