#include "nft/nftnl_batch.h"

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include <algorithm>

#include "nft/nftnl_translate.h"

namespace netkube::nft::nftnl {
namespace {

// Room kept free before each message: more than the largest one we build
// (element messages are cut at kElemChunkBytes).
constexpr size_t kRoom = 128 * 1024;
constexpr size_t kChunkBytes = 4 * 1024 * 1024;
constexpr size_t kElemChunkBytes = 32 * 1024;

enum OpKind : uint8_t {
  kOpBegin, kOpAddTable, kOpDeleteTable, kOpAddSet, kOpAddChain, kOpAddRule, kOpFlushChain,
  kOpDeleteChain, kOpDeleteSet, kOpAddElements, kOpDeleteElements,
};

uint32_t HookNum(const std::string& hook) {
  if (hook == "prerouting") return NF_INET_PRE_ROUTING;
  if (hook == "input") return NF_INET_LOCAL_IN;
  if (hook == "forward") return NF_INET_FORWARD;
  if (hook == "output") return NF_INET_LOCAL_OUT;
  return NF_INET_POST_ROUTING;
}

nftnl_expr* MakeExpr(const Expr& e) {
  auto make = [](const char* name) { return nftnl_expr_alloc(name); };
  nftnl_expr* x = nullptr;
  switch (e.kind) {
    case Expr::Kind::kMetaLoad:
      x = make("meta");
      nftnl_expr_set_u32(x, NFTNL_EXPR_META_KEY, e.key);
      nftnl_expr_set_u32(x, NFTNL_EXPR_META_DREG, e.dreg);
      break;
    case Expr::Kind::kMetaSet:
      x = make("meta");
      nftnl_expr_set_u32(x, NFTNL_EXPR_META_KEY, e.key);
      nftnl_expr_set_u32(x, NFTNL_EXPR_META_SREG, e.sreg);
      break;
    case Expr::Kind::kPayload:
      x = make("payload");
      nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_DREG, e.dreg);
      nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_BASE, e.base);
      nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_OFFSET, e.offset);
      nftnl_expr_set_u32(x, NFTNL_EXPR_PAYLOAD_LEN, e.len);
      break;
    case Expr::Kind::kCmp:
      x = make("cmp");
      nftnl_expr_set_u32(x, NFTNL_EXPR_CMP_SREG, e.sreg);
      nftnl_expr_set_u32(x, NFTNL_EXPR_CMP_OP, e.op == kCmpEq ? NFT_CMP_EQ : NFT_CMP_NEQ);
      nftnl_expr_set(x, NFTNL_EXPR_CMP_DATA, e.data.data(), e.data.size());
      break;
    case Expr::Kind::kBitwise:
      x = make("bitwise");
      nftnl_expr_set_u32(x, NFTNL_EXPR_BITWISE_SREG, e.sreg);
      nftnl_expr_set_u32(x, NFTNL_EXPR_BITWISE_DREG, e.dreg);
      nftnl_expr_set_u32(x, NFTNL_EXPR_BITWISE_LEN, e.len);
      nftnl_expr_set(x, NFTNL_EXPR_BITWISE_MASK, e.mask.data(), e.mask.size());
      nftnl_expr_set(x, NFTNL_EXPR_BITWISE_XOR, e.xor_data.data(), e.xor_data.size());
      break;
    case Expr::Kind::kCtLoad:
      x = make("ct");
      nftnl_expr_set_u32(x, NFTNL_EXPR_CT_KEY, e.key);
      nftnl_expr_set_u32(x, NFTNL_EXPR_CT_DREG, e.dreg);
      break;
    case Expr::Kind::kFib:
      x = make("fib");
      nftnl_expr_set_u32(x, NFTNL_EXPR_FIB_DREG, e.dreg);
      nftnl_expr_set_u32(x, NFTNL_EXPR_FIB_RESULT, e.key);
      nftnl_expr_set_u32(x, NFTNL_EXPR_FIB_FLAGS, e.flags);
      break;
    case Expr::Kind::kNumgen:
      x = make("numgen");
      nftnl_expr_set_u32(x, NFTNL_EXPR_NG_DREG, e.dreg);
      nftnl_expr_set_u32(x, NFTNL_EXPR_NG_MODULUS, e.modulus);
      nftnl_expr_set_u32(x, NFTNL_EXPR_NG_TYPE, e.type);
      nftnl_expr_set_u32(x, NFTNL_EXPR_NG_OFFSET, 0);
      break;
    case Expr::Kind::kLookup:
      x = make("lookup");
      nftnl_expr_set_u32(x, NFTNL_EXPR_LOOKUP_SREG, e.sreg);
      nftnl_expr_set_str(x, NFTNL_EXPR_LOOKUP_SET, e.name.c_str());
      if (e.has_dreg) nftnl_expr_set_u32(x, NFTNL_EXPR_LOOKUP_DREG, e.dreg);
      break;
    case Expr::Kind::kDynset:
      x = make("dynset");
      nftnl_expr_set_u32(x, NFTNL_EXPR_DYNSET_SREG_KEY, e.sreg);
      nftnl_expr_set_u32(x, NFTNL_EXPR_DYNSET_OP, e.op);
      nftnl_expr_set_str(x, NFTNL_EXPR_DYNSET_SET_NAME, e.name.c_str());
      break;
    case Expr::Kind::kImmediate:
      x = make("immediate");
      nftnl_expr_set_u32(x, NFTNL_EXPR_IMM_DREG, e.dreg);
      nftnl_expr_set(x, NFTNL_EXPR_IMM_DATA, e.data.data(), e.data.size());
      break;
    case Expr::Kind::kVerdict:
      x = make("immediate");
      nftnl_expr_set_u32(x, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
      nftnl_expr_set_u32(x, NFTNL_EXPR_IMM_VERDICT, static_cast<uint32_t>(e.verdict));
      if (!e.name.empty()) nftnl_expr_set_str(x, NFTNL_EXPR_IMM_CHAIN, e.name.c_str());
      break;
    case Expr::Kind::kCounter:
      x = make("counter");
      break;
    case Expr::Kind::kReject:
      x = make("reject");
      nftnl_expr_set_u32(x, NFTNL_EXPR_REJECT_TYPE, e.type);
      nftnl_expr_set_u8(x, NFTNL_EXPR_REJECT_CODE, static_cast<uint8_t>(e.code));
      break;
    case Expr::Kind::kNat:
      x = make("nat");
      nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_TYPE, e.type);
      nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_FAMILY, e.family);
      nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_REG_ADDR_MIN, 1);
      nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_REG_PROTO_MIN, 2);
      nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_FLAGS, e.flags);
      break;
    case Expr::Kind::kMasq:
      x = make("masq");
      break;
  }
  return x;
}

}  // namespace

Batch::Batch(Family family, const std::string& table, uint32_t seq)
    : family_(family),
      nfproto_(family == Family::kInet ? NFPROTO_INET : NFPROTO_IPV4),
      table_(table),
      seq0_(seq),
      seq_(seq) {
  nlmsghdr* h = nftnl_batch_begin(Room(), seq_++);
  chunks_.back().used += NLMSG_ALIGN(h->nlmsg_len);
  total_ += NLMSG_ALIGN(h->nlmsg_len);
}

Batch::~Batch() = default;

char* Batch::Room() {
  if (chunks_.empty() || kChunkBytes - chunks_.back().used < kRoom) {
    chunks_.push_back(Chunk{std::unique_ptr<char[]>(new char[kChunkBytes]), 0});
  }
  return chunks_.back().data.get() + chunks_.back().used;
}

std::vector<std::pair<const char*, size_t>> Batch::chunks() const {
  std::vector<std::pair<const char*, size_t>> out;
  for (const auto& c : chunks_) out.emplace_back(c.data.get(), c.used);
  return out;
}

nlmsghdr* Batch::Begin(uint16_t type, uint16_t flags, Op op) {
  ops_.push_back(op);
  return nftnl_nlmsg_build_hdr(Room(), type, nfproto_, flags, seq_++);
}

void Batch::End(nlmsghdr* nlh) {
  last_msg_ = reinterpret_cast<char*>(nlh);
  chunks_.back().used += NLMSG_ALIGN(nlh->nlmsg_len);
  total_ += NLMSG_ALIGN(nlh->nlmsg_len);
}

void Batch::AddTable() {
  nftnl_table* t = nftnl_table_alloc();
  nftnl_table_set_str(t, NFTNL_TABLE_NAME, table_.c_str());
  nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, nfproto_);
  nlmsghdr* h = Begin(NFT_MSG_NEWTABLE, NLM_F_CREATE, {kOpAddTable, &table_, 0});
  nftnl_table_nlmsg_build_payload(h, t);
  nftnl_table_free(t);
  End(h);
}

void Batch::DeleteTable() {
  nftnl_table* t = nftnl_table_alloc();
  nftnl_table_set_str(t, NFTNL_TABLE_NAME, table_.c_str());
  nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, nfproto_);
  nlmsghdr* h = Begin(NFT_MSG_DELTABLE, 0, {kOpDeleteTable, &table_, 0});
  nftnl_table_nlmsg_build_payload(h, t);
  nftnl_table_free(t);
  End(h);
}

Status Batch::AddSet(const Set& set) {
  auto key = ParseKeyType(set.key_type);
  if (!key.ok()) return key.status();
  auto flags = SetFlags(set);
  if (!flags.ok()) return flags.status();
  if (set.is_map() && set.data_type != "verdict") {
    return Status::Invalid("nft batch: unsupported map data type \"" + set.data_type + "\"");
  }
  nftnl_set* s = nftnl_set_alloc();
  nftnl_set_set_str(s, NFTNL_SET_TABLE, table_.c_str());
  nftnl_set_set_str(s, NFTNL_SET_NAME, set.name.c_str());
  nftnl_set_set_u32(s, NFTNL_SET_FAMILY, nfproto_);
  nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, key->type_id);
  nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, key->len);
  nftnl_set_set_u32(s, NFTNL_SET_FLAGS, *flags);
  nftnl_set_set_u32(s, NFTNL_SET_ID, set_id_++);
  if (set.is_map()) nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
  if (set.timeout_seconds > 0) nftnl_set_set_u64(s, NFTNL_SET_TIMEOUT, uint64_t(set.timeout_seconds) * 1000);
  nlmsghdr* h = Begin(NFT_MSG_NEWSET, NLM_F_CREATE, {kOpAddSet, &set.name, 0});
  nftnl_set_nlmsg_build_payload(h, s);
  nftnl_set_free(s);
  End(h);
  return Status::OK();
}

void Batch::AddChain(const Chain& chain) {
  nftnl_chain* c = nftnl_chain_alloc();
  nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table_.c_str());
  nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, chain.name.c_str());
  nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, nfproto_);
  if (chain.base) {
    nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, HookNum(chain.base->hook));
    nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, chain.base->priority);
    nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, chain.base->type.c_str());
    nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, chain.base->policy == "drop" ? NF_DROP : NF_ACCEPT);
  }
  nlmsghdr* h = Begin(NFT_MSG_NEWCHAIN, NLM_F_CREATE, {kOpAddChain, &chain.name, 0});
  nftnl_chain_nlmsg_build_payload(h, c);
  nftnl_chain_free(c);
  End(h);
}

Status Batch::AddRule(const std::string& chain, const std::string& rule, uint32_t index) {
  auto exprs = TranslateRule(rule, family_);
  if (!exprs.ok()) {
    return Status::Invalid(exprs.status().message() + " in rule \"" + rule + "\" of chain " + chain);
  }
  nftnl_rule* r = nftnl_rule_alloc();
  nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table_.c_str());
  nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain.c_str());
  nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, nfproto_);
  for (const auto& e : *exprs) nftnl_rule_add_expr(r, MakeExpr(e));
  nlmsghdr* h = Begin(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, {kOpAddRule, &chain, index});
  nftnl_rule_nlmsg_build_payload(h, r);
  nftnl_rule_free(r);
  End(h);
  return Status::OK();
}

void Batch::FlushChain(const std::string& chain) {
  nftnl_rule* r = nftnl_rule_alloc();
  nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table_.c_str());
  nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain.c_str());
  nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, nfproto_);
  nlmsghdr* h = Begin(NFT_MSG_DELRULE, 0, {kOpFlushChain, &chain, 0});
  nftnl_rule_nlmsg_build_payload(h, r);
  nftnl_rule_free(r);
  End(h);
}

void Batch::DeleteChain(const std::string& chain) {
  nftnl_chain* c = nftnl_chain_alloc();
  nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table_.c_str());
  nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, chain.c_str());
  nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, nfproto_);
  nlmsghdr* h = Begin(NFT_MSG_DELCHAIN, 0, {kOpDeleteChain, &chain, 0});
  nftnl_chain_nlmsg_build_payload(h, c);
  nftnl_chain_free(c);
  End(h);
}

void Batch::DeleteSet(const std::string& set) {
  nftnl_set* s = nftnl_set_alloc();
  nftnl_set_set_str(s, NFTNL_SET_TABLE, table_.c_str());
  nftnl_set_set_str(s, NFTNL_SET_NAME, set.c_str());
  nftnl_set_set_u32(s, NFTNL_SET_FAMILY, nfproto_);
  nlmsghdr* h = Begin(NFT_MSG_DELSET, 0, {kOpDeleteSet, &set, 0});
  nftnl_set_nlmsg_build_payload(h, s);
  nftnl_set_free(s);
  End(h);
}

Status Batch::Elements(const Set& set, bool add, const std::vector<const std::string*>& keys,
                       const std::vector<const std::string*>* values) {
  if (keys.empty()) return Status::OK();
  for (const auto& f : set.flags) {
    if (f == "interval") return Status::Invalid("nft batch: unsupported elements of interval set " + set.name);
  }
  auto type = ParseKeyType(set.key_type);
  if (!type.ok()) return type.status();
  // Encode everything first, so an unsupported element adds nothing.
  std::vector<Bytes> encoded;
  std::vector<VerdictValue> verdicts;
  encoded.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    auto k = EncodeKey(*type, *keys[i]);
    if (!k.ok()) return Status::Invalid(k.status().message() + " in set " + set.name);
    encoded.push_back(std::move(*k));
    if (add && set.is_map()) {
      auto v = ParseVerdict(*(*values)[i]);
      if (!v.ok()) return Status::Invalid(v.status().message() + " in map " + set.name);
      verdicts.push_back(std::move(*v));
    }
  }
  size_t i = 0;
  while (i < keys.size()) {
    nftnl_set* s = nftnl_set_alloc();
    nftnl_set_set_str(s, NFTNL_SET_TABLE, table_.c_str());
    nftnl_set_set_str(s, NFTNL_SET_NAME, set.name.c_str());
    nftnl_set_set_u32(s, NFTNL_SET_FAMILY, nfproto_);
    uint32_t first = static_cast<uint32_t>(i);
    size_t bytes = 0;
    for (; i < keys.size() && bytes < kElemChunkBytes; ++i) {
      nftnl_set_elem* e = nftnl_set_elem_alloc();
      nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, encoded[i].data(), encoded[i].size());
      bytes += 32 + encoded[i].size();
      if (add && set.is_map()) {
        nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT, static_cast<uint32_t>(verdicts[i].verdict));
        if (!verdicts[i].chain.empty()) {
          nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN, verdicts[i].chain.c_str());
          bytes += verdicts[i].chain.size() + 8;
        }
      }
      nftnl_set_elem_add(s, e);
    }
    nlmsghdr* h = add ? Begin(NFT_MSG_NEWSETELEM, NLM_F_CREATE, {kOpAddElements, &set.name, first})
                      : Begin(NFT_MSG_DELSETELEM, 0, {kOpDeleteElements, &set.name, first});
    nftnl_set_elems_nlmsg_build_payload(h, s);
    nftnl_set_free(s);
    End(h);
  }
  return Status::OK();
}

Status Batch::AddElements(const Set& set,
                          const std::vector<std::pair<const std::string*, const std::string*>>& elems) {
  std::vector<const std::string*> keys, values;
  keys.reserve(elems.size());
  values.reserve(elems.size());
  for (const auto& [k, v] : elems) {
    keys.push_back(k);
    values.push_back(v);
  }
  return Elements(set, true, keys, &values);
}

Status Batch::DeleteElements(const Set& set, const std::vector<const std::string*>& keys) {
  return Elements(set, false, keys, nullptr);
}

void Batch::Finish() {
  if (!ops_.empty()) {
    auto* last = reinterpret_cast<nlmsghdr*>(last_msg_);
    last->nlmsg_flags |= NLM_F_ACK;
    ack_seq_ = last->nlmsg_seq;
  } else {
    ack_seq_ = seq0_;
  }
  nlmsghdr* h = nftnl_batch_end(Room(), seq_++);
  chunks_.back().used += NLMSG_ALIGN(h->nlmsg_len);
  total_ += NLMSG_ALIGN(h->nlmsg_len);
}

std::string Batch::Describe(uint32_t seq) const {
  if (seq == seq0_ || seq <= seq0_ || seq - seq0_ - 1 >= ops_.size()) return "the batch";
  const Op& op = ops_[seq - seq0_ - 1];
  const std::string& n = *op.name;
  switch (op.kind) {
    case kOpAddTable: return "add table " + n;
    case kOpDeleteTable: return "delete table " + n;
    case kOpAddSet: return "add set " + n;
    case kOpAddChain: return "add chain " + n;
    case kOpAddRule: return "add rule #" + std::to_string(op.index + 1) + " of chain " + n;
    case kOpFlushChain: return "flush chain " + n;
    case kOpDeleteChain: return "delete chain " + n;
    case kOpDeleteSet: return "delete set " + n;
    case kOpAddElements: return "add elements of set " + n + " (from #" + std::to_string(op.index + 1) + ")";
    case kOpDeleteElements: return "delete elements of set " + n + " (from #" + std::to_string(op.index + 1) + ")";
  }
  return "the batch";
}

namespace {

Status AddRules(Batch* b, const Chain& c) {
  for (size_t i = 0; i < c.rules.size(); ++i) {
    if (Status s = b->AddRule(c.name, c.rules[i], static_cast<uint32_t>(i)); !s.ok()) return s;
  }
  return Status::OK();
}

}  // namespace

StatusOr<std::unique_ptr<Batch>> BuildFull(const Table& t, uint32_t seq) {
  auto b = std::make_unique<Batch>(t.family, t.name, seq);
  b->AddTable();
  b->DeleteTable();
  b->AddTable();
  for (const auto& [_, s] : t.sets) {
    if (Status st = b->AddSet(s); !st.ok()) return st;
  }
  for (const auto& [_, c] : t.chains) b->AddChain(c);
  for (const auto& [_, c] : t.chains) {
    if (Status st = AddRules(b.get(), c); !st.ok()) return st;
  }
  for (const auto& [_, s] : t.sets) {
    std::vector<std::pair<const std::string*, const std::string*>> elems;
    elems.reserve(s.elements.size());
    for (const auto& [k, v] : s.elements) elems.emplace_back(&k, &v);
    if (Status st = b->AddElements(s, elems); !st.ok()) return st;
  }
  b->Finish();
  return b;
}

StatusOr<std::unique_ptr<Batch>> BuildDelta(const Table& t, const Delta& d, uint32_t seq) {
  auto b = std::make_unique<Batch>(t.family, t.name, seq);
  for (const auto& name : d.add_sets) {
    if (Status st = b->AddSet(t.sets.at(name)); !st.ok()) return st;
  }
  for (const auto& name : d.add_chains) b->AddChain(t.chains.at(name));
  for (const auto& name : d.refill_chains) b->FlushChain(name);
  for (const auto& name : d.delete_chains) b->FlushChain(name);
  for (const auto& name : d.add_chains) {
    if (Status st = AddRules(b.get(), t.chains.at(name)); !st.ok()) return st;
  }
  for (const auto& name : d.refill_chains) {
    if (Status st = AddRules(b.get(), t.chains.at(name)); !st.ok()) return st;
  }
  // Element deletions name sets that may be gone from `desired` only if the
  // set itself is deleted, in which case Diff lists no element changes.
  for (const auto& sd : d.set_changes) {
    std::vector<const std::string*> keys;
    keys.reserve(sd.remove.size());
    for (const auto& k : sd.remove) keys.push_back(&k);
    if (Status st = b->DeleteElements(t.sets.at(sd.set), keys); !st.ok()) return st;
  }
  for (const auto& sd : d.set_changes) {
    std::vector<std::pair<const std::string*, const std::string*>> elems;
    elems.reserve(sd.add.size());
    for (const auto& [k, v] : sd.add) elems.emplace_back(&k, &v);
    if (Status st = b->AddElements(t.sets.at(sd.set), elems); !st.ok()) return st;
  }
  for (const auto& name : d.delete_chains) b->DeleteChain(name);
  for (const auto& name : d.delete_sets) b->DeleteSet(name);
  for (const auto& name : d.delete_maps) b->DeleteSet(name);
  b->Finish();
  return b;
}

std::unique_ptr<Batch> BuildDelete(Family family, const std::string& name, uint32_t seq) {
  auto b = std::make_unique<Batch>(family, name, seq);
  b->AddTable();
  b->DeleteTable();
  b->Finish();
  return b;
}

}  // namespace netkube::nft::nftnl
