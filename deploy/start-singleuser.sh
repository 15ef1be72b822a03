#!/bin/sh
# Every user's server command (c.Spawner.cmd in deploy/jupyterhub_config.py); runs as the user.
#
# Copies the course's lectures the user does not have yet into ~/lectures, never overwriting a
# file they already have (their notes and edits stay; a lecture added to the course appears at
# their next server start), then starts the course venv's jupyterhub-singleuser with the hub's
# arguments. The shared install is the folder above this script's deploy/ (/opt/course).
set -eu
shared=$(dirname "$(dirname "$(readlink -f "$0")")")
if [ -d "$shared/lectures" ] && [ -n "${HOME:-}" ]; then
  # -n: no overwrite; a copy that fails (quota, disk full) must not stop the server starting
  mkdir -p "$HOME/lectures" && cp -R -n "$shared/lectures/." "$HOME/lectures/" \
    || echo "start-singleuser: could not copy every lecture into $HOME/lectures" >&2
fi
exec "$shared/.venv/bin/jupyterhub-singleuser" "$@"
