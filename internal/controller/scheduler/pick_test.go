package scheduler

import (
	"fmt"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestPickNode(t *testing.T) {
	affinity := "node(s) didn't match Pod's node affinity/selector"
	tests := []struct {
		name    string
		pod     *corev1.Pod
		nodes   []*corev1.Node
		load    map[string]int
		want    string
		reasons map[string]int
	}{
		{name: "fewest pods wins", pod: pod("p"),
			nodes: []*corev1.Node{node("a"), node("b"), node("c")},
			load:  map[string]int{"a": 2, "b": 1, "c": 3}, want: "b"},
		{name: "tie goes to name order", pod: pod("p"),
			nodes: []*corev1.Node{node("c"), node("b")}, want: "b"},
		{name: "no nodes", pod: pod("p"), reasons: map[string]int{}},
		{name: "cordoned", pod: pod("p"), nodes: []*corev1.Node{node("a", cordoned)},
			reasons: map[string]int{"node(s) were unschedulable": 1}},
		{name: "cordoned but tolerated", want: "a", nodes: []*corev1.Node{node("a", cordoned)},
			pod: pod("p", toleration(corev1.Toleration{Key: corev1.TaintNodeUnschedulable, Operator: corev1.TolerationOpExists}))},
		{name: "not ready, unknown, no condition", pod: pod("p"),
			nodes: []*corev1.Node{node("a", ready(corev1.ConditionFalse)), node("b", ready(corev1.ConditionUnknown)),
				node("c", func(n *corev1.Node) { n.Status.Conditions = nil })},
			reasons: map[string]int{
				"node(s) had untolerated taint {node.kubernetes.io/not-ready: }":   2,
				"node(s) had untolerated taint {node.kubernetes.io/unreachable: }": 1,
			}},
		{name: "untolerated taints", pod: pod("p"),
			nodes: []*corev1.Node{
				node("a", tainted("gpu", "true", corev1.TaintEffectNoSchedule)),
				node("b", tainted("gpu", "true", corev1.TaintEffectNoExecute)),
				node("c", tainted("soft", "", corev1.TaintEffectPreferNoSchedule)),
			}, load: map[string]int{"c": 9}, want: "c"},
		{name: "taint reasons counted", pod: pod("p"),
			nodes: []*corev1.Node{
				node("a", tainted("gpu", "true", corev1.TaintEffectNoSchedule)),
				node("b", tainted("gpu", "true", corev1.TaintEffectNoSchedule)),
				node("c", tainted("node-role.kubernetes.io/control-plane", "", corev1.TaintEffectNoSchedule)),
			},
			reasons: map[string]int{
				"node(s) had untolerated taint {gpu: true}":                               2,
				"node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }": 1,
			}},
		{name: "toleration Equal", want: "a",
			nodes: []*corev1.Node{node("a", tainted("gpu", "true", corev1.TaintEffectNoSchedule))},
			pod:   pod("p", toleration(corev1.Toleration{Key: "gpu", Operator: corev1.TolerationOpEqual, Value: "true", Effect: corev1.TaintEffectNoSchedule}))},
		{name: "toleration wrong value",
			nodes:   []*corev1.Node{node("a", tainted("gpu", "true", corev1.TaintEffectNoSchedule))},
			pod:     pod("p", toleration(corev1.Toleration{Key: "gpu", Value: "false"})),
			reasons: map[string]int{"node(s) had untolerated taint {gpu: true}": 1}},
		{name: "toleration Exists without key tolerates all", want: "a",
			nodes: []*corev1.Node{node("a", tainted("gpu", "true", corev1.TaintEffectNoExecute))},
			pod:   pod("p", toleration(corev1.Toleration{Operator: corev1.TolerationOpExists}))},
		{name: "node selector", pod: pod("p", selector("disk", "ssd")), want: "b",
			nodes:   []*corev1.Node{node("a", labelled("disk", "hdd")), node("b", labelled("disk", "ssd")), node("c")},
			load:    map[string]int{"b": 5},
			reasons: nil},
		{name: "node selector matches none", pod: pod("p", selector("disk", "ssd"), selector("zone", "x")),
			nodes:   []*corev1.Node{node("a", labelled("disk", "ssd")), node("b")},
			reasons: map[string]int{affinity: 2}},
		{name: "affinity In", pod: pod("p", required(expr("zone", corev1.NodeSelectorOpIn, "x", "y"))), want: "b",
			nodes: []*corev1.Node{node("a", labelled("zone", "z")), node("b", labelled("zone", "y"))}},
		{name: "affinity NotIn", pod: pod("p", required(expr("zone", corev1.NodeSelectorOpNotIn, "z"))), want: "b",
			nodes: []*corev1.Node{node("a", labelled("zone", "z")), node("b", labelled("zone", "y"))}},
		{name: "affinity Exists", pod: pod("p", required(expr("gpu", corev1.NodeSelectorOpExists))), want: "b",
			nodes: []*corev1.Node{node("a"), node("b", labelled("gpu", ""))}},
		{name: "affinity DoesNotExist", pod: pod("p", required(expr("gpu", corev1.NodeSelectorOpDoesNotExist))), want: "a",
			nodes: []*corev1.Node{node("a"), node("b", labelled("gpu", ""))}, load: map[string]int{"a": 3}},
		{name: "affinity Gt", pod: pod("p", required(expr("cores", corev1.NodeSelectorOpGt, "4"))), want: "b",
			nodes: []*corev1.Node{node("a", labelled("cores", "4")), node("b", labelled("cores", "16"))}},
		{name: "affinity Lt", pod: pod("p", required(expr("cores", corev1.NodeSelectorOpLt, "8"))), want: "a",
			nodes: []*corev1.Node{node("a", labelled("cores", "4")), node("b", labelled("cores", "16"))}},
		{name: "affinity matchFields metadata.name", want: "b",
			pod: pod("p", required(corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{
				{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{"b"}}}})),
			nodes: []*corev1.Node{node("a"), node("b")}, load: map[string]int{"b": 1}},
		{name: "affinity invalid term fits nothing",
			pod:     pod("p", required(expr("cores", corev1.NodeSelectorOpGt, "many"))),
			nodes:   []*corev1.Node{node("a", labelled("cores", "4"))},
			reasons: map[string]int{affinity: 1}},
		{name: "first failing filter is the reason", pod: pod("p", selector("disk", "ssd")),
			nodes: []*corev1.Node{node("a", cordoned, tainted("k", "v", corev1.TaintEffectNoSchedule)),
				node("b", tainted("k", "v", corev1.TaintEffectNoSchedule))},
			reasons: map[string]int{"node(s) were unschedulable": 1, "node(s) had untolerated taint {k: v}": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reasons := pickNode(tt.pod, tt.nodes, placedFromLoad(tt.load), podVolumes{})
			if got != tt.want {
				t.Errorf("node = %q, want %q", got, tt.want)
			}
			if tt.want == "" && !reflect.DeepEqual(reasons, tt.reasons) {
				t.Errorf("reasons = %v, want %v", reasons, tt.reasons)
			}
			if tt.want != "" && reasons != nil {
				t.Errorf("reasons %v given with a node", reasons)
			}
		})
	}
}

// placedFromLoad stands n plain pods on each node for a load of n.
func placedFromLoad(load map[string]int) map[string][]*corev1.Pod {
	placed := map[string][]*corev1.Pod{}
	for node, n := range load {
		for i := 0; i < n; i++ {
			placed[node] = append(placed[node], pod(fmt.Sprintf("%s-%d", node, i), onNode(node)))
		}
	}
	return placed
}

// The NodePorts filter: a node where another pod holds the host port
// (on the same address, or on all of them) does not fit.
func TestPickNodeHostPorts(t *testing.T) {
	withPort := func(ip string, port int32, proto corev1.Protocol) podOpt {
		return func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, corev1.ContainerPort{ContainerPort: 80, HostPort: port, HostIP: ip, Protocol: proto})
		}
	}
	nodes := []*corev1.Node{node("a"), node("b")}
	placed := map[string][]*corev1.Pod{"a": {pod("holder", onNode("a"), withPort("", 8080, corev1.ProtocolTCP))},
		"b": {pod("holder-b", onNode("b"), withPort("127.0.0.1", 8080, corev1.ProtocolTCP))}}
	if got, reasons := pickNode(pod("p", withPort("10.0.0.1", 8080, corev1.ProtocolTCP)), nodes, placed, podVolumes{}); got != "b" {
		t.Errorf("another address on b is free: got %q, %v", got, reasons)
	}
	got, reasons := pickNode(pod("p", withPort("127.0.0.1", 8080, corev1.ProtocolTCP)), nodes, placed, podVolumes{})
	if got != "" || reasons[errReasonNodePorts] != 2 {
		t.Errorf("the port is taken on both: got %q, %v", got, reasons)
	}
	if got, _ := pickNode(pod("p", withPort("", 8080, corev1.ProtocolUDP)), nodes, placed, podVolumes{}); got == "" {
		t.Error("UDP 8080 is free on both")
	}
}
