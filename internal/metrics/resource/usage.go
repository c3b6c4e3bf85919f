package resource

import "time"

// Point is one reading of a cgroup's cumulative counters.
type Point struct {
	Time time.Time
	// CPUNanos is the CPU time the cgroup used since it was made.
	CPUNanos uint64
	// MemoryWorkingSetBytes is the working set at Time (see WorkingSet).
	MemoryWorkingSetBytes uint64
}

// Usage is what the resource metrics API reports for one container or node.
type Usage struct {
	// Timestamp is the end of the window: when the memory figure was read.
	Timestamp time.Time `json:"timestamp"`
	// Window is the time the CPU rate was averaged over.
	Window time.Duration `json:"window"`
	// CPUNanoCores is the average CPU use over the window, in billionths
	// of a core.
	CPUNanoCores uint64 `json:"cpuNanoCores"`
	// MemoryWorkingSetBytes is the working set at Timestamp.
	MemoryWorkingSetBytes uint64 `json:"memoryWorkingSetBytes"`
}

// WorkingSet is memory usage less the inactive file cache, floored at
// zero, as cAdvisor computes working_set_bytes: page cache the kernel can
// drop without writing anything is not counted as used.
func WorkingSet(usage, inactiveFile uint64) uint64 {
	if inactiveFile >= usage {
		return 0
	}
	return usage - inactiveFile
}

// Rate is the usage over the window between two points of one cgroup. It
// reports false when cur is not later than prev or the CPU counter went
// backwards (a different cgroup under the same key): no rate can be told.
func Rate(prev, cur Point) (Usage, bool) {
	window := cur.Time.Sub(prev.Time)
	if window <= 0 || cur.CPUNanos < prev.CPUNanos {
		return Usage{}, false
	}
	used := cur.CPUNanos - prev.CPUNanos
	// nanoseconds of CPU per second of window, scaled to nanocores; the
	// float keeps large counters from overflowing the multiplication.
	rate := float64(used) / window.Seconds()
	return Usage{
		Timestamp:             cur.Time,
		Window:                window,
		CPUNanoCores:          uint64(rate + 0.5),
		MemoryWorkingSetBytes: cur.MemoryWorkingSetBytes,
	}, true
}
