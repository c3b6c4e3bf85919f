package printers

import (
	"cmp"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Events prints LAST SEEN TYPE REASON OBJECT MESSAGE. Kubernetes serves core
// and events.k8s.io events from one storage whose objects are core Events
// (the scheme converts at the edge), so one printer serves both groups.
func Events() Printer {
	return printer[corev1.Event]{columns: eventColumns(), cells: func(e *corev1.Event, now time.Time) ([]any, error) {
		return coreEventView(e).cells(now), nil
	}}
}

// eventColumns are LAST SEEN TYPE REASON OBJECT MESSAGE, and with -o wide
// SUBOBJECT SOURCE FIRST SEEN COUNT NAME (interleaved as Kubernetes orders them).
func eventColumns() []metav1.TableColumnDefinition {
	doc := corev1.Event{}.SwaggerDoc()
	name := nameColumn()
	name.Priority = 1
	return columns(
		column("Last Seen", "string", doc["lastTimestamp"]),
		column("Type", "string", doc["type"]),
		column("Reason", "string", doc["reason"]),
		column("Object", "string", doc["involvedObject"]),
		wideColumn("Subobject", "string", corev1.ObjectReference{}.SwaggerDoc()["fieldPath"]),
		wideColumn("Source", "string", doc["source"]),
		column("Message", "string", doc["message"]),
		wideColumn("First Seen", "string", doc["firstTimestamp"]),
		wideColumn("Count", "string", doc["count"]),
		name,
	)
}

// eventView is the part of an event the table shows, in core/v1 terms, so
// both API versions share one cell function.
type eventView struct {
	name, eventType, reason, message string
	regarding                        corev1.ObjectReference
	source                           corev1.EventSource
	reportingController              string
	reportingInstance                string
	firstTimestamp, lastTimestamp    metav1.Time
	eventTime                        metav1.MicroTime
	count                            int32
	series                           *eventSeries
}

type eventSeries struct {
	count        int32
	lastObserved metav1.MicroTime
}

func coreEventView(e *corev1.Event) eventView {
	v := eventView{
		name: e.Name, eventType: e.Type, reason: e.Reason, message: e.Message,
		regarding: e.InvolvedObject, source: e.Source,
		reportingController: e.ReportingController, reportingInstance: e.ReportingInstance,
		firstTimestamp: e.FirstTimestamp, lastTimestamp: e.LastTimestamp, eventTime: e.EventTime,
		count: e.Count,
	}
	if e.Series != nil {
		v.series = &eventSeries{count: e.Series.Count, lastObserved: e.Series.LastObservedTime}
	}
	return v
}

func (v eventView) cells(now time.Time) []any {
	first := age(v.firstTimestamp, now)
	if v.firstTimestamp.IsZero() {
		first = microAge(v.eventTime, now)
	}
	last := age(v.lastTimestamp, now)
	if v.lastTimestamp.IsZero() {
		last = first
	}
	count := v.count
	switch {
	case v.series != nil:
		last, count = microAge(v.series.lastObserved, now), v.series.count
	case count == 0:
		// Singleton events written through the new API carry no count.
		count = 1
	}
	return []any{
		last, v.eventType, v.reason, v.object(), v.regarding.FieldPath,
		v.sourceString(), strings.TrimSpace(v.message), first, int64(count), v.name,
	}
}

// object is "kind/name" in lower-case kind, or just the kind.
func (v eventView) object() string {
	kind := strings.ToLower(v.regarding.Kind)
	if v.regarding.Name == "" {
		return kind
	}
	return kind + "/" + v.regarding.Name
}

// sourceString is "component, host", falling back to the reporting
// controller and instance that newer clients set instead.
func (v eventView) sourceString() string {
	component := cmp.Or(v.source.Component, v.reportingController)
	host := cmp.Or(v.source.Host, v.reportingInstance)
	if host == "" {
		return component
	}
	return component + ", " + host
}
