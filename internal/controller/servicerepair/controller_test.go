package servicerepair

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"

	"github.com/ordo-dev/ordo/internal/storage/alloc"
	"github.com/ordo-dev/ordo/internal/testutil"
)

func service(name, ip string, nodePorts ...int32) *corev1.Service {
	s := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.ServiceSpec{ClusterIP: ip, Type: corev1.ServiceTypeClusterIP}}
	for _, p := range nodePorts {
		s.Spec.Type = corev1.ServiceTypeNodePort
		s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Port: 80, NodePort: p})
	}
	return s
}

// TestPassesRepairLeaksAndMissingAllocations: a deleted Service's IP and
// port whose release failed are freed after two passes; a Service whose IP
// and port are not allocated gets them, with Kubernetes' events; two
// Services on one IP are reported.
func TestPassesRepairLeaksAndMissingAllocations(t *testing.T) {
	kv := testutil.StartEtcd(t)
	ctx := context.Background()
	cidr, err := alloc.NewCIDRRange("10.43.0.0/16")
	if err != nil {
		t.Fatal(err)
	}
	ips := alloc.New(kv, "/t/ips/", cidr)
	ports := alloc.New(kv, "/t/ports/", alloc.PortRange{First: 30000, Last: 32767})
	for _, a := range []struct {
		al           *alloc.Allocator
		value, owner string
	}{{ips, "10.43.0.10", "default/web"}, {ips, "10.43.0.99", "default/deleted"}, {ports, "30001", "default/deleted"}} {
		if err := a.al.Allocate(ctx, a.value, a.owner); err != nil {
			t.Fatal(err)
		}
	}
	client := fake.NewClientset(service("web", "10.43.0.10"), service("restored", "10.43.0.20", 30500), service("copy", "10.43.0.10"))
	c := New(Config{Client: client, ServiceIPs: ips, NodePorts: ports})
	rec := record.NewFakeRecorder(100)
	c.Pass(ctx, rec)
	c.Pass(ctx, rec)

	gotIPs, _ := ips.Entries(ctx)
	gotPorts, _ := ports.Entries(ctx)
	if _, leaked := gotIPs["10.43.0.99"]; leaked {
		t.Error("the deleted Service's IP is still allocated")
	}
	if _, leaked := gotPorts["30001"]; leaked {
		t.Error("the deleted Service's node port is still allocated")
	}
	if gotIPs["10.43.0.20"].Owner != "default/restored" || gotPorts["30500"].Owner != "default/restored" {
		t.Errorf("the restored Service's values were not allocated: %v %v", gotIPs, gotPorts)
	}
	close(rec.Events)
	var evs []string
	for e := range rec.Events {
		evs = append(evs, e)
	}
	all := strings.Join(evs, "\n")
	for _, want := range []string{
		"Warning ClusterIPNotAllocated Cluster IP [IPv4]:10.43.0.20 is not allocated; repairing",
		"Warning PortNotAllocated Port 30500 is not allocated; repairing",
		"Warning ClusterIPAlreadyAllocated Cluster IP [IPv4]:10.43.0.10 was assigned to multiple services; please recreate service",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing event %q in:\n%s", want, all)
		}
	}
	if n := strings.Count(all, "NotAllocated"); n != 2 {
		t.Errorf("%d NotAllocated events over two passes, want 2 (the second pass finds them allocated):\n%s", n, all)
	}
}
