package defaults

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestProjectedVolumeDefaults(t *testing.T) {
	spec := corev1.PodSpec{Volumes: []corev1.Volume{{Name: "api", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
		Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}},
			{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "ns", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}}}},
		},
	}}}}}
	PodSpec(&spec)
	p := spec.Volumes[0].Projected
	if *p.DefaultMode != 0o644 || *p.Sources[0].ServiceAccountToken.ExpirationSeconds != 3600 || p.Sources[1].DownwardAPI.Items[0].FieldRef.APIVersion != "v1" {
		t.Fatalf("defaulted projected volume: mode %o, token %v, fieldRef %+v", *p.DefaultMode,
			p.Sources[0].ServiceAccountToken.ExpirationSeconds, p.Sources[1].DownwardAPI.Items[0].FieldRef)
	}
}
