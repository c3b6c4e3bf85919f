package registry

import (
	coordinationv1beta1 "k8s.io/api/coordination/v1beta1"
	resourcev1 "k8s.io/api/resource/v1"
	storagemigrationv1 "k8s.io/api/storagemigration/v1"

	v "github.com/ordo-dev/ordo/internal/api/validation"
	"github.com/ordo-dev/ordo/internal/printers"
)

// resourceGroup serves resource.k8s.io/v1 (dynamic resource allocation).
// ordo has no DRA drivers: claims are stored, and a pod naming one is
// refused at admission (internal/apiserver/resourceclaims.go), and
// DeviceTaintRules taint no device.
func resourceGroup() Group {
	gv := resourcev1.SchemeGroupVersion
	return Group{Version: gv, AddToScheme: resourcev1.AddToScheme, Kinds: []*Resource{
		kind(gv, "deviceclasses", &resourcev1.DeviceClass{}, &resourcev1.DeviceClassList{}).cluster().
			rules(v.For(v.ValidateDeviceClass, v.ValidateDeviceClassUpdate, nil)),
		kind(gv, "resourceclaims", &resourcev1.ResourceClaim{}, &resourcev1.ResourceClaimList{}).sub("status").
			rules(v.For(v.ValidateResourceClaim, v.ValidateResourceClaimUpdate, nil)),
		kind(gv, "resourceclaimtemplates", &resourcev1.ResourceClaimTemplate{}, &resourcev1.ResourceClaimTemplateList{}).
			rules(v.For(v.ValidateResourceClaimTemplate, v.ValidateResourceClaimTemplateUpdate, nil)),
		kind(gv, "resourceslices", &resourcev1.ResourceSlice{}, &resourcev1.ResourceSliceList{}).cluster().
			rules(v.For(v.ValidateResourceSlice, v.ValidateResourceSliceUpdate, nil)),
		kind(gv, "devicetaintrules", &resourcev1.DeviceTaintRule{}, &resourcev1.DeviceTaintRuleList{}).cluster().sub("status").
			with(Hooks{PrepareForUpdate: deviceTaintTimeAdded}).
			rules(v.For(v.ValidateDeviceTaintRule, v.ValidateDeviceTaintRuleUpdate, v.ValidateDeviceTaintRuleStatusUpdate)).
			columns(printers.DeviceTaintRules()),
	}}
}

// storageMigrationGroup stores StorageVersionMigrations; nothing runs
// them (kube-controller-manager's migrator is not part of ordo, and ordo
// stores every kind in one version).
func storageMigrationGroup() Group {
	gv := storagemigrationv1.SchemeGroupVersion
	return Group{Version: gv, AddToScheme: storagemigrationv1.AddToScheme, Kinds: []*Resource{
		kind(gv, "storageversionmigrations", &storagemigrationv1.StorageVersionMigration{}, &storagemigrationv1.StorageVersionMigrationList{}).
			cluster().sub("status").
			rules(v.For(v.ValidateStorageVersionMigration, v.ValidateStorageVersionMigrationUpdate, nil)),
	}}
}

// coordinationBetaGroup stores LeaseCandidates (coordinated leader
// election); ordo's controllers elect their leader with a plain Lease.
// Not listed in Groups() yet: the scheme derives one storage version per
// group, and coordination.k8s.io's is v1 (Leases), so a kind stored only
// in v1beta1 needs the scheme to hold a second stored version of a group.
func coordinationBetaGroup() Group {
	gv := coordinationv1beta1.SchemeGroupVersion
	return Group{Version: gv, AddToScheme: coordinationv1beta1.AddToScheme, Kinds: []*Resource{
		kind(gv, "leasecandidates", &coordinationv1beta1.LeaseCandidate{}, &coordinationv1beta1.LeaseCandidateList{}).
			rules(v.For(v.ValidateLeaseCandidate, v.ValidateLeaseCandidateUpdate, nil)),
	}}
}
