// DaemonSetController: one pod per eligible node, as Kubernetes' daemon set
// controller does.
//
// A node is eligible when the pod template's nodeSelector and required node
// affinity match it and its taints (a node that is not Ready counts as tainted
// node.kubernetes.io/not-ready:NoSchedule) are tolerated by the template's
// tolerations plus the daemon tolerations Kubernetes adds (not-ready and
// unreachable NoExecute; disk-, memory-, pid-pressure and unschedulable
// NoSchedule; network-unavailable for hostNetwork). Pods are created unbound
// with a required node affinity on matchFields metadata.name = <node> (the
// scheduler binds them), the labels controller-revision-hash (hash of the
// template) and pod-template-generation. Misscheduled, duplicate and failed
// pods are deleted. RollingUpdate (maxUnavailable, default 1) replaces pods of
// an older template; OnDelete leaves them. Status: desiredNumberScheduled,
// currentNumberScheduled, numberReady, numberAvailable, numberUnavailable,
// updatedNumberScheduled, numberMisscheduled, observedGeneration.
//
// Thread-safety: as client::Controller.
#pragma once

#include "client/controller.h"
#include "client/event_recorder.h"
#include "client/shared_informers.h"
#include "controllers/expectations.h"

namespace netkube::controllers {

// The pod template spec with the daemon tolerations added (pure).
client::Json DaemonPodSpec(const client::Json& template_spec);
// The node a daemon pod is for: spec.nodeName, or the metadata.name of its
// required node affinity matchFields; "" when neither.
std::string DaemonPodNode(const client::Json& pod);

class DaemonSetController : public client::Controller {
 public:
  DaemonSetController(client::Client& client, client::SharedInformers& informers, client::EventRecorder& events);
  Status Sync(const std::string& key) override;

 private:
  void OnPod(const client::ObjectPtr& pod);
  void EnqueueAll();

  client::Client& client_;
  client::Informer& dss_;
  client::Informer& pods_;
  client::Informer& nodes_;
  client::EventRecorder& events_;
  Expectations expectations_;
};

}  // namespace netkube::controllers
