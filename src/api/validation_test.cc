// Validation of representative objects: field paths and messages as
// kube-apiserver 1.33 words them, and the 422 Status built from them.
#include "api/validation.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/defaults.h"
#include "api/kinds.h"

namespace netkube::api {
namespace {

using nlohmann::json;

const Kind& K(const char* group, const char* kind) {
  const Kind* k = FindByKind(group, "v1", kind);
  EXPECT_NE(k, nullptr) << kind;
  return *k;
}

// Defaults `obj` then validates it (as the server does), returning
// "field: message" lines.
std::vector<std::string> Check(const Kind& k, json obj, const json* old = nullptr) {
  ApplyDefaults(k, obj);
  std::vector<std::string> out;
  for (const auto& c : Validate(k, obj, old)) out.push_back(c.field + ": " + c.message);
  return out;
}

json DefaultedCopy(const Kind& k, json obj) {
  ApplyDefaults(k, obj);
  return obj;
}

const char* kLabel1035 =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation "
    "is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const char* kLabel1123 =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end "
    "with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const char* kSubdomain1123 =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
    "and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

json ValidPod() {
  return json::parse(R"({"apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
    "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80, "name": "http"}],
      "readinessProbe": {"httpGet": {"port": "http"}}, "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
      "volumes": [{"name": "data", "emptyDir": {}}]}})");
}

json ValidService() {
  return json::parse(R"({"metadata": {"name": "foo", "namespace": "default"},
    "spec": {"selector": {"app": "foo"}, "ports": [{"port": 80, "targetPort": 8080}]}})");
}

json ValidDeployment() {
  return json::parse(R"({"metadata": {"name": "web", "namespace": "default"},
    "spec": {"selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}})");
}

TEST(ValidationTest, ValidObjectsPass) {
  EXPECT_EQ(Check(K("", "Pod"), ValidPod()), std::vector<std::string>{});
  EXPECT_EQ(Check(K("", "Service"), ValidService()), std::vector<std::string>{});
  EXPECT_EQ(Check(K("apps", "Deployment"), ValidDeployment()), std::vector<std::string>{});
  json rs = ValidDeployment();
  EXPECT_EQ(Check(K("apps", "ReplicaSet"), rs), std::vector<std::string>{});
  EXPECT_EQ(Check(K("apps", "DaemonSet"), rs), std::vector<std::string>{});
  EXPECT_EQ(Check(K("", "Namespace"), json::parse(R"({"metadata": {"name": "dev"}})")), std::vector<std::string>{});
  EXPECT_EQ(Check(K("", "ConfigMap"), json::parse(R"({"metadata": {"name": "c", "namespace": "d"},
      "data": {"game.properties": "x", "UI_MODE": "dark"}})")), std::vector<std::string>{});
  EXPECT_EQ(Check(K("", "Secret"), json::parse(R"({"metadata": {"name": "s", "namespace": "d"},
      "type": "kubernetes.io/tls", "data": {"tls.crt": "Zm9v", "tls.key": "YmFy"}})")), std::vector<std::string>{});
  EXPECT_EQ(Check(K("networking.k8s.io", "Ingress"), json::parse(R"({"metadata": {"name": "i", "namespace": "d"},
      "spec": {"ingressClassName": "nginx", "rules": [{"host": "*.example.com", "http": {"paths": [
        {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}})")),
            std::vector<std::string>{});
  EXPECT_EQ(Check(K("networking.k8s.io", "NetworkPolicy"), json::parse(R"({"metadata": {"name": "n", "namespace": "d"},
      "spec": {"podSelector": {"matchLabels": {"app": "db"}}, "ingress": [{"from": [
        {"ipBlock": {"cidr": "172.17.0.0/16", "except": ["172.17.1.0/24"]}},
        {"namespaceSelector": {"matchLabels": {"team": "a"}}, "podSelector": {}}],
        "ports": [{"port": 5432}, {"port": "dns", "protocol": "UDP"}]}]}})")), std::vector<std::string>{});
  EXPECT_EQ(Check(K("discovery.k8s.io", "EndpointSlice"), json::parse(R"({"metadata": {"name": "e", "namespace": "d"},
      "addressType": "IPv4", "endpoints": [{"addresses": ["10.244.1.5"], "conditions": {"ready": true}}],
      "ports": [{"name": "http", "port": 80}]})")), std::vector<std::string>{});
  EXPECT_EQ(Check(K("", "Endpoints"), json::parse(R"({"metadata": {"name": "e", "namespace": "d"},
      "subsets": [{"addresses": [{"ip": "10.244.1.5"}], "ports": [{"port": 80}]}]})")), std::vector<std::string>{});
  EXPECT_EQ(Check(K("coordination.k8s.io", "Lease"), json::parse(R"({"metadata": {"name": "l", "namespace": "d"},
      "spec": {"holderIdentity": "x", "leaseDurationSeconds": 40}})")), std::vector<std::string>{});
  EXPECT_EQ(Check(K("", "Node"), json::parse(R"({"metadata": {"name": "kind-worker"},
      "spec": {"podCIDR": "10.244.1.0/24", "podCIDRs": ["10.244.1.0/24"]}})")), std::vector<std::string>{});
  EXPECT_EQ(Check(K("networking.k8s.io", "IngressClass"), json::parse(R"({"metadata": {"name": "nginx"},
      "spec": {"controller": "k8s.io/ingress-nginx"}})")), std::vector<std::string>{});
}

TEST(ValidationTest, ServicePortOutOfRange) {
  json svc = ValidService();
  svc["spec"]["ports"][0]["port"] = 0;
  auto causes = Validate(K("", "Service"), DefaultedCopy(K("", "Service"), svc), nullptr);
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_EQ(causes[0].type, "FieldValueInvalid");
  EXPECT_EQ(causes[0].field, "spec.ports[0].port");
  EXPECT_EQ(causes[0].message, "Invalid value: 0: must be between 1 and 65535, inclusive");
  Status s = InvalidStatus(K("", "Service"), "foo", causes);
  EXPECT_EQ(s.reason(), Reason::kInvalid);
  EXPECT_EQ(s.HttpCode(), 422);
  EXPECT_EQ(s.message(),
            "Service \"foo\" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive");
  EXPECT_EQ(s.details_kind(), "Service");
  EXPECT_EQ(s.details_group(), "");
  EXPECT_EQ(s.details_name(), "foo");
  EXPECT_EQ(s.causes().size(), 1u);
}

TEST(ValidationTest, ServiceErrors) {
  json svc = json::parse(R"({"metadata": {"name": "Foo", "namespace": "default"},
    "spec": {"type": "Magic", "sessionAffinity": "Sticky",
             "ports": [{"port": 80, "protocol": "HTTP"}, {"name": "a", "port": 80, "targetPort": "--x"}]}})");
  EXPECT_EQ(Check(K("", "Service"), svc), (std::vector<std::string>{
      std::string("metadata.name: Invalid value: \"Foo\": ") + kLabel1035,
      "spec.ports[0].name: Required value",
      "spec.ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
      "spec.ports[1].targetPort: Invalid value: \"--x\": must not contain consecutive hyphens",
      "spec.ports[1].targetPort: Invalid value: \"--x\": must not begin or end with a hyphen",
      "spec.sessionAffinity: Unsupported value: \"Sticky\": supported values: \"ClientIP\", \"None\"",
      "spec.type: Unsupported value: \"Magic\": supported values: \"ClusterIP\", \"ExternalName\", "
      "\"LoadBalancer\", \"NodePort\"",
  }));
}

TEST(ValidationTest, ServiceDuplicatePortAndExternalName) {
  json svc = ValidService();
  svc["spec"]["ports"] = json::parse(R"([{"name": "a", "port": 80}, {"name": "a", "port": 80}])");
  EXPECT_EQ(Check(K("", "Service"), svc), (std::vector<std::string>{
      "spec.ports[1].name: Duplicate value: \"a\"",
      "spec.ports[1]: Duplicate value: core.ServicePort{Name:\"\", Protocol:\"TCP\", AppProtocol:(*string)(nil), "
      "Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}"}));

  json ext = json::parse(R"({"metadata": {"name": "db", "namespace": "default"}, "spec": {"type": "ExternalName"}})");
  EXPECT_EQ(Check(K("", "Service"), ext), std::vector<std::string>{"spec.externalName: Required value"});
  ext["spec"]["externalName"] = "db.example.com.";
  EXPECT_EQ(Check(K("", "Service"), ext), std::vector<std::string>{});

  json headless = ValidService();
  headless["spec"]["clusterIP"] = "None";
  headless["spec"].erase("ports");
  EXPECT_EQ(Check(K("", "Service"), headless), std::vector<std::string>{});
  headless["spec"].erase("clusterIP");
  EXPECT_EQ(Check(K("", "Service"), headless), std::vector<std::string>{"spec.ports: Required value"});

  json etp = ValidService();
  etp["spec"]["externalTrafficPolicy"] = "Local";
  EXPECT_EQ(Check(K("", "Service"), etp),
            std::vector<std::string>{
                "spec.externalTrafficPolicy: Invalid value: \"Local\": may only be set for externally-accessible "
                "services"});
}

TEST(ValidationTest, ServiceClusterIPImmutable) {
  const Kind& k = K("", "Service");
  json old = DefaultedCopy(k, ValidService());
  old["spec"]["clusterIP"] = "10.96.0.15";
  old["spec"]["clusterIPs"] = {"10.96.0.15"};
  old["metadata"]["resourceVersion"] = "5";
  json now = old;
  now["spec"]["clusterIP"] = "10.96.0.16";
  now["spec"]["clusterIPs"] = {"10.96.0.16"};
  EXPECT_EQ(Check(k, now, &old), std::vector<std::string>{
      "spec.clusterIPs[0]: Invalid value: []string{\"10.96.0.16\"}: may not change once set"});
  json same = old;
  same["spec"]["ports"][0]["port"] = 81;
  EXPECT_EQ(Check(k, same, &old), std::vector<std::string>{});
}

TEST(ValidationTest, MetadataErrors) {
  json cm = json::parse(R"({"metadata": {"labels": {"app/x/y": "ok", "tier": "-bad-"},
      "annotations": {"Example.com/Ok": "v", "bad key": "v"}}, "data": {"bad key": "x", "..x": "y"}})");
  EXPECT_EQ(Check(K("", "ConfigMap"), cm), (std::vector<std::string>{
      "metadata.name: Required value: name or generateName is required",
      "metadata.namespace: Required value",
      "metadata.labels: Invalid value: \"app/x/y\": a qualified name must consist of alphanumeric characters, '-', "
      "'_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
      "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS "
      "subdomain prefix and '/' (e.g. 'example.com/MyName')",
      "metadata.labels: Invalid value: \"-bad-\": a valid label must be an empty string or consist of alphanumeric "
      "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
      "'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      "metadata.annotations: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', "
      "'_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
      "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      "data[..x]: Invalid value: \"..x\": must not start with '..'",
      "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, "
      "'-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
      "'[-._a-zA-Z0-9]+')",
  }));
}

TEST(ValidationTest, NamesPerKind) {
  EXPECT_EQ(Check(K("", "Namespace"), json::parse(R"({"metadata": {"name": "my.ns"}})")),
            std::vector<std::string>{"metadata.name: Invalid value: \"my.ns\": must not contain dots"});
  EXPECT_EQ(Check(K("", "Namespace"), json::parse(R"({"metadata": {"name": "My_NS"}})")),
            std::vector<std::string>{std::string("metadata.name: Invalid value: \"My_NS\": ") + kLabel1123});
  EXPECT_EQ(Check(K("", "ConfigMap"), json::parse(R"({"metadata": {"name": "Cfg", "namespace": "d"}})")),
            std::vector<std::string>{std::string("metadata.name: Invalid value: \"Cfg\": ") + kSubdomain1123});
  // Dots are fine in subdomain names, and a generateName prefix may end in '-'.
  EXPECT_EQ(Check(K("", "ConfigMap"), json::parse(R"({"metadata": {"name": "a.b", "generateName": "a-",
      "namespace": "d"}})")), std::vector<std::string>{});
  std::string long_name(64, 'a');
  EXPECT_EQ(Check(K("", "Service"), {{"metadata", {{"name", long_name}, {"namespace", "d"}}},
                                     {"spec", {{"ports", {{{"port", 80}}}}}}}),
            std::vector<std::string>{"metadata.name: Invalid value: \"" + long_name +
                                     "\": must be no more than 63 characters"});
  EXPECT_EQ(Check(K("", "Node"), json::parse(R"({"metadata": {"name": "n", "namespace": "d"}})")),
            std::vector<std::string>{"metadata.namespace: Forbidden: not allowed on this type"});
}

TEST(ValidationTest, PodSpecErrors) {
  json pod = json::parse(R"({"metadata": {"name": "p", "namespace": "default"}, "spec": {
    "restartPolicy": "Sometimes", "dnsPolicy": "Cluster",
    "containers": [
      {"name": "Web", "image": "", "ports": [{"containerPort": 70000, "protocol": "ICMP", "name": "http_port"}],
       "volumeMounts": [{"name": "missing", "mountPath": "/m"}], "imagePullPolicy": "Sometimes"},
      {"name": "Web", "image": "x", "livenessProbe": {"exec": {"command": ["true"]}, "successThreshold": 2}}],
    "volumes": [{"name": "v1"}, {"name": "v1", "configMap": {"name": "c", "defaultMode": 1000}}]}})");
  EXPECT_EQ(Check(K("", "Pod"), pod), (std::vector<std::string>{
      "spec.volumes[1].configMap.defaultMode: Invalid value: 1000: must be a number between 0 and 0777 (octal), "
      "both inclusive",
      "spec.volumes[1].name: Duplicate value: \"v1\"",
      std::string("spec.containers[0].name: Invalid value: \"Web\": ") + kLabel1123,
      "spec.containers[0].image: Required value",
      "spec.containers[0].ports[0].name: Invalid value: \"http_port\": must contain only alpha-numeric characters "
      "(a-z, 0-9), and hyphens (-)",
      "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
      "spec.containers[0].ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", "
      "\"UDP\"",
      "spec.containers[0].volumeMounts[0].name: Not found: \"missing\"",
      "spec.containers[0].imagePullPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", "
      "\"IfNotPresent\", \"Never\"",
      std::string("spec.containers[1].name: Invalid value: \"Web\": ") + kLabel1123,
      "spec.containers[1].name: Duplicate value: \"Web\"",
      "spec.containers[1].livenessProbe.successThreshold: Invalid value: 2: must be 1",
      "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"",
      "spec.dnsPolicy: Unsupported value: \"Cluster\": supported values: \"ClusterFirstWithHostNet\", "
      "\"ClusterFirst\", \"Default\", \"None\"",
  }));
  json empty = json::parse(R"({"metadata": {"name": "p", "namespace": "default"}, "spec": {}})");
  EXPECT_EQ(Check(K("", "Pod"), empty), std::vector<std::string>{"spec.containers: Required value"});
}

TEST(ValidationTest, PodUpdateRules) {
  const Kind& k = K("", "Pod");
  json old = DefaultedCopy(k, ValidPod());
  old["metadata"]["resourceVersion"] = "7";
  old["metadata"]["uid"] = "u1";
  old["spec"]["nodeName"] = "kind-worker";

  json image = old;
  image["spec"]["containers"][0]["image"] = "nginx:1.26";
  image["metadata"]["labels"]["tier"] = "web";
  EXPECT_EQ(Check(k, image, &old), std::vector<std::string>{});

  json ports = old;
  ports["spec"]["containers"][0]["ports"][0]["containerPort"] = 8080;
  auto got = Check(k, ports, &old);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].rfind("spec: Forbidden: pod updates may not change fields other than "
                         "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
                         "`spec.tolerations` (only additions to existing tolerations),"
                         "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously "
                         "negative)\n",
                         0),
            0u)
      << got[0];

  json more = old;
  more["spec"]["containers"].push_back({{"name", "side"}, {"image", "busybox"}});
  EXPECT_EQ(Check(k, more, &old),
            std::vector<std::string>{"spec.containers: Forbidden: pod updates may not add or remove containers"});

  json renamed = old;
  renamed["metadata"]["name"] = "other";
  EXPECT_EQ(Check(k, renamed, &old),
            std::vector<std::string>{"metadata.name: Invalid value: \"other\": field is immutable"});
}

TEST(ValidationTest, DeploymentSelector) {
  const Kind& k = K("apps", "Deployment");
  json d = ValidDeployment();
  d["spec"]["template"]["metadata"]["labels"]["app"] = "other";
  auto causes = Validate(k, DefaultedCopy(k, d), nullptr);
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_EQ(causes[0].field, "spec.template.metadata.labels");
  Status s = InvalidStatus(k, "web", causes);
  EXPECT_EQ(s.message(),
            "Deployment.apps \"web\" is invalid: spec.template.metadata.labels: Invalid value: "
            "map[string]string{\"app\":\"other\"}: `selector` does not match template `labels`");
  EXPECT_EQ(s.details_kind(), "Deployment");
  EXPECT_EQ(s.details_group(), "apps");

  json none = ValidDeployment();
  none["spec"].erase("selector");
  EXPECT_EQ(Check(k, none), (std::vector<std::string>{
      "spec.selector: Required value",
      "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match "
      "template `labels`"}));

  json empty = ValidDeployment();
  empty["spec"]["selector"] = json::object();
  EXPECT_EQ(Check(k, empty), std::vector<std::string>{
      "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
      "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment"});

  json old = DefaultedCopy(k, ValidDeployment());
  json changed = old;
  changed["spec"]["selector"]["matchLabels"]["tier"] = "fe";
  changed["spec"]["template"]["metadata"]["labels"]["tier"] = "fe";
  EXPECT_EQ(Check(k, changed, &old), std::vector<std::string>{
      "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web\", \"tier\":\"fe\"}, "
      "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"});
}

TEST(ValidationTest, DeploymentSpecErrors) {
  json d = ValidDeployment();
  d["spec"]["replicas"] = -1;
  d["spec"]["strategy"] = {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxUnavailable", 0}, {"maxSurge", "0%"}}}};
  d["spec"]["template"]["spec"]["restartPolicy"] = "Never";
  d["spec"]["selector"]["matchExpressions"] = json::parse(R"([{"key": "env", "operator": "In"}])");
  EXPECT_EQ(Check(K("apps", "Deployment"), d), (std::vector<std::string>{
      "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or "
      "'NotIn'",
      "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web\"}, "
      "MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:\"env\", Operator:\"In\", "
      "Values:[]string(nil)}}}: invalid label selector",
      "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}: "
      "may not be 0 when `maxSurge` is 0",
  }));
  json r = ValidDeployment();
  r["spec"]["template"]["spec"]["restartPolicy"] = "Never";
  EXPECT_EQ(Check(K("apps", "Deployment"), r), std::vector<std::string>{
      "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\""});
}

TEST(ValidationTest, IngressPaths) {
  json ing = json::parse(R"({"metadata": {"name": "i", "namespace": "d"}, "spec": {"rules": [
    {"host": "10.0.0.1", "http": {"paths": [
      {"path": "/a", "backend": {"service": {"name": "web", "port": {"number": 80}}}},
      {"path": "api", "pathType": "Prefix", "backend": {"service": {"name": "web"}}},
      {"path": "/x", "pathType": "Regex", "backend": {"service": {"name": "Web", "port": {"name": "http"}}}}]}},
    {"host": "a.io", "http": {"paths": []}}]}})");
  EXPECT_EQ(Check(K("networking.k8s.io", "Ingress"), ing), (std::vector<std::string>{
      "spec.rules[0].host: Invalid value: \"10.0.0.1\": must be a DNS name, not an IP address",
      "spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified",
      "spec.rules[0].http.paths[1].path: Invalid value: \"api\": must be an absolute path",
      "spec.rules[0].http.paths[1].backend: Required value: port name or number is required",
      "spec.rules[0].http.paths[2].pathType: Unsupported value: \"Regex\": supported values: \"Exact\", "
      "\"ImplementationSpecific\", \"Prefix\"",
      std::string("spec.rules[0].http.paths[2].backend.service.name: Invalid value: \"Web\": ") + kLabel1035,
      "spec.rules[1].http.paths: Required value",
  }));
  json none = json::parse(R"({"metadata": {"name": "i", "namespace": "d"}, "spec": {}})");
  EXPECT_EQ(Check(K("networking.k8s.io", "Ingress"), none), std::vector<std::string>{
      "spec.rules: Invalid value: \"null\": either `defaultBackend` or `rules` must be specified"});
}

TEST(ValidationTest, NetworkPolicyAndEndpointSlice) {
  json np = json::parse(R"({"metadata": {"name": "n", "namespace": "d"}, "spec": {"podSelector": {},
    "ingress": [{"from": [{}, {"ipBlock": {"cidr": "10.0.0.0/16", "except": ["10.1.0.0/24"]}, "podSelector": {}}],
                 "ports": [{"port": 0, "protocol": "ICMP"}]}],
    "policyTypes": ["Ingress", "Both"]}})");
  EXPECT_EQ(Check(K("networking.k8s.io", "NetworkPolicy"), np), (std::vector<std::string>{
      "spec.ingress[0].ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"TCP\", \"UDP\", \"SCTP\"",
      "spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
      "spec.ingress[0].from[0]: Required value: must specify a peer",
      "spec.ingress[0].from[1].ipBlock.except[0]: Invalid value: \"10.1.0.0/24\": must be a strict subset of `cidr`",
      "spec.ingress[0].from[1]: Forbidden: may not specify both ipBlock and another peer",
      "spec.policyTypes[1]: Unsupported value: \"Both\": supported values: \"Ingress\", \"Egress\"",
  }));
  json slice = json::parse(R"({"metadata": {"name": "e", "namespace": "d"}, "addressType": "IPv5",
      "endpoints": [{"addresses": []}], "ports": [{"name": "http"}, {"name": "http", "protocol": "TCP"}]})");
  EXPECT_EQ(Check(K("discovery.k8s.io", "EndpointSlice"), slice), (std::vector<std::string>{
      "addressType: Unsupported value: \"IPv5\": supported values: \"FQDN\", \"IPv4\", \"IPv6\"",
      "endpoints[0].addresses: Required value: must contain at least 1 address",
      "ports[1].name: Duplicate value: \"http\""}));
  json v4 = json::parse(R"({"metadata": {"name": "e", "namespace": "d"}, "addressType": "IPv4",
      "endpoints": [{"addresses": ["fd00::1", "127.0.0.1"]}]})");
  EXPECT_EQ(Check(K("discovery.k8s.io", "EndpointSlice"), v4), (std::vector<std::string>{
      "endpoints[0].addresses[0]: Invalid value: \"fd00::1\": must be a valid IPv4 address",
      "endpoints[0].addresses[1]: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, "
      "::1/128)"}));
}

TEST(ValidationTest, SecretsAndConfigMapSize) {
  json tls = json::parse(R"({"metadata": {"name": "s", "namespace": "d"}, "type": "kubernetes.io/tls", "data": {}})");
  EXPECT_EQ(Check(K("", "Secret"), tls),
            (std::vector<std::string>{"data[tls.crt]: Required value", "data[tls.key]: Required value"}));
  json big = {{"metadata", {{"name", "c"}, {"namespace", "d"}}}, {"data", {{"a", std::string(1024 * 1024 + 1, 'x')}}}};
  EXPECT_EQ(Check(K("", "ConfigMap"), big),
            std::vector<std::string>{": Too long: may not be more than 1048576 bytes"});
  const Kind& sk = K("", "Secret");
  json old = DefaultedCopy(sk, json::parse(R"({"metadata": {"name": "s", "namespace": "d"}, "data": {"a": "Yg=="}})"));
  json now = old;
  now["type"] = "kubernetes.io/basic-auth";
  now["data"]["username"] = "dQ==";
  EXPECT_EQ(Check(sk, now, &old), std::vector<std::string>{
      "type: Invalid value: \"kubernetes.io/basic-auth\": field is immutable"});
}

TEST(ValidationTest, InvalidStatusJoinsAndDedups) {
  std::vector<Cause> causes = {{"FieldValueRequired", "Required value", "spec.a"},
                               {"FieldValueRequired", "Required value", "spec.a"},
                               {"FieldValueInvalid", "Invalid value: 1: bad", "spec.b"}};
  Status s = InvalidStatus(K("networking.k8s.io", "Ingress"), "x", causes);
  EXPECT_EQ(s.message(),
            "Ingress.networking.k8s.io \"x\" is invalid: [spec.a: Required value, spec.b: Invalid value: 1: bad]");
  EXPECT_EQ(s.causes().size(), 3u);
  EXPECT_EQ(s.details_group(), "networking.k8s.io");
  EXPECT_EQ(InvalidStatus(K("", "Pod"), "p", {}).message(), "Pod \"p\" is invalid");
}

TEST(ValidationTest, WrongTypesNeverThrow) {
  for (const auto& k : AllKinds()) {
    json odd = json::parse(R"({"metadata": {"name": 5, "labels": [1], "ownerReferences": {}},
        "spec": {"ports": [1, {"port": "x"}], "containers": {"a": 1}, "selector": "x", "template": [],
                 "rules": [{"http": {"paths": [{"backend": 1}]}}], "type": 7},
        "data": [1], "subsets": [{"addresses": [{"ip": 3}]}], "endpoints": "x"})");
    ApplyDefaults(k, odd);
    (void)Validate(k, odd, nullptr);
    (void)Validate(k, odd, &odd);
  }
}

}  // namespace
}  // namespace netkube::api
