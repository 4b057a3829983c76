//! The diff engine: a [`Topology`] and a replica [`Snapshot`] in, one transaction out that
//! turns the owned part of the database into the topology with the fewest operations (see
//! `DESIGN.md`). Pure: no I/O.
//!
//! The snapshot must monitor all columns of [`TABLES`] (`_version` is needed for the
//! preconditions). Entities are compared with the rows they match column by column, straight
//! from the topology's own fields: nothing is built for an entity that has not changed, and
//! the entities that are written (inserted or changed) are validated first, the way
//! [`Topology::validate`] checks them.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use ovsdb_client::replica::{Snapshot, wait_unchanged};
use ovsdb_client::transact::{Condition, Mutation, Transaction, WaitUntil};
use ovsdb_client::value::{str_cmp, str_eq};
use ovsdb_client::{Atom, Datum, Row, Uuid};

use crate::error::{Error, Result};
use crate::topology::{
    Acl, AddressSet, DhcpOptions, Dns, GatewayChassis, HaChassis, HaChassisGroup, LoadBalancer,
    LoadBalancerGroup, Map, Nat, PortGroup, Router, RouterPolicy, RouterPort, StaticRoute, Switch,
    SwitchPort, Topology,
};

pub use crate::observe::observe;

/// The tables a replica must monitor (all columns) for [`diff`] and [`observe`].
pub const TABLES: &[&str] = &[
    "NB_Global",
    "DHCP_Options",
    "DNS",
    "Load_Balancer",
    "Load_Balancer_Group",
    "Address_Set",
    "HA_Chassis_Group",
    "HA_Chassis",
    "Gateway_Chassis",
    "Logical_Switch",
    "Logical_Switch_Port",
    "ACL",
    "Logical_Router",
    "Logical_Router_Port",
    "Logical_Router_Static_Route",
    "Logical_Router_Policy",
    "NAT",
    "Port_Group",
];

/// The database the diff writes.
pub const DATABASE: &str = "OVN_Northbound";

/// The `external_ids` entry that holds the key of entities whose table has no name column
/// ([`DhcpOptions`], [`Dns`]).
pub const KEY_ID: &str = "ovn-model-key";

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
        map_get(row, "external_ids", &self.key) == Some(self.value.as_str())
    }
}

/// The string value of `key` in map column `col`.
pub(crate) fn map_get<'r>(row: &'r Row, col: &str, key: &str) -> Option<&'r str> {
    let m = row.get(col)?.as_map()?;
    m.binary_search_by(|(k, _)| str_cmp(k.as_str().unwrap_or(""), key))
        .ok()
        .and_then(|i| m[i].1.as_str())
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
    /// Rows compared column by column with their desired entity. A [`Differ`] skips the
    /// rows it found equal before when neither side changed since: for it, a diff with
    /// nothing new on either side compares none.
    pub compared: usize,
}

impl Plan {
    /// Whether the database already matches.
    pub fn is_empty(&self) -> bool {
        self.changes == 0
    }
}

// ---------------------------------------------------------------------------------------------
// Column values, borrowed from the topology
// ---------------------------------------------------------------------------------------------

/// The value a desired entity wants in one column.
enum Val<'e> {
    /// A string column.
    Str(&'e str),
    /// An optional string.
    OptStr(Option<&'e str>),
    /// An integer column.
    Int(i64),
    /// An optional integer.
    OptInt(Option<i64>),
    /// A boolean column.
    Bool(bool),
    /// A set of strings.
    Strs(&'e BTreeSet<String>),
    /// A string-to-string map.
    Map(&'e Map),
    /// `external_ids`, plus the owner mark (and [`KEY_ID`] for tables without a name).
    Ids(&'e Map),
    /// References (UUIDs, or uuid-names of rows inserted by the same transaction), sorted.
    Refs(Vec<Atom>),
}

/// Entries [`Val::Ids`] adds to the entity's own `external_ids`, sorted by key.
struct Extra<'x>([Option<(&'x str, &'x str)>; 2]);

impl<'x> Extra<'x> {
    fn new(owner: &'x Owner, key: Option<&'x str>) -> Extra<'x> {
        let mark = (owner.key.as_str(), owner.value.as_str());
        match key {
            None => Extra([Some(mark), None]),
            Some(k) if KEY_ID < mark.0 => Extra([Some((KEY_ID, k)), Some(mark)]),
            Some(k) => Extra([Some(mark), Some((KEY_ID, k))]),
        }
    }

    fn iter(&self) -> impl Iterator<Item = (&'x str, &'x str)> + '_ {
        self.0.iter().flatten().copied()
    }

    fn has(&self, key: &str) -> bool {
        self.iter().any(|(k, _)| str_eq(k, key))
    }
}

fn one_str(d: &Datum) -> Option<&str> {
    match d.as_set()? {
        [a] => a.as_str(),
        _ => None,
    }
}

impl Val<'_> {
    /// Whether the column's default value (what an absent column of a stored row holds)
    /// is this value.
    fn is_default(&self) -> bool {
        match self {
            Val::Str(s) => s.is_empty(),
            Val::OptStr(o) => o.is_none(),
            Val::Int(i) => *i == 0,
            Val::OptInt(o) => o.is_none(),
            Val::Bool(b) => !*b,
            Val::Strs(s) => s.is_empty(),
            Val::Map(m) => m.is_empty(),
            Val::Ids(_) => false,
            Val::Refs(r) => r.is_empty(),
        }
    }

    /// Whether `have` is this value.
    fn matches(&self, have: &Datum, extra: &Extra<'_>) -> bool {
        match self {
            Val::Str(s) => opt_eq(one_str(have), s),
            Val::OptStr(None) | Val::OptInt(None) => have.as_set().is_some_and(<[Atom]>::is_empty),
            Val::OptStr(Some(s)) => opt_eq(one_str(have), s),
            Val::Int(i) | Val::OptInt(Some(i)) => {
                matches!(have.as_set(), Some([Atom::Integer(x)]) if x == i)
            }
            Val::Bool(b) => matches!(have.as_set(), Some([Atom::Boolean(x)]) if x == b),
            Val::Strs(set) => match have {
                Datum::Set(a) => {
                    a.len() == set.len()
                        && a.iter().zip(set.iter()).all(|(x, y)| opt_eq(x.as_str(), y))
                }
                Datum::Map(m) => m.is_empty() && set.is_empty(),
            },
            Val::Map(map) => match have {
                Datum::Map(m) => {
                    m.len() == map.len()
                        && m.iter().zip(map.iter()).all(|((hk, hv), (k, v))| {
                            opt_eq(hk.as_str(), k) && opt_eq(hv.as_str(), v)
                        })
                }
                Datum::Set(a) => a.is_empty() && map.is_empty(),
            },
            Val::Ids(map) => have.as_map().is_some_and(|m| ids_match(map, extra, m)),
            Val::Refs(r) => match have {
                Datum::Set(a) => a == r,
                Datum::Map(m) => m.is_empty() && r.is_empty(),
            },
        }
    }

    fn to_datum(&self, extra: &Extra<'_>) -> Datum {
        match self {
            Val::Str(s) => Datum::scalar(*s),
            Val::OptStr(o) => Datum::optional(*o),
            Val::Int(i) => Datum::scalar(*i),
            Val::OptInt(o) => Datum::optional(*o),
            Val::Bool(b) => Datum::scalar(*b),
            Val::Strs(s) => Datum::set(s.iter().map(String::as_str)),
            Val::Map(m) => Datum::map(m.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            Val::Ids(m) => Datum::map(
                m.iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .filter(|(k, _)| !extra.has(k))
                    .chain(extra.iter()),
            ),
            Val::Refs(r) => Datum::Set(r.clone()),
        }
    }
}

/// Whether the stored map `have` is `map` with the `extra` entries set.
fn ids_match(map: &Map, extra: &Extra<'_>, have: &[(Atom, Atom)]) -> bool {
    let mut own = map
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .filter(|(k, _)| !extra.has(k))
        .peekable();
    let mut add = extra.iter().peekable();
    for (hk, hv) in have {
        let next = match (own.peek(), add.peek()) {
            (Some(a), Some(b)) if str_cmp(a.0, b.0).is_lt() => own.next(),
            (Some(_), Some(_)) | (None, Some(_)) => add.next(),
            (Some(_), None) => own.next(),
            (None, None) => return false,
        };
        let Some((k, v)) = next else { return false };
        if !opt_eq(hk.as_str(), k) || !opt_eq(hv.as_str(), v) {
            return false;
        }
    }
    own.next().is_none() && add.next().is_none()
}

/// Columns a desired entity sets, sorted by name.
type Cols<'e> = Vec<(&'static str, Val<'e>)>;

/// A key: a child's within its parent, or a root's within its table. Named entities use
/// the first slot only.
type Key<'a> = ([&'a str; 4], i64);

fn opt_eq(a: Option<&str>, b: &str) -> bool {
    a.is_some_and(|a| str_eq(a, b))
}

fn key_cmp(a: &Key<'_>, b: &Key<'_>) -> std::cmp::Ordering {
    for (x, y) in a.0.iter().zip(b.0.iter()) {
        let o = short_cmp(x.as_bytes(), y.as_bytes());
        if o.is_ne() {
            return o;
        }
    }
    a.1.cmp(&b.1)
}

/// The byte-wise order of two (short) strings, as [`str_cmp`], comparing their last bytes
/// in one word that overlaps the bytes already found equal (no byte-by-byte loop).
#[inline]
fn short_cmp(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    if n >= 8 {
        let mut i = 0;
        while i + 8 <= n {
            let (x, y) = (read64(a, i).swap_bytes(), read64(b, i).swap_bytes());
            if x != y {
                return x.cmp(&y);
            }
            i += 8;
        }
        if i < n {
            let (x, y) = (read64(a, n - 8).swap_bytes(), read64(b, n - 8).swap_bytes());
            if x != y {
                return x.cmp(&y);
            }
        }
    } else if n >= 4 {
        for i in [0, n - 4] {
            let (x, y) = (read32(a, i).swap_bytes(), read32(b, i).swap_bytes());
            if x != y {
                return x.cmp(&y);
            }
        }
    } else {
        for i in 0..n {
            if a[i] != b[i] {
                return a[i].cmp(&b[i]);
            }
        }
    }
    a.len().cmp(&b.len())
}

/// Moves `j` past the desired children ordered before `key`; whether the one there has it.
#[inline]
fn seek(desired: &[(Key<'_>, &Dyn)], j: &mut usize, key: &Key<'_>) -> bool {
    while let Some((k, _)) = desired.get(*j) {
        match key_cmp(k, key) {
            std::cmp::Ordering::Less => *j += 1,
            o => return o.is_eq(),
        }
    }
    false
}

fn name_key(name: &str) -> Key<'_> {
    ([name, "", "", ""], 0)
}

fn text<'r>(row: &'r Row, col: &str) -> &'r str {
    row.get(col).and_then(one_str).unwrap_or("")
}

fn int(row: &Row, col: &str) -> i64 {
    row.get_integer(col).unwrap_or(0)
}

fn row_name(row: &Row) -> Key<'_> {
    name_key(text(row, "name"))
}

fn row_chassis(row: &Row) -> Key<'_> {
    name_key(text(row, "chassis_name"))
}

fn row_acl(row: &Row) -> Key<'_> {
    (
        [text(row, "direction"), text(row, "match"), "", ""],
        int(row, "priority"),
    )
}

fn row_route(row: &Row) -> Key<'_> {
    let policy = match text(row, "policy") {
        "" => "dst-ip",
        p => p,
    };
    (
        [
            text(row, "ip_prefix"),
            text(row, "nexthop"),
            policy,
            text(row, "route_table"),
        ],
        0,
    )
}

fn row_policy(row: &Row) -> Key<'_> {
    ([text(row, "match"), "", "", ""], int(row, "priority"))
}

fn row_nat(row: &Row) -> Key<'_> {
    (
        [
            text(row, "type"),
            text(row, "logical_ip"),
            text(row, "external_ip"),
            "",
        ],
        0,
    )
}

// ---------------------------------------------------------------------------------------------
// Entities
// ---------------------------------------------------------------------------------------------

/// Resolved references: for each referenced table, every key that will exist after the
/// transaction, with its row (a uuid-name for rows the transaction inserts).
#[derive(Default)]
struct Refs {
    tables: HashMap<&'static str, HashMap<String, Atom>>,
}

impl Refs {
    fn one(
        &self,
        table: &'static str,
        entity: &dyn Fn() -> String,
        field: &str,
        key: &str,
    ) -> Result<Atom> {
        self.tables
            .get(table)
            .and_then(|m| m.get(key))
            .cloned()
            .ok_or_else(|| Error::Invalid {
                entity: entity(),
                field: field.to_owned(),
                reason: format!("refers to {table} {key:?}, which does not exist"),
            })
    }

    #[inline]
    fn set<'k>(
        &self,
        table: &'static str,
        entity: &dyn Fn() -> String,
        field: &str,
        keys: impl IntoIterator<Item = &'k String>,
    ) -> Result<Vec<Atom>> {
        let mut keys = keys.into_iter().peekable();
        if keys.peek().is_none() {
            return Ok(Vec::new());
        }
        let mut out = keys
            .map(|k| self.one(table, entity, field, k))
            .collect::<Result<Vec<_>>>()?;
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    #[inline]
    fn opt(
        &self,
        table: &'static str,
        entity: &dyn Fn() -> String,
        field: &str,
        key: Option<&String>,
    ) -> Result<Vec<Atom>> {
        match key {
            None => Ok(Vec::new()),
            Some(k) => Ok(vec![self.one(table, entity, field, k)?]),
        }
    }
}

/// Where an entity's columns go: a list to compare or write ([`Cols`]), or straight into a
/// [`Fingerprint`].
trait Sink<'e> {
    /// One column (an entity gives them sorted by name).
    fn col(&mut self, name: &'static str, val: Val<'e>);
}

impl<'e> Sink<'e> for Fingerprint {
    #[inline(always)]
    fn col(&mut self, _name: &'static str, val: Val<'e>) {
        self.val(&val);
    }
}

impl<'e> Sink<'e> for Cols<'e> {
    fn col(&mut self, name: &'static str, val: Val<'e>) {
        self.push((name, val));
    }
}

/// The columns the model sets for an entity.
trait Columns {
    /// Gives `out` the columns, sorted by name. Generic, so that fingerprinting a
    /// collection of entities of one type hashes the fields in place.
    fn visit<'e, S: Sink<'e>>(&'e self, refs: &Refs, out: &mut S) -> Result<()>;
}

/// [`Columns`] through a trait object.
trait DynColumns {
    /// Appends the columns the model sets to `out`, sorted by name.
    fn cols<'e>(&'e self, refs: &Refs, out: &mut Cols<'e>) -> Result<()>;
}

impl<T: Columns> DynColumns for T {
    fn cols<'e>(&'e self, refs: &Refs, out: &mut Cols<'e>) -> Result<()> {
        self.visit(refs, out)
    }
}

/// A desired row.
trait Entity: DynColumns {
    /// The key (see [`Key`]).
    fn key(&self) -> Key<'_>;
    /// The checks of [`Topology::validate`] for this entity; `holder` names its parent.
    fn check(&self, _topo: &Topology, _holder: &str) -> Result<()> {
        Ok(())
    }
    /// The key kept in `external_ids` under [`KEY_ID`], for tables without a name.
    fn key_id(&self) -> Option<&str> {
        None
    }
}

fn entity_name(table: &str, key: &str) -> String {
    format!("{table} {key:?}")
}

impl Columns for Switch {
    fn visit<'e, S: Sink<'e>>(&'e self, refs: &Refs, out: &mut S) -> Result<()> {
        let who = || entity_name("Logical_Switch", &self.name);
        out.col(
            "dns_records",
            Val::Refs(refs.set("DNS", &who, "dns_records", &self.dns_records)?),
        );
        out.col("external_ids", Val::Ids(&self.external_ids));
        out.col(
            "load_balancer",
            Val::Refs(refs.set("Load_Balancer", &who, "load_balancer", &self.load_balancers)?),
        );
        out.col(
            "load_balancer_group",
            Val::Refs(refs.set(
                "Load_Balancer_Group",
                &who,
                "load_balancer_group",
                &self.load_balancer_groups,
            )?),
        );
        out.col("name", Val::Str(&self.name));
        out.col("other_config", Val::Map(&self.other_config));
        Ok(())
    }
}

impl Entity for Switch {
    fn key(&self) -> Key<'_> {
        name_key(&self.name)
    }
    fn check(&self, _topo: &Topology, _holder: &str) -> Result<()> {
        non_empty("Logical_Switch", &self.name)
    }
}

fn non_empty(table: &str, name: &str) -> Result<()> {
    if name.is_empty() {
        Err(Error::Invalid {
            entity: entity_name(table, name),
            field: "name".into(),
            reason: "is empty".into(),
        })
    } else {
        Ok(())
    }
}

impl Columns for SwitchPort {
    fn visit<'e, S: Sink<'e>>(&'e self, refs: &Refs, out: &mut S) -> Result<()> {
        let who = || entity_name("Logical_Switch_Port", &self.name);
        out.col("addresses", Val::Strs(&self.addresses));
        out.col(
            "dhcpv4_options",
            Val::Refs(refs.opt(
                "DHCP_Options",
                &who,
                "dhcpv4_options",
                self.dhcpv4_options.as_ref(),
            )?),
        );
        out.col(
            "dhcpv6_options",
            Val::Refs(refs.opt(
                "DHCP_Options",
                &who,
                "dhcpv6_options",
                self.dhcpv6_options.as_ref(),
            )?),
        );
        out.col("external_ids", Val::Ids(&self.external_ids));
        out.col(
            "ha_chassis_group",
            Val::Refs(refs.opt(
                "HA_Chassis_Group",
                &who,
                "ha_chassis_group",
                self.ha_chassis_group.as_ref(),
            )?),
        );
        out.col("name", Val::Str(&self.name));
        out.col("options", Val::Map(&self.options));
        out.col("port_security", Val::Strs(&self.port_security));
        out.col("tag", Val::OptInt(self.tag));
        out.col("type", Val::Str(&self.kind));
        Ok(())
    }
}

impl Entity for SwitchPort {
    fn key(&self) -> Key<'_> {
        name_key(&self.name)
    }
    fn check(&self, topo: &Topology, _holder: &str) -> Result<()> {
        non_empty("Logical_Switch_Port", &self.name)?;
        SwitchPort::check(self, topo)
    }
}

impl Columns for Acl {
    fn visit<'e, S: Sink<'e>>(&'e self, _refs: &Refs, out: &mut S) -> Result<()> {
        out.col("action", Val::Str(&self.action));
        out.col("direction", Val::Str(&self.direction));
        out.col("external_ids", Val::Ids(&self.external_ids));
        out.col("log", Val::Bool(self.log));
        out.col("match", Val::Str(&self.match_));
        out.col("name", Val::OptStr(self.name.as_deref()));
        out.col("options", Val::Map(&self.options));
        out.col("priority", Val::Int(self.priority));
        out.col("severity", Val::OptStr(self.severity.as_deref()));
        Ok(())
    }
}

impl Entity for Acl {
    fn key(&self) -> Key<'_> {
        ([&self.direction, &self.match_, "", ""], self.priority)
    }
    fn check(&self, _topo: &Topology, holder: &str) -> Result<()> {
        Acl::check(self, holder)
    }
}

impl Columns for Router {
    fn visit<'e, S: Sink<'e>>(&'e self, refs: &Refs, out: &mut S) -> Result<()> {
        let who = || entity_name("Logical_Router", &self.name);
        out.col("external_ids", Val::Ids(&self.external_ids));
        out.col(
            "load_balancer",
            Val::Refs(refs.set("Load_Balancer", &who, "load_balancer", &self.load_balancers)?),
        );
        out.col(
            "load_balancer_group",
            Val::Refs(refs.set(
                "Load_Balancer_Group",
                &who,
                "load_balancer_group",
                &self.load_balancer_groups,
            )?),
        );
        out.col("name", Val::Str(&self.name));
        out.col("options", Val::Map(&self.options));
        Ok(())
    }
}

impl Entity for Router {
    fn key(&self) -> Key<'_> {
        name_key(&self.name)
    }
    fn check(&self, _topo: &Topology, _holder: &str) -> Result<()> {
        non_empty("Logical_Router", &self.name)
    }
}

impl Columns for RouterPort {
    fn visit<'e, S: Sink<'e>>(&'e self, refs: &Refs, out: &mut S) -> Result<()> {
        let who = || entity_name("Logical_Router_Port", &self.name);
        out.col("external_ids", Val::Ids(&self.external_ids));
        out.col(
            "gateway_chassis",
            Val::Refs(refs.set(
                "Gateway_Chassis",
                &who,
                "gateway_chassis",
                self.gateway_chassis.values().map(|g| &g.name),
            )?),
        );
        out.col(
            "ha_chassis_group",
            Val::Refs(refs.opt(
                "HA_Chassis_Group",
                &who,
                "ha_chassis_group",
                self.ha_chassis_group.as_ref(),
            )?),
        );
        out.col("mac", Val::Str(&self.mac));
        out.col("name", Val::Str(&self.name));
        out.col("networks", Val::Strs(&self.networks));
        out.col("options", Val::Map(&self.options));
        out.col("peer", Val::OptStr(self.peer.as_deref()));
        Ok(())
    }
}

impl Entity for RouterPort {
    fn key(&self) -> Key<'_> {
        name_key(&self.name)
    }
    fn check(&self, topo: &Topology, _holder: &str) -> Result<()> {
        non_empty("Logical_Router_Port", &self.name)?;
        RouterPort::check(self, topo)
    }
}

impl Columns for StaticRoute {
    fn visit<'e, S: Sink<'e>>(&'e self, _refs: &Refs, out: &mut S) -> Result<()> {
        out.col("external_ids", Val::Ids(&self.external_ids));
        out.col("ip_prefix", Val::Str(&self.ip_prefix));
        out.col("nexthop", Val::Str(&self.nexthop));
        out.col("options", Val::Map(&self.options));
        out.col("output_port", Val::OptStr(self.output_port.as_deref()));
        out.col(
            "policy",
            Val::OptStr((!self.policy.is_empty()).then_some(self.policy.as_str())),
        );
        out.col("route_table", Val::Str(&self.route_table));
        Ok(())
    }
}

impl Entity for StaticRoute {
    fn key(&self) -> Key<'_> {
        let policy = if self.policy.is_empty() {
            "dst-ip"
        } else {
            &self.policy
        };
        (
            [&self.ip_prefix, &self.nexthop, policy, &self.route_table],
            0,
        )
    }
    fn check(&self, _topo: &Topology, holder: &str) -> Result<()> {
        StaticRoute::check(self, holder)
    }
}

impl Columns for RouterPolicy {
    fn visit<'e, S: Sink<'e>>(&'e self, _refs: &Refs, out: &mut S) -> Result<()> {
        out.col("action", Val::Str(&self.action));
        out.col("external_ids", Val::Ids(&self.external_ids));
        out.col("match", Val::Str(&self.match_));
        out.col("nexthops", Val::Strs(&self.nexthops));
        out.col("options", Val::Map(&self.options));
        out.col("priority", Val::Int(self.priority));
        Ok(())
    }
}

impl Entity for RouterPolicy {
    fn key(&self) -> Key<'_> {
        ([&self.match_, "", "", ""], self.priority)
    }
    fn check(&self, _topo: &Topology, holder: &str) -> Result<()> {
        RouterPolicy::check(self, holder)
    }
}

impl Columns for Nat {
    fn visit<'e, S: Sink<'e>>(&'e self, _refs: &Refs, out: &mut S) -> Result<()> {
        out.col("external_ids", Val::Ids(&self.external_ids));
        out.col("external_ip", Val::Str(&self.external_ip));
        out.col("external_mac", Val::OptStr(self.external_mac.as_deref()));
        out.col("logical_ip", Val::Str(&self.logical_ip));
        out.col("logical_port", Val::OptStr(self.logical_port.as_deref()));
        out.col("options", Val::Map(&self.options));
        out.col("type", Val::Str(&self.kind));
        Ok(())
    }
}

impl Entity for Nat {
    fn key(&self) -> Key<'_> {
        ([&self.kind, &self.logical_ip, &self.external_ip, ""], 0)
    }
    fn check(&self, _topo: &Topology, holder: &str) -> Result<()> {
        Nat::check(self, holder)
    }
}

impl Columns for LoadBalancer {
    fn visit<'e, S: Sink<'e>>(&'e self, _refs: &Refs, out: &mut S) -> Result<()> {
        out.col("external_ids", Val::Ids(&self.external_ids));
        out.col("name", Val::Str(&self.name));
        out.col("options", Val::Map(&self.options));
        out.col("protocol", Val::OptStr(self.protocol.as_deref()));
        out.col("selection_fields", Val::Strs(&self.selection_fields));
        out.col("vips", Val::Map(&self.vips));
        Ok(())
    }
}

impl Entity for LoadBalancer {
    fn key(&self) -> Key<'_> {
        name_key(&self.name)
    }
    fn check(&self, _topo: &Topology, _holder: &str) -> Result<()> {
        non_empty("Load_Balancer", &self.name)?;
        LoadBalancer::check(self)
    }
}

impl Columns for LoadBalancerGroup {
    fn visit<'e, S: Sink<'e>>(&'e self, refs: &Refs, out: &mut S) -> Result<()> {
        let who = || entity_name("Load_Balancer_Group", &self.name);
        out.col(
            "load_balancer",
            Val::Refs(refs.set("Load_Balancer", &who, "load_balancer", &self.load_balancers)?),
        );
        out.col("name", Val::Str(&self.name));
        Ok(())
    }
}

impl Entity for LoadBalancerGroup {
    fn key(&self) -> Key<'_> {
        name_key(&self.name)
    }
    fn check(&self, _topo: &Topology, _holder: &str) -> Result<()> {
        non_empty("Load_Balancer_Group", &self.name)
    }
}

impl Columns for AddressSet {
    fn visit<'e, S: Sink<'e>>(&'e self, _refs: &Refs, out: &mut S) -> Result<()> {
        out.col("addresses", Val::Strs(&self.addresses));
        out.col("external_ids", Val::Ids(&self.external_ids));
        out.col("name", Val::Str(&self.name));
        Ok(())
    }
}

impl Entity for AddressSet {
    fn key(&self) -> Key<'_> {
        name_key(&self.name)
    }
    fn check(&self, _topo: &Topology, _holder: &str) -> Result<()> {
        non_empty("Address_Set", &self.name)?;
        AddressSet::check(self)
    }
}

impl Columns for PortGroup {
    fn visit<'e, S: Sink<'e>>(&'e self, refs: &Refs, out: &mut S) -> Result<()> {
        let who = || entity_name("Port_Group", &self.name);
        out.col("external_ids", Val::Ids(&self.external_ids));
        out.col("name", Val::Str(&self.name));
        out.col(
            "ports",
            Val::Refs(refs.set("Logical_Switch_Port", &who, "ports", &self.ports)?),
        );
        Ok(())
    }
}

impl Entity for PortGroup {
    fn key(&self) -> Key<'_> {
        name_key(&self.name)
    }
    fn check(&self, _topo: &Topology, _holder: &str) -> Result<()> {
        non_empty("Port_Group", &self.name)
    }
}

impl Columns for DhcpOptions {
    fn visit<'e, S: Sink<'e>>(&'e self, _refs: &Refs, out: &mut S) -> Result<()> {
        out.col("cidr", Val::Str(&self.cidr));
        out.col("external_ids", Val::Ids(&self.external_ids));
        out.col("options", Val::Map(&self.options));
        Ok(())
    }
}

impl Entity for DhcpOptions {
    fn key(&self) -> Key<'_> {
        name_key(&self.key)
    }
    fn check(&self, _topo: &Topology, _holder: &str) -> Result<()> {
        non_empty("DHCP_Options", &self.key)?;
        DhcpOptions::check(self)
    }
    fn key_id(&self) -> Option<&str> {
        Some(&self.key)
    }
}

impl Columns for Dns {
    fn visit<'e, S: Sink<'e>>(&'e self, _refs: &Refs, out: &mut S) -> Result<()> {
        out.col("external_ids", Val::Ids(&self.external_ids));
        out.col("records", Val::Map(&self.records));
        Ok(())
    }
}

impl Entity for Dns {
    fn key(&self) -> Key<'_> {
        name_key(&self.key)
    }
    fn check(&self, _topo: &Topology, _holder: &str) -> Result<()> {
        non_empty("DNS", &self.key)
    }
    fn key_id(&self) -> Option<&str> {
        Some(&self.key)
    }
}

impl Columns for HaChassisGroup {
    fn visit<'e, S: Sink<'e>>(&'e self, _refs: &Refs, out: &mut S) -> Result<()> {
        out.col("external_ids", Val::Ids(&self.external_ids));
        out.col("name", Val::Str(&self.name));
        Ok(())
    }
}

impl Entity for HaChassisGroup {
    fn key(&self) -> Key<'_> {
        name_key(&self.name)
    }
    fn check(&self, _topo: &Topology, _holder: &str) -> Result<()> {
        non_empty("HA_Chassis_Group", &self.name)?;
        HaChassisGroup::check(self)
    }
}

impl Columns for HaChassis {
    fn visit<'e, S: Sink<'e>>(&'e self, _refs: &Refs, out: &mut S) -> Result<()> {
        out.col("chassis_name", Val::Str(&self.chassis_name));
        out.col("external_ids", Val::Ids(&self.external_ids));
        out.col("priority", Val::Int(self.priority));
        Ok(())
    }
}

impl Entity for HaChassis {
    fn key(&self) -> Key<'_> {
        name_key(&self.chassis_name)
    }
    fn check(&self, _topo: &Topology, holder: &str) -> Result<()> {
        check_priority(
            "HA_Chassis",
            &format!("{holder}/{}", self.chassis_name),
            self.priority,
        )
    }
}

impl Columns for GatewayChassis {
    fn visit<'e, S: Sink<'e>>(&'e self, _refs: &Refs, out: &mut S) -> Result<()> {
        out.col("chassis_name", Val::Str(&self.chassis_name));
        out.col("external_ids", Val::Ids(&self.external_ids));
        out.col("name", Val::Str(&self.name));
        out.col("options", Val::Map(&self.options));
        out.col("priority", Val::Int(self.priority));
        Ok(())
    }
}

impl Entity for GatewayChassis {
    fn key(&self) -> Key<'_> {
        name_key(&self.name)
    }
    fn check(&self, _topo: &Topology, _holder: &str) -> Result<()> {
        non_empty("Gateway_Chassis", &self.name)?;
        check_priority("Gateway_Chassis", &self.name, self.priority)
    }
}

fn check_priority(table: &str, key: &str, priority: i64) -> Result<()> {
    if (0..=32767).contains(&priority) {
        Ok(())
    } else {
        Err(Error::Invalid {
            entity: entity_name(table, key),
            field: "priority".into(),
            reason: format!("{priority} is not within 0 to 32767"),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Tables and how their rows are matched
// ---------------------------------------------------------------------------------------------

/// Child rows a parent holds through a strong reference column.
struct Child {
    column: &'static str,
    table: &'static str,
    /// Matched by `name`, unique across parents: a child can move between parents.
    named: bool,
    row_key: for<'r> fn(&'r Row) -> Key<'r>,
    /// Composite (set or map) columns, updated with `mutate` when that is smaller.
    sets: &'static [&'static str],
}

/// A table of rows matched by key (a root table, or `Gateway_Chassis`), and their children.
struct Spec {
    table: &'static str,
    /// The key is `name` (`false`: the key is [`KEY_ID`] in `external_ids`).
    named: bool,
    /// The table has `external_ids` for the owner mark. Without them every row of a desired
    /// name is taken as ours, and no row is ever deleted.
    marked: bool,
    sets: &'static [&'static str],
    /// Columns of other tables that may refer to these rows: a foreign row there must not
    /// lose (or, for strong references, block) the reference when one of ours is deleted.
    holders: &'static [(&'static str, &'static str)],
    children: &'static [Child],
    /// The holders' references are strong: an owned holder that is itself going (and so
    /// still refers to the row when the server checks references) has the reference
    /// cleared first.
    strong: bool,
    /// Not a root table: an unwanted row goes when the last reference to it does (an
    /// explicit delete would fail while a row about to be collected still refers to it).
    collected: bool,
}

const IDS: &[&str] = &["external_ids"];

const DHCP: Spec = Spec {
    table: "DHCP_Options",
    named: false,
    marked: true,
    sets: &["options", "external_ids"],
    holders: &[
        ("Logical_Switch_Port", "dhcpv4_options"),
        ("Logical_Switch_Port", "dhcpv6_options"),
    ],
    children: &[],
    collected: false,
    strong: false,
};

const DNS: Spec = Spec {
    table: "DNS",
    named: false,
    marked: true,
    sets: &["records", "external_ids"],
    holders: &[("Logical_Switch", "dns_records")],
    children: &[],
    collected: false,
    strong: false,
};

const LOAD_BALANCERS: Spec = Spec {
    table: "Load_Balancer",
    named: true,
    marked: true,
    sets: &["vips", "selection_fields", "options", "external_ids"],
    holders: &[
        ("Logical_Switch", "load_balancer"),
        ("Logical_Router", "load_balancer"),
        ("Load_Balancer_Group", "load_balancer"),
    ],
    children: &[],
    collected: false,
    strong: false,
};

const LOAD_BALANCER_GROUPS: Spec = Spec {
    table: "Load_Balancer_Group",
    named: true,
    marked: false,
    sets: &["load_balancer"],
    holders: &[],
    children: &[],
    collected: false,
    strong: false,
};

const ADDRESS_SETS: Spec = Spec {
    table: "Address_Set",
    named: true,
    marked: true,
    sets: &["addresses", "external_ids"],
    holders: &[],
    children: &[],
    collected: false,
    strong: false,
};

const HA_GROUPS: Spec = Spec {
    table: "HA_Chassis_Group",
    named: true,
    marked: true,
    sets: IDS,
    holders: &[
        ("Logical_Router_Port", "ha_chassis_group"),
        ("Logical_Switch_Port", "ha_chassis_group"),
    ],
    children: &[Child {
        column: "ha_chassis",
        table: "HA_Chassis",
        named: false,
        row_key: row_chassis,
        sets: IDS,
    }],
    collected: false,
    strong: true,
};

const GATEWAY_CHASSIS: Spec = Spec {
    table: "Gateway_Chassis",
    named: true,
    marked: true,
    sets: &["options", "external_ids"],
    holders: &[],
    children: &[],
    collected: true,
    strong: false,
};

const SWITCHES: Spec = Spec {
    table: "Logical_Switch",
    named: true,
    marked: true,
    sets: &[
        "other_config",
        "external_ids",
        "load_balancer",
        "load_balancer_group",
        "dns_records",
    ],
    holders: &[],
    children: &[
        Child {
            column: "ports",
            table: "Logical_Switch_Port",
            named: true,
            row_key: row_name,
            sets: &["addresses", "port_security", "options", "external_ids"],
        },
        Child {
            column: "acls",
            table: "ACL",
            named: false,
            row_key: row_acl,
            sets: &["options", "external_ids"],
        },
    ],
    collected: false,
    strong: false,
};

const ROUTERS: Spec = Spec {
    table: "Logical_Router",
    named: true,
    marked: true,
    sets: &[
        "options",
        "external_ids",
        "load_balancer",
        "load_balancer_group",
    ],
    holders: &[],
    children: &[
        Child {
            column: "ports",
            table: "Logical_Router_Port",
            named: true,
            row_key: row_name,
            sets: &["networks", "options", "external_ids", "gateway_chassis"],
        },
        Child {
            column: "static_routes",
            table: "Logical_Router_Static_Route",
            named: false,
            row_key: row_route,
            sets: &["options", "external_ids"],
        },
        Child {
            column: "policies",
            table: "Logical_Router_Policy",
            named: false,
            row_key: row_policy,
            sets: &["nexthops", "options", "external_ids"],
        },
        Child {
            column: "nat",
            table: "NAT",
            named: false,
            row_key: row_nat,
            sets: &["options", "external_ids"],
        },
    ],
    collected: false,
    strong: false,
};

const PORT_GROUPS: Spec = Spec {
    table: "Port_Group",
    named: true,
    marked: true,
    sets: &["ports", "external_ids"],
    holders: &[],
    children: &[Child {
        column: "acls",
        table: "ACL",
        named: false,
        row_key: row_acl,
        sets: &["options", "external_ids"],
    }],
    collected: false,
    strong: false,
};

/// An entity, shared with the threads that fingerprint.
type Dyn = dyn Entity + Sync;

/// A desired row of a [`Spec`] table and its desired children.
struct Wanted<'a> {
    key: &'a str,
    entity: &'a Dyn,
    /// The children per [`Spec::children`], as the topology holds them.
    kids: Vec<&'a dyn Kids>,
}

fn wanted<'a, E: Entity + Sync + 'static>(key: &'a str, entity: &'a E) -> Wanted<'a> {
    Wanted {
        key,
        entity,
        kids: Vec::new(),
    }
}

/// Children with their keys.
type KidList<'a> = Vec<(Key<'a>, &'a Dyn)>;

/// Children sorted by key, per [`Spec::children`].
type Sorted<'a> = Vec<KidList<'a>>;

/// The children of one parent for one [`Child`] of its [`Spec`], as the topology holds them
/// (a map, in its order, which need not be the order of [`Entity::key`]).
trait Kids: Sync {
    /// How many.
    fn count(&self) -> usize;
    /// Each child with its key, in the collection's order.
    fn list(&self) -> KidList<'_>;
    /// The fingerprint of each child (computed with `fp`), in the collection's order,
    /// appended to `out` and folded into `all`, after their number.
    fn prints(
        &self,
        fp: &mut Fingerprint,
        refs: &Refs,
        out: &mut Vec<u64>,
        all: &mut Fingerprint,
    ) -> Result<()>;
}

impl<K: Sync, E: Entity + Columns + Sync + 'static> Kids for BTreeMap<K, E> {
    fn count(&self) -> usize {
        self.len()
    }
    fn list(&self) -> KidList<'_> {
        self.values().map(|e| (e.key(), e as &Dyn)).collect()
    }
    fn prints(
        &self,
        fp: &mut Fingerprint,
        refs: &Refs,
        out: &mut Vec<u64>,
        all: &mut Fingerprint,
    ) -> Result<()> {
        out.reserve(self.len());
        all.word(self.len() as u64);
        let mut f = *fp;
        for e in self.values() {
            f.start();
            e.visit(refs, &mut f)?;
            let print = f.finish();
            all.word(print);
            out.push(print);
        }
        Ok(())
    }
}

/// The children of `kids` sorted by key, and when that is not their order in `kids`, where
/// each one sits there; two with one key are an error.
fn sort_kids<'a>(
    parent: &str,
    table: &str,
    kids: &'a dyn Kids,
) -> Result<(KidList<'a>, Option<Vec<usize>>)> {
    let v = kids.list();
    if v.is_sorted_by(|a, b| key_cmp(&a.0, &b.0).is_lt()) {
        // Strictly increasing (a map keyed by name, say): sorted, and no key twice.
        return Ok((v, None));
    }
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|a, b| key_cmp(&v[*a].0, &v[*b].0));
    if let Some(w) = order
        .windows(2)
        .find(|w| key_cmp(&v[w[0]].0, &v[w[1]].0).is_eq())
    {
        return Err(Error::Invalid {
            entity: entity_name(table, v[w[0]].0.0[0]),
            field: "key".into(),
            reason: format!("appears twice in {parent}"),
        });
    }
    let sorted = order.iter().map(|i| v[*i]).collect();
    Ok((sorted, Some(order)))
}

// ---------------------------------------------------------------------------------------------
// The planner
// ---------------------------------------------------------------------------------------------

/// One operation, before the transaction is built (the `wait`s go first).
enum Op {
    Wait(&'static str, Uuid, Datum),
    WaitAbsent(&'static str, String),
    Insert(&'static str, String, Row),
    Update(&'static str, Uuid, Row),
    Mutate(&'static str, Uuid, Vec<Mutation>),
    Delete(&'static str, Uuid),
}

/// Rows by name.
type ByName<'a> = HashMap<&'a str, Vec<(Uuid, &'a Row)>>;

struct Planner<'a> {
    snap: &'a Snapshot,
    owner: &'a Owner,
    topo: &'a Topology,
    ops: Vec<Op>,
    counts: BTreeMap<&'static str, Counts>,
    /// Rows already given a `wait`.
    waited: HashSet<Uuid>,
    next_name: usize,
    refs: Refs,
    /// Rows by name, per table, built when first needed (when the replica has no index).
    by_name: HashMap<&'static str, ByName<'a>>,
    /// What the previous diff of a [`Differ`] verified, still valid for this snapshot.
    memo_in: Memo,
    /// Rows changed in the store since `memo_in` was recorded.
    changed: HashSet<Uuid>,
    /// Record what this diff verifies (for a [`Differ`]), with this fingerprint seed.
    record: Option<u64>,
    memo_out: Memo,
    compared: usize,
    /// The columns of the entity [`Planner::update`] compares (kept for the next one).
    cols: Cols<'a>,
}

/// Fingerprints of a desired parent: its own, its children's (per child spec, in key
/// order), and the whole family's.
type FamilyPrints = (u64, Vec<Vec<u64>>, u64);

/// What a [`Differ`] remembers: per table, per parent key.
type Memo = HashMap<&'static str, HashMap<String, ParentMemo>>;

/// A child's key, owned (for the memo).
type KeyBuf = ([Box<str>; 4], i64);

fn key_buf(k: &Key<'_>) -> KeyBuf {
    (k.0.map(Box::from), k.1)
}

fn key_view(k: &KeyBuf) -> Key<'_> {
    ([&k.0[0], &k.0[1], &k.0[2], &k.0[3]], k.1)
}

/// What a diff saw of one existing parent row, as of the snapshot it was computed from:
/// the row, and the owned children it held (sorted by key), each with the fingerprint of the
/// desired entity it was found equal to (0: not equal, or not compared).
struct ParentMemo {
    uuid: Uuid,
    fingerprint: u64,
    /// The fingerprint of the parent and all its children when every one of them was equal
    /// (0 otherwise).
    subtree: u64,
    children: Vec<Vec<(KeyBuf, u64, Uuid)>>,
}

/// The fingerprint of `entity`'s columns (never 0, which means "not verified").
fn fingerprint<'e>(
    fp: &mut Fingerprint,
    refs: &Refs,
    entity: &'e Dyn,
    cols: &mut Cols<'e>,
) -> Result<u64> {
    cols.clear();
    entity.cols(refs, cols)?;
    fp.start();
    for (_, v) in cols.iter() {
        fp.val(v);
    }
    Ok(fp.finish())
}

/// Folds words into a 64-bit fingerprint: a multiply-fold mix (as in wyhash), two words per
/// multiplication, with the start and the multiplier drawn from the [`Differ`]'s seed.
#[derive(Clone, Copy)]
struct Fingerprint {
    h: u64,
    seed: u64,
    k: u64,
}

#[inline(always)]
fn read64(b: &[u8], i: usize) -> u64 {
    let mut w = [0; 8];
    w.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(w)
}

#[inline(always)]
fn read32(b: &[u8], i: usize) -> u64 {
    let mut w = [0; 4];
    w.copy_from_slice(&b[i..i + 4]);
    u64::from(u32::from_le_bytes(w))
}

impl Fingerprint {
    fn new(seed: u64) -> Fingerprint {
        let mut f = Fingerprint {
            h: seed,
            seed,
            k: 0x9e37_79b9_7f4a_7c15,
        };
        f.word(seed.rotate_left(32));
        f.k = f.h | 1;
        f.h = seed;
        f
    }

    /// Starts over at the seed.
    fn start(&mut self) {
        self.h = self.seed;
    }

    /// Starts over at `h`.
    fn from(&self, h: u64) -> Fingerprint {
        Fingerprint { h, ..*self }
    }

    /// The fingerprint so far (never 0).
    fn finish(&self) -> u64 {
        self.h | 1
    }

    #[inline(always)]
    fn pair(&mut self, a: u64, b: u64) {
        let m = u128::from(self.h ^ a) * u128::from(b ^ self.k);
        self.h = (m as u64) ^ ((m >> 64) as u64);
    }

    #[inline(always)]
    fn word(&mut self, w: u64) {
        self.pair(w, 0);
    }

    /// The bytes and their length. Words are read whole, overlapping at the end (the length
    /// tells where): no byte-by-byte loop, no call to memcpy.
    #[inline(always)]
    fn bytes(&mut self, b: &[u8]) {
        let n = b.len();
        // The length, scaled by the secret multiplier: strings of other lengths whose words
        // coincide still differ.
        self.h ^= (n as u64).wrapping_mul(self.k);
        if n <= 8 {
            let w = if n >= 4 {
                (read32(b, 0) << 32) | read32(b, n - 4)
            } else if n > 0 {
                (u64::from(b[0]) << 16) | (u64::from(b[n / 2]) << 8) | u64::from(b[n - 1])
            } else {
                0
            };
            self.word(w);
        } else {
            let mut i = 0;
            while n - i > 16 {
                self.pair(read64(b, i), read64(b, i + 8));
                i += 16;
            }
            // The last 1 to 16 bytes, in two words that may overlap what came before.
            self.pair(read64(b, i.min(n - 8)), read64(b, n - 8));
        }
    }

    fn atom(&mut self, a: &Atom) {
        match a {
            Atom::Uuid(u) => {
                self.word(u.0 as u64);
                self.word((u.0 >> 64) as u64);
            }
            Atom::NamedUuid(n) => self.bytes(n.as_bytes()),
            other => self.bytes(other.as_str().unwrap_or("").as_bytes()),
        }
    }

    #[inline(always)]
    fn val(&mut self, v: &Val<'_>) {
        match v {
            Val::Str(s) | Val::OptStr(Some(s)) => self.bytes(s.as_bytes()),
            Val::OptStr(None) | Val::OptInt(None) => self.word(1),
            Val::Int(i) | Val::OptInt(Some(i)) => self.word(*i as u64),
            Val::Bool(b) => self.word(u64::from(*b) + 2),
            Val::Strs(set) => {
                self.word(set.len() as u64);
                if set.len() == 1 {
                    // One element (an address, say) is found faster than iterated.
                    if let Some(x) = set.first() {
                        self.bytes(x.as_bytes());
                    }
                } else {
                    for x in set.iter() {
                        self.bytes(x.as_bytes());
                    }
                }
            }
            Val::Map(m) | Val::Ids(m) => {
                self.word(m.len() as u64);
                if m.len() == 1 {
                    if let Some((k, x)) = m.first_key_value() {
                        self.bytes(k.as_bytes());
                        self.bytes(x.as_bytes());
                    }
                } else {
                    for (k, x) in m.iter() {
                        self.bytes(k.as_bytes());
                        self.bytes(x.as_bytes());
                    }
                }
            }
            Val::Refs(r) => {
                self.word(r.len() as u64);
                for a in r {
                    self.atom(a);
                }
            }
        }
    }
}

/// Computes the transaction that makes the rows `owner` owns match `topology`.
///
/// Every entity the transaction writes is checked first as [`Topology::validate`] would
/// check it, and every reference it writes must resolve (to an entity of the topology or, for
/// load balancers, groups and switch ports, an existing row). A desired entity whose key is
/// taken by a row without the owner mark is an error naming both.
///
/// This compares every entity with its row. To diff the same database again and again
/// (a controller's reconcile loop), a [`Differ`] remembers what it verified and compares
/// only what changed since, on either side.
pub fn diff(topology: &Topology, snap: &Snapshot, owner: &Owner) -> Result<Plan> {
    plan(topology, snap, owner, HashMap::new(), HashSet::new(), None).map(|(p, _)| p)
}

/// A diff engine that remembers, between calls, which rows it found equal to which desired
/// entities, so that the next [`Differ::diff`] compares only what changed since: the rows
/// the replica changed (from [`Snapshot::changed_since`]) and the entities whose content
/// changed (a 64-bit fingerprint of each desired entity, seeded at random per differ,
/// differs from the one recorded). The plans are those [`diff`] computes.
///
/// ```
/// # use ovn_model::diff::{Differ, Owner};
/// # use ovn_model::topology::Topology;
/// # fn demo(replica: &ovsdb_client::replica::Replica, topology: &Topology) -> ovn_model::Result<()> {
/// let mut differ = Differ::new(Owner::default());
/// let plan = differ.diff(topology, &replica.snapshot())?;
/// // ... transact plan.transaction; later, with a new topology or snapshot:
/// let plan = differ.diff(topology, &replica.snapshot())?;
/// # Ok(())
/// # }
/// ```
///
/// What it remembers is tied to the store the snapshot comes from; a snapshot of another
/// store, or one so far ahead that the store no longer lists every change since, makes the
/// next diff a full one. An entity whose content changed is missed only if its new
/// fingerprint equals the old one (a chance of 2^-64 per change).
pub struct Differ {
    owner: Owner,
    seed: u64,
    memo: Option<(u64, u64, Memo)>,
}

impl std::fmt::Debug for Differ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Differ")
            .field("owner", &self.owner)
            .field("remembers", &self.memo.as_ref().map(|(id, v, _)| (id, v)))
            .finish_non_exhaustive()
    }
}

impl Differ {
    /// A differ for the rows `owner` owns, remembering nothing yet.
    pub fn new(owner: Owner) -> Differ {
        use std::hash::{BuildHasher, Hasher};
        let seed = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
            | 1;
        Differ {
            owner,
            seed,
            memo: None,
        }
    }

    /// The owner mark.
    pub fn owner(&self) -> &Owner {
        &self.owner
    }

    /// Forgets what was verified: the next diff compares everything.
    pub fn forget(&mut self) {
        self.memo = None;
    }

    /// The plan [`diff`] would compute for `topology` and `snap`.
    pub fn diff(&mut self, topology: &Topology, snap: &Snapshot) -> Result<Plan> {
        let (memo_in, changed) = match self.memo.take() {
            Some((store, version, memo)) if store == snap.store_id() => {
                match snap.changed_since(version) {
                    Some(changes) => (memo, changes.map(|(_, u)| u).collect()),
                    None => (HashMap::new(), HashSet::new()),
                }
            }
            _ => (HashMap::new(), HashSet::new()),
        };
        let (plan, memo) = plan(
            topology,
            snap,
            &self.owner,
            memo_in,
            changed,
            Some(self.seed),
        )?;
        self.memo = Some((snap.store_id(), snap.version(), memo));
        Ok(plan)
    }
}

fn plan(
    topology: &Topology,
    snap: &Snapshot,
    owner: &Owner,
    memo_in: Memo,
    changed: HashSet<Uuid>,
    record: Option<u64>,
) -> Result<(Plan, Memo)> {
    let mut p = Planner {
        snap,
        owner,
        topo: topology,
        ops: Vec::new(),
        counts: BTreeMap::new(),
        waited: HashSet::new(),
        next_name: 0,
        refs: Refs::default(),
        by_name: HashMap::new(),
        memo_in,
        changed,
        record,
        memo_out: HashMap::new(),
        compared: 0,
        cols: Vec::new(),
    };
    let t = topology;
    p.family(
        &DHCP,
        t.dhcp_options.iter().map(|(k, e)| wanted(k, e)).collect(),
    )?;
    p.family(&DNS, t.dns.iter().map(|(k, e)| wanted(k, e)).collect())?;
    p.family(
        &LOAD_BALANCERS,
        t.load_balancers.iter().map(|(k, e)| wanted(k, e)).collect(),
    )?;
    p.family(
        &LOAD_BALANCER_GROUPS,
        t.load_balancer_groups
            .iter()
            .map(|(k, e)| wanted(k, e))
            .collect(),
    )?;
    p.family(
        &ADDRESS_SETS,
        t.address_sets.iter().map(|(k, e)| wanted(k, e)).collect(),
    )?;
    let groups = t
        .ha_chassis_groups
        .iter()
        .map(|(k, g)| {
            let mut w = wanted(k, g);
            w.kids = vec![&g.chassis];
            w
        })
        .collect();
    p.family(&HA_GROUPS, groups)?;
    let gateway_chassis = t
        .routers
        .values()
        .flat_map(|r| r.ports.values())
        .flat_map(|lrp| lrp.gateway_chassis.values())
        .map(|g| wanted(&g.name, g))
        .collect();
    p.family(&GATEWAY_CHASSIS, gateway_chassis)?;
    let switches = t
        .switches
        .iter()
        .map(|(k, s)| {
            let mut w = wanted(k, s);
            w.kids = vec![&s.ports, &s.acls];
            w
        })
        .collect();
    p.family(&SWITCHES, switches)?;
    let routers = t
        .routers
        .iter()
        .map(|(k, r)| {
            let mut w = wanted(k, r);
            w.kids = vec![&r.ports, &r.static_routes, &r.policies, &r.nat];
            w
        })
        .collect();
    p.family(&ROUTERS, routers)?;
    p.resolve_ports()?;
    let port_groups = t
        .port_groups
        .iter()
        .map(|(k, g)| {
            let mut w = wanted(k, g);
            w.kids = vec![&g.acls];
            w
        })
        .collect();
    p.family(&PORT_GROUPS, port_groups)?;
    p.nb_global()?;
    let memo = std::mem::take(&mut p.memo_out);
    Ok((p.finish(), memo))
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
        if self.waited.insert(uuid)
            && let Some(version) = row.get("_version")
        {
            self.ops.push(Op::Wait(table, uuid, version.clone()));
        }
    }

    fn owns(&self, spec_marked: bool, row: &Row) -> bool {
        !spec_marked || self.owner.owns(row)
    }

    fn foreign(&self, table: &'static str, key: &str, uuid: Uuid) -> Error {
        Error::Foreign {
            entity: entity_name(table, key),
            table: table.to_owned(),
            row: uuid,
            mark: format!("{}={}", self.owner.key, self.owner.value),
        }
    }

    /// The rows of `table` named `name`: through the replica's index on `name` when it has
    /// one, otherwise through a map built once.
    fn named(&mut self, table: &'static str, name: &str) -> Result<Vec<(Uuid, &'a Row)>> {
        let snap: &'a Snapshot = self.snap;
        if let Ok(rows) = snap.lookup(&format!("{table}(name)"), &[Datum::scalar(name)]) {
            return Ok(rows.map(|(u, r)| (u, &**r)).collect());
        }
        if !self.by_name.contains_key(table) {
            let mut m: ByName<'a> = HashMap::new();
            for (u, r) in snap.rows(table)? {
                let r: &'a Row = r;
                m.entry(text(r, "name")).or_default().push((u, r));
            }
            self.by_name.insert(table, m);
        }
        Ok(self.by_name[table].get(name).cloned().unwrap_or_default())
    }

    /// The one owned row among `rows` (the lowest UUID if several), if any; an error if one
    /// of them is not ours.
    fn owned_one(
        &self,
        table: &'static str,
        marked: bool,
        key: &str,
        rows: &[(Uuid, &'a Row)],
    ) -> Result<Option<(Uuid, &'a Row)>> {
        if let Some((u, _)) = rows.iter().find(|(_, r)| !self.owns(marked, r)) {
            return Err(self.foreign(table, key, *u));
        }
        Ok(rows.iter().min_by_key(|(u, _)| *u).copied())
    }

    /// Updates (or mutates) the columns of `observed` that differ from `entity`; validates
    /// the entity first when something differs. Whether anything did.
    fn update(
        &mut self,
        table: &'static str,
        sets: &[&str],
        uuid: Uuid,
        observed: &Row,
        entity: &'a Dyn,
        holder: &str,
    ) -> Result<bool> {
        self.compared += 1;
        // One list for every entity compared (most are equal: nothing else is allocated).
        let mut cols = std::mem::take(&mut self.cols);
        cols.clear();
        entity.cols(&self.refs, &mut cols)?;
        let extra = Extra::new(self.owner, entity.key_id());
        debug_assert!(cols.is_sorted_by(|a, b| a.0 < b.0), "{table}");
        let mut differ = Vec::new();
        let mut have = observed.iter().peekable();
        for (i, (col, want)) in cols.iter().enumerate() {
            let found = loop {
                match have.peek() {
                    Some((name, _)) if name < col => {
                        have.next();
                    }
                    Some((name, d)) if name == col => break Some(*d),
                    _ => break None,
                }
            };
            let same = match found {
                Some(d) => want.matches(d, &extra),
                None => want.is_default(),
            };
            if !same {
                differ.push(i);
            }
        }
        if differ.is_empty() {
            self.cols = cols;
            return Ok(false);
        }
        entity.check(self.topo, holder)?;
        let mut update = Row::new();
        let mut mutations = Vec::new();
        for i in differ {
            let (col, val) = &cols[i];
            let want = val.to_datum(&extra);
            let have = observed.get(col);
            match (sets.contains(col), have, &want) {
                (true, Some(have @ Datum::Map(h)), Datum::Map(w)) => {
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
                            mutations.push(Mutation::delete(*col, Datum::Set(removed)));
                        }
                        if !added.is_empty() {
                            mutations.push(Mutation::insert(*col, Datum::Map(added)));
                        }
                        continue;
                    }
                }
                (true, Some(Datum::Set(h)), Datum::Set(w)) => {
                    let removed: Vec<Atom> = h
                        .iter()
                        .filter(|a| w.binary_search(a).is_err())
                        .cloned()
                        .collect();
                    let added: Vec<Atom> = w
                        .iter()
                        .filter(|a| h.binary_search(a).is_err())
                        .cloned()
                        .collect();
                    if removed.len() + added.len() < w.len() {
                        if !removed.is_empty() {
                            mutations.push(Mutation::delete(*col, Datum::Set(removed)));
                        }
                        if !added.is_empty() {
                            mutations.push(Mutation::insert(*col, Datum::Set(added)));
                        }
                        continue;
                    }
                }
                _ => {}
            }
            update.insert(*col, want);
        }
        self.wait(table, uuid, observed);
        if !update.is_empty() {
            self.ops.push(Op::Update(table, uuid, update));
        }
        if !mutations.is_empty() {
            self.ops.push(Op::Mutate(table, uuid, mutations));
        }
        self.count(table).updated += 1;
        self.cols = cols;
        Ok(true)
    }

    /// The fingerprints of every desired parent and child of a family (when recording),
    /// computed on up to two threads: this is the part of a [`Differ`]'s diff that reads all
    /// of the desired state.
    fn fingerprints(&self, wanted: &[Wanted<'a>]) -> Result<Option<Vec<FamilyPrints>>> {
        let Some(seed) = self.record else {
            return Ok(None);
        };
        let refs = &self.refs;
        let one = |fp: &mut Fingerprint, cols: &mut Cols<'a>, w: &Wanted<'a>| {
            let own = fingerprint(fp, refs, w.entity, cols)?;
            let mut all = fp.from(own);
            let mut kids = Vec::with_capacity(w.kids.len());
            for c in &w.kids {
                let mut fps = Vec::new();
                c.prints(fp, refs, &mut fps, &mut all)?;
                kids.push(fps);
            }
            Ok((own, kids, all.finish()))
        };
        // The parents are handed out one at a time: when the other thread is late (the
        // machine is busy), this one does more.
        let next = AtomicUsize::new(0);
        let work = || -> Vec<(usize, Result<FamilyPrints>)> {
            let mut fp = Fingerprint::new(seed);
            let mut cols = Vec::new();
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, AtomicOrdering::Relaxed);
                let Some(w) = wanted.get(i) else {
                    return out;
                };
                out.push((i, one(&mut fp, &mut cols, w)));
            }
        };
        let total: usize = wanted
            .iter()
            .map(|w| 1 + w.kids.iter().map(|k| k.count()).sum::<usize>())
            .sum();
        let mut done = if total < 4096 || wanted.len() < 2 {
            work()
        } else {
            let (mut mine, theirs) = std::thread::scope(|scope| {
                let other = scope.spawn(work);
                let mine = work();
                (mine, other.join())
            });
            match theirs {
                Ok(theirs) => mine.extend(theirs),
                Err(_) => {
                    return Err(Error::Ovsdb(ovsdb_client::Error::Protocol(
                        "a fingerprinting thread panicked".into(),
                    )));
                }
            }
            mine
        };
        // In the parents' order (the first error is the first parent's that failed).
        done.sort_unstable_by_key(|(i, _)| *i);
        done.into_iter()
            .map(|(_, r)| r)
            .collect::<Result<_>>()
            .map(Some)
    }

    /// The row to insert for `entity`, validated.
    fn new_row(&self, entity: &dyn Entity, holder: &str) -> Result<Row> {
        entity.check(self.topo, holder)?;
        let mut cols = Vec::with_capacity(16);
        entity.cols(&self.refs, &mut cols)?;
        let extra = Extra::new(self.owner, entity.key_id());
        let mut row = Row::new();
        for (col, val) in &cols {
            if !val.is_default() {
                row.insert(*col, val.to_datum(&extra));
            }
        }
        Ok(row)
    }

    /// A foreign row of a holder table that refers to `uuid` (which is about to go).
    fn foreign_holder(&self, spec: &Spec, uuid: Uuid) -> Result<Option<String>> {
        for (table, column) in spec.holders {
            for (_, h) in self.snap.rows(table)? {
                // Load balancer groups cannot carry the mark: the topology's own are ours.
                let ours = self.owner.owns(h)
                    || (*table == "Load_Balancer_Group"
                        && self.topo.load_balancer_groups.contains_key(text(h, "name")));
                if !ours
                    && h.get(column)
                        .and_then(Datum::as_set)
                        .is_some_and(|s| s.contains(&Atom::Uuid(uuid)))
                {
                    return Ok(Some(format!(
                        "a reference from {table} {:?}",
                        text(h, "name")
                    )));
                }
            }
        }
        Ok(None)
    }

    /// Makes the owned rows of `spec.table` and their children match `wanted`: missing rows
    /// inserted, changed ones updated, unwanted ones deleted. Then records, for references,
    /// every key that exists after the transaction.
    fn family(&mut self, spec: &Spec, wanted: Vec<Wanted<'a>>) -> Result<()> {
        let snap: &'a Snapshot = self.snap;
        // The rows of the table by key (the tables of `Spec`s are small).
        let mut observed: BTreeMap<&'a str, Vec<(Uuid, &'a Row)>> = BTreeMap::new();
        for (u, r) in snap.rows(spec.table)? {
            let r: &'a Row = r;
            let key = if spec.named {
                Some(text(r, "name"))
            } else {
                map_get(r, "external_ids", KEY_ID)
            };
            if let Some(k) = key {
                observed.entry(k).or_default().push((u, r));
            }
        }
        let mut atoms: HashMap<String, Atom> = observed
            .iter()
            .filter_map(|(k, rows)| {
                let u = rows.iter().map(|(u, _)| *u).min()?;
                Some(((*k).to_owned(), Atom::Uuid(u)))
            })
            .collect();
        // Where each desired named child goes, built when first needed (a child not found
        // in its own parent), to tell moves from deletes and catch a child desired twice.
        let mut homes: Vec<Option<HashMap<&'a str, &'a str>>> =
            spec.children.iter().map(|_| None).collect();
        let home_of = |homes: &mut Vec<Option<HashMap<&'a str, &'a str>>>,
                       i: usize,
                       name: &str|
         -> Result<Option<&'a str>> {
            if homes[i].is_none() {
                let mut m = HashMap::new();
                for w in &wanted {
                    for (k, _) in w.kids[i].list() {
                        if let Some(other) = m.insert(k.0[0], w.key) {
                            return Err(Error::Invalid {
                                entity: entity_name(spec.children[i].table, k.0[0]),
                                field: "name".into(),
                                reason: format!(
                                    "is a child of both {} {other} and {}",
                                    spec.table, w.key
                                ),
                            });
                        }
                    }
                }
                homes[i] = Some(m);
            }
            Ok(homes[i].as_ref().and_then(|m| m.get(name).copied()))
        };

        // The desired children sorted by key: a full diff sorts (and checks) them all first;
        // a differ, only those of the parents it compares.
        let sort_all = |w: &Wanted<'a>| -> Result<(Sorted<'a>, Vec<Option<Vec<usize>>>)> {
            let mut sorted = Vec::with_capacity(w.kids.len());
            let mut orders = Vec::with_capacity(w.kids.len());
            for (child, k) in spec.children.iter().zip(&w.kids) {
                let (v, order) = sort_kids(w.key, child.table, *k)?;
                sorted.push(v);
                orders.push(order);
            }
            Ok((sorted, orders))
        };
        let mut presorted: Vec<Option<Sorted<'a>>> = Vec::new();
        if self.record.is_none() {
            for w in &wanted {
                presorted.push(Some(sort_all(w)?.0));
            }
        }
        let mut fps = self.fingerprints(&wanted)?;
        for (wi, w) in wanted.iter().enumerate() {
            let rows = observed.get(w.key).map(Vec::as_slice).unwrap_or(&[]);
            let existing = self.owned_one(spec.table, spec.marked, w.key, rows)?;
            // What the previous diff verified of this parent, usable when neither the parent
            // row nor any child it held changed since.
            let mut prev = self
                .memo_in
                .get_mut(spec.table)
                .and_then(|m| m.remove(w.key))
                .filter(|m| {
                    existing.is_some_and(|(pu, _)| pu == m.uuid)
                        && m.children.len() == spec.children.len()
                        && (self.changed.is_empty()
                            || (!self.changed.contains(&m.uuid)
                                && !m
                                    .children
                                    .iter()
                                    .flatten()
                                    .any(|(_, _, u)| self.changed.contains(u))))
                });
            if let (Some(m), Some(f)) = (&prev, &fps)
                && m.subtree != 0
                && m.subtree == f[wi].2
                && let Some((pu, _)) = existing
            {
                // The parent and every child equal when last compared, and unchanged on
                // both sides since.
                if let Some(m) = prev.take() {
                    self.memo_out
                        .entry(spec.table)
                        .or_default()
                        .insert(w.key.to_owned(), m);
                }
                atoms.insert(w.key.to_owned(), Atom::Uuid(pu));
                continue;
            }
            let children = match presorted.get_mut(wi).and_then(Option::take) {
                Some(sorted) => sorted,
                None => {
                    let (sorted, orders) = sort_all(w)?;
                    if let Some(f) = fps.as_mut() {
                        // The fingerprints, in the sorted order.
                        for (prints, order) in f[wi].1.iter_mut().zip(orders) {
                            if let Some(order) = order {
                                *prints = order.iter().map(|k| prints[*k]).collect();
                            }
                        }
                    }
                    sorted
                }
            };
            let mut memo_children = Vec::new();
            let mut columns: Vec<(Vec<Atom>, Vec<Atom>, Vec<Atom>)> = Vec::new();
            for (i, child) in spec.children.iter().enumerate() {
                let desired = &children[i];
                let mut done = vec![false; desired.len()];
                let mut matched: Vec<Option<(Uuid, &'a Row)>> = vec![None; desired.len()];
                let (mut members, mut add, mut remove) = (Vec::new(), Vec::new(), Vec::new());
                let mut seen: Vec<(KeyBuf, u64, Uuid)> = Vec::new();
                let mut sort_seen = false;
                // Where a child compared below sits in `seen` (taken over from the memo).
                let mut memo_pos: Vec<usize> = Vec::new();
                if let Some(prev) = prev.as_mut() {
                    // The children held as of the previous diff (unchanged since), sorted by
                    // key like the desired ones: one merge, updating the record in place.
                    seen = std::mem::take(&mut prev.children[i]);
                    memo_pos = vec![usize::MAX; desired.len()];
                    let mut j = 0;
                    for (m, entry) in seen.iter_mut().enumerate() {
                        let key = key_view(&entry.0);
                        let cu = entry.2;
                        if seek(desired, &mut j, &key) && !done[j] && matched[j].is_none() {
                            let fp = fps.as_ref().map_or(0, |f| f[wi].1[i][j]);
                            if entry.1 != 0 && fp == entry.1 {
                                // Equal when last compared, and neither side changed since.
                                done[j] = true;
                                members.push(Atom::Uuid(cu));
                            } else {
                                // Compared below, in the desired order like a full diff.
                                let Some(crow) = snap.get(child.table, cu)? else {
                                    return Err(Error::Ovsdb(ovsdb_client::Error::Protocol(
                                        format!("row {cu} of {} vanished unrecorded", child.table),
                                    )));
                                };
                                matched[j] = Some((cu, crow));
                                memo_pos[j] = m;
                            }
                        } else {
                            remove.push(Atom::Uuid(cu));
                            let moved = child.named && home_of(&mut homes, i, key.0[0])?.is_some();
                            if !moved {
                                self.count(child.table).deleted += 1;
                            }
                            entry.1 = 0;
                        }
                    }
                } else if let Some((_, prow)) = existing {
                    let held = prow
                        .get(child.column)
                        .and_then(Datum::as_set)
                        .unwrap_or(&[]);
                    // The owned children held now, by key, matched with the desired ones
                    // in one merge of two sorted lists.
                    let mut rows: Vec<(Key<'a>, Uuid, &'a Row)> = Vec::with_capacity(held.len());
                    for a in held {
                        let Some(cu) = a.as_uuid() else { continue };
                        let Some(crow) = snap.get(child.table, cu)? else {
                            continue;
                        };
                        let crow: &'a Row = crow;
                        if self.owner.owns(crow) {
                            rows.push(((child.row_key)(crow), cu, crow));
                        }
                    }
                    rows.sort_unstable_by(|a, b| key_cmp(&a.0, &b.0).then(a.1.cmp(&b.1)));
                    let mut j = 0;
                    for (key, cu, crow) in rows {
                        if seek(desired, &mut j, &key) && matched[j].is_none() {
                            matched[j] = Some((cu, crow));
                        } else {
                            // Not wanted here (or a duplicate): it leaves, and with no
                            // other reference the server collects it.
                            remove.push(Atom::Uuid(cu));
                            let moved = child.named && home_of(&mut homes, i, key.0[0])?.is_some();
                            if !moved {
                                self.count(child.table).deleted += 1;
                            }
                            if self.record.is_some() {
                                seen.push((key_buf(&key), 0, cu));
                                sort_seen = true;
                            }
                        }
                    }
                }
                for (j, (key, entity)) in desired.iter().enumerate() {
                    if done[j] {
                        continue;
                    }
                    let mut found = matched[j];
                    let held_here = found.is_some();
                    let mut moved = false;
                    if found.is_none() && child.named {
                        // Not in this parent: elsewhere (a move), or nowhere (new).
                        home_of(&mut homes, i, key.0[0])?;
                        let rows = self.named(child.table, key.0[0])?;
                        found = self.owned_one(child.table, true, key.0[0], &rows)?;
                        moved = found.is_some();
                    }
                    match found {
                        Some((cu, crow)) => {
                            let changed =
                                self.update(child.table, child.sets, cu, crow, *entity, w.key)?;
                            if held_here && self.record.is_some() {
                                let fp = if changed {
                                    0
                                } else {
                                    fps.as_ref().map_or(0, |f| f[wi].1[i][j])
                                };
                                match memo_pos.get(j) {
                                    Some(&m) if m != usize::MAX => seen[m].1 = fp,
                                    _ => {
                                        seen.push((key_buf(key), fp, cu));
                                        sort_seen = true;
                                    }
                                }
                            }
                            if moved {
                                if existing.is_some() {
                                    add.push(Atom::Uuid(cu));
                                }
                                self.wait(child.table, cu, crow);
                                if !changed {
                                    self.count(child.table).updated += 1;
                                }
                            }
                            members.push(Atom::Uuid(cu));
                        }
                        None => {
                            let row = self.new_row(*entity, w.key)?;
                            let name = self.fresh_name();
                            if child.table == "Logical_Switch_Port" {
                                self.refs
                                    .tables
                                    .entry("Logical_Switch_Port")
                                    .or_default()
                                    .insert(key.0[0].to_owned(), Atom::NamedUuid(name.clone()));
                            }
                            self.ops.push(Op::Insert(child.table, name.clone(), row));
                            self.count(child.table).inserted += 1;
                            add.push(Atom::NamedUuid(name.clone()));
                            members.push(Atom::NamedUuid(name));
                        }
                    }
                }
                if sort_seen {
                    seen.sort_by(|a, b| {
                        key_cmp(&key_view(&a.0), &key_view(&b.0)).then(a.2.cmp(&b.2))
                    });
                }
                memo_children.push(seen);
                columns.push((members, add, remove));
            }
            match existing {
                Some((pu, prow)) => {
                    let fp = fps.as_ref().map_or(0, |f| f[wi].0);
                    let equal = match &prev {
                        Some(m) if m.fingerprint != 0 && m.fingerprint == fp => true,
                        _ => !self.update(spec.table, spec.sets, pu, prow, w.entity, "")?,
                    };
                    let mut mutations = Vec::new();
                    for (child, (_, add, remove)) in spec.children.iter().zip(columns) {
                        if !remove.is_empty() {
                            mutations.push(Mutation::delete(child.column, Datum::Set(remove)));
                        }
                        if !add.is_empty() {
                            mutations.push(Mutation::insert(child.column, Datum::Set(add)));
                        }
                    }
                    if self.record.is_some() {
                        // The whole family is as desired: the next diff may skip it at once.
                        let clean = equal
                            && mutations.is_empty()
                            && memo_children.iter().flatten().all(|(_, fp, _)| *fp != 0);
                        self.memo_out.entry(spec.table).or_default().insert(
                            w.key.to_owned(),
                            ParentMemo {
                                uuid: pu,
                                fingerprint: if equal { fp } else { 0 },
                                subtree: match &fps {
                                    Some(f) if clean => f[wi].2,
                                    _ => 0,
                                },
                                children: memo_children,
                            },
                        );
                    }
                    if !mutations.is_empty() {
                        self.wait(spec.table, pu, prow);
                        self.ops.push(Op::Mutate(spec.table, pu, mutations));
                    }
                    atoms.insert(w.key.to_owned(), Atom::Uuid(pu));
                }
                None => {
                    let mut row = self.new_row(w.entity, "")?;
                    for (child, (members, _, _)) in spec.children.iter().zip(columns) {
                        if !members.is_empty() {
                            row.insert(child.column, Datum::Set(members));
                        }
                    }
                    let name = self.fresh_name();
                    if spec.named {
                        self.ops.push(Op::WaitAbsent(spec.table, w.key.to_owned()));
                    }
                    self.ops.push(Op::Insert(spec.table, name.clone(), row));
                    self.count(spec.table).inserted += 1;
                    atoms.insert(w.key.to_owned(), Atom::NamedUuid(name));
                }
            }
        }

        // Owned rows no longer wanted go, with their owned children (unless moved).
        if spec.marked {
            let wanted_keys: HashSet<&str> = wanted.iter().map(|w| w.key).collect();
            for (key, rows) in &observed {
                if wanted_keys.contains(key) {
                    continue;
                }
                for (pu, prow) in rows {
                    if !self.owner.owns(prow) {
                        continue;
                    }
                    if let Some(held) = self.foreign_holder(spec, *pu)? {
                        return Err(Error::HoldsForeign {
                            entity: entity_name(spec.table, key),
                            held,
                        });
                    }
                    let mut gone: Vec<&'static str> = Vec::new();
                    for (i, child) in spec.children.iter().enumerate() {
                        for a in prow
                            .get(child.column)
                            .and_then(Datum::as_set)
                            .unwrap_or(&[])
                        {
                            let Some(cu) = a.as_uuid() else { continue };
                            let Some(crow) = snap.get(child.table, cu)? else {
                                continue;
                            };
                            // Foreign rows are never deleted, not even by garbage collection.
                            if !self.owner.owns(crow) {
                                let held = if child.named {
                                    format!("{:?}", text(crow, "name"))
                                } else {
                                    cu.to_string()
                                };
                                return Err(Error::HoldsForeign {
                                    entity: entity_name(spec.table, key),
                                    held: format!("{} {held}", child.table),
                                });
                            }
                            let moved = child.named
                                && home_of(&mut homes, i, text(crow, "name"))?.is_some();
                            if !moved {
                                gone.push(child.table);
                            }
                        }
                    }
                    if spec.strong {
                        self.unhold(spec, *pu)?;
                    }
                    self.count(spec.table).deleted += 1;
                    if !spec.collected {
                        self.wait(spec.table, *pu, prow);
                        self.ops.push(Op::Delete(spec.table, *pu));
                    }
                    for table in gone {
                        self.count(table).deleted += 1;
                    }
                    atoms.remove(*key);
                }
            }
        }
        self.refs.tables.insert(spec.table, atoms);
        Ok(())
    }

    /// Clears the strong references to `uuid` held by owned rows that are going too (those
    /// that stay drop it by their own update).
    fn unhold(&mut self, spec: &Spec, uuid: Uuid) -> Result<()> {
        let snap: &'a Snapshot = self.snap;
        for (table, column) in spec.holders {
            for (hu, h) in snap.rows(table)? {
                let holds = h
                    .get(column)
                    .and_then(Datum::as_set)
                    .is_some_and(|s| s.contains(&Atom::Uuid(uuid)));
                if !holds || !self.owner.owns(h) {
                    continue;
                }
                let name = text(h, "name");
                let stays = match *table {
                    "Logical_Router_Port" => self.topo.has_router_port(name),
                    _ => self
                        .topo
                        .switches
                        .values()
                        .any(|s| s.ports.contains_key(name)),
                };
                if !stays {
                    self.wait(table, hu, h);
                    self.ops.push(Op::Update(
                        table,
                        hu,
                        Row::new().with(*column, Datum::Set(Vec::new())),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The switch ports port groups refer to: those inserted by this transaction are known
    /// already; the others must exist, and if they are ours, be desired.
    fn resolve_ports(&mut self) -> Result<()> {
        let topo = self.topo;
        let mut homes: Option<HashSet<&str>> = None;
        for g in topo.port_groups.values() {
            for name in &g.ports {
                let known = self
                    .refs
                    .tables
                    .get("Logical_Switch_Port")
                    .is_some_and(|m| m.contains_key(name));
                if known {
                    continue;
                }
                let rows = self.named("Logical_Switch_Port", name)?;
                let Some((u, row)) = rows.iter().min_by_key(|(u, _)| *u).copied() else {
                    continue;
                };
                if self.owner.owns(row) {
                    let homes = homes.get_or_insert_with(|| {
                        topo.switches
                            .values()
                            .flat_map(|s| s.ports.keys().map(String::as_str))
                            .collect()
                    });
                    if !homes.contains(name.as_str()) {
                        // Ours, and about to be deleted: leave it unresolved.
                        continue;
                    }
                }
                self.refs
                    .tables
                    .entry("Logical_Switch_Port")
                    .or_default()
                    .insert(name.clone(), Atom::Uuid(u));
            }
        }
        Ok(())
    }

    /// The `NB_Global` options of the topology: keys set or removed with one `mutate`.
    fn nb_global(&mut self) -> Result<()> {
        let want = &self.topo.nb_global.options;
        if want.is_empty() {
            return Ok(());
        }
        let snap: &'a Snapshot = self.snap;
        let Some((u, row)) = snap.rows("NB_Global")?.min_by_key(|(u, _)| *u) else {
            let row = Row::new().with(
                "options",
                Datum::map(
                    want.iter()
                        .filter_map(|(k, v)| Some((k.as_str(), v.as_deref()?))),
                ),
            );
            let name = self.fresh_name();
            self.ops.push(Op::Insert("NB_Global", name, row));
            self.count("NB_Global").inserted += 1;
            return Ok(());
        };
        let mut removed = Vec::new();
        let mut added = Vec::new();
        for (k, v) in want {
            let have = map_get(row, "options", k);
            if have == v.as_deref() {
                continue;
            }
            if have.is_some() {
                removed.push(Atom::string(k.as_str()));
            }
            if let Some(v) = v {
                added.push((Atom::string(k.as_str()), Atom::string(v.as_str())));
            }
        }
        if removed.is_empty() && added.is_empty() {
            return Ok(());
        }
        let mut mutations = Vec::new();
        if !removed.is_empty() {
            mutations.push(Mutation::delete("options", Datum::Set(removed)));
        }
        if !added.is_empty() {
            mutations.push(Mutation::insert("options", Datum::Map(added)));
        }
        self.wait("NB_Global", u, row);
        self.ops.push(Op::Mutate("NB_Global", u, mutations));
        self.count("NB_Global").updated += 1;
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
                compared: self.compared,
            };
        }
        for op in waits.into_iter().chain(rest) {
            match op {
                Op::Wait(table, uuid, version) => {
                    let row = Row::new().with("_version", version);
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
            compared: self.compared,
        }
    }
}
