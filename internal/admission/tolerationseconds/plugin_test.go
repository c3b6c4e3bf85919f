package tolerationseconds

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestWithDefaults(t *testing.T) {
	s := int64(60)
	cases := []struct {
		name string
		in   []corev1.Toleration
		want int // tolerations after
	}{
		{name: "none", want: 2},
		{name: "has not-ready", in: []corev1.Toleration{{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &s}}, want: 2},
		{name: "tolerates everything", in: []corev1.Toleration{{Operator: corev1.TolerationOpExists}}, want: 1},
		{name: "NoSchedule only does not cover", in: []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}, want: 3},
		{name: "any effect covers", in: []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists}}, want: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := WithDefaults(append([]corev1.Toleration{}, tc.in...), Defaults())
			if len(got) != tc.want {
				t.Fatalf("got %d tolerations %+v, want %d", len(got), got, tc.want)
			}
			for _, tol := range got[len(tc.in):] {
				if tol.Effect != corev1.TaintEffectNoExecute || tol.TolerationSeconds == nil || *tol.TolerationSeconds != 300 || tol.Operator != corev1.TolerationOpExists {
					t.Errorf("added %+v", tol)
				}
			}
		})
	}
}

func TestWithDefaultsGivesEachKeyItsSeconds(t *testing.T) {
	got := WithDefaults(nil, Seconds{NotReady: 30, Unreachable: 7})
	if len(got) != 2 || got[0].Key != corev1.TaintNodeNotReady || *got[0].TolerationSeconds != 30 ||
		got[1].Key != corev1.TaintNodeUnreachable || *got[1].TolerationSeconds != 7 {
		t.Errorf("%+v", got)
	}
}
