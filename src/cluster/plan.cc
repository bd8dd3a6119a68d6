#include "cluster/plan.h"

#include <algorithm>
#include <regex>

#include "netlink/ip.h"

namespace netkube::cluster {
namespace {

using netlink::Ipv4;
using netlink::Ipv4Prefix;

bool IsDnsLabel(const std::string& s) {
  static const std::regex re("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  return !s.empty() && s.size() <= 63 && std::regex_match(s, re);
}

bool IsDnsSubdomain(const std::string& s) {
  static const std::regex re("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  return !s.empty() && s.size() <= 253 && std::regex_match(s, re);
}

// A label key: [prefix/]name, name a qualified name.
bool IsLabelKey(const std::string& k) {
  static const std::regex name("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  auto slash = k.find('/');
  std::string n = slash == std::string::npos ? k : k.substr(slash + 1);
  if (slash != std::string::npos && !IsDnsSubdomain(k.substr(0, slash))) return false;
  return !n.empty() && n.size() <= 63 && std::regex_match(n, name);
}

bool IsLabelValue(const std::string& v) {
  static const std::regex re("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
  return v.size() <= 63 && std::regex_match(v, re);
}

// Parses a network CIDR for flag `flag`; host bits must be clear.
StatusOr<Ipv4Prefix> ParseCidr(const std::string& text, const std::string& flag) {
  auto p = Ipv4Prefix::Parse(text);
  if (!p.ok() || text.find('/') == std::string::npos) {
    return Status::Invalid("invalid " + flag + " \"" + text + "\": want an IPv4 CIDR such as 10.244.0.0/16");
  }
  if (p->addr != p->Network()) {
    Ipv4Prefix n{p->Network(), p->length};
    return Status::Invalid("invalid " + flag + " \"" + text + "\": host bits are set (did you mean " + n.ToString() +
                           "?)");
  }
  return *p;
}

bool Overlaps(const Ipv4Prefix& a, const Ipv4Prefix& b) { return a.Contains(b.Network()) || b.Contains(a.Network()); }

Ipv4 Offset(const Ipv4Prefix& p, uint32_t n) { return Ipv4{p.Network().value + n}; }

// The LoadBalancer pool "FIRST-LAST" on the node network `net`, whose
// addresses .0 (network), .1 (gateway), .2 ... .(nodes+1) and the broadcast
// address are taken. Default: the network's last address - 55 ... - 5
// (172.18.255.200-172.18.255.250 in 172.18.0.0/16, .200-.250 in a /24), or
// the upper half of a network smaller than /25.
StatusOr<std::string> PlanLoadBalancerPool(const std::string& text, const Ipv4Prefix& net, size_t nodes) {
  const uint64_t size = uint64_t{1} << (32 - net.length);
  const Ipv4 first_free{net.Network().value + 2 + static_cast<uint32_t>(nodes)};
  const Ipv4 broadcast = net.Broadcast();
  Ipv4 first, last;
  if (size >= 128) {
    first = Ipv4{broadcast.value - 55};
    last = Ipv4{broadcast.value - 5};
  } else {
    first = Ipv4{net.Network().value + static_cast<uint32_t>(size / 2)};
    last = Ipv4{broadcast.value - 1};
  }
  const std::string default_pool = first.ToString() + "-" + last.ToString();
  if (text.empty()) {
    if (first < first_free)
      return Status::Invalid("node network " + net.ToString() + " has no room for the default LoadBalancer pool " +
                             default_pool + " next to " + std::to_string(nodes) +
                             " nodes; pass --load-balancer-pool FIRST-LAST");
    return default_pool;
  }
  const std::string bad = "invalid --load-balancer-pool \"" + text + "\": ";
  auto dash = text.find('-');
  auto a = Ipv4::Parse(text.substr(0, dash));
  auto b = dash == std::string::npos ? a : Ipv4::Parse(text.substr(dash + 1));
  if (dash == std::string::npos || !a.ok() || !b.ok() || text.find('/') != std::string::npos)
    return Status::Invalid(bad + "want FIRST-LAST, two IPv4 addresses such as " + default_pool);
  first = *a;
  last = *b;
  if (first > last)
    return Status::Invalid(bad + "the first address " + first.ToString() + " is above the last " + last.ToString());
  if (!net.Contains(first) || !net.Contains(last))
    return Status::Invalid(bad + "must lie inside the node network " + net.ToString() +
                           " (the host reaches LoadBalancer IPs on it without a route)");
  if (first == net.Network() || last == broadcast)
    return Status::Invalid(bad + "must not contain the network or broadcast address of " + net.ToString());
  if (first < first_free)
    return Status::Invalid(bad + "overlaps the host's gateway address or the node addresses " +
                           Offset(net, 2).ToString() + "-" + Ipv4{first_free.value - 1}.ToString());
  return first.ToString() + "-" + last.ToString();
}

}  // namespace

std::string TaintError(const std::string& taint) {
  auto colon = taint.rfind(':');
  if (colon == std::string::npos) return "want key=value:Effect";
  std::string effect = taint.substr(colon + 1), kv = taint.substr(0, colon);
  if (effect != "NoSchedule" && effect != "PreferNoSchedule" && effect != "NoExecute")
    return "effect must be NoSchedule, PreferNoSchedule or NoExecute";
  auto eq = kv.find('=');
  std::string key = kv.substr(0, eq), value = eq == std::string::npos ? "" : kv.substr(eq + 1);
  if (!IsLabelKey(key)) return "invalid key \"" + key + "\"";
  if (!IsLabelValue(value)) return "invalid value \"" + value + "\"";
  return "";
}

StatusOr<ClusterPlan> MakePlan(const ClusterConfig& config, const Environment& env) {
  if (!env.is_root) return Status::Forbidden("netkube up must run as root (it creates network namespaces)");
  ClusterPlan plan;
  const std::string& name = config.name;
  if (!IsDnsLabel(name)) {
    return Status::Invalid("invalid cluster name \"" + name +
                           "\": must consist of lower case alphanumeric characters or '-', and must start and end "
                           "with an alphanumeric character");
  }
  if (name.size() > kMaxNameLength) {
    return Status::Invalid("invalid cluster name \"" + name + "\": at most " + std::to_string(kMaxNameLength) +
                           " characters (the host interface nk-" + name + " must fit in 15)");
  }
  plan.name = name;
  plan.dir = env.state_dir + "/clusters/" + name;
  plan.server_dir = plan.dir + "/server";
  plan.world_netns = name + "-world";
  plan.host_veth = "nk-" + name;
  if (env.cluster_dirs.count(name)) {
    return Status::AlreadyExists("a cluster named \"" + name + "\" already exists (" + plan.dir +
                                 "); remove it with: netkube down --name " + name);
  }

  // Values.
  if (config.network != "vxlan" && config.network != "routed")
    return Status::Invalid("invalid --network \"" + config.network + "\": want vxlan or routed");
  if (config.cni != "netkube" && config.cni != "bridge" && config.cni != "none")
    return Status::Invalid("invalid --cni \"" + config.cni + "\": want netkube, bridge or none");
  if (config.dns != "netkube" && config.dns != "none")
    return Status::Invalid("invalid --dns \"" + config.dns + "\": want netkube or none");
  plan.network = config.network;
  plan.cni = config.cni;
  plan.dns = config.dns;
  if (config.ingress != "netkube" && config.ingress != "none")
    return Status::Invalid("invalid --ingress \"" + config.ingress + "\": want netkube or none");
  plan.ingress = config.ingress;
  plan.images_file = config.images_file;

  // Nodes.
  std::vector<NodeConfig> nodes = config.nodes;
  if (!nodes.empty() && config.node_count > 0 && static_cast<size_t>(config.node_count) != nodes.size()) {
    return Status::Invalid("--nodes " + std::to_string(config.node_count) + " contradicts the " +
                           std::to_string(nodes.size()) + " nodes of the config file");
  }
  if (config.node_count < 0) return Status::Invalid("invalid --nodes " + std::to_string(config.node_count));
  if (nodes.empty()) {
    int n = config.node_count > 0 ? config.node_count : 1;
    nodes.resize(n);
    nodes[0].role = "control-plane";
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    const std::string& role = nodes[i].role;
    if (role != "control-plane" && role != "worker")
      return Status::Invalid("node " + std::to_string(i) + ": invalid role \"" + role +
                             "\": want control-plane or worker");
    if ((role == "control-plane") != (i == 0))
      return Status::Invalid("the first node, and only it, must have role control-plane (netkube runs one control "
                             "plane)");
  }

  // Ranges.
  auto pod = ParseCidr(config.pod_cidr, "--pod-cidr");
  if (!pod.ok()) return pod.status();
  auto svc = ParseCidr(config.service_cidr, "--service-cidr");
  if (!svc.ok()) return svc.status();
  if (pod->length > 24)
    return Status::Invalid("invalid --pod-cidr \"" + config.pod_cidr + "\": must be /24 or larger (a /24 per node)");
  if (pod->length < 8) return Status::Invalid("invalid --pod-cidr \"" + config.pod_cidr + "\": larger than a /8");
  if (svc->length > 28 || svc->length < 12)
    return Status::Invalid("invalid --service-cidr \"" + config.service_cidr + "\": want a prefix between /12 and /28");
  if (Overlaps(*pod, *svc))
    return Status::Invalid("--pod-cidr " + pod->ToString() + " overlaps --service-cidr " + svc->ToString());
  if (nodes.size() > (size_t{1} << (24 - pod->length)))
    return Status::Invalid(std::to_string(nodes.size()) + " nodes do not fit in --pod-cidr " + pod->ToString() +
                           " (a /24 per node: at most " + std::to_string(size_t{1} << (24 - pod->length)) + ")");

  Ipv4Prefix node_net;
  auto used_by = [&](const Ipv4Prefix& p) -> std::string {
    for (const auto& c : env.clusters) {
      auto other = Ipv4Prefix::Parse(c.node_cidr);
      if (other.ok() && Overlaps(p, *other)) return c.name;
    }
    return "";
  };
  if (!config.node_cidr.empty()) {
    auto n = ParseCidr(config.node_cidr, "--node-cidr");
    if (!n.ok()) return n.status();
    node_net = *n;
    if (std::string other = used_by(node_net); !other.empty())
      return Status::Invalid("--node-cidr " + node_net.ToString() + " overlaps the node network of cluster \"" +
                             other + "\"");
  } else {
    bool found = false;
    for (int second = 18; second <= 31 && !found; ++second) {
      Ipv4Prefix candidate{Ipv4{(172u << 24) | (uint32_t(second) << 16)}, 16};
      std::string other = used_by(candidate);
      if (!other.empty()) {
        plan.notes.push_back("node network " + candidate.ToString() + " is used by cluster \"" + other + "\"");
        continue;
      }
      if (Overlaps(candidate, *pod) || Overlaps(candidate, *svc)) continue;
      node_net = candidate;
      found = true;
    }
    if (!found) return Status::Invalid("no free node network in 172.18.0.0/16 ... 172.31.0.0/16; pass --node-cidr");
    if (!plan.notes.empty()) plan.notes.back() += "; using " + node_net.ToString();
  }
  if (node_net.length > 29) return Status::Invalid("invalid --node-cidr " + node_net.ToString() + ": too small");
  if (Overlaps(node_net, *pod))
    return Status::Invalid("--node-cidr " + node_net.ToString() + " overlaps --pod-cidr " + pod->ToString());
  if (Overlaps(node_net, *svc))
    return Status::Invalid("--node-cidr " + node_net.ToString() + " overlaps --service-cidr " + svc->ToString());
  uint64_t hosts = (uint64_t{1} << (32 - node_net.length)) - 3;  // network, gateway, broadcast
  if (nodes.size() > hosts)
    return Status::Invalid(std::to_string(nodes.size()) + " nodes do not fit in --node-cidr " +
                           node_net.ToString() + " (at most " + std::to_string(hosts) + ")");
  plan.node_cidr = node_net.ToString();
  plan.node_prefix_length = node_net.length;
  plan.gateway_ip = Offset(node_net, 1).ToString();
  plan.pod_cidr = pod->ToString();
  plan.service_cidr = svc->ToString();
  plan.cluster_dns = Offset(*svc, 10).ToString();

  // API port on the host's loopback.
  std::set<int> taken = env.busy_ports;
  for (const auto& c : env.clusters) taken.insert(c.api_port);
  if (config.api_port != 0) {
    if (config.api_port < 1 || config.api_port > 65535)
      return Status::Invalid("invalid API server port " + std::to_string(config.api_port));
    if (taken.count(config.api_port))
      return Status::AlreadyExists("API server port " + std::to_string(config.api_port) + " is in use");
    plan.api_port = config.api_port;
  } else {
    plan.api_port = kApiPort;
    while (taken.count(plan.api_port)) ++plan.api_port;
    if (plan.api_port != kApiPort)
      plan.notes.push_back("port " + std::to_string(kApiPort) + " is in use; the API server listens on 127.0.0.1:" +
                           std::to_string(plan.api_port));
  }
  plan.api_url = "https://127.0.0.1:" + std::to_string(plan.api_port);

  // Per node.
  std::set<std::string> names;
  int workers = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const NodeConfig& nc = nodes[i];
    NodePlan np;
    np.index = static_cast<int>(i);
    np.role = nc.role;
    if (!nc.name.empty()) {
      np.name = nc.name;
    } else if (i == 0) {
      np.name = name + "-control-plane";
    } else {
      ++workers;
      np.name = name + "-worker" + (workers == 1 ? "" : std::to_string(workers));
    }
    if (!IsDnsLabel(np.name))
      return Status::Invalid("invalid node name \"" + np.name + "\": must be a lower case DNS label of at most 63 "
                             "characters");
    if (np.name == plan.world_netns || !names.insert(np.name).second)
      return Status::Invalid("node name \"" + np.name + "\" is used twice");
    np.ip = Offset(node_net, 2 + i).ToString();
    np.pod_cidr = Ipv4Prefix{Offset(*pod, static_cast<uint32_t>(i) << 8), 24}.ToString();
    np.world_veth = "veth" + std::to_string(i);
    np.labels = nc.labels;
    for (const auto& [k, v] : nc.labels) {
      if (!IsLabelKey(k)) return Status::Invalid("node " + np.name + ": invalid label key \"" + k + "\"");
      if (!IsLabelValue(v)) return Status::Invalid("node " + np.name + ": invalid label value \"" + v + "\"");
    }
    if (i == 0) {
      np.labels["node-role.kubernetes.io/control-plane"] = "";
      np.labels["node.kubernetes.io/exclude-from-external-load-balancers"] = "";
      if (nodes.size() > 1) np.taints.push_back("node-role.kubernetes.io/control-plane:NoSchedule");
    }
    for (const auto& t : nc.taints) {
      if (std::string err = TaintError(t); !err.empty())
        return Status::Invalid("node " + np.name + ": invalid taint \"" + t + "\": " + err);
      np.taints.push_back(t);
    }
    np.root_dir = plan.dir + "/nodes/" + np.name;
    np.kubeconfig = np.root_dir + "/kubeconfig";
    np.log_file = plan.dir + "/" + np.name + ".log";
    plan.nodes.push_back(std::move(np));
  }
  plan.node_api_url = "https://" + plan.control_plane().ip + ":" + std::to_string(kApiPort);
  auto lb_pool = PlanLoadBalancerPool(config.load_balancer_pool, node_net, plan.nodes.size());
  if (!lb_pool.ok()) return lb_pool.status();
  plan.load_balancer_pool = *lb_pool;

  // Names in use on the machine.
  if (env.netns.count(plan.world_netns))
    return Status::AlreadyExists("network namespace \"" + plan.world_netns + "\" already exists (cluster name \"" +
                                 name + "\" in use?)");
  for (const auto& n : plan.nodes) {
    if (env.netns.count(n.name))
      return Status::AlreadyExists("network namespace \"" + n.name + "\" already exists (cluster name \"" + name +
                                   "\" in use?)");
  }
  if (env.host_links.count(plan.host_veth))
    return Status::AlreadyExists("network interface \"" + plan.host_veth + "\" already exists (cluster name \"" +
                                 name + "\" in use?)");
  return plan;
}

}  // namespace netkube::cluster
