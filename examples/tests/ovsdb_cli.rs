//! The `ovsdb` program against a real ovsdb-server, compared with ovn-nbctl and the C
//! ovsdb-client.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;
use testkit::OvsdbServer;

fn ovsdb(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ovsdb"))
        .args(args)
        .output()
        .expect("run ovsdb")
}

fn ok_json(args: &[&str]) -> Value {
    let out = ovsdb(args);
    assert!(
        out.status.success(),
        "ovsdb {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

fn one_line_error(args: &[&str]) -> String {
    let out = ovsdb(args);
    assert!(!out.status.success(), "ovsdb {args:?} should fail");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn read_commands_on_every_transport() {
    let server = OvsdbServer::builder(testkit::nb_schema())
        .tcp(true)
        .ssl(true)
        .start();
    let pki = server.pki();
    let tls: Vec<String> = vec![
        "--private-key".into(),
        pki.client_key.display().to_string(),
        "--certificate".into(),
        pki.client_cert.display().to_string(),
        "--ca-cert".into(),
        pki.ca_cert.display().to_string(),
    ];
    let list = format!(
        "unix:{}/missing.sock,{}",
        server.dir().display(),
        server.unix_remote()
    );
    for remote in [
        server.unix_remote(),
        server.tcp_remote(),
        server.ssl_remote(),
        list,
    ] {
        let mut args: Vec<&str> = vec!["list-dbs", &remote];
        if remote.starts_with("ssl:") {
            args.extend(tls.iter().map(String::as_str));
        }
        let dbs = ok_json(&args);
        assert!(
            dbs.as_array()
                .unwrap()
                .contains(&Value::from("OVN_Northbound")),
            "{remote}"
        );
    }
    let remote = server.unix_remote();

    // get-schema gives back the schema file (as ovsdb-client get-schema does).
    let ours = ok_json(&["get-schema", &remote, "OVN_Northbound"]);
    let theirs: Value =
        serde_json::from_str(&server.ovsdb_client(&["get-schema", &remote, "OVN_Northbound"]))
            .expect("C client JSON");
    assert_eq!(ours["name"], theirs["name"]);
    assert_eq!(ours["version"], theirs["version"]);
    assert_eq!(
        ours["tables"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        theirs["tables"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>()
    );

    let tables = ok_json(&["list-tables", &remote, "OVN_Northbound"]);
    let c_tables = server.ovsdb_client(&["list-tables", &remote, "OVN_Northbound"]);
    for t in tables.as_array().unwrap() {
        assert!(c_tables.contains(t.as_str().unwrap()), "{t}");
    }
    let cols = ok_json(&[
        "list-columns",
        &remote,
        "OVN_Northbound",
        "Logical_Switch_Port",
    ]);
    assert_eq!(
        cols["addresses"],
        serde_json::json!({"key": "string", "min": 0, "max": "unlimited"})
    );
}

#[test]
fn transact_and_dump_agree_with_ovn_nbctl() {
    let server = OvsdbServer::nb();
    let remote = server.unix_remote();
    let txn = r#"["OVN_Northbound",
        {"op":"insert","table":"Logical_Switch_Port","row":{"name":"p1","addresses":["set",["00:00:00:00:00:01 10.0.0.1"]]},"uuid-name":"p1"},
        {"op":"insert","table":"Logical_Switch","row":{"name":"sw0","ports":["named-uuid","p1"]}}]"#;
    let result = ok_json(&["transact", &remote, txn]);
    assert!(
        result[0]["uuid"][1].is_string() && result[1]["uuid"][1].is_string(),
        "{result}"
    );
    assert!(server.nbctl(&["show"]).contains("p1"));

    // A failing transaction still prints the results (errors included), like ovsdb-client.
    let result = ok_json(&["transact", &remote, r#"["OVN_Northbound",{"op":"abort"}]"#]);
    assert_eq!(result[0]["error"], "aborted");

    server.nbctl(&["ls-add", "sw1"]);
    let dump = ok_json(&[
        "dump",
        &remote,
        "OVN_Northbound",
        "Logical_Switch",
        "Logical_Switch_Port",
    ]);
    let mut names: Vec<&str> = dump["Logical_Switch"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["sw0", "sw1"]);
    assert_eq!(
        dump["Logical_Switch_Port"][0]["addresses"],
        "00:00:00:00:00:01 10.0.0.1"
    );
    // Whole-database dump covers every table.
    let all = ok_json(&["dump", &remote, "OVN_Northbound"]);
    assert!(all.as_object().unwrap().len() > 20);
}

#[test]
fn errors_are_one_line() {
    let server = OvsdbServer::nb();
    let remote = server.unix_remote();
    one_line_error(&[]);
    one_line_error(&["frobnicate"]);
    one_line_error(&["list-dbs"]);
    assert!(one_line_error(&["list-dbs", "tcp:1.2.3.4:x"]).contains("port"));
    one_line_error(&[
        "list-dbs",
        &format!("unix:{}/none.sock", server.dir().display()),
    ]);
    assert!(one_line_error(&["get-schema", &remote, "Nope"]).contains("unknown database"));
    one_line_error(&["list-columns", &remote, "OVN_Northbound", "Nope"]);
    one_line_error(&["transact", &remote, "not json"]);
    one_line_error(&["transact", &remote, "{}"]);
    one_line_error(&["monitor", &remote, "OVN_Northbound", "Logical_Switch,nope"]);
    one_line_error(&[
        "list-dbs",
        &server.unix_remote(),
        "--private-key",
        "/nonexistent",
    ]);
}

#[test]
fn sync_counts_the_rows_of_a_replica() {
    let server = OvsdbServer::nb();
    let remote = server.unix_remote();
    server.nbctl(&["ls-add", "sw0"]);
    server.nbctl(&["ls-add", "sw1"]);
    for (sw, port) in [("sw0", "p1"), ("sw0", "p2"), ("sw1", "p3")] {
        server.nbctl(&["lsp-add", sw, port]);
    }
    server.nbctl(&["lsp-set-addresses", "p1", "00:00:00:00:00:01 10.0.0.1"]);

    let counts = ok_json(&[
        "sync",
        &remote,
        "OVN_Northbound",
        "Logical_Switch_Port",
        "Logical_Switch",
    ]);
    assert_eq!(
        counts,
        serde_json::json!({"Logical_Switch": 2, "Logical_Switch_Port": 3})
    );

    // Without tables: every table of the database, empty ones included.
    let all = ok_json(&["sync", &remote, "OVN_Northbound", "--compact"]);
    let all = all.as_object().expect("an object");
    assert!(all.len() > 20, "{all:?}");
    assert_eq!(all["Logical_Switch_Port"], 3);
    assert_eq!(all["Logical_Router"], 0);

    let err = one_line_error(&["sync", &remote, "OVN_Northbound", "Logical_Switch", "Nope"]);
    assert!(err.contains("Nope"), "{err}");
    assert!(one_line_error(&["sync", &remote, "Nope"]).contains("unknown database"));
}

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn read_lines(child: &mut Child) -> mpsc::Receiver<Value> {
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let v: Value = serde_json::from_str(&line).expect("each line is JSON");
            if tx.send(v).is_err() {
                break;
            }
        }
    });
    rx
}

#[test]
fn monitor_prints_initial_rows_then_changes_and_survives_idle_tcp() {
    let server = OvsdbServer::nb();
    server.nbctl(&["ls-add", "first"]);
    let remote = server.tcp_remote();
    let mut child = Killed(
        Command::new(env!("CARGO_BIN_EXE_ovsdb"))
            .args([
                "monitor",
                &remote,
                "OVN_Northbound",
                "Logical_Switch,name,external_ids",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn monitor"),
    );
    let lines = read_lines(&mut child.0);
    let wait = Duration::from_secs(10);
    let l = lines.recv_timeout(wait).expect("initial row");
    assert_eq!(l["action"], "initial");
    assert_eq!(l["row"]["name"], "first");

    server.nbctl(&["ls-add", "second"]);
    let l = lines.recv_timeout(wait).expect("insert");
    assert_eq!(
        (l["action"].as_str(), l["row"]["name"].as_str()),
        (Some("insert"), Some("second"))
    );

    server.nbctl(&["set", "Logical_Switch", "second", "external_ids:a=b"]);
    let l = lines.recv_timeout(wait).expect("modify");
    assert_eq!(l["action"], "modify");
    assert_eq!(
        l["row"]["external_ids"],
        serde_json::json!(["map", [["a", "b"]]])
    );
    assert_eq!(
        l["row"]["name"], "second",
        "the full row, not just the diff"
    );

    // Idle for 15 s on TCP: the server's echo probes are answered, so nothing is lost.
    std::thread::sleep(Duration::from_secs(15));
    server.nbctl(&["ls-del", "first"]);
    let l = lines.recv_timeout(wait).expect("delete after idle");
    assert_eq!(l["action"], "delete");
    assert!(
        child.0.try_wait().expect("status").is_none(),
        "still running"
    );
}
