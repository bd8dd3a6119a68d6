#include "proxy/arp_responder.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "util/log.h"

namespace netkube::proxy {
namespace {

constexpr uint16_t kArpRequest = 1;
constexpr uint16_t kArpReply = 2;
constexpr size_t kArpLength = 28;  // Ethernet/IPv4 ARP payload

Status Errno(int err, const std::string& what) {
  std::string msg = what + ": " + std::strerror(err);
  if (err == EPERM || err == EACCES) return Status::Forbidden(msg);
  if (err == ENODEV || err == ENXIO) return Status::NotFound(msg);
  return Status::Internal(msg);
}

// One Ethernet/IPv4 ARP packet (RFC 826), addresses in network order.
struct ArpPacket {
  uint16_t op = 0;
  std::array<uint8_t, 6> sha{}, tha{};
  uint32_t spa = 0, tpa = 0;
};

bool ParseArp(const uint8_t* b, size_t n, ArpPacket* out) {
  if (n < kArpLength) return false;
  auto u16 = [&](size_t i) { return static_cast<uint16_t>(b[i] << 8 | b[i + 1]); };
  if (u16(0) != 1 || u16(2) != ETH_P_IP || b[4] != 6 || b[5] != 4) return false;
  out->op = u16(6);
  std::memcpy(out->sha.data(), b + 8, 6);
  std::memcpy(&out->spa, b + 14, 4);
  std::memcpy(out->tha.data(), b + 18, 6);
  std::memcpy(&out->tpa, b + 24, 4);
  return true;
}

std::array<uint8_t, kArpLength> SerializeArp(const ArpPacket& p) {
  std::array<uint8_t, kArpLength> b{};
  b[0] = 0, b[1] = 1;                                   // htype Ethernet
  b[2] = ETH_P_IP >> 8, b[3] = ETH_P_IP & 0xff;         // ptype IPv4
  b[4] = 6, b[5] = 4;                                   // hlen, plen
  b[6] = static_cast<uint8_t>(p.op >> 8), b[7] = static_cast<uint8_t>(p.op);
  std::memcpy(b.data() + 8, p.sha.data(), 6);
  std::memcpy(b.data() + 14, &p.spa, 4);
  std::memcpy(b.data() + 18, p.tha.data(), 6);
  std::memcpy(b.data() + 24, &p.tpa, 4);
  return b;
}

std::string IpString(uint32_t ip) {
  char buf[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, &ip, buf, sizeof(buf));
  return buf;
}

}  // namespace

ArpResponder::~ArpResponder() { Stop(); }

Status ArpResponder::Start(const std::string& interface) {
  if (thread_.joinable()) return Status::Conflict("the ARP responder is already running on ifindex " +
                                                  std::to_string(ifindex_));
  if (interface.empty() || interface.size() >= IFNAMSIZ)
    return Status::Invalid("invalid interface name \"" + interface + "\"");
  unsigned index = ::if_nametoindex(interface.c_str());
  if (index == 0) return Status::NotFound("interface \"" + interface + "\" not found");

  int fd = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
  if (fd < 0) return Errno(errno, "AF_PACKET socket for ARP");
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ARP);
  sll.sll_ifindex = static_cast<int>(index);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof(sll)) != 0) {
    Status st = Errno(errno, "bind the ARP socket to " + interface);
    ::close(fd);
    return st;
  }
  ifreq ifr{};
  std::snprintf(ifr.ifr_name, IFNAMSIZ, "%s", interface.c_str());
  if (::ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) {
    Status st = Errno(errno, "read the MAC of " + interface);
    ::close(fd);
    return st;
  }
  if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
    ::close(fd);
    return Status::Invalid("interface \"" + interface + "\" is not an Ethernet device");
  }
  int wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake < 0) {
    Status st = Errno(errno, "eventfd");
    ::close(fd);
    return st;
  }

  std::set<uint32_t> initial;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::memcpy(mac_.data(), ifr.ifr_hwaddr.sa_data, 6);
    fd_ = fd;
    wake_fd_ = wake;
    ifindex_ = static_cast<int>(index);
    started_ = true;
    initial = ips_;
  }
  replies_ = 0;
  thread_ = std::thread([this] { Loop(); });
  Status result;
  for (uint32_t ip : initial) {
    if (Status st = Announce(ip); !st.ok()) result = st;
  }
  return result;
}

void ArpResponder::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_) return;
    started_ = false;  // SetAddresses stops sending from here on
  }
  uint64_t one = 1;
  if (::write(wake_fd_, &one, sizeof(one)) < 0) LOG_WARN << "arp responder: wake: " << std::strerror(errno);
  if (thread_.joinable()) thread_.join();
  ::close(fd_);
  ::close(wake_fd_);
  fd_ = wake_fd_ = -1;
  ifindex_ = 0;
}

Status ArpResponder::SetAddresses(const std::set<std::string>& ips) {
  std::set<uint32_t> next;
  for (const auto& text : ips) {
    in_addr a{};
    if (::inet_pton(AF_INET, text.c_str(), &a) != 1)
      return Status::Invalid("ARP responder: \"" + text + "\" is not an IPv4 address");
    next.insert(a.s_addr);
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<uint32_t> added;
  for (uint32_t ip : next) {
    if (!ips_.count(ip)) added.push_back(ip);
  }
  ips_ = std::move(next);
  if (!started_) return Status::OK();
  Status result;
  for (uint32_t ip : added) {
    if (Status st = Announce(ip); !st.ok()) result = st;
  }
  return result;
}

std::set<std::string> ArpResponder::addresses() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::set<std::string> out;
  for (uint32_t ip : ips_) out.insert(IpString(ip));
  return out;
}

std::string ArpResponder::mac() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!started_) return "";
  char buf[18];
  std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", mac_[0], mac_[1], mac_[2], mac_[3], mac_[4],
                mac_[5]);
  return buf;
}

Status ArpResponder::Announce(uint32_t ip) {
  static constexpr MacBytes kBroadcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  // Request: target hardware address unknown (zero). Reply: target = sender.
  if (Status st = Send(kArpRequest, kBroadcast, ip, MacBytes{}, ip); !st.ok()) return st;
  return Send(kArpReply, kBroadcast, ip, mac_, ip);
}

Status ArpResponder::Send(uint16_t op, const MacBytes& dst_mac, uint32_t sender_ip, const MacBytes& target_mac,
                          uint32_t target_ip) {
  ArpPacket p;
  p.op = op;
  p.sha = mac_;
  p.spa = sender_ip;
  p.tha = target_mac;
  p.tpa = target_ip;
  auto bytes = SerializeArp(p);
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(ETH_P_ARP);
  to.sll_ifindex = ifindex_;
  to.sll_halen = 6;
  std::memcpy(to.sll_addr, dst_mac.data(), 6);
  if (::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)) < 0)
    return Errno(errno, "send ARP for " + IpString(sender_ip));
  return Status::OK();
}

void ArpResponder::Loop() {
  pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  uint8_t buf[1500];
  while (true) {
    int n = ::poll(fds, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      LOG_ERROR << "arp responder: poll: " << std::strerror(errno);
      return;
    }
    if (fds[1].revents) return;  // Stop
    if (!(fds[0].revents & POLLIN)) {
      // POLLERR (e.g. the link went down): read the pending error and go on.
      int err = 0;
      socklen_t len = sizeof(err);
      ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
      continue;
    }
    sockaddr_ll from{};
    socklen_t from_len = sizeof(from);
    ssize_t got = ::recvfrom(fd_, buf, sizeof(buf), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == ENETDOWN) continue;
      LOG_WARN << "arp responder: recv: " << std::strerror(errno);
      continue;
    }
    if (from.sll_pkttype == PACKET_OUTGOING) continue;
    ArpPacket req;
    if (!ParseArp(buf, static_cast<size_t>(got), &req) || req.op != kArpRequest) continue;
    if (req.spa == req.tpa) continue;  // someone's gratuitous ARP, not a question
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!ips_.count(req.tpa)) continue;
    }
    // "tpa is at mac_", to the asker only.
    if (Status st = Send(kArpReply, req.sha, req.tpa, req.sha, req.spa); !st.ok()) {
      LOG_WARN << "arp responder: " << st.message();
      continue;
    }
    ++replies_;
  }
}

}  // namespace netkube::proxy
