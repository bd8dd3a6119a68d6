#include "controllers/endpointslice_compute.h"

#include <arpa/inet.h>

#include <algorithm>
#include <map>
#include <set>

#include "controllers/endpoints_compute.h"

namespace netkube::controllers {

using client::Json;
using client::ObjectPtr;

namespace {

const Json& ObjectAt(const Json& obj, std::initializer_list<std::string_view> path) {
  static const Json kEmpty = Json::object();
  const Json* v = client::Find(obj, path);
  return v != nullptr && v->is_object() ? *v : kEmpty;
}

const Json& ArrayAt(const Json& obj, std::initializer_list<std::string_view> path) {
  static const Json kEmpty = Json::array();
  const Json* v = client::Find(obj, path);
  return v != nullptr && v->is_array() ? *v : kEmpty;
}

bool IsIPv6(const std::string& ip) { return ip.find(':') != std::string::npos; }

// Endpoints are identified by addresses, hostname and target, as Kubernetes does.
std::string EndpointKey(const Json& ep) {
  std::vector<std::string> addrs;
  for (const Json& a : ArrayAt(ep, {"addresses"}))
    if (a.is_string()) addrs.push_back(a.get<std::string>());
  std::sort(addrs.begin(), addrs.end());
  std::string key;
  for (const std::string& a : addrs) key += a + ",";
  return key + "|" + ep.value("hostname", "") + "|" + client::GetString(ep, {"targetRef", "namespace"}) + "/" +
         client::GetString(ep, {"targetRef", "name"});
}

// The fields that decide whether an endpoint needs rewriting.
Json Comparable(Json ep) {
  if (!ep.is_object()) return ep;
  if (ep.contains("targetRef") && ep["targetRef"].is_object()) ep["targetRef"].erase("resourceVersion");
  if (ep.contains("addresses") && ep["addresses"].is_array()) std::sort(ep["addresses"].begin(), ep["addresses"].end());
  return ep;
}

Json NormalizedPort(const Json& p) {
  Json n = {{"name", p.value("name", "")},
            {"port", p.contains("port") ? p["port"] : Json()},
            {"protocol", p.value("protocol", "TCP")}};
  if (p.contains("appProtocol") && !p["appProtocol"].is_null()) n["appProtocol"] = p["appProtocol"];
  return n;
}

std::string PortsKey(const Json& ports) {
  std::vector<std::string> parts;
  if (ports.is_array())
    for (const Json& p : ports) parts.push_back(NormalizedPort(p).dump());
  std::sort(parts.begin(), parts.end());
  std::string key;
  for (const std::string& s : parts) key += s + ";";
  return key;
}

bool IsReservedLabel(const std::string& key) {
  return key == kLabelServiceName || key == kLabelManagedBy || key == kHeadlessLabel;
}

Json WithoutReserved(const Json& labels) {
  Json out = Json::object();
  for (auto it = labels.begin(); it != labels.end(); ++it)
    if (!IsReservedLabel(it.key())) out[it.key()] = it.value();
  return out;
}

Json ServiceSliceLabels(const Json& svc) {
  Json labels = WithoutReserved(ObjectAt(svc, {"metadata", "labels"}));
  if (!IsServiceIPSet(svc)) labels[kHeadlessLabel] = "";
  labels[kLabelServiceName] = client::NameOf(svc);
  labels[kLabelManagedBy] = kEndpointSliceControllerName;
  return labels;
}

Json ControllerRef(const Json& owner, const char* kind) {
  return {{"apiVersion", "v1"}, {"kind", kind},   {"name", client::NameOf(owner)},
          {"uid", client::UidOf(owner)}, {"controller", true}, {"blockOwnerDeletion", true}};
}

bool OwnedBy(const Json& slice, const Json& owner, const char* kind) {
  for (const Json& ref : ArrayAt(slice, {"metadata", "ownerReferences"}))
    if (ref.value("uid", "") == client::UidOf(owner) && ref.value("kind", "") == kind &&
        ref.value("apiVersion", "") == "v1")
      return true;
  return false;
}

// "<name>-" when that is a valid generateName prefix, else "<name>".
std::string SlicePrefix(const std::string& name) { return name.size() + 1 <= 253 - 5 ? name + "-" : name; }

void SetTriggerTime(Json* slice, std::optional<client::TimePoint> t) {
  Json& meta = (*slice)["metadata"];
  Json annotations = ObjectAt(*slice, {"metadata", "annotations"});
  if (t) annotations[kLastChangeTriggerTime] = client::FormatTime(*t);
  else annotations.erase(kLastChangeTriggerTime);
  if (annotations.empty()) meta.erase("annotations");
  else meta["annotations"] = annotations;
}

Json NewServiceSlice(const Json& svc, const Json& ports, const std::string& address_type) {
  return {{"apiVersion", "discovery.k8s.io/v1"},
          {"kind", "EndpointSlice"},
          {"metadata",
           {{"generateName", SlicePrefix(client::NameOf(svc))},
            {"namespace", client::NamespaceOf(svc)},
            {"labels", ServiceSliceLabels(svc)},
            {"ownerReferences", Json::array({ControllerRef(svc, "Service")})}}},
          {"addressType", address_type},
          {"endpoints", Json::array()},
          {"ports", ports}};
}

// Desired endpoints of one port set, by endpoint key (ordered, so deterministic).
struct PortGroup {
  Json ports = Json::array();
  std::map<std::string, Json> endpoints;
};

Json PopFirst(std::map<std::string, Json>* m) {
  Json ep = std::move(m->begin()->second);
  m->erase(m->begin());
  return ep;
}

// Replaces creations by updates of slices that would be deleted (keeping
// their names and metadata), as Kubernetes' finalize does.
void Recycle(SliceChanges* c) {
  while (!c->create.empty() && !c->remove.empty()) {
    Json fresh = std::move(c->create.back());
    c->create.pop_back();
    Json recycled = std::move(c->remove.back());
    c->remove.pop_back();
    recycled["metadata"]["labels"] = fresh["metadata"]["labels"];
    recycled["metadata"]["ownerReferences"] = fresh["metadata"]["ownerReferences"];
    if (fresh["metadata"].contains("annotations")) recycled["metadata"]["annotations"] = fresh["metadata"]["annotations"];
    else recycled["metadata"].erase("annotations");
    recycled["endpoints"] = fresh["endpoints"];
    recycled["ports"] = fresh["ports"];
    c->update.push_back(std::move(recycled));
  }
}

// Kubernetes' reconcileByPortMapping for one port set of service slices.
void ReconcileByPorts(const Json& svc, const std::vector<ObjectPtr>& existing, PortGroup desired, int max,
                      SliceChanges* out) {
  std::vector<Json> to_update, unchanged;
  Json want_labels = WithoutReserved(ObjectAt(svc, {"metadata", "labels"}));
  for (const ObjectPtr& s : existing) {
    Json kept = Json::array();
    bool changed = false;
    for (const Json& ep : ArrayAt(*s, {"endpoints"})) {
      auto it = desired.endpoints.find(EndpointKey(ep));
      if (it == desired.endpoints.end()) continue;
      if (Comparable(it->second) != Comparable(ep)) changed = true;
      kept.push_back(std::move(it->second));
      desired.endpoints.erase(it);
    }
    bool labels_changed = WithoutReserved(ObjectAt(*s, {"metadata", "labels"})) != want_labels;
    if (changed || kept.size() != ArrayAt(*s, {"endpoints"}).size()) {
      if (kept.empty()) {
        out->remove.push_back(*s);
        continue;
      }
      Json next = *s;
      next["endpoints"] = kept;
      next["metadata"]["labels"] = ServiceSliceLabels(svc);
      to_update.push_back(std::move(next));
    } else if (labels_changed) {
      Json next = *s;
      next["metadata"]["labels"] = ServiceSliceLabels(svc);
      to_update.push_back(std::move(next));
    } else {
      unchanged.push_back(*s);
    }
  }
  // Fill the slices being updated anyway, fullest first.
  std::stable_sort(to_update.begin(), to_update.end(), [](const Json& a, const Json& b) {
    return ArrayAt(a, {"endpoints"}).size() > ArrayAt(b, {"endpoints"}).size();
  });
  for (Json& s : to_update)
    while (!desired.endpoints.empty() && static_cast<int>(s["endpoints"].size()) < max)
      s["endpoints"].push_back(PopFirst(&desired.endpoints));
  // Then the unchanged slice that the rest fits in most tightly.
  if (!desired.endpoints.empty()) {
    int best = -1, best_diff = max;
    for (size_t i = 0; i < unchanged.size(); ++i) {
      int diff = max - static_cast<int>(desired.endpoints.size() + ArrayAt(unchanged[i], {"endpoints"}).size());
      if (diff >= 0 && diff < best_diff) {
        best_diff = diff;
        best = static_cast<int>(i);
      }
    }
    if (best >= 0) {
      Json s = unchanged[best];
      if (!s.contains("endpoints") || !s["endpoints"].is_array()) s["endpoints"] = Json::array();
      while (!desired.endpoints.empty()) s["endpoints"].push_back(PopFirst(&desired.endpoints));
      to_update.push_back(std::move(s));
    }
  }
  // New slices for whatever is left.
  while (!desired.endpoints.empty()) {
    Json s = NewServiceSlice(svc, desired.ports, "");
    while (!desired.endpoints.empty() && static_cast<int>(s["endpoints"].size()) < max)
      s["endpoints"].push_back(PopFirst(&desired.endpoints));
    out->create.push_back(std::move(s));
  }
  for (Json& s : to_update) out->update.push_back(std::move(s));
}

std::optional<std::string> CanonicalIP(const std::string& ip, std::string* type) {
  unsigned char buf[16];
  char text[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, ip.c_str(), buf) == 1) {
    *type = "IPv4";
    return std::string(inet_ntop(AF_INET, buf, text, sizeof text));
  }
  if (inet_pton(AF_INET6, ip.c_str(), buf) == 1) {
    *type = "IPv6";
    return std::string(inet_ntop(AF_INET6, buf, text, sizeof text));
  }
  return std::nullopt;
}

}  // namespace

Json PodToSliceEndpoint(const Json& pod, const Json* node, const Json& svc, const std::string& address_type) {
  bool serving = client::IsPodReady(pod);
  bool terminating = client::IsBeingDeleted(pod);
  const Json* pna = client::Find(svc, {"spec", "publishNotReadyAddresses"});
  bool ready = (pna != nullptr && *pna == true) || (serving && !terminating);
  Json addresses = Json::array();
  for (const std::string& ip : PodIPs(pod))
    if (IsIPv6(ip) == (address_type == "IPv6")) addresses.push_back(ip);
  Json ep = {{"addresses", addresses},
             {"conditions", {{"ready", ready}, {"serving", serving}, {"terminating", terminating}}},
             {"targetRef",
              {{"kind", "Pod"},
               {"namespace", client::NamespaceOf(pod)},
               {"name", client::NameOf(pod)},
               {"uid", client::UidOf(pod)}}}};
  std::string node_name = client::GetString(pod, {"spec", "nodeName"});
  if (!node_name.empty()) ep["nodeName"] = node_name;
  if (node != nullptr) {
    std::string zone = client::GetString(*node, {"metadata", "labels", kLabelTopologyZone});
    if (!zone.empty()) ep["zone"] = zone;
  }
  if (ShouldSetHostname(pod, svc)) ep["hostname"] = client::GetString(pod, {"spec", "hostname"});
  return ep;
}

Json SliceEndpointPorts(const Json& svc, const Json& pod) {
  Json ports = Json::array();
  const Json& sps = ArrayAt(svc, {"spec", "ports"});
  for (const Json& sp : sps) {
    std::optional<int64_t> num = FindPort(pod, sp);
    if (!num) continue;
    Json p = {{"name", sp.value("name", "")}, {"port", *num}, {"protocol", sp.value("protocol", "TCP")}};
    if (sp.contains("appProtocol")) p["appProtocol"] = sp["appProtocol"];
    ports.push_back(std::move(p));
  }
  return ports;
}

std::vector<std::string> ServiceAddressTypes(const Json& svc) {
  std::vector<std::string> types;
  for (const Json& f : ArrayAt(svc, {"spec", "ipFamilies"}))
    if (f == "IPv4" || f == "IPv6") types.push_back(f.get<std::string>());
  if (types.empty()) types.push_back(ServiceAddressFamily(svc));
  return types;
}

SliceChanges ReconcileServiceSlices(const Json& svc, const std::vector<ObjectPtr>& pods, const NodeLookup& nodes,
                                    const std::vector<ObjectPtr>& existing,
                                    std::optional<client::TimePoint> trigger_time, int max_per_slice,
                                    std::vector<std::string>* skipped_pods) {
  SliceChanges all;
  std::vector<std::string> types = ServiceAddressTypes(svc);
  std::map<std::string, std::vector<ObjectPtr>> by_type;
  for (const ObjectPtr& s : existing) {
    if (client::IsBeingDeleted(*s)) continue;
    std::string type = s->value("addressType", "");
    if (std::find(types.begin(), types.end(), type) == types.end()) all.remove.push_back(*s);
    else by_type[type].push_back(s);
  }
  const Json* pna = client::Find(svc, {"spec", "publishNotReadyAddresses"});
  bool publish_not_ready = pna != nullptr && *pna == true;

  for (const std::string& type : types) {
    SliceChanges c;
    const std::vector<ObjectPtr>& current = by_type[type];
    std::map<std::string, std::vector<ObjectPtr>> existing_by_ports;
    for (const ObjectPtr& s : current) {
      if (OwnedBy(*s, svc, "Service")) existing_by_ports[PortsKey(ArrayAt(*s, {"ports"}))].push_back(s);
      else c.remove.push_back(*s);
    }
    std::map<std::string, PortGroup> desired;
    for (const ObjectPtr& pod : pods) {
      if (!ShouldPodBeInEndpoints(*pod, true)) continue;
      std::string node_name = client::GetString(*pod, {"spec", "nodeName"});
      ObjectPtr node = node_name.empty() || !nodes ? nullptr : nodes(node_name);
      if (!node && !publish_not_ready) {
        if (skipped_pods != nullptr && type == types.front()) skipped_pods->push_back(client::NameOf(*pod));
        continue;
      }
      Json ep = PodToSliceEndpoint(*pod, node.get(), svc, type);
      if (ep["addresses"].empty()) continue;
      Json ports = SliceEndpointPorts(svc, *pod);
      PortGroup& g = desired[PortsKey(ports)];
      g.ports = ports;
      g.endpoints.emplace(EndpointKey(ep), std::move(ep));
    }
    for (auto& [key, group] : desired) {
      auto it = existing_by_ports.find(key);
      ReconcileByPorts(svc, it == existing_by_ports.end() ? std::vector<ObjectPtr>{} : it->second, std::move(group),
                       max_per_slice, &c);
    }
    for (const auto& [key, slices] : existing_by_ports)
      if (!desired.count(key))
        for (const ObjectPtr& s : slices) c.remove.push_back(*s);
    for (Json& s : c.create) s["addressType"] = type;
    // A service without endpoints keeps one placeholder slice.
    if (current.size() == c.remove.size() && c.create.empty()) {
      Json placeholder = NewServiceSlice(svc, Json::array(), type);
      const Json& old = c.remove.size() == 1 ? c.remove[0] : Json();
      bool same = old.is_object() && ArrayAt(old, {"endpoints"}).empty() && ArrayAt(old, {"ports"}).empty() &&
                  OwnedBy(old, svc, "Service") &&
                  ObjectAt(old, {"metadata", "labels"}) == placeholder["metadata"]["labels"];
      if (same) c.remove.clear();
      else c.create.push_back(std::move(placeholder));
    }
    // Recycle only slices this service owns, of this address type.
    std::vector<Json> foreign;
    std::vector<Json> own;
    for (Json& s : c.remove) (OwnedBy(s, svc, "Service") ? own : foreign).push_back(std::move(s));
    c.remove = std::move(own);
    Recycle(&c);
    for (Json& s : foreign) c.remove.push_back(std::move(s));
    for (Json& s : c.create) {
      SetTriggerTime(&s, trigger_time);
      all.create.push_back(std::move(s));
    }
    for (Json& s : c.update) {
      SetTriggerTime(&s, trigger_time);
      all.update.push_back(std::move(s));
    }
    for (Json& s : c.remove) all.remove.push_back(std::move(s));
  }
  return all;
}

bool ShouldMirror(const Json& endpoints) {
  if (client::GetString(endpoints, {"metadata", "labels", kLabelSkipMirror}) == "true") return false;
  return !ObjectAt(endpoints, {"metadata", "annotations"}).contains(kLeaderElectionAnnotation);
}

SliceChanges ReconcileMirroredSlices(const Json& endpoints, const std::vector<ObjectPtr>& existing,
                                     int max_per_subset, int* invalid) {
  SliceChanges c;
  // Desired: (address type + port key) -> ports and endpoints.
  std::map<std::string, std::pair<std::string, PortGroup>> desired;
  int bad = 0;
  for (const Json& ss : ArrayAt(endpoints, {"subsets"})) {
    Json ports = Json::array();
    for (const Json& p : ArrayAt(ss, {"ports"})) {
      Json port = {{"name", p.value("name", "")}, {"port", p.value("port", int64_t{0})},
                   {"protocol", p.value("protocol", "TCP")}};
      if (p.contains("appProtocol")) port["appProtocol"] = p["appProtocol"];
      ports.push_back(std::move(port));
    }
    int added = 0;
    for (const auto& [field, ready] : {std::pair{"addresses", true}, std::pair{"notReadyAddresses", false}}) {
      for (const Json& a : ArrayAt(ss, {field})) {
        if (added >= max_per_subset) break;
        std::string type;
        std::optional<std::string> ip = CanonicalIP(a.value("ip", ""), &type);
        if (!ip) {
          ++bad;
          continue;
        }
        Json ep = {{"addresses", Json::array({*ip})}, {"conditions", {{"ready", ready}}}};
        if (a.contains("targetRef")) ep["targetRef"] = a["targetRef"];
        if (!a.value("nodeName", "").empty()) ep["nodeName"] = a["nodeName"];
        if (!a.value("hostname", "").empty()) ep["hostname"] = a["hostname"];
        auto& [t, group] = desired[type + "|" + PortsKey(ports)];
        t = type;
        group.ports = ports;
        group.endpoints.emplace(EndpointKey(ep), std::move(ep));
        ++added;
      }
    }
  }
  if (invalid != nullptr) *invalid = bad;

  Json labels = ObjectAt(endpoints, {"metadata", "labels"});
  labels[kLabelServiceName] = client::NameOf(endpoints);
  labels[kLabelManagedBy] = kMirroringControllerName;
  Json annotations = ObjectAt(endpoints, {"metadata", "annotations"});
  annotations.erase(kLastChangeTriggerTime);
  annotations.erase("kubectl.kubernetes.io/last-applied-configuration");

  std::map<std::string, std::vector<ObjectPtr>> existing_by_key;
  for (const ObjectPtr& s : existing) {
    if (client::IsBeingDeleted(*s)) continue;
    existing_by_key[s->value("addressType", "") + "|" + PortsKey(ArrayAt(*s, {"ports"}))].push_back(s);
  }
  for (auto& [key, entry] : desired) {
    auto& [type, group] = entry;
    auto it = existing_by_key.find(key);
    std::vector<ObjectPtr> current = it == existing_by_key.end() ? std::vector<ObjectPtr>{} : it->second;
    for (size_t i = 1; i < current.size(); ++i) c.remove.push_back(*current[i]);
    Json eps = Json::array();
    while (!group.endpoints.empty() && static_cast<int>(eps.size()) < max_per_subset)
      eps.push_back(PopFirst(&group.endpoints));
    if (!current.empty()) {
      const Json& old = *current[0];
      // Unchanged when the same endpoints (in any order), labels and annotations.
      std::map<std::string, Json> have, want;
      for (const Json& ep : ArrayAt(old, {"endpoints"})) have[EndpointKey(ep)] = Comparable(ep);
      for (const Json& ep : eps) want[EndpointKey(ep)] = Comparable(ep);
      if (have == want && ObjectAt(old, {"metadata", "labels"}) == labels &&
          ObjectAt(old, {"metadata", "annotations"}) == annotations)
        continue;
      Json next = old;
      next["endpoints"] = eps;
      next["ports"] = group.ports;
      next["metadata"]["labels"] = labels;
      if (annotations.empty()) next["metadata"].erase("annotations");
      else next["metadata"]["annotations"] = annotations;
      c.update.push_back(std::move(next));
      continue;
    }
    Json slice = {{"apiVersion", "discovery.k8s.io/v1"},
                  {"kind", "EndpointSlice"},
                  {"metadata",
                   {{"generateName", SlicePrefix(client::NameOf(endpoints))},
                    {"namespace", client::NamespaceOf(endpoints)},
                    {"labels", labels},
                    {"ownerReferences", Json::array({ControllerRef(endpoints, "Endpoints")})}}},
                  {"addressType", type},
                  {"endpoints", eps},
                  {"ports", group.ports}};
    if (!annotations.empty()) slice["metadata"]["annotations"] = annotations;
    c.create.push_back(std::move(slice));
  }
  for (const auto& [key, slices] : existing_by_key)
    if (!desired.count(key))
      for (const ObjectPtr& s : slices) c.remove.push_back(*s);
  // Recycle deletions of the same address type into creations.
  std::vector<Json> keep_create;
  for (Json& fresh : c.create) {
    auto it = std::find_if(c.remove.begin(), c.remove.end(), [&](const Json& r) {
      return r.value("addressType", "") == fresh.value("addressType", "") && OwnedBy(r, endpoints, "Endpoints");
    });
    if (it == c.remove.end()) {
      keep_create.push_back(std::move(fresh));
      continue;
    }
    Json recycled = *it;
    c.remove.erase(it);
    for (const char* f : {"labels", "ownerReferences", "annotations"})
      if (fresh["metadata"].contains(f)) recycled["metadata"][f] = fresh["metadata"][f];
      else recycled["metadata"].erase(f);
    recycled["endpoints"] = fresh["endpoints"];
    recycled["ports"] = fresh["ports"];
    c.update.push_back(std::move(recycled));
  }
  c.create = std::move(keep_create);
  return c;
}

std::string ManagedSliceServiceKey(const Json& slice, std::string_view manager) {
  if (client::GetString(slice, {"metadata", "labels", kLabelManagedBy}) != manager) return "";
  std::string service = client::GetString(slice, {"metadata", "labels", kLabelServiceName});
  return service.empty() ? "" : client::KeyOf(client::NamespaceOf(slice), service);
}

}  // namespace netkube::controllers
