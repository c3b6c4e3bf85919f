package printers

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	daemonSets             = schema.GroupResource{Group: "apps", Resource: "daemonsets"}
	replicationControllers = schema.GroupResource{Resource: "replicationcontrollers"}
	podTemplates           = schema.GroupResource{Resource: "podtemplates"}
)

func TestDaemonSets(t *testing.T) {
	assertColumns(t, daemonSets, &appsv1.DaemonSet{}, columnSet{
		normal: []string{"Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age"},
		wide:   []string{"Containers", "Images", "Selector"},
	})
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "fluentd", CreationTimestamp: ago(2 * time.Hour)},
		Spec:       appsv1.DaemonSetSpec{Selector: webSelector, Template: *twoContainers.DeepCopy()},
		Status: appsv1.DaemonSetStatus{DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, NumberReady: 2,
			UpdatedNumberScheduled: 1, NumberAvailable: 2},
	}
	assertCells(t, daemonSets, ds, "fluentd", int64(3), int64(3), int64(2), int64(1), int64(2), "<none>", "120m",
		"main,log", "busybox:1.36,fluent-bit:3", "app=web,tier in (front)")
	ds.Spec.Template.Spec.NodeSelector = map[string]string{"disk": "ssd", "kubernetes.io/os": "linux"}
	if got := cell(t, daemonSets, ds, "Node Selector"); got != "disk=ssd,kubernetes.io/os=linux" {
		t.Errorf("node selector = %v", got)
	}
}

func TestReplicationControllers(t *testing.T) {
	assertColumns(t, replicationControllers, &corev1.ReplicationController{}, columnSet{
		normal: []string{"Name", "Desired", "Current", "Ready", "Age"},
		wide:   []string{"Containers", "Images", "Selector"},
	})
	tmpl := twoContainers.DeepCopy()
	rc := &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Name: "nginx", CreationTimestamp: ago(7 * day)},
		Spec:       corev1.ReplicationControllerSpec{Replicas: ptr[int32](3), Selector: map[string]string{"app": "nginx"}, Template: tmpl},
		Status:     corev1.ReplicationControllerStatus{Replicas: 3, ReadyReplicas: 1},
	}
	assertCells(t, replicationControllers, rc, "nginx", int64(3), int64(3), int64(1), "7d", "main,log", "busybox:1.36,fluent-bit:3", "app=nginx")
	rc.Spec.Template, rc.Spec.Replicas = nil, nil
	assertCells(t, replicationControllers, rc, "nginx", int64(1), int64(3), int64(1), "7d", "", "", "app=nginx")
}

func TestPodTemplates(t *testing.T) {
	assertColumns(t, podTemplates, &corev1.PodTemplate{}, columnSet{normal: []string{"Name", "Containers", "Images", "Pod Labels"}})
	pt := &corev1.PodTemplate{ObjectMeta: metav1.ObjectMeta{Name: "tmpl"}, Template: *twoContainers.DeepCopy()}
	pt.Template.Labels = map[string]string{"app": "web"}
	assertCells(t, podTemplates, pt, "tmpl", "main,log", "busybox:1.36,fluent-bit:3", "app=web")
	pt.Template.Labels = nil
	if got := cell(t, podTemplates, pt, "Pod Labels"); got != "<none>" {
		t.Errorf("no labels = %v", got)
	}
}
