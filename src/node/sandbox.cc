#include "node/sandbox.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "netlink/handle.h"
#include "netlink/netns.h"
#include "node/node_object.h"
#include "util/file.h"
#include "util/log.h"

namespace netkube::node {
namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

// Creates a UTS namespace with `hostname` on a short-lived thread and pins it
// by bind-mounting the thread's nsfs file on `path`.
Status CreateUtsNamespace(const std::string& path, const std::string& hostname) {
  {
    int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0444);
    if (fd < 0) return netlink::ErrnoStatus(errno, "create " + path);
    close(fd);
  }
  Status st;
  std::thread t([&] {
    if (unshare(CLONE_NEWUTS) != 0) {
      st = netlink::ErrnoStatus(errno, "unshare UTS namespace");
      return;
    }
    if (sethostname(hostname.data(), hostname.size()) != 0) {
      st = netlink::ErrnoStatus(errno, "set hostname " + hostname);
      return;
    }
    std::string self = "/proc/self/task/" + std::to_string(gettid()) + "/ns/uts";
    if (mount(self.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      st = netlink::ErrnoStatus(errno, "pin UTS namespace on " + path);
    }
  });
  t.join();
  if (!st.ok()) unlink(path.c_str());
  return st;
}

void RemovePinned(const std::string& path) {
  if (path.empty()) return;
  umount2(path.c_str(), MNT_DETACH);
  unlink(path.c_str());
}

Status BringLoopbackUp(const netlink::NetNs& ns) {
  auto h = netlink::Handle::OpenIn(ns);
  if (!h.ok()) return h.status();
  return h->SetLinkUp("lo");
}

std::string FirstIp(const cni::Result& result) {
  for (const cni::IpConfig& ip : result.ips) {
    std::string a = ip.address.substr(0, ip.address.find('/'));
    if (a.find(':') == std::string::npos) return a;
  }
  return result.ips.empty() ? "" : result.ips[0].address.substr(0, result.ips[0].address.find('/'));
}

}  // namespace

std::string SandboxRecord::ToJson() const {
  Json j = {{"uid", uid},         {"namespace", ns},       {"name", name},       {"hostNetwork", host_network},
            {"netns", netns_name}, {"netnsPath", netns_path}, {"utsPath", uts_path}, {"hostname", hostname},
            {"ip", ip},           {"cniResult", cni_result}, {"network", network}, {"created", created}};
  if (!port_mappings.empty()) j["portMappings"] = Json::parse(cni::PortMappingsToJson(port_mappings));
  return j.dump();
}

StatusOr<SandboxRecord> SandboxRecord::Parse(const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::BadRequest("sandbox record: not a JSON object");
  SandboxRecord r;
  r.uid = j.value("uid", "");
  r.ns = j.value("namespace", "");
  r.name = j.value("name", "");
  r.host_network = j.value("hostNetwork", false);
  r.netns_name = j.value("netns", "");
  r.netns_path = j.value("netnsPath", "");
  r.uts_path = j.value("utsPath", "");
  r.hostname = j.value("hostname", "");
  r.ip = j.value("ip", "");
  r.cni_result = j.value("cniResult", "");
  r.network = j.value("network", "");
  r.created = j.value("created", "");
  if (auto it = j.find("portMappings"); it != j.end() && it->is_array()) {
    auto mappings = cni::ParsePortMappings(it->dump());
    if (!mappings.ok()) return Status::BadRequest("sandbox record: " + mappings.status().message());
    r.port_mappings = std::move(*mappings);
  }
  if (r.uid.empty()) return Status::BadRequest("sandbox record: no uid");
  return r;
}

Sandboxes::Sandboxes(std::string pods_dir, std::string node_name, cni::Invoker invoker)
    : pods_dir_(std::move(pods_dir)), node_name_(std::move(node_name)), invoker_(std::move(invoker)) {}

cni::AttachmentParams Sandboxes::Params(const SandboxRecord& r) const {
  cni::AttachmentParams p;
  p.container_id = r.uid;
  p.netns = r.netns_path;
  p.ifname = "eth0";
  p.args = {{"IgnoreUnknown", "1"},
            {"K8S_POD_NAMESPACE", r.ns},
            {"K8S_POD_NAME", r.name},
            {"K8S_POD_INFRA_CONTAINER_ID", r.uid},
            {"K8S_POD_UID", r.uid}};
  p.capability_args = cni::PortMappingsCapabilityArgs(r.port_mappings);
  return p;
}

StatusOr<SandboxRecord> Sandboxes::Create(const std::string& uid, const std::string& ns, const std::string& name,
                                          const std::string& hostname, bool host_network, const std::string& node_ip,
                                          const cni::NetworkConfigList* network, const std::string& created,
                                          const std::vector<cni::PortMapping>& port_mappings) {
  SandboxRecord r;
  r.uid = uid;
  r.ns = ns;
  r.name = name;
  r.hostname = hostname;
  r.host_network = host_network;
  r.created = created;
  std::error_code ec;
  fs::create_directories(PodDir(uid), ec);
  if (ec) return Status::Internal("create " + PodDir(uid) + ": " + ec.message());
  if (host_network) {
    r.ip = node_ip;
    if (Status st = Save(r); !st.ok()) return st;
    return r;
  }
  if (network == nullptr) return Status::Unavailable("network is not ready: " + NetworkNotReadyMessage());
  r.netns_name = node_name_ + "-" + uid.substr(0, 8);
  r.netns_path = std::string(netlink::NetNs::kRunDir) + "/" + r.netns_name;
  r.uts_path = PodDir(uid) + "/uts";
  r.network = network->name;
  r.port_mappings = port_mappings;
  // Record first, so a crash in the middle leaves something Destroy can find.
  if (Status st = Save(r); !st.ok()) return st;
  auto netns = netlink::NetNs::Create(r.netns_name);
  if (!netns.ok() && netns.status().reason() == Reason::kAlreadyExists) netns = netlink::NetNs::Open(r.netns_path);
  Status st = netns.ok() ? Status::OK() : netns.status();
  if (st.ok()) st = BringLoopbackUp(*netns);
  if (st.ok()) st = CreateUtsNamespace(r.uts_path, hostname);
  if (st.ok()) {
    auto result = invoker_.Add(*network, Params(r));
    if (result.ok()) {
      r.cni_result = result->ToJson();
      r.ip = FirstIp(*result);
    } else {
      st = result.status();
    }
  }
  if (st.ok()) st = Save(r);
  if (!st.ok()) {
    Destroy(r, network);
    return Status(st.reason(), "failed to set up sandbox for pod \"" + name + "\": " + st.message());
  }
  return r;
}

Status Sandboxes::Destroy(const SandboxRecord& r, const cni::NetworkConfigList* network) {
  Status first;
  if (!r.host_network && !r.netns_path.empty()) {
    if (network != nullptr && access(r.netns_path.c_str(), F_OK) == 0) {
      std::unique_ptr<cni::Result> prev;
      if (!r.cni_result.empty()) {
        auto parsed = cni::Result::Parse(r.cni_result);
        if (parsed.ok()) prev = std::make_unique<cni::Result>(std::move(*parsed));
      }
      Status st = invoker_.Del(*network, Params(r), prev.get());
      if (!st.ok()) {
        LOG_WARN << "CNI DEL for pod " << r.ns << "/" << r.name << ": " << st.message();
        first = st;
      }
    }
    Status st = netlink::NetNs::Delete(r.netns_name);
    if (!st.ok() && st.reason() != Reason::kNotFound && first.ok()) first = st;
    RemovePinned(r.uts_path);
  }
  if (first.ok()) {
    std::error_code ec;
    fs::remove(PodDir(r.uid) + "/sandbox.json", ec);
  }
  return first;
}

StatusOr<SandboxRecord> Sandboxes::Load(const std::string& uid) const {
  auto text = ReadFileToString(PodDir(uid) + "/sandbox.json");
  if (!text.ok()) return Status::NotFound("no sandbox for pod " + uid);
  return SandboxRecord::Parse(*text);
}

Status Sandboxes::Save(const SandboxRecord& r) const {
  return WriteFileAtomic(PodDir(r.uid) + "/sandbox.json", r.ToJson());
}

}  // namespace netkube::node
