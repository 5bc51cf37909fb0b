#!/usr/bin/env bash
# Make sure the local PostgreSQL (127.0.0.1:5432) and MariaDB (127.0.0.1:3306) servers run.
# They are preinstalled on the project's machines; this only starts them when stopped.
set -u
pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
my_up() { mariadb-admin -h 127.0.0.1 -uroot ping >/dev/null 2>&1 || mysqladmin -h 127.0.0.1 -uroot ping >/dev/null 2>&1; }

if ! pg_up && command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "Starting PostgreSQL..."
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
if ! my_up && [ -x /usr/sbin/mariadbd ]; then
  echo "Starting MariaDB..."
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
fi
for _ in $(seq 1 30); do pg_up && my_up && break; sleep 1; done
pg_up || echo "warning: PostgreSQL is not reachable on 127.0.0.1:5432; database tests will fail" >&2
my_up || echo "warning: MariaDB is not reachable on 127.0.0.1:3306; database tests will fail" >&2
exit 0
