//! The diff engine: a [`Topology`] and a replica [`Snapshot`] in, one transaction out that
//! turns the owned part of the database into the topology with the fewest operations (see
//! `DESIGN.md`). Pure: no I/O.
//!
//! Covered so far: `Logical_Switch` with its `Logical_Switch_Port`s and `Logical_Router` with
//! its `Logical_Router_Port`s. The snapshot must monitor all columns of those four tables
//! (`_version` is needed for the preconditions).

use std::collections::{BTreeMap, BTreeSet};

use ovsdb_client::replica::{Snapshot, wait_unchanged};
use ovsdb_client::transact::{Condition, Mutation, Transaction, WaitUntil};
use ovsdb_client::typed::Table;
use ovsdb_client::{Atom, Datum, Row, Uuid};

use crate::error::{Error, Result};
use crate::nb;
use crate::topology::{Map, Router, RouterPort, Switch, SwitchPort, Topology};

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

/// A parent table whose rows own child rows through a strong reference column.
struct Family {
    parent: &'static str,
    column: &'static str,
    child: &'static str,
    /// Composite (set or map) columns of the parent and the child, updated with `mutate` when
    /// that is smaller.
    parent_sets: &'static [&'static str],
    child_sets: &'static [&'static str],
    parent_defaults: Row,
    child_defaults: Row,
}

/// A desired parent row and its desired children, by name.
struct Wanted {
    name: String,
    row: Row,
    children: BTreeMap<String, Row>,
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
    let switches = Family {
        parent: nb::LogicalSwitch::NAME,
        column: "ports",
        child: nb::LogicalSwitchPort::NAME,
        parent_sets: &["other_config", "external_ids"],
        child_sets: &["addresses", "port_security", "options", "external_ids"],
        parent_defaults: nb::LogicalSwitch::default().to_row(),
        child_defaults: nb::LogicalSwitchPort::default().to_row(),
    };
    let wanted: Vec<Wanted> = topology
        .switches
        .values()
        .map(|s| Wanted {
            name: s.name.clone(),
            row: switch_row(s, owner),
            children: s
                .ports
                .values()
                .map(|c| (c.name.clone(), switch_port_row(c, owner)))
                .collect(),
        })
        .collect();
    p.family(&switches, wanted)?;
    let routers = Family {
        parent: nb::LogicalRouter::NAME,
        column: "ports",
        child: nb::LogicalRouterPort::NAME,
        parent_sets: &["options", "external_ids"],
        child_sets: &["networks", "options", "external_ids"],
        parent_defaults: nb::LogicalRouter::default().to_row(),
        child_defaults: nb::LogicalRouterPort::default().to_row(),
    };
    let wanted: Vec<Wanted> = topology
        .routers
        .values()
        .map(|r| Wanted {
            name: r.name.clone(),
            row: router_row(r, owner),
            children: r
                .ports
                .values()
                .map(|c| (c.name.clone(), router_port_row(c, owner)))
                .collect(),
        })
        .collect();
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
    let children = |row: &Row, table: &str| -> Result<Vec<Row>> {
        let mut out = Vec::new();
        for a in row.get("ports").and_then(Datum::as_set).unwrap_or(&[]) {
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
    for (_, row) in snap.rows(nb::LogicalSwitch::NAME)? {
        if !owner.owns(row) {
            continue;
        }
        let mut s = Switch::new(name_of(row));
        s.other_config = map(row, "other_config");
        s.external_ids = ids(row);
        for c in children(row, nb::LogicalSwitchPort::NAME)? {
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
        r.options = map(row, "options");
        r.external_ids = ids(row);
        for c in children(row, nb::LogicalRouterPort::NAME)? {
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

fn name_of(row: &Row) -> &str {
    row.get_str("name").unwrap_or("")
}

impl Planner<'_> {
    fn count(&mut self, table: &'static str) -> &mut Counts {
        self.counts.entry(table).or_default()
    }

    fn fresh_name(&mut self) -> String {
        self.next_name += 1;
        format!("new{}", self.next_name)
    }

    fn wait(&mut self, table: &'static str, uuid: Uuid, row: &Row) {
        if self.waited.insert(uuid) {
            self.ops.push(Op::Wait(table, uuid, row.clone()));
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
    fn by_name(&self, table: &'static str) -> Result<BTreeMap<String, Vec<(Uuid, Row)>>> {
        let mut out: BTreeMap<String, Vec<(Uuid, Row)>> = BTreeMap::new();
        for (uuid, row) in self.snap.rows(table)? {
            out.entry(name_of(row).to_owned())
                .or_default()
                .push((uuid, Row::clone(row)));
        }
        Ok(out)
    }

    /// The one owned row named `name` among `rows`, if any; an error if a row of that name is
    /// not ours.
    fn owned_one(
        &self,
        table: &'static str,
        name: &str,
        rows: Option<&Vec<(Uuid, Row)>>,
    ) -> Result<Option<(Uuid, Row)>> {
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

    fn family(&mut self, f: &Family, wanted: Vec<Wanted>) -> Result<()> {
        let parents = self.by_name(f.parent)?;
        let children = self.by_name(f.child)?;
        // Which parent holds each child row.
        let mut parent_of: BTreeMap<Uuid, Uuid> = BTreeMap::new();
        for rows in parents.values() {
            for (pu, prow) in rows {
                for a in prow.get(f.column).and_then(Datum::as_set).unwrap_or(&[]) {
                    if let Some(cu) = a.as_uuid() {
                        parent_of.insert(cu, *pu);
                    }
                }
            }
        }
        // Where each desired child goes, to tell moves from deletes.
        let mut wanted_parent: BTreeMap<&str, &str> = BTreeMap::new();
        for w in &wanted {
            for c in w.children.keys() {
                wanted_parent.insert(c, &w.name);
            }
        }
        let wanted_names: BTreeSet<&str> = wanted.iter().map(|w| w.name.as_str()).collect();

        for w in &wanted {
            let existing = self.owned_one(f.parent, &w.name, parents.get(&w.name))?;
            // The children: reuse owned rows by name (moving them if needed), insert the rest.
            let mut members: Vec<Atom> = Vec::new();
            let mut add: Vec<Atom> = Vec::new();
            for (cname, crow) in &w.children {
                match self.owned_one(f.child, cname, children.get(cname))? {
                    Some((cu, observed)) => {
                        let changed = self.update_row(
                            f.child,
                            cu,
                            &observed,
                            crow,
                            &f.child_defaults,
                            f.child_sets,
                        );
                        let here = existing.as_ref().map(|(u, _)| *u);
                        if parent_of.get(&cu).copied() != here || here.is_none() {
                            add.push(Atom::Uuid(cu));
                            self.wait(f.child, cu, &observed);
                            if parent_of.contains_key(&cu) && !changed {
                                self.count(f.child).updated += 1;
                            }
                        }
                        members.push(Atom::Uuid(cu));
                    }
                    None => {
                        let name = self.fresh_name();
                        self.ops
                            .push(Op::Insert(f.child, name.clone(), crow.clone()));
                        self.count(f.child).inserted += 1;
                        add.push(Atom::NamedUuid(name.clone()));
                        members.push(Atom::NamedUuid(name));
                    }
                }
            }
            match existing {
                Some((pu, prow)) => {
                    self.update_row(
                        f.parent,
                        pu,
                        &prow,
                        &w.row,
                        &f.parent_defaults,
                        f.parent_sets,
                    );
                    // Owned children that are no longer wanted here leave (and, with no other
                    // reference, are collected by the server); foreign ones stay.
                    let mut remove: Vec<Atom> = Vec::new();
                    for a in prow.get(f.column).and_then(Datum::as_set).unwrap_or(&[]) {
                        let Some(cu) = a.as_uuid() else { continue };
                        let Some((_, crow)) = self.snap.get(f.child, cu)?.map(|r| (cu, r)) else {
                            continue;
                        };
                        let cname = name_of(crow);
                        if self.owner.owns(crow) && !w.children.contains_key(cname) {
                            remove.push(Atom::Uuid(cu));
                            if !wanted_parent.contains_key(cname) {
                                self.count(f.child).deleted += 1;
                            }
                        }
                    }
                    let mut mutations = Vec::new();
                    if !remove.is_empty() {
                        mutations.push(Mutation::delete(f.column, Datum::Set(remove)));
                    }
                    if !add.is_empty() {
                        mutations.push(Mutation::insert(f.column, Datum::Set(add)));
                    }
                    if !mutations.is_empty() {
                        self.wait(f.parent, pu, &prow);
                        self.ops.push(Op::Mutate(f.parent, pu, mutations));
                    }
                }
                None => {
                    let row = w.row.clone().with(f.column, Datum::Set(members));
                    let name = self.fresh_name();
                    self.ops.push(Op::WaitAbsent(f.parent, w.name.clone()));
                    self.ops.push(Op::Insert(f.parent, name, row));
                    self.count(f.parent).inserted += 1;
                }
            }
        }

        // Owned parents no longer wanted go, with their owned children (unless moved).
        for (name, rows) in &parents {
            if wanted_names.contains(name.as_str()) {
                continue;
            }
            for (pu, prow) in rows {
                if !self.owner.owns(prow) {
                    continue;
                }
                // Foreign rows are never deleted, not even by the server's garbage collection.
                for a in prow.get(f.column).and_then(Datum::as_set).unwrap_or(&[]) {
                    let Some(cu) = a.as_uuid() else { continue };
                    if let Some(crow) = self.snap.get(f.child, cu)?
                        && !self.owner.owns(crow)
                    {
                        return Err(Error::HoldsForeign {
                            entity: format!("{} {name:?}", f.parent),
                            held: format!("{} {:?}", f.child, name_of(crow)),
                        });
                    }
                }
                self.wait(f.parent, *pu, prow);
                self.ops.push(Op::Delete(f.parent, *pu));
                self.count(f.parent).deleted += 1;
                for a in prow.get(f.column).and_then(Datum::as_set).unwrap_or(&[]) {
                    let Some(cu) = a.as_uuid() else { continue };
                    if let Some(crow) = self.snap.get(f.child, cu)?
                        && self.owner.owns(crow)
                        && !wanted_parent.contains_key(name_of(crow))
                    {
                        self.count(f.child).deleted += 1;
                    }
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
