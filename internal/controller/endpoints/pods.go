package endpoints

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// podState is what both Endpoints and EndpointSlices need of one pod.
type podState struct {
	pod         *corev1.Pod
	ready       bool // PodReady condition is True
	terminating bool // deletionTimestamp set
}

// eligible says whether a pod is in the Service's endpoints at all:
// it needs an IP and must not have finished. Terminating pods are kept
// only when withTerminating (EndpointSlices keep them with
// terminating=true; Endpoints keep them only for publishNotReadyAddresses).
func eligible(p *corev1.Pod, withTerminating bool) bool {
	if p.Status.PodIP == "" {
		return false
	}
	if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
		return false
	}
	return withTerminating || p.DeletionTimestamp == nil
}

// podReady is Kubernetes' IsPodReady: the PodReady condition is True.
func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func stateOf(p *corev1.Pod) podState {
	return podState{pod: p, ready: podReady(p), terminating: p.DeletionTimestamp != nil}
}

// isHeadless: clusterIP None.
func isHeadless(svc *corev1.Service) bool { return svc.Spec.ClusterIP == corev1.ClusterIPNone }

// hostnameFor is the endpoint hostname Kubernetes publishes: only for a
// headless Service, and only for a pod whose spec.subdomain names that
// Service and which sets spec.hostname. This is what makes
// <hostname>.<service>.<ns>.svc.cluster.local resolve (StatefulSet pods).
func hostnameFor(svc *corev1.Service, p *corev1.Pod) string {
	if !isHeadless(svc) || p.Spec.Hostname == "" || p.Spec.Subdomain != svc.Name || p.Namespace != svc.Namespace {
		return ""
	}
	return p.Spec.Hostname
}

// targetPort resolves a Service port's targetPort against the pod: a number
// is used as is (0 means "same as port"), a name is looked up among the
// pod's container ports of the same protocol.
func targetPort(p *corev1.Pod, sp corev1.ServicePort) (int32, error) {
	tp := sp.TargetPort
	if tp.Type == intstr.String && tp.StrVal != "" {
		for _, c := range p.Spec.Containers {
			for _, cp := range c.Ports {
				if cp.Name == tp.StrVal && protocolOf(cp.Protocol) == protocolOf(sp.Protocol) {
					return cp.ContainerPort, nil
				}
			}
		}
		return 0, fmt.Errorf("no container port named %q (%s) in pod %s/%s", tp.StrVal, protocolOf(sp.Protocol), p.Namespace, p.Name)
	}
	if tp.IntVal == 0 {
		return sp.Port, nil
	}
	return tp.IntVal, nil
}

func protocolOf(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// targetRef points an endpoint at its pod.
func targetRef(p *corev1.Pod) *corev1.ObjectReference {
	return &corev1.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID}
}

// ownedLabels are the labels both objects carry: the Service's own, plus
// service.kubernetes.io/headless for a headless Service.
func ownedLabels(svc *corev1.Service) map[string]string {
	out := map[string]string{}
	for k, v := range svc.Labels {
		out[k] = v
	}
	delete(out, corev1.IsHeadlessService)
	if isHeadless(svc) {
		out[corev1.IsHeadlessService] = ""
	}
	return out
}
