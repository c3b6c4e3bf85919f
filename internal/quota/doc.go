// Package quota measures what objects cost against a ResourceQuota: one
// evaluator per kind (k8s.io/apiserver's quota.Evaluator) saying which
// quota resources an object uses (a pod's pods, requests.cpu, limits.memory;
// a Service's services.nodeports; a claim's requests.storage; any object's
// count/<resource>.<group>), which scopes it falls in (Terminating,
// BestEffort, PriorityClass, ...) and what a quota requires it to state.
//
// The same evaluators serve both sides of quota, as in Kubernetes: the
// ResourceQuota admission plugin (internal/admission/resourcequota, built
// on k8s.io/apiserver's plugin) charges a create against status.used, and
// the resource quota controller (internal/controller/resourcequota)
// recomputes status.used from the objects themselves.
//
//	object ──► Evaluator.Usage ──► admission: used + usage ≤ hard? charge : refuse
//	objects ─► Evaluator.UsageStats ─► controller: status.used
package quota
