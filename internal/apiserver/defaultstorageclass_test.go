package apiserver

import (
	"context"
	"testing"

	"github.com/ordo-dev/ordo/internal/storageclass"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
)

func TestDefaultStorageClassAdmission(t *testing.T) {
	objs := []runtime.Object{
		&storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "local-path", Annotations: map[string]string{storageclass.IsDefaultAnnotation: "true"}}, Provisioner: storageclass.LocalPath},
		&storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "fast"}, Provisioner: "x"},
	}
	f := informers.NewSharedInformerFactory(fake.NewClientset(objs...), 0)
	p := newDefaultStorageClass(f)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	for _, tc := range []struct {
		name  string
		class *string
		annot map[string]string
		op    admission.Operation
		want  *string
	}{
		{"no class gets the default", nil, nil, admission.Create, ptr.To("local-path")},
		{"explicit class kept", ptr.To("fast"), nil, admission.Create, ptr.To("fast")},
		{"explicit empty class kept", ptr.To(""), nil, admission.Create, ptr.To("")},
		{"beta annotation counts as a class", nil, map[string]string{"volume.beta.kubernetes.io/storage-class": "fast"}, admission.Create, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "default", Annotations: tc.annot}}
			pvc.Spec.StorageClassName = tc.class
			attrs := admission.NewAttributesRecord(pvc, nil, corev1.SchemeGroupVersion.WithKind("PersistentVolumeClaim"), "default", "c",
				corev1.SchemeGroupVersion.WithResource("persistentvolumeclaims"), "", tc.op, &metav1.CreateOptions{}, false, nil)
			if !p.Handles(tc.op) {
				t.Fatalf("plugin does not handle %s", tc.op)
			}
			if err := p.Admit(ctx, attrs, nil); err != nil {
				t.Fatal(err)
			}
			if got := pvc.Spec.StorageClassName; (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
				t.Errorf("storageClassName = %v, want %v", ptr.Deref(got, "<nil>"), ptr.Deref(tc.want, "<nil>"))
			}
		})
	}
	if p.Handles(admission.Update) {
		t.Error("the plugin must act at create only")
	}
}
