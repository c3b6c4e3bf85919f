package printers

import (
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestLeases(t *testing.T) {
	leases := schema.GroupResource{Group: "coordination.k8s.io", Resource: "leases"}
	assertColumns(t, leases, &coordinationv1.Lease{}, columnSet{normal: []string{"Name", "Holder", "Age"}})
	held := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: "kube-scheduler", CreationTimestamp: ago(4*time.Hour + 30*time.Minute)},
		Spec:       coordinationv1.LeaseSpec{HolderIdentity: ptr("ordo-0_1234")},
	}
	assertCells(t, leases, held, "kube-scheduler", "ordo-0_1234", "4h30m")
	assertCells(t, leases, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "free"}}, "free", "", "<unknown>")
}
