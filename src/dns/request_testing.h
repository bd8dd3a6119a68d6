// Test helpers for the hosts and rewrite plugins: run a query through a chain of plugins by hand
// and record what the client would get. Tests only.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dns/message.h"
#include "dns/plugin.h"

namespace netkube::dns::request_testing {

// Records every reply written.
class RecordingWriter : public ReplyWriter {
 public:
  void Write(const Request&, std::string_view wire) override {
    std::lock_guard<std::mutex> l(mu_);
    wires.emplace_back(wire);
  }
  std::mutex mu_;
  std::vector<std::string> wires;
};

// The plugin after the one under test: records the query it got and answers
// with `answer(query)` (by default NOERROR, no records, and a marker TXT).
class NextPlugin : public Plugin {
 public:
  std::string_view name() const override { return "next"; }
  void Serve(RequestPtr req) override {
    seen.push_back(req->query);
    Message m = answer ? answer(req->query) : Message::ReplyTo(req->query);
    if (!answer) {
      m.answer.push_back(ResourceRecord::MakeTxt(req->query.question[0].name, 5, {"next"}));
    }
    req->Reply(std::move(m));
  }
  std::function<Message(const Message&)> answer;
  std::vector<Message> seen;
};

inline Message Query(const std::string& name, uint16_t qtype, uint16_t id = 0x1234) {
  Message q;
  q.header.id = id;
  q.header.rd = true;
  q.question.push_back(Question{Name::Parse(name).value(), qtype, klass::IN});
  return q;
}

struct Outcome {
  bool replied = false;
  Message reply;
  uint64_t data_generation = 0;
};

// Runs `query` through `chain` (the first plugin first) and parses the reply.
inline Outcome Resolve(std::vector<Plugin*> chain, const Message& query) {
  auto writer = std::make_shared<RecordingWriter>();
  auto req = std::make_unique<Request>();
  req->query = query;
  req->max_size = 65535;
  req->chain = &chain;
  req->writer = writer;
  uint64_t generation = 0;
  struct GenFilter : ResponseFilter {
    uint64_t* out;
    void Filter(const Request& r, Message&) override { *out = r.data_generation; }
  };
  auto gf = std::make_unique<GenFilter>();
  gf->out = &generation;
  req->PushFilter(std::move(gf));
  Next(std::move(req));
  Outcome o;
  if (writer->wires.empty()) return o;
  auto parsed = Parse(writer->wires.back());
  if (!parsed.ok()) return o;
  o.replied = true;
  o.reply = std::move(parsed).value();
  o.data_generation = generation;
  return o;
}

}  // namespace netkube::dns::request_testing
