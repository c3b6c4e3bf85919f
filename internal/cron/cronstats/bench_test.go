package cronstats

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"

	"github.com/ordo-dev/ordo/internal/cron/runrecord"
)

// fullInput is a seconds CronJob with a full record (runrecord.MaxRuns
// slots, one in ten missed) and its last 10 Jobs: the dashboard's worst
// row.
func fullInput() Input {
	var runs []runrecord.Run
	for i := 0; i < runrecord.MaxRuns; i++ {
		r := ran(time.Duration(i)*time.Second, 5*time.Millisecond, runrecord.Succeeded)
		if i%10 == 9 {
			r = missed(time.Duration(i)*time.Second, runrecord.ReasonForbid)
		}
		runs = append(runs, r)
	}
	var jobs []batchv1.Job
	for i := runrecord.MaxRuns - 10; i < runrecord.MaxRuns; i++ {
		slot := anchor.Add(time.Duration(i) * time.Second)
		jobs = append(jobs, job(runs[i].Job, &slot, slot, batchv1.JobComplete))
	}
	return Input{CronJob: cronJob("* * * * * *"), Jobs: jobs, Runs: runs, Now: anchor.Add(runrecord.MaxRuns * time.Second), Local: time.UTC}
}

// BenchmarkSummarizeFullRecord is one CronJobs-page row at its worst; a
// page of 1,000 such CronJobs costs 1,000 of them.
func BenchmarkSummarizeFullRecord(b *testing.B) {
	in := fullInput()
	b.ReportAllocs()
	for b.Loop() {
		Summarize(in)
	}
}

// BenchmarkTimelineFullRecord is the CronJob page's timeline at its worst.
func BenchmarkTimelineFullRecord(b *testing.B) {
	in := fullInput()
	b.ReportAllocs()
	for b.Loop() {
		Timeline(in, 100)
	}
}

// BenchmarkDecodeFullRecord is runrecord.Decode of a full record, which a
// reader pays once per change of the ConfigMap.
func BenchmarkDecodeFullRecord(b *testing.B) {
	data := runrecord.Encode(fullInput().Runs)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := runrecord.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}
