// Namespace, Node, ConfigMap, Secret, ServiceAccount and Event validation
// (core/v1), Kubernetes 1.33 wording.
#include <set>

#include <nlohmann/json.hpp>

#include "api/validation_util.h"

namespace netkube::api::validation {
namespace {

constexpr int64_t kMaxSecretSize = 1024 * 1024;  // also the ConfigMap limit

void MetaCreateOrUpdate(Errors& e, const json& obj, const json* old, bool namespaced, NameRule rule) {
  if (old) ValidateObjectMetaUpdate(e, obj, *old);
  ValidateObjectMeta(e, obj, namespaced, rule);
}

// Decoded size of a base64 string (Secret data is base64 in JSON).
int64_t Base64DecodedSize(const std::string& s) {
  size_t n = s.size();
  size_t pad = 0;
  while (pad < 2 && n > pad && s[n - 1 - pad] == '=') ++pad;
  return static_cast<int64_t>(n * 3 / 4 - pad);
}

void ValidateImmutableData(Errors& e, const json& obj, const json& old) {
  if (!GetBool(old, "immutable")) return;
  if (!GetBool(obj, "immutable")) e.Forbidden("immutable", "field is immutable when `immutable` is set");
  for (const char* f : {"data", "binaryData"}) {
    const json* a = Get(obj, f);
    const json* b = Get(old, f);
    if (!SemanticEqual(a ? *a : json(), b ? *b : json()))
      e.Forbidden(f, "field is immutable when `immutable` is set");
  }
}

}  // namespace

void ValidateNamespace(Errors& e, const json& obj, const json* old) {
  MetaCreateOrUpdate(e, obj, old, false, NameRule::kDNSLabel);
  const json* spec = GetObject(obj, "spec");
  const json* fins = spec ? GetArray(*spec, "finalizers") : nullptr;
  if (!fins) return;
  for (size_t i = 0; i < fins->size(); ++i) {
    if (!(*fins)[i].is_string()) continue;
    std::string f = (*fins)[i].get<std::string>();
    e.InvalidEach("spec.finalizers", f, IsQualifiedName(f));
    if (f.find('/') == std::string::npos && f != "kubernetes" && f != "orphan" && f != "foregroundDeletion")
      e.Invalid("spec.finalizers", f, "name is neither a standard finalizer name nor is it fully qualified");
  }
}

void ValidateNode(Errors& e, const json& obj, const json* old) {
  MetaCreateOrUpdate(e, obj, old, false, NameRule::kDNSSubdomain);
  static const json kEmpty = json::object();
  const json* s = GetObject(obj, "spec");
  const json& spec = s ? *s : kEmpty;
  if (const json* taints = GetArray(spec, "taints")) {
    std::set<std::pair<std::string, std::string>> seen;
    for (size_t i = 0; i < taints->size(); ++i) {
      const json& t = (*taints)[i];
      // Go builds this path from the metadata path: "metadata.taints[i]".
      std::string p = Index("metadata.taints", i);
      std::string key = GetString(t, "key"), value = GetString(t, "value"), effect = GetString(t, "effect");
      e.InvalidEach(Child(p, "key"), key, IsQualifiedName(key));
      auto errs = IsValidLabelValue(value);
      if (!errs.empty()) {
        std::string joined;
        for (size_t j = 0; j < errs.size(); ++j) joined += (j ? ";" : "") + errs[j];
        e.Invalid(Child(p, "value"), value, joined);
      }
      if (effect.empty()) {
        e.Required(Child(p, "effect"));
      } else if (effect != "NoSchedule" && effect != "PreferNoSchedule" && effect != "NoExecute") {
        e.NotSupported(Child(p, "effect"), effect, {"NoSchedule", "PreferNoSchedule", "NoExecute"});
      }
      if (!seen.insert({effect, key}).second)
        e.Invalid(p, t, "taints must be unique by key and effect pair");
    }
  }
  if (const json* cidrs = GetArray(spec, "podCIDRs")) {
    for (size_t i = 0; i < cidrs->size(); ++i)
      if ((*cidrs)[i].is_string()) IsValidCIDR(e, Index("spec.podCIDRs", i), (*cidrs)[i].get<std::string>());
  }
  if (!old) return;
  const json* os = GetObject(*old, "spec");
  if (!os) return;
  const json* old_cidrs = GetArray(*os, "podCIDRs");
  if (old_cidrs && !old_cidrs->empty()) {
    const json* cidrs = GetArray(spec, "podCIDRs");
    if (!cidrs || !SemanticEqual(*cidrs, *old_cidrs))
      e.Forbidden("spec.podCIDRs", "node updates may not change podCIDR except from \"\" to valid");
  }
  std::string old_provider = GetString(*os, "providerID");
  if (!old_provider.empty() && old_provider != GetString(spec, "providerID"))
    e.Forbidden("spec.providerID", "node updates may not change providerID except from \"\" to valid");
}

void ValidateConfigMap(Errors& e, const json& obj, const json* old) {
  MetaCreateOrUpdate(e, obj, old, true, NameRule::kDNSSubdomain);
  int64_t total = 0;
  const json* data = GetObject(obj, "data");
  const json* binary = GetObject(obj, "binaryData");
  if (data)
    for (auto it = data->begin(); it != data->end(); ++it) {
      e.InvalidEach(Key("data", it.key()), it.key(), IsConfigMapKey(it.key()));
      if (binary && binary->contains(it.key()))
        e.Invalid(Key("data", it.key()), it.key(), "duplicate of key present in binaryData");
      if (it->is_string()) total += static_cast<int64_t>(it->get_ref<const std::string&>().size());
    }
  if (binary)
    for (auto it = binary->begin(); it != binary->end(); ++it) {
      e.InvalidEach(Key("binaryData", it.key()), it.key(), IsConfigMapKey(it.key()));
      if (data && data->contains(it.key()))
        e.Invalid(Key("binaryData", it.key()), it.key(), "duplicate of key present in data");
      if (it->is_string()) total += Base64DecodedSize(it->get<std::string>());
    }
  if (total > kMaxSecretSize) e.TooLong("", kMaxSecretSize);
  if (old) ValidateImmutableData(e, obj, *old);
}

void ValidateSecret(Errors& e, const json& obj, const json* old) {
  MetaCreateOrUpdate(e, obj, old, true, NameRule::kDNSSubdomain);
  int64_t total = 0;
  const json* data = GetObject(obj, "data");
  if (data)
    for (auto it = data->begin(); it != data->end(); ++it) {
      e.InvalidEach(Key("data", it.key()), it.key(), IsConfigMapKey(it.key()));
      if (it->is_string()) total += Base64DecodedSize(it->get<std::string>());
    }
  if (const json* sd = GetObject(obj, "stringData"))
    for (auto it = sd->begin(); it != sd->end(); ++it) {
      e.InvalidEach(Key("stringData", it.key()), it.key(), IsConfigMapKey(it.key()));
      if (it->is_string()) total += static_cast<int64_t>(it->get_ref<const std::string&>().size());
    }
  if (total > kMaxSecretSize) e.TooLong("data", kMaxSecretSize);
  auto has = [&](const char* k) {
    const json* sd = GetObject(obj, "stringData");
    return (data && data->contains(k)) || (sd && sd->contains(k));
  };
  std::string type = GetString(obj, "type");
  if (type == "kubernetes.io/service-account-token") {
    bool named = false;
    for (const auto& [k, v] : GetStringMap(GetObject(obj, "metadata") ? *GetObject(obj, "metadata") : json::object(),
                                           "annotations"))
      named = named || (k == "kubernetes.io/service-account.name" && !v.empty());
    if (!named) e.Required("metadata.annotations[kubernetes.io/service-account.name]");
  } else if (type == "kubernetes.io/dockercfg") {
    if (!has(".dockercfg")) e.Required("data[.dockercfg]");
  } else if (type == "kubernetes.io/dockerconfigjson") {
    if (!has(".dockerconfigjson")) e.Required("data[.dockerconfigjson]");
  } else if (type == "kubernetes.io/basic-auth") {
    if (!has("username") && !has("password"))
      e.Required("data[username]", "either username or password is required");
  } else if (type == "kubernetes.io/ssh-auth") {
    if (!has("ssh-privatekey")) e.Required("data[ssh-privatekey]");
  } else if (type == "kubernetes.io/tls") {
    if (!has("tls.crt")) e.Required("data[tls.crt]");
    if (!has("tls.key")) e.Required("data[tls.key]");
  }
  if (old) {
    const json* t = Get(obj, "type");
    const json* ot = Get(*old, "type");
    ValidateImmutable(e, t, ot, "type");
    ValidateImmutableData(e, obj, *old);
  }
}

void ValidateServiceAccount(Errors& e, const json& obj, const json* old) {
  MetaCreateOrUpdate(e, obj, old, true, NameRule::kDNSSubdomain);
}

void ValidateEvent(Errors& e, const json& obj, const json* old) {
  if (old) ValidateObjectMetaUpdate(e, obj, *old);
  ValidateObjectMeta(e, obj, true, NameRule::kDNSSubdomain);
  const json* involved = GetObject(obj, "involvedObject");
  const json* meta = GetObject(obj, "metadata");
  if (involved && meta) {
    std::string ins = GetString(*involved, "namespace"), ns = GetString(*meta, "namespace");
    if (!ins.empty() && ins != ns) e.Invalid("involvedObject.namespace", ins, "does not match event.namespace");
  }
}

}  // namespace netkube::api::validation
