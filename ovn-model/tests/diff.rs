//! The diff engine against a real OVN_Northbound server: a topology applied through a replica
//! ends in the database exactly (checked with ovn-nbctl), applying it again changes nothing,
//! edits (ports removed, moved, changed; a router removed) become minimal transactions, and
//! rows without the owner mark are never touched.

use std::collections::BTreeMap;
use std::time::Duration;

use ovn_model::Error;
use ovn_model::diff::{Differ, Owner, Plan, diff, observe};
use ovn_model::topology::{
    Acl, AddressSet, DhcpOptions, Dns, HaChassisGroup, LoadBalancer, LoadBalancerGroup, Nat,
    PortGroup, Router, RouterPolicy, RouterPort, StaticRoute, Switch, SwitchPort, Topology,
};
use ovsdb_client::replica::{Replica, ReplicaBuilder, Snapshot};
use testkit::OvsdbServer;

const NB: &str = "OVN_Northbound";

async fn replica(server: &OvsdbServer) -> Replica {
    let mut builder = ReplicaBuilder::new(server.unix_remote(), NB);
    for t in ovn_model::diff::TABLES {
        builder = builder.table(*t);
    }
    let (driver, replica) = builder.start().expect("replica");
    tokio::spawn(driver);
    tokio::time::timeout(Duration::from_secs(20), replica.wait_synced())
        .await
        .expect("synced in time")
        .expect("synced");
    replica
}

/// Diffs and applies; returns the plan.
async fn apply(replica: &Replica, topo: &Topology) -> Plan {
    let plan = diff(topo, &replica.snapshot(), &Owner::default()).expect("diff");
    if !plan.is_empty() {
        replica
            .transact(plan.transaction.clone())
            .await
            .expect("transact");
    }
    plan
}

fn snapshot_is_empty_diff(topo: &Topology, snap: &Snapshot) {
    let again = diff(topo, snap, &Owner::default()).expect("diff");
    assert!(
        again.is_empty(),
        "a second diff is not empty: {:?}",
        again.transaction
    );
}

/// `ovn-nbctl list TABLE` as one `|`-separated line of the columns COLS per row, sorted.
fn list(server: &OvsdbServer, table: &str, cols: &str) -> Vec<String> {
    let out = server.nbctl(&[
        "--format=csv",
        "--data=bare",
        "--no-headings",
        &format!("--columns={cols}"),
        "list",
        table,
    ]);
    let mut rows: Vec<String> = out.lines().map(|l| l.replace(',', "|")).collect();
    rows.sort();
    rows
}

fn two_tiers() -> Topology {
    Topology::new()
        .with_router(
            Router::new("lr0")
                .with_port(RouterPort::new(
                    "lr0-ls0",
                    "00:00:00:00:ff:01",
                    ["10.0.0.1/24"],
                ))
                .with_port(RouterPort::new(
                    "lr0-ls1",
                    "00:00:00:00:ff:02",
                    ["10.0.1.1/24"],
                )),
        )
        .with_router(Router::new("lr-spare"))
        .with_switch(
            Switch::new("ls0")
                .with_external_id("subnet", "ls0")
                .with_port(SwitchPort::router("ls0-lr0", "lr0-ls0"))
                .with_port(
                    SwitchPort::new("a.ns")
                        .with_addresses(["00:00:00:00:00:0a 10.0.0.10"])
                        .with_external_id("pod", "ns/a"),
                )
                .with_port(SwitchPort::new("b.ns").with_addresses(["00:00:00:00:00:0b 10.0.0.11"])),
        )
        .with_switch(
            Switch::new("ls1")
                .with_port(SwitchPort::router("ls1-lr0", "lr0-ls1"))
                .with_port(SwitchPort::new("c.ns").with_addresses(["00:00:00:00:00:0c 10.0.1.10"]))
                .with_port(SwitchPort::localnet("localnet.ls1", "physnet", Some(100))),
        )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applies_edits_minimally_and_leaves_foreign_rows_alone() {
    let server = OvsdbServer::nb();
    // Someone else's switch, with a port, and a foreign port inside what will be our switch.
    server.nbctl(&["ls-add", "theirs", "--", "lsp-add", "theirs", "their-port"]);
    let replica = replica(&server).await;

    let topo = two_tiers();
    let plan = apply(&replica, &topo).await;
    let counts: BTreeMap<&str, (usize, usize, usize)> = plan
        .counts
        .iter()
        .map(|(t, c)| (*t, (c.inserted, c.updated, c.deleted)))
        .collect();
    assert_eq!(
        counts,
        BTreeMap::from([
            ("Logical_Router", (2, 0, 0)),
            ("Logical_Router_Port", (2, 0, 0)),
            ("Logical_Switch", (2, 0, 0)),
            ("Logical_Switch_Port", (6, 0, 0)),
        ])
    );
    snapshot_is_empty_diff(&topo, &replica.snapshot());
    assert_eq!(
        list(&server, "Logical_Switch", "name"),
        ["ls0", "ls1", "theirs"]
    );
    assert_eq!(
        list(&server, "Logical_Switch_Port", "name,type,addresses,tag"),
        [
            "a.ns||00:00:00:00:00:0a 10.0.0.10|",
            "b.ns||00:00:00:00:00:0b 10.0.0.11|",
            "c.ns||00:00:00:00:00:0c 10.0.1.10|",
            "localnet.ls1|localnet|unknown|100",
            "ls0-lr0|router|router|",
            "ls1-lr0|router|router|",
            "their-port|||",
        ]
    );
    assert_eq!(
        list(&server, "Logical_Router_Port", "name,mac,networks"),
        [
            "lr0-ls0|00:00:00:00:ff:01|10.0.0.1/24",
            "lr0-ls1|00:00:00:00:ff:02|10.0.1.1/24"
        ]
    );
    // The marks and extra ids are there.
    let ids = server.nbctl(&["get", "Logical_Switch_Port", "a.ns", "external_ids"]);
    assert_eq!(ids.trim(), r#"{pod="ns/a", vendor=kube-ovn}"#);

    // A foreign port added to our switch stays through every later apply.
    server.nbctl(&["lsp-add", "ls0", "their-extra"]);
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Edits: b.ns removed, c.ns moved to ls0 with a new address, an option on a.ns, the
    // spare router removed, a port security set.
    let mut edited = topo.clone();
    let ls0 = edited.switches.get_mut("ls0").expect("ls0");
    ls0.ports.remove("b.ns");
    ls0.ports
        .get_mut("a.ns")
        .expect("a")
        .options
        .insert("requested-chassis".into(), "node1".into());
    let mut c = edited
        .switches
        .get_mut("ls1")
        .expect("ls1")
        .ports
        .remove("c.ns")
        .expect("c");
    c.addresses = ["00:00:00:00:00:0c 10.0.0.12".to_owned()].into();
    c.port_security = c.addresses.clone();
    edited
        .switches
        .get_mut("ls0")
        .expect("ls0")
        .ports
        .insert("c.ns".into(), c);
    edited.routers.remove("lr-spare");
    // Wait until the replica has seen their-extra, so the diff accounts for it.
    while !replica
        .snapshot()
        .rows("Logical_Switch_Port")
        .expect("table")
        .any(|(_, r)| r.get_str("name") == Some("their-extra"))
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let plan = apply(&replica, &edited).await;
    let counts: BTreeMap<&str, (usize, usize, usize)> = plan
        .counts
        .iter()
        .map(|(t, c)| (*t, (c.inserted, c.updated, c.deleted)))
        .collect();
    assert_eq!(
        counts,
        BTreeMap::from([
            ("Logical_Router", (0, 0, 1)),
            // a.ns changed; c.ns changed and moved (one update each); b.ns deleted.
            ("Logical_Switch_Port", (0, 2, 1)),
        ]),
        "{:?}",
        plan.transaction
    );
    snapshot_is_empty_diff(&edited, &replica.snapshot());
    assert_eq!(
        list(&server, "Logical_Switch", "name,ports")
            .iter()
            .map(|r| r.split('|').next().unwrap_or("").to_owned())
            .collect::<Vec<_>>(),
        ["ls0", "ls1", "theirs"]
    );
    let ls0_ports = server.nbctl(&["--bare", "--columns=name", "find", "Logical_Switch_Port"]);
    let mut names: Vec<&str> = ls0_ports.split_whitespace().collect();
    names.sort();
    assert_eq!(
        names,
        [
            "a.ns",
            "c.ns",
            "localnet.ls1",
            "ls0-lr0",
            "ls1-lr0",
            "their-extra",
            "their-port"
        ]
    );
    let ls0 = server.nbctl(&["--bare", "--columns=name", "list", "Logical_Switch", "ls0"]);
    assert_eq!(ls0.trim(), "ls0");
    let show = server.nbctl(&["show", "ls0"]);
    for port in ["a.ns", "c.ns", "ls0-lr0", "their-extra"] {
        assert!(
            show.contains(&format!("port {port}")),
            "{port} in ls0:\n{show}"
        );
    }
    assert_eq!(
        server
            .nbctl(&["get", "Logical_Switch_Port", "c.ns", "port_security"])
            .trim(),
        r#"["00:00:00:00:00:0c 10.0.0.12"]"#
    );
    assert_eq!(list(&server, "Logical_Router", "name"), ["lr0"]);

    // Removing everything: not while our switch holds a foreign port, which would go with it.
    let e = diff(&Topology::new(), &replica.snapshot(), &Owner::default()).unwrap_err();
    assert!(matches!(e, Error::HoldsForeign { .. }), "{e}");
    assert!(
        e.to_string().contains("Logical_Switch \"ls0\"")
            && e.to_string()
                .contains("Logical_Switch_Port \"their-extra\""),
        "{e}"
    );
    server.nbctl(&["lsp-del", "their-extra"]);
    while replica
        .snapshot()
        .rows("Logical_Switch_Port")
        .expect("table")
        .any(|(_, r)| r.get_str("name") == Some("their-extra"))
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Then only what is ours goes.
    let plan = apply(&replica, &Topology::new()).await;
    assert!(!plan.is_empty());
    snapshot_is_empty_diff(&Topology::new(), &replica.snapshot());
    assert_eq!(list(&server, "Logical_Switch", "name"), ["theirs"]);
    assert!(list(&server, "Logical_Router", "name").is_empty());
    assert_eq!(list(&server, "Logical_Switch_Port", "name"), ["their-port"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_taken_by_a_foreign_row_is_an_error() {
    let server = OvsdbServer::nb();
    server.nbctl(&["ls-add", "theirs", "--", "lsp-add", "theirs", "p1"]);
    let replica = replica(&server).await;
    let topo = Topology::new().with_switch(Switch::new("theirs"));
    let e = diff(&topo, &replica.snapshot(), &Owner::default()).unwrap_err();
    assert!(matches!(e, Error::Foreign { .. }), "{e}");
    let text = e.to_string();
    assert!(
        text.contains("Logical_Switch \"theirs\"") && text.contains("vendor=kube-ovn"),
        "{text}"
    );
    // A port name taken elsewhere is a clash too.
    let topo = Topology::new().with_switch(Switch::new("mine").with_port(SwitchPort::new("p1")));
    let e = diff(&topo, &replica.snapshot(), &Owner::default()).unwrap_err();
    assert!(e.to_string().contains("Logical_Switch_Port \"p1\""), "{e}");
    // Nothing was written.
    assert_eq!(list(&server, "Logical_Switch", "name"), ["theirs"]);
}

/// What the diff would write is validated first: a malformed entity or a reference to
/// nothing is an error naming the entity and field, and nothing is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_entities_are_refused_before_any_write() {
    let server = OvsdbServer::nb();
    let replica = replica(&server).await;
    let snap = replica.snapshot();
    let owner = Owner::default();
    let bad_mac = Topology::new().with_switch(
        Switch::new("ls").with_port(SwitchPort::new("p").with_addresses(["00:00:zz 10.0.0.1"])),
    );
    let e = diff(&bad_mac, &snap, &owner).unwrap_err().to_string();
    assert!(
        e.contains("Logical_Switch_Port \"p\"") && e.contains("addresses"),
        "{e}"
    );
    let dangling = Topology::new()
        .with_switch(Switch::new("ls").with_port(SwitchPort::new("p")))
        .with_port_group(PortGroup::new("pg", ["p", "nowhere"]));
    let e = diff(&dangling, &snap, &owner).unwrap_err().to_string();
    assert!(
        e.contains("Port_Group \"pg\"") && e.contains("nowhere"),
        "{e}"
    );
    let no_dhcp = Topology::new().with_switch(
        Switch::new("ls").with_port(SwitchPort::new("p").with_dhcpv4_options("missing")),
    );
    let e = diff(&no_dhcp, &snap, &owner).unwrap_err().to_string();
    assert!(e.contains("dhcpv4_options") && e.contains("missing"), "{e}");
    let twice = Topology::new()
        .with_switch(Switch::new("a").with_port(SwitchPort::new("p")))
        .with_switch(Switch::new("b").with_port(SwitchPort::new("p")));
    let e = diff(&twice, &snap, &owner).unwrap_err().to_string();
    assert!(e.contains("\"p\"") && e.contains("both"), "{e}");
    assert!(list(&server, "Logical_Switch", "name").is_empty());
}

/// Waits until the replica has seen a change made behind its back.
async fn settle(replica: &Replica, before: u64) -> Snapshot {
    for _ in 0..200 {
        let snap = replica.snapshot();
        if snap.version() > before {
            return snap;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the replica never saw the change");
}

/// A `Differ` that skips what it verified still sees every change: in the desired topology
/// (a port's option), and in the database behind its back (a port's external_ids edited, a
/// port deleted, a switch's other_config edited), and plans exactly what a full diff plans.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_differ_sees_changes_on_both_sides() {
    let server = OvsdbServer::nb();
    let replica = replica(&server).await;
    let owner = Owner::default();
    let mut differ = Differ::new(owner.clone());
    let mut topo = two_tiers();
    let check = |differ: &mut Differ, topo: &Topology, snap: &Snapshot| {
        let full = diff(topo, snap, &owner).expect("diff");
        let remembered = differ.diff(topo, snap).expect("differ");
        assert_eq!(
            full.transaction.operations(),
            remembered.transaction.operations()
        );
        remembered
    };
    let plan = check(&mut differ, &topo, &replica.snapshot());
    replica.transact(plan.transaction).await.expect("apply");
    // The first diff after the apply compares the rows the apply touched; the next one,
    // with nothing new on either side, compares nothing.
    assert!(check(&mut differ, &topo, &replica.snapshot()).is_empty());
    let again = check(&mut differ, &topo, &replica.snapshot());
    assert!(again.is_empty());
    assert_eq!(again.compared, 0);
    assert!(
        diff(&topo, &replica.snapshot(), &owner)
            .expect("diff")
            .compared
            > 10
    );

    // The topology changes: one port's option.
    let port = topo
        .switches
        .get_mut("ls0")
        .and_then(|s| s.ports.get_mut("a.ns"))
        .expect("port");
    port.options
        .insert("requested-chassis".into(), "node-1".into());
    let plan = check(&mut differ, &topo, &replica.snapshot());
    assert_eq!(plan.counts["Logical_Switch_Port"].updated, 1);
    // Only the changed port is compared again (its switch's other rows are skipped).
    assert_eq!(plan.compared, 1);
    replica.transact(plan.transaction).await.expect("apply");
    assert!(check(&mut differ, &topo, &replica.snapshot()).is_empty());

    // Children the topology holds in another order than their keys' (ACLs by priority
    // first, rows by match first): a change to one of them compares only it.
    let acls = [
        Acl::new("to-lport", 1000, "ip4.src == 10.0.0.0/8", "allow"),
        Acl::new("to-lport", 1001, "ip4.src == 10.1.0.0/16", "allow"),
        Acl::new("to-lport", 2000, "arp", "allow"),
        Acl::new("from-lport", 900, "udp", "drop"),
    ];
    let ls0 = topo.switches.get_mut("ls0").expect("ls0");
    for acl in acls {
        ls0.acls.insert(acl.key(), acl);
    }
    let plan = check(&mut differ, &topo, &replica.snapshot());
    assert_eq!(plan.counts["ACL"].inserted, 4);
    replica.transact(plan.transaction).await.expect("apply");
    assert!(check(&mut differ, &topo, &replica.snapshot()).is_empty());
    assert_eq!(check(&mut differ, &topo, &replica.snapshot()).compared, 0);
    for acl in topo.switches.get_mut("ls0").expect("ls0").acls.values_mut() {
        if acl.match_ == "ip4.src == 10.0.0.0/8" {
            acl.action = "drop".into();
        }
    }
    let plan = check(&mut differ, &topo, &replica.snapshot());
    assert_eq!(plan.counts["ACL"].updated, 1);
    assert_eq!(plan.compared, 1);
    replica.transact(plan.transaction).await.expect("apply");
    assert!(check(&mut differ, &topo, &replica.snapshot()).is_empty());

    // The database changes behind the differ's back.
    for edit in [
        vec![
            "set",
            "Logical_Switch_Port",
            "b.ns",
            "external_ids:pod=intruder",
        ],
        vec!["lsp-del", "c.ns"],
        vec!["set", "Logical_Switch", "ls1", "other_config:x=y"],
    ] {
        let before = replica.snapshot().version();
        server.nbctl(&edit);
        let snap = settle(&replica, before).await;
        let plan = check(&mut differ, &topo, &snap);
        assert!(!plan.is_empty(), "{edit:?} went unseen");
        replica.transact(plan.transaction).await.expect("apply");
        assert!(check(&mut differ, &topo, &replica.snapshot()).is_empty());
    }
    assert_eq!(observe(&replica.snapshot(), &owner).expect("observe"), topo);
}

mod properties {
    use super::*;
    use ovsdb_client::monitor::{RowUpdate2, TableUpdates2};
    use ovsdb_client::replica::Store;
    use ovsdb_client::schema::DatabaseSchema;
    use ovsdb_client::{Datum, Row};
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    use std::collections::BTreeSet;

    fn small_map() -> impl Strategy<Value = BTreeMap<String, String>> {
        proptest::collection::btree_map(
            prop::sample::select(vec!["a", "b", "c", "d"]).prop_map(str::to_owned),
            prop::sample::select(vec!["1", "2", "x y"]).prop_map(str::to_owned),
            0..3,
        )
    }

    fn addresses() -> impl Strategy<Value = BTreeSet<String>> {
        proptest::collection::btree_set(
            prop::sample::select(vec![
                "00:00:00:00:00:01 10.0.0.1",
                "00:00:00:00:00:02 10.0.0.2 fd00::2",
                "unknown",
                "dynamic",
            ])
            .prop_map(str::to_owned),
            0..3,
        )
    }

    fn switch_port(name: String) -> impl Strategy<Value = SwitchPort> {
        (
            any::<bool>(),
            addresses(),
            addresses(),
            small_map(),
            small_map(),
            prop::option::of(1i64..4095),
        )
            .prop_map(
                move |(localnet, addresses, port_security, mut options, external_ids, tag)| {
                    let mut p = SwitchPort::new(name.clone());
                    if localnet {
                        p.kind = "localnet".into();
                        options.insert("network_name".into(), "physnet".into());
                        p.tag = tag;
                    }
                    p.addresses = addresses;
                    p.port_security = port_security;
                    p.options = options;
                    p.external_ids = external_ids;
                    p
                },
            )
    }

    /// Up to 4 switches and 3 routers from small name pools, ports spread over them (names
    /// unique across parents), so that successive topologies share, move and drop rows.
    fn topology() -> impl Strategy<Value = Topology> {
        let switch_ports = proptest::collection::btree_map(0usize..10, 0usize..4, 0..8);
        let router_ports = proptest::collection::btree_map(0usize..6, 0usize..3, 0..5);
        (
            proptest::collection::btree_set(0usize..4, 0..4),
            proptest::collection::btree_set(0usize..3, 0..3),
            switch_ports,
            router_ports,
            small_map(),
            small_map(),
        )
            .prop_flat_map(|(switches, routers, sp, rp, ids, options)| {
                let ports: Vec<_> = sp
                    .into_iter()
                    .filter(|(_, s)| switches.contains(s))
                    .map(|(p, s)| (Just(s), switch_port(format!("p{p}"))))
                    .collect();
                let rports: Vec<(usize, RouterPort)> = rp
                    .into_iter()
                    .filter(|(_, r)| routers.contains(r))
                    .map(|(p, r)| {
                        let net = format!("10.{p}.0.1/24");
                        let mut port = RouterPort::new(
                            format!("rp{p}"),
                            format!("00:00:00:00:ff:{p:02x}"),
                            [net],
                        );
                        if p % 2 == 0 {
                            port.networks.insert(format!("fd00:{p}::1/64"));
                        }
                        (r, port)
                    })
                    .collect();
                (
                    Just(switches),
                    Just(routers),
                    ports,
                    Just(rports),
                    Just(ids),
                    Just(options),
                )
            })
            .prop_flat_map(|x| {
                (
                    Just(x),
                    acls(),
                    router_rules(),
                    balancers(),
                    address_sets(),
                    any::<u32>(),
                )
            })
            .prop_map(
                |(
                    (switches, routers, ports, rports, ids, options),
                    acls,
                    rules,
                    lbs,
                    sets,
                    bits,
                )| {
                    let mut t = Topology::new();
                    for lb in &lbs {
                        t = t.with_load_balancer(lb.clone());
                    }
                    for set in sets {
                        t = t.with_address_set(set);
                    }
                    let lb_names: Vec<String> = lbs.iter().map(|l| l.name.clone()).collect();
                    for s in switches {
                        let mut sw = Switch::new(format!("ls{s}"));
                        sw.external_ids = ids.clone();
                        sw.load_balancers =
                            lb_names.iter().skip(s % 2).step_by(2).cloned().collect();
                        for a in acls.iter().filter(|a| a.priority % 4 == s as i64 % 4) {
                            sw = sw.with_acl(a.clone());
                        }
                        t = t.with_switch(sw);
                    }
                    for r in routers {
                        let mut lr = Router::new(format!("lr{r}"));
                        lr.options = options.clone();
                        lr.load_balancers = lb_names.iter().skip(r).take(1).cloned().collect();
                        let (routes, policies, nats) = &rules;
                        for x in routes.iter().skip(r) {
                            lr = lr.with_static_route(x.clone());
                        }
                        for x in policies.iter().skip(r) {
                            lr = lr.with_policy(x.clone());
                        }
                        for x in nats.iter().skip(r) {
                            lr = lr.with_nat(x.clone());
                        }
                        t = t.with_router(lr);
                    }
                    for (s, p) in ports {
                        t.switches
                            .get_mut(&format!("ls{s}"))
                            .expect("switch")
                            .ports
                            .insert(p.name.clone(), p);
                    }
                    for (r, p) in rports {
                        t.routers
                            .get_mut(&format!("lr{r}"))
                            .expect("router")
                            .ports
                            .insert(p.name.clone(), p);
                    }
                    with_extras(t, bits)
                },
            )
    }

    /// The entities that refer to others, chosen by the bits of `bits`: DHCP options used by
    /// some ports, a DNS row on some switches, an HA chassis group or gateway chassis on
    /// router ports, a port group (with ACLs, of desired ports and maybe the foreign one), a
    /// virtual port, NB_Global options. The load balancer group is always there (groups are
    /// never deleted), with changing members and users.
    fn with_extras(mut t: Topology, bits: u32) -> Topology {
        let bit = |i: u32| bits & (1 << i) != 0;
        let lbs: Vec<String> = t.load_balancers.keys().cloned().collect();
        t = t.with_load_balancer_group(LoadBalancerGroup::new(
            "lbg0",
            lbs.iter().filter(|_| bit(10)).take(2).cloned(),
        ));
        if bit(0) {
            t = t.with_dhcp_options(
                DhcpOptions::new("d4", "10.0.0.0/24")
                    .with_option("router", "10.0.0.1")
                    .with_option("lease_time", format!("{}", 3600 + bits % 3)),
            );
        }
        if bit(1) {
            t = t.with_dns(
                Dns::new("dns0").with_record("a.example", format!("10.0.0.{}", bits % 5)),
            );
        }
        if bit(2) {
            t = t.with_ha_chassis_group(
                HaChassisGroup::new("ha0")
                    .with_chassis("ch1", i64::from((bits >> 8) % 3))
                    .with_chassis(if bit(11) { "ch2" } else { "ch3" }, 5),
            );
        }
        let mut port_names = Vec::new();
        for (i, s) in t.switches.values_mut().enumerate() {
            if bit(1) && i % 2 == 0 {
                s.dns_records.insert("dns0".into());
            }
            if bit(5) {
                s.load_balancer_groups.insert("lbg0".into());
            }
            for (j, p) in s.ports.values_mut().enumerate() {
                if bit(0) && j % 2 == 0 {
                    p.dhcpv4_options = Some("d4".into());
                }
                port_names.push(p.name.clone());
            }
            if bit(7) && i == 0 {
                let v = SwitchPort::virtual_port("vip0", "10.0.0.100", ["p0", "p1"]);
                port_names.push(v.name.clone());
                s.ports.insert(v.name.clone(), v);
            }
        }
        for (i, r) in t.routers.values_mut().enumerate() {
            if bit(6) {
                r.load_balancer_groups.insert("lbg0".into());
            }
            for (j, p) in r.ports.values_mut().enumerate() {
                if bit(2) && i == 0 && j == 0 {
                    p.ha_chassis_group = Some("ha0".into());
                } else if bit(3) && j == 0 {
                    *p = p
                        .clone()
                        .with_gateway_chassis("ch1", 10)
                        .with_gateway_chassis("ch2", i64::from((bits >> 4) % 20));
                }
            }
        }
        if bit(4) {
            let mut pg = PortGroup::new(
                "pg0",
                port_names
                    .iter()
                    .step_by(1 + (bits >> 12) as usize % 3)
                    .cloned(),
            )
            .with_acl(Acl::new("to-lport", 2000, "outport == @pg0 && ip", "drop"));
            if bit(8) {
                pg.ports.insert("their-port".into());
                pg = pg.with_acl(Acl::new(
                    "to-lport",
                    2001,
                    "outport == @pg0 && ip4",
                    "allow-related",
                ));
            }
            t = t.with_port_group(pg);
        }
        if bit(9) {
            t = t.with_nb_global_option("use_ct_inv_match", "false");
        }
        t
    }

    fn acls() -> impl Strategy<Value = Vec<Acl>> {
        proptest::collection::vec(
            (
                prop::sample::select(vec!["from-lport", "to-lport"]),
                1000i64..1008,
                prop::sample::select(vec!["ip", "ip4.src == 10.0.0.0/8", "tcp.dst == 80"]),
                prop::sample::select(vec!["allow", "allow-related", "drop"]),
                any::<bool>(),
                small_map(),
            )
                .prop_map(|(dir, prio, m, action, log, ids)| {
                    let mut a = Acl::new(dir, prio, m, action);
                    a.log = log;
                    if log {
                        a.name = Some("acl-log".into());
                        a.severity = Some("warning".into());
                    }
                    a.external_ids = ids;
                    a
                }),
            0..5,
        )
    }

    fn balancers() -> impl Strategy<Value = Vec<LoadBalancer>> {
        proptest::collection::btree_map(
            0usize..3,
            (
                proptest::collection::btree_map(
                    prop::sample::select(vec!["10.96.0.1:80", "10.96.0.2", "[fd00::1]:443"]),
                    prop::sample::select(vec!["a", "b"]),
                    0..3,
                ),
                prop::option::of(prop::sample::select(vec!["tcp", "udp"])),
                any::<bool>(),
            ),
            0..3,
        )
        .prop_map(|m| {
            m.into_iter()
                .map(|(i, (vips, protocol, affinity))| {
                    let mut lb = LoadBalancer::new(format!("lb{i}"));
                    for (vip, which) in vips {
                        let backends = match (vip.starts_with('['), vip.contains(':'), which) {
                            (true, _, "a") => "[fd00::10]:8443",
                            (true, _, _) => "[fd00::10]:8443,[fd00::11]:8443",
                            (false, true, "a") => "10.0.0.10:8080",
                            (false, true, _) => "10.0.0.10:8080,10.0.0.11:8080",
                            (false, false, _) => "10.0.0.12",
                        };
                        lb = lb.with_vip(vip, backends);
                    }
                    lb.protocol = protocol.map(str::to_owned);
                    if affinity {
                        lb.selection_fields.insert("ip_src".into());
                    }
                    lb
                })
                .collect()
        })
    }

    fn address_sets() -> impl Strategy<Value = Vec<AddressSet>> {
        proptest::collection::btree_map(
            0usize..2,
            proptest::collection::btree_set(
                prop::sample::select(vec!["10.0.0.1", "10.0.1.0/24", "fd00::5"]),
                0..3,
            ),
            0..2,
        )
        .prop_map(|m| {
            m.into_iter()
                .map(|(i, addrs)| AddressSet::new(format!("as{i}"), addrs))
                .collect()
        })
    }

    type Rules = (Vec<StaticRoute>, Vec<RouterPolicy>, Vec<Nat>);

    fn router_rules() -> impl Strategy<Value = Rules> {
        let routes = proptest::collection::vec(
            (
                prop::sample::select(vec!["0.0.0.0/0", "10.1.0.0/16", "192.168.0.5"]),
                prop::sample::select(vec!["100.64.0.1", "100.64.0.2", "discard"]),
                prop::sample::select(vec!["", "dst-ip", "src-ip"]),
                prop::sample::select(vec!["", "rtb1"]),
                small_map(),
            )
                .prop_map(|(prefix, nexthop, policy, table, ids)| {
                    let mut r = StaticRoute::new(prefix, nexthop);
                    r.policy = policy.into();
                    r.route_table = table.into();
                    r.external_ids = ids;
                    r
                }),
            0..4,
        );
        let policies = proptest::collection::vec(
            (
                prop::sample::select(vec![31000i64, 30000, 29000]),
                prop::sample::select(vec!["ip4.dst == 10.0.0.0/16", "ip4.src == 10.1.0.0/16"]),
                prop::sample::select(vec!["allow", "drop", "reroute"]),
                proptest::collection::btree_set(
                    prop::sample::select(vec!["100.64.0.2", "100.64.0.3"]).prop_map(str::to_owned),
                    1..3,
                ),
            )
                .prop_map(|(prio, m, action, hops)| {
                    if action == "reroute" {
                        RouterPolicy::reroute(prio, m, hops)
                    } else {
                        RouterPolicy::new(prio, m, action)
                    }
                }),
            0..3,
        );
        let nats = proptest::collection::vec(
            (
                prop::sample::select(vec!["snat", "dnat_and_snat", "dnat"]),
                prop::sample::select(vec!["10.0.0.5", "10.0.0.6"]),
                prop::sample::select(vec!["172.16.0.10", "172.16.0.11"]),
            )
                .prop_map(|(kind, logical, external)| {
                    let logical = if kind == "snat" {
                        "10.0.0.0/24"
                    } else {
                        logical
                    };
                    Nat::new(kind, logical, external)
                }),
            0..3,
        );
        (routes, policies, nats)
    }

    /// The owned topology as the C `ovsdb-client dump` sees it: every table dumped, loaded into
    /// a fresh store, observed.
    fn dumped(server: &OvsdbServer, schema: &std::sync::Arc<DatabaseSchema>) -> Topology {
        let tables = ovn_model::diff::TABLES
            .iter()
            .map(|t| (t.to_string(), None));
        let mut store = Store::new(schema.clone(), tables, []).expect("store");
        let mut full = TableUpdates2::default();
        for table in ovn_model::diff::TABLES {
            let v: serde_json::Value =
                serde_json::from_str(&server.dump_json(table)).expect("dump JSON");
            let headings: Vec<String> =
                serde_json::from_value(v["headings"].clone()).expect("headings");
            let mut rows = Vec::new();
            for cells in v["data"].as_array().expect("data") {
                let mut row = Row::new();
                for (h, cell) in headings.iter().zip(cells.as_array().expect("cells")) {
                    let d: Datum = serde_json::from_value(cell.clone()).expect("datum");
                    row.insert(h, d);
                }
                let uuid = row.uuid().expect("_uuid");
                rows.push((uuid, RowUpdate2::Initial(row)));
            }
            full.tables.insert(table.to_string(), rows);
        }
        store.resync(full, None).expect("load");
        observe(&store.snapshot(), &Owner::default()).expect("observe")
    }

    /// What `observe` can give back: everything but the NB_Global options.
    fn without_nb_global(t: &Topology) -> Topology {
        let mut t = t.clone();
        t.nb_global = Default::default();
        t
    }

    fn observed(snap: &Snapshot) -> Topology {
        observe(snap, &Owner::default()).expect("observe")
    }

    /// The same topology built in the opposite order.
    fn reversed(t: &Topology) -> Topology {
        let mut out = Topology::new();
        for lb in t.load_balancers.values().rev() {
            out = out.with_load_balancer(lb.clone());
        }
        for set in t.address_sets.values().rev() {
            out = out.with_address_set(set.clone());
        }
        for s in t.switches.values().rev() {
            let mut sw = Switch::new(s.name.clone());
            sw.other_config = s.other_config.clone();
            sw.external_ids = s.external_ids.clone();
            sw.load_balancers = s.load_balancers.clone();
            sw.load_balancer_groups = s.load_balancer_groups.clone();
            sw.dns_records = s.dns_records.clone();
            for a in s.acls.values().rev() {
                sw = sw.with_acl(a.clone());
            }
            for p in s.ports.values().rev() {
                sw = sw.with_port(p.clone());
            }
            out = out.with_switch(sw);
        }
        for g in t.load_balancer_groups.values().rev() {
            out = out.with_load_balancer_group(g.clone());
        }
        for g in t.port_groups.values().rev() {
            out = out.with_port_group(g.clone());
        }
        for d in t.dhcp_options.values().rev() {
            out = out.with_dhcp_options(d.clone());
        }
        for d in t.dns.values().rev() {
            out = out.with_dns(d.clone());
        }
        for g in t.ha_chassis_groups.values().rev() {
            out = out.with_ha_chassis_group(g.clone());
        }
        out.nb_global = t.nb_global.clone();
        for r in t.routers.values().rev() {
            let mut lr = Router::new(r.name.clone());
            lr.load_balancer_groups = r.load_balancer_groups.clone();
            lr.options = r.options.clone();
            lr.external_ids = r.external_ids.clone();
            lr.load_balancers = r.load_balancers.clone();
            for x in r.static_routes.values().rev() {
                lr = lr.with_static_route(x.clone());
            }
            for x in r.policies.values().rev() {
                lr = lr.with_policy(x.clone());
            }
            for x in r.nat.values().rev() {
                lr = lr.with_nat(x.clone());
            }
            for p in r.ports.values().rev() {
                lr = lr.with_port(p.clone());
            }
            out = out.with_router(lr);
        }
        out
    }

    /// Random sequences of topologies applied to one real server: after each apply the owned
    /// database is the topology (observed back from the replica), a second diff is empty, the
    /// diff does not depend on the order the topology was built in, and the foreign switch
    /// and port are untouched.
    #[test]
    fn sequences_of_topologies_converge() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let server = OvsdbServer::nb();
        server.nbctl(&["ls-add", "theirs", "--", "lsp-add", "theirs", "their-port"]);
        let replica = rt.block_on(replica(&server));
        // The foreign rows as they are now, _version included.
        let foreign = |snap: &Snapshot| {
            let mut rows = Vec::new();
            for table in ["Logical_Switch", "Logical_Switch_Port"] {
                for (u, r) in snap.rows(table).expect("table") {
                    if !Owner::default().owns(r) {
                        rows.push((u, format!("{r:?}")));
                    }
                }
            }
            rows.sort();
            rows
        };
        let foreign_before = foreign(&replica.snapshot());
        let schema = std::sync::Arc::new(
            DatabaseSchema::from_json(
                &std::fs::read_to_string(testkit::nb_schema()).expect("schema file"),
            )
            .expect("schema"),
        );
        let sequences = std::cell::Cell::new(0usize);
        let differ = std::cell::RefCell::new(Differ::new(Owner::default()));
        assert_eq!(foreign_before.len(), 2);
        let mut runner = TestRunner::new(Config {
            cases: 1000,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&proptest::collection::vec(topology(), 1..5), |seq| {
                sequences.set(sequences.get() + 1);
                for topo in &seq {
                    let snap = replica.snapshot();
                    let plan = diff(topo, &snap, &Owner::default()).expect("diff");
                    let again = diff(&reversed(topo), &snap, &Owner::default()).expect("diff");
                    prop_assert_eq!(
                        plan.transaction.operations(),
                        again.transaction.operations()
                    );
                    // The differ, which carries what it verified across every step of
                    // every sequence, plans exactly what a full diff plans.
                    let remembered = differ.borrow_mut().diff(topo, &snap).expect("differ");
                    prop_assert_eq!(
                        plan.transaction.operations(),
                        remembered.transaction.operations()
                    );
                    prop_assert_eq!(&plan.counts, &remembered.counts);
                    if !plan.is_empty() {
                        rt.block_on(replica.transact(plan.transaction.clone()))
                            .map_err(|e| {
                                TestCaseError::fail(format!("{e}: {:?}", plan.transaction))
                            })?;
                    }
                    let snap = replica.snapshot();
                    prop_assert_eq!(&observed(&snap), &without_nb_global(topo));
                    prop_assert!(
                        diff(topo, &snap, &Owner::default())
                            .expect("diff")
                            .is_empty()
                    );
                }
                // Now and then, check through an independent client too.
                if sequences.get() % 100 == 1
                    && let Some(last) = seq.last()
                {
                    prop_assert_eq!(&dumped(&server, &schema), &without_nb_global(last));
                }
                Ok(())
            })
            .expect("property");
        // The foreign rows were never written (same _version, same contents).
        assert_eq!(foreign(&replica.snapshot()), foreign_before);
        assert!(list(&server, "Logical_Switch", "name").contains(&"theirs".to_owned()));
    }
}

/// A plan computed before a concurrent change is refused by its preconditions (never
/// clobbering the change); `apply` recomputes from the updated replica and succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_plans_fail_their_preconditions_and_apply_retries() {
    let server = OvsdbServer::nb();
    let replica = replica(&server).await;
    let topo = two_tiers();
    let applied = ovn_model::apply::apply(&replica, &topo, &Owner::default(), 3)
        .await
        .expect("apply");
    assert_eq!(applied.attempts, 1);
    assert!(!applied.plan.is_empty());
    let again = ovn_model::apply::apply(&replica, &topo, &Owner::default(), 3)
        .await
        .expect("apply");
    assert_eq!(again.attempts, 0, "nothing sent when nothing changes");

    // A plan from the current state...
    let mut edited = topo.clone();
    edited
        .switches
        .get_mut("ls0")
        .expect("ls0")
        .ports
        .get_mut("a.ns")
        .expect("a")
        .options
        .insert("k".into(), "v".into());
    let stale = diff(&edited, &replica.snapshot(), &Owner::default()).expect("diff");
    // ...then someone else changes a row it touches.
    server.nbctl(&[
        "set",
        "Logical_Switch_Port",
        "a.ns",
        "external_ids:touched=yes",
    ]);
    let e = replica
        .transact(stale.transaction.clone())
        .await
        .expect_err("stale plan");
    let ovsdb_client::Error::Transaction(te) = &e else {
        panic!("{e}")
    };
    assert!(te.is_retryable(), "{te}");
    // The other writer's change survived.
    let ids = server.nbctl(&["get", "Logical_Switch_Port", "a.ns", "external_ids:touched"]);
    assert_eq!(ids.trim(), "yes");

    // apply() recomputes: our option goes in, their foreign key in our row is ours to manage
    // (the model's external_ids win), and a second apply sends nothing.
    let applied = ovn_model::apply::apply(&replica, &edited, &Owner::default(), 3)
        .await
        .expect("apply");
    assert!(applied.attempts >= 1);
    let opts = server.nbctl(&["get", "Logical_Switch_Port", "a.ns", "options:k"]);
    assert_eq!(opts.trim(), "v");
    let again = ovn_model::apply::apply(&replica, &edited, &Owner::default(), 3)
        .await
        .expect("apply");
    assert_eq!(again.attempts, 0);
}
