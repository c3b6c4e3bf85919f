package node

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"

	"github.com/ordo-dev/ordo/internal/agent"
)

// podCIDRWait is how often the Node is read while it has no pod range.
const podCIDRWait = 250 * time.Millisecond

// awaitPodCIDR is the pod range of Node name: its spec.podCIDR, which the
// server's node CIDR allocator sets (package nodeipam). It creates the
// Node when it does not exist yet, so the allocator sees it before the
// agent starts; the agent then registers over it. flag (--pod-cidr) is a
// range given by hand: a new Node, or one without a range, gets it; a Node
// holding another range is an error, since spec.podCIDR never changes
// once set. It waits until ctx ends.
func awaitPodCIDR(ctx context.Context, client kubernetes.Interface, name, flag string) (string, error) {
	logger := klog.FromContext(ctx).WithValues("node", name)
	if flag != "" {
		p, err := netip.ParsePrefix(flag)
		if err != nil {
			return "", fmt.Errorf("--pod-cidr: invalid CIDR %q: %w", flag, err)
		}
		flag = p.Masked().String()
	}
	lastLog := time.Now()
	for {
		cidr, err := podCIDROnce(ctx, client, name, flag)
		if cidr != "" || (err != nil && ctx.Err() == nil && isFatal(err)) {
			return cidr, err
		}
		if err != nil {
			logger.V(2).Info("Reading the Node's pod range", "err", err)
		}
		if time.Since(lastLog) > 10*time.Second {
			logger.Info("Waiting for the Node's spec.podCIDR (set by a server with --allocate-node-cidrs, or give --pod-cidr)")
			lastLog = time.Now()
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(podCIDRWait):
		}
	}
}

// mismatch is a --pod-cidr the Node does not hold: waiting cannot fix it.
type mismatch struct{ flag, node, have string }

func (m mismatch) Error() string {
	return fmt.Sprintf("--pod-cidr %s does not match spec.podCIDR %s of Node %q, which cannot change: drop --pod-cidr or delete the Node", m.flag, m.have, m.node)
}

func isFatal(err error) bool {
	_, ok := err.(mismatch)
	return ok
}

// podCIDROnce reads (or creates, or completes) the Node once: its range,
// or "" to wait.
func podCIDROnce(ctx context.Context, client kubernetes.Interface, name, flag string) (string, error) {
	nodes := client.CoreV1().Nodes()
	n, err := nodes.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		n = &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: agent.NodeLabels(name)}}
		setPodCIDR(n, flag)
		n, err = nodes.Create(ctx, n, metav1.CreateOptions{})
	}
	if err != nil {
		return "", err
	}
	switch {
	case n.Spec.PodCIDR != "" && flag != "" && !sameCIDR(n.Spec.PodCIDR, flag):
		return "", mismatch{flag: flag, node: name, have: n.Spec.PodCIDR}
	case n.Spec.PodCIDR != "" || flag == "":
		return n.Spec.PodCIDR, nil
	}
	n = n.DeepCopy()
	setPodCIDR(n, flag)
	if n, err = nodes.Update(ctx, n, metav1.UpdateOptions{}); err != nil {
		return "", err // a conflict: the allocator may have been first
	}
	return n.Spec.PodCIDR, nil
}

func setPodCIDR(n *corev1.Node, cidr string) {
	if cidr != "" {
		n.Spec.PodCIDR, n.Spec.PodCIDRs = cidr, []string{cidr}
	}
}

// sameCIDR compares two ranges by their network and length.
func sameCIDR(a, b string) bool {
	pa, errA := netip.ParsePrefix(a)
	pb, errB := netip.ParsePrefix(b)
	return errA == nil && errB == nil && pa.Masked() == pb.Masked()
}
