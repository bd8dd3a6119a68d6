// The `netkube dns` server: Corefile server blocks served over UDP and TCP,
// plus the server-level directives CoreDNS has as plugins (errors, health,
// ready, prometheus, reload, bind, debug).
//
// Life of a query: a worker thread reads a batch of datagrams (recvmmsg) or a
// TCP frame, checks the header (QR set: dropped; opcode not QUERY: NOTIMP;
// qdcount != 1 or unparseable with a readable header: FORMERR; EDNS version
// > 0: BADVERS), picks the server block whose zone is the longest match of
// the query name among the blocks of the listener's address and port (none:
// REFUSED) and runs that block's plugin chain (plugin.h). Replies written on
// the worker thread are sent in one sendmmsg per batch; replies from other
// threads (forward) are sent at once.
//
// Configuration: immutable once built. Reload builds a new one and swaps it
// atomically; requests in flight keep theirs alive (Request::keepalive).
// Listeners for addresses and ports present before and after a reload are
// kept; a reload that cannot open a new listener fails as a whole and the old
// configuration keeps serving.
//
// Thread-safety: all public methods may be called from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dns/setup.h"
#include "util/status.h"

namespace netkube::dns {

struct ServerOptions {
  // Worker threads, each with its own SO_REUSEPORT sockets. 0 = one per CPU.
  int threads = 0;
  // The port of server block keys without one (CoreDNS's -dns.port).
  int default_port = 53;
  // The Corefile's path: named in parse errors, re-read by `reload`, the
  // base of relative imports and hosts files. Default: "Corefile".
  std::string corefile_path = "Corefile";
  // Listen address of blocks without `bind`; "" = all addresses ([::]
  // dual-stack when the machine has IPv6, else 0.0.0.0).
  std::string default_address;
  // Open TCP connections allowed at once (all listeners); more are closed
  // at accept.
  int max_tcp_connections = 1024;
  // Idle TCP connections (no query in flight) are closed after this.
  std::chrono::milliseconds tcp_idle_timeout{10000};
  // The chain plugins: name -> factory, in execution order. Empty = the
  // built-in table (PluginOrder, LookupPlugin). Tests put their own here.
  std::vector<std::pair<std::string, PluginFactory>> plugins;
  // The version printed and exported as coredns_build_info.
  std::string version = "0.1.0";
  // When false, the "[INFO] ..." lines on stdout are not written.
  bool log_info = true;
  // When true, the start-up lines (each "ZONE:PORT" served, then "netkube
  // dns VERSION") are not written (CoreDNS's -quiet).
  bool quiet = false;
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Builds the configuration from `corefile` (the text of
  // options.corefile_path), opens every listener and starts serving.
  // Errors: the parse or setup error ("Corefile:3 - Error during parsing:
  // ..."), a duplicate zone ("cannot serve dns://a.:53 - it is already
  // defined"), or a listener that cannot be opened.
  Status Start(const std::string& corefile);

  // Builds a configuration from `corefile` and swaps it in. On error the
  // current configuration keeps serving, coredns_reload_failed_total grows,
  // and "[ERROR] Restart failed: ..." is logged. Logs "[INFO] Reloading" and
  // "[INFO] Reloading complete". REQUIRES: Start succeeded.
  Status Reload(const std::string& corefile);

  // What the `reload` directive runs each interval: re-reads
  // options.corefile_path and reloads when its content changed.
  void ReloadIfChanged();

  // Graceful stop (SIGTERM): waits the longest `health { lameduck }` while
  // still serving, then Stop().
  void Shutdown();
  // Stops listeners, workers and HTTP endpoints; joins the threads.
  void Stop();

  // The port actually bound for a server block port (a Corefile key ending
  // in ":0" binds an ephemeral port); -1 when no block uses `port`.
  int DnsPort(int port) const;
  // The port actually bound for an HTTP address as written in the Corefile
  // (e.g. "127.0.0.1:0" for health, ready or prometheus); -1 when unknown.
  int HttpPort(const std::string& address) const;

  // The /metrics page as served.
  std::string RenderMetrics() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace netkube::dns
