// The plugin chain: how a query travels through a server block's plugins.
//
// The server parses a datagram or TCP frame into a Request and hands it to
// the first plugin of the chain of the server block whose zone matches the
// query name best. Each plugin then does one of:
//   - answers: req->Reply(msg) (or ReplyWire for a ready-made packet);
//   - fails: req->Fail(rcode) — the client gets that rcode (SERVFAIL,
//     REFUSED, ...), as CoreDNS writes an error when a plugin returns one;
//   - passes it on: Next(std::move(req)); past the last plugin the client
//     gets SERVFAIL ("no next plugin found");
//   - keeps it and answers later, from any thread (forward does; the request
//     keeps its chain alive through `keepalive`).
// A plugin that needs to see or change the answer on its way out (cache,
// rewrite, loadbalance, log) pushes a ResponseFilter before passing the
// request on; filters run last-pushed first, as CoreDNS's wrapped
// ResponseWriters do.
//
// Thread-safety: Plugin::Serve is called from several server threads at once.
// A Request is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "dns/message.h"

namespace netkube::dns {

class Request;
using RequestPtr = std::unique_ptr<Request>;

class Plugin {
 public:
  virtual ~Plugin() = default;
  virtual std::string_view name() const = 0;
  // Answers, fails, keeps or hands on `req` (see above).
  virtual void Serve(RequestPtr req) = 0;
  // For the `ready` plugin: false until the plugin can answer (kubernetes:
  // caches synced).
  virtual bool Ready() const { return true; }
  // Prometheus text lines (coredns_* names), appended to /metrics.
  virtual void RenderMetrics(std::ostream& /*out*/) const {}
};

class ResponseFilter {
 public:
  virtual ~ResponseFilter() = default;
  // Sees and may change `reply` before it is written.
  virtual void Filter(const Request& req, Message& reply) = 0;
  // A fast path on the serialized reply. Return true when done (the wire
  // may have been changed in place); false to be called with Filter on the
  // parsed message instead.
  virtual bool FilterWire(const Request& /*req*/, std::string& /*wire*/) { return false; }
};

// Where replies go: the server's UDP socket or TCP connection.
class ReplyWriter {
 public:
  virtual ~ReplyWriter() = default;
  // Sends one reply (already fitted to req.max_size). Thread-safe.
  virtual void Write(const Request& req, std::string_view wire) = 0;
};

enum class Transport { kUdp, kTcp };

class Request {
 public:
  Message query;             // as received (rewrite may change its question)
  Transport transport = Transport::kUdp;
  std::string peer_ip;       // "10.244.1.5" (IPv4-mapped addresses shown as IPv4)
  int peer_port = 0;
  std::string local_ip;
  int local_port = 0;
  size_t max_size = 512;     // what the reply must fit: 65535 over TCP, else max(512, EDNS size)
  Name zone;                 // the server block's zone that matched
  std::string server;        // "dns://:53", the metrics label
  std::chrono::steady_clock::time_point start;

  // The chain and the writer; set by the server.
  std::vector<Plugin*>* chain = nullptr;
  size_t next_plugin = 0;
  std::shared_ptr<ReplyWriter> writer;
  std::shared_ptr<const void> keepalive;  // the configuration `chain` belongs to
  // Set by a plugin that answers from watched data (kubernetes, hosts) to
  // DataGeneration() at the time; the cache keeps such answers only while the
  // generation is unchanged. 0 = the answer does not depend on watched data.
  uint64_t data_generation = 0;

  // Filters to run on the reply (not owned / owned).
  void PushFilter(ResponseFilter* f) { filters_.push_back(f); }
  void PushFilter(std::unique_ptr<ResponseFilter> f) {
    filters_.push_back(f.get());
    owned_filters_.push_back(std::move(f));
  }

  // The lower-cased first question name (wire form); "" when there is none.
  const std::string& qkey() const;
  uint16_t qtype() const { return query.question.empty() ? 0 : query.question[0].qtype; }
  // A plugin that changes query.question (rewrite) calls this so qkey() is
  // computed again from the new name.
  void QuestionChanged() {
    qkey_.clear();
    qkey_set_ = false;
  }

  // Runs the filters, serializes to max_size (truncating with TC), writes.
  // At most one reply per request; later calls are ignored.
  void Reply(Message reply);
  // `wire` must be a whole reply to this query (its question section as the
  // query's); the server sets the id. With filters that need the message
  // the wire is parsed first.
  void ReplyWire(std::string wire);
  // Message::ReplyTo(query) with `rc`.
  void Fail(int rc);
  bool replied() const { return replied_; }
  // The rcode of the reply written (for log and metrics); -1 before.
  int reply_rcode() const { return reply_rcode_; }
  size_t reply_size() const { return reply_size_; }

 private:
  void Write(std::string& wire, int rc);
  std::vector<ResponseFilter*> filters_;
  std::vector<std::unique_ptr<ResponseFilter>> owned_filters_;
  mutable std::string qkey_;
  mutable bool qkey_set_ = false;
  bool replied_ = false;
  int reply_rcode_ = -1;
  size_t reply_size_ = 0;
};

// A process-wide counter that plugins serving watched data (kubernetes, hosts)
// bump on every change of that data, so cached answers built from older data
// are dropped at once: a new Service resolves, and a deleted one stops
// resolving, without waiting for a TTL.
uint64_t DataGeneration();
void BumpDataGeneration();

// Hands `req` to the next plugin of its chain, or fails it with SERVFAIL past
// the end.
void Next(RequestPtr req);

}  // namespace netkube::dns
