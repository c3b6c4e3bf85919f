package machines

import (
	"fmt"
	"os"
	"regexp"
	"syscall"

	"github.com/ordo-dev/ordo/internal/hostclaim"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// labName matches a lab's bridge (olab<port>), host veths (olab<port>vN)
// and network namespaces (olab<port>-<machine>); the first group is the
// lab ID.
var labName = regexp.MustCompile(`^(olab[0-9]+)(v[0-9]+|-[a-z0-9-]+)?$`)

// bridgeClaim is the claim a lab holds on its ID while any of it exists.
func bridgeClaim(id string) hostclaim.Resource {
	return hostclaim.Resource{What: "test lab bridge", Name: id, Flag: "(another lab ID)"}
}

// sweepStale removes what labs of processes that died without closing
// them (a test binary killed) left: links and network namespaces whose lab
// ID nobody claims any more, and the processes still in those namespaces
// (pod shims outlive ordo by design). A live lab holds its claim from
// before it makes anything until after it removed everything, so a lab
// being made or closed is never touched.
func sweepStale() {
	for id, names := range labNames() {
		claims, err := hostclaim.Take(hostclaim.DefaultDir(), fmt.Sprintf("sweep of a stale test lab, pid %d", os.Getpid()),
			[]hostclaim.Resource{bridgeClaim(id)})
		if err != nil {
			continue // held: a live lab's
		}
		for _, name := range names {
			removeStale(name)
		}
		claims.Release()
	}
}

// labNames lists, by lab ID, the host's links and network namespaces
// named after a lab.
func labNames() map[string][]string {
	ids := map[string][]string{}
	links, _ := netlink.LinkList()
	for _, l := range links {
		if m := labName.FindStringSubmatch(l.Attrs().Name); m != nil {
			ids[m[1]] = append(ids[m[1]], "link "+l.Attrs().Name)
		}
	}
	entries, _ := os.ReadDir("/run/netns")
	for _, e := range entries {
		if m := labName.FindStringSubmatch(e.Name()); m != nil && m[2] != "" && m[2][0] == '-' {
			ids[m[1]] = append(ids[m[1]], "netns "+e.Name())
		}
	}
	return ids
}

// removeStale deletes a stale link, or kills the processes of a stale
// network namespace and deletes it.
func removeStale(what string) {
	var kind, name string
	fmt.Sscan(what, &kind, &name)
	if kind == "link" {
		if link, err := netlink.LinkByName(name); err == nil {
			_ = netlink.LinkDel(link)
		}
		return
	}
	if st, err := os.Stat(netnsPath(name)); err == nil {
		ns := fmt.Sprintf("net:[%d]", st.Sys().(*syscall.Stat_t).Ino)
		for _, pid := range processesIn(map[string]bool{ns: true}) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	_ = netns.DeleteNamed(name)
}
