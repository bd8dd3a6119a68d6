#include "api/openapi.h"

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/kinds.h"
#include "api/schema.h"
#include "util/log.h"

// What kubectl reads from these documents (kubectl 1.27-1.33):
//  - `apply`/`create` validation: cli-runtime's QueryParamVerifierV3 fetches the
//    group-version's v3 document, takes the first PATCH operation whose
//    x-kubernetes-group-version-kind is the object's GVK (Go map order, so every
//    such operation must agree) and looks for a `fieldValidation` query parameter
//    among that operation's own parameters (path-level ones are not looked at).
//    Found: kubectl sends fieldValidation=Strict and skips client-side checks.
//  - `apply` patch computation: the first PATCH operation with the GVK must list
//    application/strategic-merge-patch+json in its requestBody; then the
//    components/schemas entry whose x-kubernetes-group-version-kind array holds
//    the GVK gives x-kubernetes-patch-merge-key/-strategy per property, resolving
//    allOf[0] and $ref "#/components/schemas/...".
//  - `explain`: paths /api[s/G]/V/<plural>, .../{name}, .../namespaces/{namespace}/
//    <plural>[/{name}] give the GVK (get, post, put, patch or delete op); the
//    schema whose GVK list contains exactly that object ({group, kind, version})
//    is rendered, following properties, items, additionalProperties and allOf.
// The v2 document is only a fallback for kubectl, which asks for it as protobuf.

namespace netkube::api {
namespace {

using json = nlohmann::json;

enum class Flavor { kV2, kV3 };

constexpr const char* kMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.";
constexpr const char* kIntOrString = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
constexpr const char* kQuantity = "io.k8s.apimachinery.pkg.api.resource.Quantity";
constexpr const char* kTime = "io.k8s.apimachinery.pkg.apis.meta.v1.Time";
constexpr const char* kMicroTime = "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime";
constexpr const char* kRawExtension = "io.k8s.apimachinery.pkg.runtime.RawExtension";

std::string Meta(const char* name) { return std::string(kMeta) + name; }

std::string RefTo(Flavor f, const std::string& name) {
  return (f == Flavor::kV2 ? "#/definitions/" : "#/components/schemas/") + name;
}

json Ref(Flavor f, const std::string& name) { return {{"$ref", RefTo(f, name)}}; }

json Gvk(const std::string& group, const std::string& version, const std::string& kind) {
  return {{"group", group}, {"kind", kind}, {"version", version}};
}

// The definition name of a kind of the k8s.io/api module: ("policy", "v1",
// "Eviction") -> io.k8s.api.policy.v1.Eviction.
std::string ApiTypeName(const std::string& group, const std::string& version,
                        const std::string& kind) {
  std::string pkg = group.empty() ? "core" : group.substr(0, group.find('.'));
  return "io.k8s.api." + pkg + "." + version + "." + kind;
}

// "networking.k8s.io", "v1" -> "NetworkingV1"; "" -> "CoreV1".
std::string GvId(const std::string& group, const std::string& version) {
  std::string g = group.empty() ? "core" : group;
  const std::string suffix = ".k8s.io";
  if (g.size() > suffix.size() && g.compare(g.size() - suffix.size(), suffix.size(), suffix) == 0)
    g.resize(g.size() - suffix.size());
  std::string out;
  bool upper = true;
  for (char c : g + "." + version) {
    if (c == '.' || c == '-') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

std::string Capitalize(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

// ---------------------------------------------------------------------------
// Definitions

// The GVKs each definition stands for (x-kubernetes-group-version-kind).
std::map<std::string, json> GvkTable() {
  std::map<std::string, json> t;
  auto add = [&](const std::string& type, json gvk) {
    if (Schema::Get().Find(type) == nullptr) return;
    json& list = t[type];
    if (!list.is_array()) list = json::array();
    for (const auto& g : list)
      if (g == gvk) return;
    list.push_back(std::move(gvk));
  };
  std::vector<GroupVersion> gvs = ServedGroupVersions();
  for (const Kind& k : AllKinds()) {
    add(k.schema_type, Gvk(k.group, k.version, k.kind));
    add(k.list_schema_type, Gvk(k.group, k.version, k.kind + "List"));
    for (const Subresource& s : k.subresources) {
      add(ApiTypeName(s.group, s.version, s.kind), Gvk(s.group, s.version, s.kind));
      bool seen = false;
      for (const auto& gv : gvs) seen = seen || (gv.group == s.group && gv.version == s.version);
      if (!seen) gvs.push_back({s.group, s.version});
    }
  }
  add("io.k8s.api.core.v1.PodLogOptions", Gvk("", "v1", "PodLogOptions"));
  add(Meta("Status"), Gvk("", "v1", "Status"));
  for (const auto& gv : gvs) {
    add(Meta("DeleteOptions"), Gvk(gv.group, gv.version, "DeleteOptions"));
    add(Meta("WatchEvent"), Gvk(gv.group, gv.version, "WatchEvent"));
  }
  return t;
}

// The schema of one value of `field` (an element for arrays and maps).
json ElementSchema(Flavor f, const Field& field) {
  switch (field.type) {
    case ValueType::kString: {
      json s = {{"type", "string"}};
      if (!field.enum_values.empty()) s["enum"] = field.enum_values;
      return s;
    }
    case ValueType::kBool:
      return {{"type", "boolean"}};
    case ValueType::kInt32:
      return {{"type", "integer"}, {"format", "int32"}};
    case ValueType::kInt64:
      return {{"type", "integer"}, {"format", "int64"}};
    case ValueType::kDouble:
      return {{"type", "number"}, {"format", "double"}};
    case ValueType::kBytes:
      return {{"type", "string"}, {"format", "byte"}};
    case ValueType::kDuration:
      return {{"type", "string"}};
    case ValueType::kIntOrString:
      return Ref(f, kIntOrString);
    case ValueType::kQuantity:
      return Ref(f, kQuantity);
    case ValueType::kTime:
      return Ref(f, kTime);
    case ValueType::kMicroTime:
      return Ref(f, kMicroTime);
    case ValueType::kRawExtension:
      return Ref(f, kRawExtension);
    case ValueType::kObject:
      return Ref(f, field.type_name);
  }
  return json::object();
}

json PropertySchema(Flavor f, const Field& field) {
  json elem = ElementSchema(f, field);
  json p;
  if (field.array) {
    p = {{"type", "array"}, {"items", std::move(elem)}};
  } else if (field.map) {
    p = {{"type", "object"}, {"additionalProperties", std::move(elem)}};
  } else if (elem.contains("$ref") && f == Flavor::kV3) {
    // OpenAPI 3.0 ignores siblings of $ref; kube-apiserver wraps refs in allOf.
    p = {{"allOf", json::array({std::move(elem)})}};
  } else {
    p = std::move(elem);
  }
  if (!field.description.empty()) p["description"] = field.description;
  if (!field.patch_merge_key.empty()) p["x-kubernetes-patch-merge-key"] = field.patch_merge_key;
  if (!field.patch_strategy.empty()) p["x-kubernetes-patch-strategy"] = field.patch_strategy;
  if (field.array && !field.list_type.empty()) p["x-kubernetes-list-type"] = field.list_type;
  if (field.array && !field.list_map_keys.empty())
    p["x-kubernetes-list-map-keys"] = field.list_map_keys;
  return p;
}

json Definition(Flavor f, const TypeDef& t, const std::map<std::string, json>& gvks) {
  json d = {{"type", "object"}};
  if (!t.description.empty()) d["description"] = t.description;
  json props = json::object();
  json required = json::array();
  for (const Field& field : t.fields) {
    if (field.embedded) continue;
    props[field.name] = PropertySchema(f, field);
    if (field.required) required.push_back(field.name);
  }
  if (!props.empty()) d["properties"] = std::move(props);
  if (!required.empty()) d["required"] = std::move(required);
  if (auto it = gvks.find(t.name); it != gvks.end()) d["x-kubernetes-group-version-kind"] = it->second;
  return d;
}

// Definitions of the value types that are not TypeDefs.
json ValueDefinition(Flavor f, const std::string& name) {
  if (name == kIntOrString) {
    json d = {{"format", "int-or-string"}, {"x-kubernetes-int-or-string", true}};
    if (f == Flavor::kV2) {
      d["type"] = "string";
    } else {
      d["oneOf"] = json::array({{{"type", "integer"}}, {{"type", "string"}}});
    }
    return d;
  }
  if (name == kQuantity) {
    json d = {{"format", "quantity"}};
    if (f == Flavor::kV2) {
      d["type"] = "string";
    } else {
      d["oneOf"] = json::array({{{"type", "string"}}, {{"type", "number"}}});
    }
    return d;
  }
  if (name == kTime || name == kMicroTime) return {{"type", "string"}, {"format", "date-time"}};
  if (name == kRawExtension || name == Meta("Patch")) return {{"type", "object"}};
  return json();
}

// Adds `name` and every definition it references to `out`.
void AddDefinitionClosure(Flavor f, const std::string& name,
                          const std::map<std::string, json>& gvks, json* out) {
  if (out->contains(name)) return;
  if (const TypeDef* t = Schema::Get().Find(name)) {
    (*out)[name] = Definition(f, *t, gvks);
    for (const Field& field : t->fields) {
      switch (field.type) {
        case ValueType::kObject:
          AddDefinitionClosure(f, field.type_name, gvks, out);
          break;
        case ValueType::kIntOrString:
          AddDefinitionClosure(f, kIntOrString, gvks, out);
          break;
        case ValueType::kQuantity:
          AddDefinitionClosure(f, kQuantity, gvks, out);
          break;
        case ValueType::kTime:
          AddDefinitionClosure(f, kTime, gvks, out);
          break;
        case ValueType::kMicroTime:
          AddDefinitionClosure(f, kMicroTime, gvks, out);
          break;
        case ValueType::kRawExtension:
          AddDefinitionClosure(f, kRawExtension, gvks, out);
          break;
        default:
          break;
      }
    }
    return;
  }
  json d = ValueDefinition(f, name);
  if (d.is_null()) {
    LOG_ERROR << "openapi: no definition for " << name;
    return;
  }
  if (name == Meta("Patch")) d["description"] = "The body of a PATCH request, in the format its Content-Type names.";
  (*out)[name] = std::move(d);
}

// ---------------------------------------------------------------------------
// Paths

struct Param {
  const char* name;
  const char* type;  // "string", "boolean", "integer"
  const char* description;
};

const Param kParams[] = {
    {"allowWatchBookmarks", "boolean", "Ask for BOOKMARK watch events."},
    {"continue", "string", "The continue token of the previous page of a list."},
    {"dryRun", "string", "\"All\" validates and admits the request without persisting it."},
    {"fieldManager", "string", "The name of the actor making the change."},
    {"fieldSelector", "string", "Select objects by field values (metadata.name=x, ...)."},
    {"fieldValidation", "string",
     "How to treat unknown or duplicate fields in the body: Ignore, Warn (the default) or "
     "Strict (reject the request)."},
    {"force", "boolean", "Take over conflicting fields in a server-side apply."},
    {"gracePeriodSeconds", "integer", "Seconds to wait before the object is deleted."},
    {"labelSelector", "string", "Select objects by labels (app=web, tier in (a,b), ...)."},
    {"limit", "integer", "The maximum number of objects in one page of a list."},
    {"orphanDependents", "boolean", "Deprecated: use propagationPolicy."},
    {"propagationPolicy", "string", "Garbage collection of dependents: Orphan, Background or Foreground."},
    {"resourceVersion", "string", "Which version of the data a read may be served from."},
    {"resourceVersionMatch", "string", "How resourceVersion applies to a list: Exact or NotOlderThan."},
    {"sendInitialEvents", "boolean", "Start a watch with synthetic ADDED events for the current state."},
    {"timeoutSeconds", "integer", "Time limit of a list or watch call."},
    {"watch", "boolean", "Watch for changes instead of listing."},
    {"pretty", "string", "Pretty-print the output."},
    // pods/log
    {"container", "string", "The container to use; may be left out when the pod has one."},
    {"follow", "boolean", "Stream the log as it grows."},
    {"insecureSkipTLSVerifyBackend", "boolean", "Do not verify the serving certificate of the node."},
    {"limitBytes", "integer", "Stop after this many bytes."},
    {"previous", "boolean", "The log of the previous, terminated container instance."},
    {"sinceSeconds", "integer", "Only lines newer than this many seconds."},
    {"sinceTime", "string", "Only lines newer than this RFC 3339 time."},
    {"stream", "string", "Which stream of the log: All, Stdout or Stderr."},
    {"tailLines", "integer", "Only the last lines of the log."},
    {"timestamps", "boolean", "Prefix each line with its RFC 3339 time."},
    // pods/exec, pods/attach, pods/portforward
    {"command", "string", "The command to run; repeat the parameter for each argument."},
    {"stdin", "boolean", "Pass standard input to the process."},
    {"stdout", "boolean", "Return standard output of the process."},
    {"stderr", "boolean", "Return standard error of the process."},
    {"tty", "boolean", "Allocate a terminal."},
    {"ports", "integer", "The pod ports to forward to."},
};

const Param* FindParam(const std::string& name) {
  for (const Param& p : kParams)
    if (name == p.name) return &p;
  return nullptr;
}

json QueryParam(Flavor f, const std::string& name) {
  const Param* p = FindParam(name);
  if (p == nullptr) {
    LOG_ERROR << "openapi: unknown parameter " << name;
    return json::object();
  }
  json j = {{"name", p->name}, {"in", "query"}, {"description", p->description}};
  if (f == Flavor::kV2) {
    j["type"] = p->type;
    j["uniqueItems"] = true;
  } else {
    j["schema"] = {{"type", p->type}, {"uniqueItems", true}};
  }
  return j;
}

json PathParam(Flavor f, const std::string& name, const std::string& description) {
  json j = {{"name", name}, {"in", "path"}, {"required", true}, {"description", description}};
  if (f == Flavor::kV2) {
    j["type"] = "string";
    j["uniqueItems"] = true;
  } else {
    j["schema"] = {{"type", "string"}, {"uniqueItems", true}};
  }
  return j;
}

const std::vector<std::string> kListParams = {
    "allowWatchBookmarks", "continue", "fieldSelector", "labelSelector", "limit", "resourceVersion",
    "resourceVersionMatch", "sendInitialEvents", "timeoutSeconds", "watch"};
const std::vector<std::string> kWriteParams = {"dryRun", "fieldManager", "fieldValidation"};
const std::vector<std::string> kPatchParams = {"dryRun", "fieldManager", "fieldValidation", "force"};
const std::vector<std::string> kDeleteParams = {"dryRun", "gracePeriodSeconds", "orphanDependents",
                                                "propagationPolicy"};
const std::vector<std::string> kDeleteCollectionParams = {
    "continue", "dryRun", "fieldSelector", "gracePeriodSeconds", "labelSelector", "limit",
    "orphanDependents", "propagationPolicy", "resourceVersion", "resourceVersionMatch",
    "sendInitialEvents", "timeoutSeconds"};
const std::vector<std::string> kLogParams = {
    "container", "follow", "insecureSkipTLSVerifyBackend", "limitBytes", "previous",
    "sinceSeconds", "sinceTime", "stream", "tailLines", "timestamps"};
const std::vector<std::string> kExecParams = {"command", "container", "stderr", "stdin", "stdout",
                                              "tty"};
const std::vector<std::string> kAttachParams = {"container", "stderr", "stdin", "stdout", "tty"};
const std::vector<std::string> kPortForwardParams = {"ports"};

enum class Body { kNone, kObject, kPatch, kDeleteOptions };
enum class Response { kObject, kList, kWatch, kText, kConnect };

struct Op {
  std::string method;  // get, post, put, patch, delete
  std::string id;
  std::string action;  // x-kubernetes-action
  json gvk;
  std::vector<std::string> params;
  Body body = Body::kNone;
  std::string body_type;  // for kObject
  Response response = Response::kObject;
  std::string response_type;
  std::string description;
};

struct PathSpec {
  std::string path;
  std::string name_of;  // kind whose name {name} is; "" when no {name}
  bool namespaced = false;
  std::vector<Op> ops;
};

const std::vector<std::string> kPatchTypes = {
    "application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json",
    "application/strategic-merge-patch+json"};

std::vector<std::string> ResponseMediaTypes(Response r) {
  switch (r) {
    case Response::kObject:
      return {"application/json", "application/vnd.kubernetes.protobuf", "application/yaml"};
    case Response::kList:
      return {"application/json", "application/json;stream=watch",
              "application/vnd.kubernetes.protobuf",
              "application/vnd.kubernetes.protobuf;stream=watch", "application/yaml"};
    case Response::kWatch:
      return {"application/json", "application/json;stream=watch",
              "application/vnd.kubernetes.protobuf",
              "application/vnd.kubernetes.protobuf;stream=watch", "application/yaml"};
    case Response::kText:
      return {"text/plain", "application/json", "application/yaml",
              "application/vnd.kubernetes.protobuf"};
    case Response::kConnect:
      return {"*/*"};
  }
  return {};
}

json ResponseSchema(Flavor f, const Op& op) {
  if (op.response == Response::kText || op.response == Response::kConnect)
    return {{"type", "string"}};
  return Ref(f, op.response_type);
}

std::vector<std::string> ResponseCodes(const Op& op) {
  if (op.method == "post" && op.response != Response::kConnect) return {"200", "201", "202"};
  if (op.method == "put" || op.method == "patch") return {"200", "201"};
  if (op.method == "delete" && op.action == "delete") return {"200", "202"};
  return {"200"};
}

const char* CodeText(const std::string& code) {
  if (code == "201") return "Created";
  if (code == "202") return "Accepted";
  return "OK";
}

json Operation(Flavor f, const Op& op, const std::string& tag) {
  json o = {{"operationId", op.id},
            {"description", op.description},
            {"tags", json::array({tag})},
            {"x-kubernetes-action", op.action},
            {"x-kubernetes-group-version-kind", op.gvk}};
  json params = json::array();
  for (const auto& p : op.params) params.push_back(QueryParam(f, p));
  json responses = json::object();
  for (const auto& code : ResponseCodes(op)) {
    json r = {{"description", CodeText(code)}};
    if (f == Flavor::kV2) {
      r["schema"] = ResponseSchema(f, op);
    } else {
      json content = json::object();
      for (const auto& mt : ResponseMediaTypes(op.response))
        content[mt] = {{"schema", ResponseSchema(f, op)}};
      r["content"] = std::move(content);
    }
    responses[code] = std::move(r);
  }
  responses["401"] = {{"description", "Unauthorized"}};
  o["responses"] = std::move(responses);

  std::string body_type;
  std::vector<std::string> consumes = {"*/*"};
  switch (op.body) {
    case Body::kNone:
      break;
    case Body::kObject:
      body_type = op.body_type;
      break;
    case Body::kPatch:
      body_type = Meta("Patch");
      consumes = kPatchTypes;
      break;
    case Body::kDeleteOptions:
      body_type = Meta("DeleteOptions");
      break;
  }
  const bool body_required = op.body == Body::kObject || op.body == Body::kPatch;
  if (f == Flavor::kV2) {
    if (!body_type.empty()) {
      json b = {{"name", "body"}, {"in", "body"}, {"schema", Ref(f, body_type)}};
      if (body_required) b["required"] = true;
      params.insert(params.begin(), std::move(b));
    }
    o["consumes"] = consumes;
    o["produces"] = ResponseMediaTypes(op.response);
    o["schemes"] = json::array({"https"});
  } else if (!body_type.empty()) {
    json content = json::object();
    for (const auto& mt : consumes) content[mt] = {{"schema", Ref(f, body_type)}};
    o["requestBody"] = {{"content", std::move(content)}};
    if (body_required) o["requestBody"]["required"] = true;
  }
  if (!params.empty()) o["parameters"] = std::move(params);
  return o;
}

// The paths of one kind, in kube-apiserver's layout and operation names.
std::vector<PathSpec> KindPaths(const Kind& k) {
  const std::string prefix = k.group.empty() ? "/api/" + k.version
                                             : "/apis/" + k.group + "/" + k.version;
  const std::string gv = GvId(k.group, k.version);
  const std::string ns_word = k.namespaced ? "Namespaced" : "";
  const std::string scope = k.namespaced ? "/namespaces/{namespace}/" : "/";
  const std::string coll = prefix + scope + k.plural;
  const std::string item = coll + "/{name}";
  const json gvk = Gvk(k.group, k.version, k.kind);
  auto has = [&](const char* verb) {
    for (const auto& v : k.verbs)
      if (v == verb) return true;
    return false;
  };

  std::vector<PathSpec> out;
  PathSpec c{coll, "", k.namespaced, {}};
  if (has("list"))
    c.ops.push_back({"get", "list" + gv + ns_word + k.kind, "list", gvk, kListParams, Body::kNone, "",
                     Response::kList, k.list_schema_type, "list or watch objects of kind " + k.kind});
  if (has("create"))
    c.ops.push_back({"post", "create" + gv + ns_word + k.kind, "post", gvk, kWriteParams,
                     Body::kObject, k.schema_type, Response::kObject, k.schema_type,
                     "create a " + k.kind});
  if (has("deletecollection"))
    c.ops.push_back({"delete", "delete" + gv + "Collection" + ns_word + k.kind, "deletecollection",
                     gvk, kDeleteCollectionParams, Body::kDeleteOptions, "", Response::kObject,
                     Meta("Status"), "delete a collection of " + k.kind});
  if (!c.ops.empty()) out.push_back(std::move(c));

  PathSpec i{item, k.kind, k.namespaced, {}};
  if (has("get"))
    i.ops.push_back({"get", "read" + gv + ns_word + k.kind, "get", gvk, {}, Body::kNone, "",
                     Response::kObject, k.schema_type, "read the specified " + k.kind});
  if (has("update"))
    i.ops.push_back({"put", "replace" + gv + ns_word + k.kind, "put", gvk, kWriteParams,
                     Body::kObject, k.schema_type, Response::kObject, k.schema_type,
                     "replace the specified " + k.kind});
  if (has("patch"))
    i.ops.push_back({"patch", "patch" + gv + ns_word + k.kind, "patch", gvk, kPatchParams,
                     Body::kPatch, "", Response::kObject, k.schema_type,
                     "partially update the specified " + k.kind});
  if (has("delete"))
    i.ops.push_back({"delete", "delete" + gv + ns_word + k.kind, "delete", gvk, kDeleteParams,
                     Body::kDeleteOptions, "", Response::kObject, Meta("Status"),
                     "delete a " + k.kind});
  if (!i.ops.empty()) out.push_back(std::move(i));

  if (k.namespaced && has("list")) {
    out.push_back({prefix + "/" + k.plural, "", false,
                   {{"get", "list" + gv + k.kind + "ForAllNamespaces", "list", gvk, kListParams,
                     Body::kNone, "", Response::kList, k.list_schema_type,
                     "list or watch objects of kind " + k.kind + " in all namespaces"}}});
  }
  if (has("watch")) {
    const std::string watch_coll = prefix + "/watch" + scope + k.plural;
    const std::string ev = Meta("WatchEvent");
    out.push_back({watch_coll, "", k.namespaced,
                   {{"get", "watch" + gv + ns_word + k.kind + "List", "watchlist", gvk, kListParams,
                     Body::kNone, "", Response::kWatch, ev,
                     "watch changes to a list of " + k.kind + ". Deprecated: use the watch "
                     "parameter of a list operation."}}});
    out.push_back({watch_coll + "/{name}", k.kind, k.namespaced,
                   {{"get", "watch" + gv + ns_word + k.kind, "watch", gvk, kListParams, Body::kNone,
                     "", Response::kWatch, ev,
                     "watch changes to a " + k.kind + ". Deprecated: use the watch parameter "
                     "of a list operation with a fieldSelector."}}});
    if (k.namespaced) {
      out.push_back({prefix + "/watch/" + k.plural, "", false,
                     {{"get", "watch" + gv + k.kind + "ListForAllNamespaces", "watchlist", gvk,
                       kListParams, Body::kNone, "", Response::kWatch, ev,
                       "watch changes to a list of " + k.kind + " in all namespaces. "
                       "Deprecated: use the watch parameter of a list operation."}}});
    }
  }

  for (const Subresource& s : k.subresources) {
    PathSpec p{item + "/" + s.name, k.kind, k.namespaced, {}};
    const std::string body_type = ApiTypeName(s.group, s.version, s.kind);
    const json sgvk = Gvk(s.group, s.version, s.kind);
    const std::string sub = Capitalize(s.name);
    const std::string what = s.name + " of the specified " + k.kind;
    for (const auto& verb : s.verbs) {
      if (s.name == "log") {
        p.ops.push_back({"get", "read" + gv + ns_word + k.kind + sub, "get", sgvk, kLogParams,
                         Body::kNone, "", Response::kText, "", "read " + what});
      } else if (s.name == "exec" || s.name == "attach" || s.name == "portforward") {
        const auto& params = s.name == "exec"     ? kExecParams
                             : s.name == "attach" ? kAttachParams
                                                  : kPortForwardParams;
        const std::string method = verb == "create" ? "post" : "get";
        p.ops.push_back({method, "connect" + gv + Capitalize(method) + ns_word + k.kind + sub,
                         "connect", sgvk, params, Body::kNone, "", Response::kConnect, "",
                         std::string("connect ") + (method == "post" ? "POST" : "GET") +
                             " requests to " + what});
      } else if (verb == "get") {
        p.ops.push_back({"get", "read" + gv + ns_word + k.kind + sub, "get", sgvk, {}, Body::kNone,
                         "", Response::kObject, body_type, "read " + what});
      } else if (verb == "update") {
        p.ops.push_back({"put", "replace" + gv + ns_word + k.kind + sub, "put", sgvk, kWriteParams,
                         Body::kObject, body_type, Response::kObject, body_type,
                         "replace " + what});
      } else if (verb == "patch") {
        p.ops.push_back({"patch", "patch" + gv + ns_word + k.kind + sub, "patch", sgvk,
                         kPatchParams, Body::kPatch, "", Response::kObject, body_type,
                         "partially update " + what});
      } else if (verb == "create") {
        p.ops.push_back({"post", "create" + gv + ns_word + k.kind + sub, "post", sgvk,
                         kWriteParams, Body::kObject, body_type, Response::kObject, body_type,
                         "create " + what});
      }
    }
    if (!p.ops.empty()) out.push_back(std::move(p));
  }
  return out;
}

json PathItem(Flavor f, const PathSpec& p, const std::string& tag) {
  json item = json::object();
  for (const Op& op : p.ops) item[op.method] = Operation(f, op, tag);
  json params = json::array();
  if (!p.name_of.empty()) params.push_back(PathParam(f, "name", "name of the " + p.name_of));
  if (p.namespaced)
    params.push_back(PathParam(f, "namespace", "object name and auth scope, such as for teams and projects"));
  params.push_back(QueryParam(f, "pretty"));
  item["parameters"] = std::move(params);
  return item;
}

// The response and body types of a path's operations, for the definition closure.
void PathTypes(const PathSpec& p, std::set<std::string>* types) {
  for (const Op& op : p.ops) {
    if (!op.response_type.empty()) types->insert(op.response_type);
    if (!op.body_type.empty()) types->insert(op.body_type);
    if (op.body == Body::kPatch) types->insert(Meta("Patch"));
    if (op.body == Body::kDeleteOptions) types->insert(Meta("DeleteOptions"));
  }
}

std::string Tag(const std::string& group, const std::string& version) {
  std::string g = group.empty() ? "core" : group.substr(0, group.find('.'));
  return g + "_" + version;
}

json Info() { return {{"title", "Kubernetes (netkube)"}, {"version", "v1.33.0"}}; }

// A short content hash for the v3 index (FNV-1a, 2 x 64 bits, upper-case hex).
std::string Hash(const std::string& s) {
  uint64_t a = 14695981039346656037ull, b = 0x9e3779b97f4a7c15ull;
  for (unsigned char c : s) {
    a = (a ^ c) * 1099511628211ull;
    b = (b ^ c) * 0x100000001b3ull + 0x632be59bd9b4e019ull;
  }
  char buf[33];
  std::snprintf(buf, sizeof(buf), "%016llX%016llX", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return buf;
}

struct Documents {
  std::string v2;
  std::string v3_index;
  std::map<std::string, std::string, std::less<>> v3;  // "api/v1" -> document
};

json SecurityScheme() {
  return {{"BearerToken",
           {{"type", "apiKey"}, {"in", "header"}, {"name", "authorization"},
            {"description", "Bearer token authentication"}}}};
}

Documents Build() {
  Documents docs;
  const auto gvks = GvkTable();
  json v2_paths = json::object();
  json v2_defs = json::object();
  json index = {{"paths", json::object()}};
  for (const GroupVersion& gv : ServedGroupVersions()) {
    const std::string tag = Tag(gv.group, gv.version);
    json v3_paths = json::object();
    std::set<std::string> types = {Meta("Status"), Meta("DeleteOptions"), Meta("WatchEvent")};
    for (const Kind& k : AllKinds()) {
      if (k.group != gv.group || k.version != gv.version) continue;
      for (const PathSpec& p : KindPaths(k)) {
        v2_paths[p.path] = PathItem(Flavor::kV2, p, tag);
        v3_paths[p.path] = PathItem(Flavor::kV3, p, tag);
        PathTypes(p, &types);
      }
    }
    json schemas = json::object();
    for (const auto& t : types) {
      AddDefinitionClosure(Flavor::kV3, t, gvks, &schemas);
      AddDefinitionClosure(Flavor::kV2, t, gvks, &v2_defs);
    }
    json doc = {{"openapi", "3.0.0"},
                {"info", Info()},
                {"paths", std::move(v3_paths)},
                {"components", {{"schemas", std::move(schemas)}, {"securitySchemes", SecurityScheme()}}}};
    const std::string key = gv.group.empty() ? "api/" + gv.version
                                             : "apis/" + gv.group + "/" + gv.version;
    std::string text = doc.dump();
    index["paths"][key] = {{"serverRelativeURL", "/openapi/v3/" + key + "?hash=" + Hash(text)}};
    docs.v3[key] = std::move(text);
  }
  // Every type of the schema is described in v2, as kube-apiserver does.
  for (const auto& [name, t] : Schema::Get().types())
    AddDefinitionClosure(Flavor::kV2, name, gvks, &v2_defs);
  json v2 = {{"swagger", "2.0"},
             {"info", Info()},
             {"paths", std::move(v2_paths)},
             {"definitions", std::move(v2_defs)},
             {"securityDefinitions", SecurityScheme()},
             {"security", json::array({{{"BearerToken", json::array()}}})}};
  docs.v2 = v2.dump();
  docs.v3_index = index.dump();
  return docs;
}

const Documents& Docs() {
  static const Documents* const docs = [] {
    try {
      return new Documents(Build());
    } catch (const std::exception& e) {
      LOG_FATAL << "building the OpenAPI documents failed: " << e.what();
      return static_cast<Documents*>(nullptr);
    }
  }();
  return *docs;
}

}  // namespace

const std::string& OpenApiV2() { return Docs().v2; }

const std::string& OpenApiV3Index() { return Docs().v3_index; }

const std::string* OpenApiV3(std::string_view gv_path) {
  const auto& v3 = Docs().v3;
  auto it = v3.find(gv_path);
  return it == v3.end() ? nullptr : &it->second;
}

}  // namespace netkube::api
