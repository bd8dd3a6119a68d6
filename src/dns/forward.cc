#include "dns/forward.h"

#include <stdlib.h>

#include <algorithm>
#include <numeric>
#include <ostream>

#include "dns/message.h"

namespace netkube::dns {
namespace {

using Clock = Exchanger::Clock;

// Does the reply's question equal the query's (name ignoring case, type)?
// CoreDNS answers FORMERR when it does not.
bool QuestionMatches(const Request& req, std::string_view w) {
  if (w.size() < 12 || req.query.question.empty()) return false;
  uint16_t qdcount = static_cast<uint16_t>((static_cast<uint8_t>(w[4]) << 8) | static_cast<uint8_t>(w[5]));
  if (qdcount != 1) return false;
  const std::string& key = req.qkey();
  if (w.size() < 12 + key.size() + 4) return false;
  size_t off = 12;
  for (;;) {  // the first name of a message is never compressed
    uint8_t len = static_cast<uint8_t>(w[off]);
    if (len > 63) return false;
    if (off + 1 + len > 12 + key.size()) return false;
    for (size_t i = 0; i <= len; ++i) {
      char c = w[off + i];
      if (i > 0 && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != key[off - 12 + i]) return false;
    }
    off += 1 + len;
    if (len == 0) break;
  }
  uint16_t qtype = static_cast<uint16_t>((static_cast<uint8_t>(w[off]) << 8) | static_cast<uint8_t>(w[off + 1]));
  return qtype == req.qtype();
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

struct Forward::Pending {
  RequestPtr req;
  std::string wire;  // the query as it goes out (each exchange sets its own id)
  std::vector<size_t> order;
  size_t next = 0;   // position in `order`
  size_t downs = 0;  // down upstreams met in this pass over `order`
  int attempts = 0;
  bool tcp = false;
  Clock::time_point deadline;
  Clock::time_point attempt_start;
};

struct Forward::Counters {
  explicit Counters(size_t n) : requests(n), durations(n), healthcheck_failures(n) {}
  std::vector<uint64_t> requests;
  std::vector<std::map<int, Histogram>> durations;  // per upstream, rcode; counts are the responses
  std::vector<uint64_t> healthcheck_failures;
};

struct Forward::Done {
  RequestPtr req;
  std::string wire;  // the reply, or empty: Fail(rcode)
  int rcode = rcode::ServFail;
};

Forward::Forward(ForwardConfig config)
    : config_(std::move(config)),
      state_(new UpstreamState[config_.to.size()]),
      counters_(std::make_unique<Counters>(config_.to.size())),
      exchanger_(std::make_unique<Exchanger>(config_.expire)) {
  Message ping;
  ping.header.rd = config_.health_check_rd;
  ping.question.push_back(Question{config_.health_check_domain, type::NS, klass::IN});
  ping_ = Serialize(ping);
}

Forward::~Forward() {
  exchanger_->Stop();  // waits for its thread: no callback runs past this line
  std::vector<Done> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [token, p] : pending_) done.push_back(Done{std::move(p->req), {}, rcode::ServFail});
    pending_.clear();
  }
  Deliver(done);
}

bool Forward::Matches(const Request& req) const {
  if (req.query.question.empty()) return false;
  const Name& qname = req.query.question[0].name;
  if (!qname.IsSubdomainOf(config_.from)) return false;
  if (qname == config_.from) return true;
  for (const Name& ignored : config_.except) {
    if (qname.IsSubdomainOf(ignored)) return false;
  }
  return true;
}

std::vector<size_t> Forward::Order() {
  size_t n = config_.to.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  switch (config_.policy) {
    case ForwardPolicy::kSequential:
      break;
    case ForwardPolicy::kRoundRobin:
      std::rotate(order.begin(), order.begin() + static_cast<long>(round_robin_.fetch_add(1) % n), order.end());
      break;
    case ForwardPolicy::kRandom:
      for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[arc4random_uniform(static_cast<uint32_t>(i))]);
      break;
  }
  return order;
}

bool Forward::Down(size_t i) const {
  return config_.max_fails != 0 && state_[i].fails.load() > config_.max_fails;
}
bool Forward::IsDown(size_t i) const { return Down(i); }
uint32_t Forward::Fails(size_t i) const { return state_[i].fails.load(); }
size_t Forward::InFlight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.size();
}

void Forward::Serve(RequestPtr req) {
  if (!Matches(*req)) {
    Next(std::move(req));
    return;
  }
  if (config_.to.empty()) {
    req->Fail(rcode::ServFail);
    return;
  }
  int64_t now_concurrent = concurrent_.fetch_add(1) + 1;
  if (config_.max_concurrent > 0 && now_concurrent > config_.max_concurrent) {
    concurrent_.fetch_sub(1);
    max_concurrent_rejects_.fetch_add(1);
    req->Fail(rcode::Refused);
    return;
  }
  auto p = std::make_unique<Pending>();
  p->wire = Serialize(req->query);
  p->tcp = config_.force_tcp || (!config_.prefer_udp && req->transport == Transport::kTcp);
  p->order = Order();
  p->deadline = Clock::now() + config_.request_timeout;
  p->req = std::move(req);
  std::vector<Done> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    uint64_t token = next_token_++;
    pending_[token] = std::move(p);
    TryNext(token, &done);
  }
  Deliver(done);  // may destroy this plugin (the request's keepalive): nothing after
}

// REQUIRES: mu_ held; `token` pending.
void Forward::TryNext(uint64_t token, std::vector<Done>* done) {
  Pending& p = *pending_[token];
  size_t n = config_.to.size();
  int max_attempts = config_.max_connect_attempts < 0 ? static_cast<int>(2 * n) : config_.max_connect_attempts;
  for (;;) {
    Clock::time_point now = Clock::now();
    if (now >= p.deadline || (max_attempts > 0 && p.attempts >= max_attempts)) {
      Finish(token, rcode::ServFail, {}, done);
      return;
    }
    if (p.next >= p.order.size()) {
      p.next = 0;
      p.downs = 0;
    }
    size_t up = p.order[p.next++];
    if (Down(up)) {
      if (++p.downs < n) continue;
      // All down: health checking itself may be broken; try one at random.
      healthcheck_broken_.fetch_add(1);
      up = arc4random_uniform(static_cast<uint32_t>(n));
    }
    p.attempt_start = now;
    counters_->requests[up]++;
    Status st = exchanger_->Start(config_.to[up], p.tcp ? Transport::kTcp : Transport::kUdp, p.wire,
                                  now + config_.read_timeout,
                                  [this, token, up](ExchangeResult r) { OnReply(token, up, std::move(r)); });
    if (st.ok()) return;
    p.attempts++;
    KickHealthCheck(up);
    if (p.downs >= n) {
      Finish(token, rcode::ServFail, {}, done);
      return;
    }
  }
}

void Forward::OnReply(uint64_t token, size_t up, ExchangeResult result) {
  std::vector<Done> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(token);
    if (it == pending_.end()) return;
    Pending& p = *it->second;
    Clock::time_point now = Clock::now();
    if (!result.status.ok()) {
      p.attempts++;
      KickHealthCheck(up);
      if (p.downs >= config_.to.size()) {
        Finish(token, rcode::ServFail, {}, &done);
      } else {
        TryNext(token, &done);
      }
    } else {
      const std::string& w = result.reply;
      int rc = static_cast<uint8_t>(w[3]) & 0x0f;
      bool truncated = (static_cast<uint8_t>(w[2]) & 0x02) != 0;
      counters_->durations[up][rc].Observe(std::chrono::duration<double>(now - p.attempt_start).count());
      if (truncated && !p.tcp && config_.prefer_udp) {
        // Ask the same upstream again over TCP (not a new attempt).
        p.tcp = true;
        p.attempt_start = now;
        counters_->requests[up]++;
        Status st = exchanger_->Start(config_.to[up], Transport::kTcp, p.wire, now + config_.read_timeout,
                                      [this, token, up](ExchangeResult r) { OnReply(token, up, std::move(r)); });
        if (!st.ok()) {
          p.attempts++;
          KickHealthCheck(up);
          TryNext(token, &done);
        }
      } else if (!QuestionMatches(*p.req, w)) {
        Finish(token, rcode::FormErr, {}, &done);
      } else {
        Finish(token, rc, std::move(result.reply), &done);
      }
    }
  }
  Deliver(done);  // may destroy this plugin: nothing after
}

// REQUIRES: mu_ held.
void Forward::Finish(uint64_t token, int rc, std::string wire, std::vector<Done>* done) {
  auto it = pending_.find(token);
  done->push_back(Done{std::move(it->second->req), std::move(wire), rc});
  pending_.erase(it);
  concurrent_.fetch_sub(1);
}

void Forward::Deliver(std::vector<Done>& done) {
  for (Done& d : done) {
    if (!d.wire.empty()) {
      d.req->ReplyWire(std::move(d.wire));
    } else {
      d.req->Fail(d.rcode);
    }
    d.req.reset();
  }
}

// REQUIRES: mu_ held.
void Forward::KickHealthCheck(size_t i) {
  if (config_.max_fails == 0 || state_[i].probing) return;
  state_[i].probing = true;
  exchanger_->RunAt(Clock::now(), [this, i] { HealthCheck(i); });
}

void Forward::HealthCheck(size_t i) {
  Clock::time_point started = Clock::now();
  Status st = exchanger_->Start(config_.to[i], config_.force_tcp ? Transport::kTcp : Transport::kUdp, ping_,
                                started + config_.health_timeout,
                                [this, i, started](ExchangeResult r) { OnHealthCheck(i, started, r.status.ok()); });
  if (!st.ok()) OnHealthCheck(i, started, false);
}

void Forward::OnHealthCheck(size_t i, Clock::time_point started, bool ok) {
  std::lock_guard<std::mutex> lock(mu_);
  if (ok) {
    state_[i].fails.store(0);
    state_[i].probing = false;
    return;
  }
  state_[i].fails.fetch_add(1);
  counters_->healthcheck_failures[i]++;
  exchanger_->RunAt(std::max(Clock::now(), started + config_.health_check), [this, i] { HealthCheck(i); });
}

void Forward::RenderMetrics(std::ostream& out) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto to = [&](size_t i) { return "to=\"" + Escape(config_.to[i].name) + "\""; };
  size_t n = config_.to.size();
  out << "# HELP coredns_forward_requests_total Counter of requests made per upstream.\n"
         "# TYPE coredns_forward_requests_total counter\n";
  for (size_t i = 0; i < n; ++i) out << "coredns_forward_requests_total{" << to(i) << "} " << counters_->requests[i] << "\n";
  out << "# HELP coredns_forward_responses_total Counter of responses received per upstream.\n"
         "# TYPE coredns_forward_responses_total counter\n";
  for (size_t i = 0; i < n; ++i) {
    for (const auto& [rc, h] : counters_->durations[i]) {
      out << "coredns_forward_responses_total{rcode=\"" << RcodeName(rc) << "\"," << to(i) << "} " << h.count() << "\n";
    }
  }
  out << "# HELP coredns_forward_request_duration_seconds Histogram of the time each request took.\n"
         "# TYPE coredns_forward_request_duration_seconds histogram\n";
  for (size_t i = 0; i < n; ++i) {
    for (const auto& [rc, h] : counters_->durations[i]) {
      h.Render(out, "coredns_forward_request_duration_seconds", "rcode=\"" + RcodeName(rc) + "\"," + to(i));
    }
  }
  out << "# HELP coredns_forward_healthcheck_failures_total Counter of the number of failed healthchecks.\n"
         "# TYPE coredns_forward_healthcheck_failures_total counter\n";
  for (size_t i = 0; i < n; ++i) {
    out << "coredns_forward_healthcheck_failures_total{" << to(i) << "} " << counters_->healthcheck_failures[i] << "\n";
  }
  out << "# HELP coredns_forward_healthcheck_broken_total Counter of the number of complete failures of the "
         "healthchecks.\n"
         "# TYPE coredns_forward_healthcheck_broken_total counter\n"
         "coredns_forward_healthcheck_broken_total "
      << healthcheck_broken_.load() << "\n";
  out << "# HELP coredns_forward_max_concurrent_rejects_total Counter of the number of queries rejected because the "
         "concurrent queries were at maximum.\n"
         "# TYPE coredns_forward_max_concurrent_rejects_total counter\n"
         "coredns_forward_max_concurrent_rejects_total "
      << max_concurrent_rejects_.load() << "\n";
}

}  // namespace netkube::dns
