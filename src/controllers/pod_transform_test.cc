#include "controllers/pod_transform.h"

#include <gtest/gtest.h>

namespace netkube::controllers {
namespace {

TEST(PodTransformTest, KeepsWhatControllersRead) {
  client::Json pod = client::Json::parse(R"({
    "metadata": {"name": "p", "namespace": "d", "labels": {"app": "web"}, "uid": "u",
                 "ownerReferences": [{"uid": "rs"}],
                 "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{...}", "keep": "me"}},
    "spec": {"nodeName": "n1", "hostname": "h", "subdomain": "s", "volumes": [{"name": "v"}],
             "tolerations": [{"operator": "Exists"}],
             "containers": [{"name": "c", "image": "nginx", "env": [{"name": "A", "value": "1"}],
                             "ports": [{"name": "http", "containerPort": 80}],
                             "resources": {"requests": {"cpu": "1"}}, "readinessProbe": {"tcpSocket": {"port": 80}}}]},
    "status": {"phase": "Running", "podIP": "10.244.0.5", "conditions": [{"type": "Ready", "status": "True"}],
               "containerStatuses": [{"name": "c", "ready": true, "restartCount": 2, "image": "nginx",
                                      "imageID": "x", "containerID": "y", "state": {"running": {}}}]}})");
  TrimPodForControllers(pod);
  EXPECT_EQ(pod["metadata"]["labels"]["app"], "web");
  EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["uid"], "rs");
  EXPECT_EQ(pod["metadata"]["annotations"], client::Json::parse(R"({"keep": "me"})"));
  EXPECT_EQ(pod["spec"]["nodeName"], "n1");
  EXPECT_EQ(pod["spec"]["hostname"], "h");
  EXPECT_FALSE(pod["spec"].contains("volumes"));
  EXPECT_EQ(pod["spec"]["containers"][0],
            client::Json::parse(R"({"name": "c", "ports": [{"name": "http", "containerPort": 80}],
                                    "resources": {"requests": {"cpu": "1"}}})"));
  EXPECT_EQ(pod["status"]["podIP"], "10.244.0.5");
  EXPECT_EQ(pod["status"]["conditions"][0]["type"], "Ready");
  EXPECT_EQ(pod["status"]["containerStatuses"][0],
            client::Json::parse(R"({"name": "c", "ready": true, "restartCount": 2})"));
}

}  // namespace
}  // namespace netkube::controllers
