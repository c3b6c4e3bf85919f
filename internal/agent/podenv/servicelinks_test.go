package podenv

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func svc(ns, name, ip string, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.ServiceSpec{ClusterIP: ip, Ports: ports}}
}

func envMap(env []corev1.EnvVar) map[string]string {
	m := map[string]string{}
	for _, e := range env {
		m[e.Name] = e.Value
	}
	return m
}

func TestServiceLinksFollowTheKubelet(t *testing.T) {
	services := []*corev1.Service{
		svc("default", "kubernetes", "10.43.0.1", corev1.ServicePort{Name: "https", Port: 443, Protocol: corev1.ProtocolTCP}),
		svc("app", "redis-master", "10.43.0.9", corev1.ServicePort{Name: "redis", Port: 6379},
			corev1.ServicePort{Name: "dns-udp", Port: 53, Protocol: corev1.ProtocolUDP}),
		svc("app", "headless", corev1.ClusterIPNone, corev1.ServicePort{Port: 80}),
		svc("other", "elsewhere", "10.43.0.7", corev1.ServicePort{Port: 80}),
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "app"}}
	got := envMap(ServiceLinks(pod, services))
	want := map[string]string{
		"KUBERNETES_SERVICE_HOST":           "10.43.0.1",
		"KUBERNETES_SERVICE_PORT":           "443",
		"KUBERNETES_SERVICE_PORT_HTTPS":     "443",
		"KUBERNETES_PORT":                   "tcp://10.43.0.1:443",
		"KUBERNETES_PORT_443_TCP":           "tcp://10.43.0.1:443",
		"KUBERNETES_PORT_443_TCP_PROTO":     "tcp",
		"KUBERNETES_PORT_443_TCP_PORT":      "443",
		"KUBERNETES_PORT_443_TCP_ADDR":      "10.43.0.1",
		"REDIS_MASTER_SERVICE_HOST":         "10.43.0.9",
		"REDIS_MASTER_SERVICE_PORT":         "6379",
		"REDIS_MASTER_SERVICE_PORT_REDIS":   "6379",
		"REDIS_MASTER_SERVICE_PORT_DNS_UDP": "53",
		"REDIS_MASTER_PORT":                 "tcp://10.43.0.9:6379",
		"REDIS_MASTER_PORT_6379_TCP":        "tcp://10.43.0.9:6379",
		"REDIS_MASTER_PORT_53_UDP":          "udp://10.43.0.9:53",
		"REDIS_MASTER_PORT_53_UDP_PROTO":    "udp",
		"REDIS_MASTER_PORT_53_UDP_ADDR":     "10.43.0.9",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	for _, absent := range []string{"HEADLESS_SERVICE_HOST", "ELSEWHERE_SERVICE_HOST"} {
		if _, ok := got[absent]; ok {
			t.Errorf("%s set: headless Services and other namespaces' Services give no links", absent)
		}
	}

	off := false
	pod.Spec.EnableServiceLinks = &off
	got = envMap(ServiceLinks(pod, services))
	if got["KUBERNETES_SERVICE_HOST"] != "10.43.0.1" {
		t.Error("with enableServiceLinks false the kubernetes Service must still be linked: in-cluster clients need it")
	}
	if _, ok := got["REDIS_MASTER_SERVICE_HOST"]; ok {
		t.Error("enableServiceLinks false still linked the namespace's Services")
	}
}

func TestServiceLinksPreferTheNamespacesOwnKubernetesService(t *testing.T) {
	services := []*corev1.Service{
		svc("default", "kubernetes", "10.43.0.1", corev1.ServicePort{Port: 443}),
		svc("app", "kubernetes", "10.43.0.5", corev1.ServicePort{Port: 8080}),
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "app"}}
	if got := envMap(ServiceLinks(pod, services)); got["KUBERNETES_SERVICE_HOST"] != "10.43.0.5" {
		t.Errorf("KUBERNETES_SERVICE_HOST = %q: the pod's own namespace wins, as in the kubelet", got["KUBERNETES_SERVICE_HOST"])
	}
}
