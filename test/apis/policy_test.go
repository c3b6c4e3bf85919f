package apis

import (
	"context"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestValidatingAdmissionPolicyLimitsReplicas is the Kubernetes
// documentation's example: a ValidatingAdmissionPolicy with the CEL rule
// object.spec.replicas <= 5 and a binding with validationActions Deny
// refuse a Deployment of 6 replicas with Kubernetes' message, and admit
// one of 5. The binding selects the test's namespace only. A policy naming
// a field Deployments do not have gets a type-checking warning in status.
func TestValidatingAdmissionPolicyLimitsReplicas(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	policy, binding := ns+"-demo-policy.example.com", ns+"-demo-binding.example.com"
	deleteClusterObject(t, "validatingadmissionpolicybinding", binding)
	deleteClusterObject(t, "validatingadmissionpolicy", policy)
	server(t).RunIn(`apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: `+policy+`}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [deployments]
  validations:
  - expression: object.spec.replicas <= 5
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: `+binding+`}
spec:
  policyName: `+policy+`
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels: {kubernetes.io/metadata.name: `+ns+`}
`, "apply", "-f", "-")
	deployment := func(name, replicas string) string {
		return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ` + name + `}
spec:
  replicas: ` + replicas + `
  selector: {matchLabels: {app: ` + name + `}}
  template:
    metadata: {labels: {app: ` + name + `}}
    spec:
      containers: [{name: c, image: busybox, command: [sleep, "3600"]}]
`
	}
	got := untilRefused(t, ns, deployment("nginx", "6"), "the policy to refuse")
	want := `The deployments "nginx" is invalid: : ValidatingAdmissionPolicy '` + policy + `' with binding '` + binding + `' denied request: failed expression: object.spec.replicas <= 5`
	if got != want {
		t.Errorf("refusal\n got: %s\nwant: %s", got, want)
	}
	server(t).RunIn(deployment("five", "5"), "-n", ns, "create", "-f", "-")

	// The validatingadmissionpolicy-status controller type-checks
	// policies: a field Deployments do not have is reported in status.
	typo := ns + "-typo.example.com"
	deleteClusterObject(t, "validatingadmissionpolicy", typo)
	server(t).RunIn(`apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: `+typo+`}
spec:
  matchConstraints:
    resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}]
  validations:
  - expression: object.spec.replicass <= 5
`, "apply", "-f", "-")
	wantWarning := "apps/v1, Kind=Deployment: ERROR: <input>:1:12: undefined field 'replicass'"
	cs := clientset(t)
	var status admissionregistrationv1.ValidatingAdmissionPolicyStatus
	waitFor(t, func() bool {
		p, err := cs.AdmissionregistrationV1().ValidatingAdmissionPolicies().Get(context.Background(), typo, metav1.GetOptions{})
		if err != nil {
			return false
		}
		status = p.Status
		return p.Status.ObservedGeneration == p.Generation && p.Status.TypeChecking != nil
	}, "the policy to be type-checked")
	if w := status.TypeChecking.ExpressionWarnings; len(w) != 1 || w[0].FieldRef != "spec.validations[0].expression" || !strings.HasPrefix(w[0].Warning, wantWarning) {
		t.Errorf("typeChecking = %+v, want one warning at spec.validations[0].expression starting %q", status.TypeChecking, wantWarning)
	}
	checked, err := cs.AdmissionregistrationV1().ValidatingAdmissionPolicies().Get(context.Background(), policy, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if checked.Status.TypeChecking != nil && len(checked.Status.TypeChecking.ExpressionWarnings) > 0 {
		t.Errorf("the correct policy has warnings: %+v", checked.Status.TypeChecking)
	}
	for _, c := range []struct{ resource, name, header, row string }{
		{"validatingadmissionpolicy", policy, "NAME VALIDATIONS PARAMKIND AGE", policy + " 1 <unset>"},
		{"validatingadmissionpolicybinding", binding, "NAME POLICYNAME PARAMREF AGE", binding + " " + policy + " <unset>"},
	} {
		lines := strings.Split(strings.TrimSpace(server(t).Run("get", c.resource, c.name)), "\n")
		if len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != c.header ||
			!strings.HasPrefix(strings.Join(strings.Fields(lines[1]), " "), c.row+" ") {
			t.Errorf("kubectl get %s:\n%s\nwant header %q and a row starting %q", c.resource, strings.Join(lines, "\n"), c.header, c.row)
		}
	}
}

// TestMutatingAdmissionPolicyAddsALabel: a MutatingAdmissionPolicy with an
// ApplyConfiguration, bound to the test's namespace, labels new ConfigMaps.
func TestMutatingAdmissionPolicyAddsALabel(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	policy, binding := ns+"-label.example.com", ns+"-label-binding.example.com"
	deleteClusterObject(t, "mutatingadmissionpolicybinding", binding)
	deleteClusterObject(t, "mutatingadmissionpolicy", policy)
	server(t).RunIn(`apiVersion: admissionregistration.k8s.io/v1
kind: MutatingAdmissionPolicy
metadata: {name: `+policy+`}
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: [v1]
      operations: [CREATE]
      resources: [configmaps]
  reinvocationPolicy: Never
  mutations:
  - patchType: ApplyConfiguration
    applyConfiguration:
      expression: 'Object{metadata: Object.metadata{labels: {"policy.ordo.test/mutated": "yes"}}}'
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingAdmissionPolicyBinding
metadata: {name: `+binding+`}
spec:
  policyName: `+policy+`
  matchResources:
    namespaceSelector:
      matchLabels: {kubernetes.io/metadata.name: `+ns+`}
`, "apply", "-f", "-")
	waitFor(t, func() bool {
		out, _, ok := kubectlOut(t, configMap("probe"), "-n", ns, "create", "--dry-run=server", "-f", "-", "-o", "jsonpath={.metadata.labels}")
		return ok && out != "" && out != "{}"
	}, "the policy to label")
	server(t).RunIn(configMap("c"), "-n", ns, "create", "-f", "-")
	cm, err := clientset(t).CoreV1().ConfigMaps(ns).Get(context.Background(), "c", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Labels["policy.ordo.test/mutated"] != "yes" {
		t.Errorf("labels = %v, want policy.ordo.test/mutated=yes", cm.Labels)
	}
}
