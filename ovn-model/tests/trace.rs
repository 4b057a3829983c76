//! What the diff writes means what it should: topologies applied to a real northbound
//! database, translated by ovn-northd, and packets traced through them with ovn-trace.

use std::time::Duration;

use ovn_model::diff::{Owner, TABLES, diff};
use ovn_model::topology::{
    Acl, DhcpOptions, HaChassisGroup, LoadBalancer, Nat, PortGroup, Router, RouterPolicy,
    RouterPort, StaticRoute, Switch, SwitchPort, Topology,
};
use ovsdb_client::replica::{Replica, ReplicaBuilder};
use testkit::OvnCentral;

const NB: &str = "OVN_Northbound";

async fn replica(central: &OvnCentral) -> Replica {
    let mut builder = ReplicaBuilder::new(central.nb().unix_remote(), NB);
    for t in TABLES {
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

/// Applies `topo` and waits for northd to translate it.
async fn apply(central: &OvnCentral, replica: &Replica, topo: &Topology) {
    let plan = diff(topo, &replica.snapshot(), &Owner::default()).expect("diff");
    if !plan.is_empty() {
        replica.transact(plan.transaction).await.expect("transact");
    }
    central.sync();
}

/// Two tiers: ls0 (10.0.0.0/24) and ls1 (10.0.1.0/24) behind router lr0, an external port
/// lr0-ext (172.16.0.1/24) with a default route and SNAT for ls0.
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
                ))
                .with_port(
                    RouterPort::new("lr0-ext", "00:00:00:00:ff:03", ["172.16.0.1/24"])
                        .with_option("gateway_mtu", "1500"),
                )
                .with_static_route(StaticRoute::new("0.0.0.0/0", "172.16.0.254"))
                .with_nat(Nat::new("snat", "10.0.0.0/24", "172.16.0.1")),
        )
        .with_switch(
            Switch::new("ls0")
                .with_port(SwitchPort::router("ls0-lr0", "lr0-ls0"))
                .with_port(SwitchPort::new("a").with_addresses(["00:00:00:00:00:0a 10.0.0.10"]))
                .with_port(SwitchPort::new("b").with_addresses(["00:00:00:00:00:0b 10.0.0.11"])),
        )
        .with_switch(
            Switch::new("ls1")
                .with_port(SwitchPort::router("ls1-lr0", "lr0-ls1"))
                .with_port(SwitchPort::new("c").with_addresses(["00:00:00:00:00:0c 10.0.1.10"])),
        )
        .with_switch(
            Switch::new("ext")
                .with_port(SwitchPort::router("ext-lr0", "lr0-ext"))
                .with_port(SwitchPort::localnet("ln-ext", "physnet", None))
                // The upstream gateway, so that its MAC is known.
                .with_port(
                    SwitchPort::new("upstream").with_addresses(["00:00:00:00:fe:fe 172.16.0.254"]),
                ),
        )
}

/// A packet from port `a` (10.0.0.10) to `dst`, as ovn-trace microflow text.
fn from_a(dst_mac: &str, dst_ip: &str, extra: &str) -> String {
    format!(
        "inport == \"a\" && eth.src == 00:00:00:00:00:0a && eth.dst == {dst_mac} && \
         ip4.src == 10.0.0.10 && ip4.dst == {dst_ip} && ip.ttl == 64{extra}"
    )
}

fn assert_has(trace: &str, what: &[&str]) {
    for w in what {
        assert!(trace.contains(w), "{w:?} not in the trace:\n{trace}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routed_balanced_filtered_and_rerouted() {
    let central = OvnCentral::start();
    let replica = replica(&central).await;
    let mut topo = two_tiers();
    apply(&central, &replica, &topo).await;

    // Routed between the switches: TTL decremented, MACs rewritten, delivered to c.
    let t = central.trace(
        "ls0",
        &from_a("00:00:00:00:ff:01", "10.0.1.10", " && tcp && tcp.dst == 80"),
    );
    assert_has(
        &t,
        &[
            "ip.ttl--",
            "eth.src = 00:00:00:00:ff:02",
            "eth.dst = 00:00:00:00:00:0c",
            "output to \"c\"",
        ],
    );

    // A load balancer on ls0: traffic to the VIP is DNATed to the backend.
    topo = topo.with_load_balancer(
        LoadBalancer::new("lb-web")
            .with_vip("10.96.0.10:80", "10.0.1.10:8080")
            .with_protocol("tcp"),
    );
    topo.switches
        .get_mut("ls0")
        .expect("ls0")
        .load_balancers
        .insert("lb-web".into());
    apply(&central, &replica, &topo).await;
    let t = central.trace_with(
        &["--ct=new", "--ct=new", "--ct=new"],
        "ls0",
        &from_a(
            "00:00:00:00:ff:01",
            "10.96.0.10",
            " && tcp && tcp.dst == 80",
        ),
    );
    assert!(
        t.contains("ct_lb_mark(backends=10.0.1.10:8080)")
            || t.contains("ct_lb(backends=10.0.1.10:8080)"),
        "no DNAT to the backend:\n{t}"
    );

    // ls1 made private: an ACL drops everything to its ports, an allow-related rule above
    // lets ls0's 10.0.0.10 through.
    let ls1 = topo.switches.get_mut("ls1").expect("ls1");
    *ls1 = ls1
        .clone()
        .with_acl(Acl::new("to-lport", 1000, "ip", "drop"))
        .with_acl(Acl::new(
            "to-lport",
            1001,
            "ip4.src == 10.0.0.10",
            "allow-related",
        ));
    apply(&central, &replica, &topo).await;
    // (A new connection: an established one is not checked against the ACLs again.)
    let allowed = central.trace_with(
        &["--ct=new", "--ct=new", "--ct=new"],
        "ls0",
        &from_a("00:00:00:00:ff:01", "10.0.1.10", ""),
    );
    assert_has(&allowed, &["output to \"c\""]);
    let dropped = central.trace_with(
        &["--ct=new", "--ct=new", "--ct=new"],
        "ls0",
        "inport == \"b\" && eth.src == 00:00:00:00:00:0b && eth.dst == 00:00:00:00:ff:01 && \
         ip4.src == 10.0.0.11 && ip4.dst == 10.0.1.10 && ip.ttl == 64",
    );
    assert!(
        !dropped.contains("output to \"c\""),
        "b reached c:\n{dropped}"
    );
    assert!(dropped.contains("drop"), "no drop:\n{dropped}");

    // A port group holding a, with an ACL on it: a's traffic to c is now dropped where it
    // enters, while b (not in the group) is not matched by it.
    topo = topo.with_port_group(PortGroup::new("pg_a", ["a"]).with_acl(Acl::new(
        "from-lport",
        1100,
        "inport == @pg_a && ip4.dst == 10.0.1.10",
        "drop",
    )));
    apply(&central, &replica, &topo).await;
    let blocked = central.trace_with(
        &["--ct=new", "--ct=new", "--ct=new"],
        "ls0",
        &from_a("00:00:00:00:ff:01", "10.0.1.10", ""),
    );
    assert!(
        !blocked.contains("output to \"c\"") && blocked.contains("inport == @pg_a"),
        "the port group's ACL did not drop a's packet:\n{blocked}"
    );
    topo.port_groups.clear();
    apply(&central, &replica, &topo).await;

    // DHCP options for ls0's subnet, used by a: ovn-northd answers a's DHCP requests
    // itself.
    topo = topo.with_dhcp_options(
        DhcpOptions::new("ls0-v4", "10.0.0.0/24")
            .with_option("server_id", "10.0.0.1")
            .with_option("server_mac", "00:00:00:00:ff:01")
            .with_option("lease_time", "3600")
            .with_option("router", "10.0.0.1"),
    );
    let a = topo
        .switches
        .get_mut("ls0")
        .and_then(|s| s.ports.get_mut("a"))
        .expect("a");
    a.dhcpv4_options = Some("ls0-v4".into());
    apply(&central, &replica, &topo).await;
    let t = central.trace(
        "ls0",
        "inport == \"a\" && eth.src == 00:00:00:00:00:0a && eth.dst == ff:ff:ff:ff:ff:ff && \
         ip4.src == 0.0.0.0 && ip4.dst == 255.255.255.255 && udp.src == 68 && udp.dst == 67",
    );
    assert_has(
        &t,
        &["put_dhcp_opts(", "offerip = 10.0.0.10", "router = 10.0.0.1"],
    );

    // A reroute policy: traffic from 10.0.0.10 to 10.0.1.0/24 goes via 10.0.1.254 instead.
    let lr0 = topo.routers.get_mut("lr0").expect("lr0");
    *lr0 = lr0.clone().with_policy(RouterPolicy::reroute(
        31000,
        "ip4.src == 10.0.0.10 && ip4.dst == 10.0.1.0/24",
        ["10.0.1.254"],
    ));
    apply(&central, &replica, &topo).await;
    let t = central.trace("ls0", &from_a("00:00:00:00:ff:01", "10.0.1.10", ""));
    assert_has(&t, &["reg0 = 10.0.1.254"]);

    // The default route and SNAT: with the router bound to a gateway chassis (NAT needs a
    // gateway), traffic leaves by the default route with the router's external address.
    let lr0 = topo.routers.get_mut("lr0").expect("lr0");
    lr0.options.insert("chassis".into(), "gw1".into());
    apply(&central, &replica, &topo).await;
    let t = central.trace_with(
        &["--ct=new", "--ct=new", "--ct=new"],
        "ls0",
        &from_a("00:00:00:00:ff:01", "8.8.8.8", ""),
    );
    assert_has(
        &t,
        &[
            "reg0 = 172.16.0.254",
            "ct_snat(172.16.0.1)",
            "eth.dst = 00:00:00:00:fe:fe",
            "output to \"upstream\"",
        ],
    );

    // The same through a distributed gateway port instead: lr0-ext bound to gateway chassis
    // (the router itself no longer pinned), then to an HA chassis group.
    let lr0 = topo.routers.get_mut("lr0").expect("lr0");
    lr0.options.remove("chassis");
    let ext = lr0.ports.get_mut("lr0-ext").expect("lr0-ext");
    *ext = ext
        .clone()
        .with_gateway_chassis("gw1", 20)
        .with_gateway_chassis("gw2", 10);
    apply(&central, &replica, &topo).await;
    let snat = |central: &OvnCentral| {
        central.trace_with(
            &["--ct=new", "--ct=new", "--ct=new"],
            "ls0",
            &from_a("00:00:00:00:ff:01", "8.8.8.8", ""),
        )
    };
    // Redirected to the gateway chassis' port, then SNATed there (in the common zone).
    let dgp = [
        "reg0 = 172.16.0.254",
        "outport = \"cr-lr0-ext\"",
        "is_chassis_resident(\"cr-lr0-ext\")",
        "ct_snat_in_czone(172.16.0.1)",
        "output to \"upstream\"",
    ];
    assert_has(&snat(&central), &dgp);
    assert!(
        central
            .sb()
            .sbctl(&["--columns=logical_port", "list", "Port_Binding"])
            .contains("cr-lr0-ext"),
        "no chassis-redirect port for the distributed gateway port"
    );
    topo = topo.with_ha_chassis_group(
        HaChassisGroup::new("gw-group")
            .with_chassis("gw1", 20)
            .with_chassis("gw2", 10),
    );
    let ext = topo
        .routers
        .get_mut("lr0")
        .and_then(|r| r.ports.get_mut("lr0-ext"))
        .expect("lr0-ext");
    ext.gateway_chassis.clear();
    ext.ha_chassis_group = Some("gw-group".into());
    apply(&central, &replica, &topo).await;
    assert_has(&snat(&central), &dgp);
}
