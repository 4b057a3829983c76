//! Internal plumbing: running helper commands with a deadline, supervising a
//! daemon child process, readiness polling, free ports and log tails.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{Read, Seek, SeekFrom};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crate::{STARTUP_DEADLINE, ovs_command, require_binary};

/// Renders a command line for error messages.
pub(crate) fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Sleeps for `*step`, then grows the step (1 ms doubling up to `max`).
fn backoff(step: &mut Duration, max: Duration) {
    thread::sleep(*step);
    *step = (*step * 2).min(max);
}

/// Runs `cmd` with piped stdout/stderr and null stdin; kills it if it is
/// still running after `deadline`.
pub(crate) fn run_with_deadline(cmd: &mut Command, deadline: Duration) -> Result<String, String> {
    let desc = describe(cmd);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run `{desc}`: {e}"))?;
    let mut out_pipe = child.stdout.take().expect("stdout is piped");
    let mut err_pipe = child.stderr.take().expect("stderr is piped");
    let out_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out_pipe.read_to_end(&mut buf);
        buf
    });
    let err_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err_pipe.read_to_end(&mut buf);
        buf
    });

    let start = Instant::now();
    let mut step = Duration::from_millis(1);
    let status: Option<ExitStatus> = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if start.elapsed() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => backoff(&mut step, Duration::from_millis(20)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("waiting for `{desc}` failed: {e}"));
            }
        }
    };
    let stdout = String::from_utf8_lossy(&out_reader.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
    match status {
        Some(s) if s.success() => Ok(stdout),
        Some(s) => Err(format!(
            "`{desc}` failed ({s})\n--- stderr ---\n{stderr}--- stdout ---\n{stdout}"
        )),
        None => Err(format!(
            "`{desc}` did not finish within {deadline:?} and was killed\n--- stderr ---\n\
             {stderr}--- stdout ---\n{stdout}"
        )),
    }
}

/// Sends `signal` (a name such as `STOP`, `CONT`, `KILL`) to `pid` with the
/// `kill` command.
pub(crate) fn send_signal(pid: u32, signal: &str) {
    let mut cmd = Command::new(require_binary("kill"));
    cmd.arg(format!("-{signal}")).arg(pid.to_string());
    if let Err(e) = run_with_deadline(&mut cmd, Duration::from_secs(10)) {
        panic!("testkit: sending SIG{signal} to {pid}: {e}");
    }
}

/// The last `n` lines of `path` (or a note that it cannot be read).
pub(crate) fn file_tail(path: &Path, n: usize) -> String {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let lines: Vec<&str> = text.lines().collect();
            let from = lines.len().saturating_sub(n);
            let mut s = lines[from..].join("\n");
            s.push('\n');
            s
        }
        Err(e) => format!("(cannot read {}: {e})\n", path.display()),
    }
}

/// Size of `path`, 0 if it does not exist.
fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Contents of `path` from byte `offset` on.
fn read_from(path: &Path, offset: u64) -> String {
    let Ok(mut f) = File::open(path) else {
        return String::new();
    };
    if f.seek(SeekFrom::Start(offset)).is_err() {
        return String::new();
    }
    let mut buf = Vec::new();
    let _ = f.read_to_end(&mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// Ports handed out by [`free_port`] in this process; never handed out twice.
static USED_PORTS: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

/// Mixes process id, time and a counter into a pseudo-random number.
fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    if let Ok(d) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(d.as_nanos());
    }
    h.finish()
}

/// Lowest port of the kernel's ephemeral (outgoing connection) range.
fn ephemeral_low() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|p| p.parse().ok()))
        .unwrap_or(32768)
}

/// Returns a loopback TCP port that is free right now.
///
/// Ports are drawn at random from below the kernel's ephemeral range, so
/// that outgoing connections (which take ephemeral ports) can never occupy a
/// port while its daemon is down for a restart. A port is handed out at most
/// once per process. There is still a window between this check and the
/// daemon's own `bind`; callers detect "Address already in use" and retry.
pub(crate) fn free_port() -> u16 {
    const LOW: u16 = 10000;
    let high = ephemeral_low();
    let mut guard = USED_PORTS.lock().unwrap_or_else(|e| e.into_inner());
    let used = guard.get_or_insert_with(HashSet::new);
    if high > LOW + 1000 {
        let span = u64::from(high - LOW);
        for _ in 0..2000 {
            let port = LOW + (random_u64() % span) as u16;
            if used.contains(&port) {
                continue;
            }
            if TcpListener::bind(("127.0.0.1", port)).is_ok() {
                used.insert(port);
                return port;
            }
        }
    }
    // Unusual port range configuration: let the kernel choose.
    for _ in 0..100 {
        let listener =
            TcpListener::bind(("127.0.0.1", 0)).expect("testkit: cannot bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local_addr").port();
        if used.insert(port) {
            return port;
        }
    }
    panic!("testkit: could not find a free loopback TCP port");
}

/// Whether a unix socket accepts connections.
fn unix_connectable(path: &Path) -> bool {
    UnixStream::connect(path).is_ok()
}

/// Whether 127.0.0.1:`port` accepts TCP connections.
pub(crate) fn tcp_connectable(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok()
}

/// Whether a process with this pid exists, judged by `/proc/<pid>` (a zombie
/// counts as existing). Tests use it to check that a daemon is really gone.
pub fn pid_exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Everything needed to (re)start one daemon in a directory.
#[derive(Debug, Clone)]
pub(crate) struct DaemonSpec {
    /// Binary name, e.g. `ovsdb-server`.
    pub program: String,
    /// Working/runtime directory (the `OVS_*DIR` variables point here).
    pub dir: PathBuf,
    /// Complete argument list.
    pub args: Vec<OsString>,
    /// The daemon's `--log-file`.
    pub log: PathBuf,
    /// Where the daemon's stdout and stderr go.
    pub console: PathBuf,
    /// The daemon's `--unixctl` socket.
    pub ctl: PathBuf,
    /// The daemon's `--pidfile`.
    pub pidfile: PathBuf,
    /// Unix sockets that must accept connections before it counts as ready.
    pub unix_sockets: Vec<PathBuf>,
    /// Loopback TCP ports that must accept connections before it is ready.
    pub tcp_ports: Vec<u16>,
}

/// Why a daemon did not become ready.
#[derive(Debug)]
pub(crate) enum StartError {
    /// One of its ports was taken by someone else (retry with new ports).
    PortInUse(String),
    /// Anything else; the message includes the log tails.
    Failed(String),
}

/// A running daemon and its watchdog.
///
/// The watchdog is a `sh` whose stdin is a pipe held only by this process.
/// If this process dies without running destructors (SIGKILL, `abort`,
/// `exit` with the handle in a `static`), the pipe closes, `read` returns
/// and the watchdog SIGKILLs the daemon, so no `ovsdb-server` outlives the
/// test binary. The watchdog is always killed *before* the daemon is reaped,
/// so it can never signal a recycled pid.
#[derive(Debug)]
struct Running {
    daemon: Child,
    watchdog: Option<Child>,
}

impl Running {
    /// Starts the watchdog for an already spawned daemon.
    fn new(daemon: Child) -> Running {
        let mut cmd = Command::new(require_binary("sh"));
        cmd.arg("-c")
            .arg(r#"read _line; kill -9 "$1""#)
            .arg("testkit-watchdog")
            .arg(daemon.id().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let watchdog = match cmd.spawn() {
            Ok(w) => Some(w),
            Err(e) => {
                eprintln!("testkit: cannot start watchdog shell: {e}");
                None
            }
        };
        Running { daemon, watchdog }
    }

    /// Kills and reaps the watchdog (its pipe then closes harmlessly).
    fn disarm(&mut self) {
        if let Some(mut w) = self.watchdog.take() {
            let _ = w.kill();
            let _ = w.wait();
        }
    }

    /// Kills and reaps the watchdog, then the daemon.
    fn terminate(mut self) {
        self.disarm();
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // Normally `terminate` or `disarm` ran already; this only matters
        // if a `Running` is dropped some other way.
        self.disarm();
    }
}

/// A supervised daemon child process. Killed and reaped on drop.
#[derive(Debug)]
pub(crate) struct Daemon {
    /// How to start it.
    pub spec: DaemonSpec,
    child: Mutex<Option<Running>>,
    stopped: AtomicBool,
}

/// Log text that means a listening port was taken by somebody else.
fn port_conflict(text: &str) -> Option<String> {
    text.lines()
        .find(|l| l.contains("Address already in use"))
        .map(str::to_owned)
}

impl Daemon {
    /// A daemon that is not running yet.
    pub fn new(spec: DaemonSpec) -> Daemon {
        Daemon {
            spec,
            child: Mutex::new(None),
            stopped: AtomicBool::new(false),
        }
    }

    /// Locks the child slot (a poisoned lock is still usable).
    fn child(&self) -> std::sync::MutexGuard<'_, Option<Running>> {
        self.child.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The log and console tails, for failure messages.
    pub fn tails(&self) -> String {
        format!(
            "--- tail of {} ---\n{}--- tail of {} ---\n{}",
            self.spec.log.display(),
            file_tail(&self.spec.log, 40),
            self.spec.console.display(),
            file_tail(&self.spec.console, 20),
        )
    }

    /// New log text since byte `offset`.
    pub fn log_since(&self, offset: u64) -> String {
        read_from(&self.spec.log, offset)
    }

    /// `ovs-appctl -t <ctl> --timeout=SECS args...`.
    pub fn try_appctl(&self, timeout_secs: u32, args: &[&str]) -> Result<String, String> {
        let mut cmd = ovs_command("ovs-appctl", &self.spec.dir);
        cmd.arg("-t")
            .arg(&self.spec.ctl)
            .arg(format!("--timeout={timeout_secs}"))
            .args(args);
        run_with_deadline(&mut cmd, Duration::from_secs(u64::from(timeout_secs) + 5))
    }

    /// Starts the daemon and waits until it is ready.
    pub fn start(&self) -> Result<(), StartError> {
        assert!(self.child().is_none(), "testkit: daemon already running");
        let spec = &self.spec;
        // Leftovers of a killed predecessor would confuse the readiness check.
        for stale in spec.unix_sockets.iter().chain([&spec.ctl, &spec.pidfile]) {
            let _ = std::fs::remove_file(stale);
        }
        let log_offset = file_len(&spec.log);
        let console = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&spec.console)
            .map_err(|e| {
                StartError::Failed(format!("cannot open {}: {e}", spec.console.display()))
            })?;
        let console2 = console
            .try_clone()
            .map_err(|e| StartError::Failed(format!("cannot dup console file: {e}")))?;
        let mut cmd = ovs_command(&spec.program, &spec.dir);
        cmd.args(&spec.args)
            .current_dir(&spec.dir)
            .stdout(console)
            .stderr(console2);
        let desc = describe(&cmd);
        let child = cmd
            .spawn()
            .map_err(|e| StartError::Failed(format!("cannot spawn `{desc}`: {e}")))?;
        *self.child() = Some(Running::new(child));
        self.stopped.store(false, Ordering::SeqCst);

        let result = self.wait_ready(log_offset, &desc);
        if result.is_err() {
            self.kill();
        }
        result
    }

    /// Polls until sockets accept connections and the control socket
    /// answers, watching for early exit and port conflicts.
    fn wait_ready(&self, log_offset: u64, desc: &str) -> Result<(), StartError> {
        let start = Instant::now();
        let mut step = Duration::from_millis(1);
        loop {
            let exited = match self.child().as_mut().map(|r| r.daemon.try_wait()) {
                Some(Ok(None)) => None,
                Some(Ok(Some(status))) => Some(status.to_string()),
                Some(Err(e)) => Some(format!("unknown status: {e}")),
                None => Some("killed".to_owned()),
            };
            if let Some(status) = exited {
                return Err(StartError::Failed(format!(
                    "`{desc}` exited ({status}) before becoming ready\n{}",
                    self.tails()
                )));
            }
            if let Some(line) = port_conflict(&read_from(&self.spec.log, log_offset)) {
                return Err(StartError::PortInUse(line));
            }
            let sockets_up = self.spec.unix_sockets.iter().all(|p| unix_connectable(p))
                && self.spec.tcp_ports.iter().all(|&p| tcp_connectable(p))
                && self.spec.ctl.exists();
            // The control socket is served from the main loop, which only
            // runs after all remotes have been set up: an answer here means
            // every bind has been attempted (and a failure logged).
            if sockets_up && self.try_appctl(5, &["version"]).is_ok() {
                if let Some(line) = port_conflict(&read_from(&self.spec.log, log_offset)) {
                    return Err(StartError::PortInUse(line));
                }
                return Ok(());
            }
            if start.elapsed() >= STARTUP_DEADLINE {
                return Err(StartError::Failed(format!(
                    "`{desc}` did not become ready within {STARTUP_DEADLINE:?} \
                     (unix sockets {:?}, tcp ports {:?}, control socket {})\n{}",
                    self.spec.unix_sockets,
                    self.spec.tcp_ports,
                    self.spec.ctl.display(),
                    self.tails()
                )));
            }
            backoff(&mut step, Duration::from_millis(50));
        }
    }

    /// SIGKILLs the daemon (if running) and reaps it.
    pub fn kill(&self) {
        if let Some(running) = self.child().take() {
            running.terminate();
        }
        self.stopped.store(false, Ordering::SeqCst);
    }

    /// Asks the daemon to exit via `ovs-appctl exit`, waits up to `grace`,
    /// then falls back to SIGKILL. Always reaps the child.
    pub fn stop_gracefully(&self, grace: Duration) {
        if self.child().is_none() {
            return;
        }
        if self.is_stopped() {
            self.kill();
            return;
        }
        let _ = self.try_appctl(5, &["exit"]);
        let start = Instant::now();
        let mut step = Duration::from_millis(1);
        while start.elapsed() < grace {
            let mut slot = self.child();
            if !Daemon::still_running(&mut slot) {
                return;
            }
            drop(slot);
            backoff(&mut step, Duration::from_millis(20));
        }
        self.kill();
    }

    /// Whether the child is alive (reaps it if it has exited on its own).
    pub fn is_running(&self) -> bool {
        Daemon::still_running(&mut self.child())
    }

    /// Checks the child in `slot`; if it has exited, reaps it, disarms its
    /// watchdog and empties the slot.
    fn still_running(slot: &mut Option<Running>) -> bool {
        let Some(running) = slot.as_mut() else {
            return false;
        };
        match running.daemon.try_wait() {
            Ok(None) => true,
            Ok(Some(_)) => {
                if let Some(mut running) = slot.take() {
                    running.disarm();
                }
                false
            }
            Err(_) => {
                if let Some(running) = slot.take() {
                    running.terminate();
                }
                false
            }
        }
    }

    /// The child's pid, if it has been spawned and not reaped.
    pub fn pid(&self) -> Option<u32> {
        self.child().as_ref().map(|r| r.daemon.id())
    }

    /// Whether the daemon has been frozen with [`Daemon::sigstop`].
    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    /// Freezes the daemon with SIGSTOP.
    pub fn sigstop(&self) {
        let pid = self
            .pid()
            .expect("testkit: sigstop on a daemon that is not running");
        send_signal(pid, "STOP");
        self.stopped.store(true, Ordering::SeqCst);
    }

    /// Resumes a frozen daemon with SIGCONT.
    pub fn sigcont(&self) {
        let pid = self
            .pid()
            .expect("testkit: sigcont on a daemon that is not running");
        send_signal(pid, "CONT");
        self.stopped.store(false, Ordering::SeqCst);
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Creates the private temporary directory for a daemon (or cluster).
///
/// Unix socket paths are limited to 107 bytes, so a directory under an
/// unusually long `TMPDIR` is replaced by one under `/tmp`. With the
/// environment variable `TESTKIT_KEEP_DIRS` set, the directory (logs,
/// databases) is left behind for post-mortem inspection.
pub(crate) fn private_dir(prefix: &str) -> tempfile::TempDir {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix);
    let base = std::env::temp_dir();
    let dir = if base.as_os_str().len() > 60 {
        builder.tempdir_in("/tmp")
    } else {
        builder.tempdir()
    };
    let mut dir =
        dir.unwrap_or_else(|e| panic!("testkit: cannot create a temporary directory: {e}"));
    if std::env::var_os("TESTKIT_KEEP_DIRS").is_some() {
        dir.disable_cleanup(true);
        eprintln!("testkit: keeping {}", dir.path().display());
    }
    dir
}
