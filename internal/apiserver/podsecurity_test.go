package apiserver

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/initializer"
	"k8s.io/apiserver/pkg/audit"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
)

// TestPodSecurityAuditAnnotations: an audit level records the violations
// as the pod-security.kubernetes.io/audit-violations audit annotation
// (ordo writes no audit log, but a server in front of it would).
func TestPodSecurityAuditAnnotations(t *testing.T) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a", Labels: map[string]string{"pod-security.kubernetes.io/audit": "baseline"}}}
	client := fake.NewClientset(ns)
	f := informers.NewSharedInformerFactory(client, 0)
	plugins := admission.NewPlugins()
	registerPodSecurity(plugins)
	p, err := plugins.InitPlugin(podSecurityPluginName, nil, initializer.New(client, nil, f, nil, nil, nil, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())

	yes := true
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "a"}, Spec: corev1.PodSpec{
		Containers: []corev1.Container{{Name: "c", Image: "busybox", SecurityContext: &corev1.SecurityContext{Privileged: &yes}}},
	}}
	attrs := admission.NewAttributesRecord(pod, nil, corev1.SchemeGroupVersion.WithKind("Pod"), "a", "p",
		corev1.SchemeGroupVersion.WithResource("pods"), "", admission.Create, &metav1.CreateOptions{}, false, &user.DefaultInfo{Name: "u"})
	actx := audit.WithAuditContext(ctx)
	if err := p.(admission.ValidationInterface).Validate(actx, attrs, nil); err != nil {
		t.Fatalf("audit must not refuse: %v", err)
	}
	got := audit.AuditContextFrom(actx).GetEventAnnotations()
	want := `privileged (container "c" must not set securityContext.privileged=true)`
	if v := got["pod-security.kubernetes.io/audit-violations"]; !strings.Contains(v, want) {
		t.Errorf("audit annotations = %v, want audit-violations containing %q", got, want)
	}
	if got["pod-security.kubernetes.io/enforce-policy"] != "privileged:latest" {
		t.Errorf("enforce-policy annotation = %q, want privileged:latest", got["pod-security.kubernetes.io/enforce-policy"])
	}
}

// TestAdmissionOrderIsKubeAPIServers keeps ordo's plugins in the relative
// order kube-apiserver runs them in; plugins of ordo's own (named Ordo...)
// have no place there and are skipped.
func TestAdmissionOrderIsKubeAPIServers(t *testing.T) {
	// NodeRestriction is not on by default in kube-apiserver, but
	// kubeadm and k3s clusters enable it, at its AllOrderedPlugins place.
	kube := []string{"NamespaceLifecycle", "LimitRanger", "ServiceAccount", "NodeRestriction", "TaintNodesByCondition", "PodSecurity",
		"Priority", "DefaultTolerationSeconds", "DefaultStorageClass", "StorageObjectInUseProtection",
		"PersistentVolumeClaimResize", "RuntimeClass", "DefaultIngressClass",
		"MutatingAdmissionPolicy", "MutatingAdmissionWebhook", "ValidatingAdmissionPolicy", "ValidatingAdmissionWebhook", "ResourceQuota"}
	pos := map[string]int{}
	for i, n := range kube {
		pos[n] = i
	}
	last := -1
	for _, n := range admissionOrder() {
		if strings.HasPrefix(n, "Ordo") {
			continue
		}
		i, ok := pos[n]
		if !ok {
			t.Fatalf("%s is not one of kube-apiserver's default plugins", n)
		}
		if i <= last {
			t.Errorf("%s is out of kube-apiserver's order: %v", n, admissionOrder())
		}
		last = i
	}
}
