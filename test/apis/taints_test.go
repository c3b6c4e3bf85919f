package apis

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestDefaultTolerationSeconds(t *testing.T) {
	t.Parallel()
	ns, c := newNamespace(t), server(t)
	c.RunIn(defaultMemDemo, "-n", ns, "apply", "-f", "-")
	out := c.Run("-n", ns, "get", "pod", "default-mem-demo", "-o",
		`jsonpath={range .spec.tolerations[*]}{.key}:{.effect}:{.tolerationSeconds}{"\n"}{end}`)
	for _, want := range []string{"node.kubernetes.io/not-ready:NoExecute:300", "node.kubernetes.io/unreachable:NoExecute:300"} {
		if !strings.Contains(out, want) {
			t.Errorf("tolerations lack %s:\n%s", want, out)
		}
	}
}

// TestNoExecuteTaintEvicts taints a fake Node (no agent; the pods are
// bound to it by nodeName) with NoExecute: the pod that does not tolerate
// the taint is evicted at once, the one that tolerates it for 1 s a
// second later, the one that tolerates it for ever stays.
func TestNoExecuteTaintEvicts(t *testing.T) {
	t.Parallel()
	ns, cs, c := newNamespace(t), clientset(t), server(t)
	ctx := context.Background()
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "fake-" + ns}}
	if _, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, name := range []string{"plain", "forever", "briefly"} {
			_ = cs.CoreV1().Pods(ns).Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)})
		}
		_ = cs.CoreV1().Nodes().Delete(ctx, node.Name, metav1.DeleteOptions{})
	})
	tolerate := func(seconds *int64) []corev1.Toleration {
		return []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "db",
			Effect: corev1.TaintEffectNoExecute, TolerationSeconds: seconds}}
	}
	for name, tol := range map[string][]corev1.Toleration{"plain": nil, "forever": tolerate(nil), "briefly": tolerate(ptr.To[int64](1))} {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{NodeName: node.Name, Tolerations: tol,
			Containers: []corev1.Container{{Name: "c", Image: "busybox", Command: []string{"sleep", "3600"}}}}}
		if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	c.Run("taint", "nodes", node.Name, "dedicated=db:NoExecute")
	evicted := func(name string) bool {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err) || err == nil && p.DeletionTimestamp != nil
	}
	waitFor(t, func() bool { return evicted("plain") && evicted("briefly") }, "plain and briefly evicted")
	p, err := cs.CoreV1().Pods(ns).Get(ctx, "plain", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err) // a pod bound to a node without agent waits for its grace period
	}
	found := false
	for _, cond := range p.Status.Conditions {
		if cond.Type == corev1.DisruptionTarget && cond.Status == corev1.ConditionTrue && cond.Reason == "DeletionByTaintManager" {
			found = true
		}
	}
	if !found {
		t.Errorf("plain's conditions = %+v, want DisruptionTarget DeletionByTaintManager", p.Status.Conditions)
	}
	if evicted("forever") {
		t.Error("the pod tolerating the taint for ever was evicted")
	}
	waitFor(t, func() bool {
		out := c.Run("-n", ns, "get", "events", "--field-selector", "involvedObject.name=plain", "-o", "jsonpath={.items[*].reason}")
		return strings.Contains(out, "TaintManagerEviction")
	}, "TaintManagerEviction event")
}
