#include "api/descriptions.h"

namespace netkube::api {
const std::vector<FieldDescription>& FieldDescriptions() {
  static const std::vector<FieldDescription> all = {
      // --- Pod networking -------------------------------------------------------------------
      {"io.k8s.api.core.v1.PodSpec", "hostNetwork",
       "Run the pod in its node's network namespace instead of one of its own: it uses the node's IP "
       "addresses and ports, and NetworkPolicies treat its traffic as the node's."},
      {"io.k8s.api.core.v1.PodSpec", "dnsPolicy",
       "How the pod's /etc/resolv.conf is made. ClusterFirst (default): the cluster DNS Service, with "
       "search domains NS.svc.cluster.local, svc.cluster.local and cluster.local and ndots:5. "
       "ClusterFirstWithHostNet: the same for hostNetwork pods. Default: the node's resolver. None: only "
       "what dnsConfig says."},
      {"io.k8s.api.core.v1.PodSpec", "dnsConfig",
       "Extra nameservers, search domains and resolver options merged into the pod's /etc/resolv.conf "
       "(the whole file with dnsPolicy None)."},
      {"io.k8s.api.core.v1.PodSpec", "hostname",
       "The pod's host name (default: the pod's name). With subdomain set, the pod also gets the DNS name "
       "HOSTNAME.SUBDOMAIN.NS.svc.cluster.local from the headless Service named SUBDOMAIN."},
      {"io.k8s.api.core.v1.PodSpec", "subdomain",
       "The name of a headless Service in the pod's namespace; together with hostname it gives the pod a "
       "stable DNS name, as StatefulSet pods have."},
      {"io.k8s.api.core.v1.ContainerPort", "containerPort",
       "A port the container listens on, on the pod's IP. Listing it is informational for traffic (any "
       "port is reachable), but it names the port for Services and NetworkPolicies."},
      {"io.k8s.api.core.v1.ContainerPort", "name",
       "A name for the port (IANA_SVC_NAME, unique in the pod) that a Service's targetPort or a "
       "NetworkPolicy port can use instead of the number."},
      {"io.k8s.api.core.v1.ContainerPort", "hostPort",
       "Also expose containerPort on this port of the node's addresses (DNAT on the node, the CNI "
       "portMappings capability). Two pods using one hostPort cannot share a node."},
      {"io.k8s.api.core.v1.ContainerPort", "protocol", "TCP (default), UDP or SCTP."},
      {"io.k8s.api.core.v1.PodStatus", "podIP",
       "The pod's address on the pod network, given by the CNI plugin from its node's podCIDR. Every pod "
       "can reach it without NAT."},
      {"io.k8s.api.core.v1.PodStatus", "podIPs", "The pod's addresses, one per IP family; the first equals podIP."},
      {"io.k8s.api.core.v1.PodStatus", "hostIP", "The address of the node the pod runs on."},

      // --- Service ------------------------------------------------------------------------------
      {"io.k8s.api.core.v1.ServiceSpec", "type",
       "How the Service is exposed. ClusterIP (default): a virtual IP reachable inside the cluster only. "
       "NodePort: also a port on every node's addresses. LoadBalancer: also an external address (here "
       "from netkube's pool, answered by ARP from one node). ExternalName: only a DNS CNAME."},
      {"io.k8s.api.core.v1.ServiceSpec", "selector",
       "Pods with all these labels become the Service's endpoints (when ready). Without a selector the "
       "endpoints are whatever EndpointSlices you create yourself."},
      {"io.k8s.api.core.v1.ServiceSpec", "ports",
       "The ports the Service offers; each maps port (on the ClusterIP) to targetPort (on the pods)."},
      {"io.k8s.api.core.v1.ServiceSpec", "clusterIP",
       "The virtual IP, chosen from the service CIDR unless given. \"None\" makes a headless Service: no "
       "virtual IP, and DNS answers with the pods' own addresses."},
      {"io.k8s.api.core.v1.ServiceSpec", "clusterIPs", "The virtual IPs, one per IP family; the first equals clusterIP."},
      {"io.k8s.api.core.v1.ServiceSpec", "externalIPs",
       "Addresses outside the cluster's ranges that nodes also accept for this Service's ports."},
      {"io.k8s.api.core.v1.ServiceSpec", "sessionAffinity",
       "ClientIP: keep sending one client address to the same endpoint (for timeoutSeconds of idleness); "
       "None (default): pick an endpoint per connection."},
      {"io.k8s.api.core.v1.ServiceSpec", "externalTrafficPolicy",
       "For NodePort and LoadBalancer traffic. Cluster (default): any node forwards to any endpoint, with "
       "the client address masqueraded. Local: only endpoints on the receiving node, keeping the client "
       "address; a node without one drops the traffic."},
      {"io.k8s.api.core.v1.ServiceSpec", "internalTrafficPolicy",
       "For traffic from inside the cluster. Cluster (default): any endpoint. Local: only endpoints on the "
       "client's node."},
      {"io.k8s.api.core.v1.ServiceSpec", "healthCheckNodePort",
       "With externalTrafficPolicy Local on a LoadBalancer: a node port answering 200 on nodes that have a "
       "ready endpoint and 503 elsewhere, for load balancers to check."},
      {"io.k8s.api.core.v1.ServiceSpec", "externalName",
       "For type ExternalName: the DNS name the Service's name is a CNAME of."},
      {"io.k8s.api.core.v1.ServiceSpec", "publishNotReadyAddresses",
       "Count pods as endpoints before they are ready (DNS and proxies alike), e.g. for peers that must "
       "find each other while starting."},
      {"io.k8s.api.core.v1.ServicePort", "port", "The port on the ClusterIP (and on external addresses)."},
      {"io.k8s.api.core.v1.ServicePort", "targetPort",
       "The port on the pods: a number, or the name of a container port (resolved per pod). Default: the "
       "same as port."},
      {"io.k8s.api.core.v1.ServicePort", "nodePort",
       "For NodePort and LoadBalancer: the port on every node's addresses (30000-32767, chosen unless given)."},
      {"io.k8s.api.core.v1.ServicePort", "name", "Required when there are several ports; names the port in endpoints and DNS SRV records."},
      {"io.k8s.api.core.v1.ServicePort", "protocol", "TCP (default), UDP or SCTP."},
      {"io.k8s.api.core.v1.ServiceStatus", "loadBalancer",
       "The external addresses given to a LoadBalancer Service (the EXTERNAL-IP column)."},

      // --- Endpoints and EndpointSlice ------------------------------------------------------------
      {"io.k8s.api.core.v1.EndpointSubset", "addresses",
       "Ready pod addresses that the Service sends traffic to. Empty means the selector matches no ready "
       "pod: the first place to look when a Service does not answer."},
      {"io.k8s.api.core.v1.EndpointSubset", "notReadyAddresses",
       "Addresses of matching pods that are not ready (yet): no traffic goes to them."},
      {"io.k8s.api.core.v1.EndpointSubset", "ports", "The target ports, named after the Service's ports."},
      {"io.k8s.api.core.v1.EndpointAddress", "targetRef", "The pod behind this address."},
      {"io.k8s.api.discovery.v1.EndpointSlice", "addressType", "IPv4, IPv6 or FQDN: the kind of every address in this slice."},
      {"io.k8s.api.discovery.v1.EndpointSlice", "endpoints",
       "Up to 100 endpoints of one Service (label kubernetes.io/service-name); a large Service has several "
       "slices, so a change rewrites one slice only."},
      {"io.k8s.api.discovery.v1.EndpointSlice", "ports", "The target ports, named after the Service's ports."},
      {"io.k8s.api.discovery.v1.Endpoint", "addresses", "The endpoint's address (one for a pod)."},
      {"io.k8s.api.discovery.v1.Endpoint", "conditions", "Whether the endpoint should get traffic: ready, serving, terminating."},
      {"io.k8s.api.discovery.v1.Endpoint", "nodeName", "The node the endpoint's pod runs on (used for Local traffic policies)."},
      {"io.k8s.api.discovery.v1.Endpoint", "targetRef", "The pod behind the endpoint."},
      {"io.k8s.api.discovery.v1.EndpointConditions", "ready",
       "The pod is ready and not terminating: proxies and DNS use it."},
      {"io.k8s.api.discovery.v1.EndpointConditions", "serving",
       "The pod passes its readiness checks, even while terminating; used only when no endpoint is ready."},
      {"io.k8s.api.discovery.v1.EndpointConditions", "terminating", "The pod is being deleted."},

      // --- Ingress and IngressClass -----------------------------------------------------------
      {"io.k8s.api.networking.v1.IngressSpec", "ingressClassName",
       "The IngressClass whose controller serves this Ingress. Unset: the class marked as default (here "
       "nginx), or a controller that watches class-less Ingresses."},
      {"io.k8s.api.networking.v1.IngressSpec", "defaultBackend",
       "Where requests go that no rule matches. Without it the controller answers 404."},
      {"io.k8s.api.networking.v1.IngressSpec", "rules",
       "Host and path rules; rules for one host may be spread over several Ingresses."},
      {"io.k8s.api.networking.v1.IngressSpec", "tls",
       "Hosts served over HTTPS and the kubernetes.io/tls Secret holding their certificate; the client's "
       "SNI name picks the certificate."},
      {"io.k8s.api.networking.v1.IngressRule", "host",
       "The request's host name (the Host header, without port). \"*.example.com\" matches exactly one more "
       "label (a.example.com, not example.com or a.b.example.com). Empty: every host. Never an IP."},
      {"io.k8s.api.networking.v1.HTTPIngressRuleValue", "paths",
       "Path rules; the longest matching path wins, and Exact beats Prefix for the same path."},
      {"io.k8s.api.networking.v1.HTTPIngressPath", "path", "The URL path to match; must start with '/'."},
      {"io.k8s.api.networking.v1.HTTPIngressPath", "pathType",
       "How path is matched, case-sensitively. Exact: the whole path, no trailing-slash tolerance (/foo "
       "does not match /foo/). Prefix: element by element on '/': /foo matches /foo, /foo/ and /foo/bar, "
       "not /foobar. ImplementationSpecific: up to the controller (netkube: Prefix, or a regex with "
       "ingress-nginx's use-regex)."},
      {"io.k8s.api.networking.v1.HTTPIngressPath", "backend", "Where matching requests go."},
      {"io.k8s.api.networking.v1.IngressBackend", "service",
       "A Service in the Ingress's namespace. Controllers send traffic straight to its ready endpoints, "
       "not through its ClusterIP."},
      {"io.k8s.api.networking.v1.IngressServiceBackend", "name", "The Service's name (same namespace as the Ingress)."},
      {"io.k8s.api.networking.v1.IngressServiceBackend", "port", "One of the Service's ports, by number or by name."},
      {"io.k8s.api.networking.v1.ServiceBackendPort", "number", "The Service port's number (port, not targetPort)."},
      {"io.k8s.api.networking.v1.ServiceBackendPort", "name", "The Service port's name."},
      {"io.k8s.api.networking.v1.IngressTLS", "hosts",
       "Host names the certificate is for; they should match rule hosts. Empty: the Ingress's hosts."},
      {"io.k8s.api.networking.v1.IngressTLS", "secretName",
       "A kubernetes.io/tls Secret (tls.crt, tls.key) in the Ingress's namespace. Missing or broken: the "
       "controller serves its default certificate and says so in an Event."},
      {"io.k8s.api.networking.v1.IngressClassSpec", "controller",
       "Which controller implements this class, e.g. k8s.io/ingress-nginx. An IngressClass is the default "
       "when annotated ingressclass.kubernetes.io/is-default-class: \"true\"."},
      {"io.k8s.api.networking.v1.IngressClassSpec", "parameters", "A controller-specific object with settings for this class."},

      // --- NetworkPolicy ------------------------------------------------------------------------
      {"io.k8s.api.networking.v1.NetworkPolicySpec", "podSelector",
       "The pods of this namespace the policy applies to; {} selects them all. A selected pod is isolated "
       "for the directions in policyTypes: only traffic some policy allows gets through."},
      {"io.k8s.api.networking.v1.NetworkPolicySpec", "policyTypes",
       "Ingress, Egress or both: the directions this policy isolates. Default: Ingress, plus Egress when "
       "there are egress rules."},
      {"io.k8s.api.networking.v1.NetworkPolicySpec", "ingress",
       "Allowed incoming traffic, added up over all rules of all policies selecting the pod. An empty list "
       "allows nothing; a rule {} allows everything."},
      {"io.k8s.api.networking.v1.NetworkPolicySpec", "egress",
       "Allowed outgoing traffic, as ingress. Remember DNS: an egress-isolated pod resolves names only if "
       "port 53 to the DNS pods is allowed."},
      {"io.k8s.api.networking.v1.NetworkPolicyIngressRule", "from",
       "Sources this rule allows (any of the peers); empty: every source."},
      {"io.k8s.api.networking.v1.NetworkPolicyIngressRule", "ports", "Destination ports this rule allows; empty: every port."},
      {"io.k8s.api.networking.v1.NetworkPolicyEgressRule", "to", "Destinations this rule allows (any of the peers); empty: every destination."},
      {"io.k8s.api.networking.v1.NetworkPolicyEgressRule", "ports", "Destination ports this rule allows; empty: every port."},
      {"io.k8s.api.networking.v1.NetworkPolicyPeer", "podSelector",
       "Pods with these labels, in the policy's namespace (or, with namespaceSelector in the same peer, in "
       "the namespaces it selects: both must match)."},
      {"io.k8s.api.networking.v1.NetworkPolicyPeer", "namespaceSelector",
       "Namespaces with these labels ({} = all); select one by name with kubernetes.io/metadata.name."},
      {"io.k8s.api.networking.v1.NetworkPolicyPeer", "ipBlock",
       "A range of addresses (not combined with selectors in the same peer)."},
      {"io.k8s.api.networking.v1.IPBlock", "cidr", "The allowed range, e.g. 10.0.0.0/8."},
      {"io.k8s.api.networking.v1.IPBlock", "except", "Sub-ranges of cidr that are not allowed."},
      {"io.k8s.api.networking.v1.NetworkPolicyPort", "protocol", "TCP (default), UDP or SCTP; a UDP rule never opens TCP."},
      {"io.k8s.api.networking.v1.NetworkPolicyPort", "port",
       "A port number, or a container port name looked up on each destination pod; unset: every port of "
       "the protocol."},
      {"io.k8s.api.networking.v1.NetworkPolicyPort", "endPort", "With a numeric port: the last port of an inclusive range."},
  };
  return all;
}

}  // namespace netkube::api
