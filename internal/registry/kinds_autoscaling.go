package registry

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"

	"github.com/ordo-dev/ordo/internal/api/defaults"
	v "github.com/ordo-dev/ordo/internal/api/validation"
	"github.com/ordo-dev/ordo/internal/printers"
)

// autoscalingGroup stores HorizontalPodAutoscalers in autoscaling/v2, their
// storage version upstream, and serves them in autoscaling/v1 too (the
// resource and its status, as Kubernetes does): v1's one cpu target maps to
// a v2 cpu Utilization metric, and v2's other metrics, behavior, current
// metrics and conditions travel in v1 through Kubernetes' round-trip
// annotations (internal/api/scheme/hpa_v1.go). The controller is
// internal/controller/podautoscaler.
func autoscalingGroup() Group {
	gv := autoscalingv2.SchemeGroupVersion
	return Group{Version: gv, AddToScheme: autoscalingv2.AddToScheme, Kinds: []*Resource{
		kind(gv, "horizontalpodautoscalers", &autoscalingv2.HorizontalPodAutoscaler{}, &autoscalingv2.HorizontalPodAutoscalerList{}).
			short("hpa").in("all").sub("status").alsoIn("v1").
			defaulting(typed(defaults.HorizontalPodAutoscaler)).
			rules(v.For(v.ValidateHorizontalPodAutoscaler, v.ValidateHorizontalPodAutoscalerUpdate, v.ValidateHorizontalPodAutoscalerStatusUpdate)).
			columns(printers.HorizontalPodAutoscalers()),
	}}
}
