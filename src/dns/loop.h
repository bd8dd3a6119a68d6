// The loop plugin (CoreDNS's plugin/loop): detects a simple forwarding loop at
// start-up and halts the process.
//
//   loop
//
// A thread sends `<random>.<random>.ZONE. IN HINFO` (ZONE: the server block's
// first zone) to the server's own listener, once a second for up to 30 s until
// one probe is answered; then the plugin turns itself off. Meanwhile, when that
// very query reaches the plugin more than twice, the server forwards to
// itself: the plugin logs
//   [FATAL] plugin/loop: Loop (127.0.0.1:PEERPORT -> :PORT) detected for zone ".",
//   see https://coredns.io/plugins/loop#troubleshooting. Query: "HINFO N.M."
// and exits the process, as CoreDNS does (the exit is a hook for tests).
// Every query goes on to the next plugin.
//
// Thread-safety: Serve and the accessors are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "dns/name.h"
#include "dns/plugin.h"
#include "dns/setup.h"

namespace netkube::dns {

struct LoopOptions {
  Name zone;                   // the root by default
  std::string probe_ip = "127.0.0.1";  // where the probes go
  int port = 53;               // the server's port
  std::chrono::milliseconds probe_for{30000};
  std::chrono::milliseconds probe_timeout{2000};  // wait for one answer
  std::chrono::milliseconds retry_every{1000};
  // Called once with the message when a loop is found. Default: print it to
  // stdout with "[FATAL] " and _exit(1).
  std::function<void(const std::string& message)> fatal;
};

class Loop : public Plugin {
 public:
  // Starts probing at once (a server not yet listening only delays success).
  explicit Loop(LoopOptions options);
  ~Loop() override;

  std::string_view name() const override { return "loop"; }
  void Serve(RequestPtr req) override;

  const Name& qname() const { return qname_; }
  // True once probing has ended: a probe was answered or the time ran out.
  bool disabled() const { return disabled_.load(); }
  // How often the probe query came by since the last failed probe.
  int seen() const { return seen_.load(); }

 private:
  void Probe();
  bool ExchangeOnce();

  const LoopOptions options_;
  Name qname_;
  std::atomic<int> seen_{0};
  std::atomic<bool> disabled_{false};
  std::atomic<bool> fired_{false};

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

// Builds the plugin from its directive (setup.h): no arguments; the zone is the
// block's first, the address 127.0.0.1 and the block's port.
StatusOr<std::unique_ptr<Plugin>> SetupLoop(const Directive& d, const SetupContext& ctx);

}  // namespace netkube::dns
