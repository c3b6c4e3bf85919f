#!/bin/sh
# ordo's stand-in for the official redis image's docker-entrypoint.sh,
# running the host's redis-server. As the image does:
#   - options or a .conf file first mean "redis-server with these
#     arguments";
#   - as root, the working directory (the image's /data) and what is in
#     it are handed to the redis user, and the script goes on as that user;
#   - protected mode is off unless a configuration file given first sets
#     it: the image builds redis with it off, since a container's port is
#     reachable only where it is published (here, by the pod's Services),
#     and with it on every client from another pod gets "DENIED Redis is
#     running in protected mode";
#   - a umask of 0022 becomes 0077.
set -eu
case "${1:-}" in -* | *.conf) set -- redis-server "$@" ;; esac
[ "${1:-}" = redis-server ] || exec "$@"

if [ "$(id -u)" = 0 ]; then
	# Never from /: that would take the host's whole tree into the
	# container's writable layer.
	[ "$PWD" = / ] || find . ! -user redis -exec chown redis '{}' +
	exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi

shift
if [ -f "${1:-}" ]; then
	conf=$1
	shift
	if grep -Eq '^[[:space:]]*protected-mode[[:space:]]' "$conf"; then
		set -- "$conf" "$@"
	else
		set -- "$conf" --protected-mode no "$@"
	fi
else
	set -- --protected-mode no "$@"
fi
[ "$(umask)" != 0022 ] || umask 0077
exec redis-server "$@"
