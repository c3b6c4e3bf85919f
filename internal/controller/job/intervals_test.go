package job

import "testing"

func TestIntervalsParseAndString(t *testing.T) {
	cases := []struct {
		in          string
		completions int
		want        string
		total       int
	}{
		{"", 10, "", 0},
		{"0", 10, "0", 1},
		{"1,3-5,7", 10, "1,3-5,7", 5},
		{"3,4", 10, "3,4", 2},       // a pair is written with a comma
		{"3-4", 10, "3,4", 2},       // and read either way
		{"0-2,3,4-6", 10, "0-6", 7}, // touching ranges join
		{"5-9,1", 10, "1,5-9", 6},   // order restored
		{"1-3,2-6", 10, "1-6", 6},   // overlaps merged
		{"2-12,15", 10, "2-9", 8},   // beyond completions cut
		{"x,1,5-y,7", 10, "1,7", 2}, // corrupted parts skipped
		{"-1,4-2,3", 10, "3", 1},    // negative and reversed skipped
	}
	for _, c := range cases {
		iv := parseIntervals(c.in, c.completions)
		if got := iv.String(); got != c.want || iv.total() != c.total {
			t.Errorf("parse(%q, %d) = %q (total %d), want %q (%d)", c.in, c.completions, got, iv.total(), c.want, c.total)
		}
	}
}

func TestIntervalsHasMergeWithIndexes(t *testing.T) {
	iv := parseIntervals("1,3-5,9", 100)
	for ix, want := range map[int]bool{0: false, 1: true, 2: false, 3: true, 5: true, 6: false, 9: true, 10: false} {
		if iv.has(ix) != want {
			t.Errorf("has(%d) = %v", ix, !want)
		}
	}
	if got := iv.withIndexes([]int{0, 2, 6, 7, 20}).String(); got != "0-7,9,20" {
		t.Errorf("withIndexes = %q", got)
	}
	if got := iv.merge(parseIntervals("4-12", 100)).String(); got != "1,3-12" {
		t.Errorf("merge = %q", got)
	}
	if got := intervals(nil).withIndexes(nil).String(); got != "" {
		t.Errorf("empty = %q", got)
	}
	if iv.String() != "1,3-5,9" {
		t.Errorf("merging changed the receiver: %q", iv)
	}
}
