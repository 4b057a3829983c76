# Shared helpers for scripts/test and scripts/demo. Sourced, not run.

# The Debian packages the tests and the demo run for real.
OVS_PACKAGES="openvswitch-switch openvswitch-common ovn-central ovn-host openssl"
# A binary from each package, to tell whether it is installed.
OVS_BINARIES="ovsdb-server ovsdb-tool ovsdb-client ovs-appctl ovs-vswitchd ovs-ofctl ovn-nbctl ovn-sbctl ovn-northd ovn-trace ovn-controller openssl"

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the OVS/OVN packages when any of their binaries is missing.
ensure_ovs() {
    local missing=""
    for b in $OVS_BINARIES; do
        if ! command -v "$b" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$b" ] && [ ! -x "/usr/bin/$b" ]; then
            missing="$missing $b"
        fi
    done
    if [ -n "$missing" ]; then
        echo "installing $OVS_PACKAGES (missing:$missing)" >&2
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $OVS_PACKAGES >/dev/null
    fi
    # The packages' services are not wanted: tests start their own daemons in temp dirs.
    export PATH="$PATH:/usr/sbin:/sbin"
}

ensure_rust_components() {
    rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
    rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
}
