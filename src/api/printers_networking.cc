// Printers of discovery.k8s.io EndpointSlice, networking.k8s.io Ingress,
// IngressClass and NetworkPolicy, and coordination.k8s.io Lease.
#include <set>

#include <nlohmann/json.hpp>

#include "api/printers_docs.h"
#include "api/printers_internal.h"

namespace netkube::api::printers {
namespace {

constexpr size_t kMaxListed = 3;

// "a,b,c + N more...", or "<unset>" for an empty list.
std::string ListWithMore(const std::vector<std::string>& all) {
  std::string out;
  for (size_t i = 0; i < all.size() && i < kMaxListed; ++i) {
    if (i > 0) out += ",";
    out += all[i];
  }
  if (all.size() > kMaxListed) return out + " + " + std::to_string(all.size() - kMaxListed) + " more...";
  return out.empty() ? "<unset>" : out;
}

}  // namespace

// ---- EndpointSlice -------------------------------------------------------

std::vector<Column> EndpointSliceColumns() {
  return {
      NameColumn(),
      StringColumn("AddressType", kDocEndpointSliceAddressType),
      StringColumn("Ports", kDocEndpointSlicePorts),
      StringColumn("Endpoints", kDocEndpointSliceEndpoints),
      AgeColumn(),
  };
}

json EndpointSliceCells(const json& slice, std::time_t now) {
  std::vector<std::string> ports;
  for (const auto& p : Array(slice, {"ports"})) {
    const json* port = Find(p, {"port"});
    const json* name = Find(p, {"name"});
    if (port && port->is_number()) {
      ports.push_back(std::to_string(port->get<long long>()));
    } else if (name && name->is_string()) {
      ports.push_back(name->get<std::string>());
    } else {
      ports.push_back("*");
    }
  }
  std::vector<std::string> addresses;
  for (const auto& e : Array(slice, {"endpoints"})) {
    for (const auto& a : Array(e, {"addresses"})) {
      if (a.is_string()) addresses.push_back(a.get<std::string>());
    }
  }
  return json::array({Name(slice), Str(slice, {"addressType"}), ListWithMore(ports),
                      ListWithMore(addresses), Age(slice, now)});
}

// ---- Ingress -------------------------------------------------------------

std::vector<Column> IngressColumns() {
  return {
      NameColumn(),
      StringColumn("Class",
                   "The name of the IngressClass resource that should be used for additional "
                   "configuration"),
      StringColumn("Hosts",
                   "Hosts that incoming requests are matched against before the ingress rule"),
      StringColumn("Address", "Address is a list containing ingress points for the load-balancer"),
      StringColumn("Ports", "Ports of TLS configurations that open"),
      AgeColumn(),
  };
}

json IngressCells(const json& ing, std::time_t now) {
  const json* class_name = Find(ing, {"spec", "ingressClassName"});
  std::string cls = class_name && class_name->is_string() ? class_name->get<std::string>() : "<none>";

  // Up to three hosts; rules without a host are skipped but still counted.
  const json& rules = Array(ing, {"spec", "rules"});
  std::string hosts;
  size_t listed = 0;
  bool more = false;
  for (const auto& rule : rules) {
    if (listed == kMaxListed) more = true;
    std::string host = Str(rule, {"host"});
    if (!more && !host.empty()) {
      if (listed > 0) hosts += ",";
      hosts += host;
      ++listed;
    }
  }
  if (listed == 0) {
    hosts = "*";
  } else if (more) {
    hosts += " + " + std::to_string(rules.size() - kMaxListed) + " more...";
  }

  std::set<std::string> points;
  for (const auto& p : Array(ing, {"status", "loadBalancer", "ingress"})) {
    std::string ip = Str(p, {"ip"});
    std::string hostname = Str(p, {"hostname"});
    if (!ip.empty()) {
      points.insert(ip);
    } else if (!hostname.empty()) {
      points.insert(hostname);
    }
  }
  std::string address;
  for (const auto& p : points) address += (address.empty() ? "" : ",") + p;

  std::string ports = Array(ing, {"spec", "tls"}).empty() ? "80" : "80, 443";
  return json::array({Name(ing), cls, hosts, address, ports, Age(ing, now)});
}

// ---- IngressClass --------------------------------------------------------

std::vector<Column> IngressClassColumns() {
  return {
      NameColumn(),
      StringColumn("Controller", "Controller that is responsible for handling this class"),
      StringColumn("Parameters", "A reference to a resource with additional parameters"),
      AgeColumn(),
  };
}

json IngressClassCells(const json& ic, std::time_t now) {
  std::string parameters = "<none>";
  const json* p = Find(ic, {"spec", "parameters"});
  if (p && p->is_object()) {
    parameters = Str(*p, {"kind"});
    const json* group = Find(*p, {"apiGroup"});
    if (group && group->is_string()) parameters += "." + group->get<std::string>();
    parameters += "/" + Str(*p, {"name"});
  }
  return json::array({Name(ic), Str(ic, {"spec", "controller"}), parameters, Age(ic, now)});
}

// ---- NetworkPolicy -------------------------------------------------------

std::vector<Column> NetworkPolicyColumns() {
  return {NameColumn(), StringColumn("Pod-Selector", kDocNetworkPolicySpecPodSelector),
          AgeColumn()};
}

json NetworkPolicyCells(const json& np, std::time_t now) {
  // podSelector is a value, not a pointer: absent means {} (every pod).
  const json* sel = Find(np, {"spec", "podSelector"});
  json empty = json::object();
  return json::array({Name(np), FormatLabelSelector(sel && !sel->is_null() ? sel : &empty),
                      Age(np, now)});
}

// ---- Lease ---------------------------------------------------------------

std::vector<Column> LeaseColumns() {
  return {NameColumn(), StringColumn("Holder", kDocLeaseSpecHolderIdentity), AgeColumn()};
}

json LeaseCells(const json& lease, std::time_t now) {
  return json::array({Name(lease), Str(lease, {"spec", "holderIdentity"}), Age(lease, now)});
}

}  // namespace netkube::api::printers
