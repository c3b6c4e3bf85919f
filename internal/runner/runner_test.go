package runner

import (
	"fmt"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"

	"github.com/ordo-dev/ordo/internal/cron"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func everySecond(t *testing.T) *cron.Schedule {
	t.Helper()
	s, err := cron.Parse("* * * * * *", nil, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

func TestRoleOf(t *testing.T) {
	held := Token{Holder: "a", Renewed: at(0), Duration: 10 * time.Second}
	cases := []struct {
		name string
		tok  Token
		me   string
		now  time.Time
		want Role
	}{
		{"the holder holds", held, "a", at(5), Hold},
		{"another waits while the lease is live", held, "b", at(5), Wait},
		{"an expired lease is taken over", held, "b", at(11), TakeOver},
		{"a free token is taken", Token{}, "b", at(0), TakeOver},
		{"the successor waits for its slot", held.Handing("b", at(8)), "b", at(7), Wait},
		{"the successor takes it at its slot", held.Handing("b", at(8)), "b", at(8), TakeOver},
		{"a third pod is not the successor", held.Handing("b", at(8)), "c", at(9), Wait},
	}
	for _, c := range cases {
		if got := RoleOf(c.tok, c.me, c.now); got != c.want {
			t.Errorf("%s: role %d, want %d", c.name, got, c.want)
		}
	}
	taken := held.Handing("b", at(8)).Taken("b", at(8))
	if taken.Holder != "b" || taken.HandTo != "" || !taken.HandAt.IsZero() || !taken.Renewed.Equal(at(8)) {
		t.Errorf("taken %+v", taken)
	}
}

func describeClaim(c Claim) string {
	out := ""
	for _, s := range c.Run {
		out += fmt.Sprintf("run %d; ", int(s.Sub(t0)/time.Second))
	}
	for _, m := range c.Missed {
		out += fmt.Sprintf("miss %d×%d %s; ", int(m.Slot.Sub(t0)/time.Second), m.Count, m.Reason)
	}
	return out + fmt.Sprintf("last %d", int(c.Token.LastSlot.Sub(t0)/time.Second))
}

func TestDue(t *testing.T) {
	deadline := 3 * time.Second
	cases := []struct {
		name   string
		tok    Token
		policy Policy
		now    time.Time
		want   string
	}{
		{"the one slot due", Token{LastSlot: at(4)}, Policy{}, at(5), "run 5; last 5"},
		{"nothing due within the second", Token{LastSlot: at(5)}, Policy{}, at(5).Add(900 * time.Millisecond), "last 5"},
		{"a first claim starts from creation", Token{}, Policy{}, at(1), "run 1; last 1"},
		{"catch-up latest after a gap", Token{LastSlot: at(1)}, Policy{}, at(5), "run 5; miss 4×3 Superseded; last 5"},
		{"catch-up all after a gap", Token{LastSlot: at(1)}, Policy{CatchUp: cron.CatchUpAll}, at(4), "run 2; run 3; run 4; last 4"},
		{"the deadline drops old slots", Token{LastSlot: at(1)}, Policy{CatchUp: cron.CatchUpAll, StartingDeadline: &deadline}, at(7),
			"run 4; run 5; run 6; run 7; miss 3×2 TooLate; last 7"},
		{"the hand-off slot is the successor's", Token{LastSlot: at(4), HandTo: "b", HandAt: at(6)}, Policy{CatchUp: cron.CatchUpAll}, at(6), "run 5; last 5"},
		{"a far gap is bounded", Token{LastSlot: at(0)}, Policy{}, at(1000), "run 1000; miss 901×900 TooMany; miss 999×99 Superseded; last 1000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.policy.Schedule = everySecond(t)
			if got := describeClaim(Due(c.tok, c.policy, t0, c.now)); got != c.want {
				t.Errorf("claim %q, want %q", got, c.want)
			}
		})
	}
}

// Claiming again and again, as a holder loop does, through a hand-off:
// every slot runs exactly once, on one side or the other.
func TestClaimsThroughAHandoffRunEachSlotOnce(t *testing.T) {
	p := Policy{Schedule: everySecond(t), CatchUp: cron.CatchUpAll}
	tok := Token{Holder: "a", Renewed: t0, Duration: time.Minute}
	ran := map[time.Time]string{}
	for ms := 0; ms <= 20000; ms += 250 {
		now := t0.Add(time.Duration(ms) * time.Millisecond)
		if ms == 7250 { // the successor is Ready: the controller arranges the hand-off
			tok = tok.Handing("b", HandoffSlot(p.Schedule, now))
		}
		for _, me := range []string{"a", "b"} {
			switch RoleOf(tok, me, now) {
			case TakeOver:
				tok = tok.Taken(me, now)
			case Wait:
				continue
			}
			c := Due(tok, p, t0, now)
			tok = c.Token
			for _, s := range c.Run {
				if who, ok := ran[s]; ok {
					t.Fatalf("slot %s ran twice: %s and %s", s, who, me)
				}
				ran[s] = me
			}
		}
	}
	for sec := 1; sec <= 20; sec++ {
		want := "a"
		if sec >= 8 {
			want = "b"
		}
		if ran[at(sec)] != want {
			t.Errorf("slot %d ran on %q, want %q", sec, ran[at(sec)], want)
		}
	}
}

func TestRotationStartIsSpreadAndStable(t *testing.T) {
	seen := map[time.Duration]bool{}
	for i := 0; i < 50; i++ {
		name := fmt.Sprintf("backup-%d-runner-x", i)
		start := RotationStart(name, t0, time.Hour)
		early := t0.Add(time.Hour).Sub(start)
		if early < 5*time.Minute || early > 11*time.Minute {
			t.Fatalf("%s rotates %s before its end: want between the 5 min lead and lead + 6 min jitter", name, early)
		}
		if RotationStart(name, t0, time.Hour) != start {
			t.Fatal("the same runner must get the same rotation time")
		}
		seen[early.Truncate(time.Minute)] = true
	}
	if len(seen) < 4 {
		t.Errorf("50 runners rotate in only %d distinct minutes", len(seen))
	}
	if lead := t0.Add(20 * time.Second).Sub(RotationStart("x", t0, 20*time.Second)); lead < 2*time.Second || lead > 4*time.Second {
		t.Errorf("a 20 s lifetime rotates %s early, want 2–4 s", lead)
	}
}

func TestHandoffSlotLeavesAMargin(t *testing.T) {
	s := everySecond(t)
	if got := HandoffSlot(s, at(7).Add(300*time.Millisecond)); !got.Equal(at(8)) {
		t.Errorf("hand-off at %s, want slot 8", got)
	}
	if got := HandoffSlot(s, at(7).Add(600*time.Millisecond)); !got.Equal(at(9)) {
		t.Errorf("hand-off at %s, want slot 9: slot 8 is too close to read in time", got)
	}
}

func TestAdmitAndLifetime(t *testing.T) {
	for _, c := range []struct {
		policy  batchv1.ConcurrencyPolicy
		running int
		want    Admission
	}{
		{batchv1.AllowConcurrent, 2, Start},
		{batchv1.ForbidConcurrent, 1, Skip},
		{batchv1.ForbidConcurrent, 0, Start},
		{batchv1.ReplaceConcurrent, 1, ReplaceRunning},
	} {
		if got := Admit(c.policy, c.running); got != c.want {
			t.Errorf("%s with %d running: %d, want %d", c.policy, c.running, got, c.want)
		}
	}
	if d, err := LifetimeOf(nil); err != nil || d != time.Hour {
		t.Errorf("default lifetime %s %v", d, err)
	}
	if _, err := LifetimeOf(map[string]string{LifetimeAnnotation: "5s"}); err == nil {
		t.Error("5s is below the 10 s minimum")
	}
	if _, err := LifetimeOf(map[string]string{LifetimeAnnotation: "soon"}); err == nil {
		t.Error("not a duration")
	}
}

// A holder that dies after claiming slot 5: the next runner takes the
// token once the lease expires and goes on after slot 5, never again at
// or before it.
func TestTakeoverAfterACrashNeverReruns(t *testing.T) {
	p := Policy{Schedule: everySecond(t), CatchUp: cron.CatchUpAll}
	tok := Token{Holder: "a", Renewed: at(5), Duration: 3 * time.Second, LastSlot: at(5)}
	if RoleOf(tok, "b", at(7)) != Wait {
		t.Fatal("the lease is still live at 7")
	}
	if RoleOf(tok, "b", at(9)) != TakeOver {
		t.Fatal("the lease expired at 8")
	}
	c := Due(tok.Taken("b", at(9)), p, t0, at(9))
	if got := describeClaim(c); got != "run 6; run 7; run 8; run 9; last 9" {
		t.Errorf("after the takeover: %q", got)
	}
}

func TestAhead(t *testing.T) {
	s := everySecond(t)
	lead := 250 * time.Millisecond
	cases := []struct {
		name string
		tok  Token
		now  time.Time
		want int // slot second, -1 for none
	}{
		{"far from the next slot", Token{LastSlot: at(4)}, at(4).Add(500 * time.Millisecond), -1},
		{"within the lead", Token{LastSlot: at(4)}, at(4).Add(800 * time.Millisecond), 5},
		{"already claimed ahead", Token{LastSlot: at(5)}, at(4).Add(900 * time.Millisecond), -1},
		{"the successor's slot", Token{LastSlot: at(4), HandTo: "b", HandAt: at(5)}, at(4).Add(900 * time.Millisecond), -1},
		{"before the successor's slot", Token{LastSlot: at(4), HandTo: "b", HandAt: at(6)}, at(4).Add(900 * time.Millisecond), 5},
	}
	for _, c := range cases {
		got, ok := Ahead(c.tok, s, c.now, lead)
		if (c.want < 0) == ok || (ok && !got.Equal(at(c.want))) {
			t.Errorf("%s: %v %v, want slot %d", c.name, got, ok, c.want)
		}
	}
}

func TestClaimAheadIsInsideTheHandoffMargin(t *testing.T) {
	if ClaimAhead >= handoffMargin {
		t.Fatalf("ClaimAhead %s must be below the hand-off margin %s", ClaimAhead, handoffMargin)
	}
}

// Slots given back unstarted are run or missed by the next claim, under
// the same rules as overdue slots, and the claim clears them.
func TestDueAccountsForUnstartedSlots(t *testing.T) {
	deadline := 3 * time.Second
	cases := []struct {
		name   string
		tok    Token
		policy Policy
		now    time.Time
		want   string
	}{
		{"the newest claimed runs late when nothing newer is due", Token{LastSlot: at(5), Unstarted: []time.Time{at(5)}}, Policy{}, at(5).Add(400 * time.Millisecond), "run 5; last 5"},
		{"a newer slot supersedes it", Token{LastSlot: at(5), Unstarted: []time.Time{at(5)}}, Policy{}, at(8), "run 8; miss 7×2 Superseded; miss 5×1 Superseded; last 8"},
		{"a newer slot already claimed supersedes it", Token{LastSlot: at(9), Unstarted: []time.Time{at(5)}}, Policy{}, at(9).Add(200 * time.Millisecond), "miss 5×1 Superseded; last 9"},
		{"catch-up all runs it in order", Token{LastSlot: at(5), Unstarted: []time.Time{at(5)}}, Policy{CatchUp: cron.CatchUpAll}, at(7), "run 5; run 6; run 7; last 7"},
		{"past the deadline it is too late", Token{LastSlot: at(5), Unstarted: []time.Time{at(5)}}, Policy{CatchUp: cron.CatchUpAll, StartingDeadline: &deadline}, at(9), "run 6; run 7; run 8; run 9; miss 5×1 TooLate; last 9"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.policy.Schedule = everySecond(t)
			claim := Due(c.tok, c.policy, t0, c.now)
			if got := describeClaim(claim); got != c.want {
				t.Errorf("claim %q, want %q", got, c.want)
			}
			if len(claim.Token.Unstarted) != 0 {
				t.Errorf("the claim leaves %v unstarted", claim.Token.Unstarted)
			}
		})
	}
}

// A holder claims slot 5 ahead and is killed before 5 starts (its pod
// force-deleted): the slot goes back on the token, and the next holder
// runs it or reports it missed. Every slot is accounted for exactly once:
// run once, or missed once, never both, never lost.
func TestASlotClaimedThenKilledIsRunOrMissedByTheNextHolder(t *testing.T) {
	for _, takeoverMs := range []int{5100, 5900, 7300} {
		t.Run(fmt.Sprintf("takeover at %d ms", takeoverMs), func(t *testing.T) {
			p := Policy{Schedule: everySecond(t)}
			tok := Token{Holder: "a", Renewed: at(4), Duration: 10 * time.Second, LastSlot: at(4)}
			now := at(4).Add(800 * time.Millisecond)
			claimed, ok := Ahead(tok, p.Schedule, now, ClaimAhead)
			if !ok || !claimed.Equal(at(5)) {
				t.Fatalf("a claims ahead %v %v, want slot 5", claimed, ok)
			}
			tok.LastSlot = claimed
			// a is killed at 4.9 s: slot 5 never starts; a gives it back
			// and releases the token.
			tok = tok.GaveUp([]time.Time{claimed})
			tok.Holder = ""
			accounted := map[time.Time]string{}
			note := func(s time.Time, what string) {
				if prev, ok := accounted[s]; ok {
					t.Fatalf("slot %s accounted twice: %s and %s", s.Format(time.TimeOnly), prev, what)
				}
				accounted[s] = what
			}
			for ms := takeoverMs; ms <= 10000; ms += 100 {
				now := t0.Add(time.Duration(ms) * time.Millisecond)
				if RoleOf(tok, "b", now) == TakeOver {
					tok = tok.Taken("b", now)
				}
				c := Due(tok, p, t0, now)
				tok = c.Token
				for _, s := range c.Run {
					note(s, "run")
				}
				for _, m := range c.Missed {
					for i := 0; i < m.Count; i++ {
						note(m.Slot.Add(-time.Duration(i)*time.Second), "missed "+m.Reason)
					}
				}
			}
			if _, ok := accounted[at(5)]; !ok {
				t.Errorf("slot 5, claimed by the killed holder, was neither run nor reported missed")
			}
			for sec := 6; sec <= 10; sec++ {
				if _, ok := accounted[at(sec)]; !ok {
					t.Errorf("slot %d neither ran nor was missed", sec)
				}
			}
		})
	}
}

func TestGaveUpRoundTripsOnTheLease(t *testing.T) {
	tok := Token{LastSlot: at(6)}.GaveUp([]time.Time{at(6), at(5)}).GaveUp([]time.Time{at(5)})
	if len(tok.Unstarted) != 2 || !tok.Unstarted[0].Equal(at(5)) || !tok.Unstarted[1].Equal(at(6)) {
		t.Fatalf("unstarted %v, want slots 5 and 6, once each, in order", tok.Unstarted)
	}
	back := TokenOf(tok.Onto(&coordinationv1.Lease{}))
	if len(back.Unstarted) != 2 || !back.Unstarted[0].Equal(at(5)) || !back.Unstarted[1].Equal(at(6)) {
		t.Errorf("read back %v", back.Unstarted)
	}
	if l := (Token{}).Onto(tok.Onto(&coordinationv1.Lease{})); l.Annotations[UnstartedAnnotation] != "" {
		t.Errorf("a token with none left keeps the annotation %q", l.Annotations[UnstartedAnnotation])
	}
}

func TestFailureAnnotationRoundTrip(t *testing.T) {
	slot := time.Date(2026, 5, 1, 12, 0, 7, 0, time.UTC)
	code := int32(137)
	if s, c, ok := ParseFailure(FormatFailure(slot, &code)); !ok || !s.Equal(slot) || c == nil || *c != 137 {
		t.Errorf("with a code: %v %v %v", s, c, ok)
	}
	if s, c, ok := ParseFailure(FormatFailure(slot, nil)); !ok || !s.Equal(slot) || c != nil {
		t.Errorf("without a code: %v %v %v", s, c, ok)
	}
	if _, _, ok := ParseFailure(""); ok {
		t.Error("an empty value parsed")
	}
}
