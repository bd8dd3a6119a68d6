// Printers of apps/v1: Deployment, ReplicaSet, DaemonSet.
#include <nlohmann/json.hpp>

#include "api/printers_docs.h"
#include "api/printers_internal.h"
#include "api/selector.h"

namespace netkube::api::printers {
namespace {

const char kContainersDoc[] = "Names of each container in the template.";
const char kImagesDoc[] = "Images referenced by each container in the template.";

const json& TemplateSpec(const json& obj) {
  static const json kEmpty = json::object();
  const json* spec = Find(obj, {"spec", "template", "spec"});
  return spec && spec->is_object() ? *spec : kEmpty;
}

}  // namespace

std::vector<Column> DeploymentColumns() {
  return {
      NameColumn(),
      StringColumn("Ready", "Number of the pod with ready state"),
      StringColumn("Up-to-date", kDocDeploymentStatusUpdatedReplicas),
      StringColumn("Available", kDocDeploymentStatusAvailableReplicas),
      AgeColumn(),
      StringColumn("Containers", kContainersDoc, 1),
      StringColumn("Images", kImagesDoc, 1),
      StringColumn("Selector", kDocDeploymentSpecSelector, 1),
  };
}

json DeploymentCells(const json& d, std::time_t now) {
  long long desired = Int(d, {"spec", "replicas"}, 1);
  long long ready = Int(d, {"status", "readyReplicas"});
  std::string names, images;
  ContainerCells(TemplateSpec(d), &names, &images);
  // The selector's text as is: "" when it selects everything.
  const json* sel_json = Find(d, {"spec", "selector"});
  auto sel = LabelSelector::FromJson(sel_json ? *sel_json : json());
  std::string selector = sel.ok() ? sel->ToString() : "<invalid>";
  return json::array({Name(d), std::to_string(ready) + "/" + std::to_string(desired),
                      Int(d, {"status", "updatedReplicas"}), Int(d, {"status", "availableReplicas"}),
                      Age(d, now), names, images, selector});
}

std::vector<Column> ReplicaSetColumns() {
  return {
      NameColumn(),
      IntColumn("Desired", kDocReplicaSetSpecReplicas),
      IntColumn("Current", kDocReplicaSetStatusReplicas),
      IntColumn("Ready", kDocReplicaSetStatusReadyReplicas),
      AgeColumn(),
      StringColumn("Containers", kContainersDoc, 1),
      StringColumn("Images", kImagesDoc, 1),
      StringColumn("Selector", kDocReplicaSetSpecSelector, 1),
  };
}

json ReplicaSetCells(const json& rs, std::time_t now) {
  std::string names, images;
  ContainerCells(TemplateSpec(rs), &names, &images);
  return json::array({Name(rs), Int(rs, {"spec", "replicas"}, 1), Int(rs, {"status", "replicas"}),
                      Int(rs, {"status", "readyReplicas"}), Age(rs, now), names, images,
                      FormatLabelSelector(Find(rs, {"spec", "selector"}))});
}

std::vector<Column> DaemonSetColumns() {
  return {
      NameColumn(),
      IntColumn("Desired", kDocDaemonSetStatusDesiredNumberScheduled),
      IntColumn("Current", kDocDaemonSetStatusCurrentNumberScheduled),
      IntColumn("Ready", kDocDaemonSetStatusNumberReady),
      IntColumn("Up-to-date", kDocDaemonSetStatusUpdatedNumberScheduled),
      IntColumn("Available", kDocDaemonSetStatusNumberAvailable),
      StringColumn("Node Selector", kDocPodSpecNodeSelector),
      AgeColumn(),
      StringColumn("Containers", kContainersDoc, 1),
      StringColumn("Images", kImagesDoc, 1),
      StringColumn("Selector", kDocDaemonSetSpecSelector, 1),
  };
}

json DaemonSetCells(const json& ds, std::time_t now) {
  std::string names, images;
  const json& spec = TemplateSpec(ds);
  ContainerCells(spec, &names, &images);
  return json::array({Name(ds), Int(ds, {"status", "desiredNumberScheduled"}),
                      Int(ds, {"status", "currentNumberScheduled"}),
                      Int(ds, {"status", "numberReady"}),
                      Int(ds, {"status", "updatedNumberScheduled"}),
                      Int(ds, {"status", "numberAvailable"}),
                      FormatLabels(Find(spec, {"nodeSelector"})), Age(ds, now), names, images,
                      FormatLabelSelector(Find(ds, {"spec", "selector"}))});
}

}  // namespace netkube::api::printers
