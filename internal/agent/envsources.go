package agent

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/ordo-dev/ordo/internal/agent/podenv"
)

// serviceLinks are the service-link variables of p's containers. The
// Services are read when a container starts, as the kubelet reads them; a
// Service made later is not in the environment of what already runs.
func (a *Agent) serviceLinks(p *corev1.Pod) []corev1.EnvVar {
	if a.services == nil {
		return nil
	}
	// Only what can be linked, through the informer's namespace index: the
	// pod's namespace, and the API's Service; not every Service there is.
	services, err := a.services.Services(p.Namespace).List(labels.Everything())
	if err != nil {
		return nil
	}
	if p.Namespace != metav1.NamespaceDefault {
		if api, err := a.services.Services(metav1.NamespaceDefault).Get("kubernetes"); err == nil {
			services = append(services, api)
		}
	}
	return podenv.ServiceLinks(p, services)
}

// apiSources reads the ConfigMaps and Secrets env references name.
type apiSources struct {
	ctx context.Context
	a   *Agent
}

func (s apiSources) ConfigMap(ns, name string) (*corev1.ConfigMap, error) {
	return s.a.objects.ConfigMap(s.ctx, ns, name)
}

func (s apiSources) Secret(ns, name string) (*corev1.Secret, error) {
	return s.a.objects.Secret(s.ctx, ns, name)
}

// withAddresses is p with the addresses the agent is about to report, so
// fieldRefs to status.podIP and status.hostIP resolve on the first start.
func withAddresses(p *corev1.Pod, hostIP, podIP string) *corev1.Pod {
	c := *p
	c.Status.HostIP, c.Status.PodIP = hostIP, podIP
	c.Status.HostIPs, c.Status.PodIPs = []corev1.HostIP{{IP: hostIP}}, []corev1.PodIP{{IP: podIP}}
	return &c
}
