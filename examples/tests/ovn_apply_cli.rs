//! `ovn-apply` against a real northbound server: each sample topology applies, applying it
//! again prints `0 operations`, a dry run prints the transaction without sending it, and bad
//! files fail with one line.

use std::process::{Command, Output};

use testkit::OvsdbServer;

fn ovn_apply(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ovn-apply"))
        .args(args)
        .output()
        .expect("run ovn-apply")
}

fn stdout_ok(args: &[&str]) -> String {
    let out = ovn_apply(args);
    assert!(
        out.status.success(),
        "ovn-apply {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn sample(name: &str) -> String {
    format!("{}/topologies/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn samples_apply_once_and_then_do_nothing() {
    let server = OvsdbServer::nb();
    let nb = server.unix_remote();
    for file in [
        "two-tiers.json",
        "load-balancer.json",
        "private-subnet.json",
    ] {
        // Each file on its own database state: the previous file's rows go.
        let path = sample(file);
        let dry = stdout_ok(&["--nb", &nb, &path, "--dry-run"]);
        assert!(dry.contains(r#""op":"insert""#), "{file}: {dry}");
        let n: usize = dry
            .lines()
            .last()
            .and_then(|l| l.strip_suffix(" operations"))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{file}: no last line: {dry}"));
        assert!(n > 0);
        let first = stdout_ok(&["--nb", &nb, &path]);
        assert!(
            first.ends_with(&format!("{n} operations\n")),
            "{file}: {first}"
        );
        assert!(first.contains("inserted"), "{file}: {first}");
        let again = stdout_ok(&["--nb", &nb, &path]);
        assert_eq!(again, "0 operations\n", "{file}");
    }
    // The last file's topology is what the database holds.
    let switches = server.nbctl(&["--bare", "--columns=name", "list", "Logical_Switch"]);
    assert_eq!(switches.split_whitespace().collect::<Vec<_>>(), ["private"]);
    let acls = server.nbctl(&["--bare", "--columns=priority", "list", "ACL"]);
    let mut prios: Vec<&str> = acls.split_whitespace().collect();
    prios.sort();
    assert_eq!(prios, ["1000", "1001", "1001"]);
}

#[test]
fn bad_input_fails_with_one_line() {
    let server = OvsdbServer::nb();
    let nb = server.unix_remote();
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"switches": [{"name": "ls", "prots": []}]}"#).expect("write");
    let out = ovn_apply(&["--nb", &nb, bad.to_str().expect("path")]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("prots") && err.contains("line 1"), "{err}");
    // A clash with a row that is not ours.
    server.nbctl(&["ls-add", "web"]);
    let out = ovn_apply(&["--nb", &nb, &sample("load-balancer.json")]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Logical_Switch \"web\"") && err.contains("not ours"),
        "{err}"
    );
}
