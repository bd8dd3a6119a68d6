// Column descriptions of the server-side Table printers, in netkube's own words.
#include "api/printers_docs.h"

namespace netkube::api::printers {

const char* const kDocConfigMapData = "Number of keys in data and binaryData.";
const char* const kDocDaemonSetSpecSelector = "Labels that select the daemon set's pods.";
const char* const kDocDaemonSetStatusCurrentNumberScheduled = "Nodes that run at least one daemon pod and should.";
const char* const kDocDaemonSetStatusDesiredNumberScheduled = "Nodes that should run the daemon pod.";
const char* const kDocDaemonSetStatusNumberAvailable = "Nodes whose daemon pod has been ready for at least minReadySeconds.";
const char* const kDocDaemonSetStatusNumberReady = "Nodes whose daemon pod is ready.";
const char* const kDocDaemonSetStatusUpdatedNumberScheduled = "Nodes that run the daemon pod of the current template.";
const char* const kDocDeploymentSpecSelector = "Labels that select the deployment's pods.";
const char* const kDocDeploymentStatusAvailableReplicas = "Pods of the deployment that have been ready for at least minReadySeconds.";
const char* const kDocDeploymentStatusUpdatedReplicas = "Pods of the deployment that run the current template.";
const char* const kDocEndpointSliceAddressType = "The address family of the slice's endpoints: IPv4, IPv6 or FQDN.";
const char* const kDocEndpointSliceEndpoints = "Addresses of the endpoints in the slice.";
const char* const kDocEndpointSlicePorts = "Ports every endpoint of the slice exposes.";
const char* const kDocEndpointsSubsets = "Ready addresses with their ports.";
const char* const kDocEventCount = "How many times the event occurred.";
const char* const kDocEventFirstTimestamp = "When the event was first seen.";
const char* const kDocEventInvolvedObject = "The object the event is about.";
const char* const kDocEventLastTimestamp = "When the event was last seen.";
const char* const kDocEventMessage = "What happened, for people.";
const char* const kDocEventReason = "Why it happened, one CamelCase word.";
const char* const kDocEventSource = "The component that reported the event.";
const char* const kDocEventType = "Normal or Warning.";
const char* const kDocLeaseSpecHolderIdentity = "Who holds the lease.";
const char* const kDocNetworkPolicySpecPodSelector = "Labels that select the pods the policy applies to.";
const char* const kDocNodeStatusAddresses = "Addresses of the node.";
const char* const kDocNodeSystemInfoContainerRuntimeVersion = "Container runtime of the node.";
const char* const kDocNodeSystemInfoKernelVersion = "Kernel version of the node.";
const char* const kDocNodeSystemInfoKubeletVersion = "Version of the node agent.";
const char* const kDocNodeSystemInfoOsImage = "Operating system of the node.";
const char* const kDocObjectMetaCreationTimestamp = "When the object was created (RFC 3339, UTC).";
const char* const kDocObjectMetaName = "Name of the object, unique within its namespace.";
const char* const kDocObjectReferenceFieldPath = "The part of the object the event is about, e.g. a container.";
const char* const kDocPodSpecNodeName = "The node the pod is bound to.";
const char* const kDocPodSpecNodeSelector = "Node labels the pod's node must have.";
const char* const kDocPodSpecReadinessGates = "Extra conditions that must be True for the pod to be ready.";
const char* const kDocPodStatusNominatedNodeName = "The node the scheduler nominated after preempting other pods.";
const char* const kDocPodStatusPodIP = "The pod's IP address in the cluster.";
const char* const kDocReplicaSetSpecReplicas = "Number of pods wanted.";
const char* const kDocReplicaSetSpecSelector = "Labels that select the replica set's pods.";
const char* const kDocReplicaSetStatusReadyReplicas = "Pods of the replica set that are ready.";
const char* const kDocReplicaSetStatusReplicas = "Pods of the replica set that are not terminating.";
const char* const kDocSecretData = "Number of keys in data.";
const char* const kDocSecretType = "The kind of secret, e.g. Opaque or kubernetes.io/tls.";
const char* const kDocServiceAccountSecrets = "Number of secrets the service account refers to.";
const char* const kDocServiceSpecClusterIP = "The service's virtual IP inside the cluster.";
const char* const kDocServiceSpecExternalIPs = "Addresses outside the cluster the service answers on.";
const char* const kDocServiceSpecPorts = "Ports of the service.";
const char* const kDocServiceSpecSelector = "Labels that select the service's pods.";
const char* const kDocServiceSpecType = "ClusterIP, NodePort, LoadBalancer or ExternalName.";

}  // namespace netkube::api::printers
