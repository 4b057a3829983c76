//! [`observe`]: the owned part of the database read back as a [`Topology`], the inverse of
//! [`crate::diff::diff`].

use std::collections::{BTreeMap, BTreeSet};

use ovsdb_client::replica::Snapshot;
use ovsdb_client::{Atom, Datum, Row, Uuid};

use crate::diff::{KEY_ID, Owner};
use crate::error::Result;
use crate::topology::{
    Acl, AddressSet, DhcpOptions, Dns, GatewayChassis, HaChassis, HaChassisGroup, LoadBalancer,
    LoadBalancerGroup, Map, Nat, PortGroup, Router, RouterPolicy, RouterPort, StaticRoute, Switch,
    SwitchPort, Topology,
};

/// Reads a snapshot for [`observe`].
struct Reader<'a> {
    snap: &'a Snapshot,
    owner: &'a Owner,
    /// Keys of referenced rows, per table.
    names: BTreeMap<&'static str, BTreeMap<Uuid, String>>,
}

fn text(row: &Row, col: &str) -> String {
    match row.get(col).and_then(Datum::as_scalar) {
        Some(Atom::String(s)) => s.to_string(),
        _ => String::new(),
    }
}

fn opt(row: &Row, col: &str) -> Option<String> {
    row.get(col)
        .and_then(Datum::as_scalar)
        .and_then(Atom::as_str)
        .map(str::to_owned)
}

fn int(row: &Row, col: &str) -> i64 {
    row.get_integer(col).unwrap_or(0)
}

fn strs(row: &Row, col: &str) -> BTreeSet<String> {
    row.get(col)
        .and_then(Datum::as_set)
        .unwrap_or(&[])
        .iter()
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect()
}

fn map(row: &Row, col: &str) -> Map {
    row.get(col)
        .and_then(Datum::as_map)
        .unwrap_or(&[])
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v.as_str()?.to_owned())))
        .collect()
}

fn uuids(row: &Row, col: &str) -> Vec<Uuid> {
    row.get(col)
        .and_then(Datum::as_set)
        .unwrap_or(&[])
        .iter()
        .filter_map(Atom::as_uuid)
        .collect()
}

impl<'a> Reader<'a> {
    /// `external_ids` without the owner mark and the key.
    fn ids(&self, row: &Row) -> Map {
        let mut m = map(row, "external_ids");
        m.remove(&self.owner.key);
        m.remove(KEY_ID);
        m
    }

    /// The owned rows of `table`.
    fn owned(&self, table: &str) -> Result<Vec<(Uuid, &'a Row)>> {
        let snap: &'a Snapshot = self.snap;
        let mut out: Vec<(Uuid, &'a Row)> = snap
            .rows(table)?
            .filter(|(_, r)| self.owner.owns(r))
            .map(|(u, r)| (u, &**r))
            .collect();
        out.sort_by_key(|(u, _)| *u);
        Ok(out)
    }

    /// The owned rows `row` holds in `column` (of `table`).
    fn children(&self, row: &Row, column: &str, table: &str) -> Result<Vec<&'a Row>> {
        let snap: &'a Snapshot = self.snap;
        let mut out = Vec::new();
        for u in uuids(row, column) {
            if let Some(c) = snap.get(table, u)?
                && self.owner.owns(c)
            {
                out.push(&**c);
            }
        }
        Ok(out)
    }

    /// Records the key of every row of `table` (its `name`, or [`KEY_ID`]).
    fn learn(&mut self, table: &'static str, named: bool) -> Result<()> {
        let mut m = BTreeMap::new();
        for (u, r) in self.snap.rows(table)? {
            let key = if named {
                Some(text(r, "name"))
            } else {
                crate::diff::map_get(r, "external_ids", KEY_ID).map(str::to_owned)
            };
            if let Some(k) = key {
                m.insert(u, k);
            }
        }
        self.names.insert(table, m);
        Ok(())
    }

    /// The keys of the rows `row` refers to in `column` (rows of `table`).
    fn refs(&self, row: &Row, column: &str, table: &str) -> BTreeSet<String> {
        let names = self.names.get(table);
        uuids(row, column)
            .iter()
            .filter_map(|u| names?.get(u).cloned())
            .collect()
    }

    fn one_ref(&self, row: &Row, column: &str, table: &str) -> Option<String> {
        self.refs(row, column, table).into_iter().next()
    }

    fn acls(&self, row: &Row) -> Result<BTreeMap<(String, i64, String), Acl>> {
        let mut out = BTreeMap::new();
        for c in self.children(row, "acls", "ACL")? {
            let a = Acl {
                direction: text(c, "direction"),
                priority: int(c, "priority"),
                match_: text(c, "match"),
                action: text(c, "action"),
                log: c
                    .get("log")
                    .and_then(Datum::as_scalar)
                    .and_then(Atom::as_bool)
                    .unwrap_or(false),
                name: opt(c, "name"),
                severity: opt(c, "severity"),
                options: map(c, "options"),
                external_ids: self.ids(c),
            };
            out.insert(a.key(), a);
        }
        Ok(out)
    }
}

/// The part of the database `owner` owns, as a topology: the inverse of
/// [`crate::diff::diff`] (applying `diff(t, ..)` and observing gives `t` back). Owned
/// children of foreign parents are left out; the owner mark (and [`KEY_ID`]) is taken out of
/// `external_ids`.
///
/// Two tables cannot carry the owner mark, and come back whole: every `Load_Balancer_Group`
/// row, and no `NB_Global` options (which keys are the model's is not recorded).
pub fn observe(snap: &Snapshot, owner: &Owner) -> Result<Topology> {
    let mut rd = Reader {
        snap,
        owner,
        names: BTreeMap::new(),
    };
    for (table, named) in [
        ("Load_Balancer", true),
        ("Load_Balancer_Group", true),
        ("DHCP_Options", false),
        ("DNS", false),
        ("HA_Chassis_Group", true),
        ("Gateway_Chassis", true),
        ("Logical_Switch_Port", true),
    ] {
        rd.learn(table, named)?;
    }
    let mut topo = Topology::new();
    for (_, row) in rd.owned("Load_Balancer")? {
        let lb = LoadBalancer {
            name: text(row, "name"),
            vips: map(row, "vips"),
            protocol: opt(row, "protocol"),
            selection_fields: strs(row, "selection_fields"),
            options: map(row, "options"),
            external_ids: rd.ids(row),
        };
        topo.load_balancers.insert(lb.name.clone(), lb);
    }
    for (_, row) in snap.rows("Load_Balancer_Group")? {
        let g = LoadBalancerGroup {
            name: text(row, "name"),
            load_balancers: rd.refs(row, "load_balancer", "Load_Balancer"),
        };
        topo.load_balancer_groups.insert(g.name.clone(), g);
    }
    for (_, row) in rd.owned("Address_Set")? {
        let set = AddressSet {
            name: text(row, "name"),
            addresses: strs(row, "addresses"),
            external_ids: rd.ids(row),
        };
        topo.address_sets.insert(set.name.clone(), set);
    }
    for (_, row) in rd.owned("DHCP_Options")? {
        let Some(key) = crate::diff::map_get(row, "external_ids", KEY_ID) else {
            continue;
        };
        let d = DhcpOptions {
            key: key.to_owned(),
            cidr: text(row, "cidr"),
            options: map(row, "options"),
            external_ids: rd.ids(row),
        };
        topo.dhcp_options.insert(d.key.clone(), d);
    }
    for (_, row) in rd.owned("DNS")? {
        let Some(key) = crate::diff::map_get(row, "external_ids", KEY_ID) else {
            continue;
        };
        let d = Dns {
            key: key.to_owned(),
            records: map(row, "records"),
            external_ids: rd.ids(row),
        };
        topo.dns.insert(d.key.clone(), d);
    }
    for (_, row) in rd.owned("HA_Chassis_Group")? {
        let mut g = HaChassisGroup {
            name: text(row, "name"),
            external_ids: rd.ids(row),
            ..HaChassisGroup::default()
        };
        for c in rd.children(row, "ha_chassis", "HA_Chassis")? {
            let m = HaChassis {
                chassis_name: text(c, "chassis_name"),
                priority: int(c, "priority"),
                external_ids: rd.ids(c),
            };
            g.chassis.insert(m.chassis_name.clone(), m);
        }
        topo.ha_chassis_groups.insert(g.name.clone(), g);
    }
    for (_, row) in rd.owned("Logical_Switch")? {
        let mut s = Switch::new(text(row, "name"));
        s.load_balancers = rd.refs(row, "load_balancer", "Load_Balancer");
        s.load_balancer_groups = rd.refs(row, "load_balancer_group", "Load_Balancer_Group");
        s.dns_records = rd.refs(row, "dns_records", "DNS");
        s.other_config = map(row, "other_config");
        s.external_ids = rd.ids(row);
        s.acls = rd.acls(row)?;
        for c in rd.children(row, "ports", "Logical_Switch_Port")? {
            let p = SwitchPort {
                name: text(c, "name"),
                kind: text(c, "type"),
                addresses: strs(c, "addresses"),
                port_security: strs(c, "port_security"),
                options: map(c, "options"),
                external_ids: rd.ids(c),
                tag: c
                    .get("tag")
                    .and_then(Datum::as_scalar)
                    .and_then(Atom::as_integer),
                dhcpv4_options: rd.one_ref(c, "dhcpv4_options", "DHCP_Options"),
                dhcpv6_options: rd.one_ref(c, "dhcpv6_options", "DHCP_Options"),
                ha_chassis_group: rd.one_ref(c, "ha_chassis_group", "HA_Chassis_Group"),
            };
            s.ports.insert(p.name.clone(), p);
        }
        topo.switches.insert(s.name.clone(), s);
    }
    for (_, row) in rd.owned("Logical_Router")? {
        let mut r = Router::new(text(row, "name"));
        r.load_balancers = rd.refs(row, "load_balancer", "Load_Balancer");
        r.load_balancer_groups = rd.refs(row, "load_balancer_group", "Load_Balancer_Group");
        r.options = map(row, "options");
        r.external_ids = rd.ids(row);
        for c in rd.children(row, "static_routes", "Logical_Router_Static_Route")? {
            let x = StaticRoute {
                ip_prefix: text(c, "ip_prefix"),
                nexthop: text(c, "nexthop"),
                policy: opt(c, "policy").unwrap_or_default(),
                route_table: text(c, "route_table"),
                output_port: opt(c, "output_port"),
                options: map(c, "options"),
                external_ids: rd.ids(c),
            };
            r.static_routes.insert(x.key(), x);
        }
        for c in rd.children(row, "policies", "Logical_Router_Policy")? {
            let x = RouterPolicy {
                priority: int(c, "priority"),
                match_: text(c, "match"),
                action: text(c, "action"),
                nexthops: strs(c, "nexthops"),
                options: map(c, "options"),
                external_ids: rd.ids(c),
            };
            r.policies.insert(x.key(), x);
        }
        for c in rd.children(row, "nat", "NAT")? {
            let x = Nat {
                kind: text(c, "type"),
                logical_ip: text(c, "logical_ip"),
                external_ip: text(c, "external_ip"),
                logical_port: opt(c, "logical_port"),
                external_mac: opt(c, "external_mac"),
                options: map(c, "options"),
                external_ids: rd.ids(c),
            };
            r.nat.insert(x.key(), x);
        }
        for c in rd.children(row, "ports", "Logical_Router_Port")? {
            let mut p = RouterPort {
                name: text(c, "name"),
                mac: text(c, "mac"),
                networks: strs(c, "networks"),
                peer: opt(c, "peer"),
                ha_chassis_group: rd.one_ref(c, "ha_chassis_group", "HA_Chassis_Group"),
                options: map(c, "options"),
                external_ids: rd.ids(c),
                ..RouterPort::default()
            };
            for g in rd.children(c, "gateway_chassis", "Gateway_Chassis")? {
                let g = GatewayChassis {
                    name: text(g, "name"),
                    chassis_name: text(g, "chassis_name"),
                    priority: int(g, "priority"),
                    options: map(g, "options"),
                    external_ids: rd.ids(g),
                };
                p.gateway_chassis.insert(g.chassis_name.clone(), g);
            }
            r.ports.insert(p.name.clone(), p);
        }
        topo.routers.insert(r.name.clone(), r);
    }
    for (_, row) in rd.owned("Port_Group")? {
        let g = PortGroup {
            name: text(row, "name"),
            ports: rd.refs(row, "ports", "Logical_Switch_Port"),
            acls: rd.acls(row)?,
            external_ids: rd.ids(row),
        };
        topo.port_groups.insert(g.name.clone(), g);
    }
    Ok(topo)
}
