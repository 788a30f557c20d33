#!/bin/sh
# Debian/RPM pre-install: the unprivileged system user the judged units run as.
set -e
if ! getent passwd judge >/dev/null; then
	useradd --system --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin --user-group judge
fi
