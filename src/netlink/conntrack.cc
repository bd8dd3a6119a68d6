// ctnetlink by hand: a NETLINK_NETFILTER socket, messages built and parsed
// here with every attribute length checked (entries come from the kernel, but
// a parser that trusts lengths is one kernel quirk away from reading past a
// buffer).
#include "netlink/conntrack.h"

#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>

namespace netkube::netlink {

namespace {

// The kernel's CTA_FILTER flag bits (nf_conntrack_netlink.c; not in UAPI).
constexpr uint32_t kFilterProtoNum = 1u << 3;

constexpr size_t kNlaHdr = NLA_HDRLEN;  // 4

// ---- parsing

// The last occurrence of each attribute type (flags stripped) up to kMax.
template <size_t kMax>
using AttrTable = std::array<std::span<const uint8_t>, kMax + 1>;

// Fills `tb` from the attributes in `buf`; false if any header or length is
// out of bounds. Unknown types are ignored.
template <size_t kMax>
bool ParseAttrs(std::span<const uint8_t> buf, AttrTable<kMax>* tb) {
  tb->fill({});
  while (buf.size() >= kNlaHdr) {
    nlattr a;
    std::memcpy(&a, buf.data(), sizeof a);
    if (a.nla_len < kNlaHdr || a.nla_len > buf.size()) return false;
    uint16_t type = a.nla_type & NLA_TYPE_MASK;
    if (type <= kMax) (*tb)[type] = buf.subspan(kNlaHdr, a.nla_len - kNlaHdr);
    size_t step = NLA_ALIGN(a.nla_len);
    if (step >= buf.size()) break;
    buf = buf.subspan(step);
  }
  return true;
}

std::string Ipv4Text(std::span<const uint8_t> a) {
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, a.data(), text, sizeof text);
  return text;
}

uint16_t Be16(std::span<const uint8_t> a) { return static_cast<uint16_t>((a[0] << 8) | a[1]); }

struct Tuple {
  std::string src, dst;
  uint8_t protocol = 0;
  uint16_t sport = 0, dport = 0;
};

// nullopt: not IPv4. Status: malformed.
StatusOr<std::optional<Tuple>> ParseTuple(std::span<const uint8_t> nest, const char* which) {
  auto bad = [&](const std::string& what) {
    return Status::Internal(std::string("conntrack: ") + which + " tuple: " + what);
  };
  AttrTable<CTA_TUPLE_MAX> tb;
  if (!ParseAttrs<CTA_TUPLE_MAX>(nest, &tb)) return bad("attribute length out of bounds");
  if (tb[CTA_TUPLE_IP].empty()) return bad("no CTA_TUPLE_IP");
  if (tb[CTA_TUPLE_PROTO].empty()) return bad("no CTA_TUPLE_PROTO");
  AttrTable<CTA_IP_MAX> ip;
  if (!ParseAttrs<CTA_IP_MAX>(tb[CTA_TUPLE_IP], &ip)) return bad("address length out of bounds");
  if (ip[CTA_IP_V4_SRC].empty() && ip[CTA_IP_V4_DST].empty()) return std::optional<Tuple>();  // IPv6
  if (ip[CTA_IP_V4_SRC].size() != 4 || ip[CTA_IP_V4_DST].size() != 4) return bad("IPv4 address not 4 bytes");
  AttrTable<CTA_PROTO_MAX> proto;
  if (!ParseAttrs<CTA_PROTO_MAX>(tb[CTA_TUPLE_PROTO], &proto)) return bad("protocol length out of bounds");
  if (proto[CTA_PROTO_NUM].size() != 1) return bad("CTA_PROTO_NUM missing or not 1 byte");
  Tuple t;
  t.src = Ipv4Text(ip[CTA_IP_V4_SRC]);
  t.dst = Ipv4Text(ip[CTA_IP_V4_DST]);
  t.protocol = proto[CTA_PROTO_NUM][0];
  for (auto [type, port] : {std::pair{CTA_PROTO_SRC_PORT, &t.sport}, std::pair{CTA_PROTO_DST_PORT, &t.dport}}) {
    const auto& a = proto[type];
    if (a.empty()) continue;
    if (a.size() != 2) return bad("port not 2 bytes");
    *port = Be16(a);
  }
  return std::optional<Tuple>(std::move(t));
}

// ---- building

class MessageBuilder {
 public:
  MessageBuilder(uint16_t type, uint16_t flags, uint32_t seq) {
    buf_.resize(NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(nfgenmsg)));
    nlmsghdr h{};
    h.nlmsg_type = type;
    h.nlmsg_flags = flags;
    h.nlmsg_seq = seq;
    std::memcpy(buf_.data(), &h, sizeof h);
    nfgenmsg g{};
    g.nfgen_family = AF_INET;
    g.version = NFNETLINK_V0;
    std::memcpy(buf_.data() + NLMSG_HDRLEN, &g, sizeof g);
  }
  void Put(uint16_t type, const void* data, size_t len) {
    size_t at = buf_.size();
    buf_.resize(at + NLA_ALIGN(kNlaHdr + len));
    nlattr a{static_cast<uint16_t>(kNlaHdr + len), type};
    std::memcpy(buf_.data() + at, &a, sizeof a);
    std::memcpy(buf_.data() + at + kNlaHdr, data, len);
  }
  void PutU8(uint16_t type, uint8_t v) { Put(type, &v, 1); }
  void PutBe16(uint16_t type, uint16_t v) {
    uint16_t be = htons(v);
    Put(type, &be, 2);
  }
  size_t BeginNest(uint16_t type) {
    size_t at = buf_.size();
    buf_.resize(at + kNlaHdr);
    nlattr a{0, static_cast<uint16_t>(type | NLA_F_NESTED)};
    std::memcpy(buf_.data() + at, &a, sizeof a);
    return at;
  }
  void EndNest(size_t at) {
    uint16_t len = static_cast<uint16_t>(buf_.size() - at);
    std::memcpy(buf_.data() + at, &len, sizeof len);
  }
  std::vector<uint8_t> Finish() && {
    uint32_t len = static_cast<uint32_t>(buf_.size());
    std::memcpy(buf_.data(), &len, sizeof len);
    return std::move(buf_);
  }

 private:
  std::vector<uint8_t> buf_;
};

constexpr uint16_t CtType(uint8_t msg) { return static_cast<uint16_t>((NFNL_SUBSYS_CTNETLINK << 8) | msg); }

bool PortProtocol(uint8_t p) { return p == IPPROTO_TCP || p == IPPROTO_UDP || p == IPPROTO_SCTP; }

// ---- the socket

class Socket {
 public:
  static StatusOr<Socket> Open() {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
    if (fd < 0) return Status::Unavailable(std::string("conntrack: netlink socket: ") + std::strerror(errno));
    sockaddr_nl sa{};
    sa.nl_family = AF_NETLINK;
    if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
      int e = errno;
      close(fd);
      return Status::Unavailable(std::string("conntrack: netlink bind: ") + std::strerror(e));
    }
    return Socket(fd);
  }
  Socket(Socket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Socket& operator=(Socket&&) = delete;
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }

  // Sends one request. Returns 0, or a positive errno.
  int Send(const std::vector<uint8_t>& msg) {
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    for (;;) {
      ssize_t n = sendto(fd_, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
      if (n >= 0) return 0;
      if (errno != EINTR) return errno;
    }
  }

  // Reads replies to `seq` until the ack (NLMSG_ERROR) or the dump's end,
  // handing each other message of that sequence to on_message. Returns the
  // kernel's errno (0 for success), or a Status for socket trouble and
  // malformed replies.
  template <typename F>
  StatusOr<int> Receive(uint32_t seq, F&& on_message) {
    std::vector<uint8_t> buf(1 << 16);
    for (;;) {
      ssize_t n = recv(fd_, buf.data(), buf.size(), 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::Internal(std::string("conntrack: netlink recv: ") + std::strerror(errno));
      }
      size_t left = static_cast<size_t>(n);
      const uint8_t* p = buf.data();
      while (left >= NLMSG_HDRLEN) {
        nlmsghdr h;
        std::memcpy(&h, p, sizeof h);
        if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > left) {
          return Status::Internal("conntrack: truncated netlink message from the kernel");
        }
        std::span<const uint8_t> payload(p + NLMSG_HDRLEN, h.nlmsg_len - NLMSG_HDRLEN);
        if (h.nlmsg_seq == seq) {
          if (h.nlmsg_type == NLMSG_ERROR || h.nlmsg_type == NLMSG_DONE) {
            int32_t err = 0;
            if (payload.size() >= sizeof err) std::memcpy(&err, payload.data(), sizeof err);
            return err < 0 ? -err : 0;
          }
          Status s = on_message(h, payload);
          if (!s.ok()) return s;
        }
        size_t step = NLMSG_ALIGN(h.nlmsg_len);
        if (step >= left) break;
        p += step;
        left -= step;
      }
    }
  }

 private:
  explicit Socket(int fd) : fd_(fd) {}
  int fd_ = -1;
};

std::string KernelError(const std::string& what, int err) {
  return "conntrack: " + what + ": " + std::strerror(err);
}

// One dump of IPv4 entries (kernel-filtered on filter_protocol unless 0),
// appending those of `protocol` to out. Returns the kernel's errno (0 if it
// accepted the request), or a Status for socket trouble and bad messages.
StatusOr<int> Dump(uint8_t filter_protocol, uint8_t protocol, std::vector<ConntrackEntry>* out) {
  auto sock = Socket::Open();
  if (!sock.ok()) return sock.status();
  constexpr uint32_t kSeq = 1;
  if (int e = sock->Send(EncodeConntrackDump(filter_protocol, kSeq)); e != 0) {
    return Status::Internal(KernelError("send dump request", e));
  }
  return sock->Receive(kSeq, [&](const nlmsghdr& h, std::span<const uint8_t> payload) -> Status {
    if (h.nlmsg_type != CtType(IPCTNL_MSG_CT_NEW)) return Status::OK();
    auto entry = ParseConntrackPayload(payload);
    if (!entry.ok()) return entry.status();
    if (*entry && (*entry)->protocol == protocol) out->push_back(std::move(**entry));
    return Status::OK();
  });
}

}  // namespace

StatusOr<std::optional<ConntrackEntry>> ParseConntrackPayload(std::span<const uint8_t> payload) {
  if (payload.size() < sizeof(nfgenmsg)) return Status::Internal("conntrack: message shorter than nfgenmsg");
  nfgenmsg g;
  std::memcpy(&g, payload.data(), sizeof g);
  if (g.nfgen_family != AF_INET) return std::optional<ConntrackEntry>();
  AttrTable<CTA_MAX> tb;
  if (!ParseAttrs<CTA_MAX>(payload.subspan(NLMSG_ALIGN(sizeof(nfgenmsg))), &tb)) {
    return Status::Internal("conntrack: attribute length out of bounds");
  }
  if (tb[CTA_TUPLE_ORIG].empty() || tb[CTA_TUPLE_REPLY].empty()) {
    return Status::Internal("conntrack: entry without both tuples");
  }
  auto orig = ParseTuple(tb[CTA_TUPLE_ORIG], "original");
  if (!orig.ok()) return orig.status();
  auto reply = ParseTuple(tb[CTA_TUPLE_REPLY], "reply");
  if (!reply.ok()) return reply.status();
  if (!*orig || !*reply) return std::optional<ConntrackEntry>();
  ConntrackEntry e;
  e.protocol = (*orig)->protocol;
  e.orig_src = std::move((*orig)->src);
  e.orig_dst = std::move((*orig)->dst);
  e.orig_sport = (*orig)->sport;
  e.orig_dport = (*orig)->dport;
  e.reply_src = std::move((*reply)->src);
  e.reply_dst = std::move((*reply)->dst);
  e.reply_sport = (*reply)->sport;
  e.reply_dport = (*reply)->dport;
  return std::optional<ConntrackEntry>(std::move(e));
}

StatusOr<std::vector<uint8_t>> EncodeConntrackDelete(const ConntrackEntry& entry, uint32_t seq) {
  if (!PortProtocol(entry.protocol)) {
    return Status::Invalid("conntrack: protocol " + std::to_string(entry.protocol) +
                           " is not TCP, UDP or SCTP: " + entry.String());
  }
  in_addr src{}, dst{};
  if (inet_pton(AF_INET, entry.orig_src.c_str(), &src) != 1 || inet_pton(AF_INET, entry.orig_dst.c_str(), &dst) != 1) {
    return Status::Invalid("conntrack: original addresses are not IPv4: " + entry.String());
  }
  MessageBuilder m(CtType(IPCTNL_MSG_CT_DELETE), NLM_F_REQUEST | NLM_F_ACK, seq);
  size_t tuple = m.BeginNest(CTA_TUPLE_ORIG);
  size_t ip = m.BeginNest(CTA_TUPLE_IP);
  m.Put(CTA_IP_V4_SRC, &src.s_addr, 4);
  m.Put(CTA_IP_V4_DST, &dst.s_addr, 4);
  m.EndNest(ip);
  size_t proto = m.BeginNest(CTA_TUPLE_PROTO);
  m.PutU8(CTA_PROTO_NUM, entry.protocol);
  m.PutBe16(CTA_PROTO_SRC_PORT, entry.orig_sport);
  m.PutBe16(CTA_PROTO_DST_PORT, entry.orig_dport);
  m.EndNest(proto);
  m.EndNest(tuple);
  return std::move(m).Finish();
}

std::vector<uint8_t> EncodeConntrackDump(uint8_t protocol, uint32_t seq) {
  MessageBuilder m(CtType(IPCTNL_MSG_CT_GET), NLM_F_REQUEST | NLM_F_DUMP, seq);
  if (protocol != 0) {
    // CTA_FILTER_ORIG_FLAGS is a host-order u32 (unlike addresses and ports).
    size_t filter = m.BeginNest(CTA_FILTER);
    m.Put(CTA_FILTER_ORIG_FLAGS, &kFilterProtoNum, sizeof kFilterProtoNum);
    m.EndNest(filter);
    size_t tuple = m.BeginNest(CTA_TUPLE_ORIG);
    size_t proto = m.BeginNest(CTA_TUPLE_PROTO);
    m.PutU8(CTA_PROTO_NUM, protocol);
    m.EndNest(proto);
    m.EndNest(tuple);
  }
  return std::move(m).Finish();
}

StatusOr<std::vector<ConntrackEntry>> ListConntrack(uint8_t protocol) {
  std::vector<ConntrackEntry> out;
  auto err = Dump(protocol, protocol, &out);
  if (!err.ok()) return err.status();
  if (*err == EINVAL || *err == EOPNOTSUPP) {  // a kernel without CTA_FILTER
    out.clear();
    err = Dump(0, protocol, &out);
    if (!err.ok()) return err.status();
  }
  if (*err != 0) return Status::Internal(KernelError("dump", *err));
  return out;
}

StatusOr<int> DeleteConntrack(const std::vector<ConntrackEntry>& entries) {
  std::vector<std::vector<uint8_t>> requests;
  requests.reserve(entries.size());
  uint32_t seq = 0;
  for (const ConntrackEntry& e : entries) {
    auto req = EncodeConntrackDelete(e, ++seq);
    if (!req.ok()) return req.status();
    requests.push_back(std::move(*req));
  }
  if (requests.empty()) return 0;
  auto sock = Socket::Open();
  if (!sock.ok()) return sock.status();
  int deleted = 0;
  Status first_error;
  for (size_t i = 0; i < requests.size(); ++i) {
    uint32_t s = static_cast<uint32_t>(i + 1);
    int err = sock->Send(requests[i]);
    if (err == 0) {
      auto got = sock->Receive(s, [](const nlmsghdr&, std::span<const uint8_t>) { return Status::OK(); });
      if (!got.ok()) return got.status();
      err = *got;
    }
    if (err == 0) {
      ++deleted;
    } else if (err != ENOENT && first_error.ok()) {
      first_error = Status::Internal(KernelError("delete " + entries[i].String(), err));
    }
  }
  if (!first_error.ok()) return first_error;
  return deleted;
}

}  // namespace netkube::netlink
