//! A standalone `ovsdb-server`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tempfile::TempDir;

use crate::pki::Pki;
use crate::process::{Daemon, DaemonSpec, StartError, free_port, private_dir};
use crate::{
    nb_schema, ovs_command, run_checked, sb_schema, schema_name, test_schema, try_run,
    vswitch_schema,
};

/// How many times startup is retried when a chosen port turns out taken.
const PORT_ATTEMPTS: usize = 5;

/// Configures an [`OvsdbServer`] before starting it; obtained from
/// [`OvsdbServer::builder`].
///
/// The server always listens on a unix socket; TCP and SSL remotes on
/// `127.0.0.1` are optional.
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until .start() is called"]
pub struct ServerBuilder {
    schema: PathBuf,
    tcp: bool,
    ssl: bool,
    extra_args: Vec<String>,
}

impl ServerBuilder {
    /// Adds (or not) a plain TCP remote `ptcp:PORT:127.0.0.1` on a free port.
    pub fn tcp(mut self, enabled: bool) -> Self {
        self.tcp = enabled;
        self
    }

    /// Adds (or not) an SSL remote `pssl:PORT:127.0.0.1` on a free port,
    /// with a [`Pki`] generated for this server (mutual TLS: clients must
    /// present [`Pki::client_cert`]).
    pub fn ssl(mut self, enabled: bool) -> Self {
        self.ssl = enabled;
        self
    }

    /// Appends a raw command-line option for `ovsdb-server`, e.g.
    /// `-vjsonrpc:file:dbg`. Kept across [`OvsdbServer::restart`].
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.extra_args.push(arg.into());
        self
    }

    /// Creates the database with `ovsdb-tool create`, starts `ovsdb-server`
    /// and waits (up to [`crate::STARTUP_DEADLINE`]) until every remote
    /// accepts connections and the control socket answers.
    ///
    /// Panics with the server's log tail if it fails to start.
    pub fn start(self) -> OvsdbServer {
        let dir = private_dir("ovsdb-");
        let db_name = schema_name(&self.schema);
        let db_path = dir.path().join("db");
        let mut create = ovs_command("ovsdb-tool", dir.path());
        create.arg("create").arg(&db_path).arg(&self.schema);
        run_checked(&mut create);
        let pki = self.ssl.then(|| Pki::generate(dir.path()));

        for attempt in 1..=PORT_ATTEMPTS {
            let tcp_port = self.tcp.then(free_port);
            let ssl_port = self.ssl.then(free_port);
            let spec = server_spec(
                dir.path(),
                &db_path,
                tcp_port,
                ssl_port.zip(pki.as_ref()),
                &self.extra_args,
            );
            let daemon = Daemon::new(spec);
            match daemon.start() {
                Ok(()) => {
                    return OvsdbServer {
                        daemon,
                        schema: self.schema,
                        db_name,
                        db_path,
                        tcp_port,
                        ssl_port,
                        pki,
                        dir,
                    };
                }
                Err(StartError::PortInUse(line)) if attempt < PORT_ATTEMPTS => {
                    eprintln!("testkit: port taken ({line}), retrying with other ports");
                }
                Err(StartError::PortInUse(line)) => panic!(
                    "testkit: ovsdb-server for {} could not bind a port after \
                     {PORT_ATTEMPTS} attempts: {line}",
                    self.schema.display()
                ),
                Err(StartError::Failed(msg)) => panic!(
                    "testkit: ovsdb-server for {} failed to start: {msg}",
                    self.schema.display()
                ),
            }
        }
        unreachable!("the last attempt either returns or panics")
    }
}

/// Builds the `ovsdb-server` command line for a standalone server in `dir`.
fn server_spec(
    dir: &Path,
    db_path: &Path,
    tcp_port: Option<u16>,
    ssl: Option<(u16, &Pki)>,
    extra_args: &[String],
) -> DaemonSpec {
    let sock = dir.join("db.sock");
    let ctl = dir.join("ovsdb-server.ctl");
    let log = dir.join("ovsdb-server.log");
    let pidfile = dir.join("ovsdb-server.pid");
    let mut args: Vec<OsString> = vec![db_path.into()];
    args.push(format!("--remote=punix:{}", sock.display()).into());
    let mut tcp_ports = Vec::new();
    if let Some(port) = tcp_port {
        args.push(format!("--remote=ptcp:{port}:127.0.0.1").into());
        tcp_ports.push(port);
    }
    if let Some((port, pki)) = ssl {
        args.push(format!("--remote=pssl:{port}:127.0.0.1").into());
        args.extend(pki.server_args().into_iter().map(OsString::from));
        tcp_ports.push(port);
    }
    args.push(format!("--unixctl={}", ctl.display()).into());
    args.push(format!("--log-file={}", log.display()).into());
    args.push(format!("--pidfile={}", pidfile.display()).into());
    args.push("--no-chdir".into());
    args.extend(extra_args.iter().map(OsString::from));
    DaemonSpec {
        program: "ovsdb-server".to_owned(),
        dir: dir.to_owned(),
        args,
        log,
        console: dir.join("ovsdb-server.console"),
        ctl,
        pidfile,
        unix_sockets: vec![sock],
        tcp_ports,
    }
}

/// A standalone `ovsdb-server` child process in a private temporary
/// directory.
///
/// Dropping it SIGKILLs and reaps the server and then deletes the directory,
/// also when a test panics.
#[derive(Debug)]
pub struct OvsdbServer {
    // Field order matters: the daemon is killed before the directory goes.
    daemon: Daemon,
    schema: PathBuf,
    db_name: String,
    db_path: PathBuf,
    tcp_port: Option<u16>,
    ssl_port: Option<u16>,
    pki: Option<Pki>,
    dir: TempDir,
}

impl OvsdbServer {
    /// Starts configuring a server for the schema file `schema`.
    pub fn builder(schema: impl AsRef<Path>) -> ServerBuilder {
        ServerBuilder {
            schema: schema.as_ref().to_owned(),
            tcp: false,
            ssl: false,
            extra_args: Vec::new(),
        }
    }

    /// Starts a server for `schema` listening only on its unix socket.
    pub fn start(schema: impl AsRef<Path>) -> OvsdbServer {
        OvsdbServer::builder(schema).start()
    }

    /// An `OVN_Northbound` server (unix socket and TCP).
    pub fn nb() -> OvsdbServer {
        OvsdbServer::builder(nb_schema()).tcp(true).start()
    }

    /// An `OVN_Southbound` server (unix socket and TCP).
    pub fn sb() -> OvsdbServer {
        OvsdbServer::builder(sb_schema()).tcp(true).start()
    }

    /// An `Open_vSwitch` server (unix socket and TCP).
    pub fn vswitch() -> OvsdbServer {
        OvsdbServer::builder(vswitch_schema()).tcp(true).start()
    }

    /// A server for this crate's [`test_schema`] (unix socket and TCP).
    pub fn test() -> OvsdbServer {
        OvsdbServer::builder(test_schema()).tcp(true).start()
    }

    /// Path of the server's unix socket.
    pub fn unix_socket(&self) -> PathBuf {
        self.dir.path().join("db.sock")
    }

    /// The unix remote, `unix:/tmp/…/db.sock`.
    pub fn unix_remote(&self) -> String {
        format!("unix:{}", self.unix_socket().display())
    }

    /// The TCP port, if the TCP remote is enabled.
    pub fn tcp_port(&self) -> Option<u16> {
        self.tcp_port
    }

    /// The SSL port, if the SSL remote is enabled.
    pub fn ssl_port(&self) -> Option<u16> {
        self.ssl_port
    }

    /// The TCP remote, `tcp:127.0.0.1:PORT`. Panics if TCP is not enabled.
    pub fn tcp_remote(&self) -> String {
        let port = self
            .tcp_port
            .expect("testkit: this server has no TCP remote (use .tcp(true))");
        format!("tcp:127.0.0.1:{port}")
    }

    /// The SSL remote, `ssl:127.0.0.1:PORT`. Panics if SSL is not enabled.
    pub fn ssl_remote(&self) -> String {
        let port = self
            .ssl_port
            .expect("testkit: this server has no SSL remote (use .ssl(true))");
        format!("ssl:127.0.0.1:{port}")
    }

    /// The certificates for the SSL remote. Panics if SSL is not enabled.
    pub fn pki(&self) -> &Pki {
        self.pki
            .as_ref()
            .expect("testkit: this server has no SSL remote (use .ssl(true))")
    }

    /// Name of the database served, as read from the schema's `"name"`.
    pub fn db_name(&self) -> String {
        self.db_name.clone()
    }

    /// The schema file the database was created from.
    pub fn schema(&self) -> &Path {
        &self.schema
    }

    /// The private temporary directory holding the database, sockets, logs
    /// and certificates.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The database file.
    pub fn db_path(&self) -> &Path {
        &self.db_path
    }

    /// The server's log file.
    pub fn log_path(&self) -> &Path {
        &self.daemon.spec.log
    }

    /// The server's `--unixctl` control socket.
    pub fn ctl_path(&self) -> &Path {
        &self.daemon.spec.ctl
    }

    /// The last lines of the server's log and console output.
    pub fn log_tail(&self) -> String {
        self.daemon.tails()
    }

    /// The server's process id. Panics if it is not running.
    pub fn pid(&self) -> u32 {
        self.daemon
            .pid()
            .expect("testkit: ovsdb-server is not running")
    }

    /// Whether the server process is alive.
    pub fn is_running(&self) -> bool {
        self.daemon.is_running()
    }

    /// Runs `ovs-appctl -t <ctl> ARGS…` and returns its output, or an error
    /// with stderr.
    pub fn try_appctl(&self, args: &[&str]) -> Result<String, String> {
        self.daemon.try_appctl(30, args)
    }

    /// Runs `ovs-appctl -t <ctl> ARGS…`; panics with stderr on failure.
    pub fn appctl(&self, args: &[&str]) -> String {
        self.try_appctl(args)
            .unwrap_or_else(|e| panic!("testkit: {e}\n{}", self.log_tail()))
    }

    /// Runs the C `ovsdb-client` with exactly `args` (the caller names the
    /// command and the remote, e.g. `["list-dbs", &srv.unix_remote()]`).
    /// When SSL is enabled the client PKI options are prepended.
    pub fn try_ovsdb_client(&self, args: &[&str]) -> Result<String, String> {
        let mut cmd = ovs_command("ovsdb-client", self.dir());
        if let Some(pki) = &self.pki {
            cmd.args(pki.client_args());
        }
        cmd.args(args);
        try_run(&mut cmd)
    }

    /// Like [`OvsdbServer::try_ovsdb_client`]; panics with stderr on
    /// failure.
    pub fn ovsdb_client(&self, args: &[&str]) -> String {
        self.try_ovsdb_client(args)
            .unwrap_or_else(|e| panic!("testkit: {e}"))
    }

    /// `ovsdb-client --format=json dump <unix> <db> <table>`: the table's
    /// contents as `{"caption":…,"data":[…],"headings":[…]}` JSON.
    pub fn dump_json(&self, table: &str) -> String {
        let remote = self.unix_remote();
        self.ovsdb_client(&["--format=json", "dump", &remote, &self.db_name, table])
    }

    /// `ovsdb-client transact <unix> <transaction>`: runs a raw transaction
    /// (the JSON array of `transact` params, starting with the database
    /// name) and returns the JSON reply.
    pub fn transact(&self, transaction: &str) -> String {
        let remote = self.unix_remote();
        self.ovsdb_client(&["transact", &remote, transaction])
    }

    /// Runs `ovn-nbctl --db=<unix remote> ARGS…` and returns stdout or an
    /// error with stderr.
    pub fn try_nbctl(&self, args: &[&str]) -> Result<String, String> {
        crate::try_ctl("ovn-nbctl", self.dir(), &self.unix_remote(), &[], args)
    }

    /// Runs `ovn-nbctl --db=<unix remote> ARGS…`; panics with stderr on
    /// failure.
    pub fn nbctl(&self, args: &[&str]) -> String {
        self.try_nbctl(args)
            .unwrap_or_else(|e| panic!("testkit: {e}"))
    }

    /// Runs `ovn-sbctl --db=<unix remote> ARGS…` and returns stdout or an
    /// error with stderr.
    pub fn try_sbctl(&self, args: &[&str]) -> Result<String, String> {
        crate::try_ctl("ovn-sbctl", self.dir(), &self.unix_remote(), &[], args)
    }

    /// Runs `ovn-sbctl --db=<unix remote> ARGS…`; panics with stderr on
    /// failure.
    pub fn sbctl(&self, args: &[&str]) -> String {
        self.try_sbctl(args)
            .unwrap_or_else(|e| panic!("testkit: {e}"))
    }

    /// Runs `ovs-vsctl --no-wait --db=<unix remote> ARGS…` (no
    /// `ovs-vswitchd` is involved) and returns stdout or an error.
    pub fn try_vsctl(&self, args: &[&str]) -> Result<String, String> {
        crate::try_ctl(
            "ovs-vsctl",
            self.dir(),
            &self.unix_remote(),
            &["--no-wait"],
            args,
        )
    }

    /// Runs `ovs-vsctl --no-wait --db=<unix remote> ARGS…`; panics with
    /// stderr on failure.
    pub fn vsctl(&self, args: &[&str]) -> String {
        self.try_vsctl(args)
            .unwrap_or_else(|e| panic!("testkit: {e}"))
    }

    /// Asks the server to exit (`ovs-appctl exit`), waits up to 5 s, then
    /// kills it if needed, and removes the directory.
    pub fn stop(self) {
        self.daemon.stop_gracefully(Duration::from_secs(5));
    }

    /// SIGKILLs the server and reaps it. The directory, database and port
    /// numbers stay, so [`OvsdbServer::restart`] can bring it back.
    pub fn kill(&mut self) {
        self.daemon.kill();
    }

    /// Kills the server if it is running, then starts it again on the same
    /// database file, unix socket and TCP/SSL ports, and waits until it is
    /// ready. Panics (with the log tail) if it does not come back.
    pub fn restart(&mut self) {
        self.daemon.kill();
        match self.daemon.start() {
            Ok(()) => {}
            Err(StartError::PortInUse(line)) => panic!(
                "testkit: restarted ovsdb-server cannot reuse its port: {line}\n{}",
                self.daemon.tails()
            ),
            Err(StartError::Failed(msg)) => {
                panic!("testkit: restarting ovsdb-server failed: {msg}")
            }
        }
    }

    /// Freezes the server with SIGSTOP (connections stay open but nothing is
    /// answered). Undo with [`OvsdbServer::sigcont`]; dropping a frozen
    /// server is fine.
    pub fn sigstop(&self) {
        self.daemon.sigstop();
    }

    /// Resumes a server frozen by [`OvsdbServer::sigstop`].
    pub fn sigcont(&self) {
        self.daemon.sigcont();
    }
}

#[cfg(test)]
mod tests {
    use super::server_spec;
    use crate::process::{Daemon, StartError, free_port, private_dir};
    use crate::{ovs_command, run_checked, test_schema};

    #[test]
    fn taken_port_is_reported_as_port_in_use() {
        let dir = private_dir("ovsdb-unit-");
        let db = dir.path().join("db");
        let mut create = ovs_command("ovsdb-tool", dir.path());
        create.arg("create").arg(&db).arg(test_schema());
        run_checked(&mut create);
        let port = free_port();
        let _squatter = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        let daemon = Daemon::new(server_spec(dir.path(), &db, Some(port), None, &[]));
        match daemon.start() {
            Err(StartError::PortInUse(line)) => assert!(line.contains("in use"), "{line}"),
            other => panic!("expected PortInUse, got {other:?}"),
        }
        assert!(daemon.pid().is_none(), "failed daemon must be reaped");
    }
}
