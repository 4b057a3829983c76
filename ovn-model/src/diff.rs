//! The diff engine: a [`Topology`] and a replica [`Snapshot`] in, one transaction out that
//! turns the owned part of the database into the topology with the fewest operations (see
//! `DESIGN.md`). Pure: no I/O.
//!
//! Covered so far: `Logical_Switch` with its ports and ACLs, `Logical_Router` with its ports,
//! static routes, policies and NAT rules. The snapshot must monitor all columns of those
//! tables ([`TABLES`]; `_version` is needed for the preconditions).

use std::collections::{BTreeMap, BTreeSet};

use ovsdb_client::replica::{Snapshot, wait_unchanged};
use ovsdb_client::transact::{Condition, Mutation, Transaction, WaitUntil};
use ovsdb_client::typed::Table;
use ovsdb_client::{Atom, Datum, Row, Uuid};

use crate::error::{Error, Result};
use crate::nb;
use crate::topology::{
    Acl, AddressSet, LoadBalancer, Map, Nat, Router, RouterPolicy, RouterPort, StaticRoute, Switch,
    SwitchPort, Topology,
};

/// The tables a replica must monitor (all columns) for [`diff`] and [`observe`].
pub const TABLES: &[&str] = &[
    "Load_Balancer",
    "Address_Set",
    "Logical_Switch",
    "Logical_Switch_Port",
    "ACL",
    "Logical_Router",
    "Logical_Router_Port",
    "Logical_Router_Static_Route",
    "Logical_Router_Policy",
    "NAT",
];

/// The database the diff writes.
pub const DATABASE: &str = "OVN_Northbound";

/// The `external_ids` entry that marks the rows the model owns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    /// The key, `vendor` by default.
    pub key: String,
    /// The value, `kube-ovn` by default.
    pub value: String,
}

impl Default for Owner {
    /// `vendor=kube-ovn`, as Kube-OVN marks its rows.
    fn default() -> Owner {
        Owner::new("vendor", "kube-ovn")
    }
}

impl Owner {
    /// The mark `key=value`.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Owner {
        Owner {
            key: key.into(),
            value: value.into(),
        }
    }

    /// Whether `row` carries the mark.
    pub fn owns(&self, row: &Row) -> bool {
        row.get("external_ids")
            .and_then(|d| d.get(&Atom::string(self.key.as_str())))
            .and_then(Atom::as_str)
            == Some(self.value.as_str())
    }

    fn mark(&self, ids: &Map) -> Datum {
        let mut ids = ids.clone();
        ids.insert(self.key.clone(), self.value.clone());
        Datum::map(ids)
    }
}

/// Row changes per table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Rows inserted.
    pub inserted: usize,
    /// Rows changed (columns updated or mutated, or moved to another parent).
    pub updated: usize,
    /// Rows deleted (directly, or by removing the last reference to a child row).
    pub deleted: usize,
}

/// The outcome of [`diff`]: the transaction and what it changes.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The transaction: preconditions (`wait`) first, then the changes. Empty when nothing
    /// needs to change.
    pub transaction: Transaction,
    /// Row changes by table (only tables with changes).
    pub counts: BTreeMap<&'static str, Counts>,
    /// Operations other than `wait`.
    pub changes: usize,
}

impl Plan {
    /// Whether the database already matches.
    pub fn is_empty(&self) -> bool {
        self.changes == 0
    }
}

/// One operation, before the transaction is built (the `wait`s go first).
enum Op {
    Wait(&'static str, Uuid, Row),
    WaitAbsent(&'static str, String),
    Insert(&'static str, String, Row),
    Update(&'static str, Uuid, Row),
    Mutate(&'static str, Uuid, Vec<Mutation>),
    Delete(&'static str, Uuid),
}

/// How child rows are matched with desired children.
#[derive(Clone, Copy)]
enum ChildKey {
    /// By `name`, unique across parents: a child can move between parents.
    Name,
    /// By columns, unique within a parent.
    Columns(fn(&Row) -> String),
}

/// Child rows a parent holds through a strong reference column.
struct ChildSpec {
    column: &'static str,
    table: &'static str,
    key: ChildKey,
    /// Composite (set or map) columns, updated with `mutate` when that is smaller.
    sets: &'static [&'static str],
    defaults: Row,
}

/// A root table whose rows hold child rows.
struct Family {
    parent: &'static str,
    parent_sets: &'static [&'static str],
    parent_defaults: Row,
    children: Vec<ChildSpec>,
}

/// A desired parent row and its desired children, per [`Family::children`], by key.
struct Wanted {
    name: String,
    row: Row,
    children: Vec<BTreeMap<String, Row>>,
}

fn text(row: &Row, col: &str) -> String {
    match row.get(col).and_then(Datum::as_scalar) {
        Some(Atom::String(s)) => s.to_string(),
        Some(Atom::Integer(i)) => i.to_string(),
        _ => String::new(),
    }
}

fn route_key(row: &Row) -> String {
    let policy = match text(row, "policy").as_str() {
        "" => "dst-ip".to_owned(),
        p => p.to_owned(),
    };
    format!(
        "{}\u{0}{}\u{0}{policy}\u{0}{}",
        text(row, "ip_prefix"),
        text(row, "nexthop"),
        text(row, "route_table")
    )
}

fn policy_key(row: &Row) -> String {
    format!("{}\u{0}{}", text(row, "priority"), text(row, "match"))
}

fn nat_key(row: &Row) -> String {
    format!(
        "{}\u{0}{}\u{0}{}",
        text(row, "type"),
        text(row, "logical_ip"),
        text(row, "external_ip")
    )
}

fn acl_key(row: &Row) -> String {
    format!(
        "{}\u{0}{}\u{0}{}",
        text(row, "direction"),
        text(row, "priority"),
        text(row, "match")
    )
}

struct Planner<'a> {
    snap: &'a Snapshot,
    owner: &'a Owner,
    ops: Vec<Op>,
    counts: BTreeMap<&'static str, Counts>,
    /// Rows already given a `wait`.
    waited: BTreeSet<Uuid>,
    next_name: usize,
}

/// Computes the transaction that makes the rows `owner` owns match `topology`. The topology
/// is validated first. A desired entity whose name is taken by a row without the owner mark
/// is an error naming both.
pub fn diff(topology: &Topology, snap: &Snapshot, owner: &Owner) -> Result<Plan> {
    topology.validate()?;
    let mut p = Planner {
        snap,
        owner,
        ops: Vec::new(),
        counts: BTreeMap::new(),
        waited: BTreeSet::new(),
        next_name: 0,
    };
    let lb_rows = topology
        .load_balancers
        .values()
        .map(|lb| (lb.name.clone(), load_balancer_row(lb, owner)))
        .collect();
    let lbs = p.roots(
        nb::LoadBalancer::NAME,
        &["vips", "selection_fields", "options", "external_ids"],
        &nb::LoadBalancer::default().to_row(),
        lb_rows,
    )?;
    let set_rows = topology
        .address_sets
        .values()
        .map(|a| {
            let row = Row::new()
                .with("name", a.name.as_str())
                .with(
                    "addresses",
                    Datum::set(a.addresses.iter().map(String::as_str)),
                )
                .with("external_ids", owner.mark(&a.external_ids));
            (a.name.clone(), row)
        })
        .collect();
    p.roots(
        nb::AddressSet::NAME,
        &["addresses", "external_ids"],
        &nb::AddressSet::default().to_row(),
        set_rows,
    )?;
    let lb_refs = |entity: &str, names: &BTreeSet<String>| -> Result<Datum> {
        let mut atoms = Vec::new();
        for n in names {
            atoms.push(lbs.get(n).cloned().ok_or_else(|| Error::Invalid {
                entity: entity.to_owned(),
                field: "load_balancer".into(),
                reason: format!("refers to load balancer {n:?}, which does not exist"),
            })?);
        }
        Ok(Datum::Set(atoms))
    };
    let switches = Family {
        parent: nb::LogicalSwitch::NAME,
        parent_sets: &["other_config", "external_ids", "load_balancer"],
        parent_defaults: nb::LogicalSwitch::default().to_row(),
        children: vec![
            ChildSpec {
                column: "ports",
                table: nb::LogicalSwitchPort::NAME,
                key: ChildKey::Name,
                sets: &["addresses", "port_security", "options", "external_ids"],
                defaults: nb::LogicalSwitchPort::default().to_row(),
            },
            ChildSpec {
                column: "acls",
                table: nb::Acl::NAME,
                key: ChildKey::Columns(acl_key),
                sets: &["options", "external_ids"],
                defaults: nb::Acl::default().to_row(),
            },
        ],
    };
    let wanted: Vec<Wanted> = topology
        .switches
        .values()
        .map(|s| {
            Ok(Wanted {
                name: s.name.clone(),
                row: switch_row(s, owner).with(
                    "load_balancer",
                    lb_refs(&format!("Logical_Switch {:?}", s.name), &s.load_balancers)?,
                ),
                children: vec![
                    s.ports
                        .values()
                        .map(|c| (c.name.clone(), switch_port_row(c, owner)))
                        .collect(),
                    keyed(s.acls.values().map(|a| acl_row(a, owner)), acl_key),
                ],
            })
        })
        .collect::<Result<_>>()?;
    p.family(&switches, wanted)?;
    let routers = Family {
        parent: nb::LogicalRouter::NAME,
        parent_sets: &["options", "external_ids", "load_balancer"],
        parent_defaults: nb::LogicalRouter::default().to_row(),
        children: vec![
            ChildSpec {
                column: "ports",
                table: nb::LogicalRouterPort::NAME,
                key: ChildKey::Name,
                sets: &["networks", "options", "external_ids"],
                defaults: nb::LogicalRouterPort::default().to_row(),
            },
            ChildSpec {
                column: "static_routes",
                table: nb::LogicalRouterStaticRoute::NAME,
                key: ChildKey::Columns(route_key),
                sets: &["options", "external_ids"],
                defaults: nb::LogicalRouterStaticRoute::default().to_row(),
            },
            ChildSpec {
                column: "policies",
                table: nb::LogicalRouterPolicy::NAME,
                key: ChildKey::Columns(policy_key),
                sets: &["nexthops", "options", "external_ids"],
                defaults: nb::LogicalRouterPolicy::default().to_row(),
            },
            ChildSpec {
                column: "nat",
                table: nb::Nat::NAME,
                key: ChildKey::Columns(nat_key),
                sets: &["options", "external_ids"],
                defaults: nb::Nat::default().to_row(),
            },
        ],
    };
    let wanted: Vec<Wanted> = topology
        .routers
        .values()
        .map(|r| {
            Ok(Wanted {
                name: r.name.clone(),
                row: router_row(r, owner).with(
                    "load_balancer",
                    lb_refs(&format!("Logical_Router {:?}", r.name), &r.load_balancers)?,
                ),
                children: vec![
                    r.ports
                        .values()
                        .map(|c| (c.name.clone(), router_port_row(c, owner)))
                        .collect(),
                    keyed(
                        r.static_routes.values().map(|x| route_row(x, owner)),
                        route_key,
                    ),
                    keyed(
                        r.policies.values().map(|x| policy_row(x, owner)),
                        policy_key,
                    ),
                    keyed(r.nat.values().map(|x| nat_row(x, owner)), nat_key),
                ],
            })
        })
        .collect::<Result<_>>()?;
    p.family(&routers, wanted)?;
    Ok(p.finish())
}

/// The part of the database `owner` owns, as a topology: the inverse of [`diff`] (applying
/// `diff(t, ..)` and observing gives `t` back). Owned children of foreign parents are left out;
/// the owner mark is taken out of `external_ids`.
pub fn observe(snap: &Snapshot, owner: &Owner) -> Result<Topology> {
    let strs = |row: &Row, col: &str| -> BTreeSet<String> {
        row.get(col)
            .and_then(Datum::as_set)
            .unwrap_or(&[])
            .iter()
            .filter_map(|a| a.as_str().map(str::to_owned))
            .collect()
    };
    let map = |row: &Row, col: &str| -> Map {
        row.get(col)
            .and_then(Datum::as_map)
            .unwrap_or(&[])
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v.as_str()?.to_owned())))
            .collect()
    };
    let ids = |row: &Row| {
        let mut m = map(row, "external_ids");
        m.remove(&owner.key);
        m
    };
    let opt = |row: &Row, col: &str| -> Option<String> {
        row.get(col)
            .and_then(Datum::as_scalar)
            .and_then(Atom::as_str)
            .map(str::to_owned)
    };
    let children = |row: &Row, column: &str, table: &str| -> Result<Vec<Row>> {
        let mut out = Vec::new();
        for a in row.get(column).and_then(Datum::as_set).unwrap_or(&[]) {
            if let Some(u) = a.as_uuid()
                && let Some(c) = snap.get(table, u)?
                && owner.owns(c)
            {
                out.push(Row::clone(c));
            }
        }
        Ok(out)
    };
    let mut topo = Topology::new();
    let mut lb_names: BTreeMap<Uuid, String> = BTreeMap::new();
    for (u, row) in snap.rows(nb::LoadBalancer::NAME)? {
        lb_names.insert(u, name_of(row).to_owned());
        if !owner.owns(row) {
            continue;
        }
        let lb = LoadBalancer {
            name: name_of(row).to_owned(),
            vips: map(row, "vips"),
            protocol: opt(row, "protocol"),
            selection_fields: strs(row, "selection_fields"),
            options: map(row, "options"),
            external_ids: ids(row),
        };
        topo.load_balancers.insert(lb.name.clone(), lb);
    }
    for (_, row) in snap.rows(nb::AddressSet::NAME)? {
        if !owner.owns(row) {
            continue;
        }
        let set = AddressSet {
            name: name_of(row).to_owned(),
            addresses: strs(row, "addresses"),
            external_ids: ids(row),
        };
        topo.address_sets.insert(set.name.clone(), set);
    }
    let lbs_of = |row: &Row| -> BTreeSet<String> {
        uuids(row, "load_balancer")
            .iter()
            .filter_map(|u| lb_names.get(u).cloned())
            .collect()
    };
    for (_, row) in snap.rows(nb::LogicalSwitch::NAME)? {
        if !owner.owns(row) {
            continue;
        }
        let mut s = Switch::new(name_of(row));
        s.load_balancers = lbs_of(row);
        s.other_config = map(row, "other_config");
        s.external_ids = ids(row);
        for c in children(row, "acls", nb::Acl::NAME)? {
            let a = Acl {
                direction: text(&c, "direction"),
                priority: c.get_integer("priority").unwrap_or(0),
                match_: text(&c, "match"),
                action: text(&c, "action"),
                log: c
                    .get("log")
                    .and_then(Datum::as_scalar)
                    .and_then(Atom::as_bool)
                    .unwrap_or(false),
                name: opt(&c, "name"),
                severity: opt(&c, "severity"),
                options: map(&c, "options"),
                external_ids: ids(&c),
            };
            s.acls.insert(a.key(), a);
        }
        for c in children(row, "ports", nb::LogicalSwitchPort::NAME)? {
            let p = SwitchPort {
                name: name_of(&c).to_owned(),
                kind: c.get_str("type").unwrap_or("").to_owned(),
                addresses: strs(&c, "addresses"),
                port_security: strs(&c, "port_security"),
                options: map(&c, "options"),
                external_ids: ids(&c),
                tag: c
                    .get("tag")
                    .and_then(Datum::as_scalar)
                    .and_then(Atom::as_integer),
            };
            s.ports.insert(p.name.clone(), p);
        }
        topo.switches.insert(s.name.clone(), s);
    }
    for (_, row) in snap.rows(nb::LogicalRouter::NAME)? {
        if !owner.owns(row) {
            continue;
        }
        let mut r = Router::new(name_of(row));
        r.load_balancers = lbs_of(row);
        r.options = map(row, "options");
        r.external_ids = ids(row);
        for c in children(row, "static_routes", nb::LogicalRouterStaticRoute::NAME)? {
            let x = StaticRoute {
                ip_prefix: text(&c, "ip_prefix"),
                nexthop: text(&c, "nexthop"),
                policy: opt(&c, "policy").unwrap_or_default(),
                route_table: text(&c, "route_table"),
                output_port: opt(&c, "output_port"),
                options: map(&c, "options"),
                external_ids: ids(&c),
            };
            r.static_routes.insert(x.key(), x);
        }
        for c in children(row, "policies", nb::LogicalRouterPolicy::NAME)? {
            let x = RouterPolicy {
                priority: c.get_integer("priority").unwrap_or(0),
                match_: text(&c, "match"),
                action: text(&c, "action"),
                nexthops: strs(&c, "nexthops"),
                options: map(&c, "options"),
                external_ids: ids(&c),
            };
            r.policies.insert(x.key(), x);
        }
        for c in children(row, "nat", nb::Nat::NAME)? {
            let x = Nat {
                kind: text(&c, "type"),
                logical_ip: text(&c, "logical_ip"),
                external_ip: text(&c, "external_ip"),
                logical_port: opt(&c, "logical_port"),
                external_mac: opt(&c, "external_mac"),
                options: map(&c, "options"),
                external_ids: ids(&c),
            };
            r.nat.insert(x.key(), x);
        }
        for c in children(row, "ports", nb::LogicalRouterPort::NAME)? {
            let p = RouterPort {
                name: name_of(&c).to_owned(),
                mac: c.get_str("mac").unwrap_or("").to_owned(),
                networks: strs(&c, "networks"),
                options: map(&c, "options"),
                external_ids: ids(&c),
            };
            r.ports.insert(p.name.clone(), p);
        }
        topo.routers.insert(r.name.clone(), r);
    }
    Ok(topo)
}

fn switch_row(s: &Switch, owner: &Owner) -> Row {
    Row::new()
        .with("name", s.name.as_str())
        .with("other_config", Datum::map(s.other_config.clone()))
        .with("external_ids", owner.mark(&s.external_ids))
}

fn switch_port_row(p: &SwitchPort, owner: &Owner) -> Row {
    Row::new()
        .with("name", p.name.as_str())
        .with("type", p.kind.as_str())
        .with(
            "addresses",
            Datum::set(p.addresses.iter().map(String::as_str)),
        )
        .with(
            "port_security",
            Datum::set(p.port_security.iter().map(String::as_str)),
        )
        .with("options", Datum::map(p.options.clone()))
        .with("external_ids", owner.mark(&p.external_ids))
        .with("tag", Datum::optional(p.tag))
}

fn router_row(r: &Router, owner: &Owner) -> Row {
    Row::new()
        .with("name", r.name.as_str())
        .with("options", Datum::map(r.options.clone()))
        .with("external_ids", owner.mark(&r.external_ids))
}

fn router_port_row(p: &RouterPort, owner: &Owner) -> Row {
    Row::new()
        .with("name", p.name.as_str())
        .with("mac", p.mac.as_str())
        .with(
            "networks",
            Datum::set(p.networks.iter().map(String::as_str)),
        )
        .with("options", Datum::map(p.options.clone()))
        .with("external_ids", owner.mark(&p.external_ids))
}

/// Rows by their key.
fn keyed(rows: impl Iterator<Item = Row>, key: fn(&Row) -> String) -> BTreeMap<String, Row> {
    rows.map(|r| (key(&r), r)).collect()
}

fn load_balancer_row(lb: &LoadBalancer, owner: &Owner) -> Row {
    Row::new()
        .with("name", lb.name.as_str())
        .with("vips", Datum::map(lb.vips.clone()))
        .with("protocol", Datum::optional(lb.protocol.as_deref()))
        .with(
            "selection_fields",
            Datum::set(lb.selection_fields.iter().map(String::as_str)),
        )
        .with("options", Datum::map(lb.options.clone()))
        .with("external_ids", owner.mark(&lb.external_ids))
}

fn route_row(r: &StaticRoute, owner: &Owner) -> Row {
    Row::new()
        .with("ip_prefix", r.ip_prefix.as_str())
        .with("nexthop", r.nexthop.as_str())
        .with(
            "policy",
            Datum::optional((!r.policy.is_empty()).then_some(r.policy.as_str())),
        )
        .with("route_table", r.route_table.as_str())
        .with("output_port", Datum::optional(r.output_port.as_deref()))
        .with("options", Datum::map(r.options.clone()))
        .with("external_ids", owner.mark(&r.external_ids))
}

fn policy_row(p: &RouterPolicy, owner: &Owner) -> Row {
    Row::new()
        .with("priority", p.priority)
        .with("match", p.match_.as_str())
        .with("action", p.action.as_str())
        .with(
            "nexthops",
            Datum::set(p.nexthops.iter().map(String::as_str)),
        )
        .with("options", Datum::map(p.options.clone()))
        .with("external_ids", owner.mark(&p.external_ids))
}

fn nat_row(n: &Nat, owner: &Owner) -> Row {
    Row::new()
        .with("type", n.kind.as_str())
        .with("logical_ip", n.logical_ip.as_str())
        .with("external_ip", n.external_ip.as_str())
        .with("logical_port", Datum::optional(n.logical_port.as_deref()))
        .with("external_mac", Datum::optional(n.external_mac.as_deref()))
        .with("options", Datum::map(n.options.clone()))
        .with("external_ids", owner.mark(&n.external_ids))
}

fn acl_row(a: &Acl, owner: &Owner) -> Row {
    Row::new()
        .with("direction", a.direction.as_str())
        .with("priority", a.priority)
        .with("match", a.match_.as_str())
        .with("action", a.action.as_str())
        .with("log", a.log)
        .with("name", Datum::optional(a.name.as_deref()))
        .with("severity", Datum::optional(a.severity.as_deref()))
        .with("options", Datum::map(a.options.clone()))
        .with("external_ids", owner.mark(&a.external_ids))
}

/// The UUIDs in set column `col`.
fn uuids(row: &Row, col: &str) -> Vec<Uuid> {
    row.get(col)
        .and_then(Datum::as_set)
        .unwrap_or(&[])
        .iter()
        .filter_map(Atom::as_uuid)
        .collect()
}

fn name_of(row: &Row) -> &str {
    row.get_str("name").unwrap_or("")
}

impl<'a> Planner<'a> {
    fn count(&mut self, table: &'static str) -> &mut Counts {
        self.counts.entry(table).or_default()
    }

    fn fresh_name(&mut self) -> String {
        self.next_name += 1;
        format!("new{}", self.next_name)
    }

    fn wait(&mut self, table: &'static str, uuid: Uuid, row: &Row) {
        if self.waited.insert(uuid) {
            // Only `_version` is needed for the precondition, not the whole row.
            if let Some(version) = row.get("_version") {
                let slim = Row::new().with("_version", version.clone());
                self.ops.push(Op::Wait(table, uuid, slim));
            }
        }
    }

    fn foreign(&self, table: &'static str, key: &str, uuid: Uuid) -> Error {
        Error::Foreign {
            entity: format!("{table} {key:?}"),
            table: table.to_owned(),
            row: uuid,
            mark: format!("{}={}", self.owner.key, self.owner.value),
        }
    }

    /// Rows of `table` by name.
    fn by_name(&self, table: &'static str) -> Result<BTreeMap<&'a str, Vec<(Uuid, &'a Row)>>> {
        let mut out: BTreeMap<&'a str, Vec<(Uuid, &'a Row)>> = BTreeMap::new();
        let snap: &'a Snapshot = self.snap;
        for (uuid, row) in snap.rows(table)? {
            let row: &'a Row = row;
            out.entry(name_of(row)).or_default().push((uuid, row));
        }
        Ok(out)
    }

    /// The one owned row named `name` among `rows`, if any; an error if a row of that name is
    /// not ours.
    fn owned_one(
        &self,
        table: &'static str,
        name: &str,
        rows: Option<&Vec<(Uuid, &'a Row)>>,
    ) -> Result<Option<(Uuid, &'a Row)>> {
        let Some(rows) = rows else {
            return Ok(None);
        };
        if let Some((u, _)) = rows.iter().find(|(_, r)| !self.owner.owns(r)) {
            return Err(self.foreign(table, name, *u));
        }
        Ok(rows.iter().min_by_key(|(u, _)| *u).cloned())
    }

    /// Updates (or mutates) the columns of `desired` that differ in `observed`.
    fn update_row(
        &mut self,
        table: &'static str,
        uuid: Uuid,
        observed: &Row,
        desired: &Row,
        defaults: &Row,
        sets: &[&str],
    ) -> bool {
        let mut update = Row::new();
        let mut mutations = Vec::new();
        for (col, want) in desired.iter() {
            let Some(have) = observed.get(col).or_else(|| defaults.get(col)) else {
                update.insert(col, want.clone());
                continue;
            };
            if have == want {
                continue;
            }
            match (sets.contains(&col), have, want) {
                (true, Datum::Map(h), Datum::Map(w)) => {
                    let removed: Vec<Atom> = h
                        .iter()
                        .filter(|(k, v)| want.get(k) != Some(v))
                        .map(|(k, _)| k.clone())
                        .collect();
                    let added: Vec<(Atom, Atom)> = w
                        .iter()
                        .filter(|(k, v)| have.get(k) != Some(v))
                        .cloned()
                        .collect();
                    if removed.len() + added.len() < w.len() {
                        if !removed.is_empty() {
                            mutations.push(Mutation::delete(col, Datum::Set(removed)));
                        }
                        if !added.is_empty() {
                            mutations.push(Mutation::insert(col, Datum::Map(added)));
                        }
                    } else {
                        update.insert(col, want.clone());
                    }
                }
                (true, Datum::Set(h), Datum::Set(w)) => {
                    let removed: Vec<Atom> = h.iter().filter(|a| !w.contains(a)).cloned().collect();
                    let added: Vec<Atom> = w.iter().filter(|a| !h.contains(a)).cloned().collect();
                    if removed.len() + added.len() < w.len() {
                        if !removed.is_empty() {
                            mutations.push(Mutation::delete(col, Datum::Set(removed)));
                        }
                        if !added.is_empty() {
                            mutations.push(Mutation::insert(col, Datum::Set(added)));
                        }
                    } else {
                        update.insert(col, want.clone());
                    }
                }
                _ => {
                    update.insert(col, want.clone());
                }
            }
        }
        if update.is_empty() && mutations.is_empty() {
            return false;
        }
        self.wait(table, uuid, observed);
        if !update.is_empty() {
            self.ops.push(Op::Update(table, uuid, update));
        }
        if !mutations.is_empty() {
            self.ops.push(Op::Mutate(table, uuid, mutations));
        }
        self.count(table).updated += 1;
        true
    }

    /// A root table matched by name: owned rows updated, missing ones inserted, owned rows no
    /// longer wanted deleted. Returns, for references, every name that exists after the
    /// transaction (ours and foreign) with its row (a uuid-name for new rows).
    fn roots(
        &mut self,
        table: &'static str,
        sets: &[&str],
        defaults: &Row,
        wanted: BTreeMap<String, Row>,
    ) -> Result<BTreeMap<String, Atom>> {
        let observed = self.by_name(table)?;
        let mut out = BTreeMap::new();
        for (name, rows) in &observed {
            if let Some((u, _)) = rows.iter().min_by_key(|(u, _)| *u) {
                out.insert((*name).to_owned(), Atom::Uuid(*u));
            }
        }
        for (name, row) in &wanted {
            match self.owned_one(table, name, observed.get(name.as_str()))? {
                Some((u, o)) => {
                    self.update_row(table, u, o, row, defaults, sets);
                    out.insert(name.clone(), Atom::Uuid(u));
                }
                None => {
                    let n = self.fresh_name();
                    self.ops.push(Op::WaitAbsent(table, name.clone()));
                    self.ops.push(Op::Insert(table, n.clone(), row.clone()));
                    self.count(table).inserted += 1;
                    out.insert(name.clone(), Atom::NamedUuid(n));
                }
            }
        }
        for (name, rows) in &observed {
            if wanted.contains_key(*name) {
                continue;
            }
            for (u, r) in rows {
                if !self.owner.owns(r) {
                    continue;
                }
                // A foreign row that refers to this one would lose the reference.
                for holder in [nb::LogicalSwitch::NAME, nb::LogicalRouter::NAME] {
                    if table != nb::LoadBalancer::NAME {
                        break;
                    }
                    for (_, h) in self.snap.rows(holder)? {
                        if !self.owner.owns(h) && uuids(h, "load_balancer").contains(u) {
                            return Err(Error::HoldsForeign {
                                entity: format!("{table} {name:?}"),
                                held: format!("a reference from {holder} {:?}", name_of(h)),
                            });
                        }
                    }
                }
                self.wait(table, *u, r);
                self.ops.push(Op::Delete(table, *u));
                self.count(table).deleted += 1;
                out.remove(*name);
            }
        }
        Ok(out)
    }

    fn family(&mut self, f: &Family, wanted: Vec<Wanted>) -> Result<()> {
        let parents = self.by_name(f.parent)?;
        // Children matched by name: every row of the table, and which parent holds it.
        let mut named: Vec<BTreeMap<&str, Vec<(Uuid, &Row)>>> = Vec::new();
        let mut parent_of: BTreeMap<Uuid, Uuid> = BTreeMap::new();
        // Where each desired named child goes, to tell moves from deletes.
        let mut wanted_parent: Vec<BTreeMap<&str, &str>> = Vec::new();
        for (i, spec) in f.children.iter().enumerate() {
            let mut where_to = BTreeMap::new();
            if let ChildKey::Name = spec.key {
                named.push(self.by_name(spec.table)?);
                for rows in parents.values() {
                    for (pu, prow) in rows {
                        for cu in uuids(prow, spec.column) {
                            parent_of.insert(cu, *pu);
                        }
                    }
                }
                for w in &wanted {
                    for c in w.children[i].keys() {
                        where_to.insert(c.as_str(), w.name.as_str());
                    }
                }
            } else {
                named.push(BTreeMap::new());
            }
            wanted_parent.push(where_to);
        }
        let wanted_names: BTreeSet<&str> = wanted.iter().map(|w| w.name.as_str()).collect();

        for w in &wanted {
            let existing = self.owned_one(f.parent, &w.name, parents.get(w.name.as_str()))?;
            let here = existing.as_ref().map(|(u, _)| *u);
            let mut columns: Vec<(Vec<Atom>, Vec<Atom>, Vec<Atom>)> = Vec::new();
            for (i, spec) in f.children.iter().enumerate() {
                let mut members = Vec::new();
                let mut add = Vec::new();
                let mut remove = Vec::new();
                // The owned children this parent holds now, by key.
                let mut held: BTreeMap<String, (Uuid, &Row)> = BTreeMap::new();
                if let Some((_, prow)) = &existing {
                    for cu in uuids(prow, spec.column) {
                        let Some(crow) = self.snap.get(spec.table, cu)? else {
                            continue;
                        };
                        if !self.owner.owns(crow) {
                            continue;
                        }
                        let key = match spec.key {
                            ChildKey::Name => name_of(crow).to_owned(),
                            ChildKey::Columns(k) => k(crow),
                        };
                        if w.children[i].contains_key(&key) && !held.contains_key(&key) {
                            held.insert(key, (cu, &**crow));
                        } else {
                            // Not wanted here (or a duplicate): it leaves, and with no other
                            // reference the server collects it.
                            remove.push(Atom::Uuid(cu));
                            let moved = matches!(spec.key, ChildKey::Name)
                                && wanted_parent[i].contains_key(key.as_str());
                            if !moved {
                                self.count(spec.table).deleted += 1;
                            }
                        }
                    }
                }
                for (key, crow) in &w.children[i] {
                    let found = match spec.key {
                        ChildKey::Columns(_) => held.remove(key),
                        ChildKey::Name => match held.remove(key) {
                            Some(x) => Some(x),
                            None => self.owned_one(spec.table, key, named[i].get(key.as_str()))?,
                        },
                    };
                    match found {
                        Some((cu, observed)) => {
                            let changed = self.update_row(
                                spec.table,
                                cu,
                                observed,
                                crow,
                                &spec.defaults,
                                spec.sets,
                            );
                            if here.is_none() || parent_of.get(&cu).copied() != here {
                                if matches!(spec.key, ChildKey::Name) && here.is_some() {
                                    // Moved from another parent.
                                    add.push(Atom::Uuid(cu));
                                    self.wait(spec.table, cu, observed);
                                    if parent_of.contains_key(&cu) && !changed {
                                        self.count(spec.table).updated += 1;
                                    }
                                } else if here.is_none() && parent_of.contains_key(&cu) && !changed
                                {
                                    self.wait(spec.table, cu, observed);
                                    self.count(spec.table).updated += 1;
                                }
                            }
                            members.push(Atom::Uuid(cu));
                        }
                        None => {
                            if let ChildKey::Name = spec.key {
                                // A new named child must not clash with a foreign row.
                                self.owned_one(spec.table, key, named[i].get(key.as_str()))?;
                            }
                            let name = self.fresh_name();
                            self.ops
                                .push(Op::Insert(spec.table, name.clone(), crow.clone()));
                            self.count(spec.table).inserted += 1;
                            add.push(Atom::NamedUuid(name.clone()));
                            members.push(Atom::NamedUuid(name));
                        }
                    }
                }
                columns.push((members, add, remove));
            }
            match existing {
                Some((pu, prow)) => {
                    self.update_row(
                        f.parent,
                        pu,
                        prow,
                        &w.row,
                        &f.parent_defaults,
                        f.parent_sets,
                    );
                    let mut mutations = Vec::new();
                    for (spec, (_, add, remove)) in f.children.iter().zip(columns) {
                        if !remove.is_empty() {
                            mutations.push(Mutation::delete(spec.column, Datum::Set(remove)));
                        }
                        if !add.is_empty() {
                            mutations.push(Mutation::insert(spec.column, Datum::Set(add)));
                        }
                    }
                    if !mutations.is_empty() {
                        self.wait(f.parent, pu, prow);
                        self.ops.push(Op::Mutate(f.parent, pu, mutations));
                    }
                }
                None => {
                    let mut row = w.row.clone();
                    for (spec, (members, _, _)) in f.children.iter().zip(columns) {
                        row.insert(spec.column, Datum::Set(members));
                    }
                    let name = self.fresh_name();
                    self.ops.push(Op::WaitAbsent(f.parent, w.name.clone()));
                    self.ops.push(Op::Insert(f.parent, name, row));
                    self.count(f.parent).inserted += 1;
                }
            }
        }

        // Owned parents no longer wanted go, with their owned children (unless moved).
        for (name, rows) in &parents {
            if wanted_names.contains(*name) {
                continue;
            }
            for (pu, prow) in rows {
                if !self.owner.owns(prow) {
                    continue;
                }
                let mut gone: Vec<&'static str> = Vec::new();
                for (i, spec) in f.children.iter().enumerate() {
                    for cu in uuids(prow, spec.column) {
                        let Some(crow) = self.snap.get(spec.table, cu)? else {
                            continue;
                        };
                        // Foreign rows are never deleted, not even by garbage collection.
                        if !self.owner.owns(crow) {
                            let key = match spec.key {
                                ChildKey::Name => format!("{:?}", name_of(crow)),
                                ChildKey::Columns(_) => cu.to_string(),
                            };
                            return Err(Error::HoldsForeign {
                                entity: format!("{} {name:?}", f.parent),
                                held: format!("{} {key}", spec.table),
                            });
                        }
                        let moved = matches!(spec.key, ChildKey::Name)
                            && wanted_parent[i].contains_key(name_of(crow));
                        if !moved {
                            gone.push(spec.table);
                        }
                    }
                }
                self.wait(f.parent, *pu, prow);
                self.ops.push(Op::Delete(f.parent, *pu));
                self.count(f.parent).deleted += 1;
                for table in gone {
                    self.count(table).deleted += 1;
                }
            }
        }
        Ok(())
    }

    fn finish(self) -> Plan {
        let mut txn = Transaction::new(DATABASE);
        let mut changes = 0;
        let (waits, rest): (Vec<Op>, Vec<Op>) = self
            .ops
            .into_iter()
            .partition(|op| matches!(op, Op::Wait(..) | Op::WaitAbsent(..)));
        if rest.is_empty() {
            return Plan {
                transaction: txn,
                counts: BTreeMap::new(),
                changes: 0,
            };
        }
        for op in waits.into_iter().chain(rest) {
            match op {
                Op::Wait(table, uuid, row) => {
                    wait_unchanged(&mut txn, table, uuid, &row);
                }
                Op::WaitAbsent(table, name) => {
                    txn.wait(
                        table,
                        [Condition::eq("name", name.as_str())],
                        vec!["name".into()],
                        WaitUntil::Eq,
                        vec![],
                        Some(0),
                    );
                }
                Op::Insert(table, name, row) => {
                    txn.insert_named(table, name, row);
                    changes += 1;
                }
                Op::Update(table, uuid, row) => {
                    txn.update(table, [Condition::eq("_uuid", uuid)], row);
                    changes += 1;
                }
                Op::Mutate(table, uuid, mutations) => {
                    txn.mutate(table, [Condition::eq("_uuid", uuid)], mutations);
                    changes += 1;
                }
                Op::Delete(table, uuid) => {
                    txn.delete(table, [Condition::eq("_uuid", uuid)]);
                    changes += 1;
                }
            }
        }
        Plan {
            transaction: txn,
            counts: self.counts,
            changes,
        }
    }
}
