package pressure

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

const gi = int64(1) << 30

// roomy is a machine far from every default threshold.
func roomy() Signals {
	return Signals{
		MemoryAvailable: 4 * gi, MemoryCapacity: 8 * gi,
		NodefsAvailable: 50 * gi, NodefsCapacity: 100 * gi, NodefsInodesFree: 500_000, NodefsInodes: 1_000_000,
		ImagefsAvailable: 50 * gi, ImagefsCapacity: 100 * gi, ImagefsInodesFree: 500_000, ImagefsInodes: 1_000_000,
		PIDAvailable: 4_000_000, PIDMax: 4_194_304,
	}
}

func TestConditions(t *testing.T) {
	withPID := DefaultThresholds()
	withPID.PIDAvailable = Threshold{Percentage: 10}
	cases := []struct {
		name              string
		edit              func(*Signals)
		thresholds        Thresholds
		memory, disk, pid bool
	}{
		{name: "roomy machine", edit: func(*Signals) {}},
		{name: "99Mi memory available", edit: func(s *Signals) { s.MemoryAvailable = 99 << 20 }, memory: true},
		{name: "exactly 100Mi memory available is not under", edit: func(s *Signals) { s.MemoryAvailable = 100 << 20 }},
		{name: "nodefs 9% available", edit: func(s *Signals) { s.NodefsAvailable = 9 * gi }, disk: true},
		{name: "nodefs 11% available, imagefs 14%", edit: func(s *Signals) { s.NodefsAvailable = 11 * gi; s.ImagefsAvailable = 14 * gi }, disk: true},
		{name: "imagefs 16% available", edit: func(s *Signals) { s.ImagefsAvailable = 16 * gi }},
		{name: "nodefs inodes 4% free", edit: func(s *Signals) { s.NodefsInodesFree = 40_000 }, disk: true},
		{name: "imagefs inodes 4% free", edit: func(s *Signals) { s.ImagefsInodesFree = 40_000 }, disk: true},
		{name: "few PIDs, no default pid threshold", edit: func(s *Signals) { s.PIDAvailable = 10 }},
		{name: "few PIDs under a configured threshold", edit: func(s *Signals) { s.PIDAvailable = 10 }, thresholds: withPID, pid: true},
		{name: "file system not measured", edit: func(s *Signals) {
			s.NodefsAvailable, s.NodefsCapacity, s.ImagefsAvailable, s.ImagefsCapacity = 0, 0, 0, 0
		}},
		{name: "everything short", edit: func(s *Signals) {
			s.MemoryAvailable, s.NodefsAvailable, s.PIDAvailable = 1, 1, 1
		}, thresholds: withPID, memory: true, disk: true, pid: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := roomy()
			tc.edit(&s)
			th := tc.thresholds
			if th == (Thresholds{}) {
				th = DefaultThresholds()
			}
			got := Conditions(s, th)
			want := []struct {
				typ              corev1.NodeConditionType
				under            bool
				reason, reasonOK string
			}{
				{corev1.NodeMemoryPressure, tc.memory, "KubeletHasInsufficientMemory", "KubeletHasSufficientMemory"},
				{corev1.NodeDiskPressure, tc.disk, "KubeletHasDiskPressure", "KubeletHasNoDiskPressure"},
				{corev1.NodePIDPressure, tc.pid, "KubeletHasInsufficientPID", "KubeletHasSufficientPID"},
			}
			if len(got) != len(want) {
				t.Fatalf("%d conditions, want %d", len(got), len(want))
			}
			for i, w := range want {
				status, reason := corev1.ConditionFalse, w.reasonOK
				if w.under {
					status, reason = corev1.ConditionTrue, w.reason
				}
				if c := got[i]; c.Type != w.typ || c.Status != status || c.Reason != reason {
					t.Errorf("condition %d: %s %s %s, want %s %s %s", i, c.Type, c.Status, c.Reason, w.typ, status, reason)
				}
			}
		})
	}
}

func TestMessagesAreTheKubelets(t *testing.T) {
	ok := Conditions(roomy(), DefaultThresholds())
	for i, want := range []string{"kubelet has sufficient memory available", "kubelet has no disk pressure", "kubelet has sufficient PID available"} {
		if ok[i].Message != want {
			t.Errorf("%s: message %q, want %q", ok[i].Type, ok[i].Message, want)
		}
	}
	th := DefaultThresholds()
	th.PIDAvailable = Threshold{Quantity: 100}
	short := Conditions(Signals{MemoryAvailable: 1, MemoryCapacity: gi, NodefsAvailable: 1, NodefsCapacity: gi, PIDAvailable: 1, PIDMax: 1000}, th)
	for i, want := range []string{"kubelet has insufficient memory available", "kubelet has disk pressure", "kubelet has insufficient PID available"} {
		if short[i].Message != want {
			t.Errorf("%s: message %q, want %q", short[i].Type, short[i].Message, want)
		}
	}
}

// TestSampleMeasuresThisMachine: the sample of a real directory has every
// total, and nothing available beyond it.
func TestSampleMeasuresThisMachine(t *testing.T) {
	s := Sample(t.TempDir())
	for name, pair := range map[string][2]int64{
		"memory": {s.MemoryAvailable, s.MemoryCapacity}, "nodefs": {s.NodefsAvailable, s.NodefsCapacity},
		"nodefs inodes": {s.NodefsInodesFree, s.NodefsInodes}, "pids": {s.PIDAvailable, s.PIDMax},
	} {
		if pair[1] <= 0 || pair[0] <= 0 || pair[0] > pair[1] {
			t.Errorf("%s: %d available of %d", name, pair[0], pair[1])
		}
	}
}
