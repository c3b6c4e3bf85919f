package registry

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"

	"github.com/ordo-dev/ordo/internal/api/defaults"
	v "github.com/ordo-dev/ordo/internal/api/validation"
	"github.com/ordo-dev/ordo/internal/printers"
)

// autoscalingGroup serves HorizontalPodAutoscalers in autoscaling/v2, their
// storage version upstream; autoscaling/v1 (which carries v2's fields in
// annotations) is not served: kubectl autoscale creates v2 objects. The
// controller is internal/controller/podautoscaler.
func autoscalingGroup() Group {
	gv := autoscalingv2.SchemeGroupVersion
	return Group{Version: gv, AddToScheme: autoscalingv2.AddToScheme, Kinds: []*Resource{
		kind(gv, "horizontalpodautoscalers", &autoscalingv2.HorizontalPodAutoscaler{}, &autoscalingv2.HorizontalPodAutoscalerList{}).
			short("hpa").in("all").sub("status").
			defaulting(typed(defaults.HorizontalPodAutoscaler)).
			rules(v.For(v.ValidateHorizontalPodAutoscaler, v.ValidateHorizontalPodAutoscalerUpdate, v.ValidateHorizontalPodAutoscalerStatusUpdate)).
			columns(printers.HorizontalPodAutoscalers()),
	}}
}
