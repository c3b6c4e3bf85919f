// Command tally reads hack/conformance-skips.txt and a Ginkgo JSON report
// of Kubernetes' e2e suite. It turns the skip list into the --skip regular
// expression of the run, and after the run counts what passed, failed and
// was skipped (by reason), failing when a test not on the list failed or
// when an entry on the list names no test of the suite.
//
//	tally skip-regex SKIPS            print the --skip expression
//	tally report SKIPS REPORT.json    print the summary; exit 1 on surprises
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "tally:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	switch {
	case len(args) == 2 && args[0] == "skip-regex":
		list, err := readSkips(args[1])
		if err != nil {
			return err
		}
		fmt.Println(list.regex())
		return nil
	case len(args) == 3 && args[0] == "report":
		list, err := readSkips(args[1])
		if err != nil {
			return err
		}
		specs, err := readReport(args[2])
		if err != nil {
			return err
		}
		return summarize(os.Stdout, list, specs)
	}
	return fmt.Errorf("usage: tally skip-regex SKIPS | tally report SKIPS REPORT.json")
}
