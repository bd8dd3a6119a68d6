#include "ingress/leader_election.h"

#include <cstdio>

#include "util/log.h"

namespace netkube::ingress {
namespace {

using client::Json;

const api::Kind& LeaseKind() { return client::KindOf("coordination.k8s.io", "Lease"); }

// After a failed round the leader retries sooner than retry_period, so one
// lost request does not cost it the Lease.
constexpr std::chrono::milliseconds kErrorRetry{2000};

}  // namespace

std::string FormatMicroTime(client::TimePoint t) {
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t - secs).count();
  std::string base = client::FormatTime(secs);  // "...Z"
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(micros));
  return base.substr(0, base.size() - 1) + frac + "Z";
}

LeaderElector::LeaderElector(client::Client& client, LeaderElectionOptions options)
    : client_(client), options_(std::move(options)) {}

LeaderElector::~LeaderElector() { Stop(); }

void LeaderElector::SetLeader(bool leader) {
  if (leader_.exchange(leader) == leader) return;
  if (leader) {
    LOG_INFO << "leader election: " << options_.identity << " is the new leader (lease " << options_.ns << "/"
             << options_.name << ")";
    if (options_.on_started_leading) options_.on_started_leading();
  } else {
    LOG_INFO << "leader election: " << options_.identity << " stopped leading";
    if (options_.on_stopped_leading) options_.on_stopped_leading();
  }
}

bool LeaderElector::TryAcquireOrRenew(client::TimePoint now) {
  const std::string now_text = FormatMicroTime(now);
  auto failed = [&](const Status& st) {
    LOG_V(1) << "leader election: lease " << options_.ns << "/" << options_.name << ": " << st.ToString();
    if (st.IsConflict() || st.IsAlreadyExists()) {
      SetLeader(false);  // another candidate wrote first
    } else if (leader_.load() && now - last_renew_ > options_.renew_deadline) {
      LOG_WARN << "leader election: could not renew the lease for " << options_.renew_deadline.count()
               << " ms: " << st.message();
      SetLeader(false);
    }
    return leader_.load();
  };

  auto got = client_.Get(LeaseKind(), options_.ns, options_.name);
  if (!got.ok()) {
    if (!got.status().IsNotFound()) return failed(got.status());
    Json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                  {"kind", "Lease"},
                  {"metadata", {{"name", options_.name}, {"namespace", options_.ns}}},
                  {"spec",
                   {{"holderIdentity", options_.identity},
                    {"leaseDurationSeconds", options_.lease_duration.count()},
                    {"acquireTime", now_text},
                    {"renewTime", now_text},
                    {"leaseTransitions", 0}}}};
    auto created = client_.Create(LeaseKind(), options_.ns, lease);
    if (!created.ok()) return failed(created.status());
    last_renew_ = now;
    SetLeader(true);
    return true;
  }

  Json lease = std::move(*got);
  if (!lease.contains("spec") || !lease["spec"].is_object()) lease["spec"] = Json::object();
  Json& spec = lease["spec"];
  std::string holder = client::GetString(spec, {"holderIdentity"});
  int64_t duration = client::GetInt(spec, {"leaseDurationSeconds"}, options_.lease_duration.count());
  auto renewed = client::ParseTime(client::GetString(spec, {"renewTime"}));
  if (!renewed) renewed = client::ParseTime(client::GetString(spec, {"acquireTime"}));
  const bool ours = holder == options_.identity;
  const bool valid = renewed && *renewed + std::chrono::seconds(duration) > now;
  if (!ours && !holder.empty() && valid) {
    SetLeader(false);
    return false;
  }
  if (!ours) {
    spec["acquireTime"] = now_text;
    spec["leaseTransitions"] = client::GetInt(spec, {"leaseTransitions"}, 0) + 1;
  }
  spec["holderIdentity"] = options_.identity;
  spec["leaseDurationSeconds"] = options_.lease_duration.count();
  spec["renewTime"] = now_text;
  auto updated = client_.Update(LeaseKind(), options_.ns, lease);  // carries the resourceVersion read
  if (!updated.ok()) return failed(updated.status());
  last_renew_ = now;
  SetLeader(true);
  return true;
}

void LeaderElector::Release(client::TimePoint now) {
  if (!leader_.load()) return;
  auto got = client_.Get(LeaseKind(), options_.ns, options_.name);
  if (got.ok() && client::GetString(*got, {"spec", "holderIdentity"}) == options_.identity) {
    Json lease = std::move(*got);
    lease["spec"]["holderIdentity"] = "";
    lease["spec"]["leaseDurationSeconds"] = 1;
    lease["spec"]["renewTime"] = FormatMicroTime(now);
    auto r = client_.Update(LeaseKind(), options_.ns, lease);
    if (!r.ok()) LOG_V(1) << "leader election: release: " << r.status().ToString();
  }
  SetLeader(false);
}

void LeaderElector::Start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = false;
  }
  thread_ = std::thread([this] { Run(); });
}

void LeaderElector::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LeaderElector::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    auto before = last_renew_;
    bool leader = TryAcquireOrRenew(client::Now());
    // A leader whose round failed (last_renew_ unchanged) tries again soon.
    auto wait = leader && last_renew_ == before ? std::min(options_.retry_period, kErrorRetry) : options_.retry_period;
    lock.lock();
    cv_.wait_for(lock, wait, [this] { return stop_; });
  }
  lock.unlock();
  Release(client::Now());
}

}  // namespace netkube::ingress
