package e2e

import (
	"context"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordo-dev/ordo/internal/cron"
	"github.com/ordo-dev/ordo/internal/testcluster"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// crashCronJobs is how many CronJobs fire every second during the crash test.
const crashCronJobs = 20

// TestCronJobsExactlyOnceAcrossKill9 runs 20 CronJobs that fire every
// second, kills the server with SIGKILL at random moments and restarts it,
// then proves from the Jobs that exist that every slot inside
// startingDeadlineSeconds ran exactly once: one Job per slot, none missing,
// none extra. The Jobs are created suspended, so no pods are involved: this
// is the CronJob controller's guarantee alone.
// Not parallel: requires every slot up to 2 s ago to have its Job 3 s after the last kill -9 restart, a wall-clock deadline CPU contention would break.
func TestCronJobsExactlyOnceAcrossKill9(t *testing.T) {
	c := testcluster.StartT(t, "--no-agent")
	cs, err := c.Clientset()
	if err != nil {
		t.Fatal(err)
	}
	created := createEverySecondCronJobs(t, cs, "tick", crashCronJobs, nil)
	killAtRandom(t, c.Server, 4)
	// Let the last restart catch up, then stop the clock on the test: every
	// slot up to end must have its Job.
	time.Sleep(3 * time.Second)
	end := time.Now().Add(-2 * time.Second).Truncate(time.Second)
	checkOneJobPerSlot(t, cs, created, end)
}

// createEverySecondCronJobs creates n CronJobs named prefix-NN from
// everySecondCronJob, changed by edit when given, and returns their
// creation times by name.
func createEverySecondCronJobs(t *testing.T, cs kubernetes.Interface, prefix string, n int, edit func(*batchv1.CronJob)) map[string]time.Time {
	t.Helper()
	created := map[string]time.Time{}
	for i := 0; i < n; i++ {
		cj := everySecondCronJob(fmt.Sprintf("%s-%02d", prefix, i))
		if edit != nil {
			edit(cj)
		}
		got, err := cs.BatchV1().CronJobs("default").Create(context.Background(), cj, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		created[got.Name] = got.CreationTimestamp.Time
	}
	return created
}

// killAtRandom kills srv with SIGKILL rounds times, 1.5 to 4.5 s apart,
// and restarts it after up to 1.5 s; the seed is logged to replay a run.
func killAtRandom(t *testing.T, srv *testcluster.Server, rounds int) {
	t.Helper()
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewSource(seed))
	t.Logf("kill schedule seed %d", seed)
	for round := 0; round < rounds; round++ {
		time.Sleep(time.Duration(1500+rng.Intn(3000)) * time.Millisecond)
		srv.Kill9()
		time.Sleep(time.Duration(rng.Intn(1500)) * time.Millisecond)
		if err := srv.Restart(); err != nil {
			t.Fatal(err)
		}
	}
}

func everySecondCronJob(name string) *batchv1.CronJob {
	return &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{cron.CatchUpAnnotation: string(cron.CatchUpAll)}},
		Spec: batchv1.CronJobSpec{
			Schedule:                "* * * * * *",
			StartingDeadlineSeconds: ptr.To[int64](30),
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
				Suspend: ptr.To(true),
				Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
					RestartPolicy: corev1.RestartPolicyNever,
					Containers:    []corev1.Container{{Name: "c", Image: "busybox", Command: []string{"true"}}},
				}},
			}},
		},
	}
}

// checkOneJobPerSlot lists the Jobs and checks, per CronJob, that the
// slots (whole seconds after its creation, up to end) and the Jobs'
// scheduled times match one to one.
func checkOneJobPerSlot(t *testing.T, cs kubernetes.Interface, created map[string]time.Time, end time.Time) {
	t.Helper()
	jobs, err := cs.BatchV1().Jobs("default").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]map[int64]int{}
	for _, j := range jobs.Items {
		owner := metav1.GetControllerOf(&j)
		if owner == nil {
			t.Fatalf("job %s has no controller", j.Name)
		}
		slot, err := time.Parse(time.RFC3339, j.Annotations[batchv1.CronJobScheduledTimestampAnnotation])
		if err != nil {
			t.Fatalf("job %s: scheduled timestamp: %v", j.Name, err)
		}
		if want := owner.Name + "-" + strconv.FormatInt(slot.Unix(), 10); j.Name != want {
			t.Fatalf("job %s is named for another slot than its annotation (%s)", j.Name, want)
		}
		if seen[owner.Name] == nil {
			seen[owner.Name] = map[int64]int{}
		}
		seen[owner.Name][slot.Unix()]++
	}
	total := checkSlotCounts(t, created, end, func(name string, slot time.Time) int { return seen[name][slot.Unix()] })
	t.Logf("%d CronJobs, %d slots checked, %d Jobs", len(created), total, len(jobs.Items))
	if total < crashCronJobs*10 {
		t.Fatalf("only %d slots checked; the test ran too briefly to mean anything", total)
	}
}

// checkSlotCounts checks that each CronJob's every whole second after its
// creation, up to end, ran exactly once by runs(cronJob, slot), and
// returns how many slots it checked.
func checkSlotCounts(t *testing.T, created map[string]time.Time, end time.Time, runs func(name string, slot time.Time) int) int {
	t.Helper()
	total := 0
	for name, since := range created {
		var missing []string
		for s := since.Truncate(time.Second).Add(time.Second); !s.After(end); s = s.Add(time.Second) {
			total++
			switch n := runs(name, s); n {
			case 1:
			case 0:
				missing = append(missing, s.Format("15:04:05"))
			default:
				t.Errorf("%s: slot %s ran %d times", name, s.Format(time.RFC3339), n)
			}
		}
		if len(missing) > 0 {
			t.Errorf("%s: %d slots never ran: %s", name, len(missing), strings.Join(missing, " "))
		}
	}
	return total
}
