package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"
)

// manualAnnotation is what `kubectl create job --from=cronjob/` sets on
// the Job it makes; the dashboard's run now sets it too.
const manualAnnotation = "cronjob.kubernetes.io/instantiate"

// Event reasons of the dashboard's actions, recorded on the object acted on.
const (
	ReasonRunNow         = "DashboardRunNow"
	ReasonSuspend        = "DashboardSuspend"
	ReasonResume         = "DashboardResume"
	ReasonDeletePod      = "DashboardDeletePod"
	ReasonRolloutRestart = "DashboardRolloutRestart"
)

// restartedAtAnnotation is what `kubectl rollout restart` sets on the pod
// template, so the controller rolls out new pods.
const restartedAtAnnotation = "kubectl.kubernetes.io/restartedAt"

// done is an action's result: what to record and say.
type done struct {
	ref    objectRef
	reason string
	// what the user did, in words ("created Job x (run now)").
	what string
}

// action is one action, done as the user with c.
type action func(ctx context.Context, c kubernetes.Interface, ns, name string) (done, error)

var actions = map[string]action{
	"run":                 runNow,
	"suspend":             setSuspend(true),
	"resume":              setSuspend(false),
	"delete-pod":          deletePod,
	"restart-deployment":  restartDeployment,
	"restart-statefulset": restartStatefulSet,
}

// serveAction does an action as the user and records it as an Event on
// the object. The answer is JSON {"message": ...}, with the API server's
// status code and words on failure (a 403 from RBAC included).
func (d *Dashboard) serveAction(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		writeJSON(w, http.StatusForbidden, "cross-site request refused: the dashboard's actions need the "+CSRFHeader+" header its page sends")
		return
	}
	act, ok := actions[r.PathValue("action")]
	if !ok {
		writeJSON(w, http.StatusNotFound, fmt.Sprintf("unknown action %q", r.PathValue("action")))
		return
	}
	u := userOf(r)
	c, err := d.asUser(u)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	ns, name := r.PathValue("namespace"), r.PathValue("name")
	res, err := act(ctx, c, ns, name)
	logger := klog.FromContext(ctx)
	if err != nil {
		logger.V(2).Info("Dashboard action refused", "action", r.PathValue("action"), "user", u.GetName(), "namespace", ns, "name", name, "err", err)
		writeJSON(w, statusOf(err), err.Error())
		return
	}
	message := fmt.Sprintf("%s by user %q via ordo dashboard", res.what, u.GetName())
	if err := d.record(ctx, res, message); err != nil {
		logger.Error(err, "Dashboard action done but its event not recorded", "object", klog.KRef(res.ref.Namespace, res.ref.Name), "reason", res.reason)
	}
	logger.Info("Dashboard action", "user", u.GetName(), "reason", res.reason, "object", klog.KRef(res.ref.Namespace, res.ref.Name))
	writeJSON(w, http.StatusOK, message)
}

// sameOrigin is the CSRF check: the page's script sends CSRFHeader (a
// cross-site form cannot, and a cross-site script would need a CORS
// preflight nobody answers), and a browser that says where the request
// came from must say it is this site.
func sameOrigin(r *http.Request) bool {
	if r.Header.Get(CSRFHeader) != "1" {
		return false
	}
	site := r.Header.Get("Sec-Fetch-Site")
	return site == "" || site == "same-origin" || site == "none"
}

func statusOf(err error) int {
	if s, ok := err.(apierrors.APIStatus); ok && s.Status().Code != 0 {
		return int(s.Status().Code)
	}
	return http.StatusInternalServerError
}

func writeJSON(w http.ResponseWriter, code int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": message})
}

// runNow creates a Job from the CronJob's template, as `kubectl create
// job --from=cronjob/NAME` does: the template's labels and annotations,
// cronjob.kubernetes.io/instantiate=manual, and the CronJob as its
// controller owner.
func runNow(ctx context.Context, c kubernetes.Interface, ns, name string) (done, error) {
	cj, err := c.BatchV1().CronJobs(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return done{}, err
	}
	job := jobFromCronJob(cj)
	created, err := c.BatchV1().Jobs(ns).Create(ctx, job, metav1.CreateOptions{FieldManager: "ordo-dashboard"})
	if err != nil {
		return done{}, err
	}
	return done{ref: refTo(cj, "CronJob", "batch/v1"), reason: ReasonRunNow, what: fmt.Sprintf("Job %s created (run now)", created.Name)}, nil
}

// jobFromCronJob is kubectl's Job for `create job --from=cronjob/`, with
// a generated name (kubectl asks for one).
func jobFromCronJob(cj *batchv1.CronJob) *batchv1.Job {
	annotations := map[string]string{manualAnnotation: "manual"}
	for k, v := range cj.Spec.JobTemplate.Annotations {
		annotations[k] = v
	}
	prefix := cj.Name + "-manual-"
	if len(prefix) > 58 { // generateName adds 5 characters to at most 63
		prefix = prefix[:58]
	}
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{GenerateName: prefix, Namespace: cj.Namespace, Annotations: annotations, Labels: cj.Spec.JobTemplate.Labels,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, batchv1.SchemeGroupVersion.WithKind("CronJob"))}},
		Spec: *cj.Spec.JobTemplate.Spec.DeepCopy(),
	}
}

func setSuspend(suspend bool) action {
	return func(ctx context.Context, c kubernetes.Interface, ns, name string) (done, error) {
		patch := fmt.Appendf(nil, `{"spec":{"suspend":%t}}`, suspend)
		cj, err := c.BatchV1().CronJobs(ns).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: "ordo-dashboard"})
		if err != nil {
			return done{}, err
		}
		res := done{ref: refTo(cj, "CronJob", "batch/v1"), reason: ReasonSuspend, what: "suspended"}
		if !suspend {
			res.reason, res.what = ReasonResume, "resumed"
		}
		return res, nil
	}
}

func deletePod(ctx context.Context, c kubernetes.Interface, ns, name string) (done, error) {
	pod, err := c.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return done{}, err
	}
	if err := c.CoreV1().Pods(ns).Delete(ctx, name, metav1.DeleteOptions{Preconditions: metav1.NewUIDPreconditions(string(pod.UID))}); err != nil {
		return done{}, err
	}
	return done{ref: refTo(pod, "Pod", "v1"), reason: ReasonDeletePod, what: "deleted"}, nil
}

// restartPatch is `kubectl rollout restart`'s patch.
func restartPatch() []byte {
	return fmt.Appendf(nil, `{"spec":{"template":{"metadata":{"annotations":{%q:%q}}}}}`, restartedAtAnnotation, time.Now().Format(time.RFC3339))
}

func restartDeployment(ctx context.Context, c kubernetes.Interface, ns, name string) (done, error) {
	o, err := c.AppsV1().Deployments(ns).Patch(ctx, name, types.StrategicMergePatchType, restartPatch(), metav1.PatchOptions{FieldManager: "ordo-dashboard"})
	if err != nil {
		return done{}, err
	}
	return done{ref: refTo(o, "Deployment", "apps/v1"), reason: ReasonRolloutRestart, what: "rollout restarted"}, nil
}

func restartStatefulSet(ctx context.Context, c kubernetes.Interface, ns, name string) (done, error) {
	o, err := c.AppsV1().StatefulSets(ns).Patch(ctx, name, types.StrategicMergePatchType, restartPatch(), metav1.PatchOptions{FieldManager: "ordo-dashboard"})
	if err != nil {
		return done{}, err
	}
	return done{ref: refTo(o, "StatefulSet", "apps/v1"), reason: ReasonRolloutRestart, what: "rollout restarted"}, nil
}
