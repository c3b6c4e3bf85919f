package nodeauthz

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
)

func TestNodeRestriction(t *testing.T) {
	podA := podOn("a", "node-a", corev1.PodSpec{})
	podB := podOn("b", "node-b", corev1.PodSpec{})
	pinnedB := &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "pv-b"}, Spec: corev1.PersistentVolumeSpec{NodeAffinity: &corev1.VolumeNodeAffinity{
		Required: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{
			{Key: corev1.LabelHostname, Operator: corev1.NodeSelectorOpIn, Values: []string{"node-b"}}}}}}}}}
	f, _ := testFactory(t, podA, podB, pinnedB)
	p := NewAdmission(f)
	nodes := corev1.SchemeGroupVersion.WithResource("nodes")
	pods := corev1.SchemeGroupVersion.WithResource("pods")
	leases := schema.GroupVersionResource{Group: "coordination.k8s.io", Version: "v1", Resource: "leases"}
	pvs := corev1.SchemeGroupVersion.WithResource("persistentvolumes")
	cases := []struct {
		name          string
		gvr           schema.GroupVersionResource
		sub, ns, what string
		op            admission.Operation
		old           runtime.Object
		want          string
	}{
		{"own node status", nodes, "status", "", "node-a", admission.Update, nil, ""},
		{"other node", nodes, "", "", "node-b", admission.Update, nil, `nodes "node-b" is forbidden: node "node-a" is not allowed to modify node "node-b"`},
		{"create other node", nodes, "", "", "node-b", admission.Create, nil, `nodes "node-b" is forbidden: node "node-a" is not allowed to modify node "node-b"`},
		{"own lease", leases, "", corev1.NamespaceNodeLease, "node-a", admission.Update, nil, ""},
		{"other lease", leases, "", corev1.NamespaceNodeLease, "node-b", admission.Update, nil, `leases.coordination.k8s.io "node-b" is forbidden: can only access node lease with the same name as the requesting node`},
		{"lease elsewhere", leases, "", "ns", "slot", admission.Update, nil, ""},
		{"own pod status", pods, "status", "ns", "a", admission.Update, podA, ""},
		{"other pod status", pods, "status", "ns", "b", admission.Update, podB, `pods "b" is forbidden: node "node-a" can only update pod status for pods with spec.nodeName set to itself`},
		{"delete own pod", pods, "", "ns", "a", admission.Delete, nil, ""},
		{"delete other pod", pods, "", "ns", "b", admission.Delete, nil, `pods "b" is forbidden: node "node-a" can only delete pods with spec.nodeName set to itself`},
		{"create pod", pods, "", "ns", "x", admission.Create, nil, `pods "x" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "node-a" can only create mirror pods`},
		{"delete other node's volume", pvs, "", "", "pv-b", admission.Delete, nil, `persistentvolumes "pv-b" is forbidden: node "node-a" can only delete persistent volumes pinned to itself`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			attrs := admission.NewAttributesRecord(nil, c.old, schema.GroupVersionKind{}, c.ns, c.what, c.gvr, c.sub, c.op, nil, false, node("node-a"))
			err := p.Validate(context.Background(), attrs, nil)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
