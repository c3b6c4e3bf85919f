package runner

import (
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// LastSuccessAnnotation is the newest slot whose run exited 0; the CronJob
// controller copies it to status.lastSuccessfulTime.
const LastSuccessAnnotation = "ordo.dev/last-success"

// TokenOf reads the token from its Lease.
func TokenOf(l *coordinationv1.Lease) Token {
	t := Token{
		LastSlot: parseTime(l.Annotations[LastSlotAnnotation]),
		HandTo:   l.Annotations[HandToAnnotation],
		HandAt:   parseTime(l.Annotations[HandAtAnnotation]),
	}
	for _, v := range strings.Split(l.Annotations[UnstartedAnnotation], ",") {
		if s := parseTime(v); !s.IsZero() {
			t.Unstarted = append(t.Unstarted, s)
		}
	}
	if l.Spec.HolderIdentity != nil {
		t.Holder = *l.Spec.HolderIdentity
	}
	if l.Spec.RenewTime != nil {
		t.Renewed = l.Spec.RenewTime.Time
	}
	if l.Spec.LeaseDurationSeconds != nil {
		t.Duration = time.Duration(*l.Spec.LeaseDurationSeconds) * time.Second
	}
	return t
}

// Onto returns a copy of the Lease carrying the token; written with the
// Lease's resourceVersion, it is the compare-and-swap every claim is.
func (t Token) Onto(l *coordinationv1.Lease) *coordinationv1.Lease {
	out := l.DeepCopy()
	if out.Annotations == nil {
		out.Annotations = map[string]string{}
	}
	setTime(out.Annotations, LastSlotAnnotation, t.LastSlot)
	setTime(out.Annotations, HandAtAnnotation, t.HandAt)
	if len(t.Unstarted) == 0 {
		delete(out.Annotations, UnstartedAnnotation)
	} else {
		stamps := make([]string, len(t.Unstarted))
		for i, s := range t.Unstarted {
			stamps[i] = s.UTC().Format(time.RFC3339Nano)
		}
		out.Annotations[UnstartedAnnotation] = strings.Join(stamps, ",")
	}
	if t.HandTo == "" {
		delete(out.Annotations, HandToAnnotation)
	} else {
		out.Annotations[HandToAnnotation] = t.HandTo
	}
	if t.Holder == "" {
		out.Spec.HolderIdentity = nil
	} else {
		holder := t.Holder
		out.Spec.HolderIdentity = &holder
	}
	if !t.Renewed.IsZero() {
		out.Spec.RenewTime = &metav1.MicroTime{Time: t.Renewed}
	}
	return out
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func setTime(m map[string]string, key string, t time.Time) {
	if t.IsZero() {
		delete(m, key)
		return
	}
	m[key] = t.UTC().Format(time.RFC3339Nano)
}
