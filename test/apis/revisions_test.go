package apis

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// TestDaemonSetRevisionCopy follows ControllerRevision's conformance
// test: a client copies the DaemonSet's current revision (its data, the
// next number, another name) and deletes the original; the copy is then
// the current revision, and a template change makes exactly one more,
// numbered 3.
func TestDaemonSetRevisionCopy(t *testing.T) {
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t)
	ctx := context.Background()
	lbl := map[string]string{"daemonset-name": "rev-copy"}
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "rev-copy", Namespace: ns},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: lbl},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: lbl},
				Spec: corev1.PodSpec{
					NodeSelector: map[string]string{corev1.LabelHostname: nodeName},
					Containers: []corev1.Container{{Name: "app", Image: "busybox",
						Command: []string{"sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"}}},
				},
			},
		},
	}
	ds, err := cs.AppsV1().DaemonSets(ns).Create(ctx, ds, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const selector = "daemonset-name=rev-copy"
	list := func() []appsv1.ControllerRevision {
		l, err := cs.AppsV1().ControllerRevisions(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			t.Fatal(err)
		}
		return l.Items
	}
	waitFor(t, func() bool { return len(list()) == 1 }, "the DaemonSet's first revision")
	first := list()[0]
	copied := &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{Name: "rev-copy-copied", Namespace: ns,
			Labels:          map[string]string{"daemonset-name": "rev-copy", appsv1.DefaultDaemonSetUniqueLabelKey: "copied"},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(ds, appsv1.SchemeGroupVersion.WithKind("DaemonSet"))}},
		Data: first.Data, Revision: first.Revision + 1,
	}
	if _, err := cs.AppsV1().ControllerRevisions(ns).Create(ctx, copied, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := cs.AppsV1().ControllerRevisions(ns).Delete(ctx, first.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// Nothing is recreated: the copy holds the template.
	time.Sleep(2 * time.Second)
	if revs := list(); len(revs) != 1 || revs[0].Name != copied.Name {
		t.Fatalf("after deleting the original: %v", revNames(revs))
	}
	patch := `{"spec":{"template":{"spec":{"terminationGracePeriodSeconds":1}}}}`
	if _, err := cs.AppsV1().DaemonSets(ns).Patch(ctx, ds.Name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(list()) == 2 }, "a second revision for the new template")
	time.Sleep(2 * time.Second)
	revs := list()
	if len(revs) != 2 {
		t.Fatalf("revisions %v, want the copy and one new", revNames(revs))
	}
	for _, r := range revs {
		if r.Name != copied.Name && r.Revision != 3 {
			t.Errorf("the new revision %s is number %d, want 3", r.Name, r.Revision)
		}
	}
}

func revNames(revs []appsv1.ControllerRevision) []string {
	var out []string
	for _, r := range revs {
		out = append(out, r.Name)
	}
	return out
}
