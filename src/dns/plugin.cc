// The request's reply path and the chain walk (plugin.h).
#include "dns/plugin.h"

#include <atomic>

namespace netkube::dns {

namespace {

std::atomic<uint64_t> g_data_generation{1};

// The 4-bit header rcode of a wire reply (the OPT's extension is left out:
// only BADVERS uses it, and the server writes that one itself).
int WireRcode(std::string_view wire) { return wire.size() >= 4 ? (static_cast<uint8_t>(wire[3]) & 0x0f) : -1; }

void SetWireId(std::string& wire, uint16_t id) {
  if (wire.size() >= 2) {
    wire[0] = static_cast<char>(id >> 8);
    wire[1] = static_cast<char>(id & 0xff);
  }
}

}  // namespace

uint64_t DataGeneration() { return g_data_generation.load(std::memory_order_acquire); }
void BumpDataGeneration() { g_data_generation.fetch_add(1, std::memory_order_acq_rel); }

const std::string& Request::qkey() const {
  if (!qkey_set_) {
    if (!query.question.empty()) {
      qkey_ = query.question[0].name.wire();
      LowerWire(qkey_);
    }
    qkey_set_ = true;
  }
  return qkey_;
}

void Request::Reply(Message reply) {
  if (replied_) return;
  for (auto it = filters_.rbegin(); it != filters_.rend(); ++it) (*it)->Filter(*this, reply);
  reply.header.id = query.header.id;
  std::string wire = Serialize(reply, max_size);
  Write(wire, reply.header.rcode);
}

void Request::ReplyWire(std::string wire) {
  if (replied_) return;
  if (filters_.empty() && wire.size() <= max_size) {  // the fast path
    SetWireId(wire, query.header.id);
    Write(wire, WireRcode(wire));
    return;
  }
  // Wire filters first, last pushed first; the first that needs the message
  // switches the rest of the way to Filter.
  size_t i = filters_.size();
  for (; i > 0; --i) {
    if (!filters_[i - 1]->FilterWire(*this, wire)) break;
  }
  if (i == 0 && wire.size() <= max_size) {
    SetWireId(wire, query.header.id);
    Write(wire, WireRcode(wire));
    return;
  }
  auto parsed = Parse(wire);
  if (!parsed.ok()) {  // a plugin handed over a broken packet
    Message fail = Message::ReplyTo(query);
    fail.header.rcode = rcode::ServFail;
    for (; i > 0; --i) filters_[i - 1]->Filter(*this, fail);
    fail.header.id = query.header.id;
    std::string out = Serialize(fail, max_size);
    Write(out, fail.header.rcode);
    return;
  }
  Message reply = std::move(parsed).value();
  for (; i > 0; --i) filters_[i - 1]->Filter(*this, reply);
  reply.header.id = query.header.id;
  std::string out = Serialize(reply, max_size);
  Write(out, reply.header.rcode);
}

void Request::Fail(int rc) {
  if (replied_) return;
  Message reply = Message::ReplyTo(query);
  reply.header.rcode = rc;
  Reply(std::move(reply));
}

void Request::Write(std::string& wire, int rc) {
  replied_ = true;
  reply_rcode_ = rc;
  reply_size_ = wire.size();
  if (writer) writer->Write(*this, wire);
}

void Next(RequestPtr req) {
  if (req->chain != nullptr && req->next_plugin < req->chain->size()) {
    Plugin* p = (*req->chain)[req->next_plugin++];
    p->Serve(std::move(req));
    return;
  }
  req->Fail(rcode::ServFail);
}

}  // namespace netkube::dns
