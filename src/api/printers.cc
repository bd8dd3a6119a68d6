// The printer table: one entry per kind with Table columns, and the default
// (Name, Created At) columns kube-apiserver uses for kinds without a printer.
#include "api/printers.h"

#include <map>
#include <mutex>
#include <utility>

#include <nlohmann/json.hpp>

#include "api/printers_docs.h"
#include "api/printers_internal.h"

namespace netkube::api {
namespace {

using printers::json;
using printers::Printer;

const std::vector<Printer>& AllPrinters() {
  using namespace printers;  // NOLINT(build/namespaces): the per-kind functions
  static const std::vector<Printer> kPrinters = {
      {"", "Pod", PodColumns, PodCells},
      {"", "Service", ServiceColumns, ServiceCells},
      {"", "Endpoints", EndpointsColumns, EndpointsCells},
      {"", "Node", NodeColumns, NodeCells},
      {"", "Namespace", NamespaceColumns, NamespaceCells},
      {"", "ConfigMap", ConfigMapColumns, ConfigMapCells},
      {"", "ResourceQuota", ResourceQuotaColumns, ResourceQuotaCells},
      {"", "Secret", SecretColumns, SecretCells},
      {"", "ServiceAccount", ServiceAccountColumns, ServiceAccountCells},
      {"", "Event", EventColumns, EventCells},
      {"apps", "Deployment", DeploymentColumns, DeploymentCells},
      {"apps", "ReplicaSet", ReplicaSetColumns, ReplicaSetCells},
      {"apps", "DaemonSet", DaemonSetColumns, DaemonSetCells},
      {"discovery.k8s.io", "EndpointSlice", EndpointSliceColumns, EndpointSliceCells},
      {"networking.k8s.io", "Ingress", IngressColumns, IngressCells},
      {"networking.k8s.io", "IngressClass", IngressClassColumns, IngressClassCells},
      {"networking.k8s.io", "NetworkPolicy", NetworkPolicyColumns, NetworkPolicyCells},
      {"coordination.k8s.io", "Lease", LeaseColumns, LeaseCells},
  };
  return kPrinters;
}

const Printer* FindPrinter(const Kind& k) {
  for (const auto& p : AllPrinters()) {
    if (k.group == p.group && k.kind == p.kind) return &p;
  }
  return nullptr;
}

// kube-apiserver's default table for kinds without a printer.
const std::vector<Column>& DefaultColumns() {
  static const std::vector<Column> kColumns = {
      printers::NameColumn(),
      {"Created At", "date", "", printers::kDocObjectMetaCreationTimestamp, 0},
  };
  return kColumns;
}

json DefaultCells(const json& obj) {
  auto t = printers::ParseTime(printers::Find(obj, {"metadata", "creationTimestamp"}));
  std::string created = "0001-01-01T00:00:00Z";
  if (t) {
    std::tm tm{};
    gmtime_r(&*t, &tm);
    char buf[32];
    std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    created = buf;
  }
  return json::array({printers::Name(obj), created});
}

}  // namespace

const std::vector<Column>& TableColumns(const Kind& k) {
  // Column lists are built once per printer and kept for the process lifetime.
  static std::mutex mu;
  static std::map<const Printer*, std::vector<Column>> cache;
  const Printer* p = FindPrinter(k);
  if (!p) return DefaultColumns();
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(p);
  if (it == cache.end()) it = cache.emplace(p, p->columns()).first;
  return it->second;
}

nlohmann::json TableCells(const Kind& k, const nlohmann::json& obj, std::time_t now) {
  const Printer* p = FindPrinter(k);
  if (!p) return DefaultCells(obj);
  try {
    return p->cells(obj, now);
  } catch (const std::exception&) {
    // A malformed object still gets a row: its name and blanks.
    json row = json::array({printers::Name(obj)});
    for (size_t i = 1; i < TableColumns(k).size(); ++i) row.push_back("");
    return row;
  }
}

std::string RenderTimeMarkers(std::string_view text, std::time_t now) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    // A marker is "\x01T<digits>\x01" raw, or "\u0001T<digits>\u0001" in JSON.
    size_t delim = 0;
    if (text[i] == '\x01') delim = 1;
    else if (text.compare(i, 6, "\\u0001") == 0) delim = 6;
    if (delim != 0 && i + delim < text.size() && text[i + delim] == 'T') {
      size_t j = i + delim + 1;
      long long t = 0;
      bool digits = false, negative = false;
      if (j < text.size() && text[j] == '-') negative = true, ++j;
      while (j < text.size() && text[j] >= '0' && text[j] <= '9') t = t * 10 + (text[j++] - '0'), digits = true;
      if (digits && text.compare(j, delim, delim == 1 ? std::string_view("\x01") : std::string_view("\\u0001")) == 0) {
        out += HumanDuration(static_cast<long>(now - (negative ? -t : t)));
        i = j + delim;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

}  // namespace netkube::api
