package storageclass

import (
	"testing"
	"time"

	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func class(name string, created time.Time, annotations map[string]string) *storagev1.StorageClass {
	return &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{
		Name: name, CreationTimestamp: metav1.NewTime(created), Annotations: annotations,
	}}
}

func TestDefault(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ga := map[string]string{IsDefaultAnnotation: "true"}
	beta := map[string]string{BetaIsDefaultAnnotation: "true"}
	for _, tc := range []struct {
		name    string
		classes []*storagev1.StorageClass
		want    string
	}{
		{"none", nil, ""},
		{"none marked", []*storagev1.StorageClass{class("a", t0, nil), class("b", t0, map[string]string{IsDefaultAnnotation: "false"})}, ""},
		{"one marked", []*storagev1.StorageClass{class("a", t0, nil), class("b", t0, ga)}, "b"},
		{"beta annotation counts", []*storagev1.StorageClass{class("a", t0, beta)}, "a"},
		{"newest wins", []*storagev1.StorageClass{class("old", t0, ga), class("new", t0.Add(time.Second), ga)}, "new"},
		{"same age: first by name", []*storagev1.StorageClass{class("zz", t0, ga), class("aa", t0, ga)}, "aa"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Default(tc.classes)
			name := ""
			if got != nil {
				name = got.Name
			}
			if name != tc.want {
				t.Errorf("Default = %q, want %q", name, tc.want)
			}
		})
	}
}
