#include "cluster/supervisor.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstring>
#include <map>
#include <thread>

#include "client/http_client.h"
#include "cluster/state.h"
#include "util/log.h"

namespace netkube::cluster {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kMinBackoff{200};
constexpr milliseconds kMaxBackoff{10000};
constexpr auto kStableAfter = std::chrono::seconds(30);
constexpr milliseconds kStopGrace{10000};

std::string Join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

struct ForkExecOptions {
  std::string netns;          // "" = stay in this network namespace
  bool new_session = false;   // setsid (a detached daemon) instead of a process group of its own
  bool default_sigpipe = false;
};

// Fork + exec of `args` with stdin from /dev/null and stdout/stderr appended
// to `log_file`. Everything the child needs is prepared before fork, so only
// async-signal-safe calls run between fork and exec.
StatusOr<int> ForkExec(const std::vector<std::string>& args, const std::string& log_file,
                       const ForkExecOptions& o) {
  int ns_fd = -1;
  if (!o.netns.empty()) {
    std::string path = std::string("/run/netns/") + o.netns;
    ns_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns_fd < 0) return Status::NotFound("network namespace " + path + ": " + std::strerror(errno));
  }
  int log_fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    if (o.new_session) {
      ::setsid();
    } else {
      ::setpgid(0, 0);
    }
    if (ns_fd >= 0 && ::setns(ns_fd, CLONE_NEWNET) != 0) _exit(126);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    if (log_fd >= 0) {
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (o.default_sigpipe) ::signal(SIGPIPE, SIG_DFL);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  int err = errno;
  if (ns_fd >= 0) ::close(ns_fd);
  if (log_fd >= 0) ::close(log_fd);
  if (null_fd >= 0) ::close(null_fd);
  if (pid < 0) return Status::Internal(std::string("fork: ") + std::strerror(err));
  // Also from the parent, so the group exists before we may signal it.
  if (!o.new_session) ::setpgid(pid, pid);
  return static_cast<int>(pid);
}

// One supervised child: its own process group, in its node's namespace.
StatusOr<int> Spawn(const ChildSpec& spec) {
  return ForkExec(spec.argv, spec.log_file, {spec.netns, false, true});
}

bool PortAccepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0;
  ::close(fd);
  return ok;
}

struct Child {
  ChildSpec spec;
  int pid = 0;
  Clock::time_point started;
  Clock::time_point restart_at;
  milliseconds backoff = kMinBackoff;
};

class Supervisor {
 public:
  explicit Supervisor(const ClusterPlan& plan) : plan_(plan) {
    for (auto& spec : SupervisedChildren(plan, SelfExe())) children_.push_back(Child{std::move(spec)});
    MakeDirs(ChildPidDir(plan.dir), 0700);
  }

  int Run() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGHUP);
    ::sigprocmask(SIG_BLOCK, &set, nullptr);
    ::signal(SIGPIPE, SIG_IGN);

    // The server first; agents once it serves its bootstrap objects (the
    // kube-node-lease namespace their Leases go to).
    Start(children_[0]);
    auto client = client::HttpClient::FromKubeconfig(UserKubeconfigPath(plan_.dir));
    auto deadline = Clock::now() + std::chrono::seconds(30);
    while (Clock::now() < deadline) {
      if (PortAccepts(plan_.api_port)) {
        if (!client.ok()) break;
        if ((*client)->Get(client::KindOf("", "Namespace"), "", "kube-node-lease").ok()) break;
      }
      if (Reap() && children_[0].pid == 0) break;  // the server died: go on, it is restarted below
      if (StopRequested(set, milliseconds(5))) return Stop();
    }
    if (client.ok()) client->reset();  // its idle connection is not needed any more
    for (size_t i = 1; i < children_.size(); ++i) Start(children_[i]);

    while (true) {
      Reap();
      auto now = Clock::now();
      auto wait = milliseconds(1000);
      for (auto& c : children_) {
        if (c.pid != 0) continue;
        if (now >= c.restart_at) {
          Start(c);
        } else {
          wait = std::min(wait, std::chrono::duration_cast<milliseconds>(c.restart_at - now) + milliseconds(1));
        }
      }
      if (StopRequested(set, wait)) return Stop();
    }
  }

 private:
  // Waits up to `timeout` for a signal; true for a stop signal.
  bool StopRequested(const sigset_t& set, milliseconds timeout) {
    timespec ts{static_cast<time_t>(timeout.count() / 1000), static_cast<long>(timeout.count() % 1000) * 1000000};
    int sig = ::sigtimedwait(&set, nullptr, &ts);
    if (sig == SIGTERM || sig == SIGINT) {
      LOG_INFO << "received " << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << ", stopping the cluster";
      return true;
    }
    return false;
  }

  void Start(Child& c) {
    auto pid = Spawn(c.spec);
    c.started = Clock::now();
    if (!pid.ok()) {
      LOG_ERROR << c.spec.name << ": " << pid.status().message();
      Schedule(c);
      return;
    }
    c.pid = *pid;
    LOG_INFO << "started " << c.spec.name << " (pid " << c.pid << "): " << Join(c.spec.argv, " ");
    WriteFileAtomic(ChildPidDir(plan_.dir) + "/" + c.spec.name + ".pid",
                    FormatProcessRef({c.pid, ProcessStartTime(c.pid)}), 0600);
  }

  void Schedule(Child& c) {
    if (Clock::now() - c.started > kStableAfter) c.backoff = kMinBackoff;
    c.restart_at = Clock::now() + c.backoff;
    LOG_INFO << "restarting " << c.spec.name << " in " << c.backoff.count() << " ms";
    c.backoff = std::min(c.backoff * 2, kMaxBackoff);
  }

  // Reaps exited children; true if any exited.
  bool Reap() {
    bool any = false;
    while (true) {
      int status = 0;
      pid_t pid = ::waitpid(-1, &status, WNOHANG);
      if (pid <= 0) return any;
      for (auto& c : children_) {
        if (c.pid != pid) continue;
        any = true;
        c.pid = 0;
        if (WIFSIGNALED(status)) {
          LOG_WARN << c.spec.name << " (pid " << pid << ") killed by signal " << WTERMSIG(status);
        } else {
          LOG_WARN << c.spec.name << " (pid " << pid << ") exited with " << WEXITSTATUS(status);
        }
        if (!stopping_) Schedule(c);
      }
    }
  }

  // SIGTERM to the groups, wait up to the grace, then SIGKILL.
  void StopGroup(const std::vector<Child*>& group) {
    for (Child* c : group) {
      if (c->pid != 0) {
        ::kill(-c->pid, SIGTERM);
        ::kill(c->pid, SIGTERM);
      }
    }
    auto deadline = Clock::now() + kStopGrace;
    while (Clock::now() < deadline) {
      Reap();
      bool alive = false;
      for (Child* c : group) alive = alive || c->pid != 0;
      if (!alive) return;
      std::this_thread::sleep_for(milliseconds(10));
    }
    for (Child* c : group) {
      if (c->pid != 0) {
        LOG_WARN << c->spec.name << " did not stop within " << kStopGrace.count() << " ms; killing it";
        ::kill(-c->pid, SIGKILL);
        ::kill(c->pid, SIGKILL);
      }
    }
    while (true) {
      Reap();
      bool alive = false;
      for (Child* c : group) alive = alive || c->pid != 0;
      if (!alive) return;
      std::this_thread::sleep_for(milliseconds(10));
    }
  }

  int Stop() {
    stopping_ = true;
    std::vector<Child*> agents, server;
    for (size_t i = 0; i < children_.size(); ++i) (i == 0 ? server : agents).push_back(&children_[i]);
    StopGroup(agents);
    StopGroup(server);
    for (const auto& c : children_) ::unlink((ChildPidDir(plan_.dir) + "/" + c.spec.name + ".pid").c_str());
    LOG_INFO << "stopped";
    return 0;
  }

  ClusterPlan plan_;
  std::vector<Child> children_;
  bool stopping_ = false;
};

}  // namespace

std::string SelfExe() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "netkube";
  return std::string(buf, static_cast<size_t>(n));
}

std::vector<ChildSpec> SupervisedChildren(const ClusterPlan& plan, const std::string& exe) {
  std::vector<ChildSpec> out;
  ChildSpec server{"server",
                   {exe, "server", "--data-dir", plan.server_dir, "--listen",
                    "127.0.0.1:" + std::to_string(plan.api_port), "--listen-netns",
                    "/run/netns/" + plan.control_plane().name + "=" + plan.control_plane().ip + ":" +
                        std::to_string(kApiPort),
                    "--service-cidr", plan.service_cidr},
                   "",
                   plan.dir + "/server.log"};
  if (!plan.load_balancer_pool.empty()) {
    server.argv.push_back("--load-balancer-pool");
    server.argv.push_back(plan.load_balancer_pool);
  }
  out.push_back(std::move(server));
  for (const auto& n : plan.nodes) {
    ChildSpec a{n.name,
                {exe, "agent", "--node", n.name, "--kubeconfig", n.kubeconfig, "--root-dir", n.root_dir, "--node-ip",
                 n.ip, "--pod-cidr", n.pod_cidr, "--cluster-pod-cidr", plan.pod_cidr, "--network", plan.network,
                 "--cluster-dns", plan.cluster_dns},
                n.name,
                n.log_file};
    std::vector<std::string> labels;
    for (const auto& [k, v] : n.labels) labels.push_back(k + "=" + v);
    if (!labels.empty()) {
      a.argv.push_back("--node-labels");
      a.argv.push_back(Join(labels, ","));
    }
    if (!n.taints.empty()) {
      a.argv.push_back("--register-with-taints");
      a.argv.push_back(Join(n.taints, ","));
    }
    if (!plan.images_file.empty()) {
      a.argv.push_back("--images");
      a.argv.push_back(plan.images_file);
    }
    out.push_back(std::move(a));
  }
  return out;
}

int RunSupervisor(const ClusterPlan& plan) { return Supervisor(plan).Run(); }

StatusOr<ProcessRef> StartSupervisor(const ClusterPlan& plan) {
  std::string exe = SelfExe();
  std::string log = plan.dir + "/supervisor.log";
  auto pid = ForkExec({exe, "supervise", "--dir", plan.dir}, log, {"", /*new_session=*/true, false});
  if (!pid.ok()) return pid.status();
  ProcessRef ref{*pid, ProcessStartTime(*pid)};
  if (Status st = WriteFileAtomic(SupervisorPidPath(plan.dir), FormatProcessRef(ref), 0600); !st.ok()) return st;
  return ref;
}

}  // namespace netkube::cluster
