# Sourced by the .ci install scripts: `apt_get ARGS…` runs apt-get, as root (through sudo when needed), waiting
# for another apt-get or dpkg to let go of the package locks instead of failing at once with exit 100.
#   APT_LOCK_WAIT  seconds to wait for the locks (default 600)
#   APT_SUDO       the command that makes root (default: sudo unless already root; set it empty to run as is)
# apt waits for the dpkg lock itself (DPkg::Lock::Timeout), but not for the package-list lock of `apt-get update`
# nor the download lock: a run refused for a lock held elsewhere is tried again, every second, until the time is up.
apt_get() {
    local wait="${APT_LOCK_WAIT:-600}" sudo status errors said=""
    local deadline=$((SECONDS + wait))
    if [ -n "${APT_SUDO+set}" ]; then sudo="$APT_SUDO"; elif [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    errors="$(mktemp)"
    while :; do
        status=0
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$wait" "$@" 2>"$errors" || status=$?
        if [ "$status" -eq 100 ] && grep -q "Could not get lock" "$errors" && [ "$SECONDS" -lt "$deadline" ]; then
            [ -n "$said" ] || echo "apt-get: a package lock is held by another process; waiting up to ${wait}s" >&2
            said=1
            sleep 1
            continue
        fi
        cat "$errors" >&2
        rm -f "$errors"
        return "$status"
    done
}
