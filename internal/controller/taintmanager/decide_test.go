package taintmanager

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func secs(s int64) *int64 { return &s }

func TestDecide(t *testing.T) {
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	dedicated := corev1.Taint{Key: "dedicated", Value: "db", Effect: corev1.TaintEffectNoExecute}
	noSchedule := corev1.Taint{Key: "dedicated", Value: "db", Effect: corev1.TaintEffectNoSchedule}
	unreachable := corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}
	defaults := []corev1.Toleration{
		{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: secs(300)},
		{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: secs(300)},
	}
	forever := corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "db", Effect: corev1.TaintEffectNoExecute}
	for60 := forever
	for60.TolerationSeconds = secs(60)
	d := func(s int) *time.Duration { x := time.Duration(s) * time.Second; return &x }
	cases := []struct {
		name        string
		taints      []corev1.Taint
		tolerations []corev1.Toleration
		elapsed     time.Duration
		want        decision
	}{
		{name: "no taints", tolerations: defaults, want: decision{}},
		{name: "NoSchedule taints do not evict", taints: []corev1.Taint{noSchedule}, want: decision{}},
		{name: "untolerated NoExecute evicts at once", taints: []corev1.Taint{dedicated}, tolerations: defaults, want: decision{tainted: true, evict: true}},
		{name: "tolerated forever stays", taints: []corev1.Taint{dedicated}, tolerations: []corev1.Toleration{forever}, want: decision{tainted: true}},
		{name: "tolerated for a while waits", taints: []corev1.Taint{dedicated}, tolerations: []corev1.Toleration{for60}, elapsed: 20 * time.Second,
			want: decision{tainted: true, after: d(40)}},
		{name: "tolerated for a while, then evicted", taints: []corev1.Taint{dedicated}, tolerations: []corev1.Toleration{for60}, elapsed: 60 * time.Second,
			want: decision{tainted: true, evict: true}},
		{name: "unreachable with the default toleration: 300 s", taints: []corev1.Taint{unreachable}, tolerations: defaults, elapsed: 10 * time.Second,
			want: decision{tainted: true, after: d(290)}},
		{name: "the shortest toleration wins", taints: []corev1.Taint{unreachable, dedicated}, tolerations: append([]corev1.Toleration{for60}, defaults...),
			want: decision{tainted: true, after: d(60)}},
		{name: "one taint untolerated evicts", taints: []corev1.Taint{unreachable, dedicated}, tolerations: defaults, want: decision{tainted: true, evict: true}},
		{name: "a toleration of everything", taints: []corev1.Taint{dedicated}, tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}}, want: decision{tainted: true}},
		{name: "negative seconds evict at once", taints: []corev1.Taint{dedicated},
			tolerations: []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpExists, TolerationSeconds: secs(-5)}}, want: decision{tainted: true, evict: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := decide(tc.taints, tc.tolerations, since, since.Add(tc.elapsed))
			if got.tainted != tc.want.tainted || got.evict != tc.want.evict || (got.after == nil) != (tc.want.after == nil) ||
				got.after != nil && *got.after != *tc.want.after {
				t.Errorf("got %+v (after %v), want %+v (after %v)", got, got.after, tc.want, tc.want.after)
			}
		})
	}
}
