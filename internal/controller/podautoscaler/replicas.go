// Package podautoscaler holds the decisions of Kubernetes' horizontal pod
// autoscaler, as pure functions ("decide, then do"): the replica count a
// resource metric asks for, the stabilization window and the behavior
// policies that bound a change, and the replica bounds; controller.go
// reads metrics.k8s.io pod metrics, applies the decisions and writes the
// target's /scale subresource. Resource metrics only (cpu, memory;
// Utilization and AverageValue); Pods, Object, External and
// ContainerResource metrics set ScalingActive False.
//
//	pod metrics ──► Recommend ──► Stabilize ──► LimitByPolicies ──► Clamp ──► /scale
//	                (ratio, 10 % tolerance)  (window)   (Pods/Percent per period) (min/max)
package podautoscaler

import (
	"math"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
)

// Tolerance is the autoscaler's default: a usage within 10 % of the
// target changes nothing.
const Tolerance = 0.1

// DefaultDownscaleStabilization is kube-controller-manager's
// --horizontal-pod-autoscaler-downscale-stabilization.
const DefaultDownscaleStabilization = 300 * time.Second

// PodUsage is one pod's usage of a resource and its request (see
// podUsages for how pods are grouped).
type PodUsage struct {
	Usage   int64 // milli-units (CPU millicores, memory milli-bytes)
	Request int64 // milli-units; 0 when the pod requests none
	// Unready pods' samples are left out, and count as using nothing
	// when the ready ones ask to scale up; Missing pods have no sample,
	// and count as using their request (or the target value) when the
	// ready ones ask to scale down, and nothing when up. Both can only
	// damp a change, never cause one (upstream's replica calculator).
	Unready, Missing bool
}

// Recommendation is a metric's desired replica count and the current
// value it was computed from, for the HPA's status.
type Recommendation struct {
	Replicas int32
	// Utilization is the average utilization in percent (Utilization
	// targets only).
	Utilization int32
	// AverageValue is the average usage per pod, in milli-units.
	AverageValue int64
}

// Recommend computes desired = ceil(usage/target × ready pods) for a
// resource metric target, keeping current when the ratio is within
// Tolerance, then damps the change by the unready and missing pods as
// upstream does: if counting them (see PodUsage) brings the ratio within
// the tolerance or across 1, or the count back past current, current
// stays. ok is false when the target cannot be evaluated (a Utilization
// target with pods that request nothing, or no pod with a sample).
func Recommend(current int32, pods []PodUsage, target autoscalingv2.MetricTarget) (rec Recommendation, ok bool) {
	var ready, unready, missing []PodUsage
	for _, p := range pods {
		if p.Request == 0 && target.Type == autoscalingv2.UtilizationMetricType {
			return Recommendation{}, false
		}
		switch {
		case p.Missing:
			missing = append(missing, p)
		case p.Unready:
			unready = append(unready, p)
		default:
			ready = append(ready, p)
		}
	}
	ratio, ok := usageRatio(ready, target)
	if !ok {
		return Recommendation{}, false
	}
	rec = describe(ready, target)
	scaleUpWithUnready := len(unready) > 0 && ratio > 1
	if !scaleUpWithUnready && len(missing) == 0 {
		rec.Replicas = scaleByRatio(current, ratio, int32(len(ready)))
		return rec, true
	}
	all := append([]PodUsage{}, ready...)
	for _, m := range missing {
		m.Usage = 0
		if ratio < 1 {
			m.Usage = assumedFull(m, target)
		}
		all = append(all, m)
	}
	if scaleUpWithUnready {
		for _, u := range unready {
			u.Usage = 0
			all = append(all, u)
		}
	}
	newRatio, _ := usageRatio(all, target)
	rec.Replicas = current
	if math.Abs(1-newRatio) <= Tolerance || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1) {
		return rec, true
	}
	n := int32(math.Ceil(newRatio * float64(len(all))))
	if (newRatio < 1 && n > current) || (newRatio > 1 && n < current) {
		return rec, true
	}
	rec.Replicas = n
	return rec, true
}

// usageRatio is the pods' usage over the target; false when nothing can
// be said (no pods, no target value, no requests).
func usageRatio(pods []PodUsage, target autoscalingv2.MetricTarget) (float64, bool) {
	if len(pods) == 0 {
		return 0, false
	}
	var usage, requests int64
	for _, p := range pods {
		usage += p.Usage
		requests += p.Request
	}
	switch target.Type {
	case autoscalingv2.UtilizationMetricType:
		if target.AverageUtilization == nil || requests == 0 {
			return 0, false
		}
		return float64(usage*100) / float64(requests) / float64(*target.AverageUtilization), true
	case autoscalingv2.AverageValueMetricType:
		if target.AverageValue == nil || target.AverageValue.MilliValue() == 0 {
			return 0, false
		}
		return float64(usage) / float64(len(pods)) / float64(target.AverageValue.MilliValue()), true
	}
	return 0, false
}

// describe is the status' current value: the ready pods' average.
func describe(ready []PodUsage, target autoscalingv2.MetricTarget) Recommendation {
	var usage, requests int64
	for _, p := range ready {
		usage += p.Usage
		requests += p.Request
	}
	rec := Recommendation{AverageValue: usage / int64(len(ready))}
	if target.Type == autoscalingv2.UtilizationMetricType && requests > 0 {
		rec.Utilization = int32(usage * 100 / requests)
	}
	return rec
}

// assumedFull is what a pod without metrics is taken to use when the
// others ask to scale down: its whole request, or the target value.
func assumedFull(p PodUsage, target autoscalingv2.MetricTarget) int64 {
	if target.Type == autoscalingv2.AverageValueMetricType && target.AverageValue != nil {
		return target.AverageValue.MilliValue()
	}
	return p.Request
}

// scaleByRatio applies the tolerance; the count scaled is the pods that
// reported, as upstream does for resource metrics.
func scaleByRatio(current int32, ratio float64, measured int32) int32 {
	if math.Abs(1-ratio) <= Tolerance {
		return current
	}
	return int32(math.Ceil(ratio * float64(measured)))
}

// Recorded is one past recommendation, for the stabilization window.
type Recorded struct {
	At       time.Time
	Replicas int32
}

// Stabilize applies the scale-up and scale-down stabilization windows:
// a scale up goes no higher than the lowest recommendation of its window,
// a scale down no lower than the highest of its window, so flapping
// metrics do not flap the workload.
func Stabilize(current, desired int32, history []Recorded, upWindow, downWindow time.Duration, now time.Time) int32 {
	up, down := desired, desired
	for _, r := range history {
		if now.Sub(r.At) <= upWindow && r.Replicas < up {
			up = r.Replicas
		}
		if now.Sub(r.At) <= downWindow && r.Replicas > down {
			down = r.Replicas
		}
	}
	switch {
	case desired > current:
		return max(current, up)
	case desired < current:
		return min(current, down)
	}
	return current
}

// ScaleEvent is a past change of the target's replicas.
type ScaleEvent struct {
	At     time.Time
	Change int32 // positive for an increase
}

// LimitByPolicies bounds a change by the behavior's policies: each policy
// allows a change of Value pods (Pods) or Value percent (Percent) per
// PeriodSeconds, counted from the replicas at the start of the period;
// SelectPolicy Max takes the most permissive policy, Min the strictest,
// Disabled forbids the direction altogether.
func LimitByPolicies(current, desired int32, rules *autoscalingv2.HPAScalingRules, events []ScaleEvent, now time.Time) int32 {
	if rules == nil || desired == current {
		return desired
	}
	sel := autoscalingv2.MaxChangePolicySelect
	if rules.SelectPolicy != nil {
		sel = *rules.SelectPolicy
	}
	if sel == autoscalingv2.DisabledPolicySelect {
		return current
	}
	up := desired > current
	var limit int32
	first := true
	for _, p := range rules.Policies {
		start := current - changeWithin(events, time.Duration(p.PeriodSeconds)*time.Second, now, up)
		var l int32
		switch {
		case up && p.Type == autoscalingv2.PodsScalingPolicy:
			l = start + p.Value
		case up:
			l = int32(math.Ceil(float64(start) * (1 + float64(p.Value)/100)))
		case p.Type == autoscalingv2.PodsScalingPolicy:
			l = start - p.Value
		default:
			l = int32(math.Ceil(float64(start) * (1 - float64(p.Value)/100)))
		}
		more := (up && l > limit) || (!up && l < limit)
		if first || (sel == autoscalingv2.MaxChangePolicySelect) == more {
			limit, first = l, false
		}
	}
	if up {
		return min(desired, limit)
	}
	return max(desired, limit)
}

// changeWithin sums the changes in one direction made within period.
func changeWithin(events []ScaleEvent, period time.Duration, now time.Time, up bool) int32 {
	var sum int32
	for _, e := range events {
		if now.Sub(e.At) <= period && (e.Change > 0) == up {
			sum += e.Change
		}
	}
	return sum
}

// Limited is the ScalingLimited condition's state.
type Limited struct {
	Limited bool
	Reason  string // TooFewReplicas, TooManyReplicas or DesiredWithinRange
}

// Clamp bounds desired by minReplicas and maxReplicas and says which
// bound, if any, applied, in Kubernetes' reasons.
func Clamp(desired, minReplicas, maxReplicas int32) (int32, Limited) {
	switch {
	case desired < minReplicas:
		return minReplicas, Limited{true, "TooFewReplicas"}
	case desired > maxReplicas:
		return maxReplicas, Limited{true, "TooManyReplicas"}
	}
	return desired, Limited{false, "DesiredWithinRange"}
}
