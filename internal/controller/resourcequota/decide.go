package resourcequota

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime/schema"
	quota "k8s.io/apiserver/pkg/quota/v1"
)

// newStatus is q's status given the usage just computed: hard mirrors
// spec.hard; used keeps the last observation of resources that could not
// be computed and takes the computed values of the others, limited to the
// resources hard names. changed says whether it differs from q's status.
func newStatus(q *corev1.ResourceQuota, computed corev1.ResourceList) (corev1.ResourceQuotaStatus, bool) {
	hard := quota.Add(corev1.ResourceList{}, q.Spec.Hard)
	used := quota.Add(corev1.ResourceList{}, q.Status.Used)
	for name, v := range computed {
		used[name] = v
	}
	used = quota.Mask(used, quota.ResourceNames(hard))
	st := corev1.ResourceQuotaStatus{Hard: hard, Used: used}
	changed := q.Status.Hard == nil || q.Status.Used == nil ||
		!equality.Semantic.DeepEqual(q.Spec.Hard, q.Status.Hard) || !quota.Equals(used, q.Status.Used)
	return st, changed
}

// needsUsage: status.hard differs from spec.hard, or a hard resource has
// no usage yet.
func needsUsage(q *corev1.ResourceQuota) bool {
	if !equality.Semantic.DeepEqual(q.Spec.Hard, q.Status.Hard) {
		return true
	}
	for name := range q.Spec.Hard {
		if _, ok := q.Status.Used[name]; !ok {
			return true
		}
	}
	return false
}

// countedResource is the group resource a count/<resource>.<group> quota
// name counts, if name is one.
func countedResource(name corev1.ResourceName) (schema.GroupResource, bool) {
	rest, ok := strings.CutPrefix(string(name), "count/")
	if !ok || rest == "" {
		return schema.GroupResource{}, false
	}
	res, group, _ := strings.Cut(rest, ".")
	return schema.GroupResource{Group: group, Resource: res}, true
}
