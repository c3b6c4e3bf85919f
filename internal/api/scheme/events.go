package scheme

import (
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
)

// Events written through core/v1 and through events.k8s.io/v1 are the same
// objects in Kubernetes: both APIs read and write one store, kept in the core
// v1 encoding. These conversions map the field names between the two
// (regarding ↔ involvedObject, note ↔ message, deprecated* ↔ the old fields).
func addEventConversions(s *runtime.Scheme) error {
	if err := s.AddConversionFunc((*corev1.Event)(nil), (*eventsv1.Event)(nil),
		func(a, b interface{}, _ conversion.Scope) error {
			coreToEventsV1(a.(*corev1.Event), b.(*eventsv1.Event))
			return nil
		}); err != nil {
		return err
	}
	if err := s.AddConversionFunc((*eventsv1.Event)(nil), (*corev1.Event)(nil),
		func(a, b interface{}, _ conversion.Scope) error {
			eventsV1ToCore(a.(*eventsv1.Event), b.(*corev1.Event))
			return nil
		}); err != nil {
		return err
	}
	if err := s.AddConversionFunc((*corev1.EventList)(nil), (*eventsv1.EventList)(nil),
		func(a, b interface{}, _ conversion.Scope) error {
			in, out := a.(*corev1.EventList), b.(*eventsv1.EventList)
			out.ListMeta = in.ListMeta
			out.Items = make([]eventsv1.Event, len(in.Items))
			for i := range in.Items {
				coreToEventsV1(&in.Items[i], &out.Items[i])
			}
			return nil
		}); err != nil {
		return err
	}
	return s.AddConversionFunc((*eventsv1.EventList)(nil), (*corev1.EventList)(nil),
		func(a, b interface{}, _ conversion.Scope) error {
			in, out := a.(*eventsv1.EventList), b.(*corev1.EventList)
			out.ListMeta = in.ListMeta
			out.Items = make([]corev1.Event, len(in.Items))
			for i := range in.Items {
				eventsV1ToCore(&in.Items[i], &out.Items[i])
			}
			return nil
		})
}

func coreToEventsV1(in *corev1.Event, out *eventsv1.Event) {
	out.ObjectMeta = in.ObjectMeta
	out.EventTime = in.EventTime
	out.ReportingController = in.ReportingController
	if out.ReportingController == "" {
		out.ReportingController = in.Source.Component
	}
	out.ReportingInstance = in.ReportingInstance
	if out.ReportingInstance == "" {
		out.ReportingInstance = in.Source.Host
	}
	out.Action = in.Action
	out.Reason = in.Reason
	out.Regarding = in.InvolvedObject
	out.Related = in.Related
	out.Note = in.Message
	out.Type = in.Type
	out.DeprecatedSource = in.Source
	out.DeprecatedFirstTimestamp = in.FirstTimestamp
	out.DeprecatedLastTimestamp = in.LastTimestamp
	out.DeprecatedCount = in.Count
	out.Series = nil
	if in.Series != nil {
		out.Series = &eventsv1.EventSeries{Count: in.Series.Count, LastObservedTime: in.Series.LastObservedTime}
	}
}

func eventsV1ToCore(in *eventsv1.Event, out *corev1.Event) {
	out.ObjectMeta = in.ObjectMeta
	out.EventTime = in.EventTime
	out.ReportingController = in.ReportingController
	out.ReportingInstance = in.ReportingInstance
	out.Action = in.Action
	out.Reason = in.Reason
	out.InvolvedObject = in.Regarding
	out.Related = in.Related
	out.Message = in.Note
	out.Type = in.Type
	out.Source = in.DeprecatedSource
	if out.Source.Component == "" {
		out.Source.Component = in.ReportingController
	}
	if out.Source.Host == "" {
		out.Source.Host = in.ReportingInstance
	}
	out.FirstTimestamp = in.DeprecatedFirstTimestamp
	out.LastTimestamp = in.DeprecatedLastTimestamp
	out.Count = in.DeprecatedCount
	out.Series = nil
	if in.Series != nil {
		out.Series = &corev1.EventSeries{Count: in.Series.Count, LastObservedTime: in.Series.LastObservedTime}
	}
}
