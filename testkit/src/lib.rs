//! Real Open vSwitch / OVN daemons for tests.
//!
//! Every daemon started through this crate lives in a private temporary
//! directory, listens only on unix sockets there and on free loopback TCP
//! ports, and is killed and reaped when its handle is dropped (including while
//! a test unwinds from a panic).
//!
//! * [`OvsdbServer`] — a standalone `ovsdb-server` (unix socket, optionally
//!   plain TCP and mutual-TLS SSL remotes).
//! * [`Cluster`] — an `n`-member RAFT cluster of `ovsdb-server`s.
//! * [`Pki`] — a throw-away CA with a server and a client certificate.
//! * [`OvnCentral`] — NB and SB servers with `ovn-northd`, and `ovn-trace`.
//! * [`Vswitch`] — `ovs-vswitchd` with userspace (`netdev`) bridges and their OpenFlow
//!   management sockets.
//!
//! ```no_run
//! use testkit::{Cluster, OvsdbServer, nb_schema, test_schema};
//!
//! // Standalone OVN_Northbound with unix + TCP remotes.
//! let nb = OvsdbServer::nb();
//! nb.nbctl(&["ls-add", "sw0"]);
//! assert!(nb.nbctl(&["ls-list"]).contains("sw0"));
//!
//! // Unix + TCP + mutual-TLS SSL for the crate's test schema.
//! let srv = OvsdbServer::builder(test_schema()).tcp(true).ssl(true).start();
//! let (remote, ca) = (srv.ssl_remote(), &srv.pki().ca_cert);
//! # let _ = (remote, ca);
//!
//! // Three-member RAFT cluster with failover.
//! let mut cluster = Cluster::start(nb_schema(), 3);
//! let leader = cluster.wait_for_leader();
//! cluster.kill(leader);
//! assert_ne!(cluster.wait_for_leader(), leader);
//! cluster.restart(leader);
//! cluster.wait_for_member(leader);
//! ```
//!
//! The binaries come from the Debian packages `openvswitch-common`,
//! `openvswitch-switch`, `ovn-common`, `ovn-central` and `ovn-host`. A missing
//! binary or schema is a hard failure (a panic naming the package), never a
//! silently skipped test.

mod central;
mod cluster;
mod pki;
mod process;
mod server;
mod vswitch;

use std::path::{Path, PathBuf};
use std::process::Command;

pub use central::OvnCentral;
pub use cluster::Cluster;
pub use pki::Pki;
pub use process::pid_exists;
pub use server::{OvsdbServer, ServerBuilder};
pub use vswitch::Vswitch;

/// How long any daemon may take to become ready, and how long
/// [`Cluster::wait_for_leader`] waits for an election.
pub const STARTUP_DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);

/// How long a single helper command (`ovs-appctl`, `ovn-nbctl`, ...) may run
/// before it is killed and reported as failed.
pub const COMMAND_DEADLINE: std::time::Duration = std::time::Duration::from_secs(60);

/// Directories searched after `PATH` by [`require_binary`].
const FALLBACK_BIN_DIRS: &[&str] = &[
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
    "/usr/local/sbin",
    "/usr/local/bin",
];

/// The Debian package that ships `binary` (best effort; used in messages).
fn package_for_binary(binary: &str) -> &'static str {
    match binary {
        "ovs-vsctl" | "ovs-vswitchd" | "ovs-dpctl" => "openvswitch-switch",
        "ovn-northd" | "ovn-ctl" => "ovn-central",
        "ovn-controller" => "ovn-host",
        "kill" => "procps",
        b if b.starts_with("ovn-") => "ovn-common (pulled in by ovn-central / ovn-host)",
        _ => "openvswitch-common",
    }
}

/// Returns `path` if it names an existing schema file, otherwise panics with
/// a message naming the Debian package that provides it.
fn require_file(path: &str, package: &str) -> PathBuf {
    let p = PathBuf::from(path);
    if !p.is_file() {
        panic!(
            "testkit: required file {path} is missing; install the Debian package \
             `{package}` (apt-get install {package})"
        );
    }
    p
}

/// Path of the OVN northbound schema, `/usr/share/ovn/ovn-nb.ovsschema`.
///
/// Panics if the file is missing (Debian package `ovn-central`).
pub fn nb_schema() -> PathBuf {
    require_file("/usr/share/ovn/ovn-nb.ovsschema", "ovn-central")
}

/// Path of the OVN southbound schema, `/usr/share/ovn/ovn-sb.ovsschema`.
///
/// Panics if the file is missing (Debian package `ovn-central`).
pub fn sb_schema() -> PathBuf {
    require_file("/usr/share/ovn/ovn-sb.ovsschema", "ovn-central")
}

/// Path of the Open vSwitch schema,
/// `/usr/share/openvswitch/vswitch.ovsschema`.
///
/// Panics if the file is missing (Debian package `openvswitch-switch`).
pub fn vswitch_schema() -> PathBuf {
    require_file(
        "/usr/share/openvswitch/vswitch.ovsschema",
        "openvswitch-switch",
    )
}

/// Path of this crate's own test schema, `testkit/schemas/test.ovsschema`.
///
/// The schema (database `Test`, version `1.2.3`) is small but uses every
/// schema feature: a root table `Parent` with an index, `maxRows`, integer,
/// real, boolean, string and uuid columns, constraints (`minInteger`,
/// `maxInteger`, `minReal`, `maxReal`, `minLength`, `maxLength`, `enum`),
/// optional values, sets with bounded and unbounded sizes, maps, strong and
/// weak references, an ephemeral and an immutable column; and a non-root
/// table `Child`.
pub fn test_schema() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("schemas")
        .join("test.ovsschema")
}

/// Finds `name` in `PATH`, then in `/usr/sbin`, `/usr/bin` and a few other
/// standard directories, and returns its full path.
///
/// Panics with a message naming the binary and the Debian package to install
/// when it cannot be found. Tests that need OVS must fail, not skip, on a
/// machine without it.
pub fn require_binary(name: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;

    let is_exe = |p: &Path| {
        p.metadata()
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    };
    if name.contains('/') {
        let p = PathBuf::from(name);
        if is_exe(&p) {
            return p;
        }
    } else {
        let path_dirs = std::env::var_os("PATH")
            .map(|v| std::env::split_paths(&v).collect::<Vec<_>>())
            .unwrap_or_default();
        let fallback = FALLBACK_BIN_DIRS.iter().map(PathBuf::from);
        for dir in path_dirs.into_iter().chain(fallback) {
            let candidate = dir.join(name);
            if is_exe(&candidate) {
                return candidate;
            }
        }
    }
    let package = package_for_binary(name);
    panic!(
        "testkit: required binary `{name}` was not found in PATH or {FALLBACK_BIN_DIRS:?}; \
         install the Debian package `{package}` (apt-get install {package})"
    );
}

/// Builds a [`Command`] for the OVS/OVN tool `program` whose runtime, log,
/// database and configuration directories all point at `dir`.
///
/// Sets `OVS_RUNDIR`, `OVS_LOGDIR`, `OVS_DBDIR`, `OVS_SYSCONFDIR` and their
/// `OVN_*` counterparts to `dir`, removes `OVN_NB_DAEMON` / `OVN_SB_DAEMON`
/// (so `ovn-nbctl` never talks to some unrelated daemon), and gives the
/// command a null stdin. Panics like [`require_binary`] if `program` is
/// missing.
pub fn ovs_command(program: &str, dir: &Path) -> Command {
    let mut cmd = Command::new(require_binary(program));
    for var in [
        "OVS_RUNDIR",
        "OVS_LOGDIR",
        "OVS_DBDIR",
        "OVS_SYSCONFDIR",
        "OVN_RUNDIR",
        "OVN_LOGDIR",
        "OVN_DBDIR",
        "OVN_SYSCONFDIR",
    ] {
        cmd.env(var, dir);
    }
    cmd.env_remove("OVN_NB_DAEMON");
    cmd.env_remove("OVN_SB_DAEMON");
    cmd.stdin(std::process::Stdio::null());
    cmd
}

/// Runs `cmd` to completion (killing it after [`COMMAND_DEADLINE`]) and
/// returns its stdout, or an error text with the command line, exit status,
/// stdout and stderr.
pub fn try_run(cmd: &mut Command) -> Result<String, String> {
    process::run_with_deadline(cmd, COMMAND_DEADLINE)
}

/// Runs an OVS/OVN control tool (`ovn-nbctl`, `ovn-sbctl`, `ovs-vsctl`) against `db` with a
/// 30 s timeout: `PROGRAM [FLAGS…] --db=DB --timeout=30 ARGS…`. Returns stdout, or an error
/// with stderr.
pub fn try_ctl(
    program: &str,
    dir: &Path,
    db: &str,
    flags: &[&str],
    args: &[&str],
) -> Result<String, String> {
    let mut cmd = ovs_command(program, dir);
    cmd.args(flags)
        .arg(format!("--db={db}"))
        .arg("--timeout=30")
        .args(args);
    try_run(&mut cmd)
}

/// Runs `cmd` like [`try_run`] and returns its stdout; panics with the
/// command line, exit status and stderr if it fails.
pub fn run_checked(cmd: &mut Command) -> String {
    match try_run(cmd) {
        Ok(out) => out,
        Err(e) => panic!("testkit: {e}"),
    }
}

/// Reads the `"name"` of an OVSDB schema file (via `ovsdb-tool schema-name`).
pub fn schema_name(schema: &Path) -> String {
    let dir = std::env::temp_dir();
    let mut cmd = ovs_command("ovsdb-tool", &dir);
    cmd.arg("schema-name").arg(schema);
    run_checked(&mut cmd).trim().to_owned()
}
