package printers

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// ResourceQuotas prints NAME AGE REQUEST LIMIT as Kubernetes does: each
// resource of status.hard as "name: used/hard", sorted by name, those
// named limits.* under LIMIT and all others under REQUEST. LimitRanges
// have no printer in Kubernetes: they get the default NAME CREATED AT.
func ResourceQuotas() Printer {
	return printer[corev1.ResourceQuota]{
		columns: columns(nameColumn(), ageColumn(),
			column("Request", "string", "Request represents a minimum amount of cpu/memory that a container may consume."),
			column("Limit", "string", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.")),
		cells: func(q *corev1.ResourceQuota, now time.Time) ([]any, error) {
			request, limit := quotaColumns(q.Status)
			return []any{q.Name, age(q.CreationTimestamp, now), request, limit}, nil
		},
	}
}

func quotaColumns(st corev1.ResourceQuotaStatus) (string, string) {
	names := make([]string, 0, len(st.Hard))
	for name := range st.Hard {
		names = append(names, string(name))
	}
	sort.Strings(names)
	var request, limit []string
	for _, name := range names {
		used, hard := st.Used[corev1.ResourceName(name)], st.Hard[corev1.ResourceName(name)]
		cell := fmt.Sprintf("%s: %s/%s", name, used.String(), hard.String())
		if strings.HasPrefix(name, "limits.") {
			limit = append(limit, cell)
		} else {
			request = append(request, cell)
		}
	}
	return strings.Join(request, ", "), strings.Join(limit, ", ")
}
