//! A RAFT cluster of `ovsdb-server`s.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::process::{Daemon, DaemonSpec, StartError, free_port, private_dir};
use crate::{STARTUP_DEADLINE, ovs_command, run_checked, schema_name, try_run};

/// How many times cluster creation is retried when a port turns out taken.
const PORT_ATTEMPTS: usize = 5;

/// Poll interval for cluster state.
const POLL: Duration = Duration::from_millis(50);

/// An `n`-member clustered (RAFT) database, every member an `ovsdb-server`
/// child process on `127.0.0.1`, all in one private temporary directory.
///
/// Member `i` uses the files `s<i>.db`, `s<i>.sock` (client unix socket),
/// `s<i>.ctl`, `s<i>.log` and `s<i>.pid`, a RAFT port and a client TCP
/// port. Ports are chosen once and kept across [`Cluster::restart`], so a
/// restarted member rejoins under the same address.
///
/// Dropping the cluster SIGKILLs and reaps every member and then deletes the
/// directory.
#[derive(Debug)]
pub struct Cluster {
    // Field order matters: members are killed before the directory goes.
    members: Vec<Daemon>,
    raft_ports: Vec<u16>,
    client_ports: Vec<u16>,
    schema: PathBuf,
    db_name: String,
    dir: TempDir,
}

/// Fields of interest in `cluster/status` output.
#[derive(Debug, Default)]
struct Status {
    role: Option<String>,
    status: Option<String>,
    leader: Option<String>,
    term: u64,
}

/// Parses the `Key: value` lines of `cluster/status`.
fn parse_status(text: &str) -> Status {
    let mut st = Status::default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once(": ") else {
            continue;
        };
        let value = value.trim().to_owned();
        match key {
            "Role" => st.role = Some(value),
            "Status" => st.status = Some(value),
            "Leader" => st.leader = Some(value),
            "Term" => st.term = value.parse().unwrap_or(0),
            _ => {}
        }
    }
    st
}

/// Command line of member `i`.
fn member_spec(dir: &Path, i: usize, client_port: u16) -> DaemonSpec {
    let sock = dir.join(format!("s{i}.sock"));
    let ctl = dir.join(format!("s{i}.ctl"));
    let log = dir.join(format!("s{i}.log"));
    let pidfile = dir.join(format!("s{i}.pid"));
    let args: Vec<OsString> = vec![
        dir.join(format!("s{i}.db")).into(),
        format!("--remote=punix:{}", sock.display()).into(),
        format!("--remote=ptcp:{client_port}:127.0.0.1").into(),
        format!("--unixctl={}", ctl.display()).into(),
        format!("--log-file={}", log.display()).into(),
        format!("--pidfile={}", pidfile.display()).into(),
        "--no-chdir".into(),
    ];
    DaemonSpec {
        program: "ovsdb-server".to_owned(),
        dir: dir.to_owned(),
        args,
        log,
        console: dir.join(format!("s{i}.console")),
        ctl,
        pidfile,
        unix_sockets: vec![sock],
        tcp_ports: vec![client_port],
    }
}

/// Outcome of one attempt to bring a cluster up.
enum Attempt {
    Up(Vec<Daemon>),
    PortInUse(String),
}

impl Cluster {
    /// Creates and starts an `n`-member cluster (`n >= 1`) for `schema`:
    /// `ovsdb-tool create-cluster` for member 0, `ovsdb-tool join-cluster`
    /// (remote `tcp:127.0.0.1:<raft port of member 0>`) for the others.
    ///
    /// Returns once every member reports `Status: cluster member`, which
    /// implies a leader has been elected. Panics with the logs if that does
    /// not happen within [`STARTUP_DEADLINE`].
    ///
    /// Note that clusters do not support ephemeral columns: `ovsdb-server`
    /// turns them into persistent ones (with a warning).
    pub fn start(schema: impl AsRef<Path>, n: usize) -> Cluster {
        assert!(n >= 1, "testkit: a cluster needs at least one member");
        let schema = schema.as_ref().to_owned();
        let db_name = schema_name(&schema);
        let dir = private_dir("ovsdb-cluster-");

        for attempt in 1..=PORT_ATTEMPTS {
            let raft_ports: Vec<u16> = (0..n).map(|_| free_port()).collect();
            let client_ports: Vec<u16> = (0..n).map(|_| free_port()).collect();
            match Cluster::try_bring_up(dir.path(), &schema, &db_name, &raft_ports, &client_ports) {
                Attempt::Up(members) => {
                    return Cluster {
                        members,
                        raft_ports,
                        client_ports,
                        schema,
                        db_name,
                        dir,
                    };
                }
                Attempt::PortInUse(line) if attempt < PORT_ATTEMPTS => {
                    eprintln!("testkit: port taken ({line}), recreating the cluster");
                }
                Attempt::PortInUse(line) => panic!(
                    "testkit: cluster for {} could not bind its ports after \
                     {PORT_ATTEMPTS} attempts: {line}",
                    schema.display()
                ),
            }
        }
        unreachable!("the last attempt either returns or panics")
    }

    /// Creates the database files and starts all members. Panics on any
    /// failure other than a port conflict.
    fn try_bring_up(
        dir: &Path,
        schema: &Path,
        db_name: &str,
        raft_ports: &[u16],
        client_ports: &[u16],
    ) -> Attempt {
        let n = raft_ports.len();
        let raft_addr = |i: usize| format!("tcp:127.0.0.1:{}", raft_ports[i]);
        // Start from scratch (a previous attempt may have left files).
        for i in 0..n {
            for ext in ["db", "log", "console"] {
                let _ = std::fs::remove_file(dir.join(format!("s{i}.{ext}")));
            }
        }
        let mut create = ovs_command("ovsdb-tool", dir);
        create
            .arg("create-cluster")
            .arg(dir.join("s0.db"))
            .arg(schema)
            .arg(raft_addr(0));
        run_checked(&mut create);
        for i in 1..n {
            let mut join = ovs_command("ovsdb-tool", dir);
            join.arg("join-cluster")
                .arg(dir.join(format!("s{i}.db")))
                .arg(db_name)
                .arg(raft_addr(i))
                .arg(raft_addr(0));
            run_checked(&mut join);
        }

        let mut members = Vec::with_capacity(n);
        for (i, &client_port) in client_ports.iter().enumerate() {
            let daemon = Daemon::new(member_spec(dir, i, client_port));
            match daemon.start() {
                Ok(()) => members.push(daemon),
                Err(StartError::PortInUse(line)) => return Attempt::PortInUse(line),
                Err(StartError::Failed(msg)) => {
                    panic!("testkit: cluster member {i} failed to start: {msg}")
                }
            }
        }

        // Wait until everybody has joined. A RAFT port conflict only shows
        // up in the log, after the client sockets are already up.
        let start = Instant::now();
        loop {
            for m in &members {
                if let Some(line) = m
                    .log_since(0)
                    .lines()
                    .rev()
                    .find(|l| l.contains("Address already in use"))
                {
                    return Attempt::PortInUse(line.to_owned());
                }
            }
            let all_joined = members.iter().all(|m| {
                m.try_appctl(5, &["cluster/status", db_name])
                    .map(|s| parse_status(&s).status.as_deref() == Some("cluster member"))
                    .unwrap_or(false)
            });
            if all_joined {
                return Attempt::Up(members);
            }
            if start.elapsed() >= STARTUP_DEADLINE {
                let mut msg = format!(
                    "testkit: the {n}-member cluster for {} did not form within \
                     {STARTUP_DEADLINE:?}\n",
                    schema.display()
                );
                for (i, m) in members.iter().enumerate() {
                    let status = m
                        .try_appctl(5, &["cluster/status", db_name])
                        .unwrap_or_else(|e| e);
                    msg.push_str(&format!("=== member {i} ===\n{status}\n{}", m.tails()));
                }
                panic!("{msg}");
            }
            thread::sleep(POLL);
        }
    }

    /// Panics unless `i` is a member index.
    fn member(&self, i: usize) -> &Daemon {
        self.members.get(i).unwrap_or_else(|| {
            panic!(
                "testkit: cluster has {} members, no member {i}",
                self.members.len()
            )
        })
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Always `false`: a cluster has at least one member.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Name of the clustered database (the schema's `"name"`).
    pub fn db_name(&self) -> String {
        self.db_name.clone()
    }

    /// The schema file the cluster was created from.
    pub fn schema(&self) -> &Path {
        &self.schema
    }

    /// The private temporary directory holding all members' files.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Comma-separated client TCP remotes of all members (running or not),
    /// e.g. `tcp:127.0.0.1:a,tcp:127.0.0.1:b,tcp:127.0.0.1:c`.
    pub fn remotes(&self) -> String {
        (0..self.len())
            .map(|i| self.member_tcp_remote(i))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Comma-separated client TCP remotes of the members that are running
    /// and not frozen by [`Cluster::sigstop`].
    ///
    /// Useful for C tools: a client that picks a frozen member's remote
    /// hangs until its own timeout (about 10 s for `ovn-nbctl`).
    pub fn live_remotes(&self) -> String {
        (0..self.len())
            .filter(|&i| self.members[i].pid().is_some() && !self.members[i].is_stopped())
            .map(|i| self.member_tcp_remote(i))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Comma-separated unix remotes of all members.
    pub fn unix_remotes(&self) -> String {
        (0..self.len())
            .map(|i| self.member_unix_remote(i))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Member `i`'s client unix remote, `unix:/tmp/…/s<i>.sock`.
    pub fn member_unix_remote(&self, i: usize) -> String {
        format!("unix:{}", self.member(i).spec.unix_sockets[0].display())
    }

    /// Member `i`'s client TCP remote, `tcp:127.0.0.1:PORT`.
    pub fn member_tcp_remote(&self, i: usize) -> String {
        self.member(i);
        format!("tcp:127.0.0.1:{}", self.client_ports[i])
    }

    /// Member `i`'s client TCP port.
    pub fn member_tcp_port(&self, i: usize) -> u16 {
        self.member(i);
        self.client_ports[i]
    }

    /// Member `i`'s RAFT address, `tcp:127.0.0.1:PORT`.
    pub fn raft_address(&self, i: usize) -> String {
        self.member(i);
        format!("tcp:127.0.0.1:{}", self.raft_ports[i])
    }

    /// Member `i`'s database file.
    pub fn member_db_path(&self, i: usize) -> PathBuf {
        self.member(i);
        self.dir().join(format!("s{i}.db"))
    }

    /// Member `i`'s log file.
    pub fn member_log_path(&self, i: usize) -> &Path {
        &self.member(i).spec.log
    }

    /// The last lines of member `i`'s log and console output.
    pub fn member_log_tail(&self, i: usize) -> String {
        self.member(i).tails()
    }

    /// Member `i`'s process id. Panics if it is not running.
    pub fn pid(&self, i: usize) -> u32 {
        self.member(i)
            .pid()
            .unwrap_or_else(|| panic!("testkit: cluster member {i} is not running"))
    }

    /// Whether member `i`'s process is alive (a SIGSTOPped one counts as
    /// alive).
    pub fn is_running(&self, i: usize) -> bool {
        self.member(i).is_running()
    }

    /// Runs `ovs-appctl -t <member i's ctl> ARGS…`.
    pub fn try_appctl(&self, i: usize, args: &[&str]) -> Result<String, String> {
        self.member(i).try_appctl(30, args)
    }

    /// Runs `ovs-appctl -t <member i's ctl> ARGS…`; panics with stderr on
    /// failure.
    pub fn appctl(&self, i: usize, args: &[&str]) -> String {
        self.try_appctl(i, args)
            .unwrap_or_else(|e| panic!("testkit: member {i}: {e}\n{}", self.member_log_tail(i)))
    }

    /// `cluster/status <DB>` of member `i`, or the error.
    pub fn try_status(&self, i: usize) -> Result<String, String> {
        self.member(i)
            .try_appctl(5, &["cluster/status", &self.db_name])
    }

    /// Raw `ovs-appctl cluster/status <DB>` text of member `i`; panics if the
    /// member does not answer.
    pub fn status(&self, i: usize) -> String {
        self.try_status(i)
            .unwrap_or_else(|e| panic!("testkit: member {i}: {e}\n{}", self.member_log_tail(i)))
    }

    /// Member `i`'s `Role:` (`leader`, `follower`, `candidate`), or `None`
    /// if it is not running, frozen or does not answer.
    pub fn role(&self, i: usize) -> Option<String> {
        let m = self.member(i);
        if m.pid().is_none() || m.is_stopped() {
            return None;
        }
        self.try_status(i).ok().and_then(|s| parse_status(&s).role)
    }

    /// The member that currently claims `Role: leader` among the running,
    /// non-frozen ones (the one with the highest term if several do).
    pub fn leader(&self) -> Option<usize> {
        let mut best: Option<(u64, usize)> = None;
        for (i, m) in self.members.iter().enumerate() {
            if m.pid().is_none() || m.is_stopped() {
                continue;
            }
            let Ok(text) = self.try_status(i) else {
                continue;
            };
            let st = parse_status(&text);
            if st.role.as_deref() == Some("leader") && best.is_none_or(|(t, _)| st.term > t) {
                best = Some((st.term, i));
            }
        }
        best.map(|(_, i)| i)
    }

    /// Polls [`Cluster::leader`] until a leader exists and returns it.
    /// Panics with every member's status and log tail after
    /// [`STARTUP_DEADLINE`].
    pub fn wait_for_leader(&self) -> usize {
        let start = Instant::now();
        loop {
            if let Some(i) = self.leader() {
                return i;
            }
            if start.elapsed() >= STARTUP_DEADLINE {
                panic!(
                    "testkit: no leader elected within {STARTUP_DEADLINE:?}\n{}",
                    self.report()
                );
            }
            thread::sleep(POLL);
        }
    }

    /// Polls until member `i` is a `cluster member` that knows who the
    /// leader is (or is the leader) — e.g. after [`Cluster::restart`].
    /// Panics with the status and log after [`STARTUP_DEADLINE`].
    pub fn wait_for_member(&self, i: usize) {
        let start = Instant::now();
        loop {
            if let Ok(text) = self.try_status(i) {
                let st = parse_status(&text);
                let member = st.status.as_deref() == Some("cluster member");
                let knows_leader = st.leader.as_deref().is_some_and(|l| l != "unknown");
                if member && knows_leader {
                    return;
                }
            }
            if start.elapsed() >= STARTUP_DEADLINE {
                panic!(
                    "testkit: member {i} did not (re)join within {STARTUP_DEADLINE:?}\n{}",
                    self.report()
                );
            }
            thread::sleep(POLL);
        }
    }

    /// Status and log tail of every member, for failure messages.
    pub fn report(&self) -> String {
        let mut out = String::new();
        for (i, m) in self.members.iter().enumerate() {
            let status = if m.pid().is_none() {
                "(not running)".to_owned()
            } else if m.is_stopped() {
                "(SIGSTOPped)".to_owned()
            } else {
                self.try_status(i).unwrap_or_else(|e| e)
            };
            out.push_str(&format!("=== member {i} ===\n{status}\n{}", m.tails()));
        }
        out
    }

    /// SIGKILLs member `i` and reaps it (no-op if it is not running).
    pub fn kill(&mut self, i: usize) {
        self.member(i).kill();
    }

    /// Kills member `i` if it is running, then starts it again from its
    /// database file on the same RAFT and client ports, and waits until its
    /// sockets and control socket are up (not until it has caught up; see
    /// [`Cluster::wait_for_member`]).
    pub fn restart(&mut self, i: usize) {
        let m = self.member(i);
        m.kill();
        match m.start() {
            Ok(()) => {}
            Err(StartError::PortInUse(line)) => panic!(
                "testkit: restarted member {i} cannot reuse its port: {line}\n{}",
                m.tails()
            ),
            Err(StartError::Failed(msg)) => {
                panic!("testkit: restarting member {i} failed: {msg}")
            }
        }
    }

    /// Freezes member `i` with SIGSTOP.
    pub fn sigstop(&self, i: usize) {
        self.member(i).sigstop();
    }

    /// Resumes member `i` after [`Cluster::sigstop`].
    pub fn sigcont(&self, i: usize) {
        self.member(i).sigcont();
    }

    /// Runs `ovn-nbctl --db=<live members' TCP remotes> ARGS…` (see
    /// [`Cluster::live_remotes`]; ovn-nbctl finds the leader itself) and
    /// returns stdout or an error with stderr.
    pub fn try_nbctl(&self, args: &[&str]) -> Result<String, String> {
        crate::try_ctl("ovn-nbctl", self.dir(), &self.live_remotes(), &[], args)
    }

    /// Like [`Cluster::try_nbctl`]; panics with stderr on failure.
    pub fn nbctl(&self, args: &[&str]) -> String {
        self.try_nbctl(args)
            .unwrap_or_else(|e| panic!("testkit: {e}"))
    }

    /// Runs the C `ovsdb-client` with exactly `args`; returns stdout or an
    /// error with stderr.
    pub fn try_ovsdb_client(&self, args: &[&str]) -> Result<String, String> {
        let mut cmd = ovs_command("ovsdb-client", self.dir());
        cmd.args(args);
        try_run(&mut cmd)
    }

    /// Like [`Cluster::try_ovsdb_client`]; panics with stderr on failure.
    pub fn ovsdb_client(&self, args: &[&str]) -> String {
        self.try_ovsdb_client(args)
            .unwrap_or_else(|e| panic!("testkit: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_status;

    #[test]
    fn parses_cluster_status_fields() {
        let text = "abcd\nName: Test\nCluster ID: f5ed (f5ed19c4)\nServer ID: 374f (374fa75c)\n\
                    Address: tcp:127.0.0.1:1\nStatus: cluster member\nRole: leader\nTerm: 12\n\
                    Leader: self\nVote: self\n\nElection timer: 1000\n";
        let st = parse_status(text);
        assert_eq!(st.role.as_deref(), Some("leader"));
        assert_eq!(st.status.as_deref(), Some("cluster member"));
        assert_eq!(st.leader.as_deref(), Some("self"));
        assert_eq!(st.term, 12);

        let st = parse_status("Status: joining cluster\nRole: candidate\nLeader: unknown\n");
        assert_eq!(st.status.as_deref(), Some("joining cluster"));
        assert_eq!(st.role.as_deref(), Some("candidate"));
        assert_eq!(st.term, 0);
    }
}
