// The kubernetes plugin's view of the cluster and the lookup that answers a
// question from it (Kubernetes DNS-Based Service Discovery, schema 1.1.0, with
// CoreDNS's answers where the specification is silent).
//
// The model keeps only what DNS needs, in compact structs converted from API
// objects on arrival (k8s_watch.h does the conversion): Services (type,
// ClusterIPs, ExternalName, ports, publishNotReadyAddresses), EndpointSlices
// (ports and one entry per endpoint address: readiness, hostname, pod name),
// Namespaces (names) and, for `pods verified`, Pod IPs. Everything is keyed by
// lower-cased names in hash maps, so a lookup allocates nothing beyond the
// records of the reply.
//
// Names answered under a zone Z (relative labels, case-insensitive):
//   Z                                  SOA, NS (ns.dns.Z); other types NODATA
//   dns-version.Z                      TXT "1.1.0" (TTL 28800)
//   ns.dns.Z                           A/AAAA of the DNS service (see NsAddresses)
//   svc.Z, pod.Z, dns.Z                empty non-terminals: NODATA
//   NS.svc.Z, NS.pod.Z                 NODATA when the namespace exists
//   SVC.NS.svc.Z                       ClusterIP: A/AAAA of its ClusterIPs;
//                                      headless: A/AAAA of ready endpoints
//                                      (none ready: NXDOMAIN); ExternalName:
//                                      CNAME; SRV: one per port (see below)
//   EP.SVC.NS.svc.Z                    A/AAAA of the ready endpoints whose
//                                      hostname is EP (hostname, else the pod
//                                      name with endpoint_pod_names, else the
//                                      dashed IP "10-244-1-5")
//   _PORT._PROTO.SVC.NS.svc.Z          SRV (priority 0, weight 100/n): ClusterIP
//                                      targets SVC.NS.svc.Z, headless targets
//                                      EP.SVC.NS.svc.Z, addresses in additional
//   _PROTO.SVC.NS.svc.Z                NODATA when SVC has a port of PROTO
//   A-B-C-D.NS.pod.Z                   pods insecure: A (AAAA for "fd00--1"
//                                      forms); verified: only if a pod of NS
//                                      has that IP; disabled: NXDOMAIN
//   D.C.B.A.in-addr.arpa, nibbles.ip6.arpa
//                                      PTR: the Service with that ClusterIP,
//                                      else every ready endpoint with that IP
//                                      (EP.SVC.NS.svc.PRIMARY)
// A name that exists answers NODATA for other types; one that does not is
// NXDOMAIN. Negative answers carry the zone's SOA in the authority section:
// mname ns.dns.Z, rname hostmaster.Z, serial = the Unix time of the latest
// change, refresh 7200, retry 1800, expire 86400, minimum = ttl, and the SOA's
// own TTL min(ttl, 300). Every answer is authoritative. Answers keep the
// case of the question.
//
// Thread-safety: ClusterRecords is safe for concurrent use: mutations take an
// exclusive lock, Lookup a shared one.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dns/message.h"
#include "dns/name.h"

namespace netkube::dns::k8s {

// The schema version served at dns-version.ZONE.
inline constexpr char kSchemaVersion[] = "1.1.0";

// An IPv4 or IPv6 address (network byte order).
struct IpAddr {
  uint8_t len = 0;  // 4 or 16; 0 = none
  std::array<uint8_t, 16> bytes{};

  // "10.0.0.1", "fd00::1"; nullopt when not an address.
  static std::optional<IpAddr> Parse(std::string_view text);
  static IpAddr V4(std::array<uint8_t, 4> b);
  bool is_v4() const { return len == 4; }
  // The canonical text form (RFC 5952 for IPv6).
  std::string ToString() const;
  std::array<uint8_t, 4> v4() const { return {bytes[0], bytes[1], bytes[2], bytes[3]}; }
  friend bool operator==(const IpAddr& a, const IpAddr& b) { return a.len == b.len && a.bytes == b.bytes; }
};
struct IpAddrHash {
  size_t operator()(const IpAddr& ip) const;
};

enum class Protocol : uint8_t { kTCP, kUDP, kSCTP };
// "tcp", "udp", "sctp".
std::string_view ProtocolLabel(Protocol p);

struct PortInfo {
  std::string name;  // "" for an unnamed port
  Protocol protocol = Protocol::kTCP;
  int32_t port = -1;  // -1: a slice port without a number
  friend bool operator==(const PortInfo&, const PortInfo&) = default;
};

// A Service as DNS sees it.
struct ServiceInfo {
  enum class Type : uint8_t { kClusterIP, kHeadless, kExternalName };
  std::string ns, name;
  Type type = Type::kClusterIP;
  std::vector<IpAddr> cluster_ips;  // kClusterIP only
  std::string external_name;        // kExternalName only, without a trailing dot
  std::vector<PortInfo> ports;
  bool publish_not_ready = false;   // spec.publishNotReadyAddresses
  friend bool operator==(const ServiceInfo&, const ServiceInfo&) = default;
};

// One address of an EndpointSlice endpoint.
struct EndpointInfo {
  IpAddr ip;
  bool ready = true;     // conditions.ready absent or true
  std::string hostname;  // endpoints[].hostname, "" = none
  std::string pod_name;  // targetRef name of a Pod (kept for endpoint_pod_names)
  friend bool operator==(const EndpointInfo&, const EndpointInfo&) = default;
};

struct EndpointSliceInfo {
  std::string ns, name;
  std::string service;  // label kubernetes.io/service-name
  std::vector<PortInfo> ports;
  std::vector<EndpointInfo> endpoints;
  friend bool operator==(const EndpointSliceInfo&, const EndpointSliceInfo&) = default;
};

struct PodInfo {
  std::string ns, name;
  std::vector<IpAddr> ips;  // status.podIPs (or podIP)
  friend bool operator==(const PodInfo&, const PodInfo&) = default;
};

enum class PodMode : uint8_t { kDisabled, kInsecure, kVerified };

struct RecordsOptions {
  uint32_t ttl = 5;
  PodMode pods = PodMode::kDisabled;
  bool endpoint_pod_names = false;
  bool ignore_empty_service = false;  // `ignore empty_service`
  // Only these namespaces are served (and stored); empty = all.
  std::vector<std::string> namespaces;
  // The zone PTR targets are written in (the first non-reverse zone).
  Name primary_zone;
  // This server's own addresses: the NS glue is the Service whose endpoints
  // hold one of them; else kube-system/kube-dns; else these addresses.
  std::vector<IpAddr> local_ips;
};

// Transparent string hashing, so maps keyed by std::string are searched with
// a std::string_view without building a string.
struct StrHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

enum class Outcome : uint8_t {
  kAnswer,    // NOERROR with records
  kNoData,    // NOERROR, empty answer, SOA in authority
  kNxDomain,  // NXDOMAIN, SOA in authority
};

struct LookupResult {
  Outcome outcome = Outcome::kNxDomain;
  // Set when the answer ends in a CNAME (an ExternalName) whose target lies
  // outside `zone`: the caller may resolve it for the same type and append
  // what it finds. The reply then holds the CNAME chain.
  std::optional<Name> chase;
};

class ClusterRecords {
 public:
  explicit ClusterRecords(RecordsOptions options);
  ~ClusterRecords();
  ClusterRecords(const ClusterRecords&) = delete;
  ClusterRecords& operator=(const ClusterRecords&) = delete;

  const RecordsOptions& options() const { return options_; }

  // Mutations. Each returns true when what DNS serves may have changed (an
  // update to an equal value returns false). Objects in namespaces that are
  // not served are ignored.
  bool UpsertService(ServiceInfo svc);
  bool DeleteService(std::string_view ns, std::string_view name);
  bool UpsertSlice(EndpointSliceInfo slice);
  bool DeleteSlice(std::string_view ns, std::string_view name);
  bool UpsertNamespace(std::string_view name);
  bool DeleteNamespace(std::string_view name);
  bool UpsertPod(PodInfo pod);
  bool DeletePod(std::string_view ns, std::string_view name);
  // Replaces every object of one kind (after a list): deletes the ones not
  // in `all`, upserts the rest.
  bool ReplaceServices(std::vector<ServiceInfo> all);
  bool ReplaceSlices(std::vector<EndpointSliceInfo> all);
  bool ReplaceNamespaces(const std::vector<std::string>& all);
  bool ReplacePods(std::vector<PodInfo> all);

  // Answers `q` for `zone` (the plugin's zone that contains q.name; a zone
  // under in-addr.arpa or ip6.arpa answers PTRs) into `reply`: rcode, AA,
  // answer, authority (SOA when negative) and additional. `reply` should be
  // Message::ReplyTo(query); its sections are appended to.
  // REQUIRES: q.name is zone or below it.
  LookupResult Lookup(const Question& q, const Name& zone, Message* reply) const;

  // The zone's SOA record (owner `zone` as given).
  ResourceRecord Soa(const Name& zone) const;
  // The SOA serial: the Unix time of the latest change.
  uint32_t Serial() const { return serial_.load(std::memory_order_relaxed); }

  struct Counts {
    size_t namespaces = 0, services = 0, slices = 0, endpoints = 0, pods = 0;
  };
  Counts counts() const;
  // An estimate of the heap bytes the model holds (strings, vectors, hash
  // nodes and buckets).
  size_t MemoryBytes() const;

  struct Namespace;  // internal

 private:
  struct Query;
  // Who holds an IP: a Service's ClusterIP, or an endpoint of the slices of
  // the service name. The pointers are keys of node-based maps (stable).
  struct ReverseRef {
    const std::string* ns;
    const std::string* svc;
    bool cluster_ip;
  };

  bool Served(std::string_view ns) const;
  Namespace& NamespaceFor(const std::string& ns);
  void MaybeDropNamespace(std::string_view ns);
  void AddReverse(const IpAddr& ip, const std::string* ns, const std::string* svc, bool cluster_ip);
  void RemoveReverse(const IpAddr& ip, const std::string* ns, const std::string* svc, bool cluster_ip);
  void Touch();

  Outcome LookupName(const Name& qname, uint16_t qtype, const Name& zone, int depth, Message* reply,
                     std::optional<Name>* chase) const;
  Outcome LookupService(const Query& q, const Name& qname, int depth, Message* reply,
                        std::optional<Name>* chase) const;
  Outcome LookupPod(const Query& q, const Name& qname, Message* reply) const;
  Outcome LookupReverse(const Name& qname, uint16_t qtype, const Name& zone, Message* reply) const;
  Outcome LookupNsAddresses(const Name& qname, uint16_t qtype, Message* reply) const;
  std::vector<IpAddr> NsAddresses() const;

  const RecordsOptions options_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<Namespace>, StrHash, std::equal_to<>> namespaces_;
  std::unordered_map<IpAddr, std::vector<ReverseRef>, IpAddrHash> reverse_;
  size_t namespace_count_ = 0;
  std::atomic<uint32_t> serial_;
};

}  // namespace netkube::dns::k8s
