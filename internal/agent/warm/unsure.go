package warm

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/ordo-dev/ordo/internal/runner"
)

// missedClaimLost is the reason of a slot whose claim may have been
// written although its write failed (a timeout, an etcd leader change, a
// cut link, a server killed mid-request): it does not run, since another
// claim of it may have succeeded, and its MissSchedule event says so.
const missedClaimLost = "ClaimLost"

// unsureClaims are the slots of claim writes whose outcome is unknown:
// their runs (as Missed of count 1) and the misses the write settled.
type unsureClaims []runner.Missed

// failedClaim records what a failed claim write would have settled,
// unless the API refused it for certain (a conflict: someone else wrote
// the Lease first, so nothing of it was written).
func (u *unsureClaims) failedClaim(err error, claim runner.Claim, ahead time.Time, early bool) {
	if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
		return
	}
	for _, m := range claim.Missed {
		u.add(m)
	}
	for _, s := range claim.Run {
		u.add(runner.Missed{Slot: s, Count: 1, Reason: missedClaimLost})
	}
	if early {
		u.add(runner.Missed{Slot: ahead, Count: 1, Reason: missedClaimLost})
	}
}

// add keeps m unless it is unsure already: a retry from a stale read
// claims the same slots again, and each is announced once.
func (u *unsureClaims) add(m runner.Missed) {
	for _, have := range *u {
		if have.Slot.Equal(m.Slot) && have.Reason == m.Reason {
			return
		}
	}
	*u = append(*u, m)
}

// settle compares the unsure claims with the token as read: a slot the
// token's last slot covers while this pod still holds it was written by
// the failed write (this pod alone advances it), never ran, and is
// announced missed now; the others stay unsure until a claim write
// succeeds (a stale read may not show the failed write yet). When
// another pod holds the token, it goes on from the last slot: nothing is
// left to say.
func (u *unsureClaims) settle(tok runner.Token, me string, announce func(runner.Missed)) {
	if tok.Holder != me {
		*u = nil
		return
	}
	kept := (*u)[:0]
	for _, m := range *u {
		if !m.Slot.After(tok.LastSlot) {
			announce(m)
			continue
		}
		kept = append(kept, m)
	}
	*u = kept
}

// announce records a missed slot: event and metric.
func (l *loop) announce(m runner.Missed) {
	l.event(corev1.EventTypeWarning, "MissSchedule", missMessage(m))
	l.cfg.Metrics.Missed(m.Reason, m.Count)
}
