#include "api/printers.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace netkube::api {
namespace {

using nlohmann::json;

// 2024-05-01T12:00:00Z
constexpr std::time_t kNow = 1714564800;

// RFC 3339 time `seconds` before kNow.
std::string Ago(long seconds) {
  std::time_t t = kNow - seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

const Kind& K(std::string_view group, std::string_view kind) {
  const Kind* k = FindByKind(group, "v1", kind);
  EXPECT_NE(k, nullptr) << kind;
  return *k;
}

json Meta(const std::string& name, long age_seconds) {
  return {{"name", name}, {"namespace", "default"}, {"creationTimestamp", Ago(age_seconds)}};
}

std::vector<std::string> ColumnNames(const Kind& k) {
  std::vector<std::string> out;
  for (const auto& c : TableColumns(k)) out.push_back(c.name);
  return out;
}

TEST(HumanDuration, KubectlRules) {
  struct Case {
    long seconds;
    const char* want;
  } cases[] = {
      {-5, "<invalid>"}, {-1, "0s"},          {0, "0s"},          {5, "5s"},
      {119, "119s"},     {120, "2m"},         {182, "3m2s"},      {599, "9m59s"},
      {600, "10m"},      {10799, "179m"},     {10800, "3h"},      {3 * 3600 + 1800, "3h30m"},
      {8 * 3600, "8h"},  {47 * 3600, "47h"},  {48 * 3600, "2d"},  {53 * 3600, "2d5h"},
      {8 * 86400, "8d"}, {40 * 86400, "40d"}, {729 * 86400, "729d"}, {730 * 86400, "2y"},
      {731 * 86400, "2y1d"}, {8 * 365 * 86400L, "8y"},
  };
  for (const auto& c : cases) EXPECT_EQ(HumanDuration(c.seconds), c.want) << c.seconds;
}

TEST(PodPrinter, Columns) {
  const auto& cols = TableColumns(K("", "Pod"));
  EXPECT_EQ(ColumnNames(K("", "Pod")),
            (std::vector<std::string>{"Name", "Ready", "Status", "Restarts", "Age", "IP", "Node",
                                      "Nominated Node", "Readiness Gates"}));
  EXPECT_EQ(cols[0].format, "name");
  EXPECT_EQ(cols[0].priority, 0);
  EXPECT_EQ(cols[3].type, "string");
  EXPECT_EQ(cols[5].priority, 1);
  EXPECT_EQ(cols[8].priority, 1);
  EXPECT_FALSE(cols[0].description.empty());
}

TEST(PodPrinter, RunningWithRestarts) {
  json pod = {
      {"metadata", Meta("web-7d4b9c", 3 * 86400)},
      {"spec", {{"nodeName", "kind-worker"}, {"containers", {{{"name", "web"}}, {{"name", "log"}}}}}},
      {"status",
       {{"phase", "Running"},
        {"podIP", "10.244.1.5"},
        {"podIPs", {{{"ip", "10.244.1.5"}}}},
        {"conditions", {{{"type", "Ready"}, {"status", "True"}}}},
        {"containerStatuses",
         {{{"name", "web"},
           {"ready", true},
           {"restartCount", 3},
           {"state", {{"running", {{"startedAt", Ago(300)}}}}},
           {"lastState", {{"terminated", {{"exitCode", 1}, {"finishedAt", Ago(300)}}}}}},
          {{"name", "log"},
           {"ready", true},
           {"restartCount", 0},
           {"state", {{"running", {{"startedAt", Ago(3 * 86400)}}}}}}}}}}};
  json cells = TableCells(K("", "Pod"), pod, kNow);
  EXPECT_EQ(cells, json::array({"web-7d4b9c", "2/2", "Running", "3 (5m ago)", "3d", "10.244.1.5",
                                "kind-worker", "<none>", "<none>"}));
}

TEST(PodPrinter, PendingStates) {
  json unscheduled = {{"metadata", Meta("p", 10)},
                      {"spec", {{"containers", {{{"name", "c"}}}}}},
                      {"status", {{"phase", "Pending"}}}};
  EXPECT_EQ(TableCells(K("", "Pod"), unscheduled, kNow),
            json::array({"p", "0/1", "Pending", "0", "10s", "<none>", "<none>", "<none>", "<none>"}));

  json creating = unscheduled;
  creating["spec"]["nodeName"] = "kind-worker";
  creating["status"]["containerStatuses"] = {
      {{"name", "c"}, {"ready", false}, {"restartCount", 0},
       {"state", {{"waiting", {{"reason", "ContainerCreating"}}}}}}};
  json cells = TableCells(K("", "Pod"), creating, kNow);
  EXPECT_EQ(cells[2], "ContainerCreating");
  EXPECT_EQ(cells[6], "kind-worker");

  json pull = creating;
  pull["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] = "ErrImagePull";
  EXPECT_EQ(TableCells(K("", "Pod"), pull, kNow)[2], "ErrImagePull");

  json gated = unscheduled;
  gated["status"]["conditions"] = {
      {{"type", "PodScheduled"}, {"status", "False"}, {"reason", "SchedulingGated"}}};
  EXPECT_EQ(TableCells(K("", "Pod"), gated, kNow)[2], "SchedulingGated");
}

TEST(PodPrinter, CrashLoopAndCompleted) {
  json crash = {{"metadata", Meta("c", 600)},
                {"spec", {{"containers", {{{"name", "c"}}}}}},
                {"status",
                 {{"phase", "Running"},
                  {"containerStatuses",
                   {{{"name", "c"},
                     {"ready", false},
                     {"restartCount", 5},
                     {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}},
                     {"lastState",
                      {{"terminated", {{"exitCode", 1}, {"reason", "Error"}, {"finishedAt", Ago(30)}}}}}}}}}}};
  json cells = TableCells(K("", "Pod"), crash, kNow);
  EXPECT_EQ(cells[1], "0/1");
  EXPECT_EQ(cells[2], "CrashLoopBackOff");
  EXPECT_EQ(cells[3], "5 (30s ago)");

  // No restarts: no "(... ago)", even with a previous termination recorded.
  crash["status"]["containerStatuses"][0]["restartCount"] = 0;
  EXPECT_EQ(TableCells(K("", "Pod"), crash, kNow)[3], "0");

  json done = {{"metadata", Meta("job", 7200)},
               {"spec", {{"containers", {{{"name", "c"}}}}}},
               {"status",
                {{"phase", "Succeeded"},
                 {"containerStatuses",
                  {{{"name", "c"},
                    {"ready", false},
                    {"restartCount", 0},
                    {"state", {{"terminated", {{"exitCode", 0}, {"reason", "Completed"}}}}}}}}}}};
  EXPECT_EQ(TableCells(K("", "Pod"), done, kNow)[2], "Completed");

  json killed = done;
  killed["status"]["phase"] = "Failed";
  killed["status"]["containerStatuses"][0]["state"]["terminated"] = {{"exitCode", 137},
                                                                     {"signal", 9}};
  EXPECT_EQ(TableCells(K("", "Pod"), killed, kNow)[2], "Signal:9");
  killed["status"]["containerStatuses"][0]["state"]["terminated"] = {{"exitCode", 2}};
  EXPECT_EQ(TableCells(K("", "Pod"), killed, kNow)[2], "ExitCode:2");
}

TEST(PodPrinter, Terminating) {
  json pod = {{"metadata", Meta("t", 60)},
              {"spec", {{"containers", {{{"name", "c"}}}}}},
              {"status",
               {{"phase", "Running"},
                {"containerStatuses",
                 {{{"name", "c"}, {"ready", true}, {"restartCount", 0},
                   {"state", {{"running", json::object()}}}}}}}}};
  pod["metadata"]["deletionTimestamp"] = Ago(1);
  json cells = TableCells(K("", "Pod"), pod, kNow);
  EXPECT_EQ(cells[1], "1/1");
  EXPECT_EQ(cells[2], "Terminating");

  pod["status"]["reason"] = "NodeLost";
  EXPECT_EQ(TableCells(K("", "Pod"), pod, kNow)[2], "Unknown");
}

TEST(PodPrinter, InitContainers) {
  json pod = {{"metadata", Meta("i", 20)},
              {"spec",
               {{"initContainers", {{{"name", "init-a"}}, {{"name", "init-b"}}}},
                {"containers", {{{"name", "c"}}}}}},
              {"status",
               {{"phase", "Pending"},
                {"initContainerStatuses",
                 {{{"name", "init-a"},
                   {"restartCount", 0},
                   {"state", {{"terminated", {{"exitCode", 0}, {"reason", "Completed"}}}}}},
                  {{"name", "init-b"},
                   {"restartCount", 0},
                   {"state", {{"running", json::object()}}}}}},
                {"containerStatuses",
                 {{{"name", "c"}, {"restartCount", 0},
                   {"state", {{"waiting", {{"reason", "PodInitializing"}}}}}}}}}}};
  EXPECT_EQ(TableCells(K("", "Pod"), pod, kNow)[2], "Init:1/2");

  pod["status"]["initContainerStatuses"][1]["state"] = {
      {"terminated", {{"exitCode", 1}, {"reason", "Error"}}}};
  EXPECT_EQ(TableCells(K("", "Pod"), pod, kNow)[2], "Init:Error");

  pod["status"]["initContainerStatuses"][1]["state"] = {
      {"waiting", {{"reason", "CrashLoopBackOff"}}}};
  EXPECT_EQ(TableCells(K("", "Pod"), pod, kNow)[2], "Init:CrashLoopBackOff");
}

TEST(PodPrinter, SidecarAndReadinessGates) {
  json pod = {
      {"metadata", Meta("s", 20)},
      {"spec",
       {{"initContainers", {{{"name", "proxy"}, {"restartPolicy", "Always"}}}},
        {"containers", {{{"name", "app"}}}},
        {"readinessGates", {{{"conditionType", "example.com/lb"}}}}}},
      {"status",
       {{"phase", "Running"},
        {"conditions",
         {{{"type", "Initialized"}, {"status", "True"}},
          {{"type", "Ready"}, {"status", "True"}},
          {{"type", "example.com/lb"}, {"status", "True"}}}},
        {"initContainerStatuses",
         {{{"name", "proxy"}, {"ready", true}, {"started", true}, {"restartCount", 1},
           {"state", {{"running", json::object()}}}}}},
        {"containerStatuses",
         {{{"name", "app"}, {"ready", true}, {"restartCount", 0},
           {"state", {{"running", json::object()}}}}}}}}};
  json cells = TableCells(K("", "Pod"), pod, kNow);
  EXPECT_EQ(cells[1], "2/2");
  EXPECT_EQ(cells[2], "Running");
  EXPECT_EQ(cells[3], "1");
  EXPECT_EQ(cells[8], "1/1");
}

TEST(ServicePrinter, Types) {
  const Kind& svc_kind = K("", "Service");
  EXPECT_EQ(ColumnNames(svc_kind), (std::vector<std::string>{"Name", "Type", "Cluster-IP",
                                                             "External-IP", "Port(s)", "Age",
                                                             "Selector"}));
  json cluster_ip = {{"metadata", Meta("kubernetes", 86400 * 10)},
                     {"spec",
                      {{"type", "ClusterIP"},
                       {"clusterIP", "10.96.0.1"},
                       {"clusterIPs", {"10.96.0.1"}},
                       {"ports", {{{"port", 443}, {"protocol", "TCP"}}}}}}};
  EXPECT_EQ(TableCells(svc_kind, cluster_ip, kNow),
            json::array({"kubernetes", "ClusterIP", "10.96.0.1", "<none>", "443/TCP", "10d",
                         "<none>"}));

  json node_port = {{"metadata", Meta("web", 60)},
                    {"spec",
                     {{"type", "NodePort"},
                      {"clusterIPs", {"10.96.12.7"}},
                      {"selector", {{"tier", "front"}, {"app", "web"}}},
                      {"ports",
                       {{{"port", 80}, {"protocol", "TCP"}, {"nodePort", 30735}},
                        {{"port", 443}, {"protocol", "TCP"}}}}}}};
  EXPECT_EQ(TableCells(svc_kind, node_port, kNow),
            json::array({"web", "NodePort", "10.96.12.7", "<none>", "80:30735/TCP,443/TCP", "60s",
                         "app=web,tier=front"}));

  json lb = {{"metadata", Meta("lb", 60)},
             {"spec",
              {{"type", "LoadBalancer"},
               {"clusterIPs", {"10.96.3.3"}},
               {"ports", {{{"port", 80}, {"protocol", "TCP"}, {"nodePort", 31000}}}}}}};
  EXPECT_EQ(TableCells(svc_kind, lb, kNow)[3], "<pending>");
  lb["status"]["loadBalancer"]["ingress"] = {{{"ip", "172.18.255.201"}},
                                             {{"ip", "172.18.255.200"}},
                                             {{"hostname", "lb.example.com"}}};
  EXPECT_EQ(TableCells(svc_kind, lb, kNow)[3], "172.18.255.200,172.18.255.201,lb.example.com");
  lb["spec"]["externalIPs"] = {"1.2.3.4"};
  EXPECT_EQ(TableCells(svc_kind, lb, kNow)[3],
            "172.18.255.200,172.18.255.201,lb.example.com,1.2.3.4");

  json ext_ips = cluster_ip;
  ext_ips["spec"]["externalIPs"] = {"198.51.100.1", "198.51.100.2"};
  EXPECT_EQ(TableCells(svc_kind, ext_ips, kNow)[3], "198.51.100.1,198.51.100.2");

  json ext_name = {{"metadata", Meta("db", 60)},
                   {"spec", {{"type", "ExternalName"}, {"externalName", "db.example.com"}}}};
  json cells = TableCells(svc_kind, ext_name, kNow);
  EXPECT_EQ(cells[2], "<none>");
  EXPECT_EQ(cells[3], "db.example.com");
  EXPECT_EQ(cells[4], "<none>");

  json headless = cluster_ip;
  headless["spec"]["clusterIP"] = "None";
  headless["spec"]["clusterIPs"] = {"None"};
  EXPECT_EQ(TableCells(svc_kind, headless, kNow)[2], "None");
}

TEST(EndpointsPrinter, ListsThreeThenMore) {
  json ep = {{"metadata", Meta("web", 60)},
             {"subsets",
              {{{"addresses",
                 {{{"ip", "10.244.0.5"}}, {{"ip", "10.244.0.6"}}, {{"ip", "10.244.1.2"}},
                  {{"ip", "10.244.1.3"}}, {{"ip", "10.244.2.4"}}}},
                {"ports", {{{"port", 8080}, {"protocol", "TCP"}}}}}}}};
  EXPECT_EQ(TableCells(K("", "Endpoints"), ep, kNow),
            json::array({"web", "10.244.0.5:8080,10.244.0.6:8080,10.244.1.2:8080 + 2 more...",
                         "60s"}));
  json empty = {{"metadata", Meta("none", 60)}};
  EXPECT_EQ(TableCells(K("", "Endpoints"), empty, kNow)[1], "<none>");
}

TEST(NodePrinter, StatusAndRoles) {
  json cp = {{"metadata",
              {{"name", "kind-control-plane"},
               {"creationTimestamp", Ago(3600)},
               {"labels",
                {{"node-role.kubernetes.io/control-plane", ""},
                 {"kubernetes.io/hostname", "kind-control-plane"}}}}},
             {"status",
              {{"conditions",
                {{{"type", "MemoryPressure"}, {"status", "False"}},
                 {{"type", "Ready"}, {"status", "True"}}}},
               {"addresses",
                {{{"type", "InternalIP"}, {"address", "172.18.0.2"}},
                 {{"type", "Hostname"}, {"address", "kind-control-plane"}}}},
               {"nodeInfo",
                {{"kubeletVersion", "v1.33.1"},
                 {"osImage", "Debian GNU/Linux 12 (bookworm)"},
                 {"kernelVersion", "6.1.0-18-amd64"},
                 {"containerRuntimeVersion", "netkube://0.1.0"}}}}}};
  EXPECT_EQ(TableCells(K("", "Node"), cp, kNow),
            json::array({"kind-control-plane", "Ready", "control-plane", "60m", "v1.33.1",
                         "172.18.0.2", "<none>", "Debian GNU/Linux 12 (bookworm)",
                         "6.1.0-18-amd64", "netkube://0.1.0"}));

  json worker = {{"metadata", {{"name", "kind-worker"}, {"creationTimestamp", Ago(3500)}}},
                 {"spec", {{"unschedulable", true}}},
                 {"status", {{"conditions", {{{"type", "Ready"}, {"status", "Unknown"}}}}}}};
  json cells = TableCells(K("", "Node"), worker, kNow);
  EXPECT_EQ(cells[1], "NotReady,SchedulingDisabled");
  EXPECT_EQ(cells[2], "<none>");
  EXPECT_EQ(cells[7], "<unknown>");

  json fresh = {{"metadata", {{"name", "n"}, {"labels", {{"kubernetes.io/role", "edge"},
                                                         {"node-role.kubernetes.io/worker", ""}}}}}};
  cells = TableCells(K("", "Node"), fresh, kNow);
  EXPECT_EQ(cells[1], "Unknown");
  EXPECT_EQ(cells[2], "edge,worker");
  EXPECT_EQ(cells[3], "<unknown>");
}

TEST(CorePrinters, SmallKinds) {
  json ns = {{"metadata", Meta("kube-system", 86400)}, {"status", {{"phase", "Active"}}}};
  EXPECT_EQ(TableCells(K("", "Namespace"), ns, kNow), json::array({"kube-system", "Active", "24h"}));

  json cm = {{"metadata", Meta("cfg", 60)},
             {"data", {{"a", "1"}, {"b", "2"}}},
             {"binaryData", {{"c", "AA=="}}}};
  json cells = TableCells(K("", "ConfigMap"), cm, kNow);
  EXPECT_EQ(cells, json::array({"cfg", 3, "60s"}));
  EXPECT_TRUE(cells[1].is_number_integer());

  json secret = {{"metadata", Meta("tls", 60)},
                 {"type", "kubernetes.io/tls"},
                 {"data", {{"tls.crt", "x"}, {"tls.key", "y"}}}};
  EXPECT_EQ(TableCells(K("", "Secret"), secret, kNow),
            json::array({"tls", "kubernetes.io/tls", 2, "60s"}));

  json sa = {{"metadata", Meta("default", 60)}};
  EXPECT_EQ(TableCells(K("", "ServiceAccount"), sa, kNow), json::array({"default", 0, "60s"}));
}

TEST(EventPrinter, Cells) {
  const Kind& k = K("", "Event");
  EXPECT_EQ(ColumnNames(k), (std::vector<std::string>{"Last Seen", "Type", "Reason", "Object",
                                                      "Subobject", "Source", "Message",
                                                      "First Seen", "Count", "Name"}));
  json ev = {{"metadata", Meta("web.17c3", 120)},
             {"involvedObject",
              {{"kind", "Pod"}, {"name", "web"}, {"fieldPath", "spec.containers{web}"}}},
             {"reason", "Pulled"},
             {"type", "Normal"},
             {"message", "  Container image \"nginx\" already present on machine\n"},
             {"source", {{"component", "kubelet"}, {"host", "kind-worker"}}},
             {"firstTimestamp", Ago(300)},
             {"lastTimestamp", Ago(45)},
             {"count", 4}};
  EXPECT_EQ(TableCells(k, ev, kNow),
            json::array({"45s", "Normal", "Pulled", "pod/web", "spec.containers{web}",
                         "kubelet, kind-worker",
                         "Container image \"nginx\" already present on machine", "5m", 4,
                         "web.17c3"}));

  json fresh = {{"metadata", Meta("x", 5)},
                {"involvedObject", {{"kind", "Node"}}},
                {"eventTime", "2024-05-01T11:59:50.123456Z"},
                {"reportingComponent", "netkube-controller"}};
  json cells = TableCells(k, fresh, kNow);
  EXPECT_EQ(cells[0], "10s");
  EXPECT_EQ(cells[3], "node");
  EXPECT_EQ(cells[5], "netkube-controller");
  EXPECT_EQ(cells[7], "10s");
  EXPECT_EQ(cells[8], 1);
}

TEST(AppsPrinters, Cells) {
  json template_spec = {{"spec",
                         {{"nodeSelector", {{"kubernetes.io/os", "linux"}}},
                          {"containers",
                           {{{"name", "web"}, {"image", "nginx:1.25"}},
                            {{"name", "log"}, {"image", "busybox"}}}}}}};
  json d = {{"metadata", Meta("web", 600)},
            {"spec",
             {{"replicas", 3},
              {"selector", {{"matchLabels", {{"app", "web"}}}}},
              {"template", template_spec}}},
            {"status", {{"readyReplicas", 2}, {"updatedReplicas", 3}, {"availableReplicas", 2}}}};
  EXPECT_EQ(ColumnNames(K("apps", "Deployment")),
            (std::vector<std::string>{"Name", "Ready", "Up-to-date", "Available", "Age",
                                      "Containers", "Images", "Selector"}));
  EXPECT_EQ(TableCells(K("apps", "Deployment"), d, kNow),
            json::array({"web", "2/3", 3, 2, "10m", "web,log", "nginx:1.25,busybox", "app=web"}));

  json d0 = {{"metadata", Meta("empty", 600)}, {"spec", {{"replicas", 0}}}};
  EXPECT_EQ(TableCells(K("apps", "Deployment"), d0, kNow)[1], "0/0");

  json rs = {{"metadata", Meta("web-5d8f", 600)},
             {"spec",
              {{"replicas", 3},
               {"selector",
                {{"matchLabels", {{"app", "web"}, {"pod-template-hash", "5d8f"}}}}},
               {"template", template_spec}}},
             {"status", {{"replicas", 3}, {"readyReplicas", 1}}}};
  EXPECT_EQ(TableCells(K("apps", "ReplicaSet"), rs, kNow),
            json::array({"web-5d8f", 3, 3, 1, "10m", "web,log", "nginx:1.25,busybox",
                         "app=web,pod-template-hash=5d8f"}));

  json ds = {{"metadata", Meta("agent", 600)},
             {"spec",
              {{"selector", {{"matchExpressions", {{{"key", "app"}, {"operator", "Exists"}}}}}},
               {"template", template_spec}}},
             {"status",
              {{"desiredNumberScheduled", 3},
               {"currentNumberScheduled", 3},
               {"numberReady", 2},
               {"updatedNumberScheduled", 3},
               {"numberAvailable", 2}}}};
  EXPECT_EQ(ColumnNames(K("apps", "DaemonSet"))[6], "Node Selector");
  EXPECT_EQ(TableCells(K("apps", "DaemonSet"), ds, kNow),
            json::array({"agent", 3, 3, 2, 3, 2, "kubernetes.io/os=linux", "10m", "web,log",
                         "nginx:1.25,busybox", "app"}));
}

TEST(NetworkingPrinters, Cells) {
  json slice = {{"metadata", Meta("web-abcde", 60)},
                {"addressType", "IPv4"},
                {"ports", {{{"name", "http"}, {"port", 8080}, {"protocol", "TCP"}}}},
                {"endpoints",
                 {{{"addresses", {"10.244.0.5"}}}, {{"addresses", {"10.244.0.6"}}},
                  {{"addresses", {"10.244.1.2"}}}, {{"addresses", {"10.244.1.3"}}}}}};
  EXPECT_EQ(TableCells(K("discovery.k8s.io", "EndpointSlice"), slice, kNow),
            json::array({"web-abcde", "IPv4", "8080",
                         "10.244.0.5,10.244.0.6,10.244.1.2 + 1 more...", "60s"}));
  json empty_slice = {{"metadata", Meta("e", 60)}, {"addressType", "IPv4"}};
  json cells = TableCells(K("discovery.k8s.io", "EndpointSlice"), empty_slice, kNow);
  EXPECT_EQ(cells[2], "<unset>");
  EXPECT_EQ(cells[3], "<unset>");

  json ing = {{"metadata", Meta("web", 60)},
              {"spec",
               {{"ingressClassName", "nginx"},
                {"rules", {{{"host", "a.example.com"}}, {{"host", "b.example.com"}}}},
                {"tls", {{{"hosts", {"a.example.com"}}}}}}},
              {"status", {{"loadBalancer", {{"ingress", {{{"ip", "172.18.255.200"}}}}}}}}};
  EXPECT_EQ(TableCells(K("networking.k8s.io", "Ingress"), ing, kNow),
            json::array({"web", "nginx", "a.example.com,b.example.com", "172.18.255.200",
                         "80, 443", "60s"}));
  json bare = {{"metadata", Meta("bare", 60)},
               {"spec", {{"defaultBackend", {{"service", {{"name", "web"}}}}}}}};
  EXPECT_EQ(TableCells(K("networking.k8s.io", "Ingress"), bare, kNow),
            json::array({"bare", "<none>", "*", "", "80", "60s"}));
  json many = ing;
  many["spec"]["rules"] = {{{"host", "a"}}, {{"host", "b"}}, {{"host", "c"}}, {{"host", "d"}},
                           {{"host", "e"}}};
  EXPECT_EQ(TableCells(K("networking.k8s.io", "Ingress"), many, kNow)[2], "a,b,c + 2 more...");

  json ic = {{"metadata", Meta("nginx", 60)},
             {"spec",
              {{"controller", "k8s.io/ingress-nginx"},
               {"parameters",
                {{"apiGroup", "k8s.example.com"}, {"kind", "IngressParameters"}, {"name", "p"}}}}}};
  EXPECT_EQ(TableCells(K("networking.k8s.io", "IngressClass"), ic, kNow),
            json::array({"nginx", "k8s.io/ingress-nginx", "IngressParameters.k8s.example.com/p",
                         "60s"}));

  json deny_all = {{"metadata", Meta("deny", 60)}, {"spec", {{"podSelector", json::object()}}}};
  EXPECT_EQ(TableCells(K("networking.k8s.io", "NetworkPolicy"), deny_all, kNow),
            json::array({"deny", "<none>", "60s"}));
  json db = {{"metadata", Meta("db", 60)},
             {"spec", {{"podSelector", {{"matchLabels", {{"app", "db"}}}}}}}};
  EXPECT_EQ(TableCells(K("networking.k8s.io", "NetworkPolicy"), db, kNow)[1], "app=db");

  json lease = {{"metadata", Meta("kind-worker", 60)},
                {"spec", {{"holderIdentity", "kind-worker"}}}};
  EXPECT_EQ(TableCells(K("coordination.k8s.io", "Lease"), lease, kNow),
            json::array({"kind-worker", "kind-worker", "60s"}));
}

TEST(Printers, EveryKindHasOneCellPerColumn) {
  for (const Kind& k : AllKinds()) {
    size_t n = TableColumns(k).size();
    EXPECT_GE(n, 2u) << k.kind;
    for (const json& obj : {json::object(), json{{"metadata", Meta("x", 1)}},
                            json{{"spec", "garbage"}, {"status", 7}, {"metadata", 3}}}) {
      json cells = TableCells(k, obj, kNow);
      ASSERT_TRUE(cells.is_array()) << k.kind;
      EXPECT_EQ(cells.size(), n) << k.kind << " " << obj.dump();
    }
  }
}

TEST(Printers, DefaultTableForKindsWithoutPrinter) {
  Kind k;
  k.group = "example.com";
  k.version = "v1";
  k.kind = "Widget";
  const auto& cols = TableColumns(k);
  ASSERT_EQ(cols.size(), 2u);
  EXPECT_EQ(cols[0].name, "Name");
  EXPECT_EQ(cols[1].name, "Created At");
  EXPECT_EQ(cols[1].type, "date");
  json obj = {{"metadata", {{"name", "w"}, {"creationTimestamp", "2024-05-01T10:00:00Z"}}}};
  EXPECT_EQ(TableCells(k, obj, kNow), json::array({"w", "2024-05-01T10:00:00Z"}));
}

TEST(PrintersTest, DeferredTimesRenderLater) {
  const Kind* pod_kind = FindByKind("", "v1", "Pod");
  nlohmann::json pod = nlohmann::json::parse(R"({"metadata":{"name":"p","creationTimestamp":"2024-02-12T12:56:00Z"},
    "spec":{"containers":[{"name":"c"}]},"status":{"phase":"Running","containerStatuses":[{"name":"c","ready":true,
    "restartCount":2,"lastState":{"terminated":{"finishedAt":"2024-02-12T13:00:00Z"}}}]}})");
  std::time_t created = 1707742560;  // 2024-02-12T12:56:00Z
  nlohmann::json now_cells = TableCells(*pod_kind, pod, created + 3600);
  nlohmann::json deferred = TableCells(*pod_kind, pod, kDeferredNow);
  EXPECT_NE(deferred.dump(), now_cells.dump());
  EXPECT_EQ(RenderTimeMarkers(deferred.dump(), created + 3600), now_cells.dump());
  EXPECT_EQ(RenderTimeMarkers("no markers \\u0001 here", 5), "no markers \\u0001 here");
}

}  // namespace
}  // namespace netkube::api
