package podautoscaler

import (
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func utilization(pct int32) autoscalingv2.MetricTarget {
	return autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To(pct)}
}

func pods(usage, request int64, n int) []PodUsage {
	out := make([]PodUsage, n)
	for i := range out {
		out[i] = PodUsage{Usage: usage, Request: request}
	}
	return out
}

func TestRecommend(t *testing.T) {
	cases := []struct {
		name    string
		current int32
		pods    []PodUsage
		target  autoscalingv2.MetricTarget
		want    int32
		util    int32
		ok      bool
	}{
		{"double the target doubles", 2, pods(400, 250, 2), utilization(80), 4, 160, true},
		{"within tolerance keeps", 3, pods(210, 250, 3), utilization(80), 3, 84, true},
		{"just outside tolerance scales", 3, pods(225, 250, 3), utilization(80), 4, 90, true},
		{"idle scales down", 4, pods(20, 250, 4), utilization(80), 1, 8, true},
		{"average value", 2, pods(300_000, 0, 2), autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: resource.NewMilliQuantity(100_000, resource.DecimalSI)}, 6, 0, true},
		{"no request: utilization unknown", 2, pods(100, 0, 2), utilization(80), 0, 0, false},
		{"no pods", 2, nil, utilization(80), 0, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec, ok := Recommend(c.current, c.pods, c.target)
			if ok != c.ok || rec.Replicas != c.want || rec.Utilization != c.util {
				t.Errorf("Recommend = %+v, %v; want replicas %d utilization %d ok %v", rec, ok, c.want, c.util, c.ok)
			}
		})
	}
}

func TestStabilize(t *testing.T) {
	history := []Recorded{{t0.Add(-400 * time.Second), 9}, {t0.Add(-200 * time.Second), 6}, {t0.Add(-10 * time.Second), 5}}
	cases := []struct {
		name             string
		current, desired int32
		up, down         time.Duration
		want             int32
	}{
		{"scale down held by the highest in 300 s", 8, 2, 0, DefaultDownscaleStabilization, 6},
		{"scale down free with no window", 8, 2, 0, 0, 2},
		{"scale up immediate without window", 4, 7, 0, DefaultDownscaleStabilization, 7},
		{"scale up held by the lowest in its window", 4, 7, 60 * time.Second, 0, 5},
		{"never below current on scale up", 6, 7, 60 * time.Second, 0, 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Stabilize(c.current, c.desired, history, c.up, c.down, t0); got != c.want {
				t.Errorf("Stabilize = %d, want %d", got, c.want)
			}
		})
	}
}

func TestLimitByPolicies(t *testing.T) {
	defaultUp := &autoscalingv2.HPAScalingRules{SelectPolicy: ptr.To(autoscalingv2.MaxChangePolicySelect), Policies: []autoscalingv2.HPAScalingPolicy{
		{Type: autoscalingv2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15}, {Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15}}}
	minUp := defaultUp.DeepCopy()
	minUp.SelectPolicy = ptr.To(autoscalingv2.MinChangePolicySelect)
	down := &autoscalingv2.HPAScalingRules{Policies: []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 1, PeriodSeconds: 60}}}
	disabled := &autoscalingv2.HPAScalingRules{SelectPolicy: ptr.To(autoscalingv2.DisabledPolicySelect)}
	cases := []struct {
		name             string
		current, desired int32
		rules            *autoscalingv2.HPAScalingRules
		events           []ScaleEvent
		want             int32
	}{
		{"max of 4 pods and 100 %: small workload +4", 1, 20, defaultUp, nil, 5},
		{"max of 4 pods and 100 %: large workload doubles", 10, 50, defaultUp, nil, 20},
		{"min of the two", 10, 50, minUp, nil, 14},
		{"one pod a minute down", 10, 2, down, nil, 9},
		{"a recent scale down counts against the period", 9, 2, down, []ScaleEvent{{t0.Add(-30 * time.Second), -1}}, 9},
		{"disabled keeps", 10, 2, disabled, nil, 10},
		{"no rules: free", 10, 2, nil, nil, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := LimitByPolicies(c.current, c.desired, c.rules, c.events, t0); got != c.want {
				t.Errorf("LimitByPolicies = %d, want %d", got, c.want)
			}
		})
	}
}

func TestClamp(t *testing.T) {
	for _, c := range []struct {
		desired, want int32
		reason        string
	}{{0, 1, "TooFewReplicas"}, {11, 10, "TooManyReplicas"}, {5, 5, "DesiredWithinRange"}} {
		got, l := Clamp(c.desired, 1, 10)
		if got != c.want || l.Reason != c.reason || l.Limited != (c.reason != "DesiredWithinRange") {
			t.Errorf("Clamp(%d) = %d %+v, want %d %s", c.desired, got, l, c.want, c.reason)
		}
	}
}
