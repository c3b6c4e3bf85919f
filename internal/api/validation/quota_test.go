package validation

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func rl(kv ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i := 0; i < len(kv); i += 2 {
		out[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return out
}

var quotaMeta = metav1.ObjectMeta{Name: "q", Namespace: "ns"}

func TestValidateLimitRange(t *testing.T) {
	cases := []struct {
		name  string
		items []corev1.LimitRangeItem
		want  string // "" for valid
	}{
		{name: "docs' memory defaults", items: []corev1.LimitRangeItem{{Type: corev1.LimitTypeContainer, Default: rl("memory", "512Mi"), DefaultRequest: rl("memory", "256Mi")}}},
		{name: "min over max", items: []corev1.LimitRangeItem{{Type: corev1.LimitTypeContainer, Min: rl("cpu", "1"), Max: rl("cpu", "500m")}},
			want: `spec.limits[0].min[cpu]: Invalid value: "1": min value 1 is greater than max value 500m`},
		{name: "default request over default", items: []corev1.LimitRangeItem{{Type: corev1.LimitTypeContainer, Default: rl("cpu", "1"), DefaultRequest: rl("cpu", "2")}},
			want: `spec.limits[0].defaultRequest[cpu]: Invalid value: "2": default request value 2 is greater than default limit value 1`},
		{name: "default over max", items: []corev1.LimitRangeItem{{Type: corev1.LimitTypeContainer, Default: rl("cpu", "2"), Max: rl("cpu", "1")}},
			want: `spec.limits[0].default[cpu]: Invalid value: "1": default value 2 is greater than max value 1`},
		{name: "min over default request", items: []corev1.LimitRangeItem{{Type: corev1.LimitTypeContainer, Min: rl("cpu", "1"), DefaultRequest: rl("cpu", "500m")}},
			want: `min value 1 is greater than default request value 500m`},
		{name: "ratio under 1", items: []corev1.LimitRangeItem{{Type: corev1.LimitTypeContainer, MaxLimitRequestRatio: rl("cpu", "500m")}},
			want: `ratio 500m is less than 1`},
		{name: "ratio over max/min", items: []corev1.LimitRangeItem{{Type: corev1.LimitTypeContainer, Min: rl("cpu", "1"), Max: rl("cpu", "2"), MaxLimitRequestRatio: rl("cpu", "3")}},
			want: `ratio 3 is greater than max/min = 2.000000`},
		{name: "pod defaults forbidden", items: []corev1.LimitRangeItem{{Type: corev1.LimitTypePod, Default: rl("cpu", "1")}},
			want: "spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'"},
		{name: "claim needs storage bounds", items: []corev1.LimitRangeItem{{Type: corev1.LimitTypePersistentVolumeClaim, Min: rl("cpu", "1")}},
			want: "either minimum or maximum storage value is required, but neither was provided"},
		{name: "claim storage bounds", items: []corev1.LimitRangeItem{{Type: corev1.LimitTypePersistentVolumeClaim, Min: rl("storage", "1Gi"), Max: rl("storage", "2Gi")}}},
		{name: "unknown type", items: []corev1.LimitRangeItem{{Type: "Widget"}}, want: "must be a standard limit type or fully qualified"},
		{name: "duplicate type", items: []corev1.LimitRangeItem{{Type: corev1.LimitTypeContainer}, {Type: corev1.LimitTypeContainer}},
			want: `spec.limits[1].type: Duplicate value: "Container"`},
		{name: "bad container resource", items: []corev1.LimitRangeItem{{Type: corev1.LimitTypeContainer, Max: rl("widgets", "1")}},
			want: "must be a standard resource for containers"},
		{name: "hugepages default must equal request", items: []corev1.LimitRangeItem{{Type: corev1.LimitTypeContainer, Default: rl("hugepages-2Mi", "4Mi"), DefaultRequest: rl("hugepages-2Mi", "2Mi")}},
			want: "default value 4Mi must equal to defaultRequest value 2Mi in hugepages-2Mi"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			errs := ValidateLimitRange(&corev1.LimitRange{ObjectMeta: quotaMeta, Spec: corev1.LimitRangeSpec{Limits: tc.items}})
			checkErrs(t, errs.ToAggregate(), tc.want)
		})
	}
}

func checkErrs(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("unexpected errors: %v", err)
	case want != "" && err == nil:
		t.Errorf("no error, want %q", want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Errorf("errors %q lack %q", err, want)
	}
}

func TestValidateResourceQuota(t *testing.T) {
	cases := []struct {
		name string
		spec corev1.ResourceQuotaSpec
		want string
	}{
		{name: "docs' mem-cpu-demo", spec: corev1.ResourceQuotaSpec{Hard: rl("requests.cpu", "1", "requests.memory", "1Gi", "limits.cpu", "2", "limits.memory", "2Gi")}},
		{name: "object counts", spec: corev1.ResourceQuotaSpec{Hard: rl("count/configmaps", "10", "count/deployments.apps", "2", "pods", "4", "services.nodeports", "0")}},
		{name: "per-class storage", spec: corev1.ResourceQuotaSpec{Hard: rl("gold.storageclass.storage.k8s.io/requests.storage", "500Gi")}},
		{name: "negative", spec: corev1.ResourceQuotaSpec{Hard: rl("cpu", "-1")}, want: `spec.hard[cpu]: Invalid value: "-1": must be greater than or equal to 0`},
		{name: "fractional count", spec: corev1.ResourceQuotaSpec{Hard: rl("pods", "1.5")}, want: `spec.hard[pods]: Invalid value: "1500m": must be an integer`},
		{name: "unknown resource", spec: corev1.ResourceQuotaSpec{Hard: rl("widgets", "1")}, want: "must be a standard resource for quota"},
		{name: "best effort counts pods only", spec: corev1.ResourceQuotaSpec{Hard: rl("pods", "2", "requests.cpu", "1"), Scopes: []corev1.ResourceQuotaScope{"BestEffort"}},
			want: "unsupported scope applied to resource"},
		{name: "terminating compute", spec: corev1.ResourceQuotaSpec{Hard: rl("pods", "2", "requests.cpu", "1"), Scopes: []corev1.ResourceQuotaScope{"Terminating"}}},
		{name: "conflicting", spec: corev1.ResourceQuotaSpec{Hard: rl("pods", "2"), Scopes: []corev1.ResourceQuotaScope{"Terminating", "NotTerminating"}}, want: "conflicting scopes"},
		{name: "unknown scope", spec: corev1.ResourceQuotaSpec{Hard: rl("pods", "2"), Scopes: []corev1.ResourceQuotaScope{"Sometimes"}}, want: "unsupported scope"},
		{name: "priority class selector", spec: corev1.ResourceQuotaSpec{Hard: rl("pods", "2"), ScopeSelector: &corev1.ScopeSelector{
			MatchExpressions: []corev1.ScopedResourceSelectorRequirement{{ScopeName: "PriorityClass", Operator: "In", Values: []string{"high"}}}}}},
		{name: "In without values", spec: corev1.ResourceQuotaSpec{Hard: rl("pods", "2"), ScopeSelector: &corev1.ScopeSelector{
			MatchExpressions: []corev1.ScopedResourceSelectorRequirement{{ScopeName: "PriorityClass", Operator: "In"}}}},
			want: "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			errs := ValidateResourceQuota(&corev1.ResourceQuota{ObjectMeta: quotaMeta, Spec: tc.spec})
			checkErrs(t, errs.ToAggregate(), tc.want)
		})
	}
}

func TestResourceQuotaScopesAreImmutable(t *testing.T) {
	old := &corev1.ResourceQuota{ObjectMeta: quotaMeta, Spec: corev1.ResourceQuotaSpec{Hard: rl("pods", "2"), Scopes: []corev1.ResourceQuotaScope{"BestEffort"}}}
	old.ResourceVersion = "1"
	cur := old.DeepCopy()
	cur.Spec.Hard = rl("pods", "3")
	checkErrs(t, ValidateResourceQuotaUpdate(cur, old).ToAggregate(), "")
	cur.Spec.Scopes = []corev1.ResourceQuotaScope{"NotBestEffort"}
	checkErrs(t, ValidateResourceQuotaUpdate(cur, old).ToAggregate(), "spec.scopes: Invalid value")
}
