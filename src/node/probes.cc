#include "node/probes.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "node/containers.h"
#include "streaming/exec.h"
#include "util/log.h"

namespace netkube::node {
namespace {

using Clock = std::chrono::steady_clock;

int IntField(const Json& j, const char* key, int def) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int>() : def;
}

StatusOr<int> ResolvePort(const Json& container, const Json& port) {
  if (port.is_number_integer()) return port.get<int>();
  if (port.is_string()) {
    std::string name = port.get<std::string>();
    if (!name.empty() && std::all_of(name.begin(), name.end(), ::isdigit)) return std::stoi(name);
    if (auto ports = container.find("ports"); ports != container.end() && ports->is_array()) {
      for (const Json& p : *ports) {
        if (p.value("name", "") == name) return p.value("containerPort", 0);
      }
    }
    return Status::Invalid("couldn't find port: " + name + " in " + container.value("name", ""));
  }
  return Status::Invalid("probe without a port");
}

// Connects to ip:port within `timeout`; returns the socket or an error worded
// as kubelet's dialer does.
StatusOr<int> Dial(const std::string& ip, int port, std::chrono::milliseconds timeout) {
  std::string addr = ip + ":" + std::to_string(port);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, ip.c_str(), &sa.sin_addr) != 1) return Status::Invalid("dial tcp " + addr + ": bad address");
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Internal(std::string("socket: ") + std::strerror(errno));
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    rc = poll(&p, 1, static_cast<int>(timeout.count()));
    if (rc == 0) {
      close(fd);
      return Status::Timeout("dial tcp " + addr + ": i/o timeout");
    }
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    errno = err;
    rc = err == 0 ? 0 : -1;
  }
  if (rc != 0) {
    std::string msg = errno == ECONNREFUSED ? "connection refused" : std::strerror(errno);
    close(fd);
    return Status::Unavailable("dial tcp " + addr + ": connect: " + msg);
  }
  return fd;
}

Status HttpProbe(const ProbeSpec& s, const std::string& ip, Clock::time_point deadline) {
  std::string url = "http://" + ip + ":" + std::to_string(s.port) + s.path;
  if (s.scheme == "HTTPS") return Status::Invalid("Get \"https://" + ip + "\": HTTPS probes are not supported by netkube");
  auto left = [&] { return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()); };
  auto fd = Dial(ip, s.port, left());
  if (!fd.ok()) return Status(fd.status().reason(), "Get \"" + url + "\": " + fd.status().message());
  std::string req = "GET " + s.path + " HTTP/1.1\r\nHost: " + ip + ":" + std::to_string(s.port) +
                    "\r\nUser-Agent: kube-probe/1.32\r\nAccept: */*\r\nConnection: close\r\n";
  for (const auto& [k, v] : s.headers) req += k + ": " + v + "\r\n";
  req += "\r\n";
  (void)!send(*fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string resp;
  char buf[1024];
  while (resp.find("\r\n") == std::string::npos) {
    pollfd p{*fd, POLLIN, 0};
    auto ms = left().count();
    if (ms <= 0 || poll(&p, 1, static_cast<int>(ms)) <= 0) {
      close(*fd);
      return Status::Timeout("Get \"" + url +
                             "\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
    }
    ssize_t n = recv(*fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    resp.append(buf, static_cast<size_t>(n));
  }
  close(*fd);
  // "HTTP/1.1 200 OK"
  int code = 0;
  if (resp.size() > 12 && resp.rfind("HTTP/", 0) == 0) code = std::atoi(resp.c_str() + resp.find(' ') + 1);
  if (code == 0) return Status::Unavailable("Get \"" + url + "\": EOF");
  if (code >= 200 && code < 400) return Status::OK();
  return Status::Unavailable("HTTP probe failed with statuscode: " + std::to_string(code));
}

Status ExecProbe(const ProbeSpec& s, const ProbeTarget& t, Clock::time_point deadline) {
  streaming::ExecTarget target{t.pid, t.env, ""};
  streaming::ExecOptions eo;
  eo.command = s.command;
  eo.stderr = true;
  auto proc = streaming::ExecProcess::Start(target, eo);
  if (!proc.ok()) return proc.status();
  std::string out;
  char buf[4096];
  int fds[2] = {(*proc)->stdout_fd(), (*proc)->stderr_fd()};
  bool open[2] = {fds[0] >= 0, fds[1] >= 0};
  while (open[0] || open[1]) {
    pollfd p[2];
    int n = 0;
    int which[2];
    for (int i = 0; i < 2; ++i) {
      if (open[i]) {
        p[n] = {fds[i], POLLIN, 0};
        which[n++] = i;
      }
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (ms <= 0 || poll(p, n, static_cast<int>(ms)) <= 0) {
      (*proc)->Kill();
      return Status::Timeout("command timed out: \"" + (s.command.empty() ? "" : s.command[0]) + "\" timed out after " +
                             std::to_string(s.timeout_seconds) + "s");
    }
    for (int i = 0; i < n; ++i) {
      if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t r = read(p[i].fd, buf, sizeof(buf));
      if (r <= 0) {
        open[which[i]] = false;
      } else if (out.size() < 10240) {
        out.append(buf, static_cast<size_t>(r));
      }
    }
  }
  int code = (*proc)->Wait();
  if (code == 0) return Status::OK();
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return Status::Unavailable(out.empty() ? "command exited with " + std::to_string(code) : out);
}

std::string WorkerKey(const std::string& uid, const std::string& container, ProbeType type) {
  return uid + "/" + container + "/" + std::to_string(static_cast<int>(type));
}

}  // namespace

const char* ProbeTypeName(ProbeType t) {
  switch (t) {
    case ProbeType::kReadiness:
      return "Readiness";
    case ProbeType::kLiveness:
      return "Liveness";
    case ProbeType::kStartup:
      return "Startup";
  }
  return "";
}

StatusOr<std::optional<ProbeSpec>> ParseProbe(const Json& container, ProbeType type) {
  const char* field = type == ProbeType::kReadiness ? "readinessProbe"
                      : type == ProbeType::kLiveness ? "livenessProbe"
                                                     : "startupProbe";
  auto it = container.find(field);
  if (it == container.end() || !it->is_object()) return std::optional<ProbeSpec>();
  const Json& p = *it;
  ProbeSpec s;
  s.initial_delay_seconds = IntField(p, "initialDelaySeconds", 0);
  s.period_seconds = std::max(1, IntField(p, "periodSeconds", 10));
  s.timeout_seconds = std::max(1, IntField(p, "timeoutSeconds", 1));
  s.success_threshold = std::max(1, IntField(p, "successThreshold", 1));
  s.failure_threshold = std::max(1, IntField(p, "failureThreshold", 3));
  if (auto h = p.find("httpGet"); h != p.end() && h->is_object()) {
    s.kind = ProbeSpec::kHttpGet;
    auto port = ResolvePort(container, h->value("port", Json()));
    if (!port.ok()) return port.status();
    s.port = *port;
    s.host = h->value("host", "");
    s.path = h->value("path", "/");
    if (s.path.empty() || s.path[0] != '/') s.path = "/" + s.path;
    s.scheme = h->value("scheme", "HTTP");
    for (const Json& hdr : h->value("httpHeaders", Json::array())) {
      s.headers.emplace_back(hdr.value("name", ""), hdr.value("value", ""));
    }
  } else if (auto t = p.find("tcpSocket"); t != p.end() && t->is_object()) {
    s.kind = ProbeSpec::kTcpSocket;
    auto port = ResolvePort(container, t->value("port", Json()));
    if (!port.ok()) return port.status();
    s.port = *port;
    s.host = t->value("host", "");
  } else if (auto e = p.find("exec"); e != p.end() && e->is_object()) {
    s.kind = ProbeSpec::kExec;
    s.command = e->value("command", std::vector<std::string>{});
    if (s.command.empty()) return Status::Invalid("exec probe without a command");
  } else {
    return Status::Invalid(std::string(field) + ": no handler (httpGet, tcpSocket or exec)");
  }
  return std::optional<ProbeSpec>(s);
}

bool Tracker::Record(bool success) {
  if (success) {
    failures_ = 0;
    if (++successes_ >= spec_.success_threshold && result_ != true) {
      result_ = true;
      return true;
    }
  } else {
    successes_ = 0;
    if (++failures_ >= spec_.failure_threshold && result_ != false) {
      result_ = false;
      return true;
    }
  }
  return false;
}

Status RunProbe(const ProbeSpec& spec, const ProbeTarget& target) {
  auto deadline = Clock::now() + std::chrono::seconds(spec.timeout_seconds);
  std::string host = spec.host.empty() ? target.pod_ip : spec.host;
  switch (spec.kind) {
    case ProbeSpec::kHttpGet:
      return HttpProbe(spec, host, deadline);
    case ProbeSpec::kTcpSocket: {
      auto fd = Dial(host, spec.port, std::chrono::seconds(spec.timeout_seconds));
      if (!fd.ok()) return fd.status();
      close(*fd);
      return Status::OK();
    }
    case ProbeSpec::kExec:
      return ExecProbe(spec, target, deadline);
  }
  return Status::Internal("unknown probe kind");
}

Status RunPreStop(const Json& hook, const std::string& pod_ip, int pid, int64_t timeout_seconds) {
  if (auto sl = hook.find("sleep"); sl != hook.end() && sl->is_object()) {
    int64_t secs = std::min<int64_t>(sl->value("seconds", 0), timeout_seconds);
    std::this_thread::sleep_for(std::chrono::seconds(secs));
    return Status::OK();
  }
  // exec and httpGet share the probe handlers (a hook is a probe run once).
  Json container = {{"readinessProbe", hook}};
  container["readinessProbe"]["timeoutSeconds"] = static_cast<int>(std::max<int64_t>(1, timeout_seconds));
  auto spec = ParseProbe(container, ProbeType::kReadiness);
  if (!spec.ok()) return spec.status();
  if (!spec->has_value()) return Status::OK();
  ProbeTarget target{pod_ip, pid, pid > 0 ? ProcessEnviron(pid) : std::vector<std::string>{}};
  return RunProbe(**spec, target);
}

Prober::Prober(OnResult on_result) : on_result_(std::move(on_result)) {
  thread_ = std::thread([this] { Run(); });
}

Prober::~Prober() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Prober::Add(const std::string& uid, const std::string& container, ProbeType type, const ProbeSpec& spec,
                 const ProbeTarget& target) {
  Worker w{uid, container, type, spec, target, Tracker(spec),
           Clock::now() + std::chrono::seconds(spec.initial_delay_seconds), type != ProbeType::kStartup};
  {
    std::lock_guard<std::mutex> lock(mu_);
    workers_.insert_or_assign(WorkerKey(uid, container, type), std::move(w));
  }
  cv_.notify_all();
}

void Prober::Remove(const std::string& uid, const std::string& container) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string prefix = container.empty() ? uid + "/" : uid + "/" + container + "/";
  for (auto it = workers_.lower_bound(prefix); it != workers_.end() && it->first.rfind(prefix, 0) == 0;) {
    it = workers_.erase(it);
  }
}

void Prober::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    auto now = Clock::now();
    auto next = now + std::chrono::seconds(1);
    std::string due_key;
    for (auto& [key, w] : workers_) {
      if (w.due <= now) {
        due_key = key;
        break;
      }
      next = std::min(next, w.due);
    }
    if (due_key.empty()) {
      cv_.wait_until(lock, next);
      continue;
    }
    Worker& w = workers_.at(due_key);
    w.due = now + std::chrono::seconds(w.spec.period_seconds);
    if (w.gated) {
      auto s = workers_.find(WorkerKey(w.uid, w.container, ProbeType::kStartup));
      if (s != workers_.end() && s->second.tracker.result() != true) continue;
    }
    ProbeSpec spec = w.spec;
    ProbeTarget target = w.target;
    lock.unlock();
    Status st = RunProbe(spec, target);
    lock.lock();
    auto it = workers_.find(due_key);
    if (it == workers_.end()) continue;  // removed meanwhile
    Worker& cur = it->second;
    bool changed = cur.tracker.Record(st.ok());
    cur.succeeded = cur.succeeded || st.ok();
    if (cur.type == ProbeType::kReadiness && !cur.succeeded) {
      auto retry = cur.early_failures++ < 20 ? std::chrono::milliseconds(100) : std::chrono::milliseconds(1000);
      cur.due = std::min(cur.due, Clock::now() + retry);
    }
    if (changed || !st.ok()) {
      std::string uid = cur.uid, container = cur.container;
      ProbeType type = cur.type;
      bool result = cur.tracker.result().value_or(false);
      if (changed && type == ProbeType::kStartup && result) {
        // Started: readiness and liveness begin now.
        for (auto& [k, other] : workers_) {
          if (other.uid == uid && other.container == container && other.gated) other.due = std::max(other.due, Clock::now());
        }
      }
      lock.unlock();
      on_result_(uid, container, type, result, changed, st.message());
      lock.lock();
    }
  }
}

}  // namespace netkube::node
