// Package benchutil holds what ordo's benchmarks share: nearest-rank
// latency summaries, CPU and memory readings from /proc, a description of
// the machine a run happened on, and a bounded pool of workers. It exists
// so every benchmark reports figures computed the same way.
package benchutil
