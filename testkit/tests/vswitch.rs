//! The userspace switch: a netdev bridge takes flows over its management socket and shows
//! them back; killing and restarting vswitchd brings the bridge back empty.

use testkit::Vswitch;

#[test]
fn netdev_bridge_takes_and_dumps_flows() {
    let sw = Vswitch::start();
    let sock = sw.add_bridge("br0");
    assert!(sock.exists());
    let remote = sw.mgmt_remote("br0");
    sw.ofctl(&[
        "-O",
        "OpenFlow15",
        "add-flow",
        &remote,
        "table=1,priority=100,ip,nw_dst=10.0.0.1,actions=ct(commit,zone=5),resubmit(,2)",
    ]);
    let dump = sw.ofctl(&["-O", "OpenFlow15", "--no-stats", "dump-flows", &remote]);
    assert!(
        dump.contains(
            "table=1, priority=100,ip,nw_dst=10.0.0.1 actions=ct(commit,zone=5),resubmit(,2)"
        ),
        "{dump}"
    );
    let pid = sw.pid().expect("running");
    sw.kill();
    assert!(!testkit::pid_exists(pid));
    sw.restart();
    let _ = sw.wait_bridge("br0");
    let dump = sw.ofctl(&["-O", "OpenFlow15", "--no-stats", "dump-flows", &remote]);
    assert!(!dump.contains("nw_dst=10.0.0.1"), "{dump}");
}
