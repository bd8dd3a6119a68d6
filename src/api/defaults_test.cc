// Defaults as `kubectl get -o yaml` shows them on a real cluster (the fields
// the IP allocator and the service-account token volume add are left out).
#include "api/defaults.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/kinds.h"

namespace netkube::api {
namespace {

using nlohmann::json;

json Defaulted(const char* group, const char* kind, json obj) {
  const Kind* k = FindByKind(group, "v1", kind);
  EXPECT_NE(k, nullptr);
  if (k) ApplyDefaults(*k, obj);
  return obj;
}

TEST(DefaultsTest, PodAsKubectlRunShowsIt) {
  json pod = Defaulted("", "Pod", json::parse(R"({
    "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "nginx", "namespace": "default"},
    "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}})"));
  json want = json::parse(R"({
    "containers": [{"image": "nginx", "imagePullPolicy": "Always", "name": "nginx", "resources": {},
                    "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}],
    "dnsPolicy": "ClusterFirst", "enableServiceLinks": true, "preemptionPolicy": "PreemptLowerPriority",
    "priority": 0, "restartPolicy": "Always", "schedulerName": "default-scheduler", "securityContext": {},
    "serviceAccount": "default", "serviceAccountName": "default", "terminationGracePeriodSeconds": 30,
    "tolerations": [
      {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
      {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300}]
  })");
  EXPECT_EQ(pod["spec"], want) << pod["spec"].dump(2);
}

TEST(DefaultsTest, PodContainerDetails) {
  json pod = Defaulted("", "Pod", json::parse(R"({"spec": {
    "hostNetwork": true,
    "containers": [{"name": "a", "image": "registry.k8s.io/pause:3.9",
      "ports": [{"containerPort": 8080}],
      "env": [{"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
      "resources": {"limits": {"cpu": "100m"}},
      "livenessProbe": {"httpGet": {"port": 8080}},
      "readinessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 5}}],
    "initContainers": [{"name": "init", "image": "busybox@sha256:abc"}],
    "tolerations": [{"operator": "Exists"}],
    "volumes": [{"name": "cfg", "configMap": {"name": "c"}}, {"name": "scratch"},
                {"name": "s", "secret": {"secretName": "s", "defaultMode": 256}}]}})"));
  const json& c = pod["spec"]["containers"][0];
  EXPECT_EQ(c["imagePullPolicy"], "IfNotPresent");
  EXPECT_EQ(c["ports"][0], json::parse(R"({"containerPort": 8080, "hostPort": 8080, "protocol": "TCP"})"));
  EXPECT_EQ(c["env"][0]["valueFrom"]["fieldRef"]["apiVersion"], "v1");
  EXPECT_EQ(c["resources"]["requests"], json::parse(R"({"cpu": "100m"})"));
  EXPECT_EQ(c["livenessProbe"], json::parse(R"({"httpGet": {"path": "/", "port": 8080, "scheme": "HTTP"},
      "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3})"));
  EXPECT_EQ(c["readinessProbe"]["periodSeconds"], 5);
  EXPECT_EQ(pod["spec"]["initContainers"][0]["imagePullPolicy"], "IfNotPresent");
  // A toleration of every taint already covers not-ready and unreachable.
  EXPECT_EQ(pod["spec"]["tolerations"].size(), 1u);
  EXPECT_EQ(pod["spec"]["volumes"][0]["configMap"]["defaultMode"], 420);
  EXPECT_EQ(pod["spec"]["volumes"][1]["emptyDir"], json::object());
  EXPECT_EQ(pod["spec"]["volumes"][2]["secret"]["defaultMode"], 256);
}

TEST(DefaultsTest, PullPolicy) {
  const Kind* k = FindByKind("", "v1", "Pod");
  ASSERT_NE(k, nullptr);
  for (auto [image, want] : std::vector<std::pair<const char*, const char*>>{
           {"nginx", "Always"},
           {"nginx:latest", "Always"},
           {"nginx:1.25", "IfNotPresent"},
           {"localhost:5000/app", "Always"},
           {"localhost:5000/app:v1", "IfNotPresent"},
           {"app@sha256:0123", "IfNotPresent"}}) {
    json pod = {{"spec", {{"containers", {{{"name", "c"}, {"image", image}}}}}}};
    ApplyDefaults(*k, pod);
    EXPECT_EQ(pod["spec"]["containers"][0]["imagePullPolicy"], want) << image;
  }
  // No image: still defaulted, so validation reports only the missing image.
  json pod = {{"spec", {{"containers", {{{"name", "c"}}}}}}};
  ApplyDefaults(*k, pod);
  EXPECT_EQ(pod["spec"]["containers"][0]["imagePullPolicy"], "IfNotPresent");
}

TEST(DefaultsTest, ServiceAsKubectlCreateShowsIt) {
  json svc = Defaulted("", "Service", json::parse(R"({"metadata": {"name": "foo"},
    "spec": {"ports": [{"name": "80-8080", "port": 80, "targetPort": 8080}, {"name": "dns", "port": 53}],
             "selector": {"app": "foo"}}})"));
  json want = json::parse(R"({
    "internalTrafficPolicy": "Cluster", "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
    "ports": [{"name": "80-8080", "port": 80, "protocol": "TCP", "targetPort": 8080},
              {"name": "dns", "port": 53, "protocol": "TCP", "targetPort": 53}],
    "selector": {"app": "foo"}, "sessionAffinity": "None", "type": "ClusterIP"})");
  EXPECT_EQ(svc["spec"], want) << svc["spec"].dump(2);
}

TEST(DefaultsTest, ServiceTypes) {
  json lb = Defaulted("", "Service", json::parse(R"({"spec": {"type": "LoadBalancer", "sessionAffinity": "ClientIP",
      "clusterIP": "10.96.0.20", "ports": [{"port": 80, "targetPort": "http"}]}})"));
  EXPECT_EQ(lb["spec"]["externalTrafficPolicy"], "Cluster");
  EXPECT_EQ(lb["spec"]["allocateLoadBalancerNodePorts"], true);
  EXPECT_EQ(lb["spec"]["sessionAffinityConfig"]["clientIP"]["timeoutSeconds"], 10800);
  EXPECT_EQ(lb["spec"]["ports"][0]["targetPort"], "http");
  EXPECT_EQ(lb["spec"]["clusterIPs"], json::array({"10.96.0.20"}));

  json ext = Defaulted("", "Service", json::parse(R"({"spec": {"type": "ExternalName", "externalName": "x.io"}})"));
  EXPECT_FALSE(ext["spec"].contains("internalTrafficPolicy"));
  EXPECT_FALSE(ext["spec"].contains("ipFamilies"));
  EXPECT_FALSE(ext["spec"].contains("externalTrafficPolicy"));
  EXPECT_EQ(ext["spec"]["sessionAffinity"], "None");
}

TEST(DefaultsTest, DeploymentAsKubectlCreateShowsIt) {
  json d = Defaulted("apps", "Deployment", json::parse(R"({"metadata": {"name": "web"},
    "spec": {"selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}]}}}})"));
  json want = json::parse(R"({
    "progressDeadlineSeconds": 600, "replicas": 1, "revisionHistoryLimit": 10,
    "selector": {"matchLabels": {"app": "web"}},
    "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}, "type": "RollingUpdate"},
    "template": {"metadata": {"labels": {"app": "web"}}, "spec": {
      "containers": [{"image": "nginx:1.25", "imagePullPolicy": "IfNotPresent", "name": "nginx", "resources": {},
                      "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}],
      "dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "schedulerName": "default-scheduler",
      "securityContext": {}, "terminationGracePeriodSeconds": 30}}})");
  EXPECT_EQ(d["spec"], want) << d["spec"].dump(2);
}

TEST(DefaultsTest, RecreateDeploymentGetsNoRollingUpdate) {
  json d = Defaulted("apps", "Deployment", json::parse(R"({"spec": {"replicas": 0, "strategy": {"type": "Recreate"}}})"));
  EXPECT_EQ(d["spec"]["replicas"], 0);
  EXPECT_FALSE(d["spec"]["strategy"].contains("rollingUpdate"));
}

TEST(DefaultsTest, ReplicaSetAndDaemonSet) {
  json rs = Defaulted("apps", "ReplicaSet", json::parse(R"({"spec": {}})"));
  EXPECT_EQ(rs["spec"]["replicas"], 1);
  json ds = Defaulted("apps", "DaemonSet", json::parse(R"({"spec": {"template": {"spec": {}}}})"));
  EXPECT_EQ(ds["spec"]["updateStrategy"],
            json::parse(R"({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}})"));
  EXPECT_EQ(ds["spec"]["revisionHistoryLimit"], 10);
  EXPECT_EQ(ds["spec"]["template"]["spec"]["dnsPolicy"], "ClusterFirst");
  EXPECT_FALSE(ds["spec"]["template"]["spec"].contains("serviceAccountName"));
}

TEST(DefaultsTest, Namespace) {
  json ns = Defaulted("", "Namespace", json::parse(R"({"metadata": {"name": "dev"}})"));
  EXPECT_EQ(ns["metadata"]["labels"]["kubernetes.io/metadata.name"], "dev");
  EXPECT_FALSE(ns.contains("spec") && ns["spec"].contains("finalizers"));  // added on create only
  EXPECT_EQ(ns["status"]["phase"], "Active");
}

TEST(DefaultsTest, SecretEndpointsSliceNetworkPolicyIngressClass) {
  EXPECT_EQ(Defaulted("", "Secret", json::object())["type"], "Opaque");
  EXPECT_EQ(Defaulted("", "Secret", {{"type", "kubernetes.io/tls"}})["type"], "kubernetes.io/tls");
  json ep = Defaulted("", "Endpoints", json::parse(R"({"subsets": [{"ports": [{"port": 80}]}]})"));
  EXPECT_EQ(ep["subsets"][0]["ports"][0]["protocol"], "TCP");
  json slice = Defaulted("discovery.k8s.io", "EndpointSlice", json::parse(R"({"ports": [{"port": 80}]})"));
  EXPECT_EQ(slice["ports"][0], json::parse(R"({"name": "", "port": 80, "protocol": "TCP"})"));

  json np = Defaulted("networking.k8s.io", "NetworkPolicy", json::parse(R"({"spec": {"podSelector": {},
      "ingress": [{"ports": [{"port": 80}]}]}})"));
  EXPECT_EQ(np["spec"]["policyTypes"], json::array({"Ingress"}));
  EXPECT_EQ(np["spec"]["ingress"][0]["ports"][0]["protocol"], "TCP");
  json np2 = Defaulted("networking.k8s.io", "NetworkPolicy",
                       json::parse(R"({"spec": {"podSelector": {}, "egress": [{}]}})"));
  EXPECT_EQ(np2["spec"]["policyTypes"], json::array({"Ingress", "Egress"}));

  json ic = Defaulted("networking.k8s.io", "IngressClass",
                      json::parse(R"({"spec": {"controller": "a.io/b", "parameters": {"kind": "K", "name": "n"}}})"));
  EXPECT_EQ(ic["spec"]["parameters"]["scope"], "Cluster");
}

TEST(DefaultsTest, WrongTypesNeverThrow) {
  for (const auto& k : AllKinds()) {
    json obj = json::parse(R"({"spec": "x", "metadata": 3, "subsets": 1, "ports": {"a": 1}})");
    ApplyDefaults(k, obj);
    json odd = json::parse(R"({"spec": {"containers": "x", "ports": [1, "a"], "template": 5, "strategy": []}})");
    ApplyDefaults(k, odd);
  }
}

}  // namespace
}  // namespace netkube::api
