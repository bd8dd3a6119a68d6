// Internals of the DNS server (server.h), shared by its files:
//   server_config.cc  Corefile -> Config (chains, zones, server directives)
//   server_metrics.cc the coredns_* counters and the /metrics page
//   listeners.cc      sockets, worker threads, per-query dispatch
//   http_endpoints.cc /health, /ready, /metrics
//   server.cc         Start, Reload, Stop, the reload timer
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "dns/dir_watch.h"
#include "dns/server.h"

namespace netkube::dns {

// ---- metrics (server_metrics.cc) ------------------------------------------

// Counters of one (server, zone) pair, kept across reloads. Recording is
// lock-free: relaxed atomic adds on one of a few per-thread shards.
class ZoneMetrics {
 public:
  static constexpr int kTypes = 20;       // the labelled qtypes + "other"
  static constexpr int kRcodes = 24;      // 0..23 + "other"
  static constexpr int kPluginSlots = 16; // plugin names; slot 0 = ""
  static constexpr int kDurationBuckets = 16;  // 0.25ms * 2^i
  static constexpr int kSizeBuckets = 14;
  static constexpr int kShards = 8;

  ZoneMetrics(std::string server, std::string zone) : server_(std::move(server)), zone_(std::move(zone)) {}
  const std::string& server() const { return server_; }
  const std::string& zone() const { return zone_; }

  // The slot of a plugin name for RecordResponse (registered once; names past
  // the last slot share it).
  int PluginSlot(std::string_view plugin);

  void RecordRequest(bool tcp, int family, uint16_t qtype, size_t size);
  void RecordResponse(bool tcp, uint16_t qtype, int rcode, int plugin_slot, size_t size, double seconds);

  void Render(std::ostream& requests, std::ostream& responses, std::ostream& duration, std::ostream& req_size,
              std::ostream& resp_size) const;

 private:
  struct alignas(64) Shard {
    std::atomic<uint64_t> requests[2][2][kTypes] = {};            // proto, family-1, type
    std::atomic<uint64_t> responses[kRcodes][kPluginSlots] = {};  // rcode, plugin
    std::atomic<uint64_t> duration[kTypes][kDurationBuckets + 1] = {};
    std::atomic<uint64_t> duration_ns[kTypes] = {};
    std::atomic<uint64_t> req_size[2][kSizeBuckets + 1] = {};
    std::atomic<uint64_t> req_bytes[2] = {};
    std::atomic<uint64_t> resp_size[2][kSizeBuckets + 1] = {};
    std::atomic<uint64_t> resp_bytes[2] = {};
  };
  Shard& MyShard();
  const std::string server_, zone_;
  std::mutex mu_;  // guards plugin_names_ growth
  std::string plugin_names_[kPluginSlots];
  std::atomic<int> plugin_count_{1};
  Shard shards_[kShards];
};

// Process-wide metric state: ZoneMetrics by (server, zone), reload failures,
// panics, /health durations.
class MetricsRegistry {
 public:
  static MetricsRegistry& Get();
  std::shared_ptr<ZoneMetrics> Zone(const std::string& server, const std::string& zone);
  void RecordHealth(double seconds);
  std::atomic<uint64_t> reload_failed{0};
  std::atomic<uint64_t> panics{0};
  // Appends the coredns_dns_* families, coredns_panics_total,
  // coredns_reload_failed_total and the health families.
  void Render(std::ostream& out) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::weak_ptr<ZoneMetrics>> zones_;
  std::atomic<uint64_t> health_buckets_[18] = {};
  std::atomic<uint64_t> health_ns_{0};
};

// Merges Prometheus text from several sources: one HELP/TYPE per family and
// each family's samples together.
std::string MergePrometheusText(const std::string& text);

// ---- configuration (server_config.cc) -------------------------------------

struct BlockConfig {
  std::vector<std::unique_ptr<Plugin>> plugins;  // in chain order
  std::vector<Plugin*> chain;
  bool errors = false;  // log SERVFAILs to stderr
  bool ready = false;   // its plugins count for /ready
  std::vector<std::string> names;  // "cluster.local.:53" for the start-up lines
};

// One zone of a block on one listener.
struct ZoneEntry {
  Name zone;
  std::string zone_key;     // lower-cased wire form
  BlockConfig* block = nullptr;
  std::string server;       // "dns://:53"
  std::shared_ptr<ZoneMetrics> metrics;
  std::vector<int> plugin_slots;  // chain index -> metrics slot
  size_t index = 0;               // in Config::zones
};

// An address and port to listen on ("" = every address).
struct ListenerKey {
  std::string address;
  int port = 53;
  friend bool operator==(const ListenerKey&, const ListenerKey&) = default;
  friend auto operator<=>(const ListenerKey&, const ListenerKey&) = default;
};

struct ListenerConfig {
  ListenerKey key;
  std::string server;               // "dns://:53"
  std::vector<ZoneEntry*> zones;    // most labels first
  std::shared_ptr<ZoneMetrics> dropped;  // zone "dropped": REFUSED queries
  // The longest zone `qkey` (lower-cased wire) is in or below; nullptr if none.
  ZoneEntry* Match(std::string_view qkey) const;
};

struct HttpRoutes {
  bool health = false, ready = false, metrics = false;
};

struct Config {
  std::string corefile;
  std::vector<std::unique_ptr<BlockConfig>> blocks;
  std::vector<std::unique_ptr<ZoneEntry>> zones;
  std::vector<ListenerConfig> listeners;
  std::map<std::string, HttpRoutes> http;  // address as written -> paths
  std::chrono::milliseconds lameduck{0};
  bool reload = false;
  std::chrono::milliseconds reload_interval{30000}, reload_jitter{15000};
};

StatusOr<std::shared_ptr<Config>> BuildConfig(const std::string& corefile, const ServerOptions& options);


// "[LEVEL] msg" on stdout, one write.
void ServerLog(std::string_view level, std::string_view msg);

// ---- listeners and workers (listeners.cc) ---------------------------------

// The sockets of one ListenerKey: one UDP and one TCP socket per worker,
// SO_REUSEPORT. Closed when the last snapshot using them goes.
struct ListenerSockets {
  ListenerKey key;
  int bound_port = 0;
  std::vector<int> udp, tcp;
  ~ListenerSockets();
};
StatusOr<std::shared_ptr<ListenerSockets>> OpenListener(const ListenerKey& key, int workers);

// What the workers serve: a configuration and its listeners' sockets
// (parallel to config->listeners).
struct Snapshot {
  std::shared_ptr<const Config> config;
  std::vector<std::shared_ptr<ListenerSockets>> sockets;
  uint64_t generation = 0;
};

class Worker;
struct WorkerDeleter {
  void operator()(Worker* w) const;  // listeners.cc
};
using WorkerPtr = std::unique_ptr<Worker, WorkerDeleter>;

// ---- HTTP endpoints (http_endpoints.cc) -----------------------------------

class HttpListener {
 public:
  // Binds `address` (":8080", "localhost:9153", "127.0.0.1:0").
  static StatusOr<std::unique_ptr<HttpListener>> Open(const std::string& address, Server::Impl* server);
  ~HttpListener();  // stops and joins
  int port() const { return port_; }

 private:
  HttpListener() = default;
  void Run();
  void Handle(int fd);
  std::string address_;
  Server::Impl* server_ = nullptr;
  int fd_ = -1, port_ = 0;
  int wake_[2] = {-1, -1};
  std::thread thread_;
};

// ---- the server (server.cc) -----------------------------------------------

struct Server::Impl {
  ServerOptions options;
  int threads = 1;

  mutable std::mutex mu;  // guards snapshot, http, started
  std::shared_ptr<const Snapshot> snapshot;
  std::atomic<uint64_t> generation{0};
  std::map<std::string, std::unique_ptr<HttpListener>> http;
  bool started = false;

  std::atomic<int> tcp_connections{0};
  std::atomic<bool> stopping{false};
  std::vector<WorkerPtr> workers;

  std::mutex reload_mu;  // one reload at a time
  std::mutex timer_mu;
  std::condition_variable timer_cv;
  std::thread timer;
  bool file_changed = false;         // set by `watch`, under timer_mu
  std::unique_ptr<DirWatch> watch;   // the Corefile's directory
  std::string last_corefile;

  // Configurations a worker let go of: destroyed on the reload timer's
  // thread, never on a worker, since plugin destructors may wait (the
  // kubernetes plugin joins its watch threads, which can sit in an API call).
  std::mutex retired_mu;
  std::vector<std::shared_ptr<const void>> retired;
  void Retire(std::shared_ptr<const void> old) {
    std::lock_guard<std::mutex> l(retired_mu);
    retired.push_back(std::move(old));
  }
  void DestroyRetired() {
    std::vector<std::shared_ptr<const void>> old;
    {
      std::lock_guard<std::mutex> l(retired_mu);
      old.swap(retired);
    }
  }

  std::shared_ptr<const Snapshot> Current() const {
    std::lock_guard<std::mutex> l(mu);
    return snapshot;
  }
  // Opens what `config` needs that is not open, and swaps it in.
  Status Install(std::shared_ptr<const Config> config);
  void Log(std::string_view msg) const {
    if (options.log_info) ServerLog("INFO", msg);
  }
  // The HTTP handlers: status code and body.
  std::pair<int, std::string> ServeHttp(const std::string& address, const std::string& path);
  std::string RenderMetrics() const;
};

// Starts `n` workers serving impl's snapshots.
std::vector<WorkerPtr> StartWorkers(Server::Impl* impl, int n);
// Wakes workers to pick up a new snapshot; then stops and joins them.
void WakeWorkers(const std::vector<WorkerPtr>& workers);
void StopWorkers(std::vector<WorkerPtr>& workers);

}  // namespace netkube::dns
