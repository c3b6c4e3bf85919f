package printers

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

// Placeholders kubectl users recognise from a real cluster.
const (
	none    = "<none>"
	unknown = "<unknown>"
	unset   = "<unset>"
)

// age is the time since t as Kubernetes prints it ("5d", "3m10s"), or
// "<unknown>" for a timestamp that was never set.
func age(t metav1.Time, now time.Time) string {
	if t.IsZero() {
		return unknown
	}
	return durationSince(t.Time, now)
}

// durationSince formats the time elapsed from t to now.
func durationSince(t, now time.Time) string {
	return duration.HumanDuration(now.Sub(t))
}

// microAge is age for the MicroTime fields of events.
func microAge(t metav1.MicroTime, now time.Time) string {
	if t.IsZero() {
		return unknown
	}
	return durationSince(t.Time, now)
}

// containerCells joins container names and images the way the wide
// CONTAINERS and IMAGES columns show them.
func containerCells(containers []corev1.Container) (names, images string) {
	n := make([]string, len(containers))
	i := make([]string, len(containers))
	for idx, c := range containers {
		n[idx], i[idx] = c.Name, c.Image
	}
	return strings.Join(n, ","), strings.Join(i, ",")
}

// templateCells is containerCells as a cell slice, ready to append.
func templateCells(spec corev1.PodSpec) []any {
	names, images := containerCells(spec.Containers)
	return []any{names, images}
}

// boolPtr prints an optional boolean; Kubernetes distinguishes "unset" from false.
func boolPtr(b *bool) string {
	if b == nil {
		return unset
	}
	if *b {
		return "True"
	}
	return "False"
}

// orNone substitutes "<none>" for an empty string.
func orNone(s string) string {
	if s == "" {
		return none
	}
	return s
}

// orUnknown substitutes "<unknown>" for an empty string.
func orUnknown(s string) string {
	if s == "" {
		return unknown
	}
	return s
}

// derefOr returns *p, or def when the field was omitted. Used for fields
// that API defaulting fills in (replicas, reclaim policy) so an undefaulted
// object prints what the server would have stored.
func derefOr[V any](p *V, def V) V {
	if p == nil {
		return def
	}
	return *p
}

// truncatedList keeps the first max entries and summarises the rest as
// "a,b,c + 2 more...", the shape Kubernetes uses for long address lists.
type truncatedList struct {
	max   int
	items []string
	total int
}

func (l *truncatedList) add(s string) {
	if len(l.items) < l.max {
		l.items = append(l.items, s)
	}
	l.total++
}

func (l *truncatedList) String() string {
	joined := strings.Join(l.items, ",")
	if l.total > l.max {
		return fmt.Sprintf("%s + %d more...", joined, l.total-l.max)
	}
	return joined
}
