package registry

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"

	"github.com/ordo-dev/ordo/internal/api/defaults"
	v "github.com/ordo-dev/ordo/internal/api/validation"
	"github.com/ordo-dev/ordo/internal/printers"
)

// scaled are the hooks of the apps kinds with status and scale
// subresources and a pod template.
var scaled = Hooks{Warnings: podTemplateWarnings}

func appsGroup() Group {
	gv := appsv1.SchemeGroupVersion
	return Group{Version: gv, AddToScheme: appsv1.AddToScheme, Kinds: []*Resource{
		// apps/v1beta1 StatefulSets (seed 003) share the storage; their
		// scale subresource is not served (it had its own Scale kind).
		kind(gv, "statefulsets", &appsv1.StatefulSet{}, &appsv1.StatefulSetList{}).short("sts").in(all...).
			sub("status", "scale").with(scaled).alsoIn("v1beta1").defaulting(typed(defaults.StatefulSet)).
			rules(v.For(v.ValidateStatefulSet, v.ValidateStatefulSetUpdate, v.ValidateStatefulSetStatusUpdate)).
			columns(printers.StatefulSets()),
		kind(gv, "deployments", &appsv1.Deployment{}, &appsv1.DeploymentList{}).short("deploy").in(all...).
			sub("status", "scale").with(scaled).defaulting(typed(defaults.Deployment)).
			rules(v.For(v.ValidateDeployment, v.ValidateDeploymentUpdate, v.ValidateDeploymentStatusUpdate)).
			columns(printers.Deployments()),
		kind(gv, "replicasets", &appsv1.ReplicaSet{}, &appsv1.ReplicaSetList{}).short("rs").in(all...).
			sub("status", "scale").with(scaled).defaulting(typed(defaults.ReplicaSet)).
			rules(v.For(v.ValidateReplicaSet, v.ValidateReplicaSetUpdate, v.ValidateReplicaSetStatusUpdate)).
			columns(printers.ReplicaSets()),
		kind(gv, "daemonsets", &appsv1.DaemonSet{}, &appsv1.DaemonSetList{}).short("ds").in(all...).
			sub("status").with(daemonSetHooks).defaulting(typed(defaults.DaemonSet)).
			rules(v.For(v.ValidateDaemonSet, v.ValidateDaemonSetUpdate, v.ValidateDaemonSetStatusUpdate)).
			columns(printers.DaemonSets()),
		kind(gv, "controllerrevisions", &appsv1.ControllerRevision{}, &appsv1.ControllerRevisionList{}).
			rules(v.For(v.ValidateControllerRevision, v.ValidateControllerRevisionUpdate, nil)).
			columns(printers.ControllerRevisions()),
	}}
}

func batchGroup() Group {
	gv := batchv1.SchemeGroupVersion
	return Group{Version: gv, AddToScheme: batchv1.AddToScheme, Kinds: []*Resource{
		kind(gv, "jobs", &batchv1.Job{}, &batchv1.JobList{}).in(all...).
			sub("status").with(jobHooks).defaulting(typed(defaults.Job)).
			rules(v.For(v.ValidateJob, v.ValidateJobUpdate, v.ValidateJobStatusUpdate)).
			columns(printers.Jobs()),
		// CronJobs are what ordo expects by the ten thousand, each holding
		// a whole pod template, and only a few clients ever watch them (the
		// CronJob controller and the garbage collector). A watch cache
		// would hold a second decoded copy of every one (about 50 MB for
		// 10,000, with the cache's list snapshots) to spare etcd a handful
		// of watches. batch/v1beta1 shares the storage.
		kind(gv, "cronjobs", &batchv1.CronJob{}, &batchv1.CronJobList{}).short("cj").in(all...).
			sub("status").with(Hooks{Warnings: podTemplateWarnings}).alsoIn("v1beta1").
			noWatchCache().defaulting(typed(defaults.CronJob)).
			rules(v.For(v.ValidateCronJob, v.ValidateCronJobUpdate, nil)).
			columns(printers.CronJobs()),
	}}
}
