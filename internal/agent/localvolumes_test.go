package agent

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	volumehelpers "k8s.io/component-helpers/storage/volume"

	"github.com/ordo-dev/ordo/internal/storageclass"
)

// The agent reclaims only Released Delete volumes of ordo.dev/local-path
// pinned to its own node, at the path the provisioner gives under its
// own volumes directory.
func TestReclaimDir(t *testing.T) {
	const root = "/var/lib/ordo-agent/volumes"
	vol := func(mut ...func(*corev1.PersistentVolume)) *corev1.PersistentVolume {
		v := &corev1.PersistentVolume{
			ObjectMeta: metav1.ObjectMeta{Name: "pvc-u1", Annotations: map[string]string{volumehelpers.AnnDynamicallyProvisioned: storageclass.LocalPath}},
			Spec: corev1.PersistentVolumeSpec{
				PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
				NodeAffinity:                  storageclass.PinTo("n2"),
				PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: root + "/pvc-u1"}},
			},
			Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeReleased},
		}
		for _, m := range mut {
			m(v)
		}
		return v
	}
	for _, tc := range []struct {
		name string
		pv   *corev1.PersistentVolume
		want string
	}{
		{"ours, released", vol(), root + "/pvc-u1"},
		{"still bound", vol(func(v *corev1.PersistentVolume) { v.Status.Phase = corev1.VolumeBound }), ""},
		{"retain", vol(func(v *corev1.PersistentVolume) {
			v.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
		}), ""},
		{"another node's", vol(func(v *corev1.PersistentVolume) { v.Spec.NodeAffinity = storageclass.PinTo("n3") }), ""},
		{"unpinned (the server's)", vol(func(v *corev1.PersistentVolume) { v.Spec.NodeAffinity = nil }), ""},
		{"another provisioner's", vol(func(v *corev1.PersistentVolume) { v.Annotations = nil }), ""},
		{"path edited to lead elsewhere", vol(func(v *corev1.PersistentVolume) { v.Spec.HostPath.Path = "/etc" }), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := reclaimDir(tc.pv, "n2", root); got != tc.want {
				t.Errorf("reclaimDir = %q, want %q", got, tc.want)
			}
		})
	}
}
