package e2e

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// TestNamespaceDeletionRemovesPodsFirst: Kubernetes' ordered namespace
// deletion. While a pod of the namespace remains (here held by a
// finalizer after its processes stopped), nothing else of it is deleted
// and the namespace stays Terminating with its deletion conditions; once
// the finalizer goes, the rest follows and the namespace is gone.
func TestNamespaceDeletionRemovesPodsFirst(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	ctx := context.Background()
	c.Run("create", "namespace", "ordered")
	c.RunIn(`apiVersion: v1
kind: Pod
metadata: {name: held, namespace: ordered, finalizers: [e2e.example.com/finalizer]}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: c, image: busybox, command: [sleep, "3600"]}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: kept, namespace: ordered}
data: {k: v}
`, "apply", "-f", "-")
	c.Run("-n", "ordered", "wait", "--for=condition=Ready", "pod/held", "--timeout=60s")
	c.Run("delete", "namespace", "ordered", "--wait=false")

	waitFor(t, func() bool {
		ns, err := cs.CoreV1().Namespaces().Get(ctx, "ordered", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("namespace: %v (deleted while a pod with a finalizer remains?)", err)
		}
		return hasNamespaceCondition(ns, corev1.NamespaceDeletionContentFailure) && hasNamespaceCondition(ns, corev1.NamespaceContentRemaining)
	}, "namespace deletion conditions")
	p, err := cs.CoreV1().Pods("ordered").Get(ctx, "held", metav1.GetOptions{})
	if err != nil || p.DeletionTimestamp == nil {
		t.Fatalf("the pod with a finalizer: %v, %v", p, err)
	}
	if _, err := cs.CoreV1().ConfigMaps("ordered").Get(ctx, "kept", metav1.GetOptions{}); err != nil {
		t.Fatalf("the ConfigMap was deleted while a pod remained: %v", err)
	}

	patch := []byte(`{"metadata":{"finalizers":null}}`)
	if _, err := cs.CoreV1().Pods("ordered").Patch(ctx, "held", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		_, err := cs.CoreV1().Namespaces().Get(ctx, "ordered", metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	}, "namespace gone once its pod is")
}

func hasNamespaceCondition(ns *corev1.Namespace, t corev1.NamespaceConditionType) bool {
	for _, c := range ns.Status.Conditions {
		if c.Type == t {
			return true
		}
	}
	return false
}
