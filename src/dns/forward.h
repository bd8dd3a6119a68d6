// The forward plugin (CoreDNS's plugin/forward): proxies queries under FROM to
// upstream resolvers.
//
//   forward FROM TO... {
//       except IGNORED_NAMES...
//       force_tcp
//       prefer_udp
//       expire DURATION                 (10s)
//       max_fails INTEGER               (2)
//       health_check DURATION [no_rec] [domain FQDN]   (0.5s)
//       max_concurrent MAX              (0 = no limit)
//       policy random|round_robin|sequential   (random)
//       read_timeout DURATION           (2s)
//       max_connect_attempts INTEGER    (2 x upstreams; 0 = no cap)
//   }
// TO: addresses or resolv.conf files (upstream.h), at most 15. tls://, tls and
// tls_servername are not supported (a parse error says so).
//
// Behaviour, as CoreDNS's:
//   - A query whose name is not under FROM, or is under an `except` name
//     (other than FROM itself), goes to the next plugin.
//   - The query goes out as received (question, flags, EDNS with DO) with a
//     new id per upstream exchange; the reply comes back as the upstream wrote
//     it, with the client's id. A reply whose question is not the query's
//     becomes FORMERR.
//   - Transport: the client's (UDP or TCP); force_tcp: always TCP; prefer_udp:
//     always UDP first, and a truncated (TC) UDP reply is asked again over TCP.
//     Without prefer_udp a TC reply to a UDP client goes back to it as is, and
//     the client retries over TCP.
//   - Upstreams are tried in `policy` order; after a network error or a read
//     timeout the next one is tried, until one answers, max_connect_attempts
//     attempts were made or 5 s have passed since the query arrived; then
//     SERVFAIL.
//   - Health: an attempt that fails starts health checks of that upstream
//     (`. IN NS`, RD unless no_rec, or the `domain`), one every health_check
//     interval until one gets any reply. Each failed check counts a fail;
//     with more than max_fails fails the upstream is down and skipped. When
//     all are down one is picked at random anyway (healthcheck_broken_total).
//     max_fails 0: no health checks, never down.
//   - max_concurrent: a query over the limit gets REFUSED at once.
// The plugin never blocks the calling server thread on the network: it keeps
// the Request and answers from its exchanger's thread (exchanger.h).
//
// Metrics (RenderMetrics): coredns_forward_requests_total{to},
// coredns_forward_responses_total{to,rcode},
// coredns_forward_request_duration_seconds{to,rcode} (histogram),
// coredns_forward_healthcheck_failures_total{to},
// coredns_forward_healthcheck_broken_total,
// coredns_forward_max_concurrent_rejects_total.
//
// Thread-safety: Serve, RenderMetrics and the accessors are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "dns/exchanger.h"
#include "dns/name.h"
#include "dns/plugin.h"
#include "dns/setup.h"
#include "dns/upstream.h"
#include "util/histogram.h"

namespace netkube::dns {

enum class ForwardPolicy { kRandom, kRoundRobin, kSequential };

struct ForwardConfig {
  Name from;                      // "." by default of the Corefile, here: the root
  std::vector<Name> except;
  std::vector<UpstreamAddress> to;
  bool force_tcp = false;
  bool prefer_udp = false;
  std::chrono::milliseconds expire{10000};
  uint32_t max_fails = 2;
  std::chrono::milliseconds health_check{500};
  bool health_check_rd = true;    // false with no_rec
  Name health_check_domain;       // the root
  int64_t max_concurrent = 0;     // 0 = no limit
  ForwardPolicy policy = ForwardPolicy::kRandom;
  std::chrono::milliseconds read_timeout{2000};     // per attempt
  std::chrono::milliseconds request_timeout{5000};  // the whole query (CoreDNS's defaultTimeout)
  std::chrono::milliseconds health_timeout{1000};   // per health check
  int max_connect_attempts = -1;  // -1 = 2 x upstreams; 0 = no cap
};

// Parses a `forward` directive. File TOs become their nameservers on
// `resolv_conf_port` (53; tests pass their own upstream's port). Errors carry
// the file and line ("plugin/forward: ...").
StatusOr<ForwardConfig> ParseForwardConfig(const Directive& d, const SetupContext& ctx,
                                           int resolv_conf_port = 53);

class Forward : public Plugin {
 public:
  explicit Forward(ForwardConfig config);
  ~Forward() override;

  std::string_view name() const override { return "forward"; }
  void Serve(RequestPtr req) override;
  void RenderMetrics(std::ostream& out) const override;

  const ForwardConfig& config() const { return config_; }
  // True when upstream `i` (config().to order) is marked down.
  bool IsDown(size_t i) const;
  // Failed health checks counted for upstream `i` since its last success.
  uint32_t Fails(size_t i) const;
  // Queries waiting for an upstream right now.
  size_t InFlight() const;

 private:
  struct Pending;
  struct Counters;
  struct Done;

  bool Matches(const Request& req) const;
  std::vector<size_t> Order();
  bool Down(size_t i) const;
  void TryNext(uint64_t token, std::vector<Done>* done);
  void OnReply(uint64_t token, size_t upstream, ExchangeResult result);
  void Finish(uint64_t token, int rcode, std::string wire, std::vector<Done>* done);
  static void Deliver(std::vector<Done>& done);
  void KickHealthCheck(size_t i);
  void HealthCheck(size_t i);
  void OnHealthCheck(size_t i, Exchanger::Clock::time_point started, bool ok);

  const ForwardConfig config_;
  std::string ping_;  // the health-check query
  std::atomic<int64_t> concurrent_{0};
  std::atomic<uint64_t> round_robin_{0};
  std::atomic<uint64_t> max_concurrent_rejects_{0};
  std::atomic<uint64_t> healthcheck_broken_{0};

  mutable std::mutex mu_;
  uint64_t next_token_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<Pending>> pending_;
  struct UpstreamState {
    std::atomic<uint32_t> fails{0};
    bool probing = false;  // guarded by mu_
  };
  std::unique_ptr<UpstreamState[]> state_;
  std::unique_ptr<Counters> counters_;  // guarded by mu_

  // Last: destroyed first, so no callback runs into a half-destroyed plugin.
  std::unique_ptr<Exchanger> exchanger_;
};

// Builds the plugin from its directive (setup.h).
StatusOr<std::unique_ptr<Plugin>> SetupForward(const Directive& d, const SetupContext& ctx);

}  // namespace netkube::dns
