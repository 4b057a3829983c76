//! Standalone `ovsdb-server` through testkit: remotes, tools, PKI,
//! restart, signals and cleanup.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::process::Command;
use std::time::{Duration, Instant};

use testkit::{OvsdbServer, ovs_command, pid_exists, require_binary, run_checked, test_schema};

const LIST_DBS: &[u8] = br#"{"id":1,"method":"list_dbs","params":[]}"#;

/// Reads one complete JSON object (balanced braces outside strings).
fn read_json_object(stream: &mut impl Read) -> std::io::Result<String> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut byte = [0u8; 1];
    loop {
        if stream.read(&mut byte)? == 0 {
            return Err(std::io::Error::new(
                ErrorKind::UnexpectedEof,
                format!("EOF after {:?}", String::from_utf8_lossy(&out)),
            ));
        }
        let b = byte[0];
        out.push(b);
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
            }
            _ => {}
        }
    }
}

/// Sends `list_dbs` and returns the reply text.
fn list_dbs(stream: &mut (impl Read + Write)) -> String {
    stream.write_all(LIST_DBS).expect("send list_dbs");
    read_json_object(stream).expect("read list_dbs reply")
}

fn assert_list_dbs_reply(reply: &str, db: &str) {
    assert!(reply.contains(r#""id":1"#), "unexpected reply {reply}");
    assert!(reply.contains(&format!(r#""{db}""#)), "no {db} in {reply}");
    assert!(reply.contains(r#""error":null"#), "error in {reply}");
}

#[test]
fn unix_tcp_and_ssl_remotes_come_up() {
    let srv = OvsdbServer::builder(test_schema())
        .tcp(true)
        .ssl(true)
        .start();
    assert_eq!(srv.db_name(), "Test");
    assert!(srv.unix_remote().starts_with("unix:/"));
    assert!(srv.unix_remote().ends_with("/db.sock"));
    assert!(srv.tcp_remote().starts_with("tcp:127.0.0.1:"));
    assert!(srv.ssl_remote().starts_with("ssl:127.0.0.1:"));
    assert!(srv.dir().join("db").is_file());

    let mut unix = UnixStream::connect(srv.unix_socket()).expect("connect unix");
    unix.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    assert_list_dbs_reply(&list_dbs(&mut unix), "Test");

    let mut tcp = TcpStream::connect(("127.0.0.1", srv.tcp_port().unwrap())).expect("connect tcp");
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    assert_list_dbs_reply(&list_dbs(&mut tcp), "Test");

    // The SSL port accepts TCP connections (the TLS side is covered by the
    // ovsdb-client and openssl tests below).
    TcpStream::connect(("127.0.0.1", srv.ssl_port().unwrap())).expect("connect ssl port");

    let remotes = srv.appctl(&["ovsdb-server/list-remotes"]);
    assert!(remotes.contains("punix:"), "{remotes}");
    assert!(remotes.contains("ptcp:"), "{remotes}");
    assert!(remotes.contains("pssl:"), "{remotes}");
}

#[test]
fn c_ovsdb_client_over_ssl_with_generated_pki() {
    let srv = OvsdbServer::builder(test_schema()).ssl(true).start();
    let pki = srv.pki();
    let mut cmd = ovs_command("ovsdb-client", srv.dir());
    cmd.arg(format!("--private-key={}", pki.client_key.display()))
        .arg(format!("--certificate={}", pki.client_cert.display()))
        .arg(format!("--ca-cert={}", pki.ca_cert.display()))
        .arg("list-dbs")
        .arg(srv.ssl_remote());
    let out = run_checked(&mut cmd);
    assert!(out.lines().any(|l| l == "Test"), "list-dbs said {out:?}");

    // The helper prepends the client PKI options by itself.
    let version = srv.ovsdb_client(&["get-schema-version", &srv.ssl_remote(), "Test"]);
    assert_eq!(version.trim(), "1.2.3");
}

#[test]
fn server_certificate_verifies_for_127_0_0_1_and_client_cert_is_required() {
    let srv = OvsdbServer::builder(test_schema()).ssl(true).start();
    let pki = srv.pki();
    let connect = format!("127.0.0.1:{}", srv.ssl_port().unwrap());

    // Full verification of the chain and of the IP SAN, presenting the
    // client certificate: the handshake must succeed.
    let mut ok = Command::new(require_binary("openssl"));
    ok.args(["s_client", "-connect", &connect, "-verify_return_error"])
        .args(["-verify_ip", "127.0.0.1"])
        .arg("-CAfile")
        .arg(&pki.ca_cert)
        .arg("-cert")
        .arg(&pki.client_cert)
        .arg("-key")
        .arg(&pki.client_key);
    let out = run_checked(&mut ok);
    assert!(
        out.contains("Verify return code: 0 (ok)"),
        "openssl s_client said:\n{out}"
    );

    // The same for the name localhost.
    let mut host = Command::new(require_binary("openssl"));
    host.args(["s_client", "-connect", &connect, "-verify_return_error"])
        .args(["-verify_hostname", "localhost"])
        .arg("-CAfile")
        .arg(&pki.ca_cert)
        .arg("-cert")
        .arg(&pki.client_cert)
        .arg("-key")
        .arg(&pki.client_key);
    let out = run_checked(&mut host);
    assert!(out.contains("Verify return code: 0 (ok)"), "{out}");

    // Without a client certificate the server refuses the handshake
    // (with TLS 1.3 the client only learns it from an alert after its own
    // side of the handshake, so look at the server's log).
    let mut anon = Command::new(require_binary("openssl"));
    anon.args(["s_client", "-connect", &connect])
        .arg("-CAfile")
        .arg(&pki.ca_cert);
    let _ = testkit::try_run(&mut anon);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = std::fs::read_to_string(srv.log_path()).unwrap_or_default();
        if log.contains("peer did not return a certificate") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "anonymous client was not rejected; log:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn nbctl_against_northbound_server() {
    let nb = OvsdbServer::nb();
    assert_eq!(nb.db_name(), "OVN_Northbound");
    nb.nbctl(&["ls-add", "sw0"]);
    nb.nbctl(&["lsp-add", "sw0", "sw0-port1"]);
    let list = nb.nbctl(&["ls-list"]);
    assert!(list.contains("(sw0)"), "ls-list said {list:?}");
    let ports = nb.nbctl(&["lsp-list", "sw0"]);
    assert!(ports.contains("(sw0-port1)"), "lsp-list said {ports:?}");
    let err = nb.try_nbctl(&["ls-add", "sw0"]).unwrap_err();
    assert!(err.contains("already exists"), "{err}");

    // The same database is visible over TCP.
    let mut cmd = ovs_command("ovn-nbctl", nb.dir());
    cmd.arg(format!("--db={}", nb.tcp_remote())).arg("ls-list");
    assert!(run_checked(&mut cmd).contains("(sw0)"));
}

#[test]
fn southbound_and_vswitch_servers() {
    let sb = OvsdbServer::sb();
    assert_eq!(sb.db_name(), "OVN_Southbound");
    sb.sbctl(&["chassis-add", "ch0", "geneve", "127.0.0.1"]);
    assert!(sb.sbctl(&["show"]).contains("ch0"));

    let vs = OvsdbServer::vswitch();
    assert_eq!(vs.db_name(), "Open_vSwitch");
    vs.vsctl(&["init"]);
    vs.vsctl(&["add-br", "br0"]);
    assert_eq!(vs.vsctl(&["list-br"]).trim(), "br0");
}

#[test]
fn restart_keeps_data_and_addresses() {
    let mut srv = OvsdbServer::test();
    let reply = srv.transact(
        r#"["Test",
            {"op":"insert","table":"Child","row":{"name":"c1","value":7},"uuid-name":"c"},
            {"op":"insert","table":"Parent",
             "row":{"name":"p1","n":5,"color":"red","limited":["set",[1,2]],
                    "children":["named-uuid","c"]}}]"#,
    );
    assert!(!reply.contains("error"), "{reply}");
    let unix = srv.unix_remote();
    let tcp = srv.tcp_remote();
    let old_pid = srv.pid();

    srv.restart();
    assert_ne!(srv.pid(), old_pid);
    assert!(!pid_exists(old_pid), "old server still exists");
    assert_eq!(srv.unix_remote(), unix);
    assert_eq!(srv.tcp_remote(), tcp);

    let dump = srv.dump_json("Parent");
    assert!(dump.contains(r#""p1""#), "{dump}");
    let dump = srv.dump_json("Child");
    assert!(dump.contains(r#""c1""#), "{dump}");

    let mut tcp_stream =
        TcpStream::connect(("127.0.0.1", srv.tcp_port().unwrap())).expect("tcp after restart");
    tcp_stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    assert_list_dbs_reply(&list_dbs(&mut tcp_stream), "Test");

    // kill + restart works too, and a graceful stop ends the process.
    srv.kill();
    assert!(!srv.is_running());
    srv.restart();
    assert!(srv.is_running());
    assert!(srv.dump_json("Parent").contains(r#""p1""#));
    let pid = srv.pid();
    srv.stop();
    assert!(!pid_exists(pid));
}

#[test]
fn test_schema_enforces_constraints() {
    let srv = OvsdbServer::start(test_schema());
    let reply = srv.transact(r#"["Test",{"op":"insert","table":"Parent","row":{"n":5000}}]"#);
    assert!(reply.contains("constraint violation"), "{reply}");
    let reply = srv
        .transact(r#"["Test",{"op":"insert","table":"Parent","row":{"name":"x","color":"pink"}}]"#);
    assert!(reply.contains("constraint violation"), "{reply}");
    let reply = srv.transact(
        r#"["Test",{"op":"insert","table":"Parent","row":{"name":"a"}},
                   {"op":"insert","table":"Parent","row":{"name":"a"}}]"#,
    );
    assert!(reply.contains("identical values"), "{reply}");
    let reply = srv.transact(
        r#"["Test",{"op":"insert","table":"Parent","row":{"name":"ok","color":"green"}}]"#,
    );
    assert!(!reply.contains("error"), "{reply}");
    let schema = srv.ovsdb_client(&["get-schema", &srv.unix_remote(), "Test"]);
    for needle in [
        r#""ephemeral":true"#,
        r#""mutable":false"#,
        r#""refType":"weak""#,
        r#""maxRows":1000"#,
        r#""isRoot":true"#,
        r#""indexes":[["name"]]"#,
    ] {
        assert!(schema.contains(needle), "schema lacks {needle}: {schema}");
    }
}

#[test]
fn sigstop_freezes_and_sigcont_resumes() {
    let srv = OvsdbServer::start(test_schema());
    srv.sigstop();
    let mut unix = UnixStream::connect(srv.unix_socket()).expect("connect unix");
    unix.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    unix.write_all(LIST_DBS).unwrap();
    let err = read_json_object(&mut unix).expect_err("a frozen server must not answer");
    assert!(
        matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{err}"
    );
    srv.sigcont();
    unix.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let reply = read_json_object(&mut unix).expect("reply after SIGCONT");
    assert_list_dbs_reply(&reply, "Test");
}

#[test]
fn drop_kills_the_server_and_removes_its_directory() {
    let srv = OvsdbServer::builder(test_schema())
        .tcp(true)
        .ssl(true)
        .start();
    let pid = srv.pid();
    let dir = srv.dir().to_owned();
    assert!(pid_exists(pid));
    drop(srv);
    assert!(!pid_exists(pid), "ovsdb-server {pid} survived drop");
    assert!(!dir.exists(), "{} survived drop", dir.display());

    // A frozen server is cleaned up as well.
    let srv = OvsdbServer::start(test_schema());
    let pid = srv.pid();
    srv.sigstop();
    drop(srv);
    assert!(!pid_exists(pid), "frozen ovsdb-server {pid} survived drop");
}

#[test]
fn panic_in_a_test_still_kills_the_server() {
    let (tx, rx) = std::sync::mpsc::channel();
    let result = std::thread::spawn(move || {
        let srv = OvsdbServer::start(test_schema());
        tx.send(srv.pid()).unwrap();
        panic!("deliberate panic with a running server");
    })
    .join();
    assert!(result.is_err());
    let pid = rx.recv().unwrap();
    assert!(!pid_exists(pid), "ovsdb-server {pid} survived a panic");
}

#[test]
#[should_panic(expected = "apt-get install")]
fn missing_binary_panics_with_package_name() {
    require_binary("ovn-no-such-tool");
}

#[test]
fn schema_paths_exist() {
    for p in [
        testkit::nb_schema(),
        testkit::sb_schema(),
        testkit::vswitch_schema(),
        test_schema(),
    ] {
        assert!(p.is_file(), "{}", p.display());
    }
    assert_eq!(testkit::schema_name(&test_schema()), "Test");
}

/// Not a test by itself: run as a child copy of this test binary by
/// `daemon_dies_with_the_test_process_even_without_drop`. Starts a server,
/// reports its pid and directory, and exits without running destructors.
#[test]
fn watchdog_helper_process() {
    let Some(report) = std::env::var_os("TESTKIT_WATCHDOG_REPORT") else {
        return;
    };
    let srv = OvsdbServer::start(test_schema());
    std::fs::write(&report, format!("{}\n{}", srv.pid(), srv.dir().display())).unwrap();
    std::process::exit(0);
}

/// Whether `pid` is gone or only a zombie awaiting its new parent.
fn is_dead(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

/// The watchdog kills a daemon whose test process exited without dropping
/// it. The orphaned daemon then belongs to PID 1, which reaps it in its own
/// time, so a zombie counts as dead here.
#[test]
fn daemon_dies_with_the_test_process_even_without_drop() {
    let report = std::env::temp_dir().join(format!("testkit-watchdog-{}", std::process::id()));
    let _ = std::fs::remove_file(&report);
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "watchdog_helper_process", "--test-threads=1"])
        .env("TESTKIT_WATCHDOG_REPORT", &report)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "helper failed: {status}");
    let text = std::fs::read_to_string(&report).expect("helper report");
    let _ = std::fs::remove_file(&report);
    let (pid, dir) = text.split_once('\n').unwrap();
    let pid: u32 = pid.parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !is_dead(pid) {
        assert!(
            Instant::now() < deadline,
            "ovsdb-server {pid} outlived its test process"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The helper could not clean up its directory; do it here.
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn startup_failure_panics_with_the_daemon_output() {
    let err = std::panic::catch_unwind(|| {
        OvsdbServer::builder(test_schema())
            .arg("--no-such-option")
            .start()
    })
    .expect_err("a bad option must fail the start");
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("exited"), "{msg}");
    assert!(msg.contains("no-such-option"), "{msg}");
    assert!(msg.contains("--- tail of"), "{msg}");
}
