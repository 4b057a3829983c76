//! `ofctl` beside Debian's ovs-ofctl 3.1 and a userspace vswitchd: parse-flows and ofp-parse
//! print byte-identically; flows added in a bundle dump as ovs-ofctl dumps them; a no-op
//! replace-flows sends nothing and a changed file sends only the changes; errors name the
//! file, line and column.

use std::process::{Command, Output};

use testkit::Vswitch;

fn ofctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ofctl"))
        .args(args)
        .output()
        .expect("run ofctl")
}

fn ok(args: &[&str]) -> String {
    let out = ofctl(args);
    assert!(
        out.status.success(),
        "ofctl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn ovs_ofctl(args: &[&str]) -> String {
    let out = Command::new("/usr/bin/ovs-ofctl")
        .args(args)
        .output()
        .expect("ovs-ofctl (Debian openvswitch-common) must be installed");
    assert!(
        out.status.success(),
        "ovs-ofctl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The OVN-like flows of benches/compare/gen_flows.py.
fn gen_flows(n: usize, dir: &std::path::Path) -> std::path::PathBuf {
    let script = format!(
        "{}/../benches/compare/gen_flows.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = Command::new("python3")
        .arg(script)
        .arg(n.to_string())
        .output()
        .expect("python3");
    assert!(out.status.success());
    let path = dir.join(format!("flows{n}.txt"));
    std::fs::write(&path, out.stdout).unwrap();
    path
}

#[test]
fn parse_flows_and_ofp_parse_print_as_ovs_ofctl() {
    let dir = tempfile::tempdir().unwrap();
    let flows = gen_flows(2000, dir.path());
    let flows = flows.to_str().unwrap();
    for v in ["OpenFlow13", "OpenFlow15"] {
        let theirs: String = ovs_ofctl(&["-O", v, "parse-flows", flows])
            .lines()
            .filter(|l| l.starts_with("OFPT_"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(ok(&["-O", v, "parse-flows", flows]), theirs, "{v}");
        let bin = dir.path().join(format!("{v}.bin"));
        let bin = bin.to_str().unwrap();
        ok(&["-O", v, "encode-flows", flows, bin]);
        assert_eq!(
            ok(&["ofp-parse", bin]),
            ovs_ofctl(&["ofp-parse", bin]),
            "{v}"
        );
    }
}

#[test]
fn add_dump_replace_and_delete_on_a_switch() {
    let sw = Vswitch::start();
    sw.add_bridge("br0");
    let remote = sw.mgmt_remote("br0");
    let dir = tempfile::tempdir().unwrap();
    let flows = gen_flows(3000, dir.path());
    let flows = flows.to_str().unwrap();

    ok(&["add-flows", &remote, flows, "--bundle"]);
    let ours = ok(&["--no-stats", "dump-flows", &remote]);
    let theirs = ovs_ofctl(&["-O", "OpenFlow15", "--no-stats", "dump-flows", &remote]);
    assert_eq!(ours.lines().count(), 3000);
    assert_eq!(ours, theirs);
    let with_stats = ok(&["dump-flows", &remote]);
    assert!(
        with_stats
            .lines()
            .all(|l| l.starts_with(" cookie=0x0, duration=")
                && l.contains(", n_packets=0, n_bytes=0, ")),
        "{}",
        with_stats.lines().next().unwrap_or_default()
    );

    // A no-op replace sends nothing.
    assert_eq!(
        ok(&["replace-flows", &remote, flows]),
        "0 adds, 0 modifies, 0 replaces, 0 deletes: 0 flow_mods\n"
    );
    // One flow's actions changed, one cookie changed, one flow gone, one new.
    let text = std::fs::read_to_string(flows).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[0] = lines[0].replace("resubmit(,15)", "resubmit(,16)");
    lines[1] = format!("cookie=0x9,{}", lines[1]);
    lines.remove(2);
    lines.push("table=99,priority=1,actions=drop".into());
    let changed = dir.path().join("changed.txt");
    std::fs::write(&changed, lines.join("\n")).unwrap();
    let changed = changed.to_str().unwrap();
    assert_eq!(
        ok(&["replace-flows", &remote, changed]),
        "1 adds, 1 modifies, 1 replaces, 1 deletes: 4 flow_mods\n"
    );
    assert_eq!(
        ok(&["replace-flows", &remote, changed]),
        "0 adds, 0 modifies, 0 replaces, 0 deletes: 0 flow_mods\n"
    );
    let dump = ovs_ofctl(&["-O", "OpenFlow15", "--no-stats", "dump-flows", &remote]);
    assert!(dump.contains("cookie=0x9, table=44,"), "cookie changed");
    assert!(dump.contains("table=99, priority=1 actions=drop"));
    assert_eq!(dump.lines().count(), 3000);

    // Under OpenFlow 1.3 the same switch dumps as ovs-ofctl dumps it too.
    assert_eq!(
        ok(&["-O", "OpenFlow13", "--no-stats", "dump-flows", &remote]),
        ovs_ofctl(&["-O", "OpenFlow13", "--no-stats", "dump-flows", &remote])
    );

    ok(&["del-flows", &remote, "table=99"]);
    assert_eq!(
        ok(&["--no-stats", "dump-flows", &remote]).lines().count(),
        2999
    );
    ok(&["del-flows", &remote]);
    assert_eq!(ok(&["--no-stats", "dump-flows", &remote]), "");

    // Without --bundle the flows are sent in pieces, checked by one barrier.
    ok(&["add-flows", &remote, flows]);
    assert_eq!(ok(&["--no-stats", "dump-flows", &remote]), theirs);
    ok(&["del-flows", &remote]);

    // A flow that does not parse near the end of the file (in a later piece than the
    // pieces already sent) leaves the switch as it was: the bundle is never committed.
    let mut bad = lines.clone();
    bad[2500] = format!("{},bogus=1", bad[2500]);
    let bad_file = dir.path().join("bad.txt");
    std::fs::write(&bad_file, bad.join("\n")).unwrap();
    let out = ofctl(&["add-flows", &remote, bad_file.to_str().unwrap(), "--bundle"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.txt:2501:") && err.contains("bogus"),
        "{err}"
    );
    assert_eq!(ok(&["--no-stats", "dump-flows", &remote]), "");
    // Without --bundle, as ovs-ofctl: nothing is sent when a flow does not parse.
    let out = ofctl(&["add-flows", &remote, bad_file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert_eq!(ok(&["--no-stats", "dump-flows", &remote]), "");
    // A flow the switch refuses (a goto to a table before its own) fails the bundle, which
    // applies nothing, and is named by its line.
    let mut refused = lines.clone();
    refused[2700] = "table=5,priority=1,actions=goto_table:1".into();
    std::fs::write(&bad_file, refused.join("\n")).unwrap();
    let out = ofctl(&["add-flows", &remote, bad_file.to_str().unwrap(), "--bundle"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("flow 2701 failed"), "{err}");
    assert_eq!(ok(&["--no-stats", "dump-flows", &remote]), "");
}

#[test]
fn errors_name_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.txt");
    std::fs::write(
        &bad,
        "# a comment\n\npriority=1,actions=drop\npriority=2,tcp,tp_dst=80,bogus=1,actions=drop\n",
    )
    .unwrap();
    let out = ofctl(&["parse-flows", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.txt:4:") && err.contains("bogus") && err.contains("column 26"),
        "{err}"
    );
}
