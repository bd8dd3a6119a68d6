// Server: start, reload (swap of an immutable configuration), stop, and the
// HTTP endpoints' answers.
#include "dns/server.h"

#include <unistd.h>

#include <algorithm>
#include <optional>
#include <random>
#include <set>
#include <sstream>

#include "dns/server_impl.h"
#include "util/file.h"

namespace netkube::dns {

Status Server::Impl::Install(std::shared_ptr<const Config> config) {
  std::shared_ptr<const Snapshot> old = Current();
  auto snap = std::make_shared<Snapshot>();
  snap->config = config;
  for (const ListenerConfig& lc : config->listeners) {
    std::shared_ptr<ListenerSockets> found;
    if (old) {
      for (const auto& s : old->sockets) {
        if (s->key == lc.key) found = s;
      }
    }
    if (!found) {
      auto opened = OpenListener(lc.key, threads);
      if (!opened.ok()) return opened.status();
      found = std::move(opened).value();
    }
    snap->sockets.push_back(std::move(found));
  }
  std::map<std::string, std::unique_ptr<HttpListener>> fresh;
  {
    std::lock_guard<std::mutex> l(mu);
    for (const auto& [addr, routes] : config->http) {
      if (http.count(addr)) continue;
      auto opened = HttpListener::Open(addr, this);
      if (!opened.ok()) return opened.status();
      fresh.emplace(addr, std::move(opened).value());
    }
  }
  std::vector<std::unique_ptr<HttpListener>> gone;
  {
    std::lock_guard<std::mutex> l(mu);
    snap->generation = generation.load() + 1;
    snapshot = snap;
    for (auto& [addr, listener] : fresh) http.emplace(addr, std::move(listener));
    for (auto it = http.begin(); it != http.end();) {
      if (config->http.count(it->first)) {
        ++it;
        continue;
      }
      gone.push_back(std::move(it->second));
      it = http.erase(it);
    }
    generation.store(snap->generation, std::memory_order_release);
  }
  WakeWorkers(workers);
  return Status::OK();  // `gone` joins the removed HTTP threads here
}

std::pair<int, std::string> Server::Impl::ServeHttp(const std::string& address, const std::string& path) {
  auto start = std::chrono::steady_clock::now();
  auto snap = Current();
  if (!snap) return {503, "stopping\n"};
  auto it = snap->config->http.find(address);
  HttpRoutes routes = it == snap->config->http.end() ? HttpRoutes{} : it->second;
  if (path == "/health" && routes.health) {
    MetricsRegistry::Get().RecordHealth(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return {200, "OK"};
  }
  if (path == "/ready" && routes.ready) {
    std::vector<std::string> not_ready;
    for (const auto& block : snap->config->blocks) {
      if (!block->ready) continue;
      for (const auto& p : block->plugins) {
        std::string name(p->name());
        if (!p->Ready() && std::find(not_ready.begin(), not_ready.end(), name) == not_ready.end()) {
          not_ready.push_back(name);
        }
      }
    }
    if (not_ready.empty()) return {200, "OK"};
    std::sort(not_ready.begin(), not_ready.end());
    std::string body;
    for (const auto& n : not_ready) body += n + "\n";
    return {503, body};
  }
  if (path == "/metrics" && routes.metrics) return {200, RenderMetrics()};
  return {404, "404 page not found\n"};
}

std::string Server::Impl::RenderMetrics() const {
  std::ostringstream out;
  out << "# HELP coredns_build_info A metric with a constant '1' value labeled by version, revision, and goversion "
         "from which CoreDNS was built.\n"
      << "# TYPE coredns_build_info gauge\n"
      << "coredns_build_info{goversion=\"\",revision=\"\",version=\"" << options.version << "\"} 1\n";
  MetricsRegistry::Get().Render(out);
  auto snap = Current();
  if (snap) {
    out << "# HELP coredns_plugin_enabled A metric that indicates whether a plugin is enabled on per server and zone "
           "basis.\n"
        << "# TYPE coredns_plugin_enabled gauge\n";
    for (const auto& z : snap->config->zones) {
      for (Plugin* p : z->block->chain) {
        out << "coredns_plugin_enabled{name=\"" << p->name() << "\",server=\"" << z->server << "\",view=\"\",zone=\""
            << z->zone.ToString() << "\"} 1\n";
      }
    }
    for (const auto& block : snap->config->blocks) {
      for (const auto& p : block->plugins) p->RenderMetrics(out);
    }
  }
  return MergePrometheusText(out.str());
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  int n = impl_->options.threads;
  if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
  impl_->threads = std::max(1, n);
}

Server::~Server() { Stop(); }

Status Server::Start(const std::string& corefile) {
  Impl& d = *impl_;
  std::lock_guard<std::mutex> rl(d.reload_mu);
  if (d.started) return Status::Conflict("server already started");
  auto cfg = BuildConfig(corefile, d.options);
  if (!cfg.ok()) return cfg.status();
  NK_RETURN_IF_ERROR(d.Install(*cfg));
  d.workers = StartWorkers(&d, d.threads);
  if (static_cast<int>(d.workers.size()) != d.threads) {
    StopWorkers(d.workers);
    return Status::Internal("cannot start worker threads");
  }
  d.started = true;
  d.last_corefile = corefile;
  if (!d.options.quiet) {
    for (const auto& block : (*cfg)->blocks) {
      for (const std::string& name : block->names) {
        std::string line = name + "\n";
        ssize_t rc = ::write(1, line.data(), line.size());
        (void)rc;
      }
    }
    std::string banner = "netkube dns " + d.options.version + "\n";
    ssize_t rc = ::write(1, banner.data(), banner.size());
    (void)rc;
  }
  // With `reload`, an edit is picked up as soon as the file changes (the
  // interval stays as the fallback): a ConfigMap edit takes effect when the
  // node agent writes the volume, not up to 45 s later.
  std::string dir = d.options.corefile_path;
  dir = dir.find('/') == std::string::npos ? "." : dir.substr(0, dir.rfind('/') + 1);
  d.watch = std::make_unique<DirWatch>(dir, [this] {
    Impl& d = *impl_;
    std::lock_guard<std::mutex> l(d.timer_mu);
    d.file_changed = true;
    d.timer_cv.notify_all();
  });
  d.timer = std::thread([this] {
    Impl& d = *impl_;
    std::mt19937_64 rng(std::random_device{}());
    std::unique_lock<std::mutex> l(d.timer_mu);
    using Clock = std::chrono::steady_clock;
    std::optional<Clock::time_point> due;  // the next reload by the interval
    while (!d.stopping.load()) {
      auto snap = d.Current();
      bool reload = snap && snap->config->reload;
      if (reload && !due) {
        auto jitter = snap->config->reload_jitter.count();
        due = Clock::now() + snap->config->reload_interval +
              std::chrono::milliseconds(jitter > 0 ? static_cast<int64_t>(rng() % (jitter + 1)) : 0);
      }
      // Wakes at least every 5 s to destroy what workers retired.
      auto until = Clock::now() + std::chrono::seconds(5);
      if (reload) until = std::min(until, *due);
      d.timer_cv.wait_until(l, until, [&d] { return d.stopping.load() || d.file_changed; });
      l.unlock();
      d.DestroyRetired();
      l.lock();
      bool changed = d.file_changed;
      d.file_changed = false;
      if (d.stopping.load() || !reload || (!changed && Clock::now() < *due)) continue;
      due.reset();
      l.unlock();
      ReloadIfChanged();
      l.lock();
    }
  });
  return Status::OK();
}

Status Server::Reload(const std::string& corefile) {
  Impl& d = *impl_;
  std::lock_guard<std::mutex> rl(d.reload_mu);
  if (!d.started) return Status::Conflict("server not started");
  d.last_corefile = corefile;
  d.Log("Reloading");
  auto cfg = BuildConfig(corefile, d.options);
  Status s = cfg.ok() ? d.Install(*cfg) : cfg.status();
  if (!s.ok()) {
    MetricsRegistry::Get().reload_failed.fetch_add(1, std::memory_order_relaxed);
    ServerLog("ERROR", "Restart failed: " + s.message());
    return s;
  }
  if (d.options.log_info) {
    for (const auto& block : (*cfg)->blocks) {
      for (const std::string& name : block->names) {
        std::string line = name + "\n";
        ssize_t rc = ::write(1, line.data(), line.size());
        (void)rc;
      }
    }
  }
  d.Log("Reloading complete");
  return Status::OK();
}

void Server::ReloadIfChanged() {
  Impl& d = *impl_;
  auto read = ReadFileToString(d.options.corefile_path);
  if (!read.ok()) {
    ServerLog("ERROR", "plugin/reload: cannot read " + d.options.corefile_path);
    return;
  }
  std::string text = std::move(read).value();
  {
    std::lock_guard<std::mutex> rl(d.reload_mu);
    if (text == d.last_corefile) return;  // unchanged since the last attempt
  }
  Reload(text).ok();
}

void Server::Shutdown() {
  Impl& d = *impl_;
  auto snap = d.Current();
  if (snap && snap->config->lameduck.count() > 0 && !d.stopping.load()) {
    auto ms = snap->config->lameduck.count();
    d.Log("plugin/health: Going into lameduck mode for " +
          (ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms"));
    std::this_thread::sleep_for(snap->config->lameduck);
  }
  Stop();
}

void Server::Stop() {
  Impl& d = *impl_;
  {
    std::lock_guard<std::mutex> l(d.timer_mu);
    d.stopping.store(true);
  }
  d.timer_cv.notify_all();
  if (d.timer.joinable()) d.timer.join();
  d.watch.reset();
  StopWorkers(d.workers);
  d.DestroyRetired();
  std::map<std::string, std::unique_ptr<HttpListener>> http;
  std::shared_ptr<const Snapshot> snap;
  {
    std::lock_guard<std::mutex> l(d.mu);
    http.swap(d.http);
    snap.swap(d.snapshot);
  }
  http.clear();
  snap.reset();
}

int Server::DnsPort(int port) const {
  auto snap = impl_->Current();
  if (!snap) return -1;
  for (size_t i = 0; i < snap->config->listeners.size(); ++i) {
    if (snap->config->listeners[i].key.port == port) return snap->sockets[i]->bound_port;
  }
  return -1;
}

int Server::HttpPort(const std::string& address) const {
  std::lock_guard<std::mutex> l(impl_->mu);
  auto it = impl_->http.find(address);
  return it == impl_->http.end() ? -1 : it->second->port();
}

std::string Server::RenderMetrics() const { return impl_->RenderMetrics(); }

}  // namespace netkube::dns
