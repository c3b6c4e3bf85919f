#!/bin/sh
# ordo's stand-in for the official postgres image's docker-entrypoint.sh,
# running the host's PostgreSQL server. What it does, as the image does:
#   - options first ("-c ...") mean "postgres with these options";
#   - as root: PGDATA and the socket directory are handed to the postgres
#     user, and the script goes on as that user;
#   - an empty PGDATA is initialised: initdb as POSTGRES_USER (default
#     postgres) with POSTGRES_PASSWORD (required unless
#     POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_DB created, the scripts
#     of /docker-entrypoint-initdb.d run (*.sh executed or sourced, *.sql
#     and *.sql.gz through psql) against a server listening on the socket
#     only, and remote hosts allowed with POSTGRES_HOST_AUTH_METHOD
#     (default scram-sha-256);
#   - then the server runs in the foreground as PID of the container.
set -eu
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ]; then
	echo "ordo postgres entrypoint: no PostgreSQL server under /usr/lib/postgresql on this host (install the postgresql package)" >&2
	exit 127
fi
PATH="$bindir:$PATH"
export PATH
case "${1:-}" in -*) set -- postgres "$@" ;; esac
[ "${1:-}" = postgres ] || exec "$@"

PGDATA=${PGDATA:-/var/lib/postgresql/data}
export PGDATA
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	find "$PGDATA" ! -user postgres -exec chown postgres:postgres '{}' +
	chmod 700 "$PGDATA"
	chown postgres:postgres /var/run/postgresql
	chmod 2777 /var/run/postgresql
	exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

# PostgreSQL refuses a data directory the group may write, which an
# fsGroup (or a restore) can leave: the image tightens it at every start.
mkdir -p "$PGDATA"
chmod 700 "$PGDATA" 2>/dev/null || :
if [ ! -s "$PGDATA/PG_VERSION" ]; then
	user=${POSTGRES_USER:-postgres}
	db=${POSTGRES_DB:-$user}
	auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
	if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
		cat >&2 <<-'MSG'
		Error: Database is uninitialized and superuser password is not specified.
		       You must specify POSTGRES_PASSWORD to a non-empty value for the
		       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".
		MSG
		exit 1
	fi
	pwfile=$(mktemp)
	printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
	# shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of options
	initdb --username="$user" --pwfile="$pwfile" ${POSTGRES_INITDB_ARGS:-} -D "$PGDATA"
	rm -f "$pwfile"
	printf '\nhost all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"
	# The image's sample configuration listens on every address.
	printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
	pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=/var/run/postgresql" -w start
	psql_init() { psql -v ON_ERROR_STOP=1 --username "$user" --no-password --dbname "$db" "$@"; }
	if [ "$db" != postgres ]; then
		psql -v ON_ERROR_STOP=1 --username "$user" --no-password --dbname postgres \
			-c "CREATE DATABASE \"$db\""
	fi
	for f in /docker-entrypoint-initdb.d/*; do
		case "$f" in
		*.sh)
			if [ -x "$f" ]; then
				echo "$0: running $f"
				"$f"
			else
				echo "$0: sourcing $f"
				# shellcheck disable=SC1090
				. "$f"
			fi
			;;
		*.sql) echo "$0: running $f"; psql_init -f "$f" ;;
		*.sql.gz) echo "$0: running $f"; gunzip -c "$f" | psql_init ;;
		*/\*) ;;
		*) echo "$0: ignoring $f" ;;
		esac
	done
	pg_ctl -D "$PGDATA" -m fast -w stop
	echo
	echo 'PostgreSQL init process complete; ready for start up.'
	echo
fi
exec "$@"
