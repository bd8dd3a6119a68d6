#include "apiserver/subresources.h"

#include <nlohmann/json.hpp>

#include "api/selector.h"
#include "apiserver/objects.h"
#include "apiserver/token_request.h"

namespace netkube::apiserver {

using nlohmann::json;

StatusOr<json> ScaleOf(const api::Kind& kind, const json& obj) {
  if (kind.FindSubresource("scale") == nullptr) return Status::NotFound("the server could not find the requested resource");
  const json& md = obj["metadata"];
  json scale_md = json::object();
  for (const char* f : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"})
    if (md.contains(f)) scale_md[f] = md[f];
  json spec = obj.value("spec", json::object());
  json status = obj.value("status", json::object());
  std::string selector;
  if (spec.contains("selector")) {
    auto sel = api::LabelSelector::FromJson(spec["selector"]);
    if (sel.ok()) selector = sel->ToString();
  }
  json s = {{"kind", "Scale"},
            {"apiVersion", "autoscaling/v1"},
            {"metadata", scale_md},
            {"spec", {{"replicas", spec.value("replicas", 1)}}},
            {"status", {{"replicas", status.value("replicas", 0)}}}};
  if (!selector.empty()) s["status"]["selector"] = selector;
  return s;
}

bool ScaleHasResourceVersion(const json& scale) {
  return scale.is_object() && scale.contains("metadata") && scale["metadata"].is_object() &&
         scale["metadata"].contains("resourceVersion") && scale["metadata"]["resourceVersion"].is_string() &&
         !scale["metadata"]["resourceVersion"].get<std::string>().empty();
}

StatusOr<WriteResult> UpdateScale(Registry& registry, const api::Kind& kind, std::string_view ns,
                                  std::string_view name, const json& old, int64_t old_rev, const json& scale,
                                  const WriteOptions& opts) {
  if (!scale.is_object() || !scale.contains("spec") || !scale["spec"].is_object()) {
    return Status::BadRequest("the body of the request was not a valid Scale");
  }
  const json& replicas = scale["spec"].value("replicas", json());
  if (!replicas.is_null() && !replicas.is_number_integer()) {
    return Status::BadRequest("Scale in version \"v1\" cannot be handled as a Scale: spec.replicas must be an integer");
  }
  if (replicas.is_number_integer() && replicas.get<int64_t>() < 0) {
    Status s = Status::Invalid("Scale.autoscaling \"" + std::string(name) +
                               "\" is invalid: spec.replicas: Invalid value: " + replicas.dump(-1, ' ', false, json::error_handler_t::replace) +
                               ": must be greater than or equal to 0");
    s.WithDetails("Scale", "autoscaling", std::string(name));
    s.AddCause({"FieldValueInvalid", "Invalid value: " + replicas.dump(-1, ' ', false, json::error_handler_t::replace) + ": must be greater than or equal to 0",
                "spec.replicas"});
    return s;
  }
  if (ScaleHasResourceVersion(scale) && scale["metadata"]["resourceVersion"] != std::to_string(old_rev)) {
    Status s = Status::Conflict("Operation cannot be fulfilled on " + QualifiedResource(kind) + " \"" +
                                std::string(name) +
                                "\": the object has been modified; please apply your changes to the latest "
                                "version and try again");
    s.WithDetails(kind.plural, kind.group, std::string(name));
    return s;
  }
  json next = old;
  next["spec"]["replicas"] = replicas.is_null() ? json(0) : replicas;
  auto r = registry.WriteUpdate(kind, ns, name, old, old_rev, std::move(next), "", opts, false);
  if (!r.ok()) return r;
  auto sc = ScaleOf(kind, *r->object);
  if (!sc.ok()) return sc.status();
  r->object = std::make_shared<json>(std::move(*sc));
  return r;
}

namespace {

StatusOr<WriteResult> Bind(Registry& registry, const api::Kind& kind, std::string_view ns, std::string_view name,
                           const json& body) {
  std::string node;
  if (body.is_object() && body.contains("target") && body["target"].is_object())
    node = body["target"].value("name", "");
  if (node.empty()) {
    Status s = Status::Invalid("Binding \"" + std::string(name) + "\" is invalid: target.name: Required value");
    s.AddCause({"FieldValueRequired", "Required value", "target.name"});
    return s;
  }
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto cur = registry.Get(kind, ns, name);
    if (!cur.ok()) return cur.status();
    json pod = json::parse(*cur->json);
    std::string bound = pod["spec"].value("nodeName", "");
    if (!bound.empty()) {
      Status s = Status::Conflict("Operation cannot be fulfilled on pods/binding \"" + std::string(name) +
                                  "\": pod " + std::string(name) + " is already assigned to node \"" + bound + "\"");
      s.WithDetails("pods/binding", "", std::string(name));
      return s;
    }
    if (pod["metadata"].contains("deletionTimestamp")) {
      return Status::Conflict("Operation cannot be fulfilled on pods/binding \"" + std::string(name) +
                              "\": pod " + std::string(name) + " is being deleted, cannot be assigned to a host");
    }
    json next = pod;
    next["spec"]["nodeName"] = node;
    json& conds = next["status"]["conditions"];
    if (!conds.is_array()) conds = json::array();
    json cond = {{"type", "PodScheduled"}, {"status", "True"}, {"lastProbeTime", nullptr},
                 {"lastTransitionTime", NowRfc3339()}};
    bool replaced = false;
    for (auto& c : conds)
      if (c.value("type", "") == "PodScheduled") c = cond, replaced = true;
    if (!replaced) conds.push_back(cond);
    // The binding writes spec.nodeName, which pod updates may not change, so it
    // goes straight to the store with compare-and-swap.
    json stored = next;
    auto txn = registry.store().Txn(
        {{cur->key, store::Compare::Target::kModRevision, store::Compare::Result::kEqual, cur->mod_revision}},
        {store::Op::PutFn(cur->key, [&stored](int64_t rev) {
          stored["metadata"]["resourceVersion"] = std::to_string(rev);
          return stored.dump(-1, ' ', false, json::error_handler_t::replace);
        })},
        {});
    if (!txn.ok()) return txn.status();
    if (!txn->succeeded) continue;
    WriteResult r;
    r.code = 201;
    r.object = std::make_shared<json>(SuccessStatus(201));
    return r;
  }
  return Status::Conflict("Operation cannot be fulfilled on pods/binding \"" + std::string(name) +
                          "\": the object has been modified; please apply your changes to the latest version and try again");
}

StatusOr<WriteResult> Evict(Registry& registry, const api::Kind& kind, std::string_view ns, std::string_view name,
                            const json& body) {
  DeleteParams del;
  if (body.is_object() && body.contains("deleteOptions") && body["deleteOptions"].is_object()) {
    const json& o = body["deleteOptions"];
    if (o.contains("gracePeriodSeconds") && o["gracePeriodSeconds"].is_number_integer())
      del.grace_period_seconds = o["gracePeriodSeconds"].get<int64_t>();
    if (o.contains("dryRun") && o["dryRun"].is_array() && !o["dryRun"].empty()) del.dry_run = true;
  }
  auto r = registry.Delete(kind, ns, name, del);
  if (!r.ok()) return r.status();
  WriteResult w;
  w.code = 201;
  w.object = std::make_shared<json>(SuccessStatus(201));
  return w;
}

}  // namespace

StatusOr<WriteResult> CreateSubresourceImpl(Registry& registry, const TokenIssuer* tokens, const api::Kind& kind,
                                            std::string_view ns, std::string_view name,
                                            std::string_view subresource, json body) {
  const bool pod = kind.group.empty() && kind.kind == "Pod";
  if (pod && subresource == "binding") return Bind(registry, kind, ns, name, body);
  if (pod && subresource == "eviction") return Evict(registry, kind, ns, name, body);
  if (kind.group.empty() && kind.kind == "ServiceAccount" && subresource == "token")
    return IssueTokenRequest(registry, tokens, kind, ns, name, std::move(body));
  return Status::MethodNotAllowed("the server does not allow this method on the requested resource");
}

void OnCreated(Registry& registry, const api::Kind& kind, const json& obj) {
  if (!(kind.group.empty() && kind.kind == "Namespace")) return;
  const api::Kind* sa = api::FindByKind("", "v1", "ServiceAccount");
  std::string ns = obj["metadata"].value("name", "");
  json account = {{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", {{"name", "default"}, {"namespace", ns}}}};
  (void)registry.Create(*sa, ns, std::move(account), {});
  if (!registry.root_ca().empty()) {
    const api::Kind* cm = api::FindByKind("", "v1", "ConfigMap");
    json ca = {{"apiVersion", "v1"},
               {"kind", "ConfigMap"},
               {"metadata", {{"name", "kube-root-ca.crt"}, {"namespace", ns}}},
               {"data", {{"ca.crt", registry.root_ca()}}}};
    (void)registry.Create(*cm, ns, std::move(ca), {});
  }
}

}  // namespace netkube::apiserver
