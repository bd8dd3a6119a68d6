#include "objects.h"

#include <nlohmann/json.hpp>

namespace netkube::bench {

using nlohmann::json;

std::string ConfigMapBody(const std::string& name, const std::string& ns, int data_bytes) {
  json cm = {{"apiVersion", "v1"},
             {"kind", "ConfigMap"},
             {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"app", "bench"}}}}},
             {"data", {{"config.yaml", std::string(static_cast<size_t>(data_bytes > 0 ? data_bytes : 0), 'v')}}}};
  return cm.dump();
}

namespace {

std::string Ip(int base, int i) {
  return "10.244." + std::to_string(base + (i / 250) % 200) + "." + std::to_string(2 + i % 250);
}

json Container(const std::string& name, const std::string& image, int port, int i) {
  return {{"name", name},
          {"image", image},
          {"args", {"--port=" + std::to_string(port), "--log-level=info", "--shard=" + std::to_string(i % 16)}},
          {"ports", {{{"name", "http"}, {"containerPort", port}, {"protocol", "TCP"}}}},
          {"env",
           {{{"name", "POD_IP"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "status.podIP"}}}}}},
            {{"name", "LOG_FORMAT"}, {"value", "json"}}}},
          {"resources",
           {{"requests", {{"cpu", "100m"}, {"memory", "128Mi"}}}, {"limits", {{"cpu", "500m"}, {"memory", "256Mi"}}}}},
          {"volumeMounts", {{{"name", "config"}, {"mountPath", "/etc/app"}, {"readOnly", true}}}}};
}

}  // namespace

std::string PodBody(const std::string& name, const std::string& ns, const std::string& node, int i) {
  const std::string app = "web-" + std::to_string(i % 20);
  json pod = {
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata",
       {{"name", name},
        {"namespace", ns},
        {"labels", {{"app", app}, {"tier", "frontend"}, {"pod-template-hash", "7d4b9c8f6"}, {"version", "v1.2.3"}}},
        {"annotations", {{"prometheus.io/scrape", "true"}, {"prometheus.io/port", "8080"}}}}},
      {"spec",
       {{"nodeName", node},
        {"containers", {Container("app", "registry.example/" + app + ":1.2.3", 8080, i)}},
        {"volumes", {{{"name", "config"}, {"configMap", {{"name", app + "-config"}}}}}},
        {"terminationGracePeriodSeconds", 30}}}};
  return pod.dump();
}

std::string PodStatusPatch(int i) {
  const std::string t = "2024-05-01T10:00:00Z";
  auto condition = [&](const char* type) {
    return json{{"type", type}, {"status", "True"}, {"lastProbeTime", nullptr}, {"lastTransitionTime", t}};
  };
  auto running = [&](const std::string& name, const std::string& image) {
    return json{{"name", name},
                {"ready", true},
                {"started", true},
                {"restartCount", 0},
                {"image", image},
                {"imageID", "registry.example/" + name + "@sha256:4f1e0c9a2b7d"},
                {"containerID", "netkube://" + std::to_string(1000000 + i) + "-" + name},
                {"state", {{"running", {{"startedAt", t}}}}}};
  };
  const std::string ip = Ip(1, i);
  json status = {{"phase", "Running"},
                 {"conditions",
                  {condition("PodReadyToStartContainers"), condition("Initialized"), condition("Ready"),
                   condition("ContainersReady"), condition("PodScheduled")}},
                 {"hostIP", "172.18.0.3"},
                 {"hostIPs", {{{"ip", "172.18.0.3"}}}},
                 {"podIP", ip},
                 {"podIPs", {{{"ip", ip}}}},
                 {"startTime", t},
                 {"qosClass", "Burstable"},
                 {"containerStatuses", {running("app", "registry.example/web:1.2.3")}}};
  return json{{"status", status}}.dump();
}

}  // namespace netkube::bench
