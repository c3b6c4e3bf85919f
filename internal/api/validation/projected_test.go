package validation

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

func TestValidateProjected(t *testing.T) {
	ref := func(name string) corev1.LocalObjectReference { return corev1.LocalObjectReference{Name: name} }
	token := func(path string, exp int64) corev1.VolumeProjection {
		return corev1.VolumeProjection{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: path, ExpirationSeconds: &exp}}
	}
	cases := []struct {
		name    string
		sources []corev1.VolumeProjection
		want    []want
	}{
		{"kube-api-access", []corev1.VolumeProjection{
			token("token", 3607),
			{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: ref("kube-root-ca.crt"), Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
			{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
		}, nil},
		{"short token", []corev1.VolumeProjection{token("token", 599)}, []want{inv("v.projected.sources[0].serviceAccountToken.expirationSeconds")}},
		{"token without path", []corev1.VolumeProjection{token("", 3600)}, []want{req("v.projected.sources[0].serviceAccountToken.path")}},
		{"reserved path", []corev1.VolumeProjection{token("..data", 3600)}, []want{inv("v.projected.sources[0].serviceAccountToken.path")}},
		{"two kinds in a source", []corev1.VolumeProjection{{
			Secret:    &corev1.SecretProjection{LocalObjectReference: ref("s")},
			ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: ref("c")},
		}}, []want{forbidden("v.projected.sources[0]")}},
		{"duplicate path", []corev1.VolumeProjection{
			token("token", 3600),
			{Secret: &corev1.SecretProjection{LocalObjectReference: ref("s"), Items: []corev1.KeyToPath{{Key: "k", Path: "token"}}}},
		}, []want{inv("v.projected.sources[1].secret.items[0].path")}},
		{"secret without name", []corev1.VolumeProjection{{Secret: &corev1.SecretProjection{}}}, []want{req("v.projected.sources[0].secret.name")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := &corev1.ProjectedVolumeSource{Sources: c.sources, DefaultMode: ptr.To[int32](0o644)}
			expectErrs(t, validateProjected(src, field.NewPath("v", "projected")), c.want...)
		})
	}
}
