package validation

import (
	"strings"

	resourcev1 "k8s.io/api/resource/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidateDeviceClass validates a new DeviceClass: its name.
func ValidateDeviceClass(c *resourcev1.DeviceClass) field.ErrorList {
	return validateMeta(&c.ObjectMeta, false, apivalidation.NameIsDNSSubdomain)
}

// ValidateDeviceClassUpdate validates an update; the spec may change.
func ValidateDeviceClassUpdate(c, old *resourcev1.DeviceClass) field.ErrorList {
	return validateMetaUpdate(&c.ObjectMeta, &old.ObjectMeta)
}

// ValidateResourceClaim validates a new ResourceClaim: each request is
// named once.
func ValidateResourceClaim(c *resourcev1.ResourceClaim) field.ErrorList {
	errs := validateMeta(&c.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	return append(errs, validateDeviceClaim(&c.Spec.Devices, specPath.Child("devices"))...)
}

func validateDeviceClaim(d *resourcev1.DeviceClaim, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, r := range d.Requests {
		rp := p.Child("requests").Index(i).Child("name")
		if r.Name == "" {
			errs = append(errs, field.Required(rp, ""))
			continue
		}
		errs = append(errs, dnsLabel(r.Name, rp)...)
		if seen[r.Name] {
			errs = append(errs, field.Duplicate(rp, r.Name))
		}
		seen[r.Name] = true
		if r.Exactly != nil && r.Exactly.DeviceClassName == "" {
			errs = append(errs, field.Required(p.Child("requests").Index(i).Child("exactly", "deviceClassName"), ""))
		}
	}
	return errs
}

// ValidateResourceClaimUpdate keeps the spec, which is immutable.
func ValidateResourceClaimUpdate(c, old *resourcev1.ResourceClaim) field.ErrorList {
	errs := validateMetaUpdate(&c.ObjectMeta, &old.ObjectMeta)
	return append(errs, immutable(c.Spec, old.Spec, specPath)...)
}

// ValidateResourceClaimTemplate validates a new template like its claim.
func ValidateResourceClaimTemplate(t *resourcev1.ResourceClaimTemplate) field.ErrorList {
	errs := validateMeta(&t.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	return append(errs, validateDeviceClaim(&t.Spec.Spec.Devices, specPath.Child("spec", "devices"))...)
}

// ValidateResourceClaimTemplateUpdate keeps the spec, which is immutable.
func ValidateResourceClaimTemplateUpdate(t, old *resourcev1.ResourceClaimTemplate) field.ErrorList {
	errs := validateMetaUpdate(&t.ObjectMeta, &old.ObjectMeta)
	return append(errs, immutable(t.Spec, old.Spec, specPath)...)
}

// ValidateResourceSlice validates a new ResourceSlice: a driver, a pool,
// and exactly one way of naming the nodes it serves.
func ValidateResourceSlice(s *resourcev1.ResourceSlice) field.ErrorList {
	errs := validateMeta(&s.ObjectMeta, false, apivalidation.NameIsDNSSubdomain)
	return append(errs, validateResourceSliceSpec(&s.Spec)...)
}

func validateResourceSliceSpec(s *resourcev1.ResourceSliceSpec) field.ErrorList {
	errs := validateCSIDriverName(s.Driver, specPath.Child("driver"))
	if s.Pool.Name == "" {
		errs = append(errs, field.Required(specPath.Child("pool", "name"), ""))
	}
	n := 0
	for _, set := range []bool{s.NodeName != nil, s.NodeSelector != nil, s.AllNodes != nil && *s.AllNodes, s.PerDeviceNodeSelection != nil && *s.PerDeviceNodeSelection} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		errs = append(errs, field.Required(specPath, "exactly one of `nodeName`, `nodeSelector`, `allNodes`, `perDeviceNodeSelection` is required"))
	case n > 1:
		errs = append(errs, field.Invalid(specPath, "{`nodeName`, `nodeSelector`, `allNodes`, `perDeviceNodeSelection`}", "exactly one of `nodeName`, `nodeSelector`, `allNodes`, `perDeviceNodeSelection` is required, but multiple fields are set"))
	}
	return errs
}

// ValidateResourceSliceUpdate keeps the driver and the node name.
func ValidateResourceSliceUpdate(s, old *resourcev1.ResourceSlice) field.ErrorList {
	errs := validateMetaUpdate(&s.ObjectMeta, &old.ObjectMeta)
	errs = append(errs, immutable(s.Spec.Driver, old.Spec.Driver, specPath.Child("driver"))...)
	errs = append(errs, immutable(s.Spec.NodeName, old.Spec.NodeName, specPath.Child("nodeName"))...)
	return append(errs, validateResourceSliceSpec(&s.Spec)...)
}

// Kubernetes' DeviceTaintRule limits and effects.
const (
	resourcePoolNameMaxLength          = 253
	deviceTaintRuleStatusMaxConditions = resourcev1.DeviceTaintRuleStatusMaxConditions
)

var deviceTaintEffects = []resourcev1.DeviceTaintEffect{resourcev1.DeviceTaintEffectNoExecute, resourcev1.DeviceTaintEffectNoSchedule, resourcev1.DeviceTaintEffectNone}

// ValidateDeviceTaintRule validates a new DeviceTaintRule: a selector of
// valid driver, pool and device names, and a taint with a label-name key,
// a label value and a known effect.
func ValidateDeviceTaintRule(r *resourcev1.DeviceTaintRule) field.ErrorList {
	errs := validateMeta(&r.ObjectMeta, false, apivalidation.NameIsDNSSubdomain)
	return append(errs, validateDeviceTaintRuleSpec(&r.Spec, nil)...)
}

// ValidateDeviceTaintRuleUpdate validates the spec as on create; an
// effect kept from before is not checked again.
func ValidateDeviceTaintRuleUpdate(r, old *resourcev1.DeviceTaintRule) field.ErrorList {
	errs := validateMetaUpdate(&r.ObjectMeta, &old.ObjectMeta)
	return append(errs, validateDeviceTaintRuleSpec(&r.Spec, &old.Spec)...)
}

// ValidateDeviceTaintRuleStatusUpdate: well-formed conditions, at most 8.
func ValidateDeviceTaintRuleStatusUpdate(r, old *resourcev1.DeviceTaintRule) field.ErrorList {
	errs := validateMetaUpdate(&r.ObjectMeta, &old.ObjectMeta)
	cp := field.NewPath("status", "conditions")
	errs = append(errs, metav1validation.ValidateConditions(r.Status.Conditions, cp)...)
	if n := len(r.Status.Conditions); n > deviceTaintRuleStatusMaxConditions {
		errs = append(errs, field.TooMany(cp, n, deviceTaintRuleStatusMaxConditions))
	}
	return errs
}

func validateDeviceTaintRuleSpec(s, old *resourcev1.DeviceTaintRuleSpec) field.ErrorList {
	var errs field.ErrorList
	if sel := s.DeviceSelector; sel != nil {
		sp := specPath.Child("deviceSelector")
		if sel.Driver != nil {
			errs = append(errs, validateCSIDriverName(*sel.Driver, sp.Child("driver"))...)
		}
		if sel.Pool != nil {
			errs = append(errs, validateResourcePoolName(*sel.Pool, sp.Child("pool"))...)
		}
		if sel.Device != nil {
			errs = append(errs, dnsLabel(*sel.Device, sp.Child("device"))...)
		}
	}
	tp := specPath.Child("taint")
	t := s.Taint
	errs = append(errs, metav1validation.ValidateLabelName(t.Key, tp.Child("key"))...)
	if t.Value != "" {
		errs = append(errs, labelValue(t.Value, tp.Child("value"))...)
	}
	if old == nil || old.Taint.Effect != t.Effect {
		switch {
		case t.Effect == "":
			errs = append(errs, field.Required(tp.Child("effect"), ""))
		case !oneOf(t.Effect, deviceTaintEffects):
			errs = append(errs, field.NotSupported(tp.Child("effect"), t.Effect, deviceTaintEffects))
		}
	}
	return errs
}

// validateResourcePoolName: "/"-separated DNS subdomains, 253 characters
// at most.
func validateResourcePoolName(name string, p *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	var errs field.ErrorList
	if len(name) > resourcePoolNameMaxLength {
		errs = append(errs, field.TooLong(p, "", resourcePoolNameMaxLength))
	}
	for _, part := range strings.Split(name, "/") {
		errs = append(errs, dnsSubdomain(part, p)...)
	}
	return errs
}
