package validation

import (
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func indexed(j *batchv1.Job) {
	j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
	j.Spec.Completions = ptr.To[int32](4)
	j.Spec.Parallelism = ptr.To[int32](4)
}

func exitRule(action batchv1.PodFailurePolicyAction, op batchv1.PodFailurePolicyOnExitCodesOperator, values ...int32) batchv1.PodFailurePolicyRule {
	return batchv1.PodFailurePolicyRule{Action: action,
		OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{Operator: op, Values: values}}
}

func withPolicy(j *batchv1.Job, rules ...batchv1.PodFailurePolicyRule) {
	j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: rules}
	j.Spec.PodReplacementPolicy = ptr.To(batchv1.Failed)
}

func TestValidateJob(t *testing.T) {
	rpPath := "spec.template.spec.restartPolicy"
	cases := []struct {
		name   string
		mutate func(j *batchv1.Job)
		wants  []want
	}{
		{"valid", func(j *batchv1.Job) {}, nil},
		{"restartPolicy Always", func(j *batchv1.Job) { j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways }, []want{req(rpPath)}},
		{"restartPolicy OnFailure", func(j *batchv1.Job) { j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure }, nil},
		{"negative counts", func(j *batchv1.Job) {
			j.Spec.Parallelism = ptr.To[int32](-1)
			j.Spec.Completions = ptr.To[int32](-1)
			j.Spec.BackoffLimit = ptr.To[int32](-1)
			j.Spec.TTLSecondsAfterFinished = ptr.To[int32](-1)
			j.Spec.ActiveDeadlineSeconds = ptr.To[int64](-1)
		}, []want{inv("spec.parallelism"), inv("spec.completions"), inv("spec.backoffLimit"),
			inv("spec.ttlSecondsAfterFinished"), inv("spec.activeDeadlineSeconds")}},
		{"selector required", func(j *batchv1.Job) { j.Spec.Selector = nil }, []want{req("spec.selector")}},
		{"selector mismatch", func(j *batchv1.Job) {
			j.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"other": "x"}}
		}, []want{inv("spec.template.metadata.labels")}},
		{"completion mode", func(j *batchv1.Job) { j.Spec.CompletionMode = ptr.To(batchv1.CompletionMode("Sometimes")) },
			[]want{notSup("spec.completionMode")}},
		{"indexed needs completions", func(j *batchv1.Job) { indexed(j); j.Spec.Completions = nil },
			[]want{req("spec.completions")}},
		{"indexed valid", indexed, nil},
		{"per-index limits need Indexed", func(j *batchv1.Job) {
			j.Spec.BackoffLimitPerIndex = ptr.To[int32](1)
			j.Spec.MaxFailedIndexes = ptr.To[int32](1)
		}, []want{inv("spec.backoffLimitPerIndex"), inv("spec.maxFailedIndexes")}},
		{"maxFailedIndexes needs backoffLimitPerIndex", func(j *batchv1.Job) { indexed(j); j.Spec.MaxFailedIndexes = ptr.To[int32](1) },
			[]want{req("spec.backoffLimitPerIndex")}},
		{"maxFailedIndexes above completions", func(j *batchv1.Job) {
			indexed(j)
			j.Spec.BackoffLimitPerIndex = ptr.To[int32](1)
			j.Spec.MaxFailedIndexes = ptr.To[int32](5)
		}, []want{inv("spec.maxFailedIndexes")}},
		{"pod failure policy valid", func(j *batchv1.Job) {
			withPolicy(j, exitRule(batchv1.PodFailurePolicyActionFailJob, batchv1.PodFailurePolicyOnExitCodesOpIn, 1, 2, 42),
				batchv1.PodFailurePolicyRule{Action: batchv1.PodFailurePolicyActionIgnore,
					OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}})
		}, nil},
		{"pod failure policy needs Never", func(j *batchv1.Job) {
			j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
			withPolicy(j, exitRule(batchv1.PodFailurePolicyActionFailJob, batchv1.PodFailurePolicyOnExitCodesOpIn, 1))
		}, []want{inv(rpPath)}},
		{"rule with neither requirement", func(j *batchv1.Job) {
			withPolicy(j, batchv1.PodFailurePolicyRule{Action: batchv1.PodFailurePolicyActionFailJob})
		}, []want{inv("spec.podFailurePolicy.rules[0]")}},
		{"rule with both requirements", func(j *batchv1.Job) {
			r := exitRule(batchv1.PodFailurePolicyActionFailJob, batchv1.PodFailurePolicyOnExitCodesOpIn, 1)
			r.OnPodConditions = []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}
			withPolicy(j, r)
		}, []want{inv("spec.podFailurePolicy.rules[0]")}},
		{"rule values", func(j *batchv1.Job) {
			withPolicy(j, exitRule("Explode", "Between", 3, 3, 1),
				exitRule(batchv1.PodFailurePolicyActionCount, batchv1.PodFailurePolicyOnExitCodesOpIn, 0, 1),
				exitRule(batchv1.PodFailurePolicyActionFailIndex, batchv1.PodFailurePolicyOnExitCodesOpNotIn, 0),
				exitRule(batchv1.PodFailurePolicyActionFailJob, batchv1.PodFailurePolicyOnExitCodesOpNotIn))
		}, []want{
			notSup("spec.podFailurePolicy.rules[0].action"), notSup("spec.podFailurePolicy.rules[0].onExitCodes.operator"),
			dup("spec.podFailurePolicy.rules[0].onExitCodes.values[1]"), inv("spec.podFailurePolicy.rules[0].onExitCodes.values"),
			inv("spec.podFailurePolicy.rules[1].onExitCodes.values[0]"),
			inv("spec.podFailurePolicy.rules[2].action"),
			inv("spec.podFailurePolicy.rules[3].onExitCodes.values"),
		}},
		{"rule unknown container", func(j *batchv1.Job) {
			r := exitRule(batchv1.PodFailurePolicyActionFailJob, batchv1.PodFailurePolicyOnExitCodesOpIn, 1)
			r.OnExitCodes.ContainerName = ptr.To("ghost")
			withPolicy(j, r)
		}, []want{inv("spec.podFailurePolicy.rules[0].onExitCodes.containerName")}},
		{"FailIndex with backoffLimitPerIndex", func(j *batchv1.Job) {
			indexed(j)
			j.Spec.BackoffLimitPerIndex = ptr.To[int32](1)
			withPolicy(j, exitRule(batchv1.PodFailurePolicyActionFailIndex, batchv1.PodFailurePolicyOnExitCodesOpIn, 1))
		}, nil},
		{"replacement policy with failure policy", func(j *batchv1.Job) {
			withPolicy(j, exitRule(batchv1.PodFailurePolicyActionFailJob, batchv1.PodFailurePolicyOnExitCodesOpIn, 1))
			j.Spec.PodReplacementPolicy = ptr.To(batchv1.TerminatingOrFailed)
		}, []want{notSup("spec.podReplacementPolicy")}},
		{"success policy needs Indexed", func(j *batchv1.Job) {
			j.Spec.SuccessPolicy = &batchv1.SuccessPolicy{Rules: []batchv1.SuccessPolicyRule{{SucceededCount: ptr.To[int32](1)}}}
		}, []want{inv("spec.successPolicy")}},
		{"success policy rules", func(j *batchv1.Job) {
			indexed(j)
			j.Spec.SuccessPolicy = &batchv1.SuccessPolicy{Rules: []batchv1.SuccessPolicyRule{
				{SucceededIndexes: ptr.To("0,2-3")},
				{},
				{SucceededIndexes: ptr.To("3-1")},
				{SucceededCount: ptr.To[int32](5)},
				{SucceededIndexes: ptr.To("0-1"), SucceededCount: ptr.To[int32](3)},
			}}
		}, []want{req("spec.successPolicy.rules[1]"), inv("spec.successPolicy.rules[2].succeededIndexes"),
			inv("spec.successPolicy.rules[3].succeededCount"), inv("spec.successPolicy.rules[4].succeededCount")}},
		{"success policy empty", func(j *batchv1.Job) { indexed(j); j.Spec.SuccessPolicy = &batchv1.SuccessPolicy{} },
			[]want{req("spec.successPolicy.rules")}},
		{"template pod spec checked", func(j *batchv1.Job) { j.Spec.Template.Spec.Containers[0].Image = "" },
			[]want{req("spec.template.spec.containers[0].image")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			j := validJob()
			tc.mutate(j)
			expectErrs(t, ValidateJob(j), tc.wants...)
			expectErrs(t, Create(j), tc.wants...)
		})
	}
}

func TestJobRestartPolicyWording(t *testing.T) {
	j := validJob()
	j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
	expectDetail(t, ValidateJob(j), "spec.template.spec.restartPolicy", `valid values: "OnFailure", "Never"`)
	j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
	j.Spec.Selector.MatchLabels = map[string]string{"x": "y"}
	expectDetail(t, ValidateJob(j), "spec.template.metadata.labels", "`selector` does not match template `labels`")
}

// A Job's name is its pods' job-name label value, so it is capped at 63
// characters even though object names may be longer.
func TestJobNameMustBeLabelValue(t *testing.T) {
	j := validJob()
	j.Name = strings.Repeat("a", 64)
	expectErrs(t, ValidateJob(j), inv("metadata.name"))
	j.Spec.ManualSelector = ptr.To(true)
	expectErrs(t, ValidateJob(j))
}

func TestIndexedJobHostnameFits(t *testing.T) {
	j := validJob()
	indexed(j)
	j.Name = strings.Repeat("a", 62)
	j.Spec.ManualSelector = ptr.To(true)
	expectErrs(t, ValidateJob(j), inv("metadata.name"))
}

func TestValidateJobUpdate(t *testing.T) {
	cases := []struct {
		name      string
		suspended bool
		indexed   bool
		mutate    func(j *batchv1.Job)
		wants     []want
	}{
		{"no change", false, false, func(j *batchv1.Job) {}, nil},
		{"template immutable", false, false, func(j *batchv1.Job) { j.Spec.Template.Spec.Containers[0].Image = "x:2" },
			[]want{inv("spec.template")}},
		{"template mutable while suspended", true, false, func(j *batchv1.Job) { j.Spec.Template.Spec.Containers[0].Image = "x:2" }, nil},
		{"selector immutable", false, false, func(j *batchv1.Job) {
			j.Spec.Selector.MatchLabels = map[string]string{batchv1.JobNameLabel: "pi"}
		}, []want{inv("spec.selector")}},
		{"completion mode immutable", false, false, func(j *batchv1.Job) { indexed(j) }, []want{inv("spec.completionMode")}},
		{"completions immutable when NonIndexed", false, false, func(j *batchv1.Job) { j.Spec.Completions = ptr.To[int32](3) },
			[]want{inv("spec.completions")}},
		{"elastic indexed scale", false, true, func(j *batchv1.Job) {
			j.Spec.Completions = ptr.To[int32](6)
			j.Spec.Parallelism = ptr.To[int32](6)
		}, nil},
		{"indexed completions alone", false, true, func(j *batchv1.Job) { j.Spec.Completions = ptr.To[int32](6) },
			[]want{inv("spec.completions")}},
		{"parallelism mutable", false, false, func(j *batchv1.Job) { j.Spec.Parallelism = ptr.To[int32](5) }, nil},
		{"suspend toggles", false, false, func(j *batchv1.Job) { j.Spec.Suspend = ptr.To(true) }, nil},
		{"pod failure policy immutable", false, false, func(j *batchv1.Job) {
			withPolicy(j, exitRule(batchv1.PodFailurePolicyActionFailJob, batchv1.PodFailurePolicyOnExitCodesOpIn, 1))
		}, []want{inv("spec.podFailurePolicy")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old := validJob()
			rv(&old.ObjectMeta)
			old.Spec.Suspend = ptr.To(tc.suspended)
			if tc.indexed {
				indexed(old)
			}
			j := old.DeepCopy()
			tc.mutate(j)
			expectErrs(t, ValidateJobUpdate(j, old), tc.wants...)
			expectErrs(t, Update(j, old), tc.wants...)
		})
	}
}

func TestJobUpdateImmutableWording(t *testing.T) {
	old := validJob()
	rv(&old.ObjectMeta)
	j := old.DeepCopy()
	j.Spec.Template.Labels["extra"] = "1"
	expectDetail(t, ValidateJobUpdate(j, old), "spec.template", "field is immutable")
}

func TestJobStatusUpdate(t *testing.T) {
	old := validJob()
	rv(&old.ObjectMeta)
	j := old.DeepCopy()
	j.Status.Active = -1
	j.Status.Ready = ptr.To[int32](-2)
	j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways // spec is not checked on /status
	expectErrs(t, StatusUpdate(j, old), inv("status.active"), inv("status.ready"))
}
