package agent

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// imageUser is who a container on an image's root runs as, as containerd
// decides it from the image's USER and the container's runAsUser and
// runAsGroup:
//
//   - the user: runAsUser, else USER's user part (a number, or a name
//     looked up in the image's /etc/passwd), else root;
//   - the group: runAsGroup, else USER's group part (when runAsUser does
//     not replace the user), else the user's passwd entry's group, else 0;
//   - extra groups: the groups of the image's /etc/group that list the
//     user's name.
type imageUser struct {
	uid, gid int64
	extra    []int64
	// name is USER's user part when it is a name (runAsNonRoot cannot
	// check a name), "" otherwise.
	name string
}

// userFiles are the image's /etc/passwd and /etc/group (nil when absent).
type userFiles struct{ passwd, group []byte }

// resolveImageUser applies the rules above; an unknown user or group name
// fails the start with runc's wording.
func resolveImageUser(user string, files userFiles, runAsUser, runAsGroup *int64) (imageUser, error) {
	userPart, groupPart, _ := strings.Cut(user, ":")
	var u imageUser
	var entry *passwdEntry
	switch {
	case runAsUser != nil:
		u.uid = *runAsUser
		entry = findPasswd(files.passwd, func(e passwdEntry) bool { return e.uid == u.uid })
	case userPart == "":
	case isNumber(userPart):
		u.uid, _ = strconv.ParseInt(userPart, 10, 64)
		entry = findPasswd(files.passwd, func(e passwdEntry) bool { return e.uid == u.uid })
	default:
		u.name = userPart
		entry = findPasswd(files.passwd, func(e passwdEntry) bool { return e.name == userPart })
		if entry == nil {
			return imageUser{}, fmt.Errorf("unable to find user %s: no matching entries in passwd file", userPart)
		}
		u.uid = entry.uid
	}
	switch {
	case runAsGroup != nil:
		u.gid = *runAsGroup
	case groupPart != "" && runAsUser == nil:
		gid, err := groupID(groupPart, files.group)
		if err != nil {
			return imageUser{}, err
		}
		u.gid = gid
	case entry != nil:
		u.gid = entry.gid
	}
	if entry != nil {
		u.extra = memberOf(files.group, entry.name, u.gid)
	}
	return u, nil
}

type passwdEntry struct {
	name     string
	uid, gid int64
	home     string
}

// findPasswd is the first passwd line (name:x:uid:gid:gecos:home:shell)
// that match accepts.
func findPasswd(passwd []byte, match func(passwdEntry) bool) *passwdEntry {
	sc := bufio.NewScanner(bytes.NewReader(passwd))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) < 4 {
			continue
		}
		uid, err1 := strconv.ParseInt(f[2], 10, 64)
		gid, err2 := strconv.ParseInt(f[3], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		e := passwdEntry{name: f[0], uid: uid, gid: gid}
		if len(f) >= 6 {
			e.home = f[5]
		}
		if match(e) {
			return &e
		}
	}
	return nil
}

// groupID is a group given as a number or a name of the image's
// /etc/group.
func groupID(group string, groups []byte) (int64, error) {
	if isNumber(group) {
		return strconv.ParseInt(group, 10, 64)
	}
	var found *int64
	eachGroup(groups, func(name string, gid int64, _ []string) {
		if found == nil && name == group {
			found = &gid
		}
	})
	if found == nil {
		return 0, fmt.Errorf("unable to find group %s: no matching entries in group file", group)
	}
	return *found, nil
}

// memberOf is the gids of the groups (name:x:gid:user,user) listing user,
// other than primary.
func memberOf(groups []byte, user string, primary int64) []int64 {
	var out []int64
	eachGroup(groups, func(_ string, gid int64, members []string) {
		for _, m := range members {
			if m == user && gid != primary {
				out = append(out, gid)
				return
			}
		}
	})
	return out
}

func eachGroup(groups []byte, f func(name string, gid int64, members []string)) {
	sc := bufio.NewScanner(bytes.NewReader(groups))
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) < 3 {
			continue
		}
		gid, err := strconv.ParseInt(fields[2], 10, 64)
		if err != nil {
			continue
		}
		var members []string
		if len(fields) >= 4 && fields[3] != "" {
			members = strings.Split(fields[3], ",")
		}
		f(fields[0], gid, members)
	}
}

func isNumber(s string) bool {
	_, err := strconv.ParseUint(s, 10, 32)
	return err == nil
}

// homeOf is uid's home directory in passwd, or "/" (as runc sets HOME for
// a user with no entry).
func homeOf(passwd []byte, uid int64) string {
	if e := findPasswd(passwd, func(e passwdEntry) bool { return e.uid == uid }); e != nil && e.home != "" {
		return e.home
	}
	return "/"
}

// imageNonRootViolation is runAsNonRoot's check for a container on an
// image's root, where the user may come from the image: a name cannot be
// checked, as the kubelet refuses it.
func imageNonRootViolation(p *corev1.Pod, c *corev1.Container, u imageUser, runAsUser *int64) error {
	if runAsUser != nil || u.name == "" {
		uid := u.uid
		return nonRootViolation(p, c, &uid, runAsUser != nil)
	}
	if !runAsNonRoot(p, c) {
		return nil
	}
	return fmt.Errorf("container has runAsNonRoot and image has non-numeric user (%s), cannot verify user is non-root %s", u.name, podWho(p, c))
}
