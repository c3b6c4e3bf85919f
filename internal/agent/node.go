package agent

import (
	"context"
	"fmt"
	"net"
	"os"
	goruntime "runtime"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/ptr"

	"github.com/ordo-dev/ordo/internal/agent/pressure"
)

// Kubernetes' kubelet timings: a lease renewed every 10 s that lasts 40 s,
// and the node status refreshed every minute.
const (
	leaseDurationSeconds = 40
	leaseRenewInterval   = 10 * time.Second
	nodeStatusInterval   = time.Minute
	// DefaultMaxPods is the kubelet's --max-pods default, the pods the
	// node's allocatable offers the scheduler.
	DefaultMaxPods = 110
)

// nodeObject is this node as the agent registers it.
func (a *Agent) nodeObject() *corev1.Node {
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: a.cfg.NodeName, Labels: NodeLabels(a.cfg.NodeName)},
	}
	n.Status = a.nodeStatus()
	return n
}

// NodeLabels are the labels a Node is registered with, as the kubelet's:
// also for a Node created before its agent runs (package node, which waits
// for the Node's pod range before the agent starts).
func NodeLabels(name string) map[string]string {
	return map[string]string{
		corev1.LabelHostname:   name,
		corev1.LabelOSStable:   goruntime.GOOS,
		corev1.LabelArchStable: goruntime.GOARCH,
	}
}

// nodeStatus is the node's status as measured now: MemoryPressure,
// DiskPressure and PIDPressure from the machine against the kubelet's
// default hard eviction thresholds, then Ready, in the kubelet's order.
// allocatable is the node's allocatable resources, as nodeStatus reports
// them, for a pod's start (memory volumes' size, the downward API's
// defaults): only the memory and disk capacity they come from are read, not
// the whole status (pressure signals, node info, the image list) that
// nodeStatus builds for the heartbeat.
func (a *Agent) allocatable() corev1.ResourceList {
	_, allocatable := nodeResources(pressure.Capacity(a.cfg.DataDir), a.cfg.MaxPods)
	return allocatable
}

func (a *Agent) nodeStatus() corev1.NodeStatus {
	now := metav1.NewTime(a.cfg.Clock.Now())
	signals := pressure.Sample(a.cfg.DataDir)
	capacity, allocatable := nodeResources(signals, a.cfg.MaxPods)
	conds := append(pressure.Conditions(signals, pressure.DefaultThresholds()), corev1.NodeCondition{
		Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
		Message: "ordo agent is posting ready status",
	})
	for i := range conds {
		conds[i].LastHeartbeatTime, conds[i].LastTransitionTime = now, now
	}
	return corev1.NodeStatus{
		Capacity: capacity, Allocatable: allocatable,
		Conditions: conds,
		Addresses: []corev1.NodeAddress{
			{Type: corev1.NodeInternalIP, Address: a.cfg.NodeIP},
			{Type: corev1.NodeHostName, Address: a.cfg.NodeName},
		},
		NodeInfo: nodeInfo(),
		Images:   a.nodeImages(),
	}
}

// register creates the Node, or refreshes the status of an existing one
// (keeping the transition time of a condition that did not change).
func (a *Agent) register(ctx context.Context) error {
	nodes := a.cfg.Client.CoreV1().Nodes()
	want := a.nodeObject()
	existing, err := nodes.Get(ctx, want.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = nodes.Create(ctx, want, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	return a.updateNodeStatus(ctx, existing)
}

func (a *Agent) updateNodeStatus(ctx context.Context, existing *corev1.Node) error {
	n := existing.DeepCopy()
	status := a.nodeStatus()
	for i, c := range status.Conditions {
		for _, old := range n.Status.Conditions {
			if old.Type == c.Type && old.Status == c.Status {
				status.Conditions[i].LastTransitionTime = old.LastTransitionTime
			}
		}
	}
	keepExtendedResources(&status, n.Status)
	n.Status = status
	_, err := a.cfg.Client.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{})
	return err
}

// keepExtendedResources carries over into status the extended resources
// (example.com/foo: a domain outside kubernetes.io) that have's capacity
// holds and the agent does not measure, as the kubelet keeps the capacity
// it does not manage: device plugins' or a client's patch of
// status.capacity. Their allocatable is their capacity, as the kubelet
// sets it; one no longer in capacity leaves allocatable too.
func keepExtendedResources(status *corev1.NodeStatus, have corev1.NodeStatus) {
	for name, q := range have.Capacity {
		if _, measured := status.Capacity[name]; measured || !isExtendedResource(name) {
			continue
		}
		if status.Capacity == nil {
			status.Capacity = corev1.ResourceList{}
		}
		if status.Allocatable == nil {
			status.Allocatable = corev1.ResourceList{}
		}
		status.Capacity[name] = q.DeepCopy()
		status.Allocatable[name] = q.DeepCopy()
	}
}

// isExtendedResource is Kubernetes' IsExtendedResourceName: a resource
// with a domain other than kubernetes.io, still a qualified name once
// prefixed with "requests.".
func isExtendedResource(name corev1.ResourceName) bool {
	s := string(name)
	if !strings.Contains(s, "/") || strings.Contains(s, corev1.ResourceDefaultNamespacePrefix) ||
		strings.HasPrefix(s, corev1.DefaultResourceRequestsPrefix) {
		return false
	}
	return len(validation.IsQualifiedName(corev1.DefaultResourceRequestsPrefix+s)) == 0
}

// heartbeat renews the node lease every 10 s and the node status every
// minute, or at once when a condition's status differs from the Node's
// (see conditionsChanged), until ctx is done.
func (a *Agent) heartbeat(ctx context.Context) {
	ticker := a.cfg.Clock.NewTicker(leaseRenewInterval)
	defer ticker.Stop()
	lastStatus := a.cfg.Clock.Now()
	for {
		if err := a.renewLease(ctx); err != nil && ctx.Err() == nil {
			a.log("renew node lease: %v", err)
		}
		if n, err := a.cfg.Client.CoreV1().Nodes().Get(ctx, a.cfg.NodeName, metav1.GetOptions{}); err == nil &&
			(a.cfg.Clock.Since(lastStatus) >= nodeStatusInterval || a.statusChanged(n)) {
			if err := a.updateNodeStatus(ctx, n); err == nil {
				lastStatus = a.cfg.Clock.Now()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C():
		}
	}
}

func (a *Agent) renewLease(ctx context.Context) error {
	leases := a.cfg.Client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	now := metav1.NewMicroTime(a.cfg.Clock.Now())
	l, err := leases.Get(ctx, a.cfg.NodeName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		l = &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: a.cfg.NodeName, Namespace: corev1.NamespaceNodeLease}}
		l.Spec = coordinationv1.LeaseSpec{HolderIdentity: ptr.To(a.cfg.NodeName), LeaseDurationSeconds: ptr.To[int32](leaseDurationSeconds), RenewTime: &now}
		if node, err := a.cfg.Client.CoreV1().Nodes().Get(ctx, a.cfg.NodeName, metav1.GetOptions{}); err == nil {
			l.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID}}
		}
		_, err = leases.Create(ctx, l, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	l.Spec.HolderIdentity = ptr.To(a.cfg.NodeName)
	l.Spec.LeaseDurationSeconds = ptr.To[int32](leaseDurationSeconds)
	l.Spec.RenewTime = &now
	_, err = leases.Update(ctx, l, metav1.UpdateOptions{})
	return err
}

// HostIP is the address other nodes reach this one on: the source address of
// the default route, or loopback on a machine without one.
func HostIP() string {
	ifaces, err := net.InterfaceAddrs()
	if err != nil {
		return "127.0.0.1"
	}
	for _, a := range ifaces {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && !ipn.IP.IsLoopback() && ipn.IP.IsGlobalUnicast() {
			return ipn.IP.String()
		}
	}
	return "127.0.0.1"
}

func memTotal() int64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	var kb int64
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "MemTotal:") {
			fmt.Sscanf(strings.TrimPrefix(line, "MemTotal:"), "%d", &kb)
		}
	}
	return kb * 1024
}

func kernel() string {
	data, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return strings.TrimSpace(string(data))
}

func osImage() string {
	data, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return "Linux"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return "Linux"
}

// conditionsChanged says whether a condition of want has another status
// in have (or is missing there): the node lifecycle controller marked the
// node Unknown while this agent was cut off, or a pressure began or ended.
func conditionsChanged(have, want []corev1.NodeCondition) bool {
	for _, w := range want {
		if statusOf(have, w.Type) != w.Status {
			return true
		}
	}
	return false
}

// statusOf is the status of condition typ among conds.
func statusOf(conds []corev1.NodeCondition, typ corev1.NodeConditionType) corev1.ConditionStatus {
	for _, c := range conds {
		if c.Type == typ {
			return c.Status
		}
	}
	return corev1.ConditionUnknown
}
