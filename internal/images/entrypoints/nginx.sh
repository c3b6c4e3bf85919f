#!/bin/sh
# ordo's stand-in for the official nginx image's /docker-entrypoint.sh,
# running the host's nginx on the image's configuration (nginx.conf and
# conf.d/default.conf, copied in by the image table). As the image does,
# when the command is nginx or nginx-debug:
#   - /var/log/nginx/access.log and error.log are links to /dev/stdout
#     and /dev/stderr, so a configuration of your own that logs where the
#     image's does still reaches `kubectl logs`;
#   - the templates of /etc/nginx/templates (*.template) are written to
#     /etc/nginx/conf.d with ${VAR}s of the environment filled in
#     (NGINX_ENVSUBST_TEMPLATE_DIR, _SUFFIX, _OUTPUT_DIR and _FILTER as
#     in the image);
#   - the executable *.sh scripts of /docker-entrypoint.d are run, and its
#     *.envsh sourced, in name order.
# Then the command runs as PID 1 of the container.
set -eu
case "${1:-}" in nginx | nginx-debug) ;; *) exec "$@" ;; esac

say() { [ -n "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ] || echo "$0: $*"; }

if mkdir -p /var/log/nginx 2>/dev/null; then
	ln -sf /dev/stdout /var/log/nginx/access.log 2>/dev/null || :
	ln -sf /dev/stderr /var/log/nginx/error.log 2>/dev/null || :
fi

templates=${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}
suffix=${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}
outdir=${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}
if [ -d "$templates" ]; then
	# Only the variables the environment defines are substituted, so
	# nginx's own $variables stay as they are.
	vars=$(env | cut -d= -f1 | grep -E "${NGINX_ENVSUBST_FILTER:-}" | sed 's/^/$/' | tr '\n' ' ')
	find "$templates" -follow -type f -name "*$suffix" -print | sort | while read -r t; do
		rel=${t#"$templates"/}
		out="$outdir/${rel%"$suffix"}"
		mkdir -p "$(dirname "$out")"
		say "Running envsubst on $t to $out"
		envsubst "$vars" <"$t" >"$out"
	done
fi

if [ -d /docker-entrypoint.d ]; then
	say "Looking for shell scripts in /docker-entrypoint.d/"
	for f in $(find /docker-entrypoint.d/ -follow -type f -print | sort -V); do
		case "$f" in
		*.envsh)
			if [ -x "$f" ]; then
				say "Sourcing $f"
				. "$f"
			else
				say "Ignoring $f, not executable"
			fi
			;;
		*.sh)
			if [ -x "$f" ]; then
				say "Launching $f"
				"$f"
			else
				say "Ignoring $f, not executable"
			fi
			;;
		*) say "Ignoring $f" ;;
		esac
	done
fi
say "Configuration complete; ready for start up"
exec "$@"
