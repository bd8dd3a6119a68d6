// Column descriptions of the server-side Table printers
// (metav1.TableColumnDefinition.description): one short sentence on the field
// each column shows.
//
// Internal to the printers (printers_*.cc).
#pragma once

namespace netkube::api::printers {

extern const char* const kDocObjectMetaName;
extern const char* const kDocObjectMetaCreationTimestamp;
extern const char* const kDocPodStatusPodIP;
extern const char* const kDocPodSpecNodeName;
extern const char* const kDocPodStatusNominatedNodeName;
extern const char* const kDocPodSpecReadinessGates;
extern const char* const kDocPodSpecNodeSelector;
extern const char* const kDocReplicaSetSpecReplicas;
extern const char* const kDocReplicaSetStatusReplicas;
extern const char* const kDocReplicaSetStatusReadyReplicas;
extern const char* const kDocReplicaSetSpecSelector;
extern const char* const kDocDaemonSetStatusDesiredNumberScheduled;
extern const char* const kDocDaemonSetStatusCurrentNumberScheduled;
extern const char* const kDocDaemonSetStatusNumberReady;
extern const char* const kDocDaemonSetStatusUpdatedNumberScheduled;
extern const char* const kDocDaemonSetStatusNumberAvailable;
extern const char* const kDocDaemonSetSpecSelector;
extern const char* const kDocServiceSpecType;
extern const char* const kDocServiceSpecClusterIP;
extern const char* const kDocServiceSpecExternalIPs;
extern const char* const kDocServiceSpecPorts;
extern const char* const kDocServiceSpecSelector;
extern const char* const kDocEndpointsSubsets;
extern const char* const kDocNodeSystemInfoKubeletVersion;
extern const char* const kDocNodeStatusAddresses;
extern const char* const kDocNodeSystemInfoOsImage;
extern const char* const kDocNodeSystemInfoKernelVersion;
extern const char* const kDocNodeSystemInfoContainerRuntimeVersion;
extern const char* const kDocEventLastTimestamp;
extern const char* const kDocEventType;
extern const char* const kDocEventReason;
extern const char* const kDocEventInvolvedObject;
extern const char* const kDocObjectReferenceFieldPath;
extern const char* const kDocEventSource;
extern const char* const kDocEventMessage;
extern const char* const kDocEventFirstTimestamp;
extern const char* const kDocEventCount;
extern const char* const kDocSecretType;
extern const char* const kDocSecretData;
extern const char* const kDocServiceAccountSecrets;
extern const char* const kDocDeploymentStatusUpdatedReplicas;
extern const char* const kDocDeploymentStatusAvailableReplicas;
extern const char* const kDocDeploymentSpecSelector;
extern const char* const kDocConfigMapData;
extern const char* const kDocNetworkPolicySpecPodSelector;
extern const char* const kDocLeaseSpecHolderIdentity;
extern const char* const kDocEndpointSliceAddressType;
extern const char* const kDocEndpointSlicePorts;
extern const char* const kDocEndpointSliceEndpoints;

}  // namespace netkube::api::printers
