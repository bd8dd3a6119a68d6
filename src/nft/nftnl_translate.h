// Translating netkube's rule text and set elements into nf_tables bytecode:
// the register-machine expressions the kernel runs, as `nft` itself would
// emit them for the same text (same expressions, registers, byte order and
// protocol dependencies), so a table written this way lists identically.
//
// The grammar is the closed set of shapes RuleBuilder (rule.h) emits; the
// tokenizer and translator here know nothing else. Text outside it is not an
// error of the table: Translate* return Status Invalid with "unsupported ..."
// and the caller (the netlink batch executor) falls back to the libnftables
// script path for that transaction.
//
// Pure: no libnftnl, no I/O; thread-safe. Values are plain structs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nft/ruleset.h"
#include "util/status.h"

namespace netkube::nft::nftnl {

using Bytes = std::vector<uint8_t>;

// One expression. Which fields matter depends on `kind` (see comments).
struct Expr {
  enum class Kind {
    kMetaLoad,   // key -> dreg
    kMetaSet,    // key <- sreg
    kPayload,    // base, offset, len -> dreg
    kCmp,        // sreg op data
    kBitwise,    // dreg = (sreg & mask) ^ xor_data; len
    kCtLoad,     // key -> dreg
    kFib,        // flags (saddr/daddr), result -> dreg
    kNumgen,     // random mod modulus -> dreg
    kLookup,     // sreg in set; has_dreg: dreg = verdict (0) for a vmap
    kDynset,     // update set with sreg
    kImmediate,  // data -> dreg
    kVerdict,    // verdict (+ chain) -> verdict register
    kCounter,
    kReject,     // type, code
    kNat,        // dnat ip: addr in reg 1, proto in reg 2, flags
    kMasq,
  };
  Kind kind;
  uint32_t key = 0;          // meta / ct key; fib result
  uint32_t dreg = 0;
  uint32_t sreg = 0;
  uint32_t base = 0;         // payload base
  uint32_t offset = 0;
  uint32_t len = 0;          // payload / bitwise length
  uint32_t op = 0;           // cmp op (kCmpEq / kCmpNeq)
  uint32_t flags = 0;        // fib flags; nat flags
  uint32_t modulus = 0;      // numgen
  uint32_t type = 0;         // reject type; nat type
  uint32_t code = 0;         // reject code
  uint32_t family = 0;       // nat family
  bool has_dreg = false;     // lookup: a map lookup (verdict)
  int32_t verdict = 0;       // kVerdict: NF_ACCEPT/NF_DROP/NFT_JUMP/NFT_GOTO/NFT_RETURN
  std::string name;          // lookup/dynset set; verdict chain
  Bytes data;                // cmp / immediate data
  Bytes mask;                // bitwise mask
  Bytes xor_data;            // bitwise xor
};

// Kernel constants used in Expr (values from the nf_tables UAPI).
inline constexpr uint32_t kCmpEq = 0, kCmpNeq = 1;
inline constexpr uint32_t kPayloadNetwork = 1, kPayloadTransport = 2;
inline constexpr uint32_t kMetaMark = 3, kMetaNfproto = 15, kMetaL4proto = 16;
inline constexpr uint32_t kCtState = 0;
inline constexpr uint32_t kFibResultAddrtype = 3, kFibSaddr = 1, kFibDaddr = 2;
inline constexpr int32_t kVerdictDrop = 0, kVerdictAccept = 1, kVerdictJump = -3, kVerdictGoto = -4,
                         kVerdictReturn = -5;

// The expressions for one rule (the text after "add rule FAMILY TABLE CHAIN").
// Invalid "unsupported ..." for text outside RuleBuilder's shapes or a
// combination nft itself would refuse (conflicting protocols).
StatusOr<std::vector<Expr>> TranslateRule(std::string_view rule, Family family);

// nft --debug=netlink style text of expressions, one "[ ... ]" per line
// (for tests and error messages).
std::string DebugString(const std::vector<Expr>& exprs);

// A set's key or data type: "ipv4_addr", "inet_proto", "inet_service",
// "mark" and concatenations of them ("ipv4_addr . inet_proto . inet_service").
struct KeyType {
  uint32_t type_id = 0;             // nft datatype id; concatenations combined 6 bits per field
  uint32_t len = 0;                 // key bytes (each concatenated field padded to 4)
  std::vector<uint32_t> field_len;  // unpadded byte length of each field
  std::vector<uint32_t> field_type; // datatype id of each field
};
StatusOr<KeyType> ParseKeyType(std::string_view text);

// An element key in nft text ("10.96.0.10 . udp . 53") as key bytes.
// Interval (CIDR/range) keys are unsupported.
StatusOr<Bytes> EncodeKey(const KeyType& type, std::string_view text);

// A verdict map value: "accept", "drop", "return", "jump CHAIN", "goto CHAIN".
struct VerdictValue {
  int32_t verdict = 0;
  std::string chain;
};
StatusOr<VerdictValue> ParseVerdict(std::string_view text);

// Set flags as the kernel knows them (NFT_SET_*), map bit included for maps.
// Unsupported for unknown flags.
StatusOr<uint32_t> SetFlags(const Set& set);

}  // namespace netkube::nft::nftnl
