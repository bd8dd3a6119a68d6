// discovery.k8s.io/v1 EndpointSlice and coordination.k8s.io/v1 Lease
// validation, Kubernetes 1.33 wording.
#include <set>

#include <nlohmann/json.hpp>

#include "api/validation_util.h"

namespace netkube::api::validation {
namespace {

constexpr size_t kMaxEndpoints = 1000;
constexpr size_t kMaxAddresses = 100;
constexpr size_t kMaxPorts = 20000;
const std::vector<std::string> kProtocols = {"SCTP", "TCP", "UDP"};

void ValidateSliceEndpoints(Errors& e, const json& obj, const std::string& address_type) {
  const json* eps = GetArray(obj, "endpoints");
  if (!eps) return;
  if (eps->size() > kMaxEndpoints) e.TooMany("endpoints", static_cast<int64_t>(eps->size()), kMaxEndpoints);
  for (size_t i = 0; i < eps->size(); ++i) {
    const json& ep = (*eps)[i];
    std::string p = Index("endpoints", i);
    std::string ap = Child(p, "addresses");
    const json* addrs = GetArray(ep, "addresses");
    if (!addrs || addrs->empty()) {
      e.Required(ap, "must contain at least 1 address");
    } else if (addrs->size() > kMaxAddresses) {
      e.TooMany(ap, static_cast<int64_t>(addrs->size()), kMaxAddresses);
    }
    if (addrs)
      for (size_t j = 0; j < addrs->size(); ++j) {
        std::string a = (*addrs)[j].is_string() ? (*addrs)[j].get<std::string>() : "";
        Errors ae;
        if (address_type == "IPv4") {
          IsValidIPv4Address(ae, Index(ap, j), a);
        } else if (address_type == "IPv6") {
          IsValidIPv6Address(ae, Index(ap, j), a);
        } else if (address_type == "FQDN") {
          std::string name = a;
          if (!name.empty() && name.back() == '.') name.pop_back();
          if (a.empty()) {
            ae.Required(Index(ap, j));
          } else if (auto msgs = IsDNS1123Subdomain(name); !msgs.empty()) {
            std::string joined;
            for (size_t k = 0; k < msgs.size(); ++k) joined += (k ? "," : "") + msgs[k];
            ae.Invalid(Index(ap, j), name, joined);
          } else if (name.find('.') == std::string::npos) {
            ae.Invalid(Index(ap, j), name, "should be a domain with at least two segments separated by dots");
          }
          e.Append(std::move(ae));
          continue;
        } else {
          continue;
        }
        if (ae.empty()) ValidateNonSpecialIP(ae, Index(ap, j), a);
        e.Append(std::move(ae));
      }
    if (HasKey(ep, "nodeName")) {
      std::string node = GetString(ep, "nodeName");
      e.InvalidEach(Child(p, "nodeName"), node, IsDNS1123Subdomain(node));
    }
    if (HasKey(ep, "hostname")) {
      std::string host = GetString(ep, "hostname");
      e.InvalidEach(Child(p, "hostname"), host, IsDNS1123Label(host));
    }
  }
}

void ValidateSlicePorts(Errors& e, const json& obj) {
  const json* ports = GetArray(obj, "ports");
  if (!ports) return;
  if (ports->size() > kMaxPorts) e.TooMany("ports", static_cast<int64_t>(ports->size()), kMaxPorts);
  std::set<std::string> names;
  for (size_t i = 0; i < ports->size(); ++i) {
    const json& port = (*ports)[i];
    std::string p = Index("ports", i);
    std::string name = GetString(port, "name");
    if (!name.empty()) e.InvalidEach(Child(p, "name"), name, IsDNS1123Label(name));
    if (!names.insert(name).second) e.Duplicate(Child(p, "name"), name);
    if (!HasKey(port, "protocol")) {
      e.Required(Child(p, "protocol"));
    } else {
      std::string proto = GetString(port, "protocol");
      if (proto != "TCP" && proto != "UDP" && proto != "SCTP") e.NotSupported(Child(p, "protocol"), proto, kProtocols);
    }
    if (HasKey(port, "appProtocol")) {
      std::string ap = GetString(port, "appProtocol");
      e.InvalidEach(Child(p, "appProtocol"), ap, IsQualifiedName(ap));
    }
  }
}

}  // namespace

void ValidateEndpointSlice(Errors& e, const json& obj, const json* old) {
  if (old) ValidateObjectMetaUpdate(e, obj, *old);
  ValidateObjectMeta(e, obj, true, NameRule::kDNSSubdomain);
  std::string type = GetString(obj, "addressType");
  if (type.empty()) {
    e.Required("addressType");
  } else if (type != "IPv4" && type != "IPv6" && type != "FQDN") {
    e.NotSupported("addressType", type, {"FQDN", "IPv4", "IPv6"});
  }
  ValidateSliceEndpoints(e, obj, type);
  ValidateSlicePorts(e, obj);
  if (old) ValidateImmutable(e, Get(obj, "addressType"), Get(*old, "addressType"), "addressType");
}

void ValidateLease(Errors& e, const json& obj, const json* old) {
  if (old) ValidateObjectMetaUpdate(e, obj, *old);
  ValidateObjectMeta(e, obj, true, NameRule::kDNSSubdomain);
  const json* spec = GetObject(obj, "spec");
  if (!spec) return;
  if (auto d = GetInt(*spec, "leaseDurationSeconds"); d && *d <= 0)
    e.Invalid("spec.leaseDurationSeconds", *d, "must be greater than 0");
  if (auto t = GetInt(*spec, "leaseTransitions"); t && *t < 0)
    e.Invalid("spec.leaseTransitions", *t, kNegativeMsg);
}

}  // namespace netkube::api::validation
