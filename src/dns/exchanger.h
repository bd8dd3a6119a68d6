// Asynchronous DNS exchanges with upstream servers over UDP and TCP, for the
// forward plugin: a query is sent from the calling thread without waiting, and
// the reply, a timeout or a network error comes back through a callback run on
// the exchanger's own thread (one epoll loop per Exchanger).
//
// Ids: every exchange gets a fresh random message id (the first two bytes of
// the query are rewritten); a reply is taken only with that id and QR set, so a
// late answer to an exchange that timed out is dropped. Callers map the id
// back (Request::ReplyWire sets the client's).
//
// UDP: a few connected sockets per upstream, each carrying many exchanges told
// apart by id; a socket older than `expire` is replaced (a new source port) and
// closed when its last exchange ends. An ICMP error on a socket fails the
// exchanges waiting on it.
// TCP (RFC 7766 framing): one exchange per connection at a time; finished
// connections are kept and reused, and closed after `expire` unused (CoreDNS's
// connection cache). A reused connection the upstream has closed is replaced by
// a fresh one transparently.
//
// Thread-safety: Start and RunAt may be called from any thread, also from a
// callback. Callbacks run one at a time on the exchanger's thread without any
// lock of the exchanger held. The Exchanger may be destroyed from inside one of
// its callbacks: it then stops after that callback, which must touch nothing
// of its owner once the owner is gone. After destruction no callback runs;
// exchanges still outstanding are dropped without one.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "dns/plugin.h"
#include "dns/upstream.h"
#include "util/status.h"

namespace netkube::dns {

struct ExchangeResult {
  // OK with `reply`; Timeout when no reply came by the deadline; Unavailable
  // for a network error (refused, reset, closed).
  Status status;
  std::string reply;  // the whole reply message; its id is the exchange's
};

class Exchanger {
 public:
  using Clock = std::chrono::steady_clock;
  using Callback = std::function<void(ExchangeResult)>;

  // `expire`: how long an idle TCP connection is kept, and a UDP socket used.
  explicit Exchanger(std::chrono::milliseconds expire = std::chrono::seconds(10));
  ~Exchanger();
  Exchanger(const Exchanger&) = delete;
  Exchanger& operator=(const Exchanger&) = delete;

  // Sends `query` (a whole message of at least a header) to `to` over `proto`.
  // Returns non-OK when it could not be sent at all (then `done` is never
  // called); otherwise `done` runs exactly once, at `deadline` at the latest.
  Status Start(const UpstreamAddress& to, Transport proto, std::string query, Clock::time_point deadline,
               Callback done);

  // Runs `fn` on the exchanger's thread at `when` (or right after).
  void RunAt(Clock::time_point when, std::function<void()> fn);

  // Stops the loop and waits for a callback in progress (unless called from
  // one). Afterwards no callback runs, Start fails and RunAt does nothing.
  // Idempotent, but not to be called from two threads at once; the
  // destructor calls it.
  void Stop();

  struct Core;  // the loop's state, shared with its thread

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace netkube::dns
