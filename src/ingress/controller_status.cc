#include "ingress/controller_status.h"

#include <arpa/inet.h>

#include <set>
#include <utility>

#include "client/meta.h"
#include "util/strings.h"

namespace netkube::ingress {
namespace {

using client::Json;

bool IsIp(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// Collects {ip} / {hostname} entries, sorted and without duplicates.
class AddressSet {
 public:
  void Add(const std::string& address) {
    if (address.empty()) return;
    (IsIp(address) ? ips_ : hostnames_).insert(address);
  }
  void AddIp(const std::string& ip) {
    if (!ip.empty()) ips_.insert(ip);
  }
  void AddHostname(const std::string& h) {
    if (!h.empty()) hostnames_.insert(h);
  }
  bool empty() const { return ips_.empty() && hostnames_.empty(); }
  Json ToJson() const {
    Json out = Json::array();
    for (const auto& ip : ips_) out.push_back({{"ip", ip}});
    for (const auto& h : hostnames_) out.push_back({{"hostname", h}});
    return out;
  }

 private:
  std::set<std::string> ips_, hostnames_;
};

void AddStrings(const Json* list, AddressSet* out) {
  if (list == nullptr || !list->is_array()) return;
  for (const Json& v : *list)
    if (v.is_string()) out->Add(v.get<std::string>());
}

// spec.clusterIP, "" for a headless Service ("None").
std::string ClusterIpOf(const Json& service) {
  std::string ip = client::GetString(service, {"spec", "clusterIP"});
  return IsIp(ip) ? ip : "";
}

}  // namespace

Json PublishedAddresses(const Json* service, const std::string& publish_status_address, const std::string& host_ip) {
  AddressSet set;
  if (!publish_status_address.empty()) {
    size_t start = 0;
    while (start <= publish_status_address.size()) {
      size_t comma = publish_status_address.find(',', start);
      if (comma == std::string::npos) comma = publish_status_address.size();
      set.Add(std::string(TrimSpace(std::string_view(publish_status_address).substr(start, comma - start))));
      start = comma + 1;
    }
    return set.ToJson();
  }
  if (service != nullptr && service->is_object()) {
    std::string type = client::GetString(*service, {"spec", "type"});
    if (type.empty()) type = "ClusterIP";
    if (type == "LoadBalancer") {
      if (const Json* lb = client::Find(*service, {"status", "loadBalancer", "ingress"}); lb && lb->is_array()) {
        for (const Json& e : *lb) {
          set.AddIp(client::GetString(e, {"ip"}));
          set.AddHostname(client::GetString(e, {"hostname"}));
        }
      }
      AddStrings(client::Find(*service, {"spec", "externalIPs"}), &set);
    } else if (type == "ExternalName") {
      set.AddHostname(client::GetString(*service, {"spec", "externalName"}));
    } else if (type == "NodePort") {
      AddStrings(client::Find(*service, {"spec", "externalIPs"}), &set);
      if (set.empty()) set.Add(ClusterIpOf(*service));
    } else {
      set.Add(ClusterIpOf(*service));
    }
    if (!set.empty()) return set.ToJson();
    // Nothing yet (a LoadBalancer address not assigned, a headless Service):
    // the pod's node, below.
  }
  set.AddIp(host_ip);
  return set.ToJson();
}

Json CurrentAddresses(const Json& ingress) {
  const Json* lb = client::Find(ingress, {"status", "loadBalancer", "ingress"});
  return lb != nullptr && lb->is_array() ? *lb : Json::array();
}

std::optional<Json> SetStatusPatch(const Json& ingress, const Json& addresses) {
  if (CurrentAddresses(ingress) == addresses) return std::nullopt;
  return Json{{"status", {{"loadBalancer", {{"ingress", addresses}}}}}};
}

std::optional<Json> ClearStatusPatch(const Json& ingress, const Json& addresses) {
  if (addresses.empty()) return std::nullopt;
  if (CurrentAddresses(ingress) != addresses) return std::nullopt;
  return Json::array({{{"op", "test"}, {"path", "/metadata/resourceVersion"},
                       {"value", client::ResourceVersionOf(ingress)}},
                      {{"op", "replace"}, {"path", "/status/loadBalancer"}, {"value", Json::object()}}});
}

}  // namespace netkube::ingress
