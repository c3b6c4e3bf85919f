// Package resourcequota is Kubernetes' resource quota controller: it keeps
// each ResourceQuota's status.hard equal to spec.hard and recomputes
// status.used from the objects in its namespace with the evaluators of
// internal/quota (pods that are Succeeded or Failed hold no compute
// resources, only count/pods), so what deletes free comes back to the
// quota and a charge the admission plugin made for a create that then
// failed is corrected.
//
//	quota added or changed ─┐
//	pod/service/claim/configmap/secret deleted, pod finished ─► queue(namespace's quotas)
//	every resync period (5 min) ─┘
//	sync: used = CalculateUsage(objects) ─► decide ─► UpdateStatus when changed
//
// Pods, services, claims, configmaps and secrets are read from informers;
// other object counts (count/deployments.apps, replicationcontrollers, ...)
// are listed live through the metadata client at each sync, as they have
// no informer here; their deletes show up at the next resync.
package resourcequota
