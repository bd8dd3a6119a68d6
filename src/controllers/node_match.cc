#include "controllers/node_match.h"

namespace netkube::controllers {

bool NodeReady(const Json& node) {
  const Json* c = client::FindCondition(node, "Ready");
  return c != nullptr && c->value("status", "") == "True";
}

bool Tolerates(const Json& t, const Json& taint) {
  if (!t.is_object() || !taint.is_object()) return false;
  std::string effect = t.value("effect", "");
  if (!effect.empty() && effect != taint.value("effect", "")) return false;
  std::string key = t.value("key", "");
  std::string op = t.value("operator", "Equal");
  if (key.empty()) return op == "Exists";
  if (key != taint.value("key", "")) return false;
  if (op == "Exists") return true;
  if (op == "Equal" || op.empty()) return t.value("value", "") == taint.value("value", "");
  return false;
}

bool TolerationsTolerate(const Json& tolerations, const Json& taint) {
  if (!tolerations.is_array()) return false;
  for (const Json& t : tolerations)
    if (Tolerates(t, taint)) return true;
  return false;
}

Json EffectiveTaints(const Json& node) {
  const Json* t = client::Find(node, {"spec", "taints"});
  Json taints = t != nullptr && t->is_array() ? *t : Json::array();
  if (!NodeReady(node)) {
    bool has = false;
    for (const Json& x : taints) has = has || x.value("key", "") == "node.kubernetes.io/not-ready";
    if (!has) taints.push_back({{"key", "node.kubernetes.io/not-ready"}, {"effect", "NoSchedule"}});
  }
  return taints;
}

const Json* FirstUntoleratedTaint(const Json& taints, const Json& tolerations) {
  if (!taints.is_array()) return nullptr;
  for (const Json& taint : taints) {
    std::string effect = taint.value("effect", "");
    if (effect != "NoSchedule" && effect != "NoExecute") continue;
    if (!TolerationsTolerate(tolerations, taint)) return &taint;
  }
  return nullptr;
}

namespace {

bool MatchRequirement(const Json& req, const std::string* value) {
  std::string op = req.value("operator", "");
  std::vector<std::string> values;
  if (req.contains("values") && req["values"].is_array())
    for (const Json& v : req["values"])
      if (v.is_string()) values.push_back(v.get<std::string>());
  bool in = false;
  for (const auto& v : values) in = in || (value != nullptr && *value == v);
  if (op == "In") return in;
  if (op == "NotIn") return !in;
  if (op == "Exists") return value != nullptr;
  if (op == "DoesNotExist") return value == nullptr;
  if (op == "Gt" || op == "Lt") {
    if (value == nullptr || values.size() != 1) return false;
    try {
      int64_t a = std::stoll(*value), b = std::stoll(values[0]);
      return op == "Gt" ? a > b : a < b;
    } catch (...) {
      return false;
    }
  }
  return false;
}

bool MatchTerm(const Json& term, const Json& node) {
  if (!term.is_object()) return false;
  bool any = false;
  const Json* labels = client::Find(node, {"metadata", "labels"});
  if (term.contains("matchExpressions") && term["matchExpressions"].is_array()) {
    for (const Json& req : term["matchExpressions"]) {
      any = true;
      std::string key = req.value("key", "");
      std::string v;
      bool present = labels != nullptr && labels->is_object() && labels->contains(key) && (*labels)[key].is_string();
      if (present) v = (*labels)[key].get<std::string>();
      if (!MatchRequirement(req, present ? &v : nullptr)) return false;
    }
  }
  if (term.contains("matchFields") && term["matchFields"].is_array()) {
    for (const Json& req : term["matchFields"]) {
      any = true;
      if (req.value("key", "") != "metadata.name") return false;
      std::string name = client::NameOf(node);
      if (!MatchRequirement(req, &name)) return false;
    }
  }
  return any;  // an empty term matches nothing
}

}  // namespace

bool MatchNodeSelectorTerms(const Json& terms, const Json& node) {
  if (!terms.is_array()) return false;
  for (const Json& t : terms)
    if (MatchTerm(t, node)) return true;
  return false;
}

bool MatchesNodeSelectorAndAffinity(const Json& spec, const Json& node) {
  if (const Json* sel = client::Find(spec, {"nodeSelector"}); sel != nullptr && sel->is_object()) {
    const Json* labels = client::Find(node, {"metadata", "labels"});
    for (auto it = sel->begin(); it != sel->end(); ++it) {
      if (labels == nullptr || !labels->is_object() || !labels->contains(it.key()) ||
          (*labels)[it.key()] != it.value())
        return false;
    }
  }
  const Json* req = client::Find(spec, {"affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"});
  if (req != nullptr && req->is_object()) {
    const Json* terms = client::Find(*req, {"nodeSelectorTerms"});
    if (terms == nullptr || !MatchNodeSelectorTerms(*terms, node)) return false;
  }
  return true;
}

int64_t PreferredAffinityScore(const Json& spec, const Json& node) {
  const Json* pref = client::Find(spec, {"affinity", "nodeAffinity", "preferredDuringSchedulingIgnoredDuringExecution"});
  if (pref == nullptr || !pref->is_array()) return 0;
  int64_t score = 0;
  for (const Json& p : *pref) {
    const Json* term = client::Find(p, {"preference"});
    if (term != nullptr && MatchTerm(*term, node)) score += client::GetInt(p, {"weight"}, 0);
  }
  return score;
}

std::set<HostPort> HostPorts(const Json& spec) {
  std::set<HostPort> out;
  for (const char* list : {"initContainers", "containers"}) {
    const Json* cs = client::Find(spec, {list});
    if (cs == nullptr || !cs->is_array()) continue;
    for (const Json& c : *cs) {
      const Json* ports = client::Find(c, {"ports"});
      if (ports == nullptr || !ports->is_array()) continue;
      for (const Json& p : *ports) {
        int64_t hp = client::GetInt(p, {"hostPort"}, 0);
        if (hp <= 0) continue;
        std::string ip = client::GetString(p, {"hostIP"});
        std::string proto = client::GetString(p, {"protocol"});
        out.emplace(ip.empty() ? "0.0.0.0" : ip, proto.empty() ? "TCP" : proto, hp);
      }
    }
  }
  return out;
}

bool HostPortsConflict(const std::set<HostPort>& want, const std::set<HostPort>& used) {
  for (const auto& [ip, proto, port] : want)
    for (const auto& [uip, uproto, uport] : used)
      if (port == uport && proto == uproto && (ip == uip || ip == "0.0.0.0" || uip == "0.0.0.0")) return true;
  return false;
}

}  // namespace netkube::controllers
