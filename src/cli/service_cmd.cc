// netkube service NAME [-n NS] [--name CLUSTER] [--kubeconfig PATH] --url:
// the URLs that reach a NodePort or LoadBalancer Service from the host, one
// per line, as `minikube service --url` prints them:
//   http://NODE_IP:NODEPORT   for every port with a nodePort (NODE_IP is the
//                             control-plane node's, as `netkube ip` prints)
//   http://LB_IP:PORT         for every port, when status.loadBalancer has
//                             an ingress IP
// The cluster is found by name (its kubeconfig and cluster.json under the
// state dir, src/cluster/state.h). With --kubeconfig the API is used
// directly and NODE_IP is the InternalIP of the control-plane Node (a Node
// labelled node-role.kubernetes.io/control-plane, else the first Node).
// Errors (exit 1): no such cluster, service not found, no node port.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "client/http_client.h"
#include "client/meta.h"
#include "cluster/state.h"

namespace netkube::cli {
namespace {

using client::Json;

struct ServiceFlags {
  std::string service, ns = "default", cluster, kubeconfig;  // cluster "" = ClusterName's default
  bool url = false;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "ERROR: %s\n", message.c_str());
  return 1;
}

// The control-plane Node's InternalIP, "" when there is none.
std::string ControlPlaneIp(client::Client& c) {
  auto nodes = c.List(client::KindOf("", "Node"), "", {});
  if (!nodes.ok()) return "";
  const Json* chosen = nullptr;
  for (const Json& n : (*nodes)["items"]) {
    if (client::Find(n, {"metadata", "labels", "node-role.kubernetes.io/control-plane"}) != nullptr) {
      chosen = &n;
      break;
    }
    if (chosen == nullptr) chosen = &n;
  }
  if (chosen == nullptr) return "";
  const Json* addrs = client::Find(*chosen, {"status", "addresses"});
  if (addrs == nullptr || !addrs->is_array()) return "";
  for (const Json& a : *addrs)
    if (a.value("type", "") == "InternalIP") return a.value("address", "");
  return "";
}

// The URLs of `svc` seen from the host (see the file comment); empty when it
// has no node port and no LoadBalancer address.
std::vector<std::string> ServiceUrls(const Json& svc, const std::string& node_ip) {
  std::vector<std::string> urls;
  const Json& ports = svc["spec"].value("ports", Json::array());
  for (const Json& p : ports) {
    if (p.contains("nodePort") && p["nodePort"].is_number_integer() && p["nodePort"].get<int64_t>() > 0)
      urls.push_back("http://" + node_ip + ":" + std::to_string(p["nodePort"].get<int64_t>()));
  }
  if (urls.empty()) return urls;  // no node port: minikube's error, even with an LB address
  const Json* ingress = client::Find(svc, {"status", "loadBalancer", "ingress"});
  if (ingress != nullptr && ingress->is_array()) {
    for (const Json& i : *ingress) {
      std::string ip = i.value("ip", "");
      if (ip.empty()) continue;
      for (const Json& p : ports) urls.push_back("http://" + ip + ":" + std::to_string(p.value("port", 0)));
    }
  }
  return urls;
}

int RunService(const ServiceFlags& f) {
  std::string kubeconfig = f.kubeconfig;
  std::string node_ip;
  if (kubeconfig.empty()) {
    std::string name = ClusterName(f.cluster);
    std::string dir = cluster::StateDir() + "/clusters/" + name;
    auto plan = cluster::LoadPlan(dir);
    if (!plan.ok()) return Fail("no cluster named \"" + name + "\"");
    node_ip = plan->control_plane().ip;
    kubeconfig = cluster::UserKubeconfigPath(dir);
  }
  auto c = client::HttpClient::FromKubeconfig(kubeconfig);
  if (!c.ok()) return Fail(c.status().message());
  auto svc = (*c)->Get(client::KindOf("", "Service"), f.ns, f.service);
  if (!svc.ok()) {
    if (svc.status().IsNotFound()) return Fail("service " + f.ns + "/" + f.service + " not found");
    return Fail(svc.status().message());
  }
  if (node_ip.empty()) node_ip = ControlPlaneIp(**c);
  if (node_ip.empty()) return Fail("no control-plane node with an InternalIP");
  std::vector<std::string> urls = ServiceUrls(*svc, node_ip);
  if (urls.empty()) return Fail("service " + f.ns + "/" + f.service + " has no node port");
  for (const std::string& u : urls) std::printf("%s\n", u.c_str());
  return 0;
}

}  // namespace

void AddServiceCommand(CLI::App& app, int* rc) {
  auto f = std::make_shared<ServiceFlags>();
  auto* cmd = app.add_subcommand("service", "print the URLs that reach a NodePort or LoadBalancer Service from the host");
  cmd->add_option("service", f->service, "the Service's name")->required();
  cmd->add_option("-n,--namespace", f->ns, "the Service's namespace")->capture_default_str();
  cmd->add_option("--name", f->cluster, kNameHelp);
  cmd->add_option("--kubeconfig", f->kubeconfig, "use this kubeconfig instead of the named cluster's");
  cmd->add_flag("--url", f->url, "print the URLs (the only mode: netkube opens no browser)");
  cmd->callback([f, rc] { *rc = RunService(*f); });
}

}  // namespace netkube::cli
