// Package disruption is Kubernetes' disruption controller: it keeps each
// PodDisruptionBudget's status, which pods/eviction (internal/registry)
// spends.
//
//	PDB or pod changed ─► queue ─► sync(pdb)
//	                                 │ pods the selector picks (cache)
//	                                 │ their controllers' scale (scales.go)
//	                                 ▼
//	                 decide(pdb, pods, scales, now)   pure, decide.go
//	                                 │ expectedPods, desiredHealthy,
//	                                 │ currentHealthy, disruptionsAllowed,
//	                                 │ disruptedPods, DisruptionAllowed
//	                                 ▼
//	                  UpdateStatus when it changed; look again when the
//	                  oldest recorded disruption times out
//
// Glossary:
//   - expected pods: with an integer minAvailable, the pods selected; with
//     a percentage or maxUnavailable, the sum of the scale (spec.replicas)
//     of the pods' controllers — a Deployment for its ReplicaSets'
//     pods, a ReplicaSet, a StatefulSet or a ReplicationController.
//   - desired healthy: minAvailable (scaled from expected pods when a
//     percentage), or expected pods minus maxUnavailable.
//   - current healthy: selected pods that are Ready, not being deleted and
//     not recorded as disrupted (status.disruptedPods) within the last two
//     minutes.
//   - disruptions allowed: current minus desired healthy, never negative,
//     zero while no pod is expected.
//
// When the status cannot be computed (a pod's controller cannot be
// found), the budget allows no disruption and its DisruptionAllowed
// condition says SyncFailed, as in Kubernetes.
package disruption
