package printers

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	coreEvents = schema.GroupResource{Resource: "events"}
	newEvents  = schema.GroupResource{Group: "events.k8s.io", Resource: "events"}
)

func TestEventColumnsMatchInBothGroups(t *testing.T) {
	want := columnSet{
		normal: []string{"Last Seen", "Type", "Reason", "Object", "Message"},
		wide:   []string{"Subobject", "Source", "First Seen", "Count", "Name"},
	}
	assertColumns(t, coreEvents, &corev1.Event{}, want)
	assertColumns(t, newEvents, &corev1.Event{}, want)
	cols := convert(t, coreEvents, &corev1.Event{}).ColumnDefinitions
	if cols[4].Name != "Subobject" || cols[9].Format != "name" {
		t.Errorf("wide columns out of Kubernetes order: %+v", cols)
	}
}

func TestCoreEventCells(t *testing.T) {
	ev := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "web.17f1"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "web", FieldPath: "spec.containers{app}"},
		Reason:         "BackOff", Type: corev1.EventTypeWarning, Message: "  Back-off restarting failed container\n",
		Source:         corev1.EventSource{Component: "kubelet", Host: "node-1"},
		FirstTimestamp: ago(time.Hour), LastTimestamp: ago(2 * time.Minute), Count: 12,
	}
	assertCells(t, coreEvents, ev, "2m", "Warning", "BackOff", "pod/web", "spec.containers{app}", "kubelet, node-1",
		"Back-off restarting failed container", "60m", int64(12), "web.17f1")
}

func TestEventTimestampsAndCountFallbacks(t *testing.T) {
	micro := metav1.NewMicroTime(now.Add(-45 * time.Second))
	tests := []struct {
		name              string
		ev                *corev1.Event
		last, first, from string
		count             int64
	}{
		{"singleton from new API", &corev1.Event{EventTime: micro, ReportingController: "ctrl", ReportingInstance: "ctrl-1"}, "45s", "45s", "ctrl, ctrl-1", 1},
		{"series overrides last seen and count", &corev1.Event{EventTime: micro, Series: &corev1.EventSeries{Count: 5, LastObservedTime: metav1.NewMicroTime(now.Add(-3 * time.Second))}}, "3s", "45s", "", 5},
		{"nothing set", &corev1.Event{Source: corev1.EventSource{Component: "scheduler"}}, "<unknown>", "<unknown>", "scheduler", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cellsOf(t, coreEvents, tt.ev)
			if c[0] != tt.last || c[7] != tt.first || c[5] != tt.from || c[8] != tt.count {
				t.Errorf("last=%v first=%v source=%v count=%v", c[0], c[7], c[5], c[8])
			}
		})
	}
}

func TestEventObjectWithoutName(t *testing.T) {
	ev := &corev1.Event{InvolvedObject: corev1.ObjectReference{Kind: "Node"}}
	if got := cell(t, coreEvents, ev, "Object"); got != "node" {
		t.Errorf("object = %v", got)
	}
}

func TestEventsV1PrintsLikeCoreEvents(t *testing.T) {
	// events.k8s.io storage holds core Events; a series event written
	// through the new API has eventTime, series and a reporting controller.
	ev := &corev1.Event{
		ObjectMeta:          metav1.ObjectMeta{Name: "job.1"},
		EventTime:           metav1.NewMicroTime(now.Add(-10 * time.Minute)),
		InvolvedObject:      corev1.ObjectReference{Kind: "Job", Name: "backup"},
		Reason:              "Completed",
		Type:                corev1.EventTypeNormal,
		Message:             "Job completed",
		ReportingController: "job-controller",
		Series:              &corev1.EventSeries{Count: 2, LastObservedTime: metav1.NewMicroTime(now.Add(-time.Minute))},
	}
	assertCells(t, newEvents, ev, "60s", "Normal", "Completed", "job/backup", "", "job-controller", "Job completed", "10m", int64(2), "job.1")
}
