//! OVN central: a northbound and a southbound `ovsdb-server` with `ovn-northd` between them,
//! and `ovn-trace` to ask what the resulting logical flows do to a packet.

use std::ffi::OsString;

use crate::process::{Daemon, DaemonSpec, private_dir, run_with_deadline};
use crate::server::OvsdbServer;
use crate::{COMMAND_DEADLINE, ovs_command};

/// An NB and an SB server and an `ovn-northd` translating one into the other, each in its own
/// private directory. Dropping it kills all three.
#[derive(Debug)]
pub struct OvnCentral {
    // Field order matters: northd goes before the servers and its directory.
    northd: Daemon,
    nb: OvsdbServer,
    sb: OvsdbServer,
    dir: tempfile::TempDir,
}

impl OvnCentral {
    /// Starts the servers and `ovn-northd`, and waits until northd answers its control socket.
    pub fn start() -> OvnCentral {
        let nb = OvsdbServer::nb();
        let sb = OvsdbServer::sb();
        let dir = private_dir("ovn-northd-");
        let ctl = dir.path().join("ovn-northd.ctl");
        let log = dir.path().join("ovn-northd.log");
        let pidfile = dir.path().join("ovn-northd.pid");
        let args: Vec<OsString> = vec![
            format!("--ovnnb-db={}", nb.unix_remote()).into(),
            format!("--ovnsb-db={}", sb.unix_remote()).into(),
            format!("--unixctl={}", ctl.display()).into(),
            format!("--log-file={}", log.display()).into(),
            format!("--pidfile={}", pidfile.display()).into(),
            "--no-chdir".into(),
        ];
        let northd = Daemon::new(DaemonSpec {
            program: "ovn-northd".to_owned(),
            dir: dir.path().to_owned(),
            args,
            log,
            console: dir.path().join("ovn-northd.console"),
            ctl,
            pidfile,
            unix_sockets: Vec::new(),
            tcp_ports: Vec::new(),
        });
        if let Err(e) = northd.start() {
            panic!("testkit: ovn-northd failed to start: {e:?}");
        }
        OvnCentral {
            northd,
            nb,
            sb,
            dir,
        }
    }

    /// The northbound server.
    pub fn nb(&self) -> &OvsdbServer {
        &self.nb
    }

    /// The southbound server.
    pub fn sb(&self) -> &OvsdbServer {
        &self.sb
    }

    /// Waits until northd has brought the southbound database up to date with everything
    /// committed to the northbound one so far (`ovn-nbctl --wait=sb sync`).
    pub fn sync(&self) {
        crate::try_ctl(
            "ovn-nbctl",
            self.nb.dir(),
            &self.nb.unix_remote(),
            &["--wait=sb"],
            &["sync"],
        )
        .unwrap_or_else(|e| panic!("testkit: {e}\n{}", self.northd.tails()));
    }

    /// `ovn-trace --detailed [FLAGS...] DATAPATH MICROFLOW` against the southbound database;
    /// the trace text. FLAGS such as `--ct=new` set the connection tracking state the trace
    /// assumes (by default an established connection).
    pub fn try_trace_with(
        &self,
        flags: &[&str],
        datapath: &str,
        microflow: &str,
    ) -> Result<String, String> {
        let mut cmd = ovs_command("ovn-trace", self.dir.path());
        cmd.arg(format!("--db={}", self.sb.unix_remote()))
            .arg("--detailed")
            .args(flags)
            .arg(datapath)
            .arg(microflow);
        run_with_deadline(&mut cmd, COMMAND_DEADLINE)
    }

    /// `ovn-trace --detailed DATAPATH MICROFLOW`, panicking on failure.
    pub fn trace(&self, datapath: &str, microflow: &str) -> String {
        self.trace_with(&[], datapath, microflow)
    }

    /// [`OvnCentral::try_trace_with`], panicking on failure.
    pub fn trace_with(&self, flags: &[&str], datapath: &str, microflow: &str) -> String {
        self.try_trace_with(flags, datapath, microflow)
            .unwrap_or_else(|e| panic!("testkit: {e}"))
    }

    /// The tail of northd's log, for failure messages.
    pub fn northd_log(&self) -> String {
        self.northd.tails()
    }
}
