// ArpResponder: answers ARP requests for a set of IPv4 addresses that no
// interface owns, with one interface's MAC — the data-plane half of layer-2
// announcement of LoadBalancer IPs (l2_election.h decides the set).
//
// Start(interface) opens an AF_PACKET socket (ETH_P_ARP) bound to the
// interface, in the network namespace of the calling thread, and starts one
// thread that, for every ARP request "who has T? tell S" received on it with
// T in the current set, sends a unicast ARP reply to S: "T is at <our MAC>"
// (sender = T, target = the asker). Requests whose sender and target IP are
// equal (someone else's gratuitous ARP) and IPs outside the set are ignored;
// the kernel keeps answering for the interface's own addresses.
//
// SetAddresses(set) replaces the set. Each newly added IP is announced at
// once with a gratuitous ARP (one broadcast request and one broadcast reply,
// sender = target = the IP) so that neighbours update a cached entry on
// fail-over. A neighbour creates a *new* entry from a gratuitous ARP only with
// net.ipv4.conf.<dev>.arp_accept=1; without it, it asks on its next packet and
// gets a reply. Start() announces the set given before it.
//
// Errors are Status (no exceptions): Start: NotFound (no such interface),
// Forbidden (no CAP_NET_RAW), Conflict (already started), Internal (socket
// errors). SetAddresses: Invalid when an entry is not an IPv4 address (the set
// is then left unchanged); Internal when a gratuitous ARP could not be sent
// (the set is still replaced).
//
// Thread-safety: SetAddresses, addresses() and mac() may be called from any
// thread at any time; Start and Stop from one owning thread. Stop() (also
// run by the destructor) wakes and joins the thread and closes the socket;
// the object can be started again afterwards.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "util/status.h"

namespace netkube::proxy {

class ArpResponder {
 public:
  ArpResponder() = default;
  ~ArpResponder();
  ArpResponder(const ArpResponder&) = delete;
  ArpResponder& operator=(const ArpResponder&) = delete;

  Status Start(const std::string& interface);
  Status SetAddresses(const std::set<std::string>& ips);
  void Stop();

  // The current set, as dotted quads.
  std::set<std::string> addresses() const;
  // The interface's MAC ("aa:bb:cc:dd:ee:ff"); "" before Start.
  std::string mac() const;
  // Replies sent since Start (for tests and metrics).
  uint64_t replies_sent() const { return replies_.load(); }

 private:
  using MacBytes = std::array<uint8_t, 6>;

  void Loop();
  // Sends one ARP packet (op 1 or 2) to `dst_mac`. REQUIRES: started.
  Status Send(uint16_t op, const MacBytes& dst_mac, uint32_t sender_ip, const MacBytes& target_mac,
              uint32_t target_ip);
  Status Announce(uint32_t ip);  // gratuitous request + reply

  mutable std::mutex mu_;
  std::set<uint32_t> ips_;  // network byte order; guarded by mu_
  MacBytes mac_{};          // guarded by mu_ while written (Start)
  bool started_ = false;    // guarded by mu_

  int fd_ = -1;
  int wake_fd_ = -1;  // eventfd written by Stop
  int ifindex_ = 0;
  std::thread thread_;
  std::atomic<uint64_t> replies_{0};
};

}  // namespace netkube::proxy
