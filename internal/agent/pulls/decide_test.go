package pulls

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestDecide(t *testing.T) {
	always, ifNot, never := corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever
	for _, tc := range []struct {
		name string
		s    situation
		want source
	}{
		{"present, IfNotPresent", situation{mode: ModeAuto, policy: ifNot, present: true}, fromStore},
		{"present, Always pulls again", situation{mode: ModeAuto, policy: always, present: true}, fromPull},
		{"absent pulls", situation{mode: ModeAuto, policy: ifNot}, fromPull},
		{"absent, table has it, registry fine: pull first", situation{mode: ModeAuto, policy: ifNot, tableHas: true}, fromPull},
		{"absent, table has it, registry down: table", situation{mode: ModeAuto, policy: ifNot, tableHas: true, registryDown: true}, fromTable},
		{"registry mode never uses the table", situation{mode: ModeRegistry, policy: ifNot, tableHas: true, registryDown: true}, fromPull},
		{"table mode: the table wins over the store", situation{mode: ModeTable, policy: ifNot, tableHas: true, present: true}, fromTable},
		{"table mode, no entry: as auto", situation{mode: ModeTable, policy: ifNot, present: true}, fromStore},
		{"Never, present", situation{mode: ModeAuto, policy: never, present: true}, fromStore},
		{"Never, absent, table", situation{mode: ModeAuto, policy: never, tableHas: true}, fromTable},
		{"Never, absent, no table", situation{mode: ModeAuto, policy: never}, neverPull},
		{"Never, absent, registry mode", situation{mode: ModeRegistry, policy: never, tableHas: true}, neverPull},
	} {
		if got := decide(tc.s); got != tc.want {
			t.Errorf("%s: decide = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestAfterFailedPull(t *testing.T) {
	auto := situation{mode: ModeAuto, tableHas: true}
	if !afterFailedPull(auto, true) {
		t.Error("unreachable registry with a table entry should fall back to the table")
	}
	if afterFailedPull(auto, false) {
		t.Error("a refused pull (auth, not found) must not fall back to the table")
	}
	if afterFailedPull(situation{mode: ModeRegistry, tableHas: true}, true) {
		t.Error("registry mode must not fall back to the table")
	}
	if afterFailedPull(situation{mode: ModeAuto}, true) {
		t.Error("no table entry: nothing to fall back to")
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"": ModeAuto, "auto": ModeAuto, "table": ModeTable, "registry": ModeRegistry} {
		if got, ok := ParseMode(in); !ok || got != want {
			t.Errorf("ParseMode(%q) = %q, %v", in, got, ok)
		}
	}
	if _, ok := ParseMode("docker"); ok {
		t.Error("ParseMode accepted docker")
	}
}
