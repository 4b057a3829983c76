//! Transactions: the operations of an RFC 7047 `transact` request, their conditions and mutations,
//! and the checking of the server's reply.
//!
//! This module does no I/O. A [`Transaction`] collects [`Operation`]s; [`Transaction::params`]
//! serializes them as the `transact` parameters `[db, op, op, ...]`, and
//! [`Transaction::check_results`] maps the reply's result array back onto the operations.
//!
//! ```
//! use ovsdb_client::transact::{Condition, Mutation, Transaction};
//! use ovsdb_client::value::{Datum, Row};
//!
//! let mut txn = Transaction::new("OVN_Northbound");
//! let ls = txn.insert("Logical_Switch", Row::new().with("name", "ls0"));
//! txn.mutate(
//!     "NB_Global",
//!     [Condition::TRUE],
//!     [Mutation::insert("external_ids", Datum::map([("last-switch", "ls0")]))],
//! );
//! txn.select("Logical_Switch", [Condition::eq("_uuid", ls)], None);
//! let text = serde_json::to_string(&txn.params()).unwrap();
//! assert!(text.starts_with(r#"["OVN_Northbound",{"op":"insert","table":"Logical_Switch""#));
//! ```
//!
//! # The reply, as ovsdb-server (Open vSwitch 3.1) sends it
//!
//! The reply to `transact` is a JSON-RPC success even when the transaction fails; the failure is
//! inside the result array (`ovsdb/execution.c`, `ovsdb_execute_compose()`):
//!
//! - On success the array has exactly one element per operation. `insert` yields
//!   `{"uuid":["uuid",".."]}`, `select` yields `{"rows":[..]}`, `update`, `mutate` and `delete`
//!   yield `{"count":N}`, and `wait`, `commit`, `comment` and `assert` yield `{}` (RFC 7047 says
//!   they yield nothing; Open vSwitch documents the deviation in `ovsdb-server(7)`).
//! - When operation `i` fails, element `i` is `{"error":E,"details":D}` (syntax errors add a
//!   `"syntax"` member holding the offending JSON), every later element is `null`, and the array
//!   still has one element per operation. Nothing is committed. `abort` always fails this way,
//!   with `"error":"aborted"`.
//! - When every operation succeeds but the commit fails (referential integrity, a duplicate in a
//!   schema index, `maxRows`, ...), the array holds all the per-operation results followed by
//!   **one extra element**, the commit error.
//! - An unknown database is not reported in the array: it is a JSON-RPC error reply
//!   (`"error":{"error":"unknown database",..}`), as is `"canceled"` (the database was removed or
//!   converted, or a relay dropped the forwarded transaction).
//!
//! Captured replies are kept verbatim in this module's unit tests.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use crate::value::{Atom, Datum, Row, Uuid};

// ---------------------------------------------------------------------------------------------
// Functions, mutators, wait conditions
// ---------------------------------------------------------------------------------------------

/// Defines a string-valued enum with `as_str`, `FromStr`, `Display`, `Serialize`, `Deserialize`.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire form of this value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }
        }

        impl FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<$name, String> {
                match s {
                    $( $text => Ok($name::$variant), )+
                    other => Err(format!(
                        concat!("unknown ", $what, " {:?} (expected one of {})"),
                        other,
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(concat!("an OVSDB ", $what, " string"))
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$name, E> {
                        v.parse().map_err(E::custom)
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

string_enum! {
    /// The function of a [`Condition`] (RFC 7047 section 5.1, `<function>`).
    ///
    /// `<`, `<=`, `>=` and `>` apply to integer and real columns; Open vSwitch 2.4 and later also
    /// allow them on optional (0 or 1 element) integer and real columns, where they are false
    /// for an empty value. `==` and `!=` apply to every type; `includes` and `excludes` test
    /// whether the column's set or map contains all (includes) or none (excludes) of the given
    /// elements or pairs.
    Function, "condition function" {
        /// `<`
        Lt => "<",
        /// `<=`
        Le => "<=",
        /// `==`
        Eq => "==",
        /// `!=`
        Ne => "!=",
        /// `>=`
        Ge => ">=",
        /// `>`
        Gt => ">",
        /// `includes`
        Includes => "includes",
        /// `excludes`
        Excludes => "excludes",
    }
}

string_enum! {
    /// The mutator of a [`Mutation`] (RFC 7047 section 5.1, `<mutator>`).
    ///
    /// The arithmetic mutators apply to integer and real columns, and to sets of them (element
    /// by element); `%=` is integer only. `insert` and `delete` apply to sets and maps; deleting
    /// from a map takes either a set of keys or a map of exact pairs.
    Mutator, "mutator" {
        /// `+=`
        Add => "+=",
        /// `-=`
        Sub => "-=",
        /// `*=`
        Mul => "*=",
        /// `/=`
        Div => "/=",
        /// `%=`
        Rem => "%=",
        /// `insert`
        Insert => "insert",
        /// `delete`
        Delete => "delete",
    }
}

string_enum! {
    /// The `until` member of a `wait` operation.
    WaitUntil, "wait condition" {
        /// `==`: wait until the selected rows equal the given rows.
        Eq => "==",
        /// `!=`: wait until the selected rows differ from the given rows.
        Ne => "!=",
    }
}

// ---------------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------------

/// One clause of a `where` list: `[column, function, value]`, or a boolean constant.
///
/// A `where` list is the conjunction of its clauses; an empty list matches every row. The boolean
/// constants are an Open vSwitch extension (they encode as bare JSON `true` / `false`) accepted
/// in transactions and in `monitor_cond` requests, where `[false]` selects no rows and `[true]`
/// every row.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Condition {
    /// `[column, function, value]`.
    Clause {
        /// The column name, e.g. `"name"` or `"_uuid"`.
        column: String,
        /// The comparison.
        function: Function,
        /// The value compared with; a scalar column takes a one-element set.
        value: Datum,
    },
    /// A constant `true` or `false`.
    Bool(bool),
}

impl Condition {
    /// The clause that matches every row (`true` on the wire).
    pub const TRUE: Condition = Condition::Bool(true);
    /// The clause that matches no row (`false` on the wire).
    pub const FALSE: Condition = Condition::Bool(false);

    /// A clause `[column, function, value]`.
    pub fn new(column: impl Into<String>, function: Function, value: impl Into<Datum>) -> Self {
        Condition::Clause {
            column: column.into(),
            function,
            value: value.into(),
        }
    }

    /// `[column, "==", value]`.
    pub fn eq(column: impl Into<String>, value: impl Into<Datum>) -> Self {
        Condition::new(column, Function::Eq, value)
    }

    /// `[column, "!=", value]`.
    pub fn ne(column: impl Into<String>, value: impl Into<Datum>) -> Self {
        Condition::new(column, Function::Ne, value)
    }

    /// `[column, "<", value]`.
    pub fn lt(column: impl Into<String>, value: impl Into<Datum>) -> Self {
        Condition::new(column, Function::Lt, value)
    }

    /// `[column, "<=", value]`.
    pub fn le(column: impl Into<String>, value: impl Into<Datum>) -> Self {
        Condition::new(column, Function::Le, value)
    }

    /// `[column, ">", value]`.
    pub fn gt(column: impl Into<String>, value: impl Into<Datum>) -> Self {
        Condition::new(column, Function::Gt, value)
    }

    /// `[column, ">=", value]`.
    pub fn ge(column: impl Into<String>, value: impl Into<Datum>) -> Self {
        Condition::new(column, Function::Ge, value)
    }

    /// `[column, "includes", value]`.
    pub fn includes(column: impl Into<String>, value: impl Into<Datum>) -> Self {
        Condition::new(column, Function::Includes, value)
    }

    /// `[column, "excludes", value]`.
    pub fn excludes(column: impl Into<String>, value: impl Into<Datum>) -> Self {
        Condition::new(column, Function::Excludes, value)
    }

    /// The column, unless this is a boolean constant.
    pub fn column(&self) -> Option<&str> {
        match self {
            Condition::Clause { column, .. } => Some(column),
            Condition::Bool(_) => None,
        }
    }

    /// The function, unless this is a boolean constant.
    pub fn function(&self) -> Option<Function> {
        match self {
            Condition::Clause { function, .. } => Some(*function),
            Condition::Bool(_) => None,
        }
    }

    /// The value, unless this is a boolean constant.
    pub fn value(&self) -> Option<&Datum> {
        match self {
            Condition::Clause { value, .. } => Some(value),
            Condition::Bool(_) => None,
        }
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Condition::Bool(b) => s.serialize_bool(*b),
            Condition::Clause {
                column,
                function,
                value,
            } => {
                let mut seq = s.serialize_seq(Some(3))?;
                seq.serialize_element(column)?;
                seq.serialize_element(function)?;
                seq.serialize_element(value)?;
                seq.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Condition {
    /// Accepts `[column, function, value]`, `true` or `false`.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Condition, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Condition;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a condition: [column, function, value], true or false")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Condition, E> {
                Ok(Condition::Bool(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Condition, A::Error> {
                let (column, function, value) = triple(&mut seq, "condition")?;
                Ok(Condition::Clause {
                    column,
                    function,
                    value,
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// Reads `[a, b, c]` with exactly three elements.
fn triple<'de, A, B, C, S>(seq: &mut S, what: &str) -> Result<(A, B, C), S::Error>
where
    A: Deserialize<'de>,
    B: Deserialize<'de>,
    C: Deserialize<'de>,
    S: SeqAccess<'de>,
{
    let short = || de::Error::custom(format!("{what} must have 3 elements: [column, op, value]"));
    let a = seq.next_element()?.ok_or_else(short)?;
    let b = seq.next_element()?.ok_or_else(short)?;
    let c = seq.next_element()?.ok_or_else(short)?;
    if seq.next_element::<IgnoredAny>()?.is_some() {
        return Err(de::Error::custom(format!(
            "{what} has more than 3 elements"
        )));
    }
    Ok((a, b, c))
}

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

/// One mutation of a `mutate` operation: `[column, mutator, value]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Mutation {
    /// The column to mutate.
    pub column: String,
    /// How to mutate it.
    pub mutator: Mutator,
    /// The operand: a number for arithmetic, a set or map for `insert` and `delete`.
    pub value: Datum,
}

impl Mutation {
    /// `[column, mutator, value]`.
    pub fn new(column: impl Into<String>, mutator: Mutator, value: impl Into<Datum>) -> Self {
        Mutation {
            column: column.into(),
            mutator,
            value: value.into(),
        }
    }

    /// `[column, "insert", value]`: adds set elements or map pairs (existing map keys keep their
    /// old values).
    pub fn insert(column: impl Into<String>, value: impl Into<Datum>) -> Self {
        Mutation::new(column, Mutator::Insert, value)
    }

    /// `[column, "delete", value]`: removes set elements, map keys (given a set) or exact map
    /// pairs (given a map).
    pub fn delete(column: impl Into<String>, value: impl Into<Datum>) -> Self {
        Mutation::new(column, Mutator::Delete, value)
    }

    /// `[column, "+=", value]`.
    pub fn add(column: impl Into<String>, value: impl Into<Datum>) -> Self {
        Mutation::new(column, Mutator::Add, value)
    }

    /// `[column, "-=", value]`.
    pub fn sub(column: impl Into<String>, value: impl Into<Datum>) -> Self {
        Mutation::new(column, Mutator::Sub, value)
    }

    /// `[column, "*=", value]`.
    pub fn mul(column: impl Into<String>, value: impl Into<Datum>) -> Self {
        Mutation::new(column, Mutator::Mul, value)
    }

    /// `[column, "/=", value]`.
    pub fn div(column: impl Into<String>, value: impl Into<Datum>) -> Self {
        Mutation::new(column, Mutator::Div, value)
    }

    /// `[column, "%=", value]`.
    pub fn rem(column: impl Into<String>, value: impl Into<Datum>) -> Self {
        Mutation::new(column, Mutator::Rem, value)
    }
}

impl Serialize for Mutation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(3))?;
        seq.serialize_element(&self.column)?;
        seq.serialize_element(&self.mutator)?;
        seq.serialize_element(&self.value)?;
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Mutation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Mutation, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Mutation;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mutation: [column, mutator, value]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Mutation, A::Error> {
                let (column, mutator, value) = triple(&mut seq, "mutation")?;
                Ok(Mutation {
                    column,
                    mutator,
                    value,
                })
            }
        }
        d.deserialize_seq(V)
    }
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

/// One operation of a transaction (RFC 7047 section 5.2, plus the Open vSwitch `uuid` member of
/// `insert`).
///
/// Serializes to the exact wire object, `"op"` first. Deserializing is strict, like ovsdb-server:
/// an unknown `"op"`, a missing required member, a member that the operation does not take (such
/// as the undocumented `"sort"` of `select`, which this crate does not model) or an invalid
/// `"uuid-name"` is an error that says which.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operation {
    /// `insert`: adds a row. Yields `{"uuid":["uuid",".."]}`.
    Insert {
        /// The table.
        table: String,
        /// The new row's columns; columns left out take their defaults.
        row: Row,
        /// `"uuid-name"`: a name by which later operations refer to the row, as
        /// `["named-uuid", name]`. Must match `[a-zA-Z_][a-zA-Z0-9_]*` and be unique in the
        /// transaction.
        uuid_name: Option<String>,
        /// `"uuid"` (Open vSwitch 2.13 and later): the UUID the row gets, instead of a random one.
        /// Sent as a plain string, not as `["uuid",..]`.
        uuid: Option<Uuid>,
    },
    /// `select`: reads rows. Yields `{"rows":[..]}`.
    Select {
        /// The table.
        table: String,
        /// `"where"`.
        conditions: Vec<Condition>,
        /// The columns to return; `None` returns all of them, including `_uuid` and `_version`.
        columns: Option<Vec<String>>,
    },
    /// `update`: sets columns of matching rows. Yields `{"count":N}` (rows matched).
    Update {
        /// The table.
        table: String,
        /// `"where"`.
        conditions: Vec<Condition>,
        /// The columns to set.
        row: Row,
    },
    /// `mutate`: mutates columns of matching rows. Yields `{"count":N}` (rows matched).
    Mutate {
        /// The table.
        table: String,
        /// `"where"`.
        conditions: Vec<Condition>,
        /// The mutations, applied in order.
        mutations: Vec<Mutation>,
    },
    /// `delete`: deletes matching rows. Yields `{"count":N}`.
    Delete {
        /// The table.
        table: String,
        /// `"where"`.
        conditions: Vec<Condition>,
    },
    /// `wait`: blocks until the rows selected by `conditions`, projected on `columns`, are equal
    /// (or unequal) to `rows`, failing with `"timed out"` after `timeout` milliseconds. With a
    /// timeout of 0 it is an immediate check, the usual way to make a transaction conditional on
    /// what the client last read. Yields `{}`.
    Wait {
        /// The table.
        table: String,
        /// `"where"`.
        conditions: Vec<Condition>,
        /// The columns compared.
        columns: Vec<String>,
        /// `==` or `!=`.
        until: WaitUntil,
        /// The expected rows (only `columns` matter).
        rows: Vec<Row>,
        /// Milliseconds to wait; `None` waits forever. The server rejects values above
        /// `i64::MAX`.
        timeout: Option<u64>,
    },
    /// `commit`: asks for the transaction to be durable (on disk before the reply) or not.
    /// Yields `{}`.
    Commit {
        /// Whether to wait for the commit to reach stable storage.
        durable: bool,
    },
    /// `abort`: makes the transaction fail with `"aborted"`; nothing is committed.
    Abort,
    /// `comment`: text recorded with the transaction in the database log. Yields `{}`.
    Comment(String),
    /// `assert`: fails with `"not owner"` unless this session holds the lock. Yields `{}`.
    Assert {
        /// The lock name.
        lock: String,
    },
}

impl Operation {
    /// The `"op"` name: `"insert"`, `"select"`, ...
    pub fn kind(&self) -> &'static str {
        match self {
            Operation::Insert { .. } => "insert",
            Operation::Select { .. } => "select",
            Operation::Update { .. } => "update",
            Operation::Mutate { .. } => "mutate",
            Operation::Delete { .. } => "delete",
            Operation::Wait { .. } => "wait",
            Operation::Commit { .. } => "commit",
            Operation::Abort => "abort",
            Operation::Comment(_) => "comment",
            Operation::Assert { .. } => "assert",
        }
    }

    /// The table the operation works on, if any.
    pub fn table(&self) -> Option<&str> {
        match self {
            Operation::Insert { table, .. }
            | Operation::Select { table, .. }
            | Operation::Update { table, .. }
            | Operation::Mutate { table, .. }
            | Operation::Delete { table, .. }
            | Operation::Wait { table, .. } => Some(table),
            Operation::Commit { .. }
            | Operation::Abort
            | Operation::Comment(_)
            | Operation::Assert { .. } => None,
        }
    }

    /// A short description for messages, such as `"insert into Logical_Switch"`,
    /// `"select from Logical_Switch"`, `"assert lock ovn_northd"` or `"commit"`.
    pub fn describe(&self) -> String {
        match self {
            Operation::Insert { table, .. } => format!("insert into {table}"),
            Operation::Select { table, .. } => format!("select from {table}"),
            Operation::Update { table, .. } => format!("update {table}"),
            Operation::Mutate { table, .. } => format!("mutate {table}"),
            Operation::Delete { table, .. } => format!("delete from {table}"),
            Operation::Wait { table, .. } => format!("wait on {table}"),
            Operation::Assert { lock } => format!("assert lock {lock}"),
            Operation::Commit { .. } | Operation::Abort | Operation::Comment(_) => {
                self.kind().to_owned()
            }
        }
    }

    /// The member of the result object this operation must yield on success.
    fn result_member(&self) -> Option<&'static str> {
        match self {
            Operation::Insert { .. } => Some("uuid"),
            Operation::Select { .. } => Some("rows"),
            Operation::Update { .. } | Operation::Mutate { .. } | Operation::Delete { .. } => {
                Some("count")
            }
            _ => None,
        }
    }
}

/// Serializes a UUID as the plain string the `uuid` member of `insert` takes.
struct PlainUuid<'a>(&'a Uuid);

impl Serialize for PlainUuid<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self.0)
    }
}

impl Serialize for Operation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("op", self.kind())?;
        match self {
            Operation::Insert {
                table,
                row,
                uuid_name,
                uuid,
            } => {
                m.serialize_entry("table", table)?;
                m.serialize_entry("row", row)?;
                if let Some(name) = uuid_name {
                    m.serialize_entry("uuid-name", name)?;
                }
                if let Some(u) = uuid {
                    m.serialize_entry("uuid", &PlainUuid(u))?;
                }
            }
            Operation::Select {
                table,
                conditions,
                columns,
            } => {
                m.serialize_entry("table", table)?;
                m.serialize_entry("where", conditions)?;
                if let Some(c) = columns {
                    m.serialize_entry("columns", c)?;
                }
            }
            Operation::Update {
                table,
                conditions,
                row,
            } => {
                m.serialize_entry("table", table)?;
                m.serialize_entry("where", conditions)?;
                m.serialize_entry("row", row)?;
            }
            Operation::Mutate {
                table,
                conditions,
                mutations,
            } => {
                m.serialize_entry("table", table)?;
                m.serialize_entry("where", conditions)?;
                m.serialize_entry("mutations", mutations)?;
            }
            Operation::Delete { table, conditions } => {
                m.serialize_entry("table", table)?;
                m.serialize_entry("where", conditions)?;
            }
            Operation::Wait {
                table,
                conditions,
                columns,
                until,
                rows,
                timeout,
            } => {
                m.serialize_entry("table", table)?;
                m.serialize_entry("where", conditions)?;
                m.serialize_entry("columns", columns)?;
                m.serialize_entry("until", until)?;
                m.serialize_entry("rows", rows)?;
                if let Some(t) = timeout {
                    m.serialize_entry("timeout", t)?;
                }
            }
            Operation::Commit { durable } => m.serialize_entry("durable", durable)?,
            Operation::Abort => {}
            Operation::Comment(text) => m.serialize_entry("comment", text)?,
            Operation::Assert { lock } => m.serialize_entry("lock", lock)?,
        }
        m.end()
    }
}

/// Whether `s` is an OVSDB `<id>`: `[a-zA-Z_][a-zA-Z0-9_]*` (`ovsdb_parser_is_id()`).
pub fn is_id(s: &str) -> bool {
    let mut bytes = s.bytes();
    match bytes.next() {
        Some(c) if c.is_ascii_alphabetic() || c == b'_' => {}
        _ => return false,
    }
    bytes.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// The operation names, for error messages.
const OPS: &str = "insert, select, update, mutate, delete, wait, commit, abort, comment, assert";

/// The members an operation may take, by `"op"`; `None` for an unknown operation.
fn allowed_members(op: &str) -> Option<&'static [&'static str]> {
    Some(match op {
        "insert" => &["op", "table", "row", "uuid-name", "uuid"],
        "select" => &["op", "table", "where", "columns"],
        "update" => &["op", "table", "where", "row"],
        "mutate" => &["op", "table", "where", "mutations"],
        "delete" => &["op", "table", "where"],
        "wait" => &[
            "op", "table", "where", "columns", "until", "rows", "timeout",
        ],
        "commit" => &["op", "durable"],
        "abort" => &["op"],
        "comment" => &["op", "comment"],
        "assert" => &["op", "lock"],
        _ => return None,
    })
}

/// A UUID given as a plain string.
struct UuidString(Uuid);

impl<'de> Deserialize<'de> for UuidString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<UuidString, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = UuidString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a UUID string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<UuidString, E> {
                v.parse().map(UuidString).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

/// The members of an operation object, gathered before the `"op"` is known (the server sorts
/// members by name, so `"op"` is rarely first).
#[derive(Default)]
struct Members {
    present: Vec<&'static str>,
    op: Option<String>,
    table: Option<String>,
    row: Option<Row>,
    uuid_name: Option<String>,
    uuid: Option<Uuid>,
    conditions: Option<Vec<Condition>>,
    columns: Option<Vec<String>>,
    mutations: Option<Vec<Mutation>>,
    until: Option<WaitUntil>,
    rows: Option<Vec<Row>>,
    timeout: Option<u64>,
    durable: Option<bool>,
    comment: Option<String>,
    lock: Option<String>,
}

impl Members {
    fn read<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Members, A::Error> {
        fn put<T, E: de::Error>(
            present: &mut Vec<&'static str>,
            slot: &mut Option<T>,
            name: &'static str,
            value: T,
        ) -> Result<(), E> {
            if slot.is_some() {
                return Err(E::custom(format!(
                    "member \"{name}\" appears twice in an operation"
                )));
            }
            present.push(name);
            *slot = Some(value);
            Ok(())
        }

        let mut f = Members::default();
        let p = &mut f.present;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "op" => put(p, &mut f.op, "op", map.next_value()?)?,
                "table" => put(p, &mut f.table, "table", map.next_value()?)?,
                "row" => put(p, &mut f.row, "row", map.next_value()?)?,
                "uuid-name" => put(p, &mut f.uuid_name, "uuid-name", map.next_value()?)?,
                "uuid" => {
                    let u: UuidString = map.next_value()?;
                    put(p, &mut f.uuid, "uuid", u.0)?
                }
                "where" => put(p, &mut f.conditions, "where", map.next_value()?)?,
                "columns" => put(p, &mut f.columns, "columns", map.next_value()?)?,
                "mutations" => put(p, &mut f.mutations, "mutations", map.next_value()?)?,
                "until" => put(p, &mut f.until, "until", map.next_value()?)?,
                "rows" => put(p, &mut f.rows, "rows", map.next_value()?)?,
                "timeout" => put(p, &mut f.timeout, "timeout", map.next_value()?)?,
                "durable" => put(p, &mut f.durable, "durable", map.next_value()?)?,
                "comment" => put(p, &mut f.comment, "comment", map.next_value()?)?,
                "lock" => put(p, &mut f.lock, "lock", map.next_value()?)?,
                other => {
                    return Err(de::Error::custom(format!(
                        "member {other:?} is not allowed in an OVSDB operation"
                    )));
                }
            }
        }
        Ok(f)
    }

    fn into_operation<E: de::Error>(self) -> Result<Operation, E> {
        let op = self
            .op
            .ok_or_else(|| E::custom("operation has no \"op\" member"))?;
        let allowed = allowed_members(&op).ok_or_else(|| {
            E::custom(format!("unknown operation {op:?} (expected one of {OPS})"))
        })?;
        if let Some(bad) = self.present.iter().find(|m| !allowed.contains(m)) {
            return Err(E::custom(format!(
                "member \"{bad}\" is not allowed in a \"{op}\" operation"
            )));
        }
        let need = |name: &str| E::custom(format!("\"{op}\" operation requires member \"{name}\""));
        let id = |name: &str, v: String| -> Result<String, E> {
            if is_id(&v) {
                Ok(v)
            } else {
                Err(E::custom(format!(
                    "\"{name}\" of a \"{op}\" operation must match [a-zA-Z_][a-zA-Z0-9_]*, not {v:?}"
                )))
            }
        };
        let table = match self.table {
            Some(t) => Some(id("table", t)?),
            None => None,
        };
        Ok(match op.as_str() {
            "insert" => Operation::Insert {
                table: table.ok_or_else(|| need("table"))?,
                row: self.row.ok_or_else(|| need("row"))?,
                uuid_name: match self.uuid_name {
                    Some(n) => Some(id("uuid-name", n)?),
                    None => None,
                },
                uuid: self.uuid,
            },
            "select" => Operation::Select {
                table: table.ok_or_else(|| need("table"))?,
                conditions: self.conditions.ok_or_else(|| need("where"))?,
                columns: self.columns,
            },
            "update" => Operation::Update {
                table: table.ok_or_else(|| need("table"))?,
                conditions: self.conditions.ok_or_else(|| need("where"))?,
                row: self.row.ok_or_else(|| need("row"))?,
            },
            "mutate" => Operation::Mutate {
                table: table.ok_or_else(|| need("table"))?,
                conditions: self.conditions.ok_or_else(|| need("where"))?,
                mutations: self.mutations.ok_or_else(|| need("mutations"))?,
            },
            "delete" => Operation::Delete {
                table: table.ok_or_else(|| need("table"))?,
                conditions: self.conditions.ok_or_else(|| need("where"))?,
            },
            "wait" => Operation::Wait {
                table: table.ok_or_else(|| need("table"))?,
                conditions: self.conditions.ok_or_else(|| need("where"))?,
                columns: self.columns.ok_or_else(|| need("columns"))?,
                until: self.until.ok_or_else(|| need("until"))?,
                rows: self.rows.ok_or_else(|| need("rows"))?,
                timeout: self.timeout,
            },
            "commit" => Operation::Commit {
                durable: self.durable.ok_or_else(|| need("durable"))?,
            },
            "abort" => Operation::Abort,
            "comment" => Operation::Comment(self.comment.ok_or_else(|| need("comment"))?),
            _ => Operation::Assert {
                lock: id("lock", self.lock.ok_or_else(|| need("lock"))?)?,
            },
        })
    }
}

impl<'de> Deserialize<'de> for Operation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Operation, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Operation;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an OVSDB operation object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Operation, A::Error> {
                Members::read(&mut map)?.into_operation()
            }
        }
        d.deserialize_map(V)
    }
}

// ---------------------------------------------------------------------------------------------
// Transactions
// ---------------------------------------------------------------------------------------------

/// A transaction under construction: a database name and a list of operations.
///
/// The builder methods return the index of the operation they add (the index of its result in
/// [`Transaction::check_results`]), or for inserts an [`Atom`] that refers to the new row in later
/// operations of the same transaction.
///
/// Serialize it with [`Transaction::params`] (or directly: `Transaction` serializes the same way).
/// It also deserializes from `[db, op, ...]`, for tools that take transactions from users.
#[derive(Clone, Debug)]
pub struct Transaction {
    db: String,
    ops: Vec<Operation>,
    /// The next number tried for an automatic uuid-name.
    next_name: u64,
    /// Every uuid-name declared so far.
    names: HashSet<String>,
}

impl PartialEq for Transaction {
    /// Two transactions are equal when they have the same database and operations.
    fn eq(&self, other: &Transaction) -> bool {
        self.db == other.db && self.ops == other.ops
    }
}

impl Eq for Transaction {}

impl Transaction {
    /// An empty transaction on database `db`, e.g. `"OVN_Northbound"`.
    pub fn new(db: impl Into<String>) -> Self {
        Transaction {
            db: db.into(),
            ops: Vec::new(),
            next_name: 1,
            names: HashSet::new(),
        }
    }

    /// The database name.
    pub fn db(&self) -> &str {
        &self.db
    }

    /// The operations, in order.
    pub fn operations(&self) -> &[Operation] {
        &self.ops
    }

    /// Consumes the transaction, returning its operations.
    pub fn into_operations(self) -> Vec<Operation> {
        self.ops
    }

    /// The number of operations.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether there are no operations. An empty transaction is valid; the server answers `[]`.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Appends an operation and returns its index.
    pub fn push(&mut self, op: Operation) -> usize {
        if let Operation::Insert {
            uuid_name: Some(name),
            ..
        } = &op
        {
            self.names.insert(name.clone());
        }
        self.ops.push(op);
        self.ops.len() - 1
    }

    /// Inserts `row` into `table` under a fresh uuid-name (`row1`, `row2`, ..., skipping names
    /// already used in this transaction) and returns `["named-uuid", name]` for use in later
    /// operations. Its result, `{"uuid":..}`, is at index `len() - 1` after the call; see also
    /// [`Transaction::resolve`].
    pub fn insert(&mut self, table: impl Into<String>, row: Row) -> Atom {
        let name = loop {
            let candidate = format!("row{}", self.next_name);
            self.next_name = self.next_name.wrapping_add(1);
            if !self.names.contains(&candidate) {
                break candidate;
            }
        };
        self.insert_named(table, name, row)
    }

    /// Inserts `row` into `table` under the given uuid-name and returns `["named-uuid", name]`.
    ///
    /// The name must match `[a-zA-Z_][a-zA-Z0-9_]*` and not be declared twice in a transaction;
    /// otherwise the server fails the operation with `"syntax error"` or `"duplicate uuid-name"`.
    pub fn insert_named(
        &mut self,
        table: impl Into<String>,
        uuid_name: impl Into<String>,
        row: Row,
    ) -> Atom {
        let name = uuid_name.into();
        self.push(Operation::Insert {
            table: table.into(),
            row,
            uuid_name: Some(name.clone()),
            uuid: None,
        });
        Atom::NamedUuid(name)
    }

    /// Inserts `row` into `table` with a chosen UUID and returns that UUID as an atom (later
    /// operations of the same transaction may refer to the row by it).
    ///
    /// This uses the `"uuid"` member of `insert`, an extension of Open vSwitch 2.13 and later;
    /// older servers fail the operation with `"syntax error"` (member not allowed). The UUID must
    /// not be in use in the table nor deleted earlier in the same transaction, or the operation
    /// fails with `"duplicate uuid"`.
    pub fn insert_with_uuid(&mut self, table: impl Into<String>, uuid: Uuid, row: Row) -> Atom {
        self.push(Operation::Insert {
            table: table.into(),
            row,
            uuid_name: None,
            uuid: Some(uuid),
        });
        Atom::Uuid(uuid)
    }

    /// Selects the rows of `table` matching all `conditions`; `columns` `None` selects all
    /// columns. Returns the operation's index.
    pub fn select(
        &mut self,
        table: impl Into<String>,
        conditions: impl IntoIterator<Item = Condition>,
        columns: Option<Vec<String>>,
    ) -> usize {
        self.push(Operation::Select {
            table: table.into(),
            conditions: conditions.into_iter().collect(),
            columns,
        })
    }

    /// Sets the columns in `row` on every row of `table` matching `conditions`. Returns the
    /// operation's index.
    pub fn update(
        &mut self,
        table: impl Into<String>,
        conditions: impl IntoIterator<Item = Condition>,
        row: Row,
    ) -> usize {
        self.push(Operation::Update {
            table: table.into(),
            conditions: conditions.into_iter().collect(),
            row,
        })
    }

    /// Applies `mutations` to every row of `table` matching `conditions`. Returns the
    /// operation's index.
    pub fn mutate(
        &mut self,
        table: impl Into<String>,
        conditions: impl IntoIterator<Item = Condition>,
        mutations: impl IntoIterator<Item = Mutation>,
    ) -> usize {
        self.push(Operation::Mutate {
            table: table.into(),
            conditions: conditions.into_iter().collect(),
            mutations: mutations.into_iter().collect(),
        })
    }

    /// Deletes every row of `table` matching `conditions`. Returns the operation's index.
    pub fn delete(
        &mut self,
        table: impl Into<String>,
        conditions: impl IntoIterator<Item = Condition>,
    ) -> usize {
        self.push(Operation::Delete {
            table: table.into(),
            conditions: conditions.into_iter().collect(),
        })
    }

    /// Adds a `wait` (see [`Operation::Wait`]). Returns the operation's index.
    pub fn wait(
        &mut self,
        table: impl Into<String>,
        conditions: impl IntoIterator<Item = Condition>,
        columns: Vec<String>,
        until: WaitUntil,
        rows: Vec<Row>,
        timeout_ms: Option<u64>,
    ) -> usize {
        self.push(Operation::Wait {
            table: table.into(),
            conditions: conditions.into_iter().collect(),
            columns,
            until,
            rows,
            timeout: timeout_ms,
        })
    }

    /// Adds a `commit`; `durable` asks the server to reach stable storage before replying.
    /// Returns the operation's index.
    pub fn commit(&mut self, durable: bool) -> usize {
        self.push(Operation::Commit { durable })
    }

    /// Adds an `abort`, which makes the whole transaction fail with `"aborted"`. Returns the
    /// operation's index.
    pub fn abort(&mut self) -> usize {
        self.push(Operation::Abort)
    }

    /// Adds a `comment` recorded in the database log. Returns the operation's index.
    pub fn comment(&mut self, text: impl Into<String>) -> usize {
        self.push(Operation::Comment(text.into()))
    }

    /// Adds an `assert` that this session holds `lock_name`. Returns the operation's index.
    pub fn assert(&mut self, lock_name: impl Into<String>) -> usize {
        self.push(Operation::Assert {
            lock: lock_name.into(),
        })
    }

    /// The `transact` parameters `[db, op, ...]`, serializable straight into a writer.
    pub fn params(&self) -> TransactParams<'_> {
        TransactParams {
            db: &self.db,
            ops: &self.ops,
        }
    }

    /// The UUID a committed transaction gave the row `atom` refers to: the UUID itself for
    /// [`Atom::Uuid`], or for [`Atom::NamedUuid`] the result of the insert that declared the
    /// name. `results` are those returned by [`Transaction::check_results`].
    pub fn resolve(&self, results: &[OperationResult], atom: &Atom) -> Option<Uuid> {
        match atom {
            Atom::Uuid(u) => Some(*u),
            Atom::NamedUuid(name) => {
                let i = self.ops.iter().position(
                    |op| matches!(op, Operation::Insert { uuid_name: Some(n), .. } if n == name),
                )?;
                results.get(i)?.uuid
            }
            _ => None,
        }
    }

    /// Checks the result array of a `transact` reply against this transaction.
    ///
    /// Returns one [`OperationResult`] per operation when everything succeeded. Otherwise
    /// returns the first failure:
    ///
    /// - an element with an `"error"` member at operation index `i` fails with `index: Some(i)`;
    /// - an extra element after the last operation's is the commit error (`index: None`,
    ///   `operation: "commit"`);
    /// - anything the server would never send is a [`TransactionError::PROTOCOL_ERROR`]: a
    ///   `null` not preceded by a failure, an element that is neither an object nor `null`, a
    ///   success lacking its `uuid`/`rows`/`count`, a short array, or surplus elements.
    ///
    /// Elements may be [`ReplyElement`]s (decoded straight from the reply), `serde_json::Value`s
    /// or [`OperationResult`]s.
    pub fn check_results<E: Into<ReplyElement>>(
        &self,
        results: impl IntoIterator<Item = E>,
    ) -> Result<Vec<OperationResult>, TransactionError> {
        let n = self.ops.len();
        let mut out = Vec::with_capacity(n);
        for (i, element) in results.into_iter().enumerate() {
            let element = element.into();
            let Some(op) = self.ops.get(i) else {
                return Err(self.check_extra(i, element));
            };
            match element {
                ReplyElement::Success(r) => {
                    let missing = match op.result_member() {
                        Some("uuid") => r.uuid.is_none(),
                        Some("rows") => r.rows.is_none(),
                        Some("count") => r.count.is_none(),
                        _ => false,
                    };
                    if missing {
                        return Err(TransactionError::protocol(
                            Some(i),
                            op,
                            format!(
                                "the result of a successful \"{}\" has no \"{}\" member",
                                op.kind(),
                                op.result_member().unwrap_or_default()
                            ),
                        ));
                    }
                    out.push(r);
                }
                ReplyElement::Error { error, details } => {
                    return Err(TransactionError {
                        index: Some(i),
                        operation: op.describe(),
                        error,
                        details,
                    });
                }
                ReplyElement::Null => {
                    return Err(TransactionError::protocol(
                        Some(i),
                        op,
                        "the result is null although no earlier operation failed".to_owned(),
                    ));
                }
                ReplyElement::Malformed(why) => {
                    return Err(TransactionError::protocol(Some(i), op, why));
                }
            }
        }
        if out.len() < n {
            let k = out.len();
            return Err(TransactionError::protocol(
                Some(k),
                &self.ops[k],
                format!("the reply has {k} results for {n} operations"),
            ));
        }
        Ok(out)
    }

    /// The error for element `i >= len()` of a result array.
    fn check_extra(&self, i: usize, element: ReplyElement) -> TransactionError {
        let n = self.ops.len();
        if i > n {
            return TransactionError {
                index: None,
                operation: "transact".to_owned(),
                error: TransactionError::PROTOCOL_ERROR.to_owned(),
                details: Some(format!(
                    "the reply has more than {} elements for {n} operations",
                    n + 1
                )),
            };
        }
        let unexpected = |what: &str| TransactionError {
            index: None,
            operation: "commit".to_owned(),
            error: TransactionError::PROTOCOL_ERROR.to_owned(),
            details: Some(format!(
                "element {n} after the {n} operation results should be a commit error, found {what}"
            )),
        };
        match element {
            ReplyElement::Error { error, details } => TransactionError {
                index: None,
                operation: "commit".to_owned(),
                error,
                details,
            },
            ReplyElement::Null => unexpected("null"),
            ReplyElement::Success(_) => unexpected("a result without \"error\""),
            ReplyElement::Malformed(why) => unexpected(&why),
        }
    }

    /// Decodes the `result` member of a `transact` reply (the JSON text of the array) and checks
    /// it with [`Transaction::check_results`]. Text that is not an array of objects and nulls is
    /// reported as a [`TransactionError::PROTOCOL_ERROR`].
    pub fn check_reply_json(&self, result: &str) -> Result<Vec<OperationResult>, TransactionError> {
        let elements: Vec<ReplyElement> =
            serde_json::from_str(result).map_err(|e| TransactionError {
                index: None,
                operation: "transact".to_owned(),
                error: TransactionError::PROTOCOL_ERROR.to_owned(),
                details: Some(format!("cannot decode the result array: {e}")),
            })?;
        self.check_results(elements)
    }
}

impl Serialize for Transaction {
    /// Serializes as the `transact` parameters, like [`Transaction::params`].
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.params().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Transaction {
    /// Accepts `transact` parameters: `[db, op, ...]`.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Transaction, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Transaction;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("transact parameters: [database name, operation, ...]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Transaction, A::Error> {
                let db: String = seq.next_element()?.ok_or_else(|| {
                    de::Error::custom("transact parameters must start with the database name")
                })?;
                let mut txn = Transaction::new(db);
                while let Some(op) = seq.next_element::<Operation>()? {
                    txn.push(op);
                }
                Ok(txn)
            }
        }
        d.deserialize_seq(V)
    }
}

/// A borrowed view of a transaction that serializes as the `transact` parameters
/// `[db, op, ...]`. Made by [`Transaction::params`].
#[derive(Clone, Copy, Debug)]
pub struct TransactParams<'a> {
    db: &'a str,
    ops: &'a [Operation],
}

impl Serialize for TransactParams<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.ops.len() + 1))?;
        seq.serialize_element(self.db)?;
        for op in self.ops {
            seq.serialize_element(op)?;
        }
        seq.end()
    }
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

/// The result of one successful operation.
///
/// `insert` sets `uuid`; `select` sets `rows`; `update`, `mutate` and `delete` set `count`; the
/// other operations yield `{}`, all `None`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OperationResult {
    /// The UUID of the inserted row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<Uuid>,
    /// The number of rows matched by `update`, `mutate` or `delete`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// The rows returned by `select`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<Vec<Row>>,
}

/// One element of a `transact` result array, classified.
///
/// Decode the reply's `result` as `Vec<ReplyElement>` (straight from the JSON text) and pass it to
/// [`Transaction::check_results`]. Decoding fails only when a `rows` member is not an array of
/// OVSDB rows; every other surprise (a number instead of an object, a non-string `error`, a bad
/// `uuid` or `count`) becomes [`ReplyElement::Malformed`], so that the error can name the
/// operation. Unknown members, such as the `syntax` that accompanies syntax errors, are ignored.
#[derive(Clone, Debug, PartialEq)]
pub enum ReplyElement {
    /// `null`: an earlier operation failed.
    Null,
    /// An object without `"error"`.
    Success(OperationResult),
    /// An object with a string `"error"`.
    Error {
        /// The error tag, e.g. `"constraint violation"`.
        error: String,
        /// The `"details"` member, when present.
        details: Option<String>,
    },
    /// Anything else, with a description of what was wrong.
    Malformed(String),
}

impl From<OperationResult> for ReplyElement {
    fn from(r: OperationResult) -> ReplyElement {
        ReplyElement::Success(r)
    }
}

impl From<serde_json::Value> for ReplyElement {
    fn from(v: serde_json::Value) -> ReplyElement {
        ReplyElement::deserialize(v).unwrap_or_else(|e| ReplyElement::Malformed(e.to_string()))
    }
}

/// Describes a JSON value's type for messages.
fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

impl<'de> Deserialize<'de> for ReplyElement {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ReplyElement, D::Error> {
        struct V;
        impl V {
            fn not_object(found: &str) -> ReplyElement {
                ReplyElement::Malformed(format!("expected an object or null, found {found}"))
            }
        }
        impl<'de> Visitor<'de> for V {
            type Value = ReplyElement;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an operation result (an object or null)")
            }
            fn visit_unit<E: de::Error>(self) -> Result<ReplyElement, E> {
                Ok(ReplyElement::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<ReplyElement, E> {
                Ok(ReplyElement::Null)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<ReplyElement, D2::Error> {
                d.deserialize_any(self)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<ReplyElement, E> {
                Ok(V::not_object("a boolean"))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<ReplyElement, E> {
                Ok(V::not_object("a number"))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<ReplyElement, E> {
                Ok(V::not_object("a number"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<ReplyElement, E> {
                Ok(V::not_object("a number"))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<ReplyElement, E> {
                Ok(V::not_object("a string"))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ReplyElement, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(V::not_object("an array"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ReplyElement, A::Error> {
                let mut error: Option<serde_json::Value> = None;
                let mut details: Option<serde_json::Value> = None;
                let mut uuid: Option<serde_json::Value> = None;
                let mut count: Option<serde_json::Value> = None;
                let mut rows: Option<Vec<Row>> = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "error" => error = Some(map.next_value()?),
                        "details" => details = Some(map.next_value()?),
                        "uuid" => uuid = Some(map.next_value()?),
                        "count" => count = Some(map.next_value()?),
                        "rows" => rows = Some(map.next_value()?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                if let Some(error) = error {
                    let serde_json::Value::String(error) = error else {
                        return Ok(ReplyElement::Malformed(format!(
                            "the \"error\" member is {}, not a string",
                            json_kind(&error)
                        )));
                    };
                    let details = match details {
                        None | Some(serde_json::Value::Null) => None,
                        Some(serde_json::Value::String(s)) => Some(s),
                        Some(other) => Some(other.to_string()),
                    };
                    return Ok(ReplyElement::Error { error, details });
                }
                let uuid = match uuid {
                    None => None,
                    Some(v) => match Uuid::deserialize(&v) {
                        Ok(u) => Some(u),
                        Err(e) => {
                            return Ok(ReplyElement::Malformed(format!(
                                "bad \"uuid\" member {v}: {e}"
                            )));
                        }
                    },
                };
                let count = match count {
                    None => None,
                    Some(v) => match v.as_u64() {
                        Some(c) => Some(c),
                        None => {
                            return Ok(ReplyElement::Malformed(format!(
                                "bad \"count\" member {v}: expected a nonnegative integer"
                            )));
                        }
                    },
                };
                Ok(ReplyElement::Success(OperationResult { uuid, count, rows }))
            }
        }
        d.deserialize_any(V)
    }
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// A failed transaction: the first operation that failed, or the commit.
///
/// `error` is the server's error tag. Those ovsdb-server uses in transaction results include
/// `"syntax error"`, `"unknown column"`, `"constraint violation"`, `"referential integrity
/// violation"`, `"duplicate uuid-name"`, `"duplicate uuid"`, `"domain error"`, `"range error"`,
/// `"timed out"`, `"not owner"`, `"aborted"`, `"permission error"` and `"not allowed"`.
/// [`TransactionError::PROTOCOL_ERROR`] marks a reply that does not fit the transaction.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct TransactionError {
    /// The index of the failed operation, as returned by [`Transaction::push`]; `None` when the
    /// commit itself failed (the extra element after the per-operation results) or the reply as
    /// a whole was unusable.
    pub index: Option<usize>,
    /// What failed, e.g. `"insert into Logical_Switch"`, `"commit"` or `"transact"`.
    pub operation: String,
    /// The error tag, e.g. `"constraint violation"`.
    pub error: String,
    /// The server's explanation, when it gave one.
    pub details: Option<String>,
}

impl fmt::Display for TransactionError {
    /// `operation 1 (insert into Logical_Switch) failed: constraint violation: ...`, or
    /// `commit failed: referential integrity violation: ...`. The index is 0-based; the server's
    /// own details count operations from 1.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index {
            Some(i) => write!(
                f,
                "operation {i} ({}) failed: {}",
                self.operation, self.error
            )?,
            None => write!(f, "{} failed: {}", self.operation, self.error)?,
        }
        if let Some(d) = &self.details {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

impl TransactionError {
    /// The `error` of a reply that does not fit the transaction (never sent by the server).
    pub const PROTOCOL_ERROR: &'static str = "protocol error";

    fn protocol(index: Option<usize>, op: &Operation, details: String) -> TransactionError {
        TransactionError {
            index,
            operation: op.describe(),
            error: TransactionError::PROTOCOL_ERROR.to_owned(),
            details: Some(details),
        }
    }

    /// Whether running the transaction again may succeed, after re-reading the database.
    ///
    /// True for:
    /// - `"timed out"`: a `wait` found the rows not as expected (with `timeout` 0, the usual
    ///   optimistic-concurrency check, this means another client changed them) or waited in
    ///   vain. The Open vSwitch IDL answers `TXN_TRY_AGAIN`.
    /// - `"canceled"`: the server dropped the request because the database was removed or
    ///   converted, or a relay lost its connection upstream. ovsdb-server sends it as a JSON-RPC
    ///   error, not in the result array; it counts here for callers that map it to this type.
    /// - `"cluster error"`: a temporary Raft failure such as a leadership change. ovsdb-server
    ///   normally retries these itself, so they rarely reach clients.
    ///
    /// False for everything else: constraint and referential-integrity violations, syntax and
    /// type errors, `"aborted"` and protocol errors do the same again. `"not owner"` is also
    /// false: retry only once the lock is held (see [`TransactionError::is_not_owner`]).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.error.as_str(),
            "timed out" | "canceled" | "cluster error"
        )
    }

    /// Whether the commit failed after every operation succeeded (`index` is `None` and the
    /// operation is `"commit"`).
    pub fn is_commit_failure(&self) -> bool {
        self.index.is_none() && self.operation == "commit"
    }

    /// Whether an `assert` failed because this session does not hold the lock.
    pub fn is_not_owner(&self) -> bool {
        self.error == "not owner"
    }

    /// Whether the reply did not fit the transaction ([`TransactionError::PROTOCOL_ERROR`]).
    pub fn is_protocol_error(&self) -> bool {
        self.error == TransactionError::PROTOCOL_ERROR
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn u(s: &str) -> Uuid {
        s.parse().unwrap()
    }

    fn to_json<T: Serialize>(v: &T) -> serde_json::Value {
        serde_json::to_value(v).unwrap()
    }

    #[test]
    fn operation_wire_forms() {
        let id = u("11111111-2222-3333-4444-555555555555");
        let cases: Vec<(Operation, serde_json::Value)> = vec![
            (
                Operation::Insert {
                    table: "Logical_Switch".into(),
                    row: Row::new().with("name", "ls0"),
                    uuid_name: Some("ls".into()),
                    uuid: None,
                },
                json!({"op":"insert","table":"Logical_Switch","row":{"name":"ls0"},"uuid-name":"ls"}),
            ),
            (
                Operation::Insert {
                    table: "T".into(),
                    row: Row::new(),
                    uuid_name: None,
                    uuid: Some(id),
                },
                json!({"op":"insert","table":"T","row":{},"uuid":"11111111-2222-3333-4444-555555555555"}),
            ),
            (
                Operation::Select {
                    table: "T".into(),
                    conditions: vec![Condition::eq("_uuid", id), Condition::TRUE],
                    columns: Some(vec!["name".into()]),
                },
                json!({"op":"select","table":"T",
                       "where":[["_uuid","==",["uuid","11111111-2222-3333-4444-555555555555"]],true],
                       "columns":["name"]}),
            ),
            (
                Operation::Select {
                    table: "T".into(),
                    conditions: vec![],
                    columns: None,
                },
                json!({"op":"select","table":"T","where":[]}),
            ),
            (
                Operation::Update {
                    table: "T".into(),
                    conditions: vec![Condition::ne("n", 3i64)],
                    row: Row::new().with("m", Datum::map([("a", "b")])),
                },
                json!({"op":"update","table":"T","where":[["n","!=",3]],"row":{"m":["map",[["a","b"]]]}}),
            ),
            (
                Operation::Mutate {
                    table: "T".into(),
                    conditions: vec![Condition::FALSE],
                    mutations: vec![
                        Mutation::add("n", 1i64),
                        Mutation::delete("s", Datum::set(["x", "y"])),
                    ],
                },
                json!({"op":"mutate","table":"T","where":[false],
                       "mutations":[["n","+=",1],["s","delete",["set",["x","y"]]]]}),
            ),
            (
                Operation::Delete {
                    table: "T".into(),
                    conditions: vec![Condition::includes("s", Datum::empty())],
                },
                json!({"op":"delete","table":"T","where":[["s","includes",["set",[]]]]}),
            ),
            (
                Operation::Wait {
                    table: "T".into(),
                    conditions: vec![Condition::eq("name", "a")],
                    columns: vec!["name".into()],
                    until: WaitUntil::Eq,
                    rows: vec![Row::new().with("name", "a")],
                    timeout: Some(0),
                },
                json!({"op":"wait","table":"T","where":[["name","==","a"]],"columns":["name"],
                       "until":"==","rows":[{"name":"a"}],"timeout":0}),
            ),
            (
                Operation::Wait {
                    table: "T".into(),
                    conditions: vec![],
                    columns: vec![],
                    until: WaitUntil::Ne,
                    rows: vec![],
                    timeout: None,
                },
                json!({"op":"wait","table":"T","where":[],"columns":[],"until":"!=","rows":[]}),
            ),
            (
                Operation::Commit { durable: true },
                json!({"op":"commit","durable":true}),
            ),
            (Operation::Abort, json!({"op":"abort"})),
            (
                Operation::Comment("hi".into()),
                json!({"op":"comment","comment":"hi"}),
            ),
            (
                Operation::Assert {
                    lock: "ovn_northd".into(),
                },
                json!({"op":"assert","lock":"ovn_northd"}),
            ),
        ];
        for (op, expected) in cases {
            assert_eq!(to_json(&op), expected, "{op:?}");
            let text = serde_json::to_string(&op).unwrap();
            assert!(text.starts_with(r#"{"op":""#), "{text}");
            let back: Operation = serde_json::from_str(&text).unwrap();
            assert_eq!(back, op);
            // Member order does not matter when decoding (the server sorts members).
            let back: Operation = serde_json::from_value(expected).unwrap();
            assert_eq!(back, op);
        }
    }

    #[test]
    fn kind_table_describe() {
        let mut txn = Transaction::new("db");
        txn.insert("A", Row::new());
        txn.select("B", [], None);
        txn.update("C", [], Row::new());
        txn.mutate("D", [], []);
        txn.delete("E", []);
        txn.wait("F", [], vec![], WaitUntil::Eq, vec![], None);
        txn.commit(false);
        txn.abort();
        txn.comment("c");
        txn.assert("L");
        let got: Vec<_> = txn
            .operations()
            .iter()
            .map(|op| (op.kind(), op.table(), op.describe()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("insert", Some("A"), "insert into A".to_owned()),
                ("select", Some("B"), "select from B".to_owned()),
                ("update", Some("C"), "update C".to_owned()),
                ("mutate", Some("D"), "mutate D".to_owned()),
                ("delete", Some("E"), "delete from E".to_owned()),
                ("wait", Some("F"), "wait on F".to_owned()),
                ("commit", None, "commit".to_owned()),
                ("abort", None, "abort".to_owned()),
                ("comment", None, "comment".to_owned()),
                ("assert", None, "assert lock L".to_owned()),
            ]
        );
    }

    #[test]
    fn operation_decode_errors() {
        let bad = [
            (
                json!({"op":"frobnicate"}),
                "unknown operation \"frobnicate\"",
            ),
            (json!({"table":"T","where":[]}), "no \"op\" member"),
            (
                json!({"op":"select","table":"T","where":[],"sort":["name"]}),
                "member \"sort\" is not allowed",
            ),
            (
                json!({"op":"select","table":"T","where":[],"rows":[]}),
                "member \"rows\" is not allowed in a \"select\" operation",
            ),
            (json!({"op":"commit"}), "requires member \"durable\""),
            (
                json!({"op":"insert","table":"T"}),
                "requires member \"row\"",
            ),
            (
                json!({"op":"insert","table":"T","row":{},"uuid-name":"1bad"}),
                "uuid-name",
            ),
            (
                json!({"op":"insert","table":"T","row":{},"uuid":["uuid","11111111-2222-3333-4444-555555555555"]}),
                "UUID string",
            ),
            (
                json!({"op":"insert","table":"T","row":{},"uuid":"nope"}),
                "not a UUID",
            ),
            (
                json!({"op":"wait","table":"T","where":[],"columns":[],"until":"<","rows":[]}),
                "unknown wait condition",
            ),
            (
                json!({"op":"wait","table":"T","where":[],"columns":[],"until":"==","rows":[],"timeout":-1}),
                "-1",
            ),
            (
                json!({"op":"mutate","table":"T","where":[],"mutations":[["a","^=",1]]}),
                "unknown mutator \"^=\"",
            ),
            (
                json!({"op":"select","table":"T","where":[["a","~",1]]}),
                "unknown condition function \"~\"",
            ),
            (
                json!({"op":"select","table":"T","where":[["a","=="]]}),
                "3 elements",
            ),
            (
                json!({"op":"select","table":"T","where":[["a","==",1,2]]}),
                "more than 3",
            ),
            (json!({"op":"assert","lock":"no spaces"}), "lock"),
            (json!(["op", "abort"]), "operation object"),
            (json!({"op":1}), "string"),
        ];
        for (v, needle) in bad {
            let text = v.to_string();
            let err = serde_json::from_str::<Operation>(&text)
                .unwrap_err()
                .to_string();
            assert!(err.contains(needle), "{text}: {err}");
        }
        // Duplicate members are rejected.
        let err = serde_json::from_str::<Operation>(r#"{"op":"abort","op":"abort"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("appears twice"), "{err}");
    }

    #[test]
    fn condition_and_mutation_codec() {
        let conds = [
            (Condition::lt("n", 1i64), json!(["n", "<", 1])),
            (Condition::le("n", 1i64), json!(["n", "<=", 1])),
            (Condition::eq("n", 1i64), json!(["n", "==", 1])),
            (Condition::ne("n", 1i64), json!(["n", "!=", 1])),
            (Condition::ge("n", 1.5), json!(["n", ">=", 1.5])),
            (Condition::gt("n", 1i64), json!(["n", ">", 1])),
            (
                Condition::includes("m", Datum::map([("k", "v")])),
                json!(["m", "includes", ["map", [["k", "v"]]]]),
            ),
            (
                Condition::excludes("s", Datum::set(["a", "b"])),
                json!(["s", "excludes", ["set", ["a", "b"]]]),
            ),
            (
                Condition::eq("_uuid", Atom::named_uuid("row1")),
                json!(["_uuid", "==", ["named-uuid", "row1"]]),
            ),
            (Condition::TRUE, json!(true)),
            (Condition::FALSE, json!(false)),
        ];
        for (c, v) in conds {
            assert_eq!(to_json(&c), v);
            assert_eq!(serde_json::from_value::<Condition>(v).unwrap(), c);
        }
        assert_eq!(Condition::eq("a", 1i64).column(), Some("a"));
        assert_eq!(Condition::eq("a", 1i64).function(), Some(Function::Eq));
        assert_eq!(Condition::eq("a", 1i64).value(), Some(&Datum::scalar(1i64)));
        assert_eq!(Condition::TRUE.column(), None);
        assert!(serde_json::from_str::<Condition>("1").is_err());
        assert!(serde_json::from_str::<Condition>("[1,\"==\",1]").is_err());

        let muts = [
            (Mutation::add("n", 1i64), json!(["n", "+=", 1])),
            (Mutation::sub("n", 1i64), json!(["n", "-=", 1])),
            (Mutation::mul("n", 2i64), json!(["n", "*=", 2])),
            (Mutation::div("n", 2i64), json!(["n", "/=", 2])),
            (Mutation::rem("n", 2i64), json!(["n", "%=", 2])),
            (
                Mutation::insert("m", Datum::map([("k", "v")])),
                json!(["m", "insert", ["map", [["k", "v"]]]]),
            ),
            (
                Mutation::delete("m", Datum::set(["k"])),
                json!(["m", "delete", "k"]),
            ),
        ];
        for (m, v) in muts {
            assert_eq!(to_json(&m), v);
            assert_eq!(serde_json::from_value::<Mutation>(v).unwrap(), m);
        }
        assert!(serde_json::from_str::<Mutation>("true").is_err());

        for f in Function::ALL {
            assert_eq!(f.as_str().parse::<Function>().unwrap(), *f);
        }
        for m in Mutator::ALL {
            assert_eq!(m.as_str().parse::<Mutator>().unwrap(), *m);
            assert_eq!(m.to_string(), m.as_str());
        }
        assert_eq!(WaitUntil::Ne.as_str(), "!=");
        assert!("===".parse::<WaitUntil>().is_err());
    }

    #[test]
    fn builder_names_and_params() {
        let mut txn = Transaction::new("OVN_Northbound");
        assert!(txn.is_empty());
        let taken = txn.insert_named("Logical_Switch", "row2", Row::new().with("name", "a"));
        assert_eq!(taken, Atom::named_uuid("row2"));
        let a = txn.insert("Logical_Switch", Row::new().with("name", "b"));
        let b = txn.insert("Logical_Switch", Row::new().with("name", "c"));
        assert_eq!(a, Atom::named_uuid("row1"));
        assert_eq!(b, Atom::named_uuid("row3"));
        let id = u("aaaaaaaa-2222-3333-4444-555555555555");
        assert_eq!(
            txn.insert_with_uuid("Logical_Switch_Port", id, Row::new()),
            Atom::Uuid(id)
        );
        let i = txn.mutate(
            "Logical_Switch",
            [Condition::eq("_uuid", a.clone())],
            [Mutation::insert("ports", id)],
        );
        assert_eq!(i, 4);
        assert_eq!(txn.comment("x"), 5);
        assert_eq!(txn.len(), 6);
        assert_eq!(txn.db(), "OVN_Northbound");

        let text = serde_json::to_string(&txn.params()).unwrap();
        assert_eq!(text, serde_json::to_string(&txn).unwrap());
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v[0], json!("OVN_Northbound"));
        assert_eq!(
            v[4],
            json!({"op":"insert","table":"Logical_Switch_Port","row":{},
                   "uuid":"aaaaaaaa-2222-3333-4444-555555555555"})
        );
        assert_eq!(
            v[5],
            json!({"op":"mutate","table":"Logical_Switch",
                   "where":[["_uuid","==",["named-uuid","row1"]]],
                   "mutations":[["ports","insert",["uuid","aaaaaaaa-2222-3333-4444-555555555555"]]]})
        );

        // params -> Vec<Operation> and -> Transaction.
        let ops: Vec<Operation> =
            serde_json::from_value(json!(v.as_array().unwrap()[1..])).unwrap();
        assert_eq!(ops, txn.operations());
        let back: Transaction = serde_json::from_str(&text).unwrap();
        assert_eq!(back, txn);
        // A decoded transaction knows its names, so automatic names do not collide.
        let mut back = back;
        assert_eq!(back.insert("T", Row::new()), Atom::named_uuid("row4"));

        assert!(serde_json::from_str::<Transaction>("[]").is_err());
        assert!(serde_json::from_str::<Transaction>("[1]").is_err());
        let empty: Transaction = serde_json::from_str(r#"["db"]"#).unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn is_id_rules() {
        for ok in ["a", "_", "row1", "_x9", "Logical_Switch"] {
            assert!(is_id(ok), "{ok}");
        }
        for bad in ["", "1bad", "a-b", "a b", "é", "a.b"] {
            assert!(!is_id(bad), "{bad}");
        }
    }

    // ---- check_results, against replies captured from ovsdb-server 3.1.0 (OVN_Northbound) ----

    /// Extracts the "result" member of a captured reply frame.
    fn result_of(frame: &[u8]) -> String {
        let v: serde_json::Value = serde_json::from_slice(frame).unwrap();
        v["result"].to_string()
    }

    fn fixture_txn(ops: serde_json::Value) -> Transaction {
        let mut params = vec![json!("OVN_Northbound")];
        params.extend(ops.as_array().unwrap().iter().cloned());
        serde_json::from_value(serde_json::Value::Array(params)).unwrap()
    }

    #[test]
    fn fixture_success() {
        let txn = fixture_txn(json!([
            {"op":"insert","table":"Logical_Switch","row":{"name":"fx1"},"uuid-name":"ls"},
            {"op":"select","table":"Logical_Switch","where":[["_uuid","==",["named-uuid","ls"]]],"columns":["name","ports"]},
            {"op":"update","table":"Logical_Switch","where":[["_uuid","==",["named-uuid","ls"]]],"row":{"other_config":["map",[["a","b"]]]}},
            {"op":"mutate","table":"Logical_Switch","where":[["_uuid","==",["named-uuid","ls"]]],"mutations":[["other_config","insert",["map",[["c","d"]]]]]},
            {"op":"delete","table":"Logical_Switch","where":[["name","==","nope"]]},
            {"op":"wait","table":"Logical_Switch","where":[["name","==","fx1"]],"columns":["name"],"until":"==","rows":[{"name":"fx1"}],"timeout":0},
            {"op":"comment","comment":"fixture"},
            {"op":"commit","durable":false}
        ]));
        let frame = br#"{"id":0,"result":[{"uuid":["uuid","04db6487-4808-4aae-8a83-d3031b1bf8e8"]},{"rows":[{"name":"fx1","ports":["set",[]]}]},{"count":1},{"count":1},{"count":0},{},{},{}],"error":null}"#;
        let results = txn.check_reply_json(&result_of(frame)).unwrap();
        assert_eq!(results.len(), 8);
        let id = u("04db6487-4808-4aae-8a83-d3031b1bf8e8");
        assert_eq!(results[0].uuid, Some(id));
        assert_eq!(
            results[1].rows,
            Some(vec![
                Row::new().with("name", "fx1").with("ports", Datum::empty())
            ])
        );
        assert_eq!(results[2].count, Some(1));
        assert_eq!(results[3].count, Some(1));
        assert_eq!(results[4].count, Some(0));
        for r in &results[5..] {
            assert_eq!(r, &OperationResult::default());
        }
        assert_eq!(txn.resolve(&results, &Atom::named_uuid("ls")), Some(id));
        assert_eq!(txn.resolve(&results, &Atom::named_uuid("nope")), None);

        // The same through Vec<serde_json::Value> and Vec<OperationResult>.
        let values: Vec<serde_json::Value> = serde_json::from_str(&result_of(frame)).unwrap();
        assert_eq!(txn.check_results(values).unwrap(), results);
        assert_eq!(txn.check_results(results.clone()).unwrap(), results);
        // OperationResult serializes back to the server's shapes.
        assert_eq!(to_json(&results[4]), json!({"count":0}));
        assert_eq!(to_json(&results[6]), json!({}));
    }

    #[test]
    fn fixture_empty_transaction() {
        let txn = Transaction::new("OVN_Northbound");
        let frame = br#"{"id":7,"result":[],"error":null}"#;
        assert_eq!(txn.check_reply_json(&result_of(frame)).unwrap(), vec![]);
    }

    #[test]
    fn fixture_abort_then_null() {
        let txn = fixture_txn(json!([
            {"op":"insert","table":"Logical_Switch","row":{"name":"fx2"}},
            {"op":"abort"},
            {"op":"insert","table":"Logical_Switch","row":{"name":"fx3"}}
        ]));
        let frame = br#"{"id":1,"result":[{"uuid":["uuid","9e5713ee-0874-4ef0-a413-48f640e7b9e0"]},{"details":"aborted by request","error":"aborted"},null],"error":null}"#;
        let err = txn.check_reply_json(&result_of(frame)).unwrap_err();
        assert_eq!(
            err,
            TransactionError {
                index: Some(1),
                operation: "abort".into(),
                error: "aborted".into(),
                details: Some("aborted by request".into()),
            }
        );
        assert!(!err.is_retryable());
        assert_eq!(
            err.to_string(),
            "operation 1 (abort) failed: aborted: aborted by request"
        );
    }

    #[test]
    fn fixture_wait_timed_out() {
        let txn = fixture_txn(json!([
            {"op":"wait","table":"Logical_Switch","where":[["name","==","fx1"]],"columns":["name"],"until":"!=","rows":[{"name":"fx1"}],"timeout":0},
            {"op":"comment","comment":"x"}
        ]));
        let frame = br#"{"id":4,"result":[{"details":"\"where\" clause test failed","error":"timed out"},null],"error":null}"#;
        let err = txn.check_reply_json(&result_of(frame)).unwrap_err();
        assert_eq!(err.index, Some(0));
        assert_eq!(err.operation, "wait on Logical_Switch");
        assert!(err.is_retryable());
        assert!(!err.is_commit_failure());
    }

    #[test]
    fn fixture_assert_not_owner() {
        let mut txn = Transaction::new("OVN_Northbound");
        txn.assert("mylock");
        let frame = br#"{"id":5,"result":[{"details":"Asserted lock mylock not held.","error":"not owner"}],"error":null}"#;
        let err = txn.check_reply_json(&result_of(frame)).unwrap_err();
        assert!(err.is_not_owner());
        assert!(!err.is_retryable());
        assert_eq!(err.operation, "assert lock mylock");
        // With the lock held, assert yields {}.
        let ok = br#"{"id":2,"result":[{}],"error":null}"#;
        assert_eq!(
            txn.check_reply_json(&result_of(ok)).unwrap(),
            vec![OperationResult::default()]
        );
    }

    #[test]
    fn fixture_syntax_error() {
        // The server's own answer to an unknown op; our decoder refuses to build one, so the
        // transaction here is a stand-in with one operation.
        let mut txn = Transaction::new("OVN_Northbound");
        txn.comment("stand-in");
        let frame = br#"{"id":6,"result":[{"syntax":"{\"op\":\"frobnicate\"}","details":"Parsing ovsdb operation 1 of 1 failed: No operation \"frobnicate\"","error":"syntax error"}],"error":null}"#;
        let err = txn.check_reply_json(&result_of(frame)).unwrap_err();
        assert_eq!(err.error, "syntax error");
        assert_eq!(
            err.details.as_deref(),
            Some("Parsing ovsdb operation 1 of 1 failed: No operation \"frobnicate\"")
        );
    }

    #[test]
    fn fixture_commit_referential_integrity() {
        let txn = fixture_txn(json!([
            {"op":"insert","table":"Logical_Switch","row":{"name":"fx4","ports":["uuid","11111111-2222-3333-4444-555555555555"]}}
        ]));
        let frame = br#"{"id":2,"result":[{"uuid":["uuid","85689f4b-a5d8-4e2b-8087-92d6312666cb"]},{"details":"Table Logical_Switch column ports row 85689f4b-a5d8-4e2b-8087-92d6312666cb references nonexistent row 11111111-2222-3333-4444-555555555555 in table Logical_Switch_Port.","error":"referential integrity violation"}],"error":null}"#;
        let err = txn.check_reply_json(&result_of(frame)).unwrap_err();
        assert_eq!(err.index, None);
        assert_eq!(err.operation, "commit");
        assert_eq!(err.error, "referential integrity violation");
        assert!(err.is_commit_failure());
        assert!(!err.is_retryable());
        assert!(
            err.to_string().starts_with(
                "commit failed: referential integrity violation: Table Logical_Switch"
            )
        );
    }

    #[test]
    fn fixture_commit_duplicate_index() {
        let txn = fixture_txn(json!([
            {"op":"insert","table":"Address_Set","row":{"name":"fxas"}},
            {"op":"insert","table":"Address_Set","row":{"name":"fxas"}}
        ]));
        let frame = br#"{"id":3,"result":[{"uuid":["uuid","e370951e-f966-4d52-814c-98b1068cbbce"]},{"uuid":["uuid","92fdb588-0d36-4dd4-a263-51486b202f70"]},{"details":"Transaction causes multiple rows in \"Address_Set\" table to have identical values (fxas) for index on column \"name\".  First row, with UUID e370951e-f966-4d52-814c-98b1068cbbce, was inserted by this transaction.  Second row, with UUID 92fdb588-0d36-4dd4-a263-51486b202f70, was inserted by this transaction.","error":"constraint violation"}],"error":null}"#;
        let err = txn.check_reply_json(&result_of(frame)).unwrap_err();
        assert!(err.is_commit_failure());
        assert_eq!(err.error, "constraint violation");
    }

    fn three_ops() -> Transaction {
        let mut txn = Transaction::new("db");
        txn.insert("A", Row::new());
        txn.select("B", [], None);
        txn.delete("C", []);
        txn
    }

    #[test]
    fn check_results_protocol_errors() {
        let txn = three_ops();
        let uuid = json!({"uuid":["uuid","04db6487-4808-4aae-8a83-d3031b1bf8e8"]});

        // Short array.
        let err = txn
            .check_results(vec![uuid.clone(), json!({"rows":[]})])
            .unwrap_err();
        assert!(err.is_protocol_error());
        assert_eq!(err.index, Some(2));
        assert_eq!(err.operation, "delete from C");
        assert!(err.details.unwrap().contains("2 results for 3 operations"));

        // Null without an earlier error.
        let err = txn
            .check_results(vec![uuid.clone(), json!(null), json!(null)])
            .unwrap_err();
        assert!(err.is_protocol_error());
        assert_eq!(err.index, Some(1));

        // Garbage elements.
        for garbage in [
            json!(3),
            json!("x"),
            json!([1, 2]),
            json!(true),
            json!({"error": 5}),
            json!({"uuid": "not-tagged"}),
            json!({"uuid": ["uuid", "nope"]}),
        ] {
            let err = txn
                .check_results(vec![
                    garbage.clone(),
                    json!({"rows":[]}),
                    json!({"count":0}),
                ])
                .unwrap_err();
            assert!(err.is_protocol_error(), "{garbage}: {err}");
            assert_eq!(err.index, Some(0), "{garbage}");
        }
        let err = txn
            .check_results(vec![
                uuid.clone(),
                json!({"rows":[{"a":["bogus",1]}]}),
                json!({}),
            ])
            .unwrap_err();
        assert!(err.is_protocol_error());
        assert_eq!(err.index, Some(1));
        let err = txn
            .check_results(vec![uuid.clone(), json!({"rows":[]}), json!({"count":-1})])
            .unwrap_err();
        assert!(err.is_protocol_error());
        assert_eq!(err.index, Some(2));

        // Success lacking its member.
        let err = txn
            .check_results(vec![json!({}), json!({"rows":[]}), json!({"count":0})])
            .unwrap_err();
        assert!(err.is_protocol_error());
        assert!(err.details.unwrap().contains("\"uuid\""));

        // Surplus elements.
        let ok = vec![uuid.clone(), json!({"rows":[]}), json!({"count":0})];
        let mut extra = ok.clone();
        extra.push(json!({}));
        let err = txn.check_results(extra.clone()).unwrap_err();
        assert!(err.is_protocol_error());
        assert_eq!(err.operation, "commit");
        extra.pop();
        extra.push(json!({"error":"x"}));
        extra.push(json!({"error":"y"}));
        let err = txn.check_results(extra).unwrap_err();
        assert_eq!(err.error, "x");
        assert_eq!(txn.check_results(ok).unwrap().len(), 3);

        // Not an array at all.
        for text in ["{}", "null", "[", "[1,", ""] {
            let err = txn.check_reply_json(text).unwrap_err();
            assert!(err.is_protocol_error(), "{text}");
            assert_eq!(err.index, None);
        }
        // Non-string details are kept as JSON text.
        let err = txn
            .check_results(vec![json!({"error":"e","details":{"a":1}})])
            .unwrap_err();
        assert_eq!(err.details.as_deref(), Some(r#"{"a":1}"#));
    }

    #[test]
    fn error_display() {
        let e = TransactionError {
            index: Some(3),
            operation: "insert into Logical_Switch".into(),
            error: "constraint violation".into(),
            details: None,
        };
        assert_eq!(
            e.to_string(),
            "operation 3 (insert into Logical_Switch) failed: constraint violation"
        );
        let wrapped: crate::Error = e.into();
        assert!(wrapped.to_string().contains("operation 3"));
    }

    // ---- property tests ----

    fn arb_atom() -> impl Strategy<Value = Atom> {
        prop_oneof![
            any::<i64>().prop_map(Atom::Integer),
            // Short dyadic fractions: without its `float_roundtrip` feature serde_json may misread
            // reals with 16 or more significant digits by one ulp.
            (any::<i16>(), 1u32..8)
                .prop_map(|(a, b)| Atom::Real(f64::from(a) + 1.0 / f64::from(1u32 << b))),
            any::<bool>().prop_map(Atom::Boolean),
            ".{0,8}".prop_map(Atom::string),
            any::<u128>().prop_map(|v| Atom::Uuid(Uuid(v))),
            "[a-z_][a-z0-9_]{0,6}".prop_map(Atom::NamedUuid),
        ]
    }

    fn arb_datum() -> impl Strategy<Value = Datum> {
        prop_oneof![
            proptest::collection::vec(arb_atom(), 0..4).prop_map(Datum::set),
            proptest::collection::vec((arb_atom(), arb_atom()), 0..4).prop_map(Datum::map),
        ]
    }

    fn arb_row() -> impl Strategy<Value = Row> {
        proptest::collection::btree_map("[a-z_]{1,6}", arb_datum(), 0..4)
            .prop_map(|m| m.into_iter().collect())
    }

    fn arb_id() -> impl Strategy<Value = String> {
        "[A-Za-z_][A-Za-z0-9_]{0,8}"
    }

    fn arb_columns() -> impl Strategy<Value = Vec<String>> {
        proptest::collection::vec(".{0,6}", 0..3)
    }

    fn arb_condition() -> impl Strategy<Value = Condition> {
        prop_oneof![
            any::<bool>().prop_map(Condition::Bool),
            (
                ".{0,6}",
                proptest::sample::select(Function::ALL),
                arb_datum()
            )
                .prop_map(|(c, f, v)| Condition::new(c, f, v)),
        ]
    }

    fn arb_conditions() -> impl Strategy<Value = Vec<Condition>> {
        proptest::collection::vec(arb_condition(), 0..3)
    }

    fn arb_operation() -> impl Strategy<Value = Operation> {
        let mutation = (
            ".{0,6}",
            proptest::sample::select(Mutator::ALL),
            arb_datum(),
        )
            .prop_map(|(c, m, v)| Mutation::new(c, m, v));
        prop_oneof![
            (
                arb_id(),
                arb_row(),
                proptest::option::of(arb_id()),
                proptest::option::of(any::<u128>().prop_map(Uuid))
            )
                .prop_map(|(table, row, uuid_name, uuid)| Operation::Insert {
                    table,
                    row,
                    uuid_name,
                    uuid
                }),
            (
                arb_id(),
                arb_conditions(),
                proptest::option::of(arb_columns())
            )
                .prop_map(|(table, conditions, columns)| Operation::Select {
                    table,
                    conditions,
                    columns
                }),
            (arb_id(), arb_conditions(), arb_row()).prop_map(|(table, conditions, row)| {
                Operation::Update {
                    table,
                    conditions,
                    row,
                }
            }),
            (
                arb_id(),
                arb_conditions(),
                proptest::collection::vec(mutation, 0..3)
            )
                .prop_map(|(table, conditions, mutations)| Operation::Mutate {
                    table,
                    conditions,
                    mutations
                }),
            (arb_id(), arb_conditions())
                .prop_map(|(table, conditions)| Operation::Delete { table, conditions }),
            (
                arb_id(),
                arb_conditions(),
                arb_columns(),
                proptest::sample::select(WaitUntil::ALL),
                proptest::collection::vec(arb_row(), 0..3),
                proptest::option::of(any::<u64>())
            )
                .prop_map(|(table, conditions, columns, until, rows, timeout)| {
                    Operation::Wait {
                        table,
                        conditions,
                        columns,
                        until,
                        rows,
                        timeout,
                    }
                }),
            any::<bool>().prop_map(|durable| Operation::Commit { durable }),
            Just(Operation::Abort),
            ".{0,10}".prop_map(Operation::Comment),
            arb_id().prop_map(|lock| Operation::Assert { lock }),
        ]
    }

    proptest! {
        #[test]
        fn operations_round_trip(ops in proptest::collection::vec(arb_operation(), 0..6)) {
            let mut txn = Transaction::new("db");
            for op in ops {
                txn.push(op);
            }
            let text = serde_json::to_string(&txn.params()).unwrap();
            let back: Transaction = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(&back, &txn);
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            let ops: Vec<Operation> =
                serde_json::from_value(serde_json::Value::Array(v.as_array().unwrap()[1..].to_vec()))
                    .unwrap();
            prop_assert_eq!(ops.as_slice(), txn.operations());
        }

        #[test]
        fn check_results_never_panics(
            n_ops in 0usize..4,
            elements in proptest::collection::vec(
                prop_oneof![
                    Just(json!(null)),
                    Just(json!({})),
                    Just(json!({"count": 1})),
                    Just(json!({"rows": []})),
                    Just(json!({"uuid": ["uuid", "04db6487-4808-4aae-8a83-d3031b1bf8e8"]})),
                    Just(json!({"error": "e", "details": "d"})),
                    Just(json!({"error": null})),
                    Just(json!([])),
                    Just(json!(7)),
                ],
                0..6,
            )
        ) {
            let mut txn = Transaction::new("db");
            for i in 0..n_ops {
                match i % 3 {
                    0 => { txn.insert("A", Row::new()); }
                    1 => { txn.select("B", [], None); }
                    _ => { txn.comment("c"); }
                }
            }
            let text = serde_json::Value::Array(elements.clone()).to_string();
            let from_values = txn.check_results(elements);
            let from_text = txn.check_reply_json(&text);
            prop_assert_eq!(&from_values, &from_text);
            if let Ok(r) = from_values {
                prop_assert_eq!(r.len(), n_ops);
            }
        }

        #[test]
        fn arbitrary_json_never_panics(text in ".{0,40}") {
            let _ = serde_json::from_str::<Operation>(&text);
            let _ = serde_json::from_str::<Transaction>(&text);
            let _ = Transaction::new("db").check_reply_json(&text);
        }
    }
}
