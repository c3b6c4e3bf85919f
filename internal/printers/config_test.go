package printers

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestConfigFamily(t *testing.T) {
	meta := metav1.ObjectMeta{Name: "x", CreationTimestamp: ago(90 * time.Minute)}
	tests := []struct {
		resource string
		obj      runtime.Object
		columns  []string
		cells    []any
	}{
		{"configmaps", &corev1.ConfigMap{ObjectMeta: meta, Data: map[string]string{"a": "1", "b": "2"}, BinaryData: map[string][]byte{"c": nil}},
			[]string{"Name", "Data", "Age"}, []any{"x", int64(3), "90m"}},
		{"secrets", &corev1.Secret{ObjectMeta: meta, Type: corev1.SecretTypeTLS, Data: map[string][]byte{"tls.crt": nil, "tls.key": nil}},
			[]string{"Name", "Type", "Data", "Age"}, []any{"x", "kubernetes.io/tls", int64(2), "90m"}},
		{"serviceaccounts", &corev1.ServiceAccount{ObjectMeta: meta, Secrets: []corev1.ObjectReference{{Name: "tok"}}},
			[]string{"Name", "Secrets", "Age"}, []any{"x", int64(1), "90m"}},
		{"namespaces", &corev1.Namespace{ObjectMeta: meta, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}},
			[]string{"Name", "Status", "Age"}, []any{"x", "Terminating", "90m"}},
	}
	for _, tt := range tests {
		t.Run(tt.resource, func(t *testing.T) {
			gr := schema.GroupResource{Resource: tt.resource}
			assertColumns(t, gr, tt.obj, columnSet{normal: tt.columns})
			assertCells(t, gr, tt.obj, tt.cells...)
		})
	}
}
