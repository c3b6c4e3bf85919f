package dashboard

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/rest"
	metricsclient "k8s.io/metrics/pkg/client/clientset/versioned"
)

// nodeRow is a node as `kubectl get nodes` and `kubectl top nodes` show
// it, with how many of the pods the user may see run there.
type nodeRow struct {
	*corev1.Node
	Status, Roles string
	Pods          int
	// CPU and Memory are metrics.k8s.io's usage against allocatable;
	// empty when the metrics are unavailable or the user may not read them.
	CPU, Memory string
}

type nodesData struct {
	Items []nodeRow
	// Denied: the user may not list nodes.
	Denied bool
}

func (d *Dashboard) serveNodes(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	acc := d.access(r.Context(), u)
	var data nodesData
	if !acc.mayList(kindNodes, "") {
		data.Denied = true
		d.render(w, r, "nodes", page{Title: "Nodes", Nav: "nodes", Data: data})
		return
	}
	nodes, _ := d.cache.nodes.List(labels.Everything())
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	perNode := map[string]int{}
	pods := listIn(d, acc, kindPods, filter{selector: labels.Everything()}, d.cache.pods.List, func(ns string, s labels.Selector) ([]*corev1.Pod, error) {
		return d.cache.pods.Pods(ns).List(s)
	})
	for _, p := range pods {
		perNode[p.Spec.NodeName]++
	}
	usage := d.nodeUsage(r.Context(), u)
	for _, n := range nodes {
		row := nodeRow{Node: n, Status: nodeStatus(n), Roles: nodeRoles(n), Pods: perNode[n.Name]}
		if m, ok := usage[n.Name]; ok {
			row.CPU = percentOf(m[corev1.ResourceCPU], n.Status.Allocatable[corev1.ResourceCPU], true)
			row.Memory = percentOf(m[corev1.ResourceMemory], n.Status.Allocatable[corev1.ResourceMemory], false)
		}
		data.Items = append(data.Items, row)
	}
	d.render(w, r, "nodes", page{Title: "Nodes", Nav: "nodes", Live: []string{kindNodes, kindPods}, Data: data})
}

// nodeUsage reads metrics.k8s.io's NodeMetrics as the user (what
// `kubectl top nodes` shows); nothing when that fails.
func (d *Dashboard) nodeUsage(ctx context.Context, u user.Info) map[string]corev1.ResourceList {
	cfg := rest.CopyConfig(d.cfg.Loopback)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: u.GetName(), UID: u.GetUID(), Groups: u.GetGroups(), Extra: u.GetExtra()}
	c, err := metricsclient.NewForConfig(cfg)
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	list, err := c.MetricsV1beta1().NodeMetricses().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil
	}
	out := map[string]corev1.ResourceList{}
	for _, m := range list.Items {
		out[m.Name] = m.Usage
	}
	return out
}

// percentOf is "used (p%)" in kubectl top's units: millicores, Mi.
func percentOf(used, alloc resource.Quantity, cpu bool) string {
	var s string
	if cpu {
		s = resource.NewMilliQuantity(used.MilliValue(), resource.DecimalSI).String()
		if !strings.HasSuffix(s, "m") {
			s = itoa(used.MilliValue()) + "m"
		}
	} else {
		s = itoa(used.Value()/(1<<20)) + "Mi"
	}
	if a := alloc.MilliValue(); a > 0 {
		s += " (" + itoa(used.MilliValue()*100/a) + "%)"
	}
	return s
}

// nodeStatus is kubectl's STATUS column: Ready, NotReady or Unknown, and
// SchedulingDisabled for a cordoned node.
func nodeStatus(n *corev1.Node) string {
	s := "Unknown"
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			switch c.Status {
			case corev1.ConditionTrue:
				s = "Ready"
			case corev1.ConditionFalse:
				s = "NotReady"
			}
		}
	}
	if n.Spec.Unschedulable {
		s += ",SchedulingDisabled"
	}
	return s
}

// nodeRoles is kubectl's ROLES column, from node-role.kubernetes.io/ labels.
func nodeRoles(n *corev1.Node) string {
	var roles []string
	for k := range n.Labels {
		if r, ok := strings.CutPrefix(k, "node-role.kubernetes.io/"); ok && r != "" {
			roles = append(roles, r)
		}
	}
	sort.Strings(roles)
	if len(roles) == 0 {
		return "<none>"
	}
	return strings.Join(roles, ",")
}
