#include "controllers/endpoints_compute.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace netkube::controllers {

using client::Json;
using client::ObjectPtr;

namespace {

const Json& EmptyObject() {
  static const Json kEmpty = Json::object();
  return kEmpty;
}

const Json& ObjectAt(const Json& obj, std::initializer_list<std::string_view> path) {
  const Json* v = client::Find(obj, path);
  return v != nullptr && v->is_object() ? *v : EmptyObject();
}

const Json& ArrayAt(const Json& obj, std::initializer_list<std::string_view> path) {
  static const Json kEmpty = Json::array();
  const Json* v = client::Find(obj, path);
  return v != nullptr && v->is_array() ? *v : kEmpty;
}

std::string Protocol(const Json& port) {
  std::string p = port.is_object() ? port.value("protocol", "") : "";
  return p.empty() ? "TCP" : p;
}

bool IsIPv6(const std::string& ip) { return ip.find(':') != std::string::npos; }

// The port set an address offers in one subset: its JSON (sorted keys) is the key.
std::string PortKey(const Json& port) { return port.dump(); }

// An address is identified by ip and targetRef.uid, as Kubernetes does.
std::string AddressKey(const Json& addr) {
  return addr.value("ip", "") + "|" + client::GetString(addr, {"targetRef", "uid"});
}

void SortAddresses(Json* addrs) {
  std::sort(addrs->begin(), addrs->end(), [](const Json& a, const Json& b) {
    std::string ia = a.value("ip", ""), ib = b.value("ip", "");
    if (ia != ib) return ia < ib;
    return client::GetString(a, {"targetRef", "uid"}) < client::GetString(b, {"targetRef", "uid"});
  });
}

// The address of `pod` in the service's family, or nullopt.
std::optional<Json> PodAddress(const Json& svc, const Json& pod) {
  std::vector<std::string> ips = PodIPs(pod);
  std::string ip;
  bool have_family = client::Find(svc, {"spec", "ipFamilies"}) != nullptr || IsServiceIPSet(svc);
  if (!have_family) {
    if (!ips.empty()) ip = ips[0];
  } else {
    bool want6 = ServiceAddressFamily(svc) == "IPv6";
    for (const std::string& candidate : ips)
      if (IsIPv6(candidate) == want6) {
        ip = candidate;
        break;
      }
  }
  if (ip.empty()) return std::nullopt;
  Json addr = {{"ip", ip},
               {"targetRef",
                {{"kind", "Pod"},
                 {"name", client::NameOf(pod)},
                 {"namespace", client::NamespaceOf(pod)},
                 {"uid", client::UidOf(pod)}}}};
  std::string node = client::GetString(pod, {"spec", "nodeName"});
  if (!node.empty()) addr["nodeName"] = node;
  if (ShouldSetHostname(pod, svc)) addr["hostname"] = client::GetString(pod, {"spec", "hostname"});
  return addr;
}

// Drops targetRef.resourceVersion, which never decides equality.
Json Normalized(Json subsets) {
  if (!subsets.is_array()) return Json::array();
  for (Json& ss : subsets)
    for (const char* field : {"addresses", "notReadyAddresses"})
      if (ss.is_object() && ss.contains(field) && ss[field].is_array())
        for (Json& a : ss[field])
          if (a.is_object() && a.contains("targetRef") && a["targetRef"].is_object())
            a["targetRef"].erase("resourceVersion");
  return subsets;
}

size_t CountAddresses(const Json& subsets) {
  size_t n = 0;
  for (const Json& ss : subsets) n += ArrayAt(ss, {"addresses"}).size() + ArrayAt(ss, {"notReadyAddresses"}).size();
  return n;
}

// Kubernetes' truncation: ready addresses first, each subset keeping its share.
void Truncate(Json* subsets) {
  size_t ready = 0, not_ready = 0;
  for (const Json& ss : *subsets) {
    ready += ArrayAt(ss, {"addresses"}).size();
    not_ready += ArrayAt(ss, {"notReadyAddresses"}).size();
  }
  bool truncate_ready = ready > static_cast<size_t>(kMaxEndpointsCapacity);
  int64_t max = truncate_ready ? kMaxEndpointsCapacity : kMaxEndpointsCapacity - static_cast<int64_t>(ready);
  double total = static_cast<double>(truncate_ready ? ready : not_ready);
  int64_t can_add = max;
  for (Json& ss : *subsets) {
    const char* field = truncate_ready ? "addresses" : "notReadyAddresses";
    Json list = ArrayAt(ss, {field});
    int64_t share = static_cast<int64_t>(std::ceil(static_cast<double>(list.size()) / total * static_cast<double>(max)));
    share = std::min(share, can_add);
    if (static_cast<int64_t>(list.size()) > share) list.erase(list.begin() + share, list.end());
    can_add -= static_cast<int64_t>(list.size());
    if (list.empty()) ss.erase(field);
    else ss[field] = list;
    if (truncate_ready) ss.erase("notReadyAddresses");
  }
}

}  // namespace

bool ServiceHasSelector(const Json& svc) {
  if (client::GetString(svc, {"spec", "type"}) == "ExternalName") return false;
  return !ObjectAt(svc, {"spec", "selector"}).empty();
}

bool ServiceSelects(const Json& svc, const Json& labels) {
  const Json& sel = ObjectAt(svc, {"spec", "selector"});
  if (sel.empty()) return false;
  if (!labels.is_object()) return false;
  for (auto it = sel.begin(); it != sel.end(); ++it) {
    auto l = labels.find(it.key());
    if (l == labels.end() || *l != it.value()) return false;
  }
  return true;
}

std::vector<std::string> SelectingServiceKeys(const client::Lister& services, const Json& pod) {
  std::vector<std::string> keys;
  const Json* labels = client::Find(pod, {"metadata", "labels"});
  if (labels == nullptr || !labels->is_object()) return keys;
  for (const client::ObjectPtr& svc : services.List(client::NamespaceOf(pod), [&](const Json& s) {
         return ServiceHasSelector(s) && ServiceSelects(s, *labels);
       }))
    keys.push_back(client::KeyOf(*svc));
  return keys;
}

bool IsServiceIPSet(const Json& svc) {
  std::string ip = client::GetString(svc, {"spec", "clusterIP"});
  return !ip.empty() && ip != "None";
}

std::vector<std::string> PodIPs(const Json& pod) {
  std::vector<std::string> ips;
  for (const Json& p : ArrayAt(pod, {"status", "podIPs"}))
    if (p.is_object() && !p.value("ip", "").empty()) ips.push_back(p.value("ip", ""));
  if (ips.empty()) {
    std::string ip = client::GetString(pod, {"status", "podIP"});
    if (!ip.empty()) ips.push_back(ip);
  }
  return ips;
}

bool ShouldPodBeInEndpoints(const Json& pod, bool include_terminating) {
  std::string phase = client::GetString(pod, {"status", "phase"});
  if (phase == "Succeeded" || phase == "Failed") return false;
  if (PodIPs(pod).empty()) return false;
  if (!include_terminating && client::IsBeingDeleted(pod)) return false;
  return true;
}

bool ShouldSetHostname(const Json& pod, const Json& svc) {
  std::string hostname = client::GetString(pod, {"spec", "hostname"});
  return !hostname.empty() && client::GetString(pod, {"spec", "subdomain"}) == client::NameOf(svc) &&
         client::NamespaceOf(pod) == client::NamespaceOf(svc);
}

std::optional<int64_t> FindPort(const Json& pod, const Json& service_port) {
  const Json* target = client::Find(service_port, {"targetPort"});
  if (target == nullptr || target->is_null()) return service_port.value("port", int64_t{0});
  if (target->is_number_integer()) return target->get<int64_t>();
  if (!target->is_string()) return std::nullopt;
  std::string name = target->get<std::string>();
  std::string protocol = Protocol(service_port);
  auto search = [&](const Json& container) -> std::optional<int64_t> {
    for (const Json& p : ArrayAt(container, {"ports"}))
      if (p.is_object() && p.value("name", "") == name && Protocol(p) == protocol)
        return p.value("containerPort", int64_t{0});
    return std::nullopt;
  };
  for (const Json& c : ArrayAt(pod, {"spec", "containers"}))
    if (auto port = search(c)) return port;
  // Sidecars: init containers that keep running.
  for (const Json& c : ArrayAt(pod, {"spec", "initContainers"}))
    if (c.is_object() && c.value("restartPolicy", "") == "Always")
      if (auto port = search(c)) return port;
  return std::nullopt;
}

std::string ServiceAddressFamily(const Json& svc) {
  const Json& families = ArrayAt(svc, {"spec", "ipFamilies"});
  if (!families.empty() && families[0].is_string()) return families[0].get<std::string>();
  if (IsServiceIPSet(svc) && IsIPv6(client::GetString(svc, {"spec", "clusterIP"}))) return "IPv6";
  return "IPv4";
}

Json EndpointSubsets(const Json& svc, const std::vector<ObjectPtr>& pods) {
  bool publish_not_ready = client::Find(svc, {"spec", "publishNotReadyAddresses"}) != nullptr &&
                           svc["spec"]["publishNotReadyAddresses"] == true;
  const Json& ports = ArrayAt(svc, {"spec", "ports"});
  bool headless = client::GetString(svc, {"spec", "clusterIP"}) == "None";
  Json subsets = Json::array();
  for (const ObjectPtr& pod : pods) {
    if (!ShouldPodBeInEndpoints(*pod, publish_not_ready)) continue;
    std::optional<Json> addr = PodAddress(svc, *pod);
    if (!addr) continue;
    const char* field = publish_not_ready || client::IsPodReady(*pod) ? "addresses" : "notReadyAddresses";
    if (ports.empty()) {
      // A headless service may have no ports.
      if (headless) subsets.push_back({{field, Json::array({*addr})}});
      continue;
    }
    for (const Json& sp : ports) {
      std::optional<int64_t> num = FindPort(*pod, sp);
      if (!num) continue;
      Json port = {{"port", *num}, {"protocol", Protocol(sp)}};
      if (!sp.value("name", "").empty()) port["name"] = sp["name"];
      if (sp.contains("appProtocol")) port["appProtocol"] = sp["appProtocol"];
      subsets.push_back({{field, Json::array({*addr})}, {"ports", Json::array({port})}});
    }
  }
  return RepackSubsets(subsets);
}

Json RepackSubsets(const Json& subsets) {
  // Address key -> the address, and port key -> (address key -> ready).
  std::map<std::string, Json> addresses;
  std::map<std::string, Json> port_of;                            // port key -> port ("" = no ports)
  std::map<std::string, std::map<std::string, bool>> port_addrs;  // port key -> address key -> ready
  for (const Json& ss : subsets) {
    if (!ss.is_object()) continue;
    std::vector<std::string> keys;
    const Json& ports = ArrayAt(ss, {"ports"});
    if (ports.empty()) keys.push_back("");
    for (const Json& p : ports) {
      keys.push_back(PortKey(p));
      port_of[keys.back()] = p;
    }
    for (const auto& [field, ready] : {std::pair{"addresses", true}, std::pair{"notReadyAddresses", false}}) {
      for (const Json& a : ArrayAt(ss, {field})) {
        std::string ak = AddressKey(a);
        addresses.emplace(ak, a);
        for (const std::string& pk : keys) {
          auto [it, inserted] = port_addrs[pk].emplace(ak, ready);
          if (!inserted && ready) it->second = true;
        }
      }
    }
  }
  // Group the ports by the exact (address, ready) set they map to.
  std::map<std::string, std::pair<std::vector<std::string>, const std::map<std::string, bool>*>> groups;
  for (const auto& [pk, addrs] : port_addrs) {
    std::string group_key;
    for (const auto& [ak, ready] : addrs) group_key += ak + (ready ? "+" : "-") + ";";
    auto& g = groups[group_key];
    g.second = &addrs;
    if (!pk.empty()) g.first.push_back(pk);
  }
  Json out = Json::array();
  for (const auto& [group_key, g] : groups) {
    Json ss = Json::object();
    Json ready = Json::array(), not_ready = Json::array();
    for (const auto& [ak, is_ready] : *g.second) (is_ready ? ready : not_ready).push_back(addresses[ak]);
    SortAddresses(&ready);
    SortAddresses(&not_ready);
    if (!ready.empty()) ss["addresses"] = ready;
    if (!not_ready.empty()) ss["notReadyAddresses"] = not_ready;
    if (ss.empty()) continue;
    Json ports = Json::array();
    for (const std::string& pk : g.first) ports.push_back(port_of[pk]);
    std::sort(ports.begin(), ports.end(), [](const Json& a, const Json& b) {
      auto key = [](const Json& p) { return std::make_tuple(p.value("name", ""), p.value("port", int64_t{0}), Protocol(p)); };
      return key(a) < key(b);
    });
    if (!ports.empty()) ss["ports"] = ports;
    out.push_back(ss);
  }
  std::sort(out.begin(), out.end(), [](const Json& a, const Json& b) { return a.dump() < b.dump(); });
  return out;
}

std::optional<Json> DesiredEndpoints(const Json& svc, const Json& subsets, const Json* current,
                                     std::optional<client::TimePoint> trigger_time) {
  Json labels = ObjectAt(svc, {"metadata", "labels"});
  if (current != nullptr) {
    Json current_labels = ObjectAt(*current, {"metadata", "labels"});
    current_labels.erase(kHeadlessLabel);
    const Json& annotations = ObjectAt(*current, {"metadata", "annotations"});
    bool capacity_ok = CountAddresses(subsets) <= static_cast<size_t>(kMaxEndpointsCapacity) &&
                       !annotations.contains(kOverCapacity);
    if (Normalized(current->value("subsets", Json::array())) == Normalized(subsets) && current_labels == labels &&
        capacity_ok)
      return std::nullopt;
  }
  Json ep = current != nullptr ? *current
                               : Json{{"apiVersion", "v1"},
                                      {"kind", "Endpoints"},
                                      {"metadata", {{"name", client::NameOf(svc)},
                                                    {"namespace", client::NamespaceOf(svc)}}}};
  Json& meta = ep["metadata"];
  Json annotations = ObjectAt(ep, {"metadata", "annotations"});
  if (trigger_time) annotations[kLastChangeTriggerTime] = client::FormatTime(*trigger_time);
  else annotations.erase(kLastChangeTriggerTime);
  Json out_subsets = subsets;
  if (CountAddresses(out_subsets) > static_cast<size_t>(kMaxEndpointsCapacity)) {
    Truncate(&out_subsets);
    annotations[kOverCapacity] = "truncated";
  } else {
    annotations.erase(kOverCapacity);
  }
  if (annotations.empty()) meta.erase("annotations");
  else meta["annotations"] = annotations;
  if (IsServiceIPSet(svc)) labels.erase(kHeadlessLabel);
  else labels[kHeadlessLabel] = "";
  if (labels.empty()) meta.erase("labels");
  else meta["labels"] = labels;
  if (out_subsets.empty()) ep.erase("subsets");
  else ep["subsets"] = out_subsets;
  return ep;
}

}  // namespace netkube::controllers
