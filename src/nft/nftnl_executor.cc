#include "nft/nftnl_executor.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <cstring>
#include <functional>
#include <optional>

#include "nft/nftnl_batch.h"

namespace netkube::nft {
namespace {

using nftnl::Batch;

constexpr size_t kRecvBuffer = 256 * 1024;

uint16_t Nfproto(Family f) { return f == Family::kInet ? NFPROTO_INET : NFPROTO_IPV4; }

std::string Errno(int err) { return std::string(std::strerror(err)) + " (errno " + std::to_string(err) + ")"; }

Status FromErrno(int err, const std::string& what) {
  std::string m = "nft: the kernel refused " + what + ": " + Errno(err);
  switch (err) {
    case ENOENT: return Status::NotFound(m);
    case EEXIST: return Status::AlreadyExists(m);
    case EINVAL: case EOPNOTSUPP: case ELOOP: case ERANGE: case E2BIG: case EMLINK: case ENAMETOOLONG:
      return Status::Invalid(m);
    case ENOMEM: case ENOBUFS: case EBUSY: case EAGAIN: case ENOSPC:
      return Status::Unavailable(m);
    default: return Status::Internal(m);
  }
}

// The kernel's extended-ack text of an error message, if any.
std::string ExtAck(const nlmsghdr* nlh) {
  if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) return "";
  const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
  size_t off = sizeof(nlmsgerr);
  if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) off += err->msg.nlmsg_len - sizeof(nlmsghdr);
  const char* p = static_cast<const char*>(mnl_nlmsg_get_payload(nlh)) + off;
  const char* end = reinterpret_cast<const char*>(nlh) + nlh->nlmsg_len;
  while (p + sizeof(nlattr) <= end) {
    const auto* a = reinterpret_cast<const nlattr*>(p);
    if (a->nla_len < sizeof(nlattr) || p + a->nla_len > end) break;
    if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
      return std::string(p + sizeof(nlattr), strnlen(p + sizeof(nlattr), a->nla_len - sizeof(nlattr)));
    }
    p += NLA_ALIGN(a->nla_len);
  }
  return "";
}

// Calls f(type, attr) for each attribute in [p, end).
template <typename F>
void ForEachAttr(const char* p, const char* end, F f) {
  while (p + sizeof(nlattr) <= end) {
    const auto* a = reinterpret_cast<const nlattr*>(p);
    if (a->nla_len < sizeof(nlattr) || p + a->nla_len > end) return;
    f(a->nla_type & NLA_TYPE_MASK, a);
    p += NLA_ALIGN(a->nla_len);
  }
}
template <typename F>
void ForEachMsgAttr(const nlmsghdr* nlh, F f) {
  const char* base = reinterpret_cast<const char*>(nlh);
  ForEachAttr(base + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(nfgenmsg)), base + nlh->nlmsg_len, f);
}
template <typename F>
void ForEachNested(const nlattr* a, F f) {
  const char* p = reinterpret_cast<const char*>(a);
  ForEachAttr(p + NLA_HDRLEN, p + a->nla_len, f);
}

// Reads the attribute `type` of an nf_tables message (after nfgenmsg) as a string.
const char* StrAttr(const nlattr* a) { return static_cast<const char*>(mnl_attr_get_payload(a)); }

class NftnlExecutor : public Executor {
 public:
  ~NftnlExecutor() override { Close(); }

  Status Run(const std::string& script) override {
    clean_.reset();
    return script_->Run(script);
  }
  StatusOr<std::string> ListTableJson(Family family, const std::string& name) override {
    return script_->ListTableJson(family, name);
  }

  BatchOutcome SendFull(const Table& desired) override {
    return Send(nftnl::BuildFull(desired, NextSeqBlock()), desired.family, desired.name);
  }
  BatchOutcome SendDelta(const Table& desired, const Delta& delta) override {
    return Send(nftnl::BuildDelta(desired, delta, NextSeqBlock()), desired.family, desired.name);
  }
  BatchOutcome SendDelete(Family family, const std::string& name) override {
    BatchOutcome out = Send(nftnl::BuildDelete(family, name, NextSeqBlock()), family, name);
    clean_.reset();
    return out;
  }

  bool UnchangedSinceLastSend(Family family, const std::string& name) override {
    if (!clean_ || clean_->family != family || clean_->table != name) return false;
    auto gen = GenId();
    return gen.ok() && *gen == clean_->genid;
  }

  StatusOr<KernelTable> ReadTable(Family family, const std::string& name) override;

 private:
  uint32_t NextSeqBlock() { return seq_; }

  Status Open() {
    if (nl_) return Status::OK();
    nl_ = mnl_socket_open(NETLINK_NETFILTER);
    if (!nl_) return Status::Internal("nft: netlink socket: " + Errno(errno));
    if (mnl_socket_bind(nl_, 0, MNL_SOCKET_AUTOPID) < 0) {
      int e = errno;
      Close();
      return Status::Internal("nft: netlink bind: " + Errno(e));
    }
    portid_ = mnl_socket_get_portid(nl_);
    int one = 1;
    mnl_socket_setsockopt(nl_, NETLINK_CAP_ACK, &one, sizeof one);
    mnl_socket_setsockopt(nl_, NETLINK_EXT_ACK, &one, sizeof one);
    int fd = mnl_socket_get_fd(nl_);
    int rcv = 4 * 1024 * 1024;  // room for many error answers at once
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof rcv);
    timeval tv{60, 0};  // a kernel that never answers must not hang the sync loop
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sndbuf_ = 0;
    rbuf_.resize(kRecvBuffer);
    return Status::OK();
  }

  void Close() {
    if (nl_) mnl_socket_close(nl_);
    nl_ = nullptr;
  }

  // Discards answers left over from an earlier, interrupted exchange.
  void Drain() {
    int fd = mnl_socket_get_fd(nl_);
    while (recv(fd, rbuf_.data(), rbuf_.size(), MSG_DONTWAIT) > 0) {
    }
  }

  BatchOutcome Send(StatusOr<std::unique_ptr<Batch>> built, Family family, const std::string& table) {
    BatchOutcome out;
    clean_.reset();
    if (!built.ok()) {
      out.fallback_reason = built.status().message();
      return out;
    }
    Batch& b = **built;
    seq_ = b.next_seq();
    out.sent = true;
    out.bytes = b.size();
    // The generation id before and after: when ours was the only commit in
    // between, a later unchanged id proves nobody touched the ruleset since.
    auto before = GenId();
    out.status = Transact(b);
    if (out.status.ok() && before.ok()) {
      auto after = GenId();
      if (after.ok() && *after == *before + 1) clean_ = Clean{family, table, *after};
    }
    return out;
  }

  // The ruleset generation id (NFT_MSG_GETGEN): bumped by every commit.
  StatusOr<uint32_t> GenId() {
    uint32_t id = 0;
    bool got = false;
    Status s = Dump(
        NFT_MSG_GETGEN, AF_UNSPEC, 0, [](nlmsghdr*) {},
        [&](const nlmsghdr* nlh) {
          ForEachMsgAttr(nlh, [&](int type, const nlattr* a) {
            if (type == NFTA_GEN_ID) {
              id = ntohl(mnl_attr_get_u32(a));
              got = true;
            }
          });
        },
        /*until_reply=*/true);
    if (!s.ok()) return s;
    if (!got) return Status::Internal("nft: no generation id in the answer");
    return id;
  }

  Status Transact(const Batch& b) {
    if (Status s = Open(); !s.ok()) return s;
    Drain();
    int fd = mnl_socket_get_fd(nl_);
    if (b.size() + 4096 > sndbuf_) {
      int size = static_cast<int>(b.size() + 4096);
      setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size);
      sndbuf_ = b.size() + 4096;
    }
    sockaddr_nl sa{};
    sa.nl_family = AF_NETLINK;
    std::vector<iovec> iov;
    for (const auto& [p, n] : b.chunks()) iov.push_back(iovec{const_cast<char*>(p), n});
    msghdr msg{};
    msg.msg_name = &sa;
    msg.msg_namelen = sizeof sa;
    msg.msg_iov = iov.data();
    msg.msg_iovlen = iov.size();
    if (sendmsg(fd, &msg, 0) < 0) {
      int e = errno;
      Close();
      return Status::Internal("nft: sending the batch (" + std::to_string(b.size()) + " bytes): " + Errno(e));
    }
    Status first;
    bool done = false;
    while (!done) {
      ssize_t n = recv(fd, rbuf_.data(), rbuf_.size(), 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        int e = errno;
        Close();  // the answers are lost; the kernel's state is unknown
        return Status::Internal("nft: reading the kernel's answer to the batch: " + Errno(e));
      }
      int len = static_cast<int>(n);
      for (auto* nlh = reinterpret_cast<const nlmsghdr*>(rbuf_.data()); mnl_nlmsg_ok(nlh, len);
           nlh = mnl_nlmsg_next(nlh, &len)) {
        if (nlh->nlmsg_pid != portid_ && nlh->nlmsg_pid != 0) continue;
        if (nlh->nlmsg_type != NLMSG_ERROR) continue;
        const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
        if (err->error != 0 && first.ok()) {
          std::string ext = ExtAck(nlh);
          first = FromErrno(-err->error, b.Describe(nlh->nlmsg_seq) + (ext.empty() ? "" : " (" + ext + ")"));
        }
        if (nlh->nlmsg_seq == b.ack_seq() || nlh->nlmsg_seq == b.begin_seq()) done = true;
      }
    }
    return first;
  }

  // One dump (or get) request; calls `each` for every answer message.
  // until_reply: a plain get whose one answer ends the exchange.
  Status Dump(uint16_t type, uint16_t family, uint16_t flags,
              const std::function<void(nlmsghdr*)>& payload,
              const std::function<void(const nlmsghdr*)>& each, bool until_reply = false) {
    if (Status s = Open(); !s.ok()) return s;
    Drain();
    char req[1024];
    uint32_t seq = seq_++;
    nlmsghdr* nlh = nftnl_nlmsg_build_hdr(req, type, family, flags, seq);
    payload(nlh);
    if (mnl_socket_sendto(nl_, nlh, nlh->nlmsg_len) < 0) {
      int e = errno;
      Close();
      return Status::Internal("nft: netlink send: " + Errno(e));
    }
    struct Ctx {
      const std::function<void(const nlmsghdr*)>* each;
    } ctx{&each};
    auto cb = [](const nlmsghdr* h, void* data) -> int {
      (*static_cast<Ctx*>(data)->each)(h);
      return MNL_CB_OK;
    };
    while (true) {
      ssize_t n = mnl_socket_recvfrom(nl_, rbuf_.data(), rbuf_.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        int e = errno;
        Close();
        return Status::Internal("nft: netlink receive: " + Errno(e));
      }
      int r = mnl_cb_run(rbuf_.data(), n, seq, portid_, cb, &ctx);
      if (r < 0) return FromErrno(errno, "the read-back request");
      if (r == MNL_CB_STOP || until_reply) return Status::OK();
    }
  }

  std::unique_ptr<Executor> script_ = NewLibnftablesExecutor();
  mnl_socket* nl_ = nullptr;
  uint32_t portid_ = 0;
  uint32_t seq_ = static_cast<uint32_t>(time(nullptr));
  size_t sndbuf_ = 0;
  std::vector<char> rbuf_;
  struct Clean {
    Family family;
    std::string table;
    uint32_t genid;
  };
  std::optional<Clean> clean_;  // our last transaction and the generation it made
};

StatusOr<KernelTable> NftnlExecutor::ReadTable(Family family, const std::string& name) {
  const uint16_t nfproto = Nfproto(family);
  // The table itself: NotFound when it is gone.
  Status s = Dump(
      NFT_MSG_GETTABLE, nfproto, NLM_F_ACK,
      [&](nlmsghdr* nlh) { mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, name.c_str()); },
      [](const nlmsghdr*) {});
  if (s.IsNotFound()) return Status::NotFound("nft: table " + std::string(FamilyName(family)) + " " + name + " not found");
  if (!s.ok()) return s;

  KernelTable k;
  s = Dump(
      NFT_MSG_GETCHAIN, nfproto, NLM_F_DUMP,
      [&](nlmsghdr* nlh) { mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, name.c_str()); },
      [&](const nlmsghdr* nlh) {
        nftnl_chain* c = nftnl_chain_alloc();
        if (nftnl_chain_nlmsg_parse(nlh, c) == 0 && name == nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE)) {
          KernelChain& kc = k.chains[nftnl_chain_get_str(c, NFTNL_CHAIN_NAME)];
          if (nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM)) {
            static const char* kHooks[] = {"prerouting", "input", "forward", "output", "postrouting"};
            uint32_t hook = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);
            BaseChainSpec b;
            b.type = nftnl_chain_is_set(c, NFTNL_CHAIN_TYPE) ? nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE) : "";
            b.hook = hook < 5 ? kHooks[hook] : "?";
            b.priority = nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO);
            b.policy = nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) == NF_DROP ? "drop" : "accept";
            kc.base = b;
          }
        }
        nftnl_chain_free(c);
      });
  if (!s.ok()) return s;

  // Rules: counted per chain from two attributes, not decoded.
  s = Dump(
      NFT_MSG_GETRULE, nfproto, NLM_F_DUMP,
      [&](nlmsghdr* nlh) { mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, name.c_str()); },
      [&](const nlmsghdr* nlh) {
        const nlattr* table = nullptr;
        const nlattr* chain = nullptr;
        ForEachMsgAttr(nlh, [&](int type, const nlattr* a) {
          if (type == NFTA_RULE_TABLE) table = a;
          if (type == NFTA_RULE_CHAIN) chain = a;
        });
        if (table && chain && name == StrAttr(table)) k.chains[StrAttr(chain)].rules++;
      });
  if (!s.ok()) return s;

  std::vector<std::pair<std::string, bool>> sets;  // name, dynamic
  s = Dump(
      NFT_MSG_GETSET, nfproto, NLM_F_DUMP,
      [&](nlmsghdr* nlh) { mnl_attr_put_strz(nlh, NFTA_SET_TABLE, name.c_str()); },
      [&](const nlmsghdr* nlh) {
        nftnl_set* st = nftnl_set_alloc();
        if (nftnl_set_nlmsg_parse(nlh, st) == 0 && name == nftnl_set_get_str(st, NFTNL_SET_TABLE)) {
          uint32_t flags = nftnl_set_get_u32(st, NFTNL_SET_FLAGS);
          if (!(flags & NFT_SET_ANONYMOUS)) sets.emplace_back(nftnl_set_get_str(st, NFTNL_SET_NAME), flags & NFT_SET_EVAL);
        }
        nftnl_set_free(st);
      });
  if (!s.ok()) return s;

  for (const auto& [set, dynamic] : sets) {
    size_t& count = k.sets[set];
    if (dynamic) continue;  // filled by packets: never compared
    s = Dump(
        NFT_MSG_GETSETELEM, nfproto, NLM_F_DUMP,
        [&](nlmsghdr* nlh) {
          mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, name.c_str());
          mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set.c_str());
        },
        [&](const nlmsghdr* nlh) {
          ForEachMsgAttr(nlh, [&](int type, const nlattr* a) {
            if (type != NFTA_SET_ELEM_LIST_ELEMENTS) return;
            ForEachNested(a, [&](int, const nlattr* elem) {
              bool end = false;
              ForEachNested(elem, [&](int t, const nlattr* f) {
                if (t == NFTA_SET_ELEM_FLAGS && (ntohl(mnl_attr_get_u32(f)) & NFT_SET_ELEM_INTERVAL_END)) end = true;
              });
              if (!end) ++count;
            });
          });
        });
    if (!s.ok()) return s;
  }
  return k;
}

}  // namespace

std::unique_ptr<Executor> NewNftnlExecutor() { return std::make_unique<NftnlExecutor>(); }

}  // namespace netkube::nft
