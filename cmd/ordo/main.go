// Command ordo runs Kubernetes Jobs, CronJobs and StatefulSets on one machine
// or a few: `ordo server` serves the Kubernetes API over embedded etcd, and
// `ordo kubectl` (or the binary invoked as `kubectl`) is the upstream kubectl.
package main

import (
	"os"

	"github.com/ordo-dev/ordo/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args))
}
