// Kubernetes strategic merge patch (SMP), applied the way kube-apiserver does.
//
// Maps merge key by key and null deletes a key. Lists are replaced unless the
// schema gives the field patchStrategy "merge": then lists of objects merge
// element by element on the field's patchMergeKey and lists of scalars are
// unioned. Directives:
//   $patch: replace   in a map: the map becomes the patch (without $patch);
//                     as a list element: the list becomes the other elements.
//   $patch: delete    in a map: the map becomes {}; as a list element: every
//                     element with that merge key value is removed.
//   $patch: merge     in a map: the default, accepted and dropped; as a list
//                     element it is rejected, as kube-apiserver does.
//   $retainKeys: [k]  keys of the original map not listed are dropped first;
//                     every non-null key of the patch must be listed.
//   $deleteFromPrimitiveList/<f>: [v]  removes those values from list <f>.
//   $setElementOrder/<f>: [...]        orders the merged list <f>: its items
//                     first in the given order, items only on the server kept
//                     in their relative place.
// Fields the schema does not know (or a null type) get merge-patch semantics:
// maps merge, lists replace, directives still apply.
//
// Where kube-apiserver's behaviour is an accident rather than a contract,
// netkube is sane instead, and says so:
//   * Values added where the original had nothing are cleaned of directives
//     and nulls (kube-apiserver stores them raw and relies on typed decoding
//     to drop them; netkube stores JSON, so it must not).
//   * $deleteFromPrimitiveList/<f> on a missing or non-list <f> does nothing
//     (kube-apiserver would store the deletion list as <f>).
//   * List element order is computed from indices, not Go's sort quirks; the
//     results agree for every patch kubectl produces.
#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/patch.h"

namespace netkube::api {
namespace {

using json = nlohmann::json;

constexpr std::string_view kDirectiveMarker = "$patch";
constexpr std::string_view kRetainKeys = "$retainKeys";
constexpr std::string_view kDeleteFromPrimitiveList = "$deleteFromPrimitiveList/";
constexpr std::string_view kSetElementOrder = "$setElementOrder/";

const char kBadRetainKeys[] = "invalid patch format of retainKeys";
const char kBadSetElementOrder[] = "invalid patch format of setElementOrder list";
const char kBadPrimitiveList[] = "invalid patch format of primitive list";

// What the schema says about a JSON object being merged: a struct type, or the
// value field of a map (labels, resources.limits, ...), or nothing.
struct Shape {
  const TypeDef* type = nullptr;
  const Field* map_of = nullptr;
};

// Patch metadata of one key of an object.
struct FieldMeta {
  Shape value;             // shape of the value, or of each element for lists
  bool merge_list = false; // patchStrategy includes "merge"
  bool replace = false;    // patchStrategy includes "replace"
  std::string merge_key;
};

Shape ValueShape(const Field& f) {
  if (f.type == ValueType::kObject) return Shape{f.ref, nullptr};
  return Shape{};
}

FieldMeta Lookup(const Shape& s, std::string_view key) {
  FieldMeta m;
  const Field* f = nullptr;
  if (s.map_of) {
    // A map value: its type is the map field's value type; no strategies.
    m.value = ValueShape(*s.map_of);
    return m;
  }
  if (s.type) f = s.type->FindField(key);
  if (!f) return m;
  if (f->map) {
    m.value = Shape{nullptr, f};
  } else {
    m.value = ValueShape(*f);
  }
  // "merge", "replace", "retainKeys", "merge,retainKeys".
  std::string_view strategy = f->patch_strategy;
  while (!strategy.empty()) {
    size_t comma = strategy.find(',');
    std::string_view part = strategy.substr(0, comma);
    if (part == "merge") m.merge_list = true;
    if (part == "replace") m.replace = true;
    if (comma == std::string_view::npos) break;
    strategy.remove_prefix(comma + 1);
  }
  m.merge_key = f->patch_merge_key;
  return m;
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string Brief(const json& v) {
  std::string s = v.dump();
  if (s.size() > 200) s = s.substr(0, 200) + "...";
  return s;
}

Status NoMergeKey(const json& m, const std::string& key) {
  return Status::BadRequest("map: " + Brief(m) + " does not contain declared merge key: " + key);
}

// Go's reflect kind names, for messages.
const char* KindName(const json& v) {
  switch (v.type()) {
    case json::value_t::object: return "map[string]interface {}";
    case json::value_t::array: return "[]interface {}";
    case json::value_t::string: return "string";
    case json::value_t::boolean: return "bool";
    case json::value_t::null: return "nil";
    default: return "float64";
  }
}

Status BadArgType(const char* want, const json& got) {
  return Status::BadRequest(std::string("expected a ") + want + ", but received a " + KindName(got));
}

// Same JSON kind for merging purposes (all numbers are one kind, as in Go).
bool SameKind(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) return true;
  return a.type() == b.type();
}

class Merger {
 public:
  Status MergeMap(json& original, json patch, const Shape& shape);
  Status MergeList(json& original, json patch, const FieldMeta& meta);
  // `v` as it should be stored when the original had nothing there.
  StatusOr<json> Clean(json v, const FieldMeta& meta);

 private:
  Status ApplyRetainKeys(json& original, json& patch);
  Status ApplySetElementOrder(json& original, json& patch, const Shape& shape);
};

StatusOr<json> Merger::Clean(json v, const FieldMeta& meta) {
  if (v.is_object()) {
    json out = json::object();
    if (Status s = MergeMap(out, std::move(v), meta.value); !s.ok()) return s;
    return out;
  }
  if (v.is_array()) {
    if (meta.merge_list) {
      json out = json::array();
      if (Status s = MergeList(out, std::move(v), meta); !s.ok()) return s;
      return out;
    }
    FieldMeta elem;
    elem.value = meta.value;
    for (auto& e : v) {
      if (!e.is_object()) continue;
      auto c = Clean(std::move(e), elem);
      if (!c.ok()) return c.status();
      e = std::move(*c);
    }
  }
  return v;
}

Status Merger::ApplyRetainKeys(json& original, json& patch) {
  auto it = patch.find(kRetainKeys);
  if (it == patch.end()) return Status::OK();
  json keys = std::move(*it);
  patch.erase(it);
  if (!keys.is_array()) return Status::BadRequest(kBadRetainKeys);
  auto listed = [&keys](const std::string& k) {
    return std::any_of(keys.begin(), keys.end(), [&k](const json& v) { return v.is_string() && v.get_ref<const std::string&>() == k; });
  };
  for (auto p = patch.begin(); p != patch.end(); ++p) {
    if (p->is_null() || StartsWith(p.key(), kDeleteFromPrimitiveList) || StartsWith(p.key(), kSetElementOrder)) continue;
    if (!listed(p.key())) return Status::BadRequest(kBadRetainKeys);
  }
  for (auto o = original.begin(); o != original.end();) {
    if (listed(o.key())) {
      ++o;
    } else {
      o = original.erase(o);
    }
  }
  return Status::OK();
}

// The position of `item` in `order`: by merge key for objects, by value for
// scalars; -1 when absent.
long IndexIn(const json& order, const json& item, const std::string& merge_key) {
  long i = 0;
  for (const auto& o : order) {
    if (merge_key.empty()) {
      if (o == item) return i;
    } else if (o.is_object() && item.is_object()) {
      auto a = o.find(merge_key), b = item.find(merge_key);
      bool a_has = a != o.end(), b_has = b != item.end();
      if (a_has == b_has && (!a_has || *a == *b)) return i;
    }
    ++i;
  }
  return -1;
}

// Splits `merged` into items present in `by` and the rest, each sorted by its
// order list, then interleaves them: patch items keep their order, server-only
// items keep their place relative to patch items that were already on the
// server (`server_order`), and new items come before server-only ones that
// follow no known item.
json OrderList(const json& merged, const json& by, const json& server_order, const std::string& merge_key) {
  std::vector<std::pair<long, const json*>> in_patch, server_only;
  for (const auto& m : merged) {
    long pi = IndexIn(by, m, merge_key);
    if (pi >= 0) {
      in_patch.emplace_back(pi, &m);
    } else {
      server_only.emplace_back(IndexIn(server_order, m, merge_key), &m);
    }
  }
  auto by_index = [](const auto& a, const auto& b) { return a.first < b.first; };
  std::stable_sort(in_patch.begin(), in_patch.end(), by_index);
  std::stable_sort(server_only.begin(), server_only.end(), by_index);
  json out = json::array();
  size_t i = 0, j = 0;
  while (i < server_only.size() || j < in_patch.size()) {
    if (j >= in_patch.size()) {
      out.push_back(*server_only[i++].second);
    } else if (i >= server_only.size()) {
      out.push_back(*in_patch[j++].second);
    } else {
      long li = server_only[i].first;
      long ri = IndexIn(server_order, *in_patch[j].second, merge_key);
      if (li >= 0 && ri >= 0 && li < ri) {
        out.push_back(*server_only[i++].second);
      } else {
        out.push_back(*in_patch[j++].second);
      }
    }
  }
  return out;
}

// Checks that all elements of the lists share one kind and are not lists.
// Returns the kind through `kind` (null when there are no elements).
Status ElementKind(const json& a, const json& b, json::value_t* kind) {
  const json* first = nullptr;
  for (const json* list : {&a, &b}) {
    for (const auto& v : *list) {
      if (!first) {
        first = &v;
        if (v.is_array()) return Status::Invalid("lists of lists are not supported");
      } else if (!SameKind(*first, v)) {
        return Status::BadRequest("list element types are not identical: " + Brief(a) + " " + Brief(b));
      }
    }
  }
  *kind = first ? first->type() : json::value_t::null;
  if (first && first->is_number()) *kind = json::value_t::number_float;
  return Status::OK();
}

Status Merger::ApplySetElementOrder(json& original, json& patch, const Shape& shape) {
  std::vector<std::string> keys;
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (StartsWith(it.key(), kSetElementOrder)) keys.push_back(it.key());
  }
  for (const std::string& key : keys) {
    json order = std::move(patch[key]);
    patch.erase(key);
    if (!order.is_array()) return Status::BadRequest(kBadSetElementOrder);
    std::string name = key.substr(kSetElementOrder.size());
    if (name.empty()) return Status::BadRequest(kBadSetElementOrder);
    FieldMeta meta = Lookup(shape, name);
    auto o = original.find(name);
    auto p = patch.find(name);
    bool has_original = o != original.end(), has_patch = p != patch.end();
    if (has_original && !o->is_array()) return BadArgType("[]interface {}", *o);
    if (has_patch && !p->is_array()) return BadArgType("[]interface {}", *p);
    json original_list = has_original ? *o : json::array();
    json patch_list = has_patch ? *p : json::array();

    // The patch's own (non-deleting) items must follow the order list.
    if (!order.empty() && !patch_list.empty()) {
      size_t pi = 0, oi = 0;
      std::vector<const json*> keep;
      for (const auto& v : patch_list) {
        if (!meta.merge_key.empty()) {
          if (!v.is_object()) return BadArgType("map[string]interface {}", v);
          auto d = v.find(kDirectiveMarker);
          if (d != v.end()) continue;  // $patch elements do not take part
        }
        keep.push_back(&v);
      }
      while (pi < keep.size() && oi < order.size()) {
        bool equal;
        if (meta.merge_key.empty()) {
          equal = *keep[pi] == order[oi];
        } else {
          if (!order[oi].is_object()) return BadArgType("map[string]interface {}", order[oi]);
          auto a = keep[pi]->find(meta.merge_key);
          if (a == keep[pi]->end()) return NoMergeKey(*keep[pi], meta.merge_key);
          auto b = order[oi].find(meta.merge_key);
          if (b == order[oi].end()) return NoMergeKey(order[oi], meta.merge_key);
          equal = *a == *b;
        }
        if (equal) ++pi;
        ++oi;
      }
      if (pi < keep.size()) {
        return Status::BadRequest("The order in patch list:\n" + Brief(patch_list) + "\n doesn't match " +
                                  std::string(kSetElementOrder) + " list:\n" + Brief(order) + "\n");
      }
    }

    if (!has_original && !has_patch) continue;
    json merged;
    if (has_original && has_patch) {
      merged = original_list;
      if (meta.merge_list) {
        if (Status s = MergeList(merged, patch_list, meta); !s.ok()) return s;
      } else {
        auto c = Clean(patch_list, meta);
        if (!c.ok()) return c.status();
        merged = std::move(*c);
      }
    } else if (has_original) {
      merged = original_list;
    } else {
      auto c = Clean(patch_list, meta);
      if (!c.ok()) return c.status();
      merged = std::move(*c);
    }
    json::value_t kind;
    if (Status s = ElementKind(original_list, patch_list, &kind); !s.ok()) return s;
    std::string merge_key = kind == json::value_t::object ? meta.merge_key : "";
    if (kind == json::value_t::object) {
      if (merge_key.empty()) {
        // A list of objects without a merge key can only be ordered as given.
        original[name] = std::move(merged);
        patch.erase(name);
        continue;
      }
      for (const json* list : {&merged, &order}) {
        for (const auto& v : *list) {
          if (!v.is_object()) return BadArgType("map[string]interface {}", v);
          if (!v.contains(merge_key)) return NoMergeKey(v, merge_key);
        }
      }
    }
    original[name] = OrderList(merged, order, original_list, merge_key);
    patch.erase(name);
  }
  return Status::OK();
}

Status Merger::MergeMap(json& original, json patch, const Shape& shape) {
  if (!original.is_object()) original = json::object();
  if (auto d = patch.find(kDirectiveMarker); d != patch.end()) {
    if (*d == "replace") {
      patch.erase(d);
      json out = json::object();
      if (Status s = MergeMap(out, std::move(patch), shape); !s.ok()) return s;
      original = std::move(out);
      return Status::OK();
    }
    if (*d == "delete") {
      original = json::object();
      return Status::OK();
    }
    if (*d != "merge") {
      return Status::BadRequest("unknown patch type: " + (d->is_string() ? d->get<std::string>() : d->dump()) +
                                " in map: " + Brief(patch));
    }
    patch.erase(d);
  }
  if (Status s = ApplyRetainKeys(original, patch); !s.ok()) return s;
  if (Status s = ApplySetElementOrder(original, patch, shape); !s.ok()) return s;

  std::vector<std::pair<std::string, json>> deletions;
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    const std::string& key = it.key();
    json& pv = *it;
    if (StartsWith(key, kDeleteFromPrimitiveList)) {
      deletions.emplace_back(key.substr(kDeleteFromPrimitiveList.size()), std::move(pv));
      continue;
    }
    if (pv.is_null()) {
      original.erase(key);
      continue;
    }
    FieldMeta meta = Lookup(shape, key);
    auto o = original.find(key);
    if (o == original.end() || !SameKind(*o, pv)) {
      auto c = Clean(std::move(pv), meta);
      if (!c.ok()) return c.status();
      original[key] = std::move(*c);
      continue;
    }
    if (pv.is_object()) {
      if (meta.replace) {
        auto c = Clean(std::move(pv), meta);
        if (!c.ok()) return c.status();
        *o = std::move(*c);
      } else if (Status s = MergeMap(*o, std::move(pv), meta.value); !s.ok()) {
        return s;
      }
    } else if (pv.is_array()) {
      if (meta.merge_list) {
        if (Status s = MergeList(*o, std::move(pv), meta); !s.ok()) return s;
      } else {
        auto c = Clean(std::move(pv), meta);
        if (!c.ok()) return c.status();
        *o = std::move(*c);
      }
    } else {
      *o = std::move(pv);
    }
  }
  for (auto& [name, values] : deletions) {
    if (name.empty() || !values.is_array()) return Status::BadRequest(kBadPrimitiveList);
    auto o = original.find(name);
    if (o == original.end() || !o->is_array()) continue;
    json kept = json::array();
    for (auto& v : *o) {
      if (std::find(values.begin(), values.end(), v) == values.end()) kept.push_back(std::move(v));
    }
    *o = std::move(kept);
  }
  return Status::OK();
}

Status Merger::MergeList(json& original, json patch, const FieldMeta& meta) {
  if (!original.is_array()) original = json::array();
  if (original.empty() && patch.empty()) return Status::OK();
  json::value_t kind;
  if (Status s = ElementKind(original, patch, &kind); !s.ok()) return s;

  if (kind != json::value_t::object) {
    // Scalars: the union, without duplicates.
    json merged = json::array();
    for (const json* list : {&original, &patch}) {
      for (const auto& v : *list) {
        if (std::find(merged.begin(), merged.end(), v) == merged.end()) merged.push_back(v);
      }
    }
    original = OrderList(merged, patch, original, "");
    return Status::OK();
  }

  const std::string& key = meta.merge_key;
  if (key.empty()) return Status::BadRequest("cannot merge lists without merge key for type struct");
  for (const auto& v : original) {
    if (!v.is_object()) return BadArgType("map[string]interface {}", v);
  }
  // Directive elements first: deletions and replace.
  json plain = json::array();
  bool replace = false;
  for (auto& v : patch) {
    auto d = v.find(kDirectiveMarker);
    if (d == v.end()) {
      plain.push_back(std::move(v));
      continue;
    }
    if (*d == "delete") {
      auto mk = v.find(key);
      if (mk == v.end()) return NoMergeKey(v, key);
      json kept = json::array();
      for (auto& o : original) {
        auto ok = o.find(key);
        if (ok == o.end() || *ok != *mk) kept.push_back(std::move(o));
      }
      original = std::move(kept);
    } else if (*d == "replace") {
      replace = true;
    } else if (*d == "merge") {
      return Status::BadRequest("merging lists cannot yet be specified in the patch");
    } else {
      return Status::BadRequest("unknown patch type: " + (d->is_string() ? d->get<std::string>() : d->dump()) +
                                " in map: " + Brief(v));
    }
  }
  FieldMeta elem;
  elem.value = meta.value;
  if (replace) {
    json out = json::array();
    for (auto& v : plain) {
      auto c = Clean(std::move(v), elem);
      if (!c.ok()) return c.status();
      out.push_back(std::move(*c));
    }
    original = std::move(out);
    return Status::OK();
  }
  json server_order = original;
  for (auto& v : plain) {
    auto mk = v.find(key);
    if (mk == v.end()) return NoMergeKey(v, key);
    json* match = nullptr;
    for (auto& o : original) {
      auto ok = o.find(key);
      if (ok != o.end() && *ok == *mk) {
        match = &o;
        break;
      }
    }
    if (match) {
      if (Status s = MergeMap(*match, v, meta.value); !s.ok()) return s;
    } else {
      auto c = Clean(v, elem);
      if (!c.ok()) return c.status();
      original.push_back(std::move(*c));
    }
  }
  for (const auto& v : original) {
    if (!v.contains(key)) return NoMergeKey(v, key);
  }
  original = OrderList(original, plain, server_order, key);
  return Status::OK();
}

}  // namespace

StatusOr<nlohmann::json> ApplyStrategicMergePatch(const nlohmann::json& doc, const nlohmann::json& patch,
                                                  const TypeDef* type) {
  if (!patch.is_object()) {
    return Status::BadRequest(std::string("json: cannot unmarshal ") + KindName(patch) +
                              " into Go value of type map[string]interface {}");
  }
  if (!doc.is_object()) return Status::BadRequest("strategic merge patch: the document is not a JSON object");
  try {
    json out = doc;
    Merger m;
    if (Status s = m.MergeMap(out, patch, Shape{type, nullptr}); !s.ok()) return s;
    return out;
  } catch (const std::exception& e) {
    return Status::Internal(std::string("strategic merge patch: ") + e.what());
  }
}

}  // namespace netkube::api
