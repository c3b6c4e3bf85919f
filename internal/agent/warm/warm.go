// Package warm is the agent's side of warm runners (package runner holds
// the decisions): in a runner pod, it claims the CronJob's slots through
// the Lease token and runs each claimed slot's command in the pod.
//
// One loop per runner pod, in steps:
//
//	read the CronJob (suspended: wait) and the Lease
//	Wait      ──▶ sleep until the next slot, the hand-off or the expiry
//	TakeOver  ──▶ CAS the holder to this pod, then Hold
//	Hold      ──▶ runner.Due (slots overdue) and runner.Ahead (the next
//	              slot, if due within claimAhead); CAS last-slot (and
//	              renewTime) first, then start the overdue runs, and the
//	              next one at its instant, concurrencyPolicy applied;
//	              sleep until just before the next slot, or the renewal
//
// A slot runs only after its CAS succeeded, so it runs at most once; a
// conflict means someone else wrote the Lease, and the step starts over
// from a fresh read. When the claiming stops (the pod stops) the loop
// releases the token, so a successor need not wait for the Lease to
// expire, while the runs going finish: see Handle. When the runs are
// killed (Kill: the pod was force-deleted or its container died) before a
// claimed slot started, the slot is given back on the Lease
// (ordo.dev/unstarted) with the release, and the next claim runs it or
// reports it missed.
package warm

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/cron"
	"github.com/ordo-dev/ordo/internal/metrics"
	"github.com/ordo-dev/ordo/internal/runner"
)

// Config is one runner pod's loop.
type Config struct {
	Client    kubernetes.Interface
	Clock     clock.Clock
	Local     *time.Location // the zone of schedules that name none
	Namespace string
	CronJob   string
	Pod       string // this pod's name: the token's holderIdentity
	// Run runs the command once for slot and returns its exit code; it
	// calls started once the command's process runs.
	Run func(ctx context.Context, slot time.Time, started func()) (int, error)
	// Event records an event on the CronJob, where kubectl describe
	// cronjob shows it.
	Event func(cj *batchv1.CronJob, kind, reason, message string)
	// Metrics, when set, gets fire lags, outcomes, hand-offs and misses.
	Metrics *metrics.Batch
	// Listers, when set, serve the loop's reads.
	Listers Listers
}

// Handle is one runner pod's running loop. Stopping it is in two steps,
// so that a runner being retired finishes the slot it is running: Stop
// ends the claiming (and releases the token), Kill ends the runs.
type Handle struct {
	stop, kill context.CancelFunc
	l          *loop
}

// Start starts the loop; ctx bounds the runs as well as the claiming.
func Start(ctx context.Context, cfg Config) *Handle {
	runCtx, kill := context.WithCancel(ctx)
	claimCtx, stop := context.WithCancel(runCtx)
	l := &loop{cfg: cfg, runs: map[time.Time]context.CancelFunc{}, runCtx: runCtx}
	go l.claim(claimCtx)
	return &Handle{stop: stop, kill: kill, l: l}
}

// Stop ends the claiming: no slot is claimed after it, and the token is
// released. A slot already claimed still runs, and runs going go on.
func (h *Handle) Stop() { h.stop() }

// Kill stops the claiming and kills the runs going.
func (h *Handle) Kill() { h.kill() }

// Busy says whether a run is going or a claimed slot is about to start
// (claimed ahead, or held back by concurrencyPolicy Forbid).
func (h *Handle) Busy() bool {
	h.l.mu.Lock()
	defer h.l.mu.Unlock()
	return len(h.l.runs) > 0 || h.l.pending > 0 || !h.l.held.IsZero()
}

type loop struct {
	cfg     Config
	cj      atomic.Pointer[batchv1.CronJob] // as last read, for events (the runs read it too)
	runCtx  context.Context                 // the runs' context: Kill cancels it
	mu      sync.Mutex
	runs    map[time.Time]context.CancelFunc // the runs going, by slot
	pending int                              // slots claimed ahead, not yet started
	gaveUp  []time.Time                      // slots claimed, then stopped before they started
	held    time.Time                        // a slot Forbid holds back until the run going ends (holdBack)
	// released: release has run; a slot given up later is given back
	// on its own (start).
	released bool
	own      ownWrites    // the Lease as last written here
	unsure   unsureClaims // claims whose write's outcome is unknown
	// claiming is the schedule while this pod holds the token (nil
	// otherwise): a claim is coming, and a success may ride on it.
	claiming *cron.Schedule
	success  successes // a success waiting for the next claim's write
}

// claim runs steps until ctx is done, then releases the token.
func (l *loop) claim(ctx context.Context) {
	for ctx.Err() == nil {
		wait := l.step(ctx)
		select {
		case <-ctx.Done():
		case <-l.cfg.Clock.After(wait):
		}
	}
	l.release()
}

// setClaiming says whether this pod holds the token (or is taking it),
// for noteSuccess.
func (l *loop) setClaiming(sched *cron.Schedule, holds bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.claiming = nil
	if holds {
		l.claiming = sched
	}
}

func (l *loop) event(kind, reason, message string) {
	if cj := l.cj.Load(); cj != nil {
		l.cfg.Event(cj, kind, reason, message)
	}
}

// step does one round and says how long to sleep.
func (l *loop) step(ctx context.Context) time.Duration {
	now := l.cfg.Clock.Now()
	cj, err := l.readCronJob(ctx)
	if err != nil || (cj.Spec.Suspend != nil && *cj.Spec.Suspend) {
		return time.Second
	}
	l.cj.Store(cj)
	sched, err := cron.Parse(cj.Spec.Schedule, cj.Spec.TimeZone, l.cfg.Local)
	if err != nil {
		return 10 * time.Second
	}
	lease, err := l.readLease(ctx, false)
	if err != nil {
		return 500 * time.Millisecond
	}
	tok := runner.TokenOf(lease)
	role := runner.RoleOf(tok, l.cfg.Pod, now)
	l.setClaiming(sched, role != runner.Wait)
	switch role {
	case runner.Wait:
		return waitFor(tok, sched, now)
	case runner.TakeOver:
		previous := tok.Holder
		tok = tok.Taken(l.cfg.Pod, now)
		if lease, err = l.writeLease(ctx, tok.Onto(lease)); err != nil {
			return 100 * time.Millisecond
		}
		if previous != "" {
			l.cfg.Metrics.WarmHandoff()
		}
		msg := "Runner pod " + l.cfg.Pod + " holds the token"
		if !tok.LastSlot.IsZero() {
			msg += ", from the slot after " + stamp(tok.LastSlot)
		}
		l.event(corev1.EventTypeNormal, "RunnerTokenTaken", msg)
	}
	catchUp, _ := cron.CatchUpOf(cj.Annotations)
	policy := runner.Policy{Schedule: sched, CatchUp: catchUp}
	if s := cj.Spec.StartingDeadlineSeconds; s != nil {
		d := time.Duration(*s) * time.Second
		policy.StartingDeadline = &d
	}
	l.unsure.settle(tok, l.cfg.Pod, l.announce)
	claim := runner.Due(tok, policy, cj.CreationTimestamp.Time, now)
	ahead, early := runner.Ahead(claim.Token, sched, now, claimAhead)
	if len(claim.Run)+len(claim.Missed) > 0 || early || now.Sub(tok.Renewed) > renewAfter(tok) {
		next := claim.Token
		next.Renewed = now
		if early {
			next.LastSlot = ahead
		}
		onto := next.Onto(lease)
		success := l.withSuccess(onto)
		if _, err := l.writeLease(ctx, onto); err != nil {
			// Nothing ran: read again. The write may still have been
			// applied; the next reads tell (unsureClaims).
			l.putBackSuccess(success)
			l.unsure.failedClaim(err, claim, ahead, early)
			return 20 * time.Millisecond
		}
		l.unsure = nil // the CAS succeeded on a read that showed any earlier write
	}
	for _, m := range claim.Missed {
		l.announce(m)
	}
	for _, slot := range claim.Run {
		l.start(slot, cj.Spec.ConcurrencyPolicy)
	}
	if early {
		l.startAt(ahead, cj.Spec.ConcurrencyPolicy)
		return time.Millisecond
	}
	wake := renewAfter(tok)
	if next := sched.Next(now); !next.IsZero() {
		wake = min(wake, next.Sub(now)-claimAhead)
	}
	return max(wake, time.Millisecond)
}

// renewAfter is how long after its last write the holder renews the
// Lease when no claim has: half its duration, as a leader-election
// client's renew deadline is, which leaves the other half for a slow
// write before the token could be taken over. A claim renews it too, so
// a CronJob due more often than that writes only its claims.
func renewAfter(tok runner.Token) time.Duration { return tok.Duration / 2 }

// claimAhead is how long before a slot the holder claims it, so that the
// claim's write is done when the slot comes.
const claimAhead = runner.ClaimAhead

// waitFor is how long a runner that does not hold the token sleeps: until
// its hand-off slot, the holder's expiry, or the next slot, at most 1 s.
func waitFor(tok runner.Token, sched *cron.Schedule, now time.Time) time.Duration {
	wake := time.Second
	for _, t := range []time.Time{tok.HandAt, tok.Renewed.Add(tok.Duration), sched.Next(now)} {
		if t.After(now) {
			wake = min(wake, t.Sub(now))
		}
	}
	return max(wake, time.Millisecond)
}

// startAt waits for a slot claimed ahead and starts its run. Stop does not
// cancel it, since the slot is claimed and nobody else will run it; Kill
// does.
func (l *loop) startAt(slot time.Time, policy batchv1.ConcurrencyPolicy) {
	l.mu.Lock()
	l.pending++
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.pending--
		l.mu.Unlock()
	}()
	select {
	case <-l.runCtx.Done():
	case <-l.cfg.Clock.After(slot.Sub(l.cfg.Clock.Now())):
	}
	l.start(slot, policy)
}

// start runs one claimed slot under concurrencyPolicy. Once the runs are
// killed (Kill) it starts nothing and keeps the slot as given up instead,
// for release to hand back: the check and the start are under one lock,
// so a slot either started or is given up, never both.
func (l *loop) start(slot time.Time, policy batchv1.ConcurrencyPolicy) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.startLocked(slot, policy)
}

// startLocked is start with l.mu held.
func (l *loop) startLocked(slot time.Time, policy batchv1.ConcurrencyPolicy) {
	if l.runCtx.Err() != nil {
		if l.released {
			go l.handBack([]time.Time{slot})
		} else {
			l.gaveUp = append(l.gaveUp, slot)
		}
		return
	}
	switch runner.Admit(policy, len(l.runs)) {
	case runner.Skip:
		l.holdBack(slot)
		return
	case runner.ReplaceRunning:
		for s, cancel := range l.runs {
			cancel()
			l.event(corev1.EventTypeNormal, "SuccessfulDelete", "Stopped the run of slot "+stamp(s)+" (concurrencyPolicy Replace)")
		}
	}
	runCtx, cancel := context.WithCancel(l.runCtx)
	l.runs[slot] = cancel
	go func() {
		defer cancel()
		code, err := l.cfg.Run(runCtx, slot, func() { l.cfg.Metrics.WarmRunStarted(slot, l.cfg.Clock.Now()) })
		l.mu.Lock()
		delete(l.runs, slot)
		if next, ok := l.takeHeld(); ok {
			l.startLocked(next, policy) // in the same lock: nothing starts in between
		}
		l.mu.Unlock()
		l.finished(slot, code, err)
	}()
}

// finished records a run's outcome: an event and the Lease's last failure
// for a failure, the Lease's last success for a success.
func (l *loop) finished(slot time.Time, code int, err error) {
	switch {
	case err != nil:
		l.cfg.Metrics.WarmRunFinished("start_error")
		l.event(corev1.EventTypeWarning, "RunFailed", "The run of slot "+stamp(slot)+" in runner pod "+l.cfg.Pod+" could not start: "+err.Error())
		l.writeFailure(runner.FormatFailure(slot, nil))
		return
	case code != 0:
		l.cfg.Metrics.WarmRunFinished("failed")
		l.event(corev1.EventTypeWarning, "RunFailed", "The run of slot "+stamp(slot)+" in runner pod "+l.cfg.Pod+" exited with code "+itoa(code))
		exit := int32(code)
		l.writeFailure(runner.FormatFailure(slot, &exit))
		return
	}
	l.cfg.Metrics.WarmRunFinished("succeeded")
	l.noteSuccess(slot)
}

// release gives the token back if this pod holds it, and gives back the
// slots it claimed but stopped before starting (Token.GaveUp), so that the
// next claim runs or misses them instead of losing them. It runs once the
// claiming ended: no slot can start here any more.
func (l *loop) release() {
	l.mu.Lock()
	l.released = true
	if l.runCtx.Err() != nil && !l.held.IsZero() {
		l.gaveUp = append(l.gaveUp, l.held) // its run would never start now
		l.held = time.Time{}
	}
	gaveUp := l.gaveUp
	l.gaveUp = nil
	l.mu.Unlock()
	l.handBack(gaveUp)
}

// handBack releases the token and gives back gaveUp (see release); if
// the Lease cannot be written, it reports them missed, since nobody else
// will account for them.
func (l *loop) handBack(gaveUp []time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var err error
	for i := 0; i < 5 && ctx.Err() == nil; i++ {
		var done bool
		if done, err = l.giveBack(ctx, gaveUp); done || !apierrors.IsConflict(err) {
			break
		}
	}
	if err == nil || len(gaveUp) == 0 || apierrors.IsNotFound(err) {
		return // given back, nothing to give, or the CronJob is gone
	}
	// Nobody else will account for these slots: say they are missed.
	for _, slot := range gaveUp {
		m := runner.Missed{Slot: slot, Count: 1, Reason: runner.MissedRunnerStopped}
		l.event(corev1.EventTypeWarning, "MissSchedule", missMessage(m)+": "+err.Error())
		l.cfg.Metrics.Missed(m.Reason, 1)
	}
}

// giveBack writes, on a fresh read of the Lease, the token released by
// this pod (when it holds it) with gaveUp given back; done when nothing
// was left to write.
func (l *loop) giveBack(ctx context.Context, gaveUp []time.Time) (bool, error) {
	lease, err := l.readLease(ctx, true)
	if err != nil {
		return false, err
	}
	tok := runner.TokenOf(lease)
	success := l.takeSuccess()
	if tok.Holder != l.cfg.Pod && len(gaveUp) == 0 {
		if !success.IsZero() {
			l.writeSuccess(success)
		}
		return true, nil
	}
	if tok.Holder == l.cfg.Pod {
		tok.Holder = ""
	}
	if len(gaveUp) > 0 {
		tok = tok.GaveUp(gaveUp)
		klog.FromContext(ctx).Info("Giving back claimed slots whose runs never started", "cronjob", klog.KRef(l.cfg.Namespace, l.cfg.CronJob), "pod", l.cfg.Pod, "slots", gaveUp)
	}
	onto := tok.Onto(lease)
	l.putBackSuccess(success)
	success = l.withSuccess(onto)
	if _, err = l.writeLease(ctx, onto); err != nil {
		l.putBackSuccess(success)
	}
	return err == nil, err
}
