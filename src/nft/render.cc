#include "nft/render.h"

namespace netkube::nft {
namespace {

struct Writer {
  std::string out;
  std::string prefix;  // "FAMILY TABLE"

  void Line(std::string_view verb, std::string_view rest) {
    out.append(verb).append(" ").append(prefix);
    if (!rest.empty()) out.append(" ").append(rest);
    out.push_back('\n');
  }
};

void ChainDecl(Writer* w, const Chain& c) {
  if (!c.base) {
    w->Line("add chain", c.name);
    return;
  }
  const auto& b = *c.base;
  w->Line("add chain", c.name + " { type " + b.type + " hook " + b.hook + " priority " +
                           std::to_string(b.priority) + "; policy " + b.policy + "; }");
}

void SetDecl(Writer* w, const Set& s) {
  std::string body = s.name + (s.is_map() ? " { type " + s.key_type + " : " + s.data_type
                                          : " { type " + s.key_type);
  body += ";";
  if (!s.flags.empty()) {
    body += " flags ";
    for (size_t i = 0; i < s.flags.size(); ++i) body += (i ? "," : "") + s.flags[i];
    body += ";";
  }
  if (s.timeout_seconds > 0) body += " timeout " + std::to_string(s.timeout_seconds) + "s;";
  body += " }";
  w->Line(s.is_map() ? "add map" : "add set", body);
}

void Rules(Writer* w, const Chain& c) {
  for (const auto& r : c.rules) w->Line("add rule", c.name + " " + r);
}

// Elements in batches, so one line stays a reasonable size.
template <typename It, typename Fmt>
void Elements(Writer* w, std::string_view verb, const std::string& set, It begin, It end, Fmt fmt) {
  constexpr int kBatch = 1000;
  while (begin != end) {
    std::string body = set + " { ";
    int n = 0;
    for (; begin != end && n < kBatch; ++begin, ++n) {
      if (n) body += ", ";
      body += fmt(*begin);
    }
    body += " }";
    w->Line(verb, body);
  }
}

std::string Elem(const std::string& k, const std::string& v) { return v.empty() ? k : k + " : " + v; }

}  // namespace

std::string RenderDelete(Family family, const std::string& name) {
  Writer w{{}, std::string(FamilyName(family)) + " " + name};
  w.Line("add table", "");
  w.Line("delete table", "");
  return w.out;
}

std::string RenderFull(const Table& t) {
  Writer w{RenderDelete(t.family, t.name), std::string(FamilyName(t.family)) + " " + t.name};
  w.Line("add table", "");
  for (const auto& [_, s] : t.sets) SetDecl(&w, s);
  for (const auto& [_, c] : t.chains) ChainDecl(&w, c);
  for (const auto& [_, c] : t.chains) Rules(&w, c);
  for (const auto& [_, s] : t.sets) {
    Elements(&w, "add element", s.name, s.elements.begin(), s.elements.end(),
             [](const auto& kv) { return Elem(kv.first, kv.second); });
  }
  return w.out;
}

std::string RenderDelta(const Table& desired, const Delta& d) {
  Writer w{{}, std::string(FamilyName(desired.family)) + " " + desired.name};
  for (const auto& name : d.add_sets) SetDecl(&w, desired.sets.at(name));
  for (const auto& name : d.add_chains) ChainDecl(&w, desired.chains.at(name));
  for (const auto& name : d.refill_chains) w.Line("flush chain", name);
  for (const auto& name : d.delete_chains) w.Line("flush chain", name);
  for (const auto& name : d.add_chains) Rules(&w, desired.chains.at(name));
  for (const auto& name : d.refill_chains) Rules(&w, desired.chains.at(name));
  for (const auto& sd : d.set_changes) {
    Elements(&w, "delete element", sd.set, sd.remove.begin(), sd.remove.end(),
             [](const std::string& k) { return k; });
  }
  for (const auto& sd : d.set_changes) {
    Elements(&w, "add element", sd.set, sd.add.begin(), sd.add.end(),
             [](const auto& kv) { return Elem(kv.first, kv.second); });
  }
  for (const auto& name : d.delete_chains) w.Line("delete chain", name);
  for (const auto& name : d.delete_sets) w.Line("delete set", name);
  for (const auto& name : d.delete_maps) w.Line("delete map", name);
  return w.out;
}

}  // namespace netkube::nft
