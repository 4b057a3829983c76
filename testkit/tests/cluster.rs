//! RAFT clusters through testkit: formation, failover, rejoin, signals and
//! cleanup.

use std::time::{Duration, Instant};

use testkit::{Cluster, nb_schema, pid_exists, test_schema};

/// Inserts a `Parent` row through member `i`'s unix socket.
fn insert_parent(cluster: &Cluster, i: usize, name: &str) {
    let txn = format!(
        r#"["Test",{{"op":"insert","table":"Parent","row":{{"name":"{name}","limited":1}}}}]"#
    );
    let reply = cluster.ovsdb_client(&["transact", &cluster.member_unix_remote(i), &txn]);
    assert!(!reply.contains("error"), "{reply}");
}

/// Polls until member `i`'s copy of `Parent` contains `name`.
fn wait_for_row(cluster: &Cluster, i: usize, name: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let needle = format!(r#""{name}""#);
    loop {
        let dump = cluster
            .try_ovsdb_client(&[
                "--format=json",
                "--no-leader-only",
                "dump",
                &cluster.member_unix_remote(i),
                "Test",
                "Parent",
            ])
            .unwrap_or_default();
        if dump.contains(&needle) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "member {i} never saw {name}: {dump}\n{}",
            cluster.report()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn three_members_elect_fail_over_and_rejoin() {
    let mut cluster = Cluster::start(test_schema(), 3);
    assert_eq!(cluster.len(), 3);
    assert_eq!(cluster.db_name(), "Test");
    let remotes = cluster.remotes();
    assert_eq!(remotes.split(',').count(), 3, "{remotes}");
    assert!(remotes.split(',').all(|r| r.starts_with("tcp:127.0.0.1:")));

    let leader = cluster.wait_for_leader();
    let status = cluster.status(leader);
    assert!(status.contains("Role: leader"), "{status}");
    for i in 0..3 {
        assert!(cluster.status(i).contains("Status: cluster member"));
        assert!(cluster.role(i).is_some());
    }
    insert_parent(&cluster, leader, "before");

    // Kill the leader: the two others elect a new one.
    let old_pid = cluster.pid(leader);
    cluster.kill(leader);
    assert!(!cluster.is_running(leader));
    assert!(!pid_exists(old_pid));
    let new_leader = cluster.wait_for_leader();
    assert_ne!(new_leader, leader);
    insert_parent(&cluster, new_leader, "after");

    // The old leader comes back on the same address and catches up.
    cluster.restart(leader);
    assert!(cluster.is_running(leader));
    cluster.wait_for_member(leader);
    wait_for_row(&cluster, leader, "before");
    wait_for_row(&cluster, leader, "after");
    assert!(
        cluster
            .status(leader)
            .contains(&format!("Address: {}", cluster.raft_address(leader)))
    );
}

#[test]
fn frozen_leader_is_replaced_and_resumes_as_follower() {
    let cluster = Cluster::start(nb_schema(), 3);
    cluster.nbctl(&["ls-add", "sw0"]);
    let leader = cluster.wait_for_leader();

    cluster.sigstop(leader);
    let live = cluster.live_remotes();
    assert_eq!(live.split(',').count(), 2, "{live}");
    assert!(!live.contains(&cluster.member_tcp_remote(leader)));
    let start = Instant::now();
    let new_leader = loop {
        if let Some(l) = cluster.leader().filter(|&l| l != leader) {
            break l;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no new leader\n{}",
            cluster.report()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    // ovn-nbctl finds the new leader among all remotes.
    cluster.nbctl(&["ls-add", "sw1"]);

    cluster.sigcont(leader);
    let start = Instant::now();
    while cluster.role(leader).as_deref() != Some("follower") {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "old leader did not step down\n{}",
            cluster.report()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(cluster.wait_for_leader(), new_leader);
    let list = cluster.nbctl(&["ls-list"]);
    assert!(list.contains("(sw0)") && list.contains("(sw1)"), "{list}");
}

#[test]
fn single_member_cluster_and_drop_cleanup() {
    let cluster = Cluster::start(test_schema(), 1);
    assert_eq!(cluster.wait_for_leader(), 0);
    insert_parent(&cluster, 0, "solo");
    let pid = cluster.pid(0);
    let dir = cluster.dir().to_owned();
    drop(cluster);
    assert!(!pid_exists(pid), "member survived drop");
    assert!(!dir.exists());

    let cluster = Cluster::start(test_schema(), 3);
    let pids: Vec<u32> = (0..3).map(|i| cluster.pid(i)).collect();
    cluster.sigstop(1);
    drop(cluster);
    for pid in pids {
        assert!(!pid_exists(pid), "member {pid} survived drop");
    }
}
