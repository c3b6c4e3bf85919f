package scheduler

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	clocktesting "k8s.io/utils/clock/testing"
)

func TestBackoff(t *testing.T) {
	want := []time.Duration{1, 1, 2, 4, 8, 10, 10}
	for failures, w := range want {
		if got := backoff(failures); got != w*time.Second {
			t.Errorf("backoff(%d) = %v, want %v", failures, got, w*time.Second)
		}
	}
	if got := backoff(1000); got != maxBackoff {
		t.Errorf("backoff(1000) = %v", got)
	}
}

// TestClusterEventMoves is the queueing hints' table: which events take
// which unschedulable pods back to the queue.
func TestClusterEventMoves(t *testing.T) {
	plain := pod("plain", requesting("100", "1Gi"))
	affine := pod("affine", affinityRequired("db"))
	anti := pod("anti", antiRequired("db"))
	claims := pod("claims", withClaim("data"))
	all := []*corev1.Pod{plain, affine, anti, claims}
	cases := []struct {
		ev   clusterEvent
		want []string
	}{
		{evNodeAdd, []string{"plain", "affine", "anti", "claims"}},
		{evNodeUpdate, []string{"plain", "affine", "anti", "claims"}},
		{evAssignedPodFree, []string{"plain", "affine", "anti", "claims"}},
		// A pod placed frees nothing: only required affinity may now be met.
		{evAssignedPodAdd, []string{"affine"}},
		{evClaimChange, []string{"claims"}},
	}
	for _, tc := range cases {
		var got []string
		for _, p := range all {
			if tc.ev.moves(p) {
				got = append(got, p.Name)
			}
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s moves %v, want %v", tc.ev, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s moves %v, want %v", tc.ev, got, tc.want)
				break
			}
		}
	}
}

// TestStateParksUntilAnEvent: a failed pod is parked for
// maxWaitUnschedulable; an event it matters to moves it, to be tried
// after its back-off from its last attempt; an event it does not matter
// to leaves it parked.
func TestStateParksUntilAnEvent(t *testing.T) {
	s := newState()
	p := pod("p")
	if wait, _ := s.begin("default/p", p, anchor); wait != 0 {
		t.Fatalf("a new pod waits %v", wait)
	}
	if got := s.park("default/p", p, anchor, 0); got != maxWaitUnschedulable {
		t.Fatalf("parked for %v, want %v", got, maxWaitUnschedulable)
	}
	later := anchor.Add(time.Minute)
	if wait, _ := s.begin("default/p", p, later); wait != maxWaitUnschedulable-time.Minute {
		t.Errorf("parked pod begun a minute later: wait %v, want the rest of %v", wait, maxWaitUnschedulable)
	}
	if got := s.move(evClaimChange, later, false); len(got) != 0 {
		t.Errorf("a claim change moved %v", got)
	}
	if got := s.move(evNodeAdd, anchor.Add(300*time.Millisecond), false); got["default/p"] != 700*time.Millisecond {
		t.Errorf("node added 300ms after the attempt: moved %v, want default/p after the rest of its 1s back-off", got)
	}
	if got := s.move(evNodeAdd, later, false); len(got) != 0 {
		t.Errorf("a pod already moved was moved again: %v", got)
	}
	if wait, _ := s.begin("default/p", p, later); wait != 0 {
		t.Errorf("a moved pod past its back-off waits %v", wait)
	}
	// A pod of the same name with another uid starts afresh.
	q := pod("p")
	q.UID = "other"
	s.park("default/p", p, anchor, s.moves)
	if wait, _ := s.begin("default/p", q, anchor); wait != 0 {
		t.Errorf("a recreated pod waits %v", wait)
	}
	// After the limit, a parked pod is tried without an event (the flush).
	s.park("default/p", q, anchor, s.moves)
	if wait, _ := s.begin("default/p", q, anchor.Add(maxWaitUnschedulable)); wait != 0 {
		t.Errorf("a pod parked for %v still waits %v", maxWaitUnschedulable, wait)
	}
}

// TestStateIdleMoveWaivesTheBackOff: an event that moves a pod while no
// other pod is queued lets it be tried at once, inside its back-off (as
// Kubernetes' idle scheduler pops its back-off queue); its next failure
// parks it again with the next, doubled back-off, and a move while busy
// keeps the back-off.
func TestStateIdleMoveWaivesTheBackOff(t *testing.T) {
	s := newState()
	p := pod("p")
	_, cycle := s.begin("default/p", p, anchor)
	s.park("default/p", p, anchor, cycle)
	soon := anchor.Add(100 * time.Millisecond)
	if got := s.move(evNodeUpdate, soon, true); got["default/p"] != 0 {
		t.Fatalf("idle move: default/p after %v, want at once", got["default/p"])
	}
	wait, cycle := s.begin("default/p", p, soon)
	if wait != 0 {
		t.Fatalf("a pod moved while idle waits %v", wait)
	}
	if got := s.park("default/p", p, soon, cycle); got != maxWaitUnschedulable {
		t.Fatalf("failed again: retry in %v, want parked", got)
	}
	if got := s.move(evNodeUpdate, soon.Add(100*time.Millisecond), false); got["default/p"] != 2*time.Second-100*time.Millisecond {
		t.Errorf("busy move after two failures: after %v, want the rest of the 2s back-off", got["default/p"])
	}
	if wait, _ := s.begin("default/p", p, soon.Add(time.Second)); wait == 0 {
		t.Error("a pod moved while busy was let in inside its back-off")
	}
}

// TestStateEventDuringAnAttempt: an event that arrives while a pod is
// being tried must not be lost to it: the pod is not parked but retried
// after its back-off (Kubernetes' moveRequestCycle). The same for the
// pod's own update.
func TestStateEventDuringAnAttempt(t *testing.T) {
	s := newState()
	p := pod("p")
	_, cycle := s.begin("default/p", p, anchor)
	s.move(evNodeUpdate, anchor, false) // nothing parked yet: nothing to move
	if got := s.park("default/p", p, anchor, cycle); got != time.Second {
		t.Errorf("event during the attempt: retry in %v, want the 1s back-off", got)
	}

	q := pod("q")
	_, cycle = s.begin("default/q", q, anchor)
	if got := s.moveOne("default/q", anchor); got != 0 {
		t.Errorf("moveOne of a pod never failed: %v", got)
	}
	if got := s.park("default/q", q, anchor, cycle); got != time.Second {
		t.Errorf("own update during the attempt: retry in %v, want the 1s back-off", got)
	}
	// Without either, the next failure parks it.
	_, cycle = s.begin("default/q", q, anchor.Add(time.Second))
	if got := s.park("default/q", q, anchor.Add(time.Second), cycle); got != maxWaitUnschedulable {
		t.Errorf("quiet attempt: retry in %v, want parked for %v", got, maxWaitUnschedulable)
	}
	s.forget("default/q")
	if wait, _ := s.begin("default/q", q, anchor.Add(time.Second)); wait != 0 {
		t.Errorf("a forgotten pod waits %v", wait)
	}
}

// TestPodEventsMoveWaitingPods drives the handlers: a pod placed on the
// node leaves a pod waiting for room parked, and the deletion of a bound
// pod moves it (after its back-off); the scheduler's own status write to
// the waiting pod does not.
func TestPodEventsMoveWaitingPods(t *testing.T) {
	busy := pod("busy", onNode("a"), requesting("1", "1Gi"))
	f := newFixture(t, node("a", allocatable("1", "4Gi", 110)), busy, pod("p", requesting("1", "1Gi")))
	f.sync(t, "default/p") // Insufficient cpu: parked
	written := f.statusWrite(t)
	f.ctl.clock.(*clocktesting.FakeClock).Step(time.Minute)

	f.ctl.onPodUpdate(pod("p", requesting("1", "1Gi")), written)
	f.ctl.onPod(pod("other", onNode("a")))
	if n := f.ctl.queue.Len(); n != 0 {
		t.Fatalf("our status write or a pod placed queued %d pods", n)
	}
	f.ctl.onPodDelete(busy)
	if n := f.ctl.queue.Len(); n != 1 {
		t.Fatalf("after a bound pod's deletion the queue holds %d pods, want 1", n)
	}
	if key, _ := f.ctl.queue.Get(); key != "default/p" {
		t.Errorf("queued %q", key)
	}
}
