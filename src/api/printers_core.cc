// Printers of the core (v1) kinds other than Pod: Service, Endpoints, Node,
// Namespace, ConfigMap, Secret, ServiceAccount, Event.
#include <algorithm>
#include <cctype>
#include <set>

#include <nlohmann/json.hpp>

#include "api/printers_docs.h"
#include "api/printers_internal.h"

namespace netkube::api::printers {
namespace {

std::string Join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += sep;
    out += v[i];
  }
  return out;
}

std::vector<std::string> Strings(const json& arr) {
  std::vector<std::string> out;
  for (const auto& v : arr) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

// The load balancer ingress points (IPs, else hostnames), sorted and unique.
std::string LoadBalancerIngress(const json& obj) {
  std::set<std::string> points;
  for (const auto& ing : Array(obj, {"status", "loadBalancer", "ingress"})) {
    std::string ip = Str(ing, {"ip"});
    std::string host = Str(ing, {"hostname"});
    if (!ip.empty()) {
      points.insert(ip);
    } else if (!host.empty()) {
      points.insert(host);
    }
  }
  return Join({points.begin(), points.end()}, ",");
}

std::string ServiceExternalIP(const json& svc) {
  std::string type = Str(svc, {"spec", "type"});
  std::vector<std::string> external = Strings(Array(svc, {"spec", "externalIPs"}));
  if (type == "ClusterIP" || type == "NodePort") {
    return external.empty() ? "<none>" : Join(external, ",");
  }
  if (type == "LoadBalancer") {
    std::string lb = LoadBalancerIngress(svc);
    if (!external.empty()) return lb.empty() ? Join(external, ",") : lb + "," + Join(external, ",");
    return lb.empty() ? "<pending>" : lb;
  }
  if (type == "ExternalName") return Str(svc, {"spec", "externalName"});
  return "<unknown>";
}

std::string ServicePorts(const json& svc) {
  std::vector<std::string> pieces;
  for (const auto& p : Array(svc, {"spec", "ports"})) {
    std::string protocol = Str(p, {"protocol"});
    if (protocol.empty()) protocol = "TCP";
    std::string piece = std::to_string(Int(p, {"port"}));
    long long node_port = Int(p, {"nodePort"});
    if (node_port > 0) piece += ":" + std::to_string(node_port);
    pieces.push_back(piece + "/" + protocol);
  }
  return pieces.empty() ? "<none>" : Join(pieces, ",");
}

// "ip:port" pairs of every subset, three at most, then " + N more...".
std::string FormatEndpoints(const json& ep) {
  const json& subsets = Array(ep, {"subsets"});
  if (subsets.empty()) return "<none>";
  constexpr int kMax = 3;
  std::vector<std::string> list;
  bool more = false;
  int count = 0;
  auto add = [&](const std::string& s) {
    if (static_cast<int>(list.size()) == kMax) more = true;
    if (!more) list.push_back(s);
    ++count;
  };
  for (const auto& ss : subsets) {
    const json& addresses = Array(ss, {"addresses"});
    const json& ports = Array(ss, {"ports"});
    if (ports.empty()) {
      for (const auto& a : addresses) add(Str(a, {"ip"}));
      continue;
    }
    for (const auto& port : ports) {
      for (const auto& a : addresses) {
        std::string ip = Str(a, {"ip"});
        if (ip.find(':') != std::string::npos) ip = "[" + ip + "]";
        add(ip + ":" + std::to_string(Int(port, {"port"})));
      }
    }
  }
  std::string out = Join(list, ",");
  if (more) out += " + " + std::to_string(count - kMax) + " more...";
  return out;
}

std::string NodeAddress(const json& node, const std::string& type) {
  for (const auto& a : Array(node, {"status", "addresses"})) {
    if (Str(a, {"type"}) == type) return Str(a, {"address"});
  }
  return "<none>";
}

std::string OrUnknown(std::string s) { return s.empty() ? "<unknown>" : s; }

size_t ObjectSize(const json& obj, const char* key) {
  const json* v = Find(obj, {key});
  return v && v->is_object() ? v->size() : 0;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

// ---- Service -------------------------------------------------------------

std::vector<Column> ServiceColumns() {
  return {
      NameColumn(),
      StringColumn("Type", kDocServiceSpecType),
      StringColumn("Cluster-IP", kDocServiceSpecClusterIP),
      StringColumn("External-IP", kDocServiceSpecExternalIPs),
      StringColumn("Port(s)", kDocServiceSpecPorts),
      AgeColumn(),
      StringColumn("Selector", kDocServiceSpecSelector, 1),
  };
}

json ServiceCells(const json& svc, std::time_t now) {
  std::string cluster_ip = "<none>";
  const json& ips = Array(svc, {"spec", "clusterIPs"});
  if (!ips.empty() && ips[0].is_string()) {
    cluster_ip = ips[0].get<std::string>();
  } else if (std::string ip = Str(svc, {"spec", "clusterIP"}); !ip.empty()) {
    cluster_ip = ip;
  }
  return json::array({Name(svc), Str(svc, {"spec", "type"}), cluster_ip, ServiceExternalIP(svc),
                      ServicePorts(svc), Age(svc, now),
                      FormatLabels(Find(svc, {"spec", "selector"}))});
}

// ---- Endpoints -----------------------------------------------------------

std::vector<Column> EndpointsColumns() {
  return {NameColumn(), StringColumn("Endpoints", kDocEndpointsSubsets), AgeColumn()};
}

json EndpointsCells(const json& ep, std::time_t now) {
  return json::array({Name(ep), FormatEndpoints(ep), Age(ep, now)});
}

// ---- Node ----------------------------------------------------------------

std::vector<Column> NodeColumns() {
  return {
      NameColumn(),
      StringColumn("Status", "The status of the node"),
      StringColumn("Roles", "The roles of the node"),
      AgeColumn(),
      StringColumn("Version", kDocNodeSystemInfoKubeletVersion),
      StringColumn("Internal-IP", kDocNodeStatusAddresses, 1),
      StringColumn("External-IP", kDocNodeStatusAddresses, 1),
      StringColumn("OS-Image", kDocNodeSystemInfoOsImage, 1),
      StringColumn("Kernel-Version", kDocNodeSystemInfoKernelVersion, 1),
      StringColumn("Container-Runtime", kDocNodeSystemInfoContainerRuntimeVersion, 1),
  };
}

json NodeCells(const json& node, std::time_t now) {
  std::vector<std::string> status;
  for (const auto& c : Array(node, {"status", "conditions"})) {
    if (Str(c, {"type"}) != "Ready") continue;
    status.assign({Str(c, {"status"}) == "True" ? "Ready" : "NotReady"});  // the last one wins
  }
  if (status.empty()) status.push_back("Unknown");
  const json* unschedulable = Find(node, {"spec", "unschedulable"});
  if (unschedulable && unschedulable->is_boolean() && unschedulable->get<bool>()) {
    status.push_back("SchedulingDisabled");
  }

  std::set<std::string> roles;
  if (const json* labels = Find(node, {"metadata", "labels"}); labels && labels->is_object()) {
    const std::string kPrefix = "node-role.kubernetes.io/";
    for (const auto& [k, v] : labels->items()) {
      if (k.rfind(kPrefix, 0) == 0) {
        if (k.size() > kPrefix.size()) roles.insert(k.substr(kPrefix.size()));
      } else if (k == "kubernetes.io/role" && v.is_string() && !v.get<std::string>().empty()) {
        roles.insert(v.get<std::string>());
      }
    }
  }
  std::string roles_cell = Join({roles.begin(), roles.end()}, ",");

  return json::array({Name(node), Join(status, ","), roles_cell.empty() ? "<none>" : roles_cell,
                      Age(node, now), Str(node, {"status", "nodeInfo", "kubeletVersion"}),
                      NodeAddress(node, "InternalIP"), NodeAddress(node, "ExternalIP"),
                      OrUnknown(Str(node, {"status", "nodeInfo", "osImage"})),
                      OrUnknown(Str(node, {"status", "nodeInfo", "kernelVersion"})),
                      OrUnknown(Str(node, {"status", "nodeInfo", "containerRuntimeVersion"}))});
}

// ---- Namespace, ConfigMap, Secret, ServiceAccount ------------------------

std::vector<Column> NamespaceColumns() {
  return {NameColumn(), StringColumn("Status", "The status of the namespace"), AgeColumn()};
}

json NamespaceCells(const json& ns, std::time_t now) {
  return json::array({Name(ns), Str(ns, {"status", "phase"}), Age(ns, now)});
}

std::vector<Column> ResourceQuotaColumns() {
  return {NameColumn(), AgeColumn(), StringColumn("Request", "Used and hard requests, as resource: used/hard."),
          StringColumn("Limit", "Used and hard limits, as resource: used/hard.")};
}

// "pods: 1/10, requests.cpu: 0/1": resources in name order; limits.* go to
// the Limit cell, the rest to Request.
json ResourceQuotaCells(const json& q, std::time_t now) {
  const json* hard = Find(q, {"status", "hard"});
  if (hard == nullptr || !hard->is_object()) hard = Find(q, {"spec", "hard"});
  const json* used = Find(q, {"status", "used"});
  std::string request, limit;
  if (hard != nullptr && hard->is_object()) {
    for (auto it = hard->begin(); it != hard->end(); ++it) {
      std::string u = "0";
      if (used != nullptr && used->is_object() && used->contains(it.key()) && (*used)[it.key()].is_string())
        u = (*used)[it.key()].get<std::string>();
      std::string h = it.value().is_string() ? it.value().get<std::string>() : it.value().dump();
      std::string& cell = it.key().rfind("limits.", 0) == 0 ? limit : request;
      cell += (cell.empty() ? "" : ", ") + it.key() + ": " + u + "/" + h;
    }
  }
  return json::array({Name(q), Age(q, now), request, limit});
}

std::vector<Column> ConfigMapColumns() {
  return {NameColumn(), StringColumn("Data", kDocConfigMapData), AgeColumn()};
}

json ConfigMapCells(const json& cm, std::time_t now) {
  auto data = static_cast<long long>(ObjectSize(cm, "data") + ObjectSize(cm, "binaryData"));
  return json::array({Name(cm), data, Age(cm, now)});
}

std::vector<Column> SecretColumns() {
  return {NameColumn(), StringColumn("Type", kDocSecretType), StringColumn("Data", kDocSecretData),
          AgeColumn()};
}

json SecretCells(const json& secret, std::time_t now) {
  // stringData is merged into data on write; count the union in case it was not.
  std::set<std::string> keys;
  for (const char* field : {"data", "stringData"}) {
    const json* m = Find(secret, {field});
    if (m && m->is_object()) {
      for (const auto& [k, v] : m->items()) keys.insert(k);
    }
  }
  return json::array({Name(secret), Str(secret, {"type"}), static_cast<long long>(keys.size()),
                      Age(secret, now)});
}

std::vector<Column> ServiceAccountColumns() {
  return {NameColumn(), StringColumn("Secrets", kDocServiceAccountSecrets), AgeColumn()};
}

json ServiceAccountCells(const json& sa, std::time_t now) {
  return json::array(
      {Name(sa), static_cast<long long>(Array(sa, {"secrets"}).size()), Age(sa, now)});
}

// ---- Event ---------------------------------------------------------------

std::vector<Column> EventColumns() {
  return {
      StringColumn("Last Seen", kDocEventLastTimestamp),
      StringColumn("Type", kDocEventType),
      StringColumn("Reason", kDocEventReason),
      StringColumn("Object", kDocEventInvolvedObject),
      StringColumn("Subobject", kDocObjectReferenceFieldPath, 1),
      StringColumn("Source", kDocEventSource, 1),
      StringColumn("Message", kDocEventMessage),
      StringColumn("First Seen", kDocEventFirstTimestamp, 1),
      StringColumn("Count", kDocEventCount, 1),
      Column{"Name", "string", "name", kDocObjectMetaName, 1},
  };
}

json EventCells(const json& ev, std::time_t now) {
  const json* first_ts = Find(ev, {"firstTimestamp"});
  std::string first = ParseTime(first_ts) ? TimeSince(first_ts, now)
                                          : TimeSince(Find(ev, {"eventTime"}), now);
  const json* last_ts = Find(ev, {"lastTimestamp"});
  std::string last = ParseTime(last_ts) ? TimeSince(last_ts, now) : first;

  long long count = Int(ev, {"count"});
  const json* series = Find(ev, {"series"});
  if (series && series->is_object()) {
    last = TimeSince(Find(*series, {"lastObservedTime"}), now);
    count = Int(*series, {"count"});
  } else if (count == 0) {
    count = 1;  // singleton events of the events.k8s.io API carry no count
  }

  std::string kind = Lower(Str(ev, {"involvedObject", "kind"}));
  std::string name = Str(ev, {"involvedObject", "name"});
  std::string target = name.empty() ? kind : kind + "/" + name;

  std::string component = Str(ev, {"source", "component"});
  if (component.empty()) component = Str(ev, {"reportingComponent"});
  std::string instance = Str(ev, {"source", "host"});
  if (instance.empty()) instance = Str(ev, {"reportingInstance"});
  std::string source = instance.empty() ? component : component + ", " + instance;

  std::string message = Str(ev, {"message"});
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  message.erase(message.begin(), std::find_if(message.begin(), message.end(), not_space));
  message.erase(std::find_if(message.rbegin(), message.rend(), not_space).base(), message.end());

  return json::array({last, Str(ev, {"type"}), Str(ev, {"reason"}), target,
                      Str(ev, {"involvedObject", "fieldPath"}), source, message, first, count,
                      Name(ev)});
}

}  // namespace netkube::api::printers
