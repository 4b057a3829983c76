//! A userspace Open vSwitch: an `ovsdb-server` with the Open_vSwitch database and an
//! `ovs-vswitchd` whose bridges use the `netdev` datapath (no kernel module), each bridge
//! reachable over OpenFlow on its management socket `<dir>/<bridge>.mgmt`.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::process::{Daemon, DaemonSpec, private_dir};
use crate::server::OvsdbServer;
use crate::{COMMAND_DEADLINE, ovs_command, try_run};

/// `ovs-vswitchd` with its database, in private directories. Dropping it kills both.
#[derive(Debug)]
pub struct Vswitch {
    // Field order matters: vswitchd goes before its database and directory.
    vswitchd: Daemon,
    db: OvsdbServer,
    dir: tempfile::TempDir,
}

impl Vswitch {
    /// Starts the database and `ovs-vswitchd`, and waits until vswitchd answers its
    /// control socket.
    pub fn start() -> Vswitch {
        let db = OvsdbServer::vswitch();
        db.vsctl(&["init"]);
        let dir = private_dir("ovs-vswitchd-");
        let ctl = dir.path().join("ovs-vswitchd.ctl");
        let log = dir.path().join("ovs-vswitchd.log");
        let pidfile = dir.path().join("ovs-vswitchd.pid");
        let args: Vec<OsString> = vec![
            db.unix_remote().into(),
            format!("--unixctl={}", ctl.display()).into(),
            format!("--log-file={}", log.display()).into(),
            format!("--pidfile={}", pidfile.display()).into(),
            "--no-chdir".into(),
            "-vconsole:off".into(),
        ];
        let vswitchd = Daemon::new(DaemonSpec {
            program: "ovs-vswitchd".to_owned(),
            dir: dir.path().to_owned(),
            args,
            log,
            console: dir.path().join("ovs-vswitchd.console"),
            ctl,
            pidfile,
            unix_sockets: Vec::new(),
            tcp_ports: Vec::new(),
        });
        if let Err(e) = vswitchd.start() {
            panic!("testkit: ovs-vswitchd failed to start: {e:?}");
        }
        Vswitch { vswitchd, db, dir }
    }

    /// Adds a `netdev` bridge speaking OpenFlow 1.3 to 1.5 with `fail-mode=secure` (no
    /// default flow), and waits until its management socket accepts connections. Returns
    /// the socket's path.
    pub fn add_bridge(&self, name: &str) -> PathBuf {
        self.vsctl(&[
            "add-br",
            name,
            "--",
            "set",
            "bridge",
            name,
            "datapath_type=netdev",
            "protocols=OpenFlow13,OpenFlow14,OpenFlow15",
            "fail-mode=secure",
        ]);
        self.wait_bridge(name)
    }

    /// Waits until the management socket of an existing bridge accepts connections (after
    /// [`Vswitch::restart`], for example); returns its path.
    pub fn wait_bridge(&self, name: &str) -> PathBuf {
        let sock = self.mgmt_socket(name);
        let start = Instant::now();
        while std::os::unix::net::UnixStream::connect(&sock).is_err() {
            if start.elapsed() > crate::STARTUP_DEADLINE {
                panic!(
                    "testkit: bridge {name}'s management socket {} never came up\n{}",
                    sock.display(),
                    self.vswitchd.tails()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        sock
    }

    /// The management socket of `bridge`.
    pub fn mgmt_socket(&self, bridge: &str) -> PathBuf {
        self.dir.path().join(format!("{bridge}.mgmt"))
    }

    /// `unix:<management socket of bridge>`, as `ovs-ofctl` and our connection take it.
    pub fn mgmt_remote(&self, bridge: &str) -> String {
        format!("unix:{}", self.mgmt_socket(bridge).display())
    }

    /// Runs `ovs-vsctl --db=<db> ARGS…` (waiting for vswitchd to apply the change);
    /// stdout, or an error text.
    pub fn try_vsctl(&self, args: &[&str]) -> Result<String, String> {
        crate::try_ctl(
            "ovs-vsctl",
            self.dir.path(),
            &self.db.unix_remote(),
            &[],
            args,
        )
    }

    /// [`Vswitch::try_vsctl`], panicking on failure.
    pub fn vsctl(&self, args: &[&str]) -> String {
        self.try_vsctl(args)
            .unwrap_or_else(|e| panic!("testkit: {e}\n{}", self.vswitchd.tails()))
    }

    /// Runs `ovs-ofctl ARGS…` in the switch's directory; stdout, or an error text.
    pub fn try_ofctl(&self, args: &[&str]) -> Result<String, String> {
        let mut cmd = ovs_command("ovs-ofctl", self.dir.path());
        cmd.args(args);
        try_run(&mut cmd)
    }

    /// [`Vswitch::try_ofctl`], panicking on failure.
    pub fn ofctl(&self, args: &[&str]) -> String {
        self.try_ofctl(args)
            .unwrap_or_else(|e| panic!("testkit: {e}\n{}", self.vswitchd.tails()))
    }

    /// `ovs-appctl` against vswitchd.
    pub fn try_appctl(&self, args: &[&str]) -> Result<String, String> {
        self.vswitchd
            .try_appctl(COMMAND_DEADLINE.as_secs() as u32, args)
    }

    /// The tail of vswitchd's log, for failure messages.
    pub fn log_tail(&self) -> String {
        self.vswitchd.tails()
    }

    /// vswitchd's process id.
    pub fn pid(&self) -> Option<u32> {
        self.vswitchd.pid()
    }

    /// SIGKILLs vswitchd (the database stays up).
    pub fn kill(&self) {
        self.vswitchd.kill();
    }

    /// Starts vswitchd again after [`Vswitch::kill`]; bridges come back from the database.
    pub fn restart(&self) {
        if let Err(e) = self.vswitchd.start() {
            panic!("testkit: ovs-vswitchd failed to restart: {e:?}");
        }
    }

    /// The private directory (vswitchd's `OVS_RUNDIR`).
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}
