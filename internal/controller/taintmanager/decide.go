package taintmanager

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/klog/v2"
)

// decision is what to do with one pod.
type decision struct {
	// tainted: its node has NoExecute taints (a timer runs while true).
	tainted bool
	// evict now.
	evict bool
	// after, when set, is how long until the eviction is due.
	after *time.Duration
}

// noExecute are taints' NoExecute ones.
func noExecute(taints []corev1.Taint) []corev1.Taint {
	var out []corev1.Taint
	for _, t := range taints {
		if t.Effect == corev1.TaintEffectNoExecute {
			out = append(out, t)
		}
	}
	return out
}

// decide is the whole decision for a pod with tolerations on a node with
// taints, first seen under them at since.
func decide(taints []corev1.Taint, tolerations []corev1.Toleration, since, now time.Time) decision {
	taints = noExecute(taints)
	if len(taints) == 0 {
		return decision{}
	}
	used, all := matching(taints, tolerations)
	if !all {
		return decision{tainted: true, evict: true}
	}
	wait, forever := shortestToleration(used)
	if forever {
		return decision{tainted: true}
	}
	left := since.Add(wait).Sub(now)
	if left <= 0 {
		return decision{tainted: true, evict: true}
	}
	return decision{tainted: true, after: &left}
}

// matching returns, for each taint, the tolerations that tolerate it, and
// whether every taint has one.
func matching(taints []corev1.Taint, tolerations []corev1.Toleration) ([]corev1.Toleration, bool) {
	var used []corev1.Toleration
	for i := range taints {
		found := false
		for j := range tolerations {
			if corev1helpers.TolerationsTolerateTaint(klog.Background(), tolerations[j:j+1], &taints[i], false) {
				used = append(used, tolerations[j])
				found = true
			}
		}
		if !found {
			return nil, false
		}
	}
	return used, true
}

// shortestToleration is the least tolerationSeconds among used (a
// negative one counts as zero); forever when none sets it.
func shortestToleration(used []corev1.Toleration) (time.Duration, bool) {
	var least *int64
	for _, t := range used {
		if t.TolerationSeconds == nil {
			continue
		}
		s := max(*t.TolerationSeconds, 0)
		if least == nil || s < *least {
			least = &s
		}
	}
	if least == nil {
		return 0, true
	}
	return time.Duration(*least) * time.Second, false
}
