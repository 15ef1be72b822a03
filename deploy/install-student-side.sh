#!/usr/bin/env bash
# Install the student side of the course from the grader's checkout into a shared folder.
#
#   deploy/install-student-side.sh GRADER_COURSE_DIR DEST      (as root; DEST e.g. /opt/course)
#
# Copies only the paths listed in deploy/student-side.txt (no solutions/, tests/, secret or
# gradebook), builds DEST/.venv with the course installed from a Python every account can run
# (COURSE_PYTHON, default Debian's /usr/bin/python3: never a pyenv or conda Python inside root's
# home, which students cannot run), makes DEST world-readable, and makes
# the grader's course folder private to its owner (mode 700), so a student account can read
# neither the solutions, the grader's secret nor the gradebook. Re-run it after `git pull` in
# the grader's folder to update the class.
set -euo pipefail
src=$(cd "$1" && pwd)
dest=$2
list="$src/deploy/student-side.txt"
[ -f "$list" ] || { echo "no $list: is $src the course checkout?" >&2; exit 2; }
mkdir -p "$dest"
paths=()
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  [ -e "$src/$line" ] && paths+=("$line")
done < "$list"
# replace the student side wholesale (a path removed from the list disappears), keep the venv
find "$dest" -mindepth 1 -maxdepth 1 ! -name .venv -exec rm -rf {} +
(cd "$src" && tar --exclude='__pycache__' --exclude='.ipynb_checkpoints' --exclude='*.egg-info' -cf - "${paths[@]}") \
  | (cd "$dest" && tar -xf -)
python=${COURSE_PYTHON:-/usr/bin/python3}
runs_for_everyone() {  # can an unprivileged account (nobody) run this venv's python?
  [ -x "$1" ] && runuser -u nobody -- "$1" -c '' 2>/dev/null
}
if [ "${SKIP_VENV:-0}" != 1 ]; then
  # a venv left by an earlier install from a Python students cannot run is rebuilt
  if [ -e "$dest/.venv/bin/python" ] && ! runs_for_everyone "$dest/.venv/bin/python"; then
    echo "rebuilding $dest/.venv: its Python is not runnable by other accounts" >&2
    rm -rf "$dest/.venv"
  fi
  make -C "$dest" venv PYTHON="$python"
fi
chmod -R a+rX "$dest"
if [ "${SKIP_VENV:-0}" != 1 ] && ! runs_for_everyone "$dest/.venv/bin/python"; then
  echo "error: $dest/.venv/bin/python ($(readlink -f "$dest/.venv/bin/python")) cannot be run" \
       "by other accounts; set COURSE_PYTHON to a Python outside any private home folder" >&2
  exit 3
fi
chmod 700 "$src"
echo "student side installed in $dest; $src is private to $(stat -c %U "$src")"
