// DNS message codec (dns::Parse / dns::Serialize): arbitrary bytes must parse
// or fail cleanly, never read out of bounds or loop. A message that parses
// must serialize, and the result must parse again with the same question and,
// unless serializing had to truncate it, the same number of records.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "dns/message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netkube::dns;
  ParseError err;
  auto msg = Parse(std::span<const uint8_t>(data, size), &err);
  if (!msg.ok()) {
    // A readable header is reported whenever there were 12 bytes.
    if (size >= 12 && !err.header.has_value()) abort();
    return 0;
  }
  std::string wire = Serialize(*msg);
  auto again = Parse(wire);
  if (!again.ok()) abort();
  if (again->question.size() != msg->question.size()) abort();
  for (size_t i = 0; i < msg->question.size(); ++i) {
    if (again->question[i].name != msg->question[i].name || again->question[i].qtype != msg->question[i].qtype ||
        again->question[i].qclass != msg->question[i].qclass) {
      abort();
    }
  }
  if (again->header.id != msg->header.id || again->header.rcode != msg->header.rcode ||
      again->edns.has_value() != (msg->edns.has_value() || msg->header.rcode > 0xF)) {
    abort();
  }
  bool truncated = again->header.tc && !msg->header.tc;
  if (!truncated) {
    if (again->answer.size() != msg->answer.size() || again->authority.size() != msg->authority.size() ||
        again->additional.size() != msg->additional.size()) {
      abort();
    }
    for (size_t i = 0; i < msg->answer.size(); ++i) {
      if (again->answer[i].name != msg->answer[i].name || again->answer[i].rtype != msg->answer[i].rtype ||
          again->answer[i].rdata.size() != msg->answer[i].rdata.size()) {
        abort();
      }
    }
  }
  // A small UDP limit must be honoured whenever the question and OPT fit.
  std::string udp = Serialize(*msg, 512);
  if (!Parse(udp).ok()) abort();
  return 0;
}
