package printers

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var resourcequotas = schema.GroupResource{Resource: "resourcequotas"}

func TestResourceQuotaColumns(t *testing.T) {
	q := &corev1.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Name: "mem-cpu-demo", CreationTimestamp: ago(day)},
		Status: corev1.ResourceQuotaStatus{
			Hard: corev1.ResourceList{"requests.cpu": resource.MustParse("1"), "limits.cpu": resource.MustParse("2"),
				"requests.memory": resource.MustParse("1Gi"), "limits.memory": resource.MustParse("2Gi"), "pods": resource.MustParse("10")},
			Used: corev1.ResourceList{"requests.cpu": resource.MustParse("700m"), "pods": resource.MustParse("1")},
		},
	}
	got := cellsOf(t, resourcequotas, q)
	want := []any{"mem-cpu-demo", "24h", "pods: 1/10, requests.cpu: 700m/1, requests.memory: 0/1Gi", "limits.cpu: 0/2, limits.memory: 0/2Gi"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cell %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestLimitRangesGetTheDefaultTable(t *testing.T) {
	lr := &corev1.LimitRange{ObjectMeta: metav1.ObjectMeta{Name: "mem", CreationTimestamp: ago(day)}}
	table := convert(t, schema.GroupResource{Resource: "limitranges"}, lr)
	if len(table.ColumnDefinitions) != 2 || table.ColumnDefinitions[1].Name != "Created At" {
		t.Errorf("columns = %+v", table.ColumnDefinitions)
	}
}
