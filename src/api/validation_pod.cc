// PodSpec validation shared by Pods and pod templates: volumes, containers
// (ports, env, mounts, probes, lifecycle), init containers, tolerations and
// pod-level enums, as the core validation of Kubernetes 1.33 words them.
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "api/validation_util.h"

namespace netkube::api::validation {
namespace {

const std::vector<std::string> kProtocols = {"SCTP", "TCP", "UDP"};  // sets.List: sorted
constexpr std::string_view kFileModeMsg = "must be a number between 0 and 0777 (octal), both inclusive";

// Volume source fields in the order the Go validation visits them.
const std::vector<std::string> kVolumeSources = {
    "emptyDir",  "hostPath",   "gitRepo",        "gcePersistentDisk", "awsElasticBlockStore", "secret",
    "nfs",       "iscsi",      "glusterfs",      "flocker",           "persistentVolumeClaim", "rbd",
    "cinder",    "cephfs",     "quobyte",        "downwardAPI",       "fc",                   "flexVolume",
    "configMap", "azureFile",  "vsphereVolume",  "photonPersistentDisk", "portworxVolume",    "azureDisk",
    "storageos", "projected",  "scaleIO",        "csi",               "ephemeral",            "image"};

void ValidateMode(Errors& e, const json& obj, std::string_view key, const std::string& path) {
  auto mode = GetInt(obj, key);
  if (mode && (*mode < 0 || *mode > 0777)) e.Invalid(path, *mode, kFileModeMsg);
}

// validateLocalDescendingPath
void ValidateLocalDescendingPath(Errors& e, const std::string& value, const std::string& path) {
  if (!value.empty() && value.front() == '/') e.Invalid(path, value, "must be a relative path");
  size_t start = 0;
  while (start <= value.size()) {
    size_t slash = value.find_first_of("/\\", start);
    std::string part = value.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part == "..") {
      e.Invalid(path, value, "must not contain '..'");
      break;
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
}

void ValidateKeyToPaths(Errors& e, const json& src, const std::string& path) {
  const json* items = GetArray(src, "items");
  if (!items) return;
  for (size_t i = 0; i < items->size(); ++i) {
    const json& it = (*items)[i];
    std::string p = Index(Child(path, "items"), i);
    if (GetString(it, "key").empty()) e.Required(Child(p, "key"));
    std::string item_path = GetString(it, "path");
    if (item_path.empty()) {
      e.Required(Child(p, "path"));
    } else {
      ValidateLocalDescendingPath(e, item_path, Child(p, "path"));
    }
    ValidateMode(e, it, "mode", Child(p, "mode"));
  }
}

void ValidateVolumeSource(Errors& e, const std::string& source, const json& v, const std::string& path) {
  if (source == "configMap") {
    if (GetString(v, "name").empty()) e.Required(Child(path, "name"));
    ValidateMode(e, v, "defaultMode", Child(path, "defaultMode"));
    ValidateKeyToPaths(e, v, path);
  } else if (source == "secret") {
    if (GetString(v, "secretName").empty()) e.Required(Child(path, "secretName"));
    ValidateMode(e, v, "defaultMode", Child(path, "defaultMode"));
    ValidateKeyToPaths(e, v, path);
  } else if (source == "hostPath") {
    if (GetString(v, "path").empty()) e.Required(Child(path, "path"));
  } else if (source == "persistentVolumeClaim") {
    if (GetString(v, "claimName").empty()) e.Required(Child(path, "claimName"));
  } else if (source == "downwardAPI" || source == "projected") {
    ValidateMode(e, v, "defaultMode", Child(path, "defaultMode"));
  }
}

// Returns the names of the valid volumes.
std::set<std::string> ValidateVolumes(Errors& e, const json& spec, const std::string& path) {
  std::set<std::string> names;
  const json* vols = GetArray(spec, "volumes");
  if (!vols) return names;
  for (size_t i = 0; i < vols->size(); ++i) {
    const json& vol = (*vols)[i];
    std::string p = Index(path, i);
    Errors el;
    int n = 0;
    for (const auto& src : kVolumeSources) {
      const json* v = Get(vol, src);
      if (!v) continue;
      if (n > 0) {
        el.Forbidden(Child(p, src), "may not specify more than 1 volume type");
        continue;
      }
      ++n;
      ValidateVolumeSource(el, src, *v, Child(p, src));
    }
    if (n == 0) el.Required(p, "must specify a volume type");
    std::string name = GetString(vol, "name");
    if (name.empty()) {
      el.Required(Child(p, "name"));
    } else {
      el.InvalidEach(Child(p, "name"), name, IsDNS1123Label(name));
    }
    if (names.count(name)) el.Duplicate(Child(p, "name"), name);
    if (el.empty()) names.insert(name);
    e.Append(std::move(el));
  }
  return names;
}

void ValidateContainerPorts(Errors& e, const json& c, const std::string& path) {
  const json* ports = GetArray(c, "ports");
  if (!ports) return;
  std::set<std::string> names;
  for (size_t i = 0; i < ports->size(); ++i) {
    const json& port = (*ports)[i];
    std::string p = Index(path, i);
    std::string name = GetString(port, "name");
    if (!name.empty()) {
      auto msgs = IsValidPortName(name);
      if (!msgs.empty()) {
        e.InvalidEach(Child(p, "name"), name, msgs);
      } else if (names.count(name)) {
        e.Duplicate(Child(p, "name"), name);
      } else {
        names.insert(name);
      }
    }
    int64_t cp = GetInt(port, "containerPort").value_or(0);
    if (cp == 0) {
      e.Required(Child(p, "containerPort"));
    } else {
      e.InvalidEach(Child(p, "containerPort"), cp, IsValidPortNum(cp));
    }
    int64_t hp = GetInt(port, "hostPort").value_or(0);
    if (hp != 0) e.InvalidEach(Child(p, "hostPort"), hp, IsValidPortNum(hp));
    std::string proto = GetString(port, "protocol");
    if (proto.empty()) {
      e.Required(Child(p, "protocol"));
    } else if (proto != "TCP" && proto != "UDP" && proto != "SCTP") {
      e.NotSupported(Child(p, "protocol"), proto, kProtocols);
    }
  }
}

void ValidateKeySelector(Errors& e, const json& sel, const std::string& path) {
  std::string name = GetString(sel, "name");
  e.InvalidEach(Child(path, "name"), name, IsDNS1123Subdomain(name));
  std::string key = GetString(sel, "key");
  if (key.empty()) {
    e.Required(Child(path, "key"));
  } else {
    e.InvalidEach(Child(path, "key"), key, IsConfigMapKey(key));
  }
}

// Relaxed env var names (RelaxedEnvironmentVariableValidation, on since 1.32).
std::vector<std::string> IsRelaxedEnvVarName(const std::string& v) {
  std::vector<std::string> errs;
  if (v.empty()) errs.push_back("environment variable name must be non-empty");
  for (unsigned char c : v)
    if (c < 0x20 || c > 0x7e || c == '=') {
      errs.push_back("a valid environment variable name must consist only of printable ASCII characters other than '='");
      break;
    }
  return errs;
}

void ValidateEnv(Errors& e, const json& c, const std::string& path) {
  if (const json* env = GetArray(c, "env")) {
    for (size_t i = 0; i < env->size(); ++i) {
      const json& ev = (*env)[i];
      std::string p = Index(path, i);
      std::string name = GetString(ev, "name");
      if (name.empty()) {
        e.Required(Child(p, "name"));
      } else {
        e.InvalidEach(Child(p, "name"), name, IsRelaxedEnvVarName(name));
      }
      const json* from = GetObject(ev, "valueFrom");
      if (!from) continue;
      std::string fp = Child(p, "valueFrom");
      int n = 0;
      if (const json* f = GetObject(*from, "fieldRef")) {
        ++n;
        if (GetString(*f, "apiVersion").empty()) {
          e.Required(Child(Child(fp, "fieldRef"), "apiVersion"));
        } else if (GetString(*f, "fieldPath").empty()) {
          e.Required(Child(Child(fp, "fieldRef"), "fieldPath"));
        }
      }
      if (const json* f = GetObject(*from, "resourceFieldRef")) {
        ++n;
        if (GetString(*f, "resource").empty()) e.Required(Child(Child(fp, "resourceFieldRef"), "resource"));
      }
      if (const json* f = GetObject(*from, "configMapKeyRef")) {
        ++n;
        ValidateKeySelector(e, *f, Child(fp, "configMapKeyRef"));
      }
      if (const json* f = GetObject(*from, "secretKeyRef")) {
        ++n;
        ValidateKeySelector(e, *f, Child(fp, "secretKeyRef"));
      }
      if (n == 0) {
        e.Invalid(fp, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`");
      } else if (!GetString(ev, "value").empty()) {
        e.Invalid(fp, "", "may not be specified when `value` is not empty");
      } else if (n > 1) {
        e.Invalid(fp, "", "may not have more than one field specified at a time");
      }
    }
  }
}

void ValidateEnvFrom(Errors& e, const json& c, const std::string& path) {
  const json* from = GetArray(c, "envFrom");
  if (!from) return;
  for (size_t i = 0; i < from->size(); ++i) {
    const json& ev = (*from)[i];
    std::string p = Index(path, i);
    std::string prefix = GetString(ev, "prefix");
    if (!prefix.empty()) e.InvalidEach(Child(p, "prefix"), prefix, IsRelaxedEnvVarName(prefix));
    int n = 0;
    for (const char* ref : {"configMapRef", "secretRef"}) {
      const json* r = GetObject(ev, ref);
      if (!r) continue;
      ++n;
      std::string name = GetString(*r, "name");
      if (name.empty()) {
        e.Required(Child(Child(p, ref), "name"));
      } else {
        e.InvalidEach(Child(Child(p, ref), "name"), name, IsDNS1123Subdomain(name));
      }
    }
    if (n == 0) {
      e.Invalid(path, "", "must specify one of: `configMapRef` or `secretRef`");
    } else if (n > 1) {
      e.Invalid(path, "", "may not have more than one field specified at a time");
    }
  }
}

void ValidateVolumeMounts(Errors& e, const json& c, const std::set<std::string>& volumes, const std::string& path) {
  const json* mounts = GetArray(c, "volumeMounts");
  if (!mounts) return;
  std::set<std::string> points;
  for (size_t i = 0; i < mounts->size(); ++i) {
    const json& m = (*mounts)[i];
    std::string p = Index(path, i);
    std::string name = GetString(m, "name"), mount_path = GetString(m, "mountPath");
    if (name.empty()) e.Required(Child(p, "name"));
    if (!volumes.count(name)) e.NotFound(Child(p, "name"), name);
    if (mount_path.empty()) e.Required(Child(p, "mountPath"));
    if (points.count(mount_path)) e.Invalid(Child(p, "mountPath"), mount_path, "must be unique");
    points.insert(mount_path);
    std::string sub = GetString(m, "subPath"), sub_expr = GetString(m, "subPathExpr");
    if (!sub.empty()) ValidateLocalDescendingPath(e, sub, Child(path, "subPath"));
    if (!sub_expr.empty()) {
      if (!sub.empty()) e.Invalid(Child(p, "subPathExpr"), sub_expr, "subPathExpr and subPath are mutually exclusive");
      ValidateLocalDescendingPath(e, sub_expr, Child(path, "subPathExpr"));
    }
  }
}

void ValidatePortNumOrName(Errors& e, const json* port, const std::string& path) {
  if (port && port->is_string()) {
    std::string s = port->get<std::string>();
    e.InvalidEach(path, s, IsValidPortName(s));
  } else {
    int64_t n = port && port->is_number() ? port->get<int64_t>() : 0;
    e.InvalidEach(path, n, IsValidPortNum(n));
  }
}

void ValidateHandler(Errors& e, const json& h, const std::string& path, bool probe) {
  int n = 0;
  std::vector<const char*> kinds = {"exec", "httpGet", "tcpSocket", probe ? "grpc" : "sleep"};
  for (const char* kind : kinds) {
    const json* a = GetObject(h, kind);
    if (!a) continue;
    std::string p = Child(path, kind);
    if (n++ > 0) {
      e.Forbidden(p, "may not specify more than 1 handler type");
      continue;
    }
    std::string k = kind;
    if (k == "exec") {
      if (ArraySize(*a, "command") == 0) e.Required(Child(p, "command"));
    } else if (k == "httpGet") {
      if (GetString(*a, "path").empty()) e.Required(Child(p, "path"));
      ValidatePortNumOrName(e, Get(*a, "port"), Child(p, "port"));
      std::string scheme = GetString(*a, "scheme");
      if (scheme != "HTTP" && scheme != "HTTPS") e.NotSupported(Child(p, "scheme"), scheme, {"HTTP", "HTTPS"});
      if (const json* headers = GetArray(*a, "httpHeaders"))
        for (const auto& hdr : *headers) {
          std::string name = GetString(hdr, "name");
          e.InvalidEach(Child(p, "httpHeaders"), name, IsHTTPHeaderName(name));
        }
    } else if (k == "tcpSocket") {
      ValidatePortNumOrName(e, Get(*a, "port"), Child(p, "port"));
    } else if (k == "grpc") {
      int64_t port = GetInt(*a, "port").value_or(0);
      e.InvalidEach(Child(p, "port"), port, IsValidPortNum(port));
    }
  }
  if (n == 0) e.Required(path, "must specify a handler type");
}

void ValidateProbe(Errors& e, const json& c, const char* which, const std::string& cpath) {
  const json* probe = GetObject(c, which);
  if (!probe) return;
  std::string p = Child(cpath, which);
  ValidateHandler(e, *probe, p, true);
  for (const char* f : {"initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold",
                        "failureThreshold"})
    ValidateNonnegative(e, *probe, f, Child(p, f));
  if (auto t = GetInt(*probe, "terminationGracePeriodSeconds"); t && *t <= 0)
    e.Invalid(Child(p, "terminationGracePeriodSeconds"), *t, "must be greater than 0");
  std::string w = which;
  auto st = GetInt(*probe, "successThreshold");
  if ((w == "livenessProbe" || w == "startupProbe") && st && *st != 1)
    e.Invalid(Child(p, "successThreshold"), *st, "must be 1");
  if (w == "readinessProbe" && HasKey(*probe, "terminationGracePeriodSeconds"))
    e.Invalid(Child(p, "terminationGracePeriodSeconds"), *Get(*probe, "terminationGracePeriodSeconds"),
              "must not be set for readinessProbes");
}

void ValidateLifecycleAndProbes(Errors& e, const json& c, const std::string& p) {
  if (const json* lc = GetObject(c, "lifecycle")) {
    for (const char* h : {"postStart", "preStop"})
      if (const json* hh = GetObject(*lc, h)) ValidateHandler(e, *hh, Child(Child(p, "lifecycle"), h), false);
  }
  ValidateProbe(e, c, "livenessProbe", p);
  ValidateProbe(e, c, "readinessProbe", p);
  ValidateProbe(e, c, "startupProbe", p);
}

void ValidateContainerCommon(Errors& e, const json& c, const std::set<std::string>& volumes, const std::string& p) {
  std::string name = GetString(c, "name");
  if (name.empty()) {
    e.Required(Child(p, "name"));
  } else {
    e.InvalidEach(Child(p, "name"), name, IsDNS1123Label(name));
  }
  if (GetString(c, "image").empty()) e.Required(Child(p, "image"));
  std::string tmp = GetString(c, "terminationMessagePolicy");
  if (tmp.empty()) {
    e.Required(Child(p, "terminationMessagePolicy"));
  } else if (tmp != "File" && tmp != "FallbackToLogsOnError") {
    e.NotSupported(Child(p, "terminationMessagePolicy"), tmp, {"File", "FallbackToLogsOnError"});
  }
  ValidateContainerPorts(e, c, Child(p, "ports"));
  ValidateEnv(e, c, Child(p, "env"));
  ValidateEnvFrom(e, c, Child(p, "envFrom"));
  ValidateVolumeMounts(e, c, volumes, Child(p, "volumeMounts"));
  std::string pull = GetString(c, "imagePullPolicy");
  if (pull.empty()) {
    e.Required(Child(p, "imagePullPolicy"));
  } else if (pull != "Always" && pull != "IfNotPresent" && pull != "Never") {
    e.NotSupported(Child(p, "imagePullPolicy"), pull, {"Always", "IfNotPresent", "Never"});
  }
}

void CheckHostPortConflicts(Errors& e, const json& containers, const std::vector<size_t>& which,
                            const std::string& path) {
  std::set<std::string> seen;
  for (size_t ci : which) {
    const json* ports = GetArray(containers[ci], "ports");
    if (!ports) continue;
    for (size_t pi = 0; pi < ports->size(); ++pi) {
      const json& port = (*ports)[pi];
      int64_t hp = GetInt(port, "hostPort").value_or(0);
      if (hp == 0) continue;
      std::string key = GetString(port, "protocol") + "/" + GetString(port, "hostIP") + "/" + std::to_string(hp);
      if (!seen.insert(key).second) e.Duplicate(Child(Index(Child(Index(path, ci), "ports"), pi), "hostPort"), key);
    }
  }
}

void ValidateContainers(Errors& e, const json& spec, const std::set<std::string>& volumes, const std::string& path) {
  const json* cs = GetArray(spec, "containers");
  if (!cs || cs->empty()) {
    e.Required(path);
    return;
  }
  std::set<std::string> names;
  std::vector<size_t> all;
  for (size_t i = 0; i < cs->size(); ++i) {
    const json& c = (*cs)[i];
    std::string p = Index(path, i);
    ValidateContainerCommon(e, c, volumes, p);
    std::string name = GetString(c, "name");
    if (!names.insert(name).second) e.Duplicate(Child(p, "name"), name);
    ValidateLifecycleAndProbes(e, c, p);
    if (HasKey(c, "restartPolicy")) e.Forbidden(Child(p, "restartPolicy"), "may not be set for non-init containers");
    all.push_back(i);
  }
  CheckHostPortConflicts(e, *cs, all, path);
}

void ValidateInitContainers(Errors& e, const json& spec, const std::set<std::string>& volumes,
                            const std::string& path) {
  const json* cs = GetArray(spec, "initContainers");
  if (!cs) return;
  std::set<std::string> names;
  if (const json* regular = GetArray(spec, "containers"))
    for (const auto& c : *regular) names.insert(GetString(c, "name"));
  for (size_t i = 0; i < cs->size(); ++i) {
    const json& c = (*cs)[i];
    std::string p = Index(path, i);
    ValidateContainerCommon(e, c, volumes, p);
    bool restart_always = false;
    if (HasKey(c, "restartPolicy")) {
      std::string rp = GetString(c, "restartPolicy");
      if (rp == "Always") {
        restart_always = true;
      } else {
        e.NotSupported(Child(p, "restartPolicy"), rp, {"Always"});
      }
    }
    std::string name = GetString(c, "name");
    if (names.count(name)) {
      e.Duplicate(Child(p, "name"), name);
    } else if (!name.empty()) {
      names.insert(name);
    }
    CheckHostPortConflicts(e, *cs, {i}, path);
    if (restart_always) {
      ValidateLifecycleAndProbes(e, c, p);
    } else {
      for (const char* f : {"lifecycle", "livenessProbe", "readinessProbe", "startupProbe"})
        if (HasKey(c, f)) e.Forbidden(Child(p, f), "may not be set for init containers without restartPolicy=Always");
    }
  }
}

void ValidateTolerations(Errors& e, const json& spec, const std::string& path) {
  const json* ts = GetArray(spec, "tolerations");
  if (!ts) return;
  for (size_t i = 0; i < ts->size(); ++i) {
    const json& t = (*ts)[i];
    std::string p = Index(path, i);
    std::string key = GetString(t, "key"), op = GetString(t, "operator"), value = GetString(t, "value"),
                effect = GetString(t, "effect");
    if (!key.empty()) e.InvalidEach(Child(p, "key"), key, IsQualifiedName(key));
    if (key.empty() && op != "Exists")
      e.Invalid(Child(p, "operator"), op,
                "operator must be Exists when `key` is empty, which means \"match all values and all keys\"");
    if (HasKey(t, "tolerationSeconds") && effect != "NoExecute")
      e.Invalid(Child(p, "effect"), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set");
    if (op == "Equal" || op.empty()) {
      auto errs = IsValidLabelValue(value);
      if (!errs.empty()) {
        std::string joined;
        for (size_t j = 0; j < errs.size(); ++j) joined += (j ? ";" : "") + errs[j];
        e.Invalid(Child(p, "operator"), value, joined);
      }
    } else if (op == "Exists") {
      if (!value.empty()) e.Invalid(Child(p, "operator"), value, "value must be empty when `operator` is 'Exists'");
    } else {
      e.NotSupported(Child(p, "operator"), op, {"Equal", "Exists"});
    }
    if (!effect.empty() && effect != "NoSchedule" && effect != "PreferNoSchedule" && effect != "NoExecute")
      e.NotSupported(Child(p, "effect"), effect, {"NoSchedule", "PreferNoSchedule", "NoExecute"});
  }
}

void ValidateDNSConfig(Errors& e, const json& spec, const std::string& path) {
  const json* cfg = GetObject(spec, "dnsConfig");
  if (GetString(spec, "dnsPolicy") == "None") {
    if (!cfg) {
      e.Required(path, "must provide `dnsConfig` when `dnsPolicy` is None");
      return;
    }
    if (ArraySize(*cfg, "nameservers") == 0) {
      e.Required(Child(path, "nameservers"), "must provide at least one DNS nameserver when `dnsPolicy` is None");
      return;
    }
  }
  if (!cfg) return;
  if (const json* ns = GetArray(*cfg, "nameservers")) {
    if (ns->size() > 3) e.Invalid(Child(path, "nameservers"), *ns, "must not have more than 3 nameservers");
    for (size_t i = 0; i < ns->size(); ++i)
      if ((*ns)[i].is_string()) IsValidIP(e, Index(Child(path, "nameservers"), i), (*ns)[i].get<std::string>());
  }
  if (const json* ss = GetArray(*cfg, "searches")) {
    if (ss->size() > 32) e.Invalid(Child(path, "searches"), *ss, "must not have more than 32 search paths");
    for (size_t i = 0; i < ss->size(); ++i) {
      if (!(*ss)[i].is_string()) continue;
      std::string s = (*ss)[i].get<std::string>();
      if (s == ".") continue;
      if (!s.empty() && s.back() == '.') s.pop_back();
      auto msgs = IsDNS1123Subdomain(s);
      e.InvalidEach(Index(Child(path, "searches"), i), s, msgs);
    }
  }
}

}  // namespace

void ValidatePodSpec(Errors& e, const json& spec, const std::string& path, const PodOptions& opts) {
  if (!HasKey(spec, "terminationGracePeriodSeconds")) e.Required(Child(path, "terminationGracePeriodSeconds"));
  std::set<std::string> vols = ValidateVolumes(e, spec, Child(path, "volumes"));
  ValidateContainers(e, spec, vols, Child(path, "containers"));
  ValidateInitContainers(e, spec, vols, Child(path, "initContainers"));

  if (GetBool(spec, "hostNetwork")) {
    if (const json* cs = GetArray(spec, "containers"))
      for (size_t i = 0; i < cs->size(); ++i)
        if (const json* ports = GetArray((*cs)[i], "ports"))
          for (size_t j = 0; j < ports->size(); ++j) {
            int64_t hp = GetInt((*ports)[j], "hostPort").value_or(0);
            int64_t cp = GetInt((*ports)[j], "containerPort").value_or(0);
            if ((opts.resource_is_pod || hp != 0) && hp != cp)
              e.Invalid(Child(Index(Child(Index(Child(path, "containers"), i), "ports"), j), "hostPort"), hp,
                        "must match `containerPort` when `hostNetwork` is true");
          }
  }
  std::string rp = GetString(spec, "restartPolicy");
  if (rp.empty()) {
    e.Required(Child(path, "restartPolicy"));
  } else if (rp != "Always" && rp != "OnFailure" && rp != "Never") {
    e.NotSupported(Child(path, "restartPolicy"), rp, {"Always", "OnFailure", "Never"});
  }
  std::string dns = GetString(spec, "dnsPolicy");
  if (dns.empty()) {
    e.Required(Child(path, "dnsPolicy"));
  } else if (dns != "ClusterFirstWithHostNet" && dns != "ClusterFirst" && dns != "Default" && dns != "None") {
    e.NotSupported(Child(path, "dnsPolicy"), dns, {"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"});
  }
  ValidateLabels(e, spec, "nodeSelector", Child(path, "nodeSelector"));
  ValidateDNSConfig(e, spec, Child(path, "dnsConfig"));
  for (const char* f : {"serviceAccountName", "nodeName", "priorityClassName"}) {
    std::string v = GetString(spec, f);
    if (!v.empty()) e.InvalidEach(Child(path, f), v, IsDNS1123Subdomain(v));
  }
  if (auto ads = GetInt(spec, "activeDeadlineSeconds"); ads && (*ads < 1 || *ads > 2147483647))
    e.Invalid(Child(path, "activeDeadlineSeconds"), *ads, InclusiveRangeError(1, 2147483647));
  for (const char* f : {"hostname", "subdomain"}) {
    std::string v = GetString(spec, f);
    if (!v.empty()) e.InvalidEach(Child(path, f), v, IsDNS1123Label(v));
  }
  ValidateTolerations(e, spec, Child(path, "tolerations"));
  if (HasKey(spec, "preemptionPolicy")) {
    std::string pp = GetString(spec, "preemptionPolicy");
    if (pp.empty()) {
      e.Required(Child(path, "preemptionPolicy"));
    } else if (pp != "PreemptLowerPriority" && pp != "Never") {
      e.NotSupported(Child(path, "preemptionPolicy"), pp, {"PreemptLowerPriority", "Never"});
    }
  }
}

void ValidatePodTemplateSpec(Errors& e, const json& tmpl, const std::string& path) {
  static const json kEmpty = json::object();
  const json* m = GetObject(tmpl, "metadata");
  const json& meta = m ? *m : kEmpty;
  // ObjectMeta is inlined in Go, so these paths have no "metadata".
  ValidateLabels(e, meta, "labels", Child(path, "labels"));
  ValidateAnnotations(e, meta, Child(path, "annotations"));
  const json* s = GetObject(tmpl, "spec");
  ValidatePodSpec(e, s ? *s : kEmpty, Child(path, "spec"), PodOptions{});
  if (s && ArraySize(*s, "ephemeralContainers") > 0)
    e.Forbidden(Child(Child(path, "spec"), "ephemeralContainers"), "ephemeral containers not allowed in pod template");
}

}  // namespace netkube::api::validation
