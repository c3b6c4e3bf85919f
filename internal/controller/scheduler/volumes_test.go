package scheduler

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

func withClaim(name string) podOpt {
	return func(p *corev1.Pod) {
		p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: name}}})
	}
}

func claim(name, class string, bound bool) *corev1.PersistentVolumeClaim {
	c := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}}
	if class != "" {
		c.Spec.StorageClassName = ptr.To(class)
	}
	if bound {
		c.Spec.VolumeName, c.Status.Phase = "pv-"+name, corev1.ClaimBound
	}
	return c
}

func lookupOf(claims []*corev1.PersistentVolumeClaim, volumes ...*corev1.PersistentVolume) claimLookup {
	mode := func(m storagev1.VolumeBindingMode) *storagev1.StorageClass {
		return &storagev1.StorageClass{VolumeBindingMode: &m}
	}
	classes := map[string]*storagev1.StorageClass{
		"local-path": mode(storagev1.VolumeBindingImmediate),
		"late":       mode(storagev1.VolumeBindingWaitForFirstConsumer),
	}
	return claimLookup{
		claim: func(ns, name string) (*corev1.PersistentVolumeClaim, error) {
			for _, c := range claims {
				if c.Namespace == ns && c.Name == name {
					return c, nil
				}
			}
			return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "persistentvolumeclaims"}, name)
		},
		class: func(name string) (*storagev1.StorageClass, error) {
			if c, ok := classes[name]; ok {
				return c, nil
			}
			return nil, apierrors.NewNotFound(schema.GroupResource{Group: "storage.k8s.io", Resource: "storageclasses"}, name)
		},
		volume: func(name string) (*corev1.PersistentVolume, error) {
			for _, v := range volumes {
				if v.Name == name {
					return v, nil
				}
			}
			return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "persistentvolumes"}, name)
		},
	}
}

func TestVolumesBlock(t *testing.T) {
	deleting := claim("data", "local-path", true)
	deleting.DeletionTimestamp = &metav1.Time{}
	cases := []struct {
		name   string
		pod    *corev1.Pod
		claims []*corev1.PersistentVolumeClaim
		want   string
	}{
		{"no claims", pod("p"), nil, ""},
		{"bound", pod("p", withClaim("data")), []*corev1.PersistentVolumeClaim{claim("data", "local-path", true)}, ""},
		{"unbound immediate", pod("p", withClaim("data")), []*corev1.PersistentVolumeClaim{claim("data", "local-path", false)}, unboundImmediateMessage},
		{"unbound without a class", pod("p", withClaim("data")), []*corev1.PersistentVolumeClaim{claim("data", "", false)}, unboundImmediateMessage},
		{"unbound, class not made yet", pod("p", withClaim("data")), []*corev1.PersistentVolumeClaim{claim("data", "nfs-csi", false)}, unboundImmediateMessage},
		{"unbound, wait for first consumer", pod("p", withClaim("data")), []*corev1.PersistentVolumeClaim{claim("data", "late", false)}, ""},
		{"one of two unbound", pod("p", withClaim("a"), withClaim("b")),
			[]*corev1.PersistentVolumeClaim{claim("a", "local-path", true), claim("b", "local-path", false)}, unboundImmediateMessage},
		{"missing", pod("p", withClaim("data")), nil, `persistentvolumeclaim "data" not found`},
		{"being deleted", pod("p", withClaim("data")), []*corev1.PersistentVolumeClaim{deleting}, `persistentvolumeclaim "data" is being deleted`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := volumesBlock(c.pod, lookupOf(c.claims))
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
	if got := preFilterMessage(1, unboundImmediateMessage); got != "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims." {
		t.Errorf("message %q", got)
	}
}
