package validation

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"
	plugincel "k8s.io/apiserver/pkg/admission/plugin/cel"
	"k8s.io/apiserver/pkg/admission/plugin/policy/mutating/patch"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/admission/plugin/webhook/matchconditions"
	apiservercel "k8s.io/apiserver/pkg/cel"
	"k8s.io/apiserver/pkg/cel/environment"
)

// celChecker compiles the CEL expressions of admission policies and
// webhook match conditions with the environments the admission plugins
// use, so a write with an expression that would not compile is refused,
// as Kubernetes refuses it, instead of failing every matching request.
// One is made per validated object: a policy's variables are declared in
// its compiler for the expressions that follow.
type celChecker struct {
	compiler plugincel.Compiler
	composed *plugincel.CompositedCompiler
}

// newCELChecker is a checker; withVariables makes it compose variables.
func newCELChecker(withVariables bool) *celChecker {
	env := environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion())
	if withVariables {
		if c, err := plugincel.NewCompositedCompiler(env); err == nil {
			return &celChecker{compiler: c, composed: c}
		}
	}
	return &celChecker{compiler: plugincel.NewCompiler(env)}
}

func (c *celChecker) check(e plugincel.ExpressionAccessor, opts plugincel.OptionalVariableDeclarations, p *field.Path) field.ErrorList {
	r := c.compiler.CompileCELExpression(e, opts, environment.NewExpressions)
	if r.Error == nil {
		return nil
	}
	return field.ErrorList{celError(p, e.GetExpression(), r.Error)}
}

// celError is Kubernetes' mapping of a CEL compile error to a field error.
func celError(p *field.Path, expr string, err *apiservercel.Error) *field.Error {
	switch err.Type {
	case apiservercel.ErrorTypeRequired:
		return field.Required(p, err.Detail)
	case apiservercel.ErrorTypeInvalid:
		return field.Invalid(p, expr, err.Detail)
	default:
		return field.InternalError(p, err)
	}
}

func (c *celChecker) matchCondition(expr string, params bool, p *field.Path) field.ErrorList {
	return c.check(&matchconditions.MatchCondition{Expression: expr},
		plugincel.OptionalVariableDeclarations{HasParams: params, HasAuthorizer: true}, p)
}

func (c *celChecker) validation(expr string, params bool, p *field.Path) field.ErrorList {
	return c.check(&validating.ValidationCondition{Expression: expr},
		plugincel.OptionalVariableDeclarations{HasParams: params, HasAuthorizer: true}, p)
}

func (c *celChecker) messageExpression(expr string, params bool, p *field.Path) field.ErrorList {
	return c.check(&validating.MessageExpressionCondition{MessageExpression: expr},
		plugincel.OptionalVariableDeclarations{HasParams: params}, p)
}

func (c *celChecker) auditAnnotation(expr string, params bool, p *field.Path) field.ErrorList {
	return c.check(&validating.AuditAnnotationCondition{ValueExpression: expr},
		plugincel.OptionalVariableDeclarations{HasParams: params, HasAuthorizer: true}, p)
}

// variable compiles a policy variable and declares it for what follows.
func (c *celChecker) variable(name, expr string, params bool, p *field.Path) field.ErrorList {
	if c.composed == nil {
		return field.ErrorList{field.InternalError(p, fmt.Errorf("variable composition is not allowed"))}
	}
	r := c.composed.CompileAndStoreVariable(&validating.Variable{Name: name, Expression: expr},
		plugincel.OptionalVariableDeclarations{HasParams: params, HasAuthorizer: true}, environment.NewExpressions)
	if r.Error != nil {
		return field.ErrorList{celError(p, expr, r.Error)}
	}
	return nil
}

// mutation compiles a MutatingAdmissionPolicy's JSONPatch or
// ApplyConfiguration expression, with the patch types declared.
func (c *celChecker) mutation(expr string, jsonPatch, params bool, p *field.Path) field.ErrorList {
	var e plugincel.ExpressionAccessor = &patch.ApplyConfigurationCondition{Expression: expr}
	if jsonPatch {
		e = &patch.JSONPatchCondition{Expression: expr}
	}
	return c.check(e, plugincel.OptionalVariableDeclarations{HasParams: params, HasAuthorizer: true, HasPatchTypes: true}, p)
}
