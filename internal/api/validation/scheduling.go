package validation

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// PriorityClass limits, as in Kubernetes' scheduling API.
const (
	// HighestUserDefinablePriority is the highest value a PriorityClass
	// not reserved for the system may have.
	HighestUserDefinablePriority = int32(1000000000)
	// SystemCriticalPriority is the base value of the system classes.
	SystemCriticalPriority = 2 * HighestUserDefinablePriority
	// SystemPriorityClassPrefix starts the names reserved for the system.
	SystemPriorityClassPrefix = "system-"
	// SystemClusterCritical and SystemNodeCritical are the two classes
	// kube-apiserver creates at start-up.
	SystemClusterCritical = SystemPriorityClassPrefix + "cluster-critical"
	SystemNodeCritical    = SystemPriorityClassPrefix + "node-critical"
)

// SystemPriorityClasses are the classes every cluster has, with their
// values: system-node-critical is above system-cluster-critical.
func SystemPriorityClasses() []*schedulingv1.PriorityClass {
	return []*schedulingv1.PriorityClass{
		systemClass(SystemClusterCritical, SystemCriticalPriority,
			"Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."),
		systemClass(SystemNodeCritical, SystemCriticalPriority+1000,
			"Used for system critical pods that must not be moved from their current node."),
	}
}

func systemClass(name string, value int32, desc string) *schedulingv1.PriorityClass {
	pc := &schedulingv1.PriorityClass{Value: value, Description: desc}
	pc.Name = name
	return pc
}

var supportedPreemptionPolicies = []corev1.PreemptionPolicy{corev1.PreemptNever, corev1.PreemptLowerPriority}

// ValidatePriorityClass validates a new PriorityClass: a DNS subdomain
// name, the "system-" prefix reserved to the system classes (with their
// own values), a value of at most one billion otherwise, and a known
// preemptionPolicy. At most one global default is the Priority admission
// plugin's check, which sees the other classes.
func ValidatePriorityClass(pc *schedulingv1.PriorityClass) field.ErrorList {
	errs := validateMeta(&pc.ObjectMeta, false, apivalidation.NameIsDNSSubdomain)
	if strings.HasPrefix(pc.Name, SystemPriorityClassPrefix) {
		if err := knownSystemClass(pc); err != nil {
			errs = append(errs, field.Forbidden(field.NewPath("metadata", "name"),
				"priority class names with '"+SystemPriorityClassPrefix+"' prefix are reserved for system use only. error: "+err.Error()))
		}
	} else if pc.Value > HighestUserDefinablePriority {
		errs = append(errs, field.Forbidden(field.NewPath("value"),
			fmt.Sprintf("maximum allowed value of a user defined priority is %v", HighestUserDefinablePriority)))
	}
	if pol := pc.PreemptionPolicy; pol != nil && *pol != corev1.PreemptNever && *pol != corev1.PreemptLowerPriority {
		errs = append(errs, field.NotSupported(field.NewPath("preemptionPolicy"), *pol, supportedPreemptionPolicies))
	}
	return errs
}

// ValidatePriorityClassUpdate: value and preemptionPolicy are immutable.
func ValidatePriorityClassUpdate(pc, old *schedulingv1.PriorityClass) field.ErrorList {
	errs := validateMetaUpdate(&pc.ObjectMeta, &old.ObjectMeta)
	if pc.Value != old.Value {
		errs = append(errs, field.Forbidden(field.NewPath("value"), "may not be changed in an update."))
	}
	return append(errs, immutable(pc.PreemptionPolicy, old.PreemptionPolicy, field.NewPath("preemptionPolicy"))...)
}

// knownSystemClass accepts a "system-" class only as one of the system
// classes, with its value and not global default.
func knownSystemClass(pc *schedulingv1.PriorityClass) error {
	for _, sys := range SystemPriorityClasses() {
		if sys.Name != pc.Name {
			continue
		}
		if sys.Value != pc.Value {
			return fmt.Errorf("value of %v PriorityClass must be %v", sys.Name, sys.Value)
		}
		if pc.GlobalDefault {
			return fmt.Errorf("globalDefault of %v PriorityClass must be %v", sys.Name, false)
		}
		return nil
	}
	return fmt.Errorf("%v is not a known system priority class", pc.Name)
}
