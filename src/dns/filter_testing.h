// Test helpers for the response-filter plugins (cache, log, loadbalance): a
// recording ReplyWriter, a fake next plugin that answers, and a way to run a
// query through a chain. Header-only; for tests.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dns/corefile.h"
#include "dns/message.h"
#include "dns/plugin.h"

namespace netkube::dns::filter_testing {

inline Name N(std::string_view s) {
  auto n = Name::Parse(s);
  return n.ok() ? *n : Name();
}

// Keeps every reply written.
class RecordingWriter : public ReplyWriter {
 public:
  void Write(const Request& /*req*/, std::string_view wire) override {
    std::lock_guard<std::mutex> l(mu);
    replies.emplace_back(wire);
  }
  std::mutex mu;
  std::vector<std::string> replies;
};

// The plugin after the one under test: answers with `answer(query)`, as a
// Message (Reply) or in wire form (ReplyWire), optionally stamping the
// request with the current data generation.
class FakeBackend : public Plugin {
 public:
  std::string_view name() const override { return "backend"; }
  void Serve(RequestPtr req) override {
    ++calls;
    Message m = answer(req->query);
    if (watched) req->data_generation = DataGeneration();
    if (wire) {
      req->ReplyWire(Serialize(m));
    } else {
      req->Reply(std::move(m));
    }
  }
  std::function<Message(const Message& query)> answer;
  bool wire = false;
  bool watched = false;
  int calls = 0;
};

struct QueryOptions {
  uint16_t id = 0x1234;
  uint16_t qtype = type::A;
  bool edns = true;
  bool do_bit = false;
  bool cd = false;
  bool rd = true;
  Transport transport = Transport::kUdp;
};

inline Message MakeQuery(std::string_view name, const QueryOptions& o = {}) {
  Message q;
  q.header.id = o.id;
  q.header.rd = o.rd;
  q.header.cd = o.cd;
  q.question.push_back({N(name), o.qtype, klass::IN});
  if (o.edns) {
    Edns e;
    e.udp_size = 4096;
    e.do_bit = o.do_bit;
    q.edns = e;
  }
  return q;
}

// Runs `query` through `chain` from its first plugin; returns the raw reply
// ("" when none was written).
inline std::string Run(std::vector<Plugin*>& chain, Message query, Transport transport = Transport::kUdp) {
  auto writer = std::make_shared<RecordingWriter>();
  auto req = std::make_unique<Request>();
  req->transport = transport;
  req->peer_ip = "10.244.1.5";
  req->peer_port = 40000;
  req->local_ip = "10.96.0.10";
  req->local_port = 53;
  req->max_size = transport == Transport::kTcp ? 65535
                  : query.edns                 ? std::max<size_t>(512, query.edns->udp_size)
                                               : 512;
  req->server = "dns://:53";
  req->start = std::chrono::steady_clock::now();
  req->query = std::move(query);
  req->chain = &chain;
  req->writer = writer;
  Next(std::move(req));
  return writer->replies.empty() ? std::string() : writer->replies.back();
}

// The first directive of a one-block Corefile.
inline Directive ParseDirective(std::string_view block_body, Status* error = nullptr) {
  std::string text = ". {\n" + std::string(block_body) + "\n}\n";
  auto blocks = ParseCorefile(text);
  if (!blocks.ok()) {
    if (error) *error = blocks.status();
    return {};
  }
  return (*blocks)[0].directives.at(0);
}

}  // namespace netkube::dns::filter_testing
