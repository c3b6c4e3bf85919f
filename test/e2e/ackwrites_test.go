package e2e

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Shape of TestAcknowledgedWritesSurviveServerKills: writers, the objects
// each owns, and how long they write while servers are killed.
const (
	ackWriters       = 6
	ackObjectsPerW   = 8
	ackWriteDuration = 50 * time.Second
)

// TestAcknowledgedWritesSurviveServerKills is issue 27's "an acknowledged
// write is never lost when a server is killed": on 3 servers of one
// embedded etcd cluster, writers create and update ConfigMaps through the
// API of random servers while the test kills a random server with -9 at
// random moments and restarts it (one at a time, so quorum holds). Each
// ConfigMap belongs to one writer, whose values count up; afterwards
// every acknowledged create must exist, every object must hold its
// writer's last acknowledged value or a later one it attempted, and no
// object may exist that was never attempted. The seed is logged;
// ORDO_ACK_SEED=N replays its choices.
func TestAcknowledgedWritesSurviveServerKills(t *testing.T) {
	t.Parallel()
	seed := time.Now().UnixNano()
	if s := os.Getenv("ORDO_ACK_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseInt(s, 10, 64); err != nil {
			t.Fatalf("ORDO_ACK_SEED: %v", err)
		}
	}
	t.Logf("seed %d (ORDO_ACK_SEED=%d replays it)", seed, seed)
	l := startServerLab(t, 3, "--no-agent")
	var clients []kubernetes.Interface
	for _, m := range l.servers {
		clients = append(clients, l.client(m))
	}

	ctx, cancel := context.WithTimeout(context.Background(), ackWriteDuration)
	defer cancel()
	writers := make([]*ackWriter, ackWriters)
	var wg sync.WaitGroup
	for w := range writers {
		writers[w] = &ackWriter{id: w, rng: rand.New(rand.NewSource(seed + int64(w) + 1)), clients: clients, objects: map[string]*ackObject{}}
		wg.Add(1)
		go func() { defer wg.Done(); writers[w].run(ctx) }()
	}
	kills := killServersAtRandom(ctx, t, l, rand.New(rand.NewSource(seed)))
	wg.Wait()

	cs := l.client(l.live()[0])
	acked, attempted := checkAcknowledged(t, cs, writers)
	t.Logf("figures: %d writes attempted, %d acknowledged, %d kills -9 of servers", attempted, acked, kills)
	if kills == 0 || acked == 0 {
		t.Fatalf("%d kills and %d acknowledged writes: the test tested nothing", kills, acked)
	}
}

// ackWriter writes to its own ConfigMaps ("w<id>-<n>"), through a random
// server per request, recording what it attempted and what was
// acknowledged.
type ackWriter struct {
	id      int
	rng     *rand.Rand
	clients []kubernetes.Interface
	objects map[string]*ackObject
	// writes attempted and acks received, for the figures.
	writes, acks int
}

// ackObject is one ConfigMap's history as its writer saw it: values are
// the writer's sequence numbers, ascending.
type ackObject struct {
	attempted map[int]bool
	// created: a create or an update was acknowledged; lastAcked is the
	// newest acknowledged value.
	created   bool
	lastAcked int
}

func (w *ackWriter) run(ctx context.Context) {
	for seq := 1; ctx.Err() == nil; seq++ {
		name := fmt.Sprintf("w%d-%d", w.id, w.rng.Intn(ackObjectsPerW))
		o := w.objects[name]
		if o == nil {
			o = &ackObject{attempted: map[int]bool{}}
			w.objects[name] = o
		}
		cs := w.clients[w.rng.Intn(len(w.clients))]
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"ackwrites": "yes"}},
			Data: map[string]string{"seq": strconv.Itoa(seq)}}
		o.attempted[seq] = true
		w.writes++
		rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var err error
		if o.created {
			_, err = cs.CoreV1().ConfigMaps("default").Update(rctx, cm, metav1.UpdateOptions{})
		} else {
			_, err = cs.CoreV1().ConfigMaps("default").Create(rctx, cm, metav1.CreateOptions{})
		}
		cancel()
		if err == nil {
			o.created, o.lastAcked = true, seq
			w.acks++
		}
		time.Sleep(time.Duration(w.rng.Intn(20)) * time.Millisecond)
	}
}

// killServersAtRandom kills a random server with -9 every 3 to 8 s until
// ctx ends, restarting it 0.5 to 3 s later (and before the next kill), and
// returns how many kills it made.
func killServersAtRandom(ctx context.Context, t *testing.T, l *serverLab, rng *rand.Rand) int {
	t.Helper()
	kills := 0
	for {
		select {
		case <-ctx.Done():
			return kills
		case <-time.After(time.Duration(3000+rng.Intn(5000)) * time.Millisecond):
		}
		m := l.servers[rng.Intn(len(l.servers))]
		t.Logf("kill -9 of %s", m.NodeName)
		m.Kill9()
		kills++
		time.Sleep(time.Duration(500+rng.Intn(2500)) * time.Millisecond)
		if err := m.Server.Restart(); err != nil {
			t.Fatal(err)
		}
	}
}

// checkAcknowledged compares the ConfigMaps the servers hold with what the
// writers attempted and had acknowledged; it returns the counts.
func checkAcknowledged(t *testing.T, cs kubernetes.Interface, writers []*ackWriter) (acked, attempted int) {
	t.Helper()
	list, err := cs.CoreV1().ConfigMaps("default").List(context.Background(), metav1.ListOptions{LabelSelector: "ackwrites=yes"})
	if err != nil {
		t.Fatal(err)
	}
	held := map[string]int{}
	for _, cm := range list.Items {
		seq, err := strconv.Atoi(cm.Data["seq"])
		if err != nil {
			t.Errorf("configmap %s holds %q", cm.Name, cm.Data["seq"])
		}
		held[cm.Name] = seq
	}
	for _, w := range writers {
		attempted, acked = attempted+w.writes, acked+w.acks
		for name, o := range w.objects {
			seq, ok := held[name]
			delete(held, name)
			switch {
			case !ok && o.created:
				t.Errorf("configmap %s: acknowledged (last value %d) but lost", name, o.lastAcked)
			case !ok:
			case !o.attempted[seq]:
				t.Errorf("configmap %s holds %d, a value its writer never attempted", name, seq)
			case seq < o.lastAcked:
				t.Errorf("configmap %s holds %d, older than the acknowledged %d", name, seq, o.lastAcked)
			}
		}
	}
	for name := range held {
		t.Errorf("configmap %s exists but was never attempted", name)
	}
	return acked, attempted
}
