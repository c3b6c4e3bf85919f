// Package localprovisioner is ordo's dynamic provisioner: for claims of a
// StorageClass whose provisioner is ordo.dev/local-path it makes a
// directory under the server's data directory and a hostPath
// PersistentVolume pre-bound to the claim, and deletes both when the
// volume is Released under reclaim policy Delete. It behaves as the
// external provisioners of Kubernetes (sig-storage-lib-external-provisioner)
// do, so claims, volumes and events look the same:
//
//	claim annotated volume.kubernetes.io/storage-provisioner: ordo.dev/local-path
//	(by pvbinder) ─► claim queue ─► decideProvision (pure)
//	   class WaitForFirstConsumer and no selected-node → wait
//	   volume pvc-<claim uid> exists → done (the name is the lock)
//	   else: event Provisioning, mkdir <data-dir>/volumes/pvc-<uid> (0777),
//	         create the PV (claimRef = the claim, reclaim policy of the
//	         class, annotation pv.kubernetes.io/provisioned-by), event
//	         ProvisioningSucceeded — or ProvisioningFailed with the error
//	pvbinder then binds claim and volume.
//	volume Released, policy Delete, provisioned by us ─► volume queue ─►
//	   decideDelete (pure): remove the directory, delete the PV (uid
//	   precondition); a failure is a VolumeFailedDelete event and a retry.
//
// Where the data lives: on the machine of the server that provisioned the
// volume, which is the machine the local agent of `ordo server` runs pods
// on. The PV has no node affinity, because ordo's scheduler does not yet
// place pods by volume topology; a pod of an agent on another machine
// fails to mount it (the hostPath type is Directory, so it is never
// silently created empty there). A server that is not the one whose data
// directory holds the volume refuses to delete it and says so in an event.
//
// The directories are mode 0777, as Rancher's local-path provisioner
// makes them, so pods running as any user can write. Containers never see
// the data directory itself (the agent hides it); a volume reaches a
// container only through its mount. Every access mode is accepted: a
// directory on one machine can be shared by any number of its pods.
// Block volumes are refused.
package localprovisioner
