package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

// spec is what the summary needs of one It of the suite.
type spec struct {
	name    string
	state   types.SpecState
	seconds float64
	failure string
}

// readReport reads the [Conformance] Its of a ginkgo --json-report.
func readReport(path string) ([]spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var reports []types.Report
	if err := json.Unmarshal(data, &reports); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	var specs []spec
	for _, r := range reports {
		for _, s := range r.SpecReports {
			if s.LeafNodeType != types.NodeTypeIt || !strings.Contains(s.FullText(), "[Conformance]") {
				continue
			}
			specs = append(specs, spec{name: s.FullText(), state: s.State, seconds: s.RunTime.Seconds(), failure: firstLine(s.Failure.Message)})
		}
	}
	return specs, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// summarize prints skips by reason, unexpected results and the final
// "N passed, N failed, N skipped" line. It fails when a test off the list
// failed, or when a list entry names no test of the suite (a renamed test
// or a typo would otherwise skip nothing and go unnoticed).
func summarize(w io.Writer, list skipList, specs []spec) error {
	var passed, failed, skipped int
	byReason := map[string]int{}
	used := map[int]bool{}
	var surprises []string
	for _, s := range specs {
		e, listed := list.match(s.name)
		if listed {
			used[e.line] = true
		}
		switch {
		case s.state == types.SpecStatePassed:
			passed++
			if listed {
				fmt.Fprintf(w, "passed although listed (line %d), take it off the list: %s\n", e.line, s.name)
			}
		case s.state == types.SpecStateSkipped && listed:
			skipped++
			byReason[e.reason]++
		case s.state == types.SpecStateSkipped:
			skipped++
			byReason["skipped by the suite itself (not on the list)"]++
		default:
			failed++
			surprises = append(surprises, fmt.Sprintf("%s (%.0fs): %s\n    %s", s.state, s.seconds, s.name, s.failure))
		}
	}
	printReasons(w, byReason)
	for _, e := range list {
		if !used[e.line] {
			surprises = append(surprises, fmt.Sprintf("skip list line %d matches no [Conformance] test: %s", e.line, e.name))
		}
	}
	for _, s := range surprises {
		fmt.Fprintln(w, "NOT ON THE SKIP LIST:", s)
	}
	fmt.Fprintf(w, "%d passed, %d failed, %d skipped\n", passed, failed, skipped)
	if len(surprises) > 0 {
		return fmt.Errorf("%d results the skip list does not account for", len(surprises))
	}
	return nil
}

func printReasons(w io.Writer, byReason map[string]int) {
	reasons := make([]string, 0, len(byReason))
	for r := range byReason {
		reasons = append(reasons, r)
	}
	sort.Slice(reasons, func(i, j int) bool { return byReason[reasons[i]] > byReason[reasons[j]] })
	fmt.Fprintln(w, "Skipped, by reason:")
	for _, r := range reasons {
		fmt.Fprintf(w, "%5d  %s\n", byReason[r], r)
	}
}
