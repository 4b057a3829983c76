//! Issue 4, section 5: the full insert of 100,000 Kube-OVN-shaped ports (100 switches of
//! 1,000) goes through in one transaction accepted by a real ovsdb-server, the replica then
//! holds exactly the topology, and a second diff (full, and through a `Differ`) is empty.

use std::time::{Duration, Instant};

use ovn_model::diff::{Differ, Owner, TABLES, diff};
use ovn_model::topology::{Switch, SwitchPort, Topology};
use ovsdb_client::replica::ReplicaBuilder;
use testkit::OvsdbServer;

fn topology(switches: u64, ports: u64) -> Topology {
    let mut t = Topology::new();
    for s in 0..switches {
        let name = format!("subnet-{s}");
        let mut sw =
            Switch::new(name.clone()).with_other_config("subnet", format!("10.{s}.0.0/16"));
        for p in 0..ports {
            let i = s * ports + p;
            let ip = format!("10.{s}.{}.{}", p / 250, p % 250 + 2);
            let mac = format!(
                "00:00:00:{:02x}:{:02x}:{:02x}",
                (i >> 16) & 0xff,
                (i >> 8) & 0xff,
                i & 0xff
            );
            sw = sw.with_port(
                SwitchPort::new(format!("pod-{p}.ns-{s}"))
                    .with_addresses([format!("{mac} {ip}")])
                    .with_port_security([format!("{mac} {ip}")])
                    .with_external_id("ls", name.clone())
                    .with_external_id("pod", format!("ns-{s}/pod-{p}"))
                    .with_external_id("ip", ip.clone())
                    .with_option("requested-chassis", format!("node-{}", i % 50)),
            );
        }
        t = t.with_switch(sw);
    }
    t
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_ports_in_one_transaction() {
    let server = OvsdbServer::nb();
    // ovsdb-server sends nothing while it commits 100,000 rows (tens of MB in, as much out):
    // on a slow machine that outlasts the default probe (5 s, twice unanswered), as it
    // would for Open vSwitch's IDL, so this client waits longer, as a deployment of this
    // size would configure.
    let options = ovsdb_client::ConnectOptions {
        probe_interval: Some(Duration::from_secs(30)),
        ..ovsdb_client::ConnectOptions::default()
    };
    let mut builder =
        ReplicaBuilder::new(server.unix_remote(), "OVN_Northbound").connect_options(options);
    for t in TABLES {
        builder = builder.table(*t);
    }
    let (driver, replica) = builder.start().expect("replica");
    tokio::spawn(driver);
    replica.wait_synced().await.expect("synced");
    let topo = topology(100, 1000);
    let owner = Owner::default();

    let start = Instant::now();
    let plan = diff(&topo, &replica.snapshot(), &owner).expect("diff");
    assert_eq!(plan.counts["Logical_Switch_Port"].inserted, 100_000);
    assert_eq!(plan.counts["Logical_Switch"].inserted, 100);
    let planned = start.elapsed();
    let bytes = serde_json::to_vec(&plan.transaction).expect("encode").len();
    let start = Instant::now();
    tokio::time::timeout(Duration::from_secs(600), replica.transact(plan.transaction))
        .await
        .expect("committed in time")
        .expect("one transaction of 100,000 ports");
    let committed = start.elapsed();
    eprintln!("planned in {planned:?}; {bytes} bytes committed (and replicated) in {committed:?}");

    let snap = replica.snapshot();
    assert_eq!(snap.len("Logical_Switch_Port").expect("table"), 100_000);
    assert!(diff(&topo, &snap, &owner).expect("diff").is_empty());
    let mut differ = Differ::new(owner.clone());
    assert!(differ.diff(&topo, &snap).expect("diff").is_empty());
    let again = differ.diff(&topo, &snap).expect("diff");
    assert!(again.is_empty());
    assert_eq!(again.compared, 0);
    // The server agrees.
    let count = server.nbctl(&[
        "--columns=_uuid",
        "--format=csv",
        "--no-headings",
        "list",
        "Logical_Switch_Port",
    ]);
    assert_eq!(count.lines().count(), 100_000);
}
