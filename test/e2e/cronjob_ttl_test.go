package e2e

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// ttlCronJobs is how many CronJobs fire every second in the TTL-0 test.
const ttlCronJobs = 10

// TestCronJobsWithTTLZeroRunOnceAcrossKill9: CronJobs fire every second,
// and each Job completes at once (completions 0) and is deleted by
// ttlSecondsAfterFinished 0, so a run's Job lives for moments. The server
// is killed with SIGKILL at random moments and restarted. The API can no
// longer show which slots ran, so the test reads etcd's own history (it
// runs the etcd): every slot must have had its Job created exactly once.
// This is the case Kubernetes leaves open, where a Job deleted before its
// CronJob's status recorded the slot lets a restarted controller run the
// slot again; and every expired Job must still be deleted in the end.
// Not parallel: requires every slot up to 2 s ago to have had its Job created 3 s after the last kill -9 restart, a wall-clock deadline CPU contention would break.
func TestCronJobsWithTTLZeroRunOnceAcrossKill9(t *testing.T) {
	url := startTestEtcd(t)
	srv := startShared(t, t.TempDir(), url)
	cs := clientOf(t, srv)
	ctx := context.Background()
	created := createEverySecondCronJobs(t, cs, "ttl0", ttlCronJobs, func(cj *batchv1.CronJob) {
		spec := &cj.Spec.JobTemplate.Spec
		spec.Suspend, spec.Completions, spec.TTLSecondsAfterFinished = nil, ptr.To[int32](0), ptr.To[int32](0)
	})
	killAtRandom(t, srv, 4)
	time.Sleep(3 * time.Second)
	end := time.Now().Add(-2 * time.Second).Truncate(time.Second)

	creates := jobCreatesInEtcd(t, url)
	checkOneCreatePerSlot(t, creates, created, end)
	// The TTL still deletes every run's Job once its slot is recorded.
	waitFor(t, func() bool {
		jobs, err := cs.BatchV1().Jobs("default").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false
		}
		for _, j := range jobs.Items {
			if slot, ok := slotOf(j.Name); ok && !slot.After(end) {
				return false
			}
		}
		return true
	}, "the TTL to delete every Job up to the last checked slot")
}

// jobCreatesInEtcd counts, per Job name in namespace default, how many
// times etcd saw the key created, over its whole history (the test's
// servers compact it only every five minutes). It reads a watch from
// revision 1 until a progress notification says the watch has caught up
// with the revision current when it started.
func jobCreatesInEtcd(t *testing.T, url string) map[string]int {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{url}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	prefix := "/registry/jobs/default/"
	now, err := cli.Get(ctx, prefix, clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		t.Fatal(err)
	}
	ticker := time.NewTicker(200 * time.Millisecond)
	defer ticker.Stop()
	watch := cli.Watch(ctx, prefix, clientv3.WithPrefix(), clientv3.WithRev(1))
	creates := map[string]int{}
	for {
		select {
		case <-ticker.C:
			// Answered on the watch's own stream (same context) once it
			// has sent all history.
			_ = cli.RequestProgress(ctx)
		case resp, ok := <-watch:
			if !ok || resp.Err() != nil {
				t.Fatalf("reading etcd's history: closed=%v %v", !ok, resp.Err())
			}
			for _, ev := range resp.Events {
				if ev.IsCreate() {
					creates[path.Base(string(ev.Kv.Key))]++
				}
			}
			if resp.IsProgressNotify() && resp.Header.Revision >= now.Header.Revision {
				return creates
			}
		}
	}
}

// slotOf parses the slot out of a Job name <cronjob>-<unix seconds>.
func slotOf(job string) (time.Time, bool) {
	i := strings.LastIndex(job, "-")
	sec, err := strconv.ParseInt(job[i+1:], 10, 64)
	if i < 0 || err != nil {
		return time.Time{}, false
	}
	return time.Unix(sec, 0), true
}

// checkOneCreatePerSlot: for each CronJob, every whole second after its
// creation up to end had its Job created exactly once.
func checkOneCreatePerSlot(t *testing.T, creates map[string]int, created map[string]time.Time, end time.Time) {
	t.Helper()
	total := checkSlotCounts(t, created, end, func(name string, slot time.Time) int {
		return creates[fmt.Sprintf("%s-%d", name, slot.Unix())]
	})
	t.Logf("%d CronJobs, %d slots checked, %d Job keys created in etcd", len(created), total, len(creates))
	if total < ttlCronJobs*10 {
		t.Fatalf("only %d slots checked; the test ran too briefly to mean anything", total)
	}
}
