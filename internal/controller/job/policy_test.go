package job

import (
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func exitRule(action batchv1.PodFailurePolicyAction, op batchv1.PodFailurePolicyOnExitCodesOperator, container *string, codes ...int32) batchv1.PodFailurePolicyRule {
	return batchv1.PodFailurePolicyRule{Action: action, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
		ContainerName: container, Operator: op, Values: codes}}
}

func conditionRule(action batchv1.PodFailurePolicyAction, t corev1.PodConditionType) batchv1.PodFailurePolicyRule {
	return batchv1.PodFailurePolicyRule{Action: action, OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{
		{Type: t, Status: corev1.ConditionTrue}}}
}

func TestJudgeFailure(t *testing.T) {
	in, notIn := batchv1.PodFailurePolicyOnExitCodesOpIn, batchv1.PodFailurePolicyOnExitCodesOpNotIn
	failJob, ignore := batchv1.PodFailurePolicyActionFailJob, batchv1.PodFailurePolicyActionIgnore
	count, failIndex := batchv1.PodFailurePolicyActionCount, batchv1.PodFailurePolicyActionFailIndex
	initFailed := func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodFailed
		p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "init", State: corev1.ContainerState{
			Terminated: &corev1.ContainerStateTerminated{ExitCode: 42, FinishedAt: metav1.Time{Time: anchor}}}}}
	}
	cases := []struct {
		name    string
		rules   []batchv1.PodFailurePolicyRule
		pod     *corev1.Pod
		action  *batchv1.PodFailurePolicyAction
		counts  bool
		failMsg string
	}{
		{"no rule matches: counts", []batchv1.PodFailurePolicyRule{exitRule(failJob, in, nil, 5)},
			testPod("p", exited(3, anchor)), nil, true, ""},
		{"In matches: FailJob with Kubernetes' message", []batchv1.PodFailurePolicyRule{exitRule(failJob, in, nil, 3, 5)},
			testPod("p", exited(3, anchor)), &failJob, true,
			"Container c for pod default/p failed with exit code 3 matching FailJob rule at index 0"},
		{"NotIn matches other codes", []batchv1.PodFailurePolicyRule{exitRule(count, notIn, nil, 1, 2)},
			testPod("p", exited(3, anchor)), &count, true, ""},
		{"NotIn excludes listed codes", []batchv1.PodFailurePolicyRule{exitRule(ignore, notIn, nil, 3)},
			testPod("p", exited(3, anchor)), nil, true, ""},
		{"exit 0 never matches NotIn", []batchv1.PodFailurePolicyRule{exitRule(ignore, notIn, nil, 3)},
			testPod("p", exited(0, anchor), func(p *corev1.Pod) { p.Status.Phase = corev1.PodFailed }), nil, true, ""},
		{"container name must match", []batchv1.PodFailurePolicyRule{exitRule(ignore, in, ptr.To("other"), 3)},
			testPod("p", exited(3, anchor)), nil, true, ""},
		{"init containers are looked at too", []batchv1.PodFailurePolicyRule{exitRule(failIndex, in, ptr.To("init"), 42)},
			testPod("p", initFailed), &failIndex, true, ""},
		{"first matching rule wins", []batchv1.PodFailurePolicyRule{exitRule(count, in, nil, 7), exitRule(ignore, in, nil, 3), exitRule(failJob, in, nil, 3)},
			testPod("p", exited(3, anchor)), &ignore, false, ""},
		{"DisruptionTarget is ignored", []batchv1.PodFailurePolicyRule{conditionRule(ignore, corev1.DisruptionTarget)},
			testPod("p", failed, podCondition(corev1.DisruptionTarget)), &ignore, false, ""},
		{"pod condition FailJob message", []batchv1.PodFailurePolicyRule{exitRule(ignore, in, nil, 9), conditionRule(failJob, corev1.DisruptionTarget)},
			testPod("p", failed, podCondition(corev1.DisruptionTarget)), &failJob, true,
			"Pod default/p has condition DisruptionTarget matching FailJob rule at index 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := judgeFailure(&batchv1.PodFailurePolicy{Rules: c.rules}, c.pod)
			if !ptr.Equal(v.action, c.action) || v.counts != c.counts || v.failJob != c.failMsg {
				t.Errorf("verdict = {%v %v %q}, want {%v %v %q}", ptr.Deref(v.action, "<nil>"), v.counts, v.failJob,
					ptr.Deref(c.action, "<nil>"), c.counts, c.failMsg)
			}
		})
	}
	if v := judgeFailure(nil, testPod("p", failed)); v.action != nil || !v.counts {
		t.Errorf("no policy: %+v", v)
	}
}

func TestSuccessPolicyMet(t *testing.T) {
	rule := func(indexes string, count int32) batchv1.SuccessPolicyRule {
		r := batchv1.SuccessPolicyRule{}
		if indexes != "" {
			r.SucceededIndexes = &indexes
		}
		if count > 0 {
			r.SucceededCount = &count
		}
		return r
	}
	cases := []struct {
		name      string
		rules     []batchv1.SuccessPolicyRule
		succeeded string
		msg       string
	}{
		{"nothing succeeded", []batchv1.SuccessPolicyRule{rule("", 1)}, "", ""},
		{"count reached", []batchv1.SuccessPolicyRule{rule("", 3)}, "0,4,7", "Matched rules at index 0"},
		{"count not reached", []batchv1.SuccessPolicyRule{rule("", 4)}, "0,4,7", ""},
		{"all listed indexes", []batchv1.SuccessPolicyRule{rule("1-3", 0)}, "0-3", "Matched rules at index 0"},
		{"a listed index missing", []batchv1.SuccessPolicyRule{rule("1-3", 0)}, "1,3,4", ""},
		// Kubernetes' example: indexes 1-4, count 3, completed 1, 3, 5: only 2 count.
		{"count within the listed indexes", []batchv1.SuccessPolicyRule{rule("1-4", 3)}, "1,3,5", ""},
		{"count within the listed indexes met", []batchv1.SuccessPolicyRule{rule("1-4", 3)}, "1-3,5", "Matched rules at index 0"},
		{"later rule", []batchv1.SuccessPolicyRule{rule("0", 0), rule("", 2)}, "5,6", "Matched rules at index 1"},
	}
	for _, c := range cases {
		msg, ok := successPolicyMet(&batchv1.SuccessPolicy{Rules: c.rules}, 10, parseIntervals(c.succeeded, 10))
		if msg != c.msg || ok != (c.msg != "") {
			t.Errorf("%s: = %q %v, want %q", c.name, msg, ok, c.msg)
		}
	}
}
