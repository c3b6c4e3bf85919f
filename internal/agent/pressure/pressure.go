// Package pressure computes a node's MemoryPressure, DiskPressure and
// PIDPressure conditions from the machine's eviction signals, against the
// kubelet's default hard eviction thresholds, with the kubelet's reasons
// and messages.
//
//	Sample(dir) ──▶ Signals ──▶ Conditions(Signals, Thresholds) ──▶ 3 NodeConditions
//	(/proc, statfs)            (pure: table-tested)
//
// Glossary: nodefs is the file system of the node's data directory (pods'
// volumes and logs); imagefs is where images live, the same data
// directory in ordo, so both sets of thresholds apply to one file system.
// ordo does not evict pods: the conditions are reported only.
package pressure

import (
	corev1 "k8s.io/api/core/v1"
)

// Signals are the eviction signals as measured: what is available and the
// total it is a share of. A zero total means "not measured"; such a signal
// never reports pressure.
type Signals struct {
	MemoryAvailable, MemoryCapacity   int64 // bytes
	NodefsAvailable, NodefsCapacity   int64 // bytes
	NodefsInodesFree, NodefsInodes    int64
	ImagefsAvailable, ImagefsCapacity int64 // bytes
	ImagefsInodesFree, ImagefsInodes  int64
	PIDAvailable, PIDMax              int64
}

// Threshold is one hard eviction threshold: a quantity, or a percentage of
// the signal's total. The zero Threshold is none.
type Threshold struct {
	Quantity   int64
	Percentage float64
}

// under says whether available is below t's share of total.
func (t Threshold) under(available, total int64) bool {
	if total <= 0 {
		return false
	}
	limit := float64(t.Quantity)
	if t.Percentage > 0 {
		limit = t.Percentage / 100 * float64(total)
	}
	return limit > 0 && float64(available) < limit
}

// Thresholds are the hard eviction thresholds of each signal.
type Thresholds struct {
	MemoryAvailable, NodefsAvailable, NodefsInodesFree Threshold
	ImagefsAvailable, ImagefsInodesFree, PIDAvailable  Threshold
}

// DefaultThresholds are the kubelet's default --eviction-hard on Linux:
// memory.available<100Mi, nodefs.available<10%, nodefs.inodesFree<5%,
// imagefs.available<15%, imagefs.inodesFree<5%. pid.available has no
// default, so PIDPressure is only reported under a configured threshold.
func DefaultThresholds() Thresholds {
	return Thresholds{
		MemoryAvailable:   Threshold{Quantity: 100 << 20},
		NodefsAvailable:   Threshold{Percentage: 10},
		NodefsInodesFree:  Threshold{Percentage: 5},
		ImagefsAvailable:  Threshold{Percentage: 15},
		ImagefsInodesFree: Threshold{Percentage: 5},
	}
}

// Conditions are MemoryPressure, DiskPressure and PIDPressure, in the
// kubelet's order, without times (the caller stamps heartbeat and
// transition times).
func Conditions(s Signals, t Thresholds) []corev1.NodeCondition {
	memory := t.MemoryAvailable.under(s.MemoryAvailable, s.MemoryCapacity)
	disk := t.NodefsAvailable.under(s.NodefsAvailable, s.NodefsCapacity) ||
		t.NodefsInodesFree.under(s.NodefsInodesFree, s.NodefsInodes) ||
		t.ImagefsAvailable.under(s.ImagefsAvailable, s.ImagefsCapacity) ||
		t.ImagefsInodesFree.under(s.ImagefsInodesFree, s.ImagefsInodes)
	pid := t.PIDAvailable.under(s.PIDAvailable, s.PIDMax)
	return []corev1.NodeCondition{
		condition(corev1.NodeMemoryPressure, memory,
			"KubeletHasInsufficientMemory", "kubelet has insufficient memory available",
			"KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
		condition(corev1.NodeDiskPressure, disk,
			"KubeletHasDiskPressure", "kubelet has disk pressure",
			"KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
		condition(corev1.NodePIDPressure, pid,
			"KubeletHasInsufficientPID", "kubelet has insufficient PID available",
			"KubeletHasSufficientPID", "kubelet has sufficient PID available"),
	}
}

func condition(typ corev1.NodeConditionType, under bool, reason, message, okReason, okMessage string) corev1.NodeCondition {
	if under {
		return corev1.NodeCondition{Type: typ, Status: corev1.ConditionTrue, Reason: reason, Message: message}
	}
	return corev1.NodeCondition{Type: typ, Status: corev1.ConditionFalse, Reason: okReason, Message: okMessage}
}
