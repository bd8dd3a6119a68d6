#include "cluster/manifest.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "apiserver/decode.h"

namespace netkube::cluster {
namespace {

TEST(ManifestTest, YamlScalarsBecomeJsonTypes) {
  auto docs = apiserver::YamlDocumentsToJson(R"(
a: 1
b: "1"
c: true
d: 'false'
e: ~
f: 1.5
g: text
h: [x, 2]
---
---
second: {}
)");
  ASSERT_TRUE(docs.ok()) << docs.status().message();
  ASSERT_EQ(docs->size(), 2u);
  const auto& d = (*docs)[0];
  EXPECT_EQ(d["a"], 1);
  EXPECT_EQ(d["b"], "1");
  EXPECT_EQ(d["c"], true);
  EXPECT_EQ(d["d"], "false");
  EXPECT_TRUE(d["e"].is_null());
  EXPECT_EQ(d["f"], 1.5);
  EXPECT_EQ(d["g"], "text");
  EXPECT_EQ(d["h"][1], 2);
  EXPECT_TRUE((*docs)[1]["second"].is_object());
  EXPECT_FALSE(apiserver::YamlDocumentsToJson("a: [").ok());
}

TEST(ManifestTest, CniManifestShape) {
  auto objects = CniObjects("netkube");
  ASSERT_TRUE(objects.ok()) << objects.status().message();
  ASSERT_EQ(objects->size(), 2u);
  EXPECT_EQ((*objects)[0]["kind"], "ServiceAccount");
  const auto& ds = (*objects)[1];
  EXPECT_EQ(ds["kind"], "DaemonSet");
  EXPECT_EQ(ds["metadata"]["namespace"], "kube-system");
  EXPECT_EQ(ds["metadata"]["name"], "netkube-cni");
  const auto& spec = ds["spec"]["template"]["spec"];
  EXPECT_EQ(spec["hostNetwork"], true);
  EXPECT_EQ(spec["tolerations"][0]["operator"], "Exists");
  EXPECT_FALSE(spec.contains("priorityClassName"));
  EXPECT_EQ(spec["containers"][0]["image"], "netkube/cni");
  EXPECT_EQ(spec["containers"][0]["args"], nlohmann::json({"--plugin", "netkube"}));
  std::vector<std::string> paths;
  for (const auto& v : spec["volumes"]) paths.push_back(v["hostPath"]["path"]);
  EXPECT_EQ(paths, (std::vector<std::string>{"/etc/cni/net.d", "/opt/cni/bin", "/run/netkube"}));

  auto bridge = CniObjects("bridge");
  ASSERT_TRUE(bridge.ok());
  EXPECT_EQ((*bridge)[1]["spec"]["template"]["spec"]["containers"][0]["args"],
            nlohmann::json({"--plugin", "reference"}));
}

TEST(ManifestTest, CoreDnsManifestShape) {
  auto objects = CoreDnsObjects("10.100.0.10");
  ASSERT_TRUE(objects.ok()) << objects.status().message();
  std::vector<std::string> kinds;
  for (const auto& o : *objects) {
    kinds.push_back(o["kind"]);
    EXPECT_EQ(o["metadata"]["namespace"], "kube-system");
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"ServiceAccount", "ConfigMap", "Deployment", "Service"}));
  std::string corefile = (*objects)[1]["data"]["Corefile"];
  EXPECT_NE(corefile.find("kubernetes cluster.local in-addr.arpa ip6.arpa {"), std::string::npos);
  EXPECT_NE(corefile.find("forward . /etc/resolv.conf"), std::string::npos);
  const auto& deploy = (*objects)[2];
  EXPECT_EQ(deploy["metadata"]["name"], "coredns");
  EXPECT_EQ(deploy["spec"]["replicas"], 2);
  const auto& pod = deploy["spec"]["template"]["spec"];
  EXPECT_EQ(pod["dnsPolicy"], "Default");
  EXPECT_EQ(pod["containers"][0]["args"], nlohmann::json({"-conf", "/etc/coredns/Corefile"}));
  EXPECT_EQ(pod["volumes"][0]["configMap"]["name"], "coredns");
  const auto& svc = (*objects)[3];
  EXPECT_EQ(svc["metadata"]["name"], "kube-dns");
  EXPECT_EQ(svc["spec"]["clusterIP"], "10.100.0.10");
  std::vector<std::string> ports;
  for (const auto& p : svc["spec"]["ports"]) ports.push_back(std::string(p["name"]) + "/" + std::string(p["protocol"]));
  EXPECT_EQ(ports, (std::vector<std::string>{"dns/UDP", "dns-tcp/TCP", "metrics/TCP"}));
}

TEST(ManifestTest, IngressManifestShape) {
  auto objects = IngressObjects();
  ASSERT_TRUE(objects.ok()) << objects.status().message();
  std::vector<std::string> kinds;
  for (const auto& o : *objects) kinds.push_back(o["kind"]);
  // The Namespace first: ApplyObjects creates in order.
  EXPECT_EQ(kinds, (std::vector<std::string>{"Namespace", "ServiceAccount", "ConfigMap", "Service", "Deployment",
                                             "IngressClass"}));
  for (const auto& o : *objects) {
    EXPECT_NE(o["kind"], "Role");  // no RBAC kinds, no webhook
    if (o["kind"] == "Namespace" || o["kind"] == "IngressClass") {
      EXPECT_FALSE(o["metadata"].contains("namespace"));
    } else {
      EXPECT_EQ(o["metadata"]["namespace"], "ingress-nginx") << o["kind"];
    }
  }
  const auto& ns = (*objects)[0];
  EXPECT_EQ(ns["metadata"]["name"], "ingress-nginx");
  EXPECT_EQ(ns["metadata"]["labels"]["app.kubernetes.io/name"], "ingress-nginx");
  EXPECT_EQ(ns["metadata"]["labels"]["app.kubernetes.io/instance"], "ingress-nginx");
  EXPECT_EQ((*objects)[1]["metadata"]["name"], "ingress-nginx");
  EXPECT_EQ((*objects)[2]["metadata"]["name"], "ingress-nginx-controller");

  const auto& svc = (*objects)[3];
  EXPECT_EQ(svc["metadata"]["name"], "ingress-nginx-controller");
  EXPECT_EQ(svc["spec"]["type"], "LoadBalancer");
  std::vector<std::string> ports;
  for (const auto& p : svc["spec"]["ports"])
    ports.push_back(std::string(p["name"]) + ":" + std::to_string(int(p["port"])) + "->" +
                    std::string(p["targetPort"]) + "/" + std::string(p["appProtocol"]));
  EXPECT_EQ(ports, (std::vector<std::string>{"http:80->http/http", "https:443->https/https"}));

  const auto& deploy = (*objects)[4];
  EXPECT_EQ(deploy["metadata"]["name"], "ingress-nginx-controller");
  EXPECT_EQ(deploy["metadata"]["labels"]["app.kubernetes.io/component"], "controller");
  EXPECT_EQ(deploy["spec"]["replicas"], 1);
  const auto& tmpl = deploy["spec"]["template"];
  for (const char* l : {"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component"}) {
    EXPECT_EQ(deploy["spec"]["selector"]["matchLabels"][l], tmpl["metadata"]["labels"][l]) << l;
    EXPECT_EQ(svc["spec"]["selector"][l], tmpl["metadata"]["labels"][l]) << l;
  }
  const auto& pod = tmpl["spec"];
  EXPECT_EQ(pod["serviceAccountName"], "ingress-nginx");
  EXPECT_EQ(pod["nodeSelector"]["node-role.kubernetes.io/control-plane"], "");
  EXPECT_EQ(pod["tolerations"][0]["key"], "node-role.kubernetes.io/control-plane");
  const auto& c = pod["containers"][0];
  EXPECT_EQ(std::string(c["image"]).rfind("registry.k8s.io/ingress-nginx/controller:", 0), 0u);
  EXPECT_EQ(c["args"][0], "/nginx-ingress-controller");
  std::vector<std::string> args(c["args"].begin(), c["args"].end());
  for (const char* want : {"--publish-service=$(POD_NAMESPACE)/ingress-nginx-controller",
                           "--election-id=ingress-nginx-leader", "--controller-class=k8s.io/ingress-nginx",
                           "--ingress-class=nginx", "--configmap=$(POD_NAMESPACE)/ingress-nginx-controller"})
    EXPECT_NE(std::find(args.begin(), args.end(), want), args.end()) << want;
  EXPECT_EQ(c["env"][0]["name"], "POD_NAME");
  EXPECT_EQ(c["env"][0]["valueFrom"]["fieldRef"]["fieldPath"], "metadata.name");
  EXPECT_EQ(c["env"][1]["name"], "POD_NAMESPACE");
  EXPECT_EQ(c["env"][1]["valueFrom"]["fieldRef"]["fieldPath"], "metadata.namespace");
  std::vector<std::string> cports;
  for (const auto& p : c["ports"])
    cports.push_back(std::string(p["name"]) + ":" + std::to_string(int(p["containerPort"])) + ":" +
                     std::to_string(int(p["hostPort"])));
  EXPECT_EQ(cports, (std::vector<std::string>{"http:80:80", "https:443:443"}));
  for (const char* probe : {"readinessProbe", "livenessProbe"}) {
    EXPECT_EQ(c[probe]["httpGet"]["path"], "/healthz") << probe;
    EXPECT_EQ(c[probe]["httpGet"]["port"], 10254) << probe;
  }
  EXPECT_EQ(c["readinessProbe"]["initialDelaySeconds"], 0);  // `netkube up` waits for Ready

  const auto& ic = (*objects)[5];
  EXPECT_EQ(ic["metadata"]["name"], "nginx");
  EXPECT_EQ(ic["spec"]["controller"], "k8s.io/ingress-nginx");
  EXPECT_EQ(ic["metadata"]["annotations"]["ingressclass.kubernetes.io/is-default-class"], "true");
}

}  // namespace
}  // namespace netkube::cluster
