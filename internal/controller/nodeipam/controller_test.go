package nodeipam

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
)

func node(name, cidr string) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name)}}
	if cidr != "" {
		n.Spec.PodCIDR, n.Spec.PodCIDRs = cidr, []string{cidr}
	}
	return n
}

// start runs a controller over client until the test ends.
func start(t *testing.T, client kubernetes.Interface, cluster string) {
	t.Helper()
	c, err := New(Config{Client: client, ClusterCIDR: cluster, NodeMaskSize: 24})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx, 1); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func podCIDR(t *testing.T, client kubernetes.Interface, name string) string {
	t.Helper()
	var cidr string
	err := wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		n, err := client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		if n.Spec.PodCIDR != "" && (len(n.Spec.PodCIDRs) != 1 || n.Spec.PodCIDRs[0] != n.Spec.PodCIDR) {
			t.Fatalf("node %s: podCIDR %q, podCIDRs %v", name, n.Spec.PodCIDR, n.Spec.PodCIDRs)
		}
		cidr = n.Spec.PodCIDR
		return cidr != "", nil
	})
	if err != nil {
		t.Fatalf("node %s got no podCIDR", name)
	}
	return cidr
}

func TestNodesGetFreeBlocksAfterThoseAlreadyHeld(t *testing.T) {
	// A restarted controller (a new leader) finds a and b holding blocks
	// and must not hand them out again.
	client := fake.NewSimpleClientset(node("a", "10.42.0.0/24"), node("b", "10.42.1.0/24"), node("c", ""))
	start(t, client, "10.42.0.0/16")
	if got := podCIDR(t, client, "c"); got != "10.42.2.0/24" {
		t.Fatalf("c got %s, want 10.42.2.0/24", got)
	}
	if _, err := client.CoreV1().Nodes().Create(context.Background(), node("d", ""), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := podCIDR(t, client, "d"); got != "10.42.3.0/24" {
		t.Fatalf("d got %s, want 10.42.3.0/24", got)
	}
}

func TestDeletedNodesBlockIsFreedAndAFullRangeIsAnEvent(t *testing.T) {
	client := fake.NewSimpleClientset(node("a", ""), node("b", ""))
	start(t, client, "10.9.0.0/23")
	ca, cb := podCIDR(t, client, "a"), podCIDR(t, client, "b")
	if ca == cb {
		t.Fatalf("a and b share %s", ca)
	}
	ctx := context.Background()
	if _, err := client.CoreV1().Nodes().Create(ctx, node("c", ""), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		evs, err := client.CoreV1().Events("").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		for _, e := range evs.Items {
			if e.Reason == "CIDRNotAvailable" && e.InvolvedObject.Name == "c" && e.Message == "Node c status is now: CIDRNotAvailable" {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatal("no CIDRNotAvailable event on node c")
	}
	if err := client.CoreV1().Nodes().Delete(ctx, "a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := podCIDR(t, client, "c"); got != ca {
		t.Fatalf("c got %s, want a's freed %s", got, ca)
	}
}
