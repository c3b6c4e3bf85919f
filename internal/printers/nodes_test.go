package printers

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var nodes = schema.GroupResource{Resource: "nodes"}

func TestNodeColumns(t *testing.T) {
	assertColumns(t, nodes, &corev1.Node{}, columnSet{
		normal: []string{"Name", "Status", "Roles", "Age", "Version"},
		wide:   []string{"Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"},
	})
}

func TestNodeCells(t *testing.T) {
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "node-1", CreationTimestamp: ago(400 * day), Labels: map[string]string{
			"node-role.kubernetes.io/worker":        "",
			"node-role.kubernetes.io/control-plane": "",
			"node-role.kubernetes.io/":              "",
			"kubernetes.io/role":                    "worker",
		}},
		Spec: corev1.NodeSpec{Unschedulable: true},
		Status: corev1.NodeStatus{
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse}, {Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
			Addresses:  []corev1.NodeAddress{{Type: corev1.NodeHostName, Address: "node-1"}, {Type: corev1.NodeInternalIP, Address: "192.168.1.10"}},
			NodeInfo:   corev1.NodeSystemInfo{KubeletVersion: "v1.37.2", OSImage: "Debian GNU/Linux 13", KernelVersion: "6.12.0", ContainerRuntimeVersion: "containerd://2.1.0"},
		},
	}
	assertCells(t, nodes, n, "node-1", "Ready,SchedulingDisabled", "control-plane,worker", "400d", "v1.37.2",
		"192.168.1.10", "<none>", "Debian GNU/Linux 13", "6.12.0", "containerd://2.1.0")
}

func TestNodeStatusAndPlaceholders(t *testing.T) {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "bare"}}
	assertCells(t, nodes, n, "bare", "Unknown", "<none>", "<unknown>", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>")
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionUnknown}}
	if got := cell(t, nodes, n, "Status"); got != "NotReady" {
		t.Errorf("status = %v, want NotReady", got)
	}
}
