// From a container of a pod to the ContainerSpec container-init runs: the
// program (images catalog), its environment, its mounts (pod files and
// volumes).
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "client/meta.h"
#include "images/resolve.h"
#include "node/agent_impl.h"
#include "node/lookups.h"
#include "podspec/env.h"
#include "podspec/host_path.h"
#include "podspec/mounts.h"
#include "podspec/pod_files.h"
#include "util/file.h"
#include "util/log.h"

namespace netkube::node {
namespace {

namespace fs = std::filesystem;


std::string ReadFile(const std::string& path) {
  auto text = ReadFileToString(path);
  return text.ok() ? *text : std::string();
}

bool IsMountPoint(const std::string& path) {
  struct stat a, b;
  if (stat(path.c_str(), &a) != 0 || stat((path + "/..").c_str(), &b) != 0) return false;
  return a.st_dev != b.st_dev;
}

}  // namespace

podspec::NodeFacts Agent::Impl::PodspecNode() const {
  podspec::NodeFacts n;
  n.node_name = options.node_name;
  n.host_ips = {options.node_ip};
  n.allocatable = {{"cpu", std::to_string(facts.cpus)},
                   {"memory", std::to_string(facts.memory_bytes)},
                   {"ephemeral-storage", std::to_string(facts.ephemeral_storage_bytes)}};
  n.root_dir = options.root_dir;
  return n;
}

Status Agent::Impl::WritePodFiles(const Json& pod, const SandboxRecord& sb) {
  std::string dir = sandboxes->PodDir(sb.uid);
  std::vector<std::string> ips;
  if (!sb.host_network && !sb.ip.empty()) ips.push_back(sb.ip);
  auto names = podspec::PodHostnameAndDomain(pod, options.cluster_domain);
  if (!names.ok()) return names.status();
  std::string hosts = podspec::EtcHosts(pod, ips, names->hostname, names->domain, ReadFile("/etc/hosts"));
  podspec::DnsFacts dns;
  dns.cluster_dns = {options.cluster_dns};
  dns.cluster_domain = options.cluster_domain;
  dns.host_resolv_conf = ReadFile("/etc/resolv.conf");
  dns.node_ips = {options.node_ip};
  auto resolv = podspec::ResolvConf(pod, dns);
  if (!resolv.ok()) return resolv.status();
  for (const podspec::DnsEvent& e : resolv->events) events->Warning(pod, e.reason, e.message);
  auto hostname = podspec::KernelHostname(pod, options.cluster_domain);
  if (!hostname.ok()) return hostname.status();
  if (Status st = WriteFileAtomic(dir + "/etc-hosts", hosts); !st.ok()) return st;
  if (Status st = WriteFileAtomic(dir + "/resolv.conf", resolv->content); !st.ok()) return st;
  return WriteFileAtomic(dir + "/hostname", *hostname + "\n");
}

Status Agent::Impl::SetUpVolumes(const Json& pod, const std::vector<podspec::VolumePlan>& volumes) {
  std::string pod_dir = sandboxes->PodDir(client::UidOf(pod));
  for (const podspec::VolumePlan& v : volumes) {
    std::string path = podspec::VolumeSourcePath(v, pod_dir);
    Status st;
    std::error_code ec;
    switch (v.kind) {
      case podspec::VolumeKind::kHostPath:
        st = podspec::CheckHostPathType(path, v.host_path_type);
        break;
      case podspec::VolumeKind::kEmptyDir:
        fs::create_directories(path, ec);
        if (ec) st = Status::Internal("mkdir " + path + ": " + ec.message());
        if (st.ok() && v.memory && !IsMountPoint(path)) {
          std::string opts = v.size_limit ? "size=" + std::to_string(*v.size_limit) : "";
          if (mount("tmpfs", path.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, opts.empty() ? nullptr : opts.c_str()) != 0) {
            st = Status::Internal("mount tmpfs on " + path + ": " + std::strerror(errno));
          }
        }
        break;
      default:
        fs::create_directories(path, ec);
        st = podspec::WritePayload(path, v.payload);
        break;
    }
    if (!st.ok()) return Status(st.reason(), "MountVolume.SetUp failed for volume \"" + v.name + "\" : " + st.message());
  }
  return Status::OK();
}

StatusOr<std::vector<podspec::VolumePlan>> Agent::Impl::PodVolumes(const Json& pod, const podspec::Lookups& lookups) {
  std::string uid = client::UidOf(pod);
  {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = pod_volumes.find(uid); it != pod_volumes.end()) return it->second;
  }
  auto volumes = podspec::PlanVolumes(pod, lookups, PodspecNode());
  if (!volumes.ok()) return volumes.status();
  if (Status st = SetUpVolumes(pod, *volumes); !st.ok()) return st;
  // Kept without their payloads: containers need only where each volume is.
  for (podspec::VolumePlan& v : *volumes) v.payload.clear();
  std::lock_guard<std::mutex> lock(mu);
  pod_volumes[uid] = *volumes;
  return volumes;
}

void Agent::Impl::RefreshVolumes(const Json& pod) {
  // Volumes of the user's objects follow them within ~10 s; the admission-made
  // kube-api-access volume only needs its token renewed (its CA and namespace
  // hardly change), so it is rewritten every 30 minutes (tokens live an hour).
  std::string uid = client::UidOf(pod);
  const Json* vols = client::Find(pod, {"spec", "volumes"});
  if (vols == nullptr || !vols->is_array()) return;
  bool user_payload = false, token_only = false;
  for (const Json& v : *vols) {
    bool payload = v.contains("configMap") || v.contains("secret") || v.contains("downwardAPI") ||
                   v.contains("projected");
    if (!payload) continue;
    if (v.contains("projected") && v.value("name", "").rfind("kube-api-access-", 0) == 0) {
      token_only = true;
    } else {
      user_payload = true;
    }
  }
  if (!user_payload && !token_only) return;
  const auto interval = user_payload ? std::chrono::seconds(10) : std::chrono::seconds(1800);
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mu);
    auto [it, first] = volumes_refreshed.emplace(uid, now);  // the container start just wrote them
    if (!first && now - it->second < interval) return;
    it->second = now;
    if (first) {
      queue.AddAfter(uid, interval);
      return;
    }
  }
  ApiLookups lookups(*client, &tokens);
  auto volumes = podspec::PlanVolumes(pod, lookups, PodspecNode());
  if (!volumes.ok()) return;  // a missing object keeps the last files, as kubelet does
  std::vector<podspec::VolumePlan> payloads;
  for (podspec::VolumePlan& v : *volumes) {
    if (v.kind != podspec::VolumeKind::kEmptyDir && v.kind != podspec::VolumeKind::kHostPath) {
      payloads.push_back(std::move(v));
    }
  }
  if (Status st = SetUpVolumes(pod, payloads); !st.ok()) events->Warning(pod, "FailedMount", st.message());
  queue.AddAfter(uid, interval);
}

void Agent::Impl::TearDownVolumes(const std::string& uid) {
  // Memory-backed emptyDirs are tmpfs mounts in the agent's mount namespace.
  std::string dir = sandboxes->PodDir(uid) + "/volumes/kubernetes.io~empty-dir";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (IsMountPoint(e.path().string())) umount2(e.path().c_str(), MNT_DETACH);
  }
}

StatusOr<ContainerSpec> Agent::Impl::PlanContainer(const Json& pod, const Json& container, const SandboxRecord& sb,
                                                   Waiting* why) {
  ApiLookups lookups(*client, &tokens);
  podspec::NodeFacts node = PodspecNode();
  std::vector<std::string> ips;
  if (!sb.ip.empty()) ips.push_back(sb.ip);
  auto env = podspec::ContainerEnv(pod, container, lookups, node, ips);
  if (!env.ok()) {
    *why = {"CreateContainerConfigError", env.status().message()};
    return env.status();
  }
  for (const std::string& w : env->warnings) events->Warning(pod, "InvalidEnvironmentVariableNames", w);
  podspec::CommandAndArgs cmd = podspec::ExpandCommandAndArgs(container, env->vars);
  images::ResolveOptions ro;
  ro.netkube_binary = options.self_exe;
  auto proc = images::Resolve(*catalog, container.value("image", ""), cmd.command, cmd.args, ro);
  if (!proc.ok()) {
    const char* reason = proc.status().reason() == Reason::kInvalid    ? "InvalidImageName"
                         : proc.status().reason() == Reason::kNotFound ? "ErrImagePull"
                                                                         : "RunContainerError";
    *why = {reason, proc.status().message()};
    return proc.status();
  }
  auto volumes = PodVolumes(pod, lookups);
  if (!volumes.ok()) {
    *why = {"ContainerCreating", ""};
    events->Warning(pod, "FailedMount", volumes.status().message());
    return volumes.status();
  }
  auto mounts = podspec::ContainerMounts(container, *volumes, env->vars);
  if (!mounts.ok()) {
    *why = {"CreateContainerConfigError", mounts.status().message()};
    return mounts.status();
  }

  ContainerSpec spec;
  spec.argv = proc->argv;
  spec.programs = images::ProgramFiles(*catalog, container.value("image", ""), ro);
  // The image's environment, then HOSTNAME, then the container's (which wins).
  std::map<std::string, std::string> seen;
  std::vector<std::string> order;
  auto put = [&](const std::string& k, const std::string& v) {
    if (!seen.count(k)) order.push_back(k);
    seen[k] = v;
  };
  for (const std::string& e : proc->env) {
    size_t eq = e.find('=');
    if (eq != std::string::npos) put(e.substr(0, eq), e.substr(eq + 1));
  }
  put("HOSTNAME", sb.host_network ? options.node_name : sb.hostname);
  for (const podspec::EnvVar& v : env->vars) put(v.name, v.value);
  // As container runtimes do: HOME from the user's entry when nothing set it
  // (containers run as root: /root, a fresh empty directory, container_spec.h).
  if (!seen.count("HOME")) put("HOME", "/root");
  for (const std::string& k : order) spec.env.push_back(k + "=" + seen[k]);
  spec.working_dir = container.value("workingDir", "");
  if (spec.working_dir.empty()) spec.working_dir = proc->working_dir;
  spec.netns_path = sb.netns_path;
  spec.uts_path = sb.uts_path;

  std::string dir = sandboxes->PodDir(sb.uid);
  for (const podspec::MountPlan& m : *mounts) {
    const podspec::VolumePlan& v = (*volumes)[m.volume_index];
    std::string source = podspec::VolumeSourcePath(v, dir);
    if (!m.sub_path.empty()) {
      source += "/" + m.sub_path;
      std::error_code ec;
      if (!fs::exists(source, ec)) fs::create_directories(source, ec);
      source = fs::canonical(source, ec).string();  // through ..data of atomic-writer volumes
    }
    spec.mounts.push_back({source, m.mount_path, m.read_only, false});
  }
  if (podspec::MountsEtcHosts(container, ips) || sb.host_network) {
    spec.mounts.push_back({dir + "/etc-hosts", "/etc/hosts", false, false});
  }
  spec.mounts.push_back({dir + "/resolv.conf", "/etc/resolv.conf", false, false});
  spec.mounts.push_back({dir + "/hostname", "/etc/hostname", false, false});
  return spec;
}

Status Agent::Impl::StartContainer(const Json& pod, const Json& container, const SandboxRecord& sb, bool init) {
  std::string uid = client::UidOf(pod), name = container.value("name", "");
  Waiting why;
  auto spec = PlanContainer(pod, container, sb, &why);
  if (!spec.ok()) {
    {
      std::lock_guard<std::mutex> lock(mu);
      waiting[uid][name] = why;
    }
    events->Warning(pod, "Failed", "Error: " + why.message);
    return spec.status();
  }
  std::string image = container.value("image", "");
  events->Normal(pod, "Pulled", "Container image \"" + image + "\" already present on machine");
  // Containers with stdin or a tty talk through a console the agent holds
  // (kubectl attach / run -it); the others write their log file directly.
  bool tty = container.value("tty", false), stdin = container.value("stdin", false);
  std::shared_ptr<streaming::Console> console;
  if (tty || stdin) {
    std::string log_dir = containers->LogDir(uid, name);
    std::error_code ec;
    fs::create_directories(log_dir, ec);
    auto c = streaming::Console::Create({tty, stdin, container.value("stdinOnce", false),
                                         containers->NextLogPath(uid, name)});
    if (!c.ok()) return c.status();
    console = *c;
  }
  Status st = console ? containers->Start(uid, name, init, *spec, console->child_stdin(), console->child_stdout(),
                                          console->child_stderr())
                      : containers->Start(uid, name, init, *spec);
  if (console) {
    console->CloseChildFds();
    console->Start();
    std::lock_guard<std::mutex> lock(mu);
    consoles[uid + "/" + name] = console;
  }
  if (!st.ok()) {
    containers->RecordStartError(uid, name, init, st.message());
    events->Warning(pod, "Failed", "Error: " + st.message());
    return st;
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    waiting[uid].erase(name);
  }
  events->Normal(pod, "Created", "Created container " + name);
  events->Normal(pod, "Started", "Started container " + name);
  if (!init) {
    auto recs = containers->Get(uid);
    {
      std::lock_guard<std::mutex> lock(mu);
      probed.insert(recs[name].container_id);
    }
    StartProbes(pod, container, sb, recs[name].pid, spec->env);
  }
  return Status::OK();
}

void Agent::Impl::StartProbes(const Json& pod, const Json& container, const SandboxRecord& sb, int pid,
                              const std::vector<std::string>& env) {
  std::string uid = client::UidOf(pod), name = container.value("name", "");
  ProbeTarget target{sb.ip, pid, env};
  bool has[3] = {false, false, false};
  for (ProbeType type : {ProbeType::kStartup, ProbeType::kReadiness, ProbeType::kLiveness}) {
    auto probe = ParseProbe(container, type);
    if (!probe.ok()) {
      events->Warning(pod, "Unhealthy", std::string(ProbeTypeName(type)) + " probe errored: " + probe.status().message());
      continue;
    }
    if (!probe->has_value()) continue;
    has[static_cast<int>(type)] = true;
    prober->Add(uid, name, type, **probe, target);
  }
  // Without a startup (readiness) probe a running container is started (ready) at once.
  containers->SetStarted(uid, name, !has[static_cast<int>(ProbeType::kStartup)]);
  containers->SetReady(uid, name, !has[static_cast<int>(ProbeType::kReadiness)]);
}

void Agent::Impl::OnProbeResult(const std::string& uid, const std::string& name, ProbeType type, bool result,
                                bool changed, const std::string& message) {
  client::ObjectPtr pod;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = pods.find(uid);
    if (it != pods.end()) pod = it->second;
  }
  if (pod == nullptr) return;
  if (!changed || !result) {
    events->Warning(*pod, "Unhealthy", std::string(ProbeTypeName(type)) + " probe failed: " + message);
  }
  if (!changed) return;
  switch (type) {
    case ProbeType::kReadiness:
      containers->SetReady(uid, name, result);
      break;
    case ProbeType::kStartup:
      if (result) {
        containers->SetStarted(uid, name, true);
      } else {
        KillContainer(*pod, name, "Container " + name + " failed startup probe, will be restarted");
      }
      break;
    case ProbeType::kLiveness:
      if (!result) KillContainer(*pod, name, "Container " + name + " failed liveness probe, will be restarted");
      break;
  }
  queue.Add(uid);
}

void Agent::Impl::KillContainer(const Json& pod, const std::string& name, const std::string& why) {
  std::string uid = client::UidOf(pod);
  events->Normal(pod, "Killing", why);
  prober->Remove(uid, name);
  StopContainer(uid, pod, name, 0);
  int64_t grace = client::GetInt(pod, {"spec", "terminationGracePeriodSeconds"}, 30);
  {
    std::lock_guard<std::mutex> lock(mu);
    container_kill[uid + "/" + name] = std::chrono::steady_clock::now() + std::chrono::seconds(grace);
  }
  queue.AddAfter(uid, std::chrono::seconds(grace) + std::chrono::milliseconds(10));
}

}  // namespace netkube::node
