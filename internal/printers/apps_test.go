package printers

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	statefulSets        = schema.GroupResource{Group: "apps", Resource: "statefulsets"}
	deployments         = schema.GroupResource{Group: "apps", Resource: "deployments"}
	replicaSets         = schema.GroupResource{Group: "apps", Resource: "replicasets"}
	controllerRevisions = schema.GroupResource{Group: "apps", Resource: "controllerrevisions"}
)

var webSelector = &metav1.LabelSelector{
	MatchLabels:      map[string]string{"app": "web"},
	MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"front"}}},
}

func TestStatefulSets(t *testing.T) {
	assertColumns(t, statefulSets, &appsv1.StatefulSet{}, columnSet{normal: []string{"Name", "Ready", "Age"}, wide: []string{"Containers", "Images"}})
	sts := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "db", CreationTimestamp: ago(2 * time.Hour)},
		Spec:       appsv1.StatefulSetSpec{Replicas: ptr[int32](3), Template: twoContainers},
		Status:     appsv1.StatefulSetStatus{Replicas: 3, ReadyReplicas: 2},
	}
	assertCells(t, statefulSets, sts, "db", "2/3", "120m", "main,log", "busybox:1.36,fluent-bit:3")

	sts.Spec.Replicas = nil
	if got := cell(t, statefulSets, sts, "Ready"); got != "2/1" {
		t.Errorf("ready with defaulted replicas = %v", got)
	}
}

func TestDeployments(t *testing.T) {
	assertColumns(t, deployments, &appsv1.Deployment{}, columnSet{
		normal: []string{"Name", "Ready", "Up-to-date", "Available", "Age"},
		wide:   []string{"Containers", "Images", "Selector"},
	})
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", CreationTimestamp: ago(7 * day)},
		Spec:       appsv1.DeploymentSpec{Replicas: ptr[int32](4), Selector: webSelector, Template: twoContainers},
		Status:     appsv1.DeploymentStatus{ReadyReplicas: 3, UpdatedReplicas: 4, AvailableReplicas: 3},
	}
	assertCells(t, deployments, d, "web", "3/4", int64(4), int64(3), "7d", "main,log", "busybox:1.36,fluent-bit:3", "app=web,tier in (front)")

	d.Spec.Selector = nil
	if got := cell(t, deployments, d, "Selector"); got != "" {
		t.Errorf("nil selector = %q, want empty as Kubernetes prints it", got)
	}
	d.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "x", Operator: "Bogus"}}}
	if got := cell(t, deployments, d, "Selector"); got != "<invalid>" {
		t.Errorf("bad selector = %q", got)
	}
}

func TestReplicaSets(t *testing.T) {
	assertColumns(t, replicaSets, &appsv1.ReplicaSet{}, columnSet{
		normal: []string{"Name", "Desired", "Current", "Ready", "Age"},
		wide:   []string{"Containers", "Images", "Selector"},
	})
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web-5d8f", CreationTimestamp: ago(7 * day)},
		Spec:       appsv1.ReplicaSetSpec{Replicas: ptr[int32](3), Selector: webSelector, Template: twoContainers},
		Status:     appsv1.ReplicaSetStatus{Replicas: 3, ReadyReplicas: 1},
	}
	assertCells(t, replicaSets, rs, "web-5d8f", int64(3), int64(3), int64(1), "7d", "main,log", "busybox:1.36,fluent-bit:3", "app=web,tier in (front)")
	rs.Spec.Selector = nil
	if got := cell(t, replicaSets, rs, "Selector"); got != "<none>" {
		t.Errorf("nil selector = %q", got)
	}
}

func TestControllerRevisions(t *testing.T) {
	assertColumns(t, controllerRevisions, &appsv1.ControllerRevision{}, columnSet{normal: []string{"Name", "Controller", "Revision", "Age"}})
	cr := &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{Name: "db-7c9", CreationTimestamp: ago(day), OwnerReferences: []metav1.OwnerReference{
			{APIVersion: "v1", Kind: "ConfigMap", Name: "not-the-controller"},
			{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "db", Controller: ptr(true)},
		}},
		Revision: 3,
	}
	assertCells(t, controllerRevisions, cr, "db-7c9", "statefulset.apps/db", int64(3), "24h")

	cr.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Pod", Name: "p", Controller: ptr(true)}}
	if got := cell(t, controllerRevisions, cr, "Controller"); got != "pod/p" {
		t.Errorf("core controller = %v", got)
	}
	cr.OwnerReferences = nil
	if got := cell(t, controllerRevisions, cr, "Controller"); got != "<none>" {
		t.Errorf("no controller = %v", got)
	}
}
