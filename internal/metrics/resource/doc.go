// Package resource computes the figures of the resource metrics API
// (metrics.k8s.io: `kubectl top`, and the HorizontalPodAutoscaler's CPU and
// memory targets) from the cgroups ordo makes, the way the kubelet's
// summary and metrics-server compute them from cAdvisor's.
//
// Glossary:
//
//	Point      one reading of a cgroup's cumulative counters: CPU time used
//	           since the cgroup was made (cpuacct.usage on cgroup v1,
//	           cpu.stat usage_usec on v2) and its memory working set, at a time.
//	working    memory usage minus the inactive file cache (memory.usage_in_bytes
//	set        − total_inactive_file on v1, memory.current − inactive_file on
//	           v2), floored at 0: what cAdvisor and the kubelet call
//	           working_set_bytes, and what the OOM killer judges.
//	Usage      what the API reports for a container or a node: CPU as a rate
//	           (nanocores) over a window between two points, and the memory
//	           working set at the end of that window.
//	Tracker    the last two points of every cgroup the agent samples.
//	Summary    an agent's answer to the API server: the node's Usage and its
//	           pods' containers' Usages.
//
// The flow:
//
//	agent (every SampleInterval)           API server (on a metrics.k8s.io read)
//	  read each running container's          list Ready nodes / the pods asked for
//	  cgroup and the root cgroup ──► Tracker   │ GET /stats/resource on each node's
//	                                 │         │ agent (the pods/log client)
//	  GET /stats/resource ◄──────────┴─────────┘ Summary ──► NodeMetrics/PodMetrics
//
// The CPU rate is the difference of the cumulative CPU time between the last
// two samples divided by the time between them (the window), as
// metrics-server computes it from two scrapes. A container run's cgroup is
// made at the run's start with a CPU time of 0, so its first sample already
// gives a rate, over the window from the run's start (for a container an
// agent adopted after its restart, that first window is the run's whole
// life). A container whose run has no sample yet, or whose counter went
// backwards, is left out, as metrics-server leaves out what it cannot rate.
// The node has no such start, so its figures come with its second sample.
//
// An HPA controller reads these figures the way Kubernetes' does: through
// the API (k8s.io/metrics' clientset, MetricsV1beta1().PodMetricses(ns).
// List with the target's label selector), not from this package, so RBAC
// and the aggregation layer apply and a metrics-server could stand in.
package resource
