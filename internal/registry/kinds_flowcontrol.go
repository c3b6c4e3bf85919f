package registry

import (
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	"k8s.io/apimachinery/pkg/runtime"

	v "github.com/ordo-dev/ordo/internal/api/validation"
	"github.com/ordo-dev/ordo/internal/printers"
)

// FlowControlWarning is returned with writes of API priority and fairness
// objects: ordo stores them but does not enable the APF filter.
const FlowControlWarning = "API Priority and Fairness is not enabled in ordo: FlowSchemas and PriorityLevelConfigurations are stored but requests are not queued or limited by them"

// flowcontrolGroup serves flowcontrol.apiserver.k8s.io/v1 with Kubernetes'
// bootstrap objects (created by the server at start). The APF filter
// itself is off: on ordo's single server it would cost CPU on every
// request to queue requests nobody else competes for.
func flowcontrolGroup() Group {
	gv := flowcontrolv1.SchemeGroupVersion
	warn := Hooks{Warnings: func(runtime.Object) []string { return []string{FlowControlWarning} }}
	return Group{Version: gv, AddToScheme: flowcontrolv1.AddToScheme, Kinds: []*Resource{
		kind(gv, "flowschemas", &flowcontrolv1.FlowSchema{}, &flowcontrolv1.FlowSchemaList{}).cluster().sub("status").with(warn).
			rules(v.For(v.ValidateFlowSchema, v.ValidateFlowSchemaUpdate, nil)).
			columns(printers.FlowSchemas()),
		kind(gv, "prioritylevelconfigurations", &flowcontrolv1.PriorityLevelConfiguration{}, &flowcontrolv1.PriorityLevelConfigurationList{}).
			cluster().sub("status").with(warn).
			rules(v.For(v.ValidatePriorityLevelConfiguration, v.ValidatePriorityLevelConfigurationUpdate, nil)).
			columns(printers.PriorityLevelConfigurations()),
	}}
}
