#!/bin/sh
# Install the system programs the tests use (sshd, rsync, git for publishing; Chromium for the
# browser tests; systemd-analyze for the contrib units), when missing.
# Needs root or sudo; without either it says what is missing and carries on (tests then skip,
# except under CI=true where they fail).
set -u
missing=""
command -v rsync >/dev/null 2>&1 || missing="$missing rsync"
[ -x /usr/sbin/sshd ] || missing="$missing openssh-server"
command -v ssh >/dev/null 2>&1 || missing="$missing openssh-client"
command -v git >/dev/null 2>&1 || missing="$missing git"
[ -x /usr/bin/chromium ] || missing="$missing chromium"
command -v systemd-analyze >/dev/null 2>&1 || missing="$missing systemd"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "system-deps: cannot install$missing (not root, no sudo); SSH/rsync and browser tests will skip" >&2
    exit 0
fi
echo "system-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
