// Package runrecord is the compact, bounded record of a CronJob's scheduled
// slots: for each slot, when it was due, when its run started and ended, how
// it ended, or why it never ran. Jobs are deleted by
// successfulJobsHistoryLimit and failedJobsHistoryLimit, and events expire
// after an hour, so without this record the question "did every slot of the
// last week run once, on time?" has no answer.
//
// The record of CronJob NAME lives in the ConfigMap ObjectName(NAME) of the
// CronJob's namespace, owned by the CronJob (so it is deleted with it and is
// readable by whoever may read ConfigMaps there, as `kubectl get cm` shows
// it). Its key DataKey holds one JSON object per line, oldest first.
//
// This file is the reading side and the shape of a run; the writers (the
// CronJob controller and the warm runners) live with them.
package runrecord

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// DataKey is the ConfigMap key that holds the record, one run per line.
const DataKey = "runs"

// Outcome is how a slot ended.
type Outcome string

const (
	// Succeeded: the slot's Job (or warm run) completed.
	Succeeded Outcome = "Succeeded"
	// Failed: the slot's Job failed (backoffLimit, deadline) or its warm
	// run exited non-zero.
	Failed Outcome = "Failed"
	// Running: started, not finished when the record was written.
	Running Outcome = "Running"
	// Missed: the slot never started; Reason says why.
	Missed Outcome = "Missed"
)

// Reasons a slot was missed. They name the cause a user can act on.
const (
	ReasonForbid     = "ConcurrencyPolicyForbid"  // the previous run was still going
	ReasonDeadline   = "StartingDeadlineExceeded" // found later than startingDeadlineSeconds
	ReasonServerDown = "ServerDown"               // no controller was running at its time
	ReasonSuspended  = "Suspended"                // spec.suspend was true at its time
	ReasonSuperseded = "Superseded"               // a newer slot ran instead (no catch-up)
)

// Run is one slot of a CronJob.
type Run struct {
	// Slot is the scheduled time.
	Slot time.Time `json:"slot"`
	// Started is when the run began: its Job was created, or its warm run
	// was forked. Started minus Slot is the run's lag.
	Started *time.Time `json:"started,omitempty"`
	// Finished is when the Job finished or the warm run exited.
	Finished *time.Time `json:"finished,omitempty"`
	Outcome  Outcome    `json:"outcome"`
	// Reason is why a slot was Missed, or why a run Failed.
	Reason string `json:"reason,omitempty"`
	// Job is the Job's name (empty for a warm run).
	Job string `json:"job,omitempty"`
	// Pod is the pod that ran the slot (the Job's last pod, or the runner).
	Pod string `json:"pod,omitempty"`
	// ExitCode is the run's exit code, when known.
	ExitCode *int32 `json:"exitCode,omitempty"`
	// Warm says a warm runner ran the slot.
	Warm bool `json:"warm,omitempty"`
}

// ObjectName is the name of the ConfigMap that holds cronJob's record. The
// dot cannot appear in a CronJob's own generated names (Jobs are
// NAME-<minutes>), so it never collides with them.
func ObjectName(cronJob string) string { return cronJob + ".runs" }

// Read returns cronJob's record, oldest slot first; no record yet is an
// empty record, not an error.
func Read(ctx context.Context, c kubernetes.Interface, namespace, cronJob string) ([]Run, error) {
	cm, err := c.CoreV1().ConfigMaps(namespace).Get(ctx, ObjectName(cronJob), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return Decode(cm.Data[DataKey])
}

// Decode parses the record's lines.
func Decode(data string) ([]Run, error) {
	var runs []Run
	sc := bufio.NewScanner(strings.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var r Run
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("run record line %d: %w", line, err)
		}
		runs = append(runs, r)
	}
	return runs, sc.Err()
}
