// Ingress objects → RouteTable (compile.h).
//
// The passes, each over the accepted Ingresses oldest first (so "first
// placed" means "oldest" everywhere):
//   1. class selection, snippet refusal, annotation parsing;
//   2. which hosts are regex hosts (use-regex / rewrite-target anywhere);
//   3. routes and per-host default routes of the main Ingresses;
//   4. canaries attached to the main routes;
//   5. TLS, the table's default route, the default certificate;
//   6. routes sorted so that the first match wins.
#include "ingress/compile.h"

#include <re2/re2.h>

#include <algorithm>
#include <set>
#include <tuple>
#include <utility>

#include "ingress/annotations.h"
#include "ingress/backends.h"

namespace netkube::ingress {

namespace {

constexpr std::string_view kLegacyClassAnnotation = "kubernetes.io/ingress.class";

struct Accepted {
  const IngressInfo* ing = nullptr;
  std::string key;  // "ns/name"
  IngressAnnotations ann;
  std::vector<std::string> named_hosts;  // normalised rule hosts, "" excluded, unique
};

std::string NormalizeRuleHost(std::string_view h) {
  std::string out(h);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

bool IsWildcard(std::string_view host) { return host.size() > 2 && host.substr(0, 2) == "*."; }

std::string HostPhrase(std::string_view host) {
  return host.empty() ? std::string("the rules without host") : "host \"" + std::string(host) + "\"";
}

const char* TypeName(PathType t) {
  switch (t) {
    case PathType::kExact:
      return "Exact";
    case PathType::kPrefix:
      return "Prefix";
    case PathType::kImplementationSpecific:
      return "ImplementationSpecific";
    case PathType::kRegex:
      return "regex";
  }
  return "";
}

int TypeRank(PathType t) {
  switch (t) {
    case PathType::kExact:
      return 0;
    case PathType::kPrefix:
    case PathType::kImplementationSpecific:
      return 1;
    case PathType::kRegex:
      return 2;
  }
  return 3;
}

// The length that "longest path wins" compares: a Prefix path's trailing '/'
// is not part of what it matches ("/foo/" and "/foo" match the same paths).
size_t MatchLength(const Route& r) {
  if (r.type != PathType::kPrefix && r.type != PathType::kImplementationSpecific) return r.path.size();
  std::string_view p = r.path;
  while (!p.empty() && p.back() == '/') p.remove_suffix(1);
  return p.size();
}

void SortRoutes(VirtualHost& v) {
  // Routes were placed oldest Ingress first, in declaration order; a stable
  // sort keeps that as the last tie-breaker.
  std::stable_sort(v.routes.begin(), v.routes.end(), [](const Route& a, const Route& b) {
    size_t la = MatchLength(a), lb = MatchLength(b);
    if (la != lb) return la > lb;
    return TypeRank(a.type) < TypeRank(b.type);
  });
}

class Compiler {
 public:
  Compiler(const Snapshot& s, const ControllerConfig& c, uint64_t seed)
      : snapshot_(s), config_(c), backends_(s, seed), table_(std::make_shared<RouteTable>()) {}

  CompileResult Run() {
    SelectIngresses();
    FindRegexHosts();
    for (const Accepted& a : accepted_)
      if (!a.ann.canary.enabled) AddMainIngress(a);
    for (const Accepted& a : accepted_)
      if (a.ann.canary.enabled) AttachCanary(a);
    for (const Accepted& a : accepted_)
      if (!a.ann.canary.enabled) AddTls(a);
    AddControllerDefaults();
    SortRoutes(table_->any_host);
    for (auto& [host, v] : table_->exact_hosts) SortRoutes(v);
    for (auto& [suffix, v] : table_->wildcard_hosts) SortRoutes(v);

    CompileResult result;
    result.table = table_;
    result.events = std::move(events_);
    for (const Accepted& a : accepted_) result.served.push_back(a.key);
    std::sort(result.served.begin(), result.served.end());
    return result;
  }

 private:
  void Warn(const IngressInfo& ing, std::string reason, std::string message) {
    IngressEvent e;
    e.ns = ing.ns;
    e.name = ing.name;
    e.reason = std::move(reason);
    e.message = std::move(message);
    events_.push_back(std::move(e));
  }

  // Pass 1.
  void SelectIngresses() {
    std::vector<const IngressInfo*> ours;
    for (const auto& [key, ing] : snapshot_.ingresses)
      if (IsOurs(ing, snapshot_.classes, config_)) ours.push_back(&ing);
    std::sort(ours.begin(), ours.end(), [](const IngressInfo* a, const IngressInfo* b) {
      return std::tie(a->created, a->ns, a->name) < std::tie(b->created, b->ns, b->name);
    });
    for (const IngressInfo* ing : ours) {
      std::vector<std::string> snippets = SnippetAnnotations(ing->annotations);
      if (!snippets.empty()) {
        std::string names;
        for (const std::string& s : snippets) names += (names.empty() ? "" : ", ") + s;
        Warn(*ing, "AnnotationRefused",
             "annotation " + names +
                 " refused: snippet annotations are disabled (they let an Ingress inject proxy "
                 "configuration, CVE-2025-1974); the Ingress is not served");
        continue;
      }
      Accepted a;
      a.ing = ing;
      a.key = ing->ns + "/" + ing->name;
      std::vector<AnnotationError> errors;
      std::vector<std::string> unsupported;
      a.ann = ParseAnnotations(ing->annotations, &errors, &unsupported);
      for (const AnnotationError& e : errors) Warn(*ing, "InvalidAnnotation", e.annotation + ": " + e.error);
      if (!unsupported.empty()) {
        std::string names;
        for (const std::string& s : unsupported) names += (names.empty() ? "" : ", ") + s;
        Warn(*ing, "UnsupportedAnnotation", "annotation " + names + " has no effect in netkube");
      }
      std::set<std::string> hosts;
      for (const IngressRuleInfo& r : ing->rules) {
        std::string h = NormalizeRuleHost(r.host);
        if (!h.empty() && hosts.insert(h).second) a.named_hosts.push_back(h);
      }
      accepted_.push_back(std::move(a));
    }
  }

  // Pass 2: as ingress-nginx, use-regex or rewrite-target on any main
  // Ingress of a host makes every path of that host a regex.
  void FindRegexHosts() {
    for (const Accepted& a : accepted_) {
      if (a.ann.canary.enabled) continue;
      if (!a.ann.use_regex && a.ann.options.rewrite_target.empty()) continue;
      for (const IngressRuleInfo& r : a.ing->rules) regex_hosts_.insert(NormalizeRuleHost(r.host));
    }
  }

  VirtualHost& HostFor(const std::string& host) {
    if (host.empty()) return table_->any_host;
    VirtualHost& v = IsWildcard(host) ? table_->wildcard_hosts[host.substr(1)] : table_->exact_hosts[host];
    v.host = host;
    return v;
  }

  VirtualHost* FindVhost(const std::string& host) {
    if (host.empty()) return &table_->any_host;
    auto& hosts = IsWildcard(host) ? table_->wildcard_hosts : table_->exact_hosts;
    auto it = hosts.find(IsWildcard(host) ? host.substr(1) : host);
    return it == hosts.end() ? nullptr : &it->second;
  }

  std::shared_ptr<const re2::RE2> Regex(const std::string& pattern, std::string* error) {
    auto it = regexes_.find(pattern);
    if (it != regexes_.end()) {
      if (!it->second) *error = regex_errors_[pattern];
      return it->second;
    }
    re2::RE2::Options o;
    o.set_case_sensitive(false);
    o.set_log_errors(false);
    auto re = std::make_shared<re2::RE2>(pattern, o);
    std::shared_ptr<const re2::RE2> out;
    if (re->ok()) {
      out = re;
    } else {
      *error = re->error();
      regex_errors_[pattern] = *error;
    }
    regexes_[pattern] = out;
    return out;
  }

  // The path and type a rule path gets in the table; false (with an Event)
  // when it cannot be served.
  bool PathOf(const Accepted& a, const std::string& host, const IngressPathInfo& p, std::string* path,
              PathType* type, std::shared_ptr<const re2::RE2>* regex) {
    *path = p.path.empty() ? "/" : p.path;
    if (p.path_type == "Exact") {
      *type = PathType::kExact;
    } else if (p.path_type == "Prefix") {
      *type = PathType::kPrefix;
    } else if (p.path_type == "ImplementationSpecific" || p.path_type.empty()) {
      *type = PathType::kImplementationSpecific;
    } else {
      Warn(*a.ing, "InvalidPath",
           "path \"" + *path + "\" of " + HostPhrase(host) + " has unknown pathType \"" + p.path_type +
               "\"; ignored");
      return false;
    }
    if (regex_hosts_.count(host) != 0) {
      *type = PathType::kRegex;
      if (regex == nullptr) return true;
      std::string error;
      *regex = Regex(*path, &error);
      if (!*regex) {
        Warn(*a.ing, "InvalidRegex",
             "path \"" + *path + "\" of " + HostPhrase(host) + " is not a valid regular expression (" +
                 error + "); ignored");
        return false;
      }
      return true;
    }
    if (path->front() != '/') {
      Warn(*a.ing, "InvalidPath",
           "path \"" + *path + "\" of " + HostPhrase(host) + " does not start with \"/\"; ignored");
      return false;
    }
    return true;
  }

  Route MakeRoute(const Accepted& a, const BackendRef& ref, bool https) {
    Route r;
    r.backend = backends_.Get(a.ing->ns, ref, https);
    r.options = a.ann.options;
    r.ingress_ns = a.ing->ns;
    r.ingress_name = a.ing->name;
    r.created = a.ing->created;
    return r;
  }

  // Pass 3.
  void AddMainIngress(const Accepted& a) {
    const IngressInfo& ing = *a.ing;
    for (const IngressRuleInfo& rule : ing.rules) {
      std::string host = NormalizeRuleHost(rule.host);
      VirtualHost& v = HostFor(host);
      for (const IngressPathInfo& p : rule.paths) {
        std::string path;
        PathType type;
        std::shared_ptr<const re2::RE2> regex;
        if (!PathOf(a, host, p, &path, &type, &regex)) continue;
        auto key = std::make_tuple(host, path, TypeRank(type) == 1 ? 1 : static_cast<int>(type));
        auto [owner, inserted] = owners_.emplace(key, a.key);
        if (!inserted) {
          Warn(ing, "Conflict",
               "path \"" + path + "\" (" + TypeName(type) + ") of " + HostPhrase(host) +
                   (owner->second == a.key ? " appears twice in this Ingress; the first is used"
                                           : " is already served by Ingress \"" + owner->second +
                                                 "\"; ignored"));
          continue;
        }
        Route r = MakeRoute(a, p.backend, a.ann.backend_https);
        r.path = path;
        r.type = type;
        r.regex = std::move(regex);
        v.routes.push_back(std::move(r));
      }
    }
    if (!ing.default_backend) return;
    Route r = MakeRoute(a, *ing.default_backend, a.ann.backend_https);
    r.path = "/";
    r.type = PathType::kPrefix;
    if (a.named_hosts.empty()) {
      // A catch-all Ingress: the oldest one is the table's default route.
      if (!table_->default_route) {
        table_->default_route = std::move(r);
        default_owner_ = a.key;
      } else {
        Warn(ing, "Conflict",
             "the default backend for every host is already set by Ingress \"" + default_owner_ +
                 "\"; defaultBackend ignored");
      }
      return;
    }
    for (const std::string& host : a.named_hosts) {
      VirtualHost& v = HostFor(host);
      if (!v.default_route) {
        v.default_route = r;
      } else if (v.default_route->ingress_ns != ing.ns || v.default_route->ingress_name != ing.name) {
        Warn(ing, "Conflict",
             "the default backend of " + HostPhrase(host) + " is already set by Ingress \"" +
                 v.default_route->ingress_ns + "/" + v.default_route->ingress_name +
                 "\"; defaultBackend ignored for it");
      }
    }
  }

  // Pass 4.
  void AttachCanary(const Accepted& a) {
    const IngressInfo& ing = *a.ing;
    for (const IngressRuleInfo& rule : ing.rules) {
      std::string host = NormalizeRuleHost(rule.host);
      VirtualHost* v = FindVhost(host);
      for (const IngressPathInfo& p : rule.paths) {
        std::string path;
        PathType type;
        if (!PathOf(a, host, p, &path, &type, nullptr)) continue;
        Route* main = nullptr;
        if (v != nullptr) {
          for (Route& r : v->routes) {
            if (r.path != path) continue;
            if (TypeRank(r.type) == TypeRank(type)) {
              main = &r;
              break;
            }
            if (main == nullptr) main = &r;
          }
        }
        if (main == nullptr) {
          Warn(ing, "CanaryIgnored",
               "canary path \"" + path + "\" of " + HostPhrase(host) +
                   " has no main Ingress with the same host and path; ignored");
          continue;
        }
        if (main->canary) {
          Warn(ing, "Conflict",
               "path \"" + path + "\" of " + HostPhrase(host) + " already has a canary (Ingress \"" +
                   canary_owner_[main] + "\"); ignored");
          continue;
        }
        Canary c;
        c.backend = backends_.Get(ing.ns, p.backend, a.ann.backend_https);
        c.header = a.ann.canary.header;
        c.header_value = a.ann.canary.header_value;
        c.weight = a.ann.canary.weight;
        c.weight_total = a.ann.canary.weight_total;
        main->canary = std::move(c);
        canary_owner_[main] = a.key;
      }
    }
  }

  // The certificate of Secret `name` in `ns`, or an Event and "".
  std::string UseSecret(const IngressInfo& ing, const std::string& name) {
    std::string key = ing.ns + "/" + name;
    auto it = snapshot_.secrets.find(key);
    std::string reason, problem;
    if (name.empty()) {
      reason = "SecretNotFound";
      problem = "a tls entry names no Secret";
    } else if (it == snapshot_.secrets.end()) {
      reason = "SecretNotFound";
      problem = "Secret \"" + key + "\" not found";
    } else if (it->second.type != "kubernetes.io/tls" && it->second.type != "Opaque") {
      reason = "InvalidSecret";
      problem = "Secret \"" + key + "\" has type \"" + it->second.type + "\", want kubernetes.io/tls";
    } else if (it->second.cert_pem.empty() || it->second.key_pem.empty()) {
      reason = "InvalidSecret";
      problem = "Secret \"" + key + "\" has no tls.crt or no tls.key";
    }
    if (!reason.empty()) {
      if (secret_events_.insert({ing.ns + "/" + ing.name, key}).second)
        Warn(ing, reason, problem + "; serving the default certificate");
      return "";
    }
    AddCertificate(it->second);
    return key;
  }

  void AddCertificate(const SecretInfo& s) {
    Certificate c;
    c.key = s.ns + "/" + s.name;
    c.cert_pem = s.cert_pem;
    c.key_pem = s.key_pem;
    c.version = s.resource_version;
    table_->certificates[c.key] = std::move(c);
  }

  // Pass 5a.
  void AddTls(const Accepted& a) {
    for (const IngressTlsInfo& tls : a.ing->tls) {
      std::vector<std::string> hosts;
      if (tls.hosts.empty()) {
        hosts = a.named_hosts;
        for (const IngressRuleInfo& r : a.ing->rules)
          if (r.host.empty()) {
            hosts.push_back("");
            break;
          }
      } else {
        for (const std::string& h : tls.hosts) hosts.push_back(NormalizeRuleHost(h));
      }
      std::string secret = UseSecret(*a.ing, tls.secret_name);
      for (const std::string& h : hosts) {
        VirtualHost* v = FindVhost(h);
        if (v == nullptr || v->has_tls) continue;  // no rule for it, or an older Ingress's TLS
        v->has_tls = true;
        v->tls_secret = secret;
      }
    }
    // A wildcard tls host ("*.example.com") also covers the Ingress's own
    // rule hosts one label below it (app.example.com), as a wildcard
    // certificate does; an exact tls entry for the host came first above.
    for (const IngressTlsInfo& tls : a.ing->tls) {
      for (const std::string& raw : tls.hosts) {
        std::string h = NormalizeRuleHost(raw);
        if (h.size() < 3 || h[0] != '*' || h[1] != '.') continue;
        std::string_view suffix = std::string_view(h).substr(1);
        for (const std::string& n : a.named_hosts) {
          if (n.size() <= suffix.size() || n[0] == '*' || n.compare(n.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
          if (n.find('.') < n.size() - suffix.size()) continue;  // more than one label below
          VirtualHost* v = FindVhost(n);
          if (v == nullptr || v->has_tls) continue;
          v->has_tls = true;
          v->tls_secret = UseSecret(*a.ing, tls.secret_name);
        }
      }
    }
  }

  // Pass 5b.
  void AddControllerDefaults() {
    if (!table_->default_route && !config_.default_backend_service.empty()) {
      Route r;
      r.path = "/";
      r.type = PathType::kPrefix;
      r.backend = backends_.GetFirstPort(config_.default_backend_service);
      table_->default_route = std::move(r);
    }
    if (!config_.default_ssl_certificate.empty()) {
      auto it = snapshot_.secrets.find(config_.default_ssl_certificate);
      if (it != snapshot_.secrets.end() && !it->second.cert_pem.empty() && !it->second.key_pem.empty()) {
        AddCertificate(it->second);
        table_->default_certificate = config_.default_ssl_certificate;
      }
    }
  }

  const Snapshot& snapshot_;
  const ControllerConfig& config_;
  BackendResolver backends_;
  std::shared_ptr<RouteTable> table_;
  std::vector<IngressEvent> events_;
  std::vector<Accepted> accepted_;
  std::set<std::string> regex_hosts_;
  std::map<std::string, std::shared_ptr<const re2::RE2>> regexes_;
  std::map<std::string, std::string> regex_errors_;
  // (host, path, type rank) → "ns/name" of the Ingress that has it.
  std::map<std::tuple<std::string, std::string, int>, std::string> owners_;
  std::string default_owner_;
  std::map<const Route*, std::string> canary_owner_;
  std::set<std::pair<std::string, std::string>> secret_events_;
};

}  // namespace

bool IsOurs(const IngressInfo& ingress, const std::map<std::string, IngressClassInfo>& classes,
            const ControllerConfig& config) {
  if (ingress.class_name) {
    auto it = classes.find(*ingress.class_name);
    return it != classes.end() && it->second.controller == config.controller_class;
  }
  auto legacy = ingress.annotations.find(std::string(kLegacyClassAnnotation));
  if (legacy != ingress.annotations.end() && !legacy->second.empty())
    return legacy->second == config.ingress_class;
  if (config.watch_without_class) return true;
  for (const auto& [name, c] : classes)
    if (c.is_default && c.controller == config.controller_class) return true;
  return false;
}

CompileResult Compile(const Snapshot& snapshot, const ControllerConfig& config, uint64_t seed) {
  return Compiler(snapshot, config, seed).Run();
}

}  // namespace netkube::ingress
