package e2e

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"time"
)

// Memory watchdog of the test binary. A CI run once ended with the kernel's
// OOM killer taking this process at 23 GB with no clue to what held it.
// Past reportHeap it prints the largest in-use allocation sites (so the
// run's log names the culprit); past abortHeap it dumps every goroutine
// and exits, before the machine runs out of memory for everything else.
const (
	reportHeap = 2 << 30
	abortHeap  = 8 << 30
)

// watchMemory samples the heap every few seconds until the process ends.
func watchMemory(w io.Writer) {
	next := uint64(reportHeap)
	for range time.Tick(3 * time.Second) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if ms.HeapInuse < next {
			continue
		}
		fmt.Fprintf(w, "memwatch: the test binary holds %d MiB of heap (%d goroutines); largest in-use allocation sites:\n", ms.HeapInuse>>20, runtime.NumGoroutine())
		printTopAllocations(w, 8)
		if ms.HeapInuse >= abortHeap {
			fmt.Fprintf(w, "memwatch: over %d MiB: goroutines follow, then exit\n", abortHeap>>20)
			_ = pprof.Lookup("goroutine").WriteTo(w, 1)
			os.Exit(2)
		}
		next *= 2
	}
}

// printTopAllocations prints the n allocation stacks holding the most
// in-use bytes, from the runtime's sampled memory profile.
func printTopAllocations(w io.Writer, n int) {
	var recs []runtime.MemProfileRecord
	for {
		size, ok := runtime.MemProfile(nil, false)
		recs = make([]runtime.MemProfileRecord, size+50)
		if size, ok = runtime.MemProfile(recs, false); ok {
			recs = recs[:size]
			break
		}
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].InUseBytes() > recs[j].InUseBytes() })
	for _, r := range recs[:min(n, len(recs))] {
		fmt.Fprintf(w, "  %d MiB in %d objects:\n", r.InUseBytes()>>20, r.InUseObjects())
		frames := runtime.CallersFrames(r.Stack())
		for i := 0; i < 12; i++ {
			f, more := frames.Next()
			fmt.Fprintf(w, "    %s (%s:%d)\n", f.Function, f.File, f.Line)
			if !more {
				break
			}
		}
	}
}
