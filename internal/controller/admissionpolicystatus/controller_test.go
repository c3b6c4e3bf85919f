package admissionpolicystatus

import (
	"context"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/cel/openapi/resolver"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clientscheme "k8s.io/client-go/kubernetes/scheme"

	"github.com/ordo-dev/ordo/internal/api/openapi"
	"github.com/ordo-dev/ordo/internal/controller/base"
)

func replicasPolicy(expression string, generation int64) *admissionregistrationv1.ValidatingAdmissionPolicy {
	return &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Generation: generation},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{
					Operations: []admissionregistrationv1.OperationType{"CREATE"},
					Rule:       admissionregistrationv1.Rule{APIGroups: []string{"apps"}, APIVersions: []string{"v1"}, Resources: []string{"deployments"}},
				}}}},
			Validations: []admissionregistrationv1.Validation{{Expression: expression}},
		},
	}
}

// offlineChecker is Kubernetes' type checker over ordo's compiled OpenAPI
// definitions, with a mapper that knows Deployments.
func offlineChecker() Checker {
	mapper := meta.NewDefaultRESTMapper(nil)
	mapper.Add(schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, meta.RESTScopeNamespace)
	return &validating.TypeChecker{
		SchemaResolver: resolver.NewDefinitionsSchemaResolver(openapi.GetOpenAPIDefinitions, clientscheme.Scheme),
		RestMapper:     mapper,
	}
}

// TestTypeCheckingWarnsAboutAnUndefinedField: a mistyped field is reported
// in status with the observed generation; a correct policy gets an empty
// typeChecking; a checked generation is not checked again.
func TestTypeCheckingWarnsAboutAnUndefinedField(t *testing.T) {
	for _, tc := range []struct {
		expression, warning string
	}{
		{"object.spec.replicass <= 5", "undefined field 'replicass'"},
		{"object.spec.replicas <= 5", ""},
	} {
		client := fake.NewClientset(replicasPolicy(tc.expression, 3))
		f := informers.NewSharedInformerFactory(client, 0)
		c, err := newController(base.Config{Client: client, Informers: f}, offlineChecker())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		f.Start(ctx.Done())
		f.WaitForCacheSync(ctx.Done())
		if _, err := c.sync(ctx, "p"); err != nil {
			t.Fatal(err)
		}
		got, err := client.AdmissionregistrationV1().ValidatingAdmissionPolicies().Get(ctx, "p", metav1.GetOptions{})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		s := got.Status
		if s.ObservedGeneration != 3 || s.TypeChecking == nil {
			t.Fatalf("%s: status = %+v, want observedGeneration 3 and typeChecking", tc.expression, s)
		}
		warnings := s.TypeChecking.ExpressionWarnings
		switch {
		case tc.warning == "" && len(warnings) != 0:
			t.Errorf("%s: warnings %v, want none", tc.expression, warnings)
		case tc.warning != "" && (len(warnings) != 1 || warnings[0].FieldRef != "spec.validations[0].expression" || !strings.Contains(warnings[0].Warning, tc.warning)):
			t.Errorf("%s: warnings %+v, want one at spec.validations[0].expression containing %q", tc.expression, warnings, tc.warning)
		}
	}
}

// countingChecker counts checks.
type countingChecker struct{ n int }

func (c *countingChecker) Check(*admissionregistrationv1.ValidatingAdmissionPolicy) []admissionregistrationv1.ExpressionWarning {
	c.n++
	return nil
}

func TestCheckedGenerationIsNotCheckedAgain(t *testing.T) {
	p := replicasPolicy("true", 2)
	p.Status.ObservedGeneration = 2
	client := fake.NewClientset(p)
	f := informers.NewSharedInformerFactory(client, 0)
	checker := &countingChecker{}
	c, err := newController(base.Config{Client: client, Informers: f}, checker)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	if _, err := c.sync(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	if checker.n != 0 {
		t.Errorf("checked %d times, want 0", checker.n)
	}
}
