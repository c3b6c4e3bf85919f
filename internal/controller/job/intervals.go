package job

import (
	"sort"
	"strconv"
	"strings"
)

// interval is a closed range of completion indexes.
type interval struct{ first, last int }

// intervals is a set of completion indexes as sorted, disjoint ranges with
// gaps between them: the form of status.completedIndexes and
// status.failedIndexes, which must stay small for Jobs of thousands of
// indexes ("0-999,1001").
type intervals []interval

// parseIntervals reads a status string such as "1,3-5,7". Indexes at or
// above completions are dropped (an elastic Job may have shrunk) and parts
// that are not numbers are skipped, as Kubernetes does: the status is ours,
// but a corrupted part must not stop the Job.
func parseIntervals(s string, completions int) intervals {
	if s == "" {
		return nil
	}
	var out intervals
	for _, part := range strings.Split(s, ",") {
		lo, hi, ok := parseRange(part)
		if !ok || lo >= completions {
			continue
		}
		out = append(out, interval{lo, min(hi, completions-1)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].first < out[j].first })
	return intervals(nil).merge(out)
}

func parseRange(part string) (lo, hi int, ok bool) {
	a, b, isRange := strings.Cut(part, "-")
	lo, err := strconv.Atoi(a)
	if err != nil || lo < 0 {
		return 0, 0, false
	}
	if !isRange {
		return lo, lo, true
	}
	hi, err = strconv.Atoi(b)
	if err != nil || hi < lo {
		return 0, 0, false
	}
	return lo, hi, true
}

// String writes the compressed form. A range of two is written "3,4", not
// "3-4", as Kubernetes does; clients parse both.
func (iv intervals) String() string {
	var b strings.Builder
	for _, r := range iv {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(r.first))
		switch {
		case r.last == r.first+1:
			b.WriteByte(',')
			b.WriteString(strconv.Itoa(r.last))
		case r.last > r.first:
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(r.last))
		}
	}
	return b.String()
}

// has reports whether index ix is in the set (binary search).
func (iv intervals) has(ix int) bool {
	i := sort.Search(len(iv), func(i int) bool { return iv[i].last >= ix })
	return i < len(iv) && iv[i].first <= ix
}

// total is the number of indexes in the set.
func (iv intervals) total() int {
	n := 0
	for _, r := range iv {
		n += r.last - r.first + 1
	}
	return n
}

// merge returns the union of two sorted sets, joining ranges that touch.
func (iv intervals) merge(other intervals) intervals {
	out := make(intervals, 0, len(iv)+len(other))
	add := func(r interval) {
		if n := len(out); n > 0 && r.first <= out[n-1].last+1 {
			out[n-1].last = max(out[n-1].last, r.last)
			return
		}
		out = append(out, r)
	}
	i, j := 0, 0
	for i < len(iv) || j < len(other) {
		if j == len(other) || (i < len(iv) && iv[i].first < other[j].first) {
			add(iv[i])
			i++
		} else {
			add(other[j])
			j++
		}
	}
	return out
}

// withIndexes adds indexes, given in increasing order.
func (iv intervals) withIndexes(sorted []int) intervals {
	if len(sorted) == 0 {
		return iv
	}
	add := make(intervals, len(sorted))
	for i, ix := range sorted {
		add[i] = interval{ix, ix}
	}
	return iv.merge(add)
}
