// Package images is ordo's image table: what a container whose image ordo
// cannot pull would run, the way an image's ENTRYPOINT, CMD and ENV would
// have it. ordo runs host binaries, so `image: postgres:11.6-alpine` with
// no command means "the host's PostgreSQL server, started as the official
// image starts it".
//
// A table is a list of entries; the first whose pattern matches the
// image's repository (registry, "library/", tag and digest stripped:
// docker.io/library/postgres:11.6-alpine is "postgres") wins. The built-in
// table (builtin.yaml) is read after the user's (a file given with
// --image-table, else <data-dir>/images.yaml when present), so a user
// entry overrides a built-in one for the same image.
//
// The container's argv follows Kubernetes' rules for command and args
// against ENTRYPOINT and CMD:
//
//	command  args   argv
//	-        -      entrypoint + cmd
//	-        yes    entrypoint + args
//	yes      any    command + args (the image's are ignored)
//
// An image in no entry with neither command nor args cannot start
// (CreateContainerError naming the image and the table); with args only,
// its entrypoint is taken as empty and args run as given, as before the
// table existed.
//
// An entry's files are scripts ordo ships (entrypoints/) or host files,
// mounted read-only into the container at the path the image would have
// them (/usr/local/bin/docker-entrypoint.sh), so `kubectl exec` and the
// container's own scripts find them where the image's documentation says.
// An image's own configuration (nginx's nginx.conf, conf.d/default.conf
// and index.html) comes as copies instead, written into the container's
// writable layer at each start, since users and scripts edit them in the
// image; a pod volume mounted over one wins, as over an image's file.
//
// The image's env and working directory apply whatever the container
// runs, as a runtime keeps an image's ENV and WORKDIR when the pod gives
// a command.
package images
