package agent

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// hostPasswd is the passwd file of a container on the host's root.
const hostPasswd = "/etc/passwd"

// passwdHome is the home directory of uid (nil: the agent's own user, whom
// a container without runAsUser runs as) in the passwd file at path, or "/"
// when the file has no entry for it, as runc sets HOME for a process
// started without one.
func passwdHome(path string, uid *int64) string {
	want := strconv.Itoa(os.Geteuid())
	if uid != nil {
		want = strconv.FormatInt(*uid, 10)
	}
	f, err := os.Open(path)
	if err != nil {
		return "/"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// name:password:uid:gid:gecos:home:shell
		fields := strings.Split(sc.Text(), ":")
		if len(fields) >= 6 && fields[2] == want && fields[5] != "" {
			return fields[5]
		}
	}
	return "/"
}
