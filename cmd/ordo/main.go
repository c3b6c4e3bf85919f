// Command ordo runs Kubernetes Jobs, CronJobs and StatefulSets on one machine
// or a few: `ordo server` serves the Kubernetes API over embedded etcd, and
// `ordo kubectl` (or the binary invoked as `kubectl`) is the upstream kubectl.
package main

import (
	"fmt"
	"os"

	"github.com/ordo-dev/ordo/internal/buildversion"
	"github.com/ordo-dev/ordo/internal/cli"
)

func main() {
	if err := buildversion.Apply(); err != nil {
		fmt.Fprintf(os.Stderr, "ordo: version unknown: %v\n", err)
	}
	os.Exit(cli.Main(os.Args))
}
