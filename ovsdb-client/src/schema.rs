//! `.ovsschema` parsing and serialization, and checking data against column types.
//!
//! The format is RFC 7047 section 3.2 with the Open vSwitch extensions. Parsing follows
//! `ovsdb_schema_from_json()` and friends in Open vSwitch (`ovsdb/ovsdb.c`, `ovsdb/table.c`,
//! `ovsdb/column.c`, `lib/ovsdb-types.c`), including these rules:
//!
//! - Database, table, column and `refTable` names must be ids (`[A-Za-z_][A-Za-z0-9_]*`); table
//!   and column names beginning with `_` are reserved. Every table has the implicit columns
//!   `_uuid` and `_version`, both immutable uuids ([`TableSchema::column`] knows them).
//! - Objects may hold only the members the format defines; anything else is an error, as in
//!   OVS. A base type may carry only the constraints of its atomic type (`minInteger` and
//!   `maxInteger` for integers, and so on), none besides `enum` when it has an `enum`, and
//!   `refType` only together with `refTable`.
//! - `version` is optional (OVS still accepts schemas without one; it is then the empty
//!   string), and when present must be `x.y.z`.
//! - `isRoot` defaults to false, but when no table of a schema sets it, every table is a root
//!   table: there is no version condition, the rule is applied after all tables are read. When
//!   serializing, `isRoot` is left out when every table is a root table.
//! - `min` defaults to 1 and must be 0 or 1; `max` defaults to 1 and must be at least 1 (or
//!   `"unlimited"`); both must be below 2^32 − 1.
//! - A column holding a weak reference is always mutable (OVS ≥ 2.6 forces this), and a column
//!   holding a strong reference to a non-root table is never ephemeral.
//! - An `enum` is a non-empty set of atoms of the base type, given as a bare atom or
//!   `["set",[...]]`; integers are accepted for reals.
//! - A constraint equal to the type's own limit (`minInteger` of −2^63, `minLength` of 0,
//!   `maxLength` of 2^32 − 1, `maxRows` of 2^32 − 1 or more, `refType` `"strong"`) is the same as
//!   no constraint, and is stored as `None` (or the default) so that a parsed schema serializes
//!   exactly as `ovsdb-server` would and parses back to an equal value.
//!
//! Checking follows `ovsdb_datum_from_json()` and `ovsdb_atom_check_constraints()`
//! (`lib/ovsdb-data.c`): string lengths count Unicode characters (code points), not bytes;
//! reals must be finite and inside `minReal`..=`maxReal`; named-uuids must be ids; strings
//! cannot contain NUL (the OVS JSON parser refuses it). Referential integrity is not checked
//! here; the server checks it when a transaction commits.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::value::{Atom, AtomType, CompactString, Datum, Row, Uuid, normalize_map, normalize_set};

/// `UINT_MAX` in the C implementation, the limit of counts and lengths.
const UINT_MAX: u64 = u32::MAX as u64;

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/// A database schema, as read from an `.ovsschema` file or a `get_schema` reply.
///
/// It deserializes from (and serializes to) the `.ovsschema` JSON form. Deserializing validates
/// the whole schema; use [`DatabaseSchema::from_json`] for errors that name the table and
/// column at fault.
#[derive(Clone, Debug, PartialEq)]
pub struct DatabaseSchema {
    /// The database name, e.g. `OVN_Northbound`.
    pub name: String,
    /// The schema version `x.y.z`, or the empty string when the schema has none.
    pub version: String,
    /// The `cksum` member, when present.
    pub cksum: Option<String>,
    /// The tables by name.
    pub tables: BTreeMap<String, TableSchema>,
}

/// The schema of one table.
#[derive(Clone, Debug, PartialEq)]
pub struct TableSchema {
    /// The table name.
    pub name: String,
    /// The declared columns by name. The implicit `_uuid` and `_version` columns are not in
    /// this map; [`TableSchema::column`] knows them.
    pub columns: BTreeMap<String, ColumnSchema>,
    /// The maximum number of rows, when limited.
    pub max_rows: Option<u64>,
    /// Whether the table is in the root set (rows not referenced from anywhere are kept).
    pub is_root: bool,
    /// Whether rows may be modified after insertion (the Open vSwitch `mutable` table
    /// extension; true unless the schema says `"mutable": false`).
    pub mutable: bool,
    /// Sets of columns whose values must be unique across the table's rows.
    pub indexes: Vec<Vec<String>>,
}

/// The schema of one column.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnSchema {
    /// The column name.
    pub name: String,
    /// The column's type.
    pub ty: ColumnType,
    /// Whether the column is not persisted to disk.
    pub ephemeral: bool,
    /// Whether the column may be modified after the row is inserted.
    pub mutable: bool,
}

/// The type of a column: a set of `key` atoms, or a map from `key` to `value` atoms, with
/// between `min` and `max` elements.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnType {
    /// The type of the elements (sets) or keys (maps).
    pub key: BaseType,
    /// The type of the values, for a map.
    pub value: Option<BaseType>,
    /// The minimum number of elements, 0 or 1.
    pub min: u64,
    /// The maximum number of elements, at least 1.
    pub max: Max,
}

/// The maximum number of elements of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Max {
    /// At most this many.
    Limited(u64),
    /// Any number (`"unlimited"`).
    Unlimited,
}

impl Max {
    /// Whether `n` elements are within this maximum.
    pub fn allows(self, n: u64) -> bool {
        match self {
            Max::Limited(m) => n <= m,
            Max::Unlimited => true,
        }
    }
}

impl fmt::Display for Max {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Max::Limited(m) => write!(f, "{m}"),
            Max::Unlimited => f.write_str("unlimited"),
        }
    }
}

/// Whether a reference keeps the referenced row alive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RefType {
    /// A strong reference: the referenced row cannot be deleted while referenced.
    #[default]
    Strong,
    /// A weak reference: deleting the referenced row removes the reference.
    Weak,
}

/// The type of the atoms of a set, or of the keys or values of a map, with its constraints.
///
/// Only the constraints that fit [`BaseType::atom`] are meaningful: `min_integer` and
/// `max_integer` for integers, `min_real` and `max_real` for reals, `min_length` and
/// `max_length` for strings, `ref_table` and `ref_type` for uuids.
#[derive(Clone, Debug, PartialEq)]
pub struct BaseType {
    /// The atomic type.
    pub atom: AtomType,
    /// The allowed values, sorted and free of duplicates, when restricted.
    pub enum_: Option<Vec<Atom>>,
    /// The smallest allowed integer.
    pub min_integer: Option<i64>,
    /// The largest allowed integer.
    pub max_integer: Option<i64>,
    /// The smallest allowed real.
    pub min_real: Option<f64>,
    /// The largest allowed real.
    pub max_real: Option<f64>,
    /// The minimum string length, in Unicode characters.
    pub min_length: Option<u64>,
    /// The maximum string length, in Unicode characters.
    pub max_length: Option<u64>,
    /// The table that uuids refer to.
    pub ref_table: Option<String>,
    /// Whether references are strong or weak (meaningful only with `ref_table`).
    pub ref_type: RefType,
}

// ---------------------------------------------------------------------------------------------
// DatabaseSchema
// ---------------------------------------------------------------------------------------------

impl DatabaseSchema {
    /// Parses and validates an `.ovsschema` document.
    ///
    /// Malformed JSON is an [`Error::Decode`]; a document that is JSON but not a valid schema is
    /// an [`Error::Schema`] naming the table and column at fault where there is one.
    pub fn from_json(text: &str) -> Result<DatabaseSchema> {
        DatabaseSchema::from_slice(text.as_bytes())
    }

    /// Parses and validates an `.ovsschema` document given as bytes. See
    /// [`DatabaseSchema::from_json`].
    pub fn from_slice(bytes: &[u8]) -> Result<DatabaseSchema> {
        context::clear();
        let raw = serde_json::from_slice::<RawSchema>(bytes);
        let (table, column) = context::take();
        match raw {
            Ok(raw) => raw.build(),
            Err(e) if e.is_data() => Err(Error::Schema {
                table,
                column,
                message: e.to_string(),
            }),
            Err(e) => Err(Error::decode("database schema", e)),
        }
    }

    /// Serializes the schema to its compact `.ovsschema` JSON form.
    ///
    /// Fails only for a schema built by hand with a non-finite real in a constraint.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| Error::Encode {
            what: format!("schema of database {}", self.name),
            reason: e.to_string(),
        })
    }

    /// The schema of the table `name`.
    pub fn table(&self, name: &str) -> Result<&TableSchema> {
        self.tables.get(name).ok_or_else(|| {
            Error::schema(
                Some(name),
                None,
                format!("no such table in database {}", self.name),
            )
        })
    }

    /// The version as `(x, y, z)`; `(0, 0, 0)` when the schema has no version (or, for a schema
    /// built by hand, a malformed one).
    pub fn version_tuple(&self) -> (u32, u32, u32) {
        parse_version(&self.version).unwrap_or((0, 0, 0))
    }
}

impl<'de> Deserialize<'de> for DatabaseSchema {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<DatabaseSchema, D::Error> {
        let raw = RawSchema::deserialize(d)?;
        raw.build().map_err(de::Error::custom)
    }
}

impl Serialize for DatabaseSchema {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("name", &self.name)?;
        if !self.version.is_empty() {
            map.serialize_entry("version", &self.version)?;
        }
        if let Some(cksum) = &self.cksum {
            map.serialize_entry("cksum", cksum)?;
        }
        let default_is_root = self.tables.values().all(|t| t.is_root);
        map.serialize_entry(
            "tables",
            &TablesJson {
                tables: &self.tables,
                default_is_root,
            },
        )?;
        map.end()
    }
}

struct TablesJson<'a> {
    tables: &'a BTreeMap<String, TableSchema>,
    default_is_root: bool,
}

impl Serialize for TablesJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.tables.len()))?;
        for (name, table) in self.tables {
            map.serialize_entry(name, &TableJson(table, self.default_is_root))?;
        }
        map.end()
    }
}

/// Parses `x.y.z` with three decimal `u32`s.
fn parse_version(s: &str) -> Option<(u32, u32, u32)> {
    let mut parts = s.split('.');
    let mut next = || -> Option<u32> {
        let p = parts.next()?;
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse().ok()
    };
    let v = (next()?, next()?, next()?);
    match parts.next() {
        Some(_) => None,
        None => Some(v),
    }
}

// ---------------------------------------------------------------------------------------------
// TableSchema
// ---------------------------------------------------------------------------------------------

static UUID_COLUMN: LazyLock<ColumnSchema> = LazyLock::new(|| ColumnSchema {
    name: "_uuid".to_owned(),
    ty: ColumnType::scalar(BaseType::new(AtomType::Uuid)),
    ephemeral: false,
    mutable: false,
});

static VERSION_COLUMN: LazyLock<ColumnSchema> = LazyLock::new(|| ColumnSchema {
    name: "_version".to_owned(),
    ty: ColumnType::scalar(BaseType::new(AtomType::Uuid)),
    ephemeral: true,
    mutable: false,
});

impl TableSchema {
    /// The schema of the column `name`, including the implicit `_uuid` and `_version` columns
    /// (immutable uuids; `_version` is ephemeral).
    pub fn column(&self, name: &str) -> Result<&ColumnSchema> {
        match name {
            "_uuid" => Ok(&UUID_COLUMN),
            "_version" => Ok(&VERSION_COLUMN),
            _ => self
                .columns
                .get(name)
                .ok_or_else(|| Error::schema(Some(&self.name), Some(name), "no such column")),
        }
    }

    /// Adds every column of the table that `row` lacks, with its type's default value.
    ///
    /// ovsdb-server leaves columns that hold their default value out of update2 `initial` and
    /// `insert` rows, so a copy of a row is complete only after this. `only` restricts the
    /// columns filled to those given (the monitored ones).
    pub fn fill_defaults(&self, row: &mut Row, only: Option<&[String]>) {
        for (name, column) in &self.columns {
            if only.is_some_and(|cols| !cols.iter().any(|c| c == name)) {
                continue;
            }
            if row.get(name).is_none() {
                row.insert(name, column.ty.default_datum());
            }
        }
    }

    /// Applies an update2 `modify` row to `row`: composite columns by
    /// [`Datum::apply_diff`], the others (and columns unknown to the schema) by replacement.
    pub fn apply_diff(&self, row: &mut Row, diff: &Row) {
        row.apply_diff(diff, |col| {
            self.columns.get(col).is_none_or(|c| !c.ty.is_composite())
        });
    }

    /// Checks every column of `row` against its type with [`ColumnType::check`], coercing as
    /// that does. A column the table does not have is an error. Columns missing from the row
    /// are not: operations such as `insert` and `update` give only some columns.
    pub fn check_row(&self, row: &mut Row) -> Result<()> {
        for (name, datum) in row.iter_mut() {
            let column = self.column(name)?;
            column
                .ty
                .check(datum)
                .map_err(|m| Error::schema(Some(&self.name), Some(name), m))?;
        }
        Ok(())
    }
}

impl Serialize for TableSchema {
    /// Serializes the table as it appears in an `.ovsschema`, writing `isRoot` only when true.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        TableJson(self, false).serialize(s)
    }
}

/// A table with the `isRoot` value that is left implicit.
struct TableJson<'a>(&'a TableSchema, bool);

impl Serialize for TableJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let TableJson(t, default_is_root) = *self;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("columns", &t.columns)?;
        if t.is_root != default_is_root {
            map.serialize_entry("isRoot", &t.is_root)?;
        }
        if let Some(max_rows) = t.max_rows {
            map.serialize_entry("maxRows", &max_rows)?;
        }
        if !t.indexes.is_empty() {
            map.serialize_entry("indexes", &t.indexes)?;
        }
        if !t.mutable {
            map.serialize_entry("mutable", &false)?;
        }
        map.end()
    }
}

// ---------------------------------------------------------------------------------------------
// ColumnSchema
// ---------------------------------------------------------------------------------------------

impl Serialize for ColumnSchema {
    /// Serializes the column as it appears in an `.ovsschema` (without its name).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("type", &self.ty)?;
        if self.ephemeral {
            map.serialize_entry("ephemeral", &true)?;
        }
        if !self.mutable {
            map.serialize_entry("mutable", &false)?;
        }
        map.end()
    }
}

// ---------------------------------------------------------------------------------------------
// ColumnType
// ---------------------------------------------------------------------------------------------

impl ColumnType {
    /// A column holding exactly one atom of type `key`.
    pub fn scalar(key: BaseType) -> ColumnType {
        ColumnType {
            key,
            value: None,
            min: 1,
            max: Max::Limited(1),
        }
    }

    /// Whether the column holds exactly one atom (`min` 1, `max` 1, not a map).
    pub fn is_scalar(&self) -> bool {
        self.value.is_none() && self.min == 1 && self.max == Max::Limited(1)
    }

    /// Whether the column holds zero or one atom (`min` 0, `max` 1, not a map).
    pub fn is_optional(&self) -> bool {
        self.value.is_none() && self.min == 0 && self.max == Max::Limited(1)
    }

    /// Whether the column is a set that is not a scalar, as `ovsdb_type_is_set()` defines it:
    /// optional columns count as sets.
    pub fn is_set(&self) -> bool {
        self.value.is_none() && !self.is_scalar()
    }

    /// Whether the column is a map.
    pub fn is_map(&self) -> bool {
        self.value.is_some()
    }

    /// Whether the column may hold more than one element or pair (OVS's
    /// `ovsdb_type_is_composite`). In an update2 `modify`, a composite column carries a diff
    /// (see [`Datum::apply_diff`]); any other column, optional ones included, carries its new
    /// value.
    pub fn is_composite(&self) -> bool {
        !matches!(self.max, Max::Limited(n) if n <= 1)
    }

    /// Whether `datum` equals [`ColumnType::default_datum`], without building it.
    pub fn is_default(&self, datum: &Datum) -> bool {
        let default = |a: &Atom, ty: AtomType| a.atom_type() == ty && is_default_atom(a);
        match (datum, self.min, &self.value) {
            (Datum::Set(a), 0, _) => a.is_empty(),
            (Datum::Map(m), 0, _) => m.is_empty(),
            (Datum::Set(a), _, None) => matches!(a.as_slice(), [x] if default(x, self.key.atom)),
            (Datum::Map(m), _, Some(v)) => matches!(
                m.as_slice(),
                [(k, x)] if default(k, self.key.atom) && default(x, v.atom)
            ),
            _ => false,
        }
    }

    /// The default value of the column (RFC 7047 section 5.1): empty when `min` is 0, otherwise
    /// one element (or pair) of the atomic types' defaults: 0, 0.0, false, `""` and the all-zero
    /// UUID. Like OVS, the default ignores constraints such as `enum`.
    pub fn default_datum(&self) -> Datum {
        match (&self.value, self.min) {
            (None, 0) => Datum::Set(Vec::new()),
            (Some(_), 0) => Datum::Map(Vec::new()),
            (None, _) => Datum::Set(vec![default_atom(self.key.atom)]),
            (Some(v), _) => Datum::Map(vec![(default_atom(self.key.atom), default_atom(v.atom))]),
        }
    }

    /// Checks `datum` against this type, coercing it where the C implementation would read the
    /// JSON differently without a schema:
    ///
    /// - integers become reals where the base type is real;
    /// - an empty set becomes an empty map in a map column;
    /// - the datum is sorted and duplicates removed (as [`Datum`]'s constructors do).
    ///
    /// Then checks that the datum is a set or map as the type says, the element count against
    /// `min` and `max`, and every atom with [`BaseType::check_atom`]. The error says what was
    /// wrong; callers add the table and column. On error the datum may be partly coerced.
    pub fn check(&self, datum: &mut Datum) -> Result<(), String> {
        if self.value.is_some()
            && let Datum::Set(atoms) = datum
            && atoms.is_empty()
        {
            *datum = Datum::Map(Vec::new());
        }
        match (&self.value, &mut *datum) {
            (None, Datum::Set(atoms)) => {
                for atom in atoms.iter_mut() {
                    self.key.check_atom(atom)?;
                }
                normalize_set(atoms);
            }
            (Some(value), Datum::Map(pairs)) => {
                for (k, v) in pairs.iter_mut() {
                    self.key
                        .check_atom(k)
                        .map_err(|m| format!("map key: {m}"))?;
                    value.check_atom(v).map_err(|m| format!("map value: {m}"))?;
                }
                normalize_map(pairs);
            }
            (Some(_), Datum::Set(atoms)) => {
                return Err(format!(
                    "expected {}, found a set of {} element(s)",
                    self.describe(),
                    atoms.len()
                ));
            }
            (None, Datum::Map(pairs)) => {
                return Err(format!(
                    "expected {}, found a map of {} pair(s)",
                    self.describe(),
                    pairs.len()
                ));
            }
        }
        let n = u64::try_from(datum.len()).unwrap_or(u64::MAX);
        if n < self.min || !self.max.allows(n) {
            return Err(if self.is_scalar() {
                format!("expected exactly one {}, found {n} values", self.key.atom)
            } else {
                format!("expected {}, found {n} element(s)", self.describe())
            });
        }
        Ok(())
    }

    /// A description such as `a set of up to 4 strings` or `a map of (string, integer) pairs`.
    fn describe(&self) -> String {
        if self.is_scalar() {
            return self.key.atom.to_string();
        }
        if self.is_optional() {
            return format!("an optional {} (0 or 1 value)", self.key.atom);
        }
        let count = match (self.min, self.max) {
            (0, Max::Unlimited) => " of".to_owned(),
            (min, Max::Unlimited) => format!(" of {min} or more"),
            (0, Max::Limited(max)) => format!(" of up to {max}"),
            (min, Max::Limited(max)) => format!(" of {min} to {max}"),
        };
        match &self.value {
            None => format!("a set{count} {}s", self.key.atom),
            Some(v) => format!("a map{count} ({}, {}) pairs", self.key.atom, v.atom),
        }
    }
}

impl Serialize for ColumnType {
    /// Serializes the type as in an `.ovsschema`: a bare atomic type name for an unconstrained
    /// scalar, otherwise an object with `key`, `value`, `min` and `max` (defaults left out).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.is_scalar() && !self.key.has_constraints() {
            return s.serialize_str(self.key.atom.as_str());
        }
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("key", &self.key)?;
        if let Some(value) = &self.value {
            map.serialize_entry("value", value)?;
        }
        if self.min != 1 {
            map.serialize_entry("min", &self.min)?;
        }
        match self.max {
            Max::Unlimited => map.serialize_entry("max", "unlimited")?,
            Max::Limited(1) => {}
            Max::Limited(m) => map.serialize_entry("max", &m)?,
        }
        map.end()
    }
}

/// Whether `atom` is its type's default (0, 0.0, false, "", the all-zero UUID).
fn is_default_atom(atom: &Atom) -> bool {
    match atom {
        Atom::Integer(i) => *i == 0,
        Atom::Real(r) => r.to_bits() == 0,
        Atom::Boolean(b) => !*b,
        Atom::String(s) => s.is_empty(),
        Atom::Uuid(u) => *u == Uuid::ZERO,
        Atom::NamedUuid(_) => false,
    }
}

fn default_atom(ty: AtomType) -> Atom {
    match ty {
        AtomType::Integer => Atom::Integer(0),
        AtomType::Real => Atom::Real(0.0),
        AtomType::Boolean => Atom::Boolean(false),
        AtomType::String => Atom::String(CompactString::default()),
        AtomType::Uuid => Atom::Uuid(Uuid::ZERO),
    }
}

// ---------------------------------------------------------------------------------------------
// BaseType
// ---------------------------------------------------------------------------------------------

impl BaseType {
    /// An unconstrained base type of the given atomic type.
    pub fn new(atom: AtomType) -> BaseType {
        BaseType {
            atom,
            enum_: None,
            min_integer: None,
            max_integer: None,
            min_real: None,
            max_real: None,
            min_length: None,
            max_length: None,
            ref_table: None,
            ref_type: RefType::Strong,
        }
    }

    /// Whether the base type has constraints (those that fit its atomic type), so that it is
    /// written as an object rather than a bare name.
    pub fn has_constraints(&self) -> bool {
        self.enum_.is_some()
            || match self.atom {
                AtomType::Integer => self.min_integer.is_some() || self.max_integer.is_some(),
                AtomType::Real => self.min_real.is_some() || self.max_real.is_some(),
                AtomType::Boolean => false,
                AtomType::String => self.min_length.is_some() || self.max_length.is_some(),
                AtomType::Uuid => self.ref_table.is_some(),
            }
    }

    /// Checks one atom against this base type, converting an integer to a real where the type
    /// is real. Checks the atomic type (a named-uuid counts as a uuid, and must be an id), the
    /// enum, integer and real ranges, and string lengths in Unicode characters.
    pub fn check_atom(&self, atom: &mut Atom) -> Result<(), String> {
        coerce(self.atom, atom)?;
        match &*atom {
            Atom::String(s) if s.contains('\0') => {
                return Err(format!(
                    "string {} contains a NUL character, which OVSDB does not support",
                    quoted(s)
                ));
            }
            Atom::NamedUuid(n) if !is_id(n) => {
                return Err(format!("named-uuid {} is not a valid id", quoted(n)));
            }
            Atom::Real(r) if !r.is_finite() => {
                return Err(format!("{r} is not a finite real number"));
            }
            _ => {}
        }
        if let Some(allowed) = &self.enum_
            && !allowed.iter().any(|a| same_atom(a, atom))
        {
            return Err(format!(
                "{} is not one of the allowed values ({})",
                atom_text(atom),
                list_atoms(allowed)
            ));
        }
        match &*atom {
            Atom::Integer(i) => check_range(*i, self.min_integer, self.max_integer),
            Atom::Real(r) => check_range(*r, self.min_real, self.max_real),
            Atom::String(s) if self.min_length.is_some() || self.max_length.is_some() => {
                let n = u64::try_from(s.chars().count()).unwrap_or(u64::MAX);
                match (self.min_length, self.max_length) {
                    (Some(min), _) if n < min => Err(format!(
                        "{} length {n} is less than minimum allowed length {min}",
                        quoted(s)
                    )),
                    (_, Some(max)) if n > max => Err(format!(
                        "{} length {n} is greater than maximum allowed length {max}",
                        quoted(s)
                    )),
                    _ => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }
}

impl Serialize for BaseType {
    /// Serializes the base type as in an `.ovsschema`: the bare atomic type name when it has no
    /// constraints, otherwise an object.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if !self.has_constraints() {
            return s.serialize_str(self.atom.as_str());
        }
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("type", self.atom.as_str())?;
        if let Some(e) = &self.enum_ {
            map.serialize_entry("enum", &EnumJson(e))?;
        }
        match self.atom {
            AtomType::Integer => {
                if let Some(v) = self.min_integer {
                    map.serialize_entry("minInteger", &v)?;
                }
                if let Some(v) = self.max_integer {
                    map.serialize_entry("maxInteger", &v)?;
                }
            }
            AtomType::Real => {
                if let Some(v) = self.min_real {
                    map.serialize_entry("minReal", &Atom::Real(v))?;
                }
                if let Some(v) = self.max_real {
                    map.serialize_entry("maxReal", &Atom::Real(v))?;
                }
            }
            AtomType::Boolean => {}
            AtomType::String => {
                if let Some(v) = self.min_length {
                    map.serialize_entry("minLength", &v)?;
                }
                if let Some(v) = self.max_length {
                    map.serialize_entry("maxLength", &v)?;
                }
            }
            AtomType::Uuid => {
                if let Some(t) = &self.ref_table {
                    map.serialize_entry("refTable", t)?;
                    if self.ref_type == RefType::Weak {
                        map.serialize_entry("refType", "weak")?;
                    }
                }
            }
        }
        map.end()
    }
}

/// An enum as OVS writes it: a bare atom for one value, otherwise `["set",[...]]`.
struct EnumJson<'a>(&'a [Atom]);

impl Serialize for EnumJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let [only] = self.0 {
            return only.serialize(s);
        }
        let mut seq = s.serialize_seq(Some(2))?;
        seq.serialize_element("set")?;
        seq.serialize_element(self.0)?;
        seq.end()
    }
}

/// Converts an integer to a real for a real type, makes a real -0.0 into 0.0, and checks the
/// atom's type.
///
/// OVS compares reals with `==`, so a set holding both zeros has a duplicate, and -0.0 goes on
/// the wire as `-0.0`, which decodes (here as in OVS) as the integer 0: without the conversion
/// a datum that passed the check would not survive a round trip.
fn coerce(ty: AtomType, atom: &mut Atom) -> Result<(), String> {
    if ty == AtomType::Real
        && let Atom::Integer(i) = *atom
    {
        *atom = Atom::Real(i as f64);
        return Ok(());
    }
    if let Atom::Real(r) = atom
        && *r == 0.0
    {
        *r = 0.0;
    }
    if atom.atom_type() == ty {
        Ok(())
    } else {
        Err(format!(
            "expected {ty}, found {} {}",
            atom.atom_type(),
            atom_text(atom)
        ))
    }
}

/// Atom equality as OVS compares atoms (reals with `==`, so 0.0 equals -0.0).
fn same_atom(a: &Atom, b: &Atom) -> bool {
    match (a, b) {
        (Atom::Real(x), Atom::Real(y)) => x == y,
        _ => a == b,
    }
}

trait Bound: Copy + PartialOrd + fmt::Display {}
impl Bound for i64 {}
impl Bound for f64 {}

/// Checks `v` against optional inclusive bounds, with OVS's wording.
fn check_range<T: Bound>(v: T, min: Option<T>, max: Option<T>) -> Result<(), String> {
    let above_min = min.is_none_or(|m| v >= m);
    let below_max = max.is_none_or(|m| v <= m);
    if above_min && below_max {
        return Ok(());
    }
    Err(match (min, max) {
        (Some(lo), Some(hi)) => format!("{v} is not in the valid range {lo} to {hi} (inclusive)"),
        (Some(lo), None) => format!("{v} is less than minimum allowed value {lo}"),
        (None, Some(hi)) => format!("{v} is greater than maximum allowed value {hi}"),
        (None, None) => format!("{v} is out of range"),
    })
}

/// A string for error messages: quoted, escaped, and cut short when long.
fn quoted(s: &str) -> String {
    const LIMIT: usize = 64;
    match s.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{:?}...", &s[..cut]),
        None => format!("{s:?}"),
    }
}

/// An atom for error messages. Does not go through JSON, so it cannot fail on a NaN.
fn atom_text(atom: &Atom) -> String {
    match atom {
        Atom::Integer(i) => i.to_string(),
        Atom::Real(r) => r.to_string(),
        Atom::Boolean(b) => b.to_string(),
        Atom::String(s) => quoted(s),
        Atom::Uuid(u) => u.to_string(),
        Atom::NamedUuid(n) => format!("named-uuid {}", quoted(n)),
    }
}

fn list_atoms(atoms: &[Atom]) -> String {
    const LIMIT: usize = 16;
    let mut out: Vec<String> = atoms.iter().take(LIMIT).map(atom_text).collect();
    if atoms.len() > LIMIT {
        out.push(format!("and {} more", atoms.len() - LIMIT));
    }
    out.join(", ")
}

/// Whether `s` is an OVSDB id: a letter or `_`, then letters, digits and `_`.
fn is_id(s: &str) -> bool {
    let mut bytes = s.bytes();
    matches!(bytes.next(), Some(c) if c.is_ascii_alphabetic() || c == b'_')
        && bytes.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// Checks `datum` against the type of `table`.`column` of `schema` (see [`ColumnType::check`]),
/// coercing it as that does. Errors name the table and column.
pub fn check_datum(
    schema: &DatabaseSchema,
    table: &str,
    column: &str,
    datum: &mut Datum,
) -> Result<()> {
    schema
        .table(table)?
        .column(column)?
        .ty
        .check(datum)
        .map_err(|m| Error::schema(Some(table), Some(column), m))
}

// ---------------------------------------------------------------------------------------------
// Parsing: the JSON shape, decoded straight from the text
// ---------------------------------------------------------------------------------------------

/// Where the decoder is, so that shape errors from [`DatabaseSchema::from_slice`] can name the
/// table and column. Set by the tables and columns visitors; per thread, since a decode runs on
/// one thread from start to end.
mod context {
    use std::cell::Cell;

    thread_local! {
        static TABLE: Cell<Option<String>> = const { Cell::new(None) };
        static COLUMN: Cell<Option<String>> = const { Cell::new(None) };
    }

    pub(super) fn set_table(name: Option<String>) {
        TABLE.with(|t| t.set(name));
        COLUMN.with(|c| c.set(None));
    }

    pub(super) fn set_column(name: Option<String>) {
        COLUMN.with(|c| c.set(name));
    }

    pub(super) fn clear() {
        set_table(None);
    }

    pub(super) fn take() -> (Option<String>, Option<String>) {
        (TABLE.with(Cell::take), COLUMN.with(Cell::take))
    }
}

/// Deserializes an optional member that, when present, must not be `null`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchema {
    name: String,
    #[serde(default, deserialize_with = "present")]
    version: Option<String>,
    #[serde(default, deserialize_with = "present")]
    cksum: Option<String>,
    tables: RawTables,
}

struct RawTables(BTreeMap<String, RawTable>);

impl<'de> Deserialize<'de> for RawTables {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RawTables, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawTables;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of table schemas")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawTables, A::Error> {
                let mut tables = BTreeMap::new();
                while let Some(name) = map.next_key::<String>()? {
                    context::set_table(Some(name.clone()));
                    let table: RawTable = map.next_value()?;
                    // A repeated name replaces the earlier table, as in OVS's JSON parser.
                    tables.insert(name, table);
                }
                context::set_table(None);
                Ok(RawTables(tables))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    columns: RawColumns,
    #[serde(default, deserialize_with = "present")]
    mutable: Option<bool>,
    #[serde(rename = "maxRows", default, deserialize_with = "present")]
    max_rows: Option<i64>,
    #[serde(rename = "isRoot", default, deserialize_with = "present")]
    is_root: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    indexes: Option<Vec<Vec<String>>>,
}

struct RawColumns(BTreeMap<String, RawColumn>);

impl<'de> Deserialize<'de> for RawColumns {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RawColumns, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawColumns;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of column schemas")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawColumns, A::Error> {
                let mut columns = BTreeMap::new();
                while let Some(name) = map.next_key::<String>()? {
                    context::set_column(Some(name.clone()));
                    let column: RawColumn = map.next_value()?;
                    columns.insert(name, column);
                }
                context::set_column(None);
                Ok(RawColumns(columns))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawColumn {
    #[serde(rename = "type")]
    ty: RawType,
    #[serde(default, deserialize_with = "present")]
    ephemeral: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    mutable: Option<bool>,
}

/// A type: a bare atomic type name or an object.
enum RawType {
    Name(String),
    Object(RawTypeObject),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTypeObject {
    key: RawBase,
    #[serde(default, deserialize_with = "present")]
    value: Option<RawBase>,
    #[serde(default, deserialize_with = "present")]
    min: Option<i64>,
    #[serde(default, deserialize_with = "present")]
    max: Option<RawMax>,
}

/// A base type: a bare atomic type name or an object.
enum RawBase {
    Name(String),
    Object(Box<RawBaseObject>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBaseObject {
    #[serde(rename = "type")]
    ty: String,
    #[serde(rename = "enum", default, deserialize_with = "present")]
    enum_: Option<Datum>,
    #[serde(rename = "minInteger", default, deserialize_with = "present")]
    min_integer: Option<i64>,
    #[serde(rename = "maxInteger", default, deserialize_with = "present")]
    max_integer: Option<i64>,
    #[serde(rename = "minReal", default, deserialize_with = "present")]
    min_real: Option<f64>,
    #[serde(rename = "maxReal", default, deserialize_with = "present")]
    max_real: Option<f64>,
    #[serde(rename = "minLength", default, deserialize_with = "present")]
    min_length: Option<i64>,
    #[serde(rename = "maxLength", default, deserialize_with = "present")]
    max_length: Option<i64>,
    #[serde(rename = "refTable", default, deserialize_with = "present")]
    ref_table: Option<String>,
    #[serde(rename = "refType", default, deserialize_with = "present")]
    ref_type: Option<String>,
}

/// `max`: an integer or `"unlimited"`.
enum RawMax {
    Count(i64),
    Unlimited,
}

/// Visits a bare name or an object decoded as `T`.
struct NameOrObject<T>(std::marker::PhantomData<T>, &'static str);

enum NameOr<T> {
    Name(String),
    Object(T),
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for NameOrObject<T> {
    type Value = NameOr<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.1)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<NameOr<T>, E> {
        Ok(NameOr::Name(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<NameOr<T>, E> {
        Ok(NameOr::Name(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<NameOr<T>, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(NameOr::Object)
    }
}

impl<'de> Deserialize<'de> for RawType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RawType, D::Error> {
        let v = NameOrObject::<RawTypeObject>(
            std::marker::PhantomData,
            "an atomic type name or a type object",
        );
        Ok(match d.deserialize_any(v)? {
            NameOr::Name(n) => RawType::Name(n),
            NameOr::Object(o) => RawType::Object(o),
        })
    }
}

impl<'de> Deserialize<'de> for RawBase {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RawBase, D::Error> {
        let v = NameOrObject::<RawBaseObject>(
            std::marker::PhantomData,
            "an atomic type name or a base type object",
        );
        Ok(match d.deserialize_any(v)? {
            NameOr::Name(n) => RawBase::Name(n),
            NameOr::Object(o) => RawBase::Object(Box::new(o)),
        })
    }
}

impl<'de> Deserialize<'de> for RawMax {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RawMax, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = RawMax;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or \"unlimited\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawMax, E> {
                Ok(RawMax::Count(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawMax, E> {
                // Anything past i64 is out of range anyway; keep it out of range.
                Ok(RawMax::Count(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawMax, E> {
                if v == "unlimited" {
                    Ok(RawMax::Unlimited)
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
        }
        d.deserialize_any(V)
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing: validation, with the table and column at hand
// ---------------------------------------------------------------------------------------------

impl RawSchema {
    fn build(self) -> Result<DatabaseSchema> {
        if !is_id(&self.name) {
            return Err(Error::schema(
                None,
                None,
                format!("database name {} is not a valid id", quoted(&self.name)),
            ));
        }
        let version = match self.version {
            Some(v) if parse_version(&v).is_none() => {
                return Err(Error::schema(
                    None,
                    None,
                    format!("schema version {} is not in the form x.y.z", quoted(&v)),
                ));
            }
            Some(v) => v,
            None => String::new(),
        };

        let mut tables = BTreeMap::new();
        for (name, raw) in self.tables.0 {
            let table = raw.build(&name)?;
            tables.insert(name, table);
        }

        // Schemas from before "isRoot" existed have no root set: every table is a root.
        if tables.values().all(|t: &TableSchema| !t.is_root) {
            for t in tables.values_mut() {
                t.is_root = true;
            }
        }

        // References must name existing tables; a strong reference to a non-root table cannot
        // be ephemeral (replaying the log would garbage-collect the referenced row).
        let roots: BTreeMap<String, bool> =
            tables.iter().map(|(n, t)| (n.clone(), t.is_root)).collect();
        for table in tables.values_mut() {
            for column in table.columns.values_mut() {
                let bases = [
                    ("key", Some(&column.ty.key)),
                    ("value", column.ty.value.as_ref()),
                ];
                for (which, base) in bases {
                    let Some(BaseType {
                        ref_table: Some(target),
                        ref_type,
                        ..
                    }) = base
                    else {
                        continue;
                    };
                    match roots.get(target) {
                        None => {
                            return Err(Error::schema(
                                Some(&table.name),
                                Some(&column.name),
                                format!("{which} refers to undefined table {}", quoted(target)),
                            ));
                        }
                        Some(false) if *ref_type == RefType::Strong => column.ephemeral = false,
                        Some(_) => {}
                    }
                }
            }
        }

        Ok(DatabaseSchema {
            name: self.name,
            version,
            cksum: self.cksum,
            tables,
        })
    }
}

impl RawTable {
    fn build(self, name: &str) -> Result<TableSchema> {
        let err = |m: String| Error::schema(Some(name), None, m);
        if name.starts_with('_') {
            return Err(err("table names beginning with \"_\" are reserved".into()));
        }
        if !is_id(name) {
            return Err(err(format!(
                "table name {} is not a valid id",
                quoted(name)
            )));
        }
        let max_rows = match self.max_rows {
            Some(n) if n <= 0 => return Err(err(format!("maxRows is {n}; it must be at least 1"))),
            // OVS caps maxRows at UINT_MAX, which means no limit.
            Some(n) => u64::try_from(n).ok().filter(|&n| n < UINT_MAX),
            None => None,
        };
        if self.columns.0.is_empty() {
            return Err(err("table must have at least one column".into()));
        }

        let mut columns = BTreeMap::new();
        for (cname, raw) in self.columns.0 {
            let column = raw
                .build(&cname)
                .map_err(|m| Error::schema(Some(name), Some(&cname), m))?;
            columns.insert(cname, column);
        }

        let mut indexes = Vec::new();
        for (i, index) in self.indexes.unwrap_or_default().into_iter().enumerate() {
            let err = |m: String| err(format!("index {i}: {m}"));
            if index.is_empty() {
                return Err(err("an index must have at least one column".into()));
            }
            for (j, c) in index.iter().enumerate() {
                let ephemeral = match c.as_str() {
                    "_uuid" => false,
                    "_version" => true,
                    _ => match columns.get(c) {
                        Some(col) => col.ephemeral,
                        None => {
                            return Err(err(format!("{} is not a valid column name", quoted(c))));
                        }
                    },
                };
                if ephemeral {
                    return Err(err(format!(
                        "ephemeral columns (such as {c}) may not be indexed"
                    )));
                }
                if index[..j].contains(c) {
                    return Err(err(format!("column {c} appears twice")));
                }
            }
            indexes.push(index);
        }

        Ok(TableSchema {
            name: name.to_owned(),
            columns,
            max_rows,
            is_root: self.is_root.unwrap_or(false),
            mutable: self.mutable.unwrap_or(true),
            indexes,
        })
    }
}

impl RawColumn {
    fn build(self, name: &str) -> Result<ColumnSchema, String> {
        if name.starts_with('_') {
            return Err("column names beginning with \"_\" are reserved".into());
        }
        if !is_id(name) {
            return Err(format!("column name {} is not a valid id", quoted(name)));
        }
        let ty = self.ty.build()?;
        let weak = |b: Option<&BaseType>| {
            b.is_some_and(|b| b.ref_table.is_some() && b.ref_type == RefType::Weak)
        };
        // A weak reference must be able to change when its target is deleted.
        let has_weak = weak(Some(&ty.key)) || weak(ty.value.as_ref());
        Ok(ColumnSchema {
            name: name.to_owned(),
            ephemeral: self.ephemeral.unwrap_or(false),
            mutable: self.mutable.unwrap_or(true) || has_weak,
            ty,
        })
    }
}

impl RawType {
    fn build(self) -> Result<ColumnType, String> {
        let o = match self {
            RawType::Name(n) => return Ok(ColumnType::scalar(BaseType::new(atomic_type(&n)?))),
            RawType::Object(o) => o,
        };
        let key = o.key.build().map_err(|m| format!("key type: {m}"))?;
        let value = match o.value {
            Some(v) => Some(v.build().map_err(|m| format!("value type: {m}"))?),
            None => None,
        };
        let count = |what: &str, n: i64| -> Result<u64, String> {
            match u64::try_from(n) {
                Ok(n) if n < UINT_MAX => Ok(n),
                _ => Err(format!("{what} {n} is out of range 0 to {}", UINT_MAX - 1)),
            }
        };
        let min = match o.min {
            Some(n) => count("min", n)?,
            None => 1,
        };
        let max = match o.max {
            Some(RawMax::Count(n)) => Max::Limited(count("max", n)?),
            Some(RawMax::Unlimited) => Max::Unlimited,
            None => Max::Limited(1),
        };
        if min > 1 {
            return Err(format!("min is {min}; it must be 0 or 1"));
        }
        if max == Max::Limited(0) {
            return Err("max is 0; it must be at least 1".into());
        }
        Ok(ColumnType {
            key,
            value,
            min,
            max,
        })
    }
}

fn atomic_type(name: &str) -> Result<AtomType, String> {
    Ok(match name {
        "integer" => AtomType::Integer,
        "real" => AtomType::Real,
        "boolean" => AtomType::Boolean,
        "string" => AtomType::String,
        "uuid" => AtomType::Uuid,
        _ => {
            return Err(format!(
                "{} is not an atomic type (integer, real, boolean, string or uuid)",
                quoted(name)
            ));
        }
    })
}

impl RawBase {
    fn build(self) -> Result<BaseType, String> {
        let o = match self {
            RawBase::Name(n) => return Ok(BaseType::new(atomic_type(&n)?)),
            RawBase::Object(o) => *o,
        };
        let atom = atomic_type(&o.ty)?;
        let mut base = BaseType::new(atom);

        let members = [
            ("minInteger", o.min_integer.is_some(), AtomType::Integer),
            ("maxInteger", o.max_integer.is_some(), AtomType::Integer),
            ("minReal", o.min_real.is_some(), AtomType::Real),
            ("maxReal", o.max_real.is_some(), AtomType::Real),
            ("minLength", o.min_length.is_some(), AtomType::String),
            ("maxLength", o.max_length.is_some(), AtomType::String),
            ("refTable", o.ref_table.is_some(), AtomType::Uuid),
            ("refType", o.ref_type.is_some(), AtomType::Uuid),
        ];
        for (member, is_present, fits) in members {
            if !is_present {
                continue;
            }
            if o.enum_.is_some() {
                return Err(format!("{member} is not allowed together with enum"));
            }
            if fits != atom {
                return Err(format!("{member} is not allowed for type {atom}"));
            }
        }

        if let Some(e) = o.enum_ {
            base.enum_ = Some(enum_atoms(atom, e)?);
            return Ok(base);
        }

        match atom {
            AtomType::Integer => {
                base.min_integer = o.min_integer.filter(|&v| v != i64::MIN);
                base.max_integer = o.max_integer.filter(|&v| v != i64::MAX);
                if let (Some(lo), Some(hi)) = (o.min_integer, o.max_integer)
                    && lo > hi
                {
                    return Err(format!("minInteger {lo} exceeds maxInteger {hi}"));
                }
            }
            AtomType::Real => {
                base.min_real = o.min_real.filter(|&v| v != -f64::MAX);
                base.max_real = o.max_real.filter(|&v| v != f64::MAX);
                if let (Some(lo), Some(hi)) = (o.min_real, o.max_real)
                    && lo > hi
                {
                    return Err(format!("minReal {lo} exceeds maxReal {hi}"));
                }
            }
            AtomType::String => {
                let length = |what: &str, n: i64| -> Result<u64, String> {
                    match u64::try_from(n) {
                        Ok(n) if n <= UINT_MAX => Ok(n),
                        _ => Err(format!("{what} {n} is out of range 0 to {UINT_MAX}")),
                    }
                };
                let lo = o.min_length.map(|n| length("minLength", n)).transpose()?;
                let hi = o.max_length.map(|n| length("maxLength", n)).transpose()?;
                if let (Some(lo), Some(hi)) = (lo, hi)
                    && lo > hi
                {
                    return Err(format!("minLength {lo} exceeds maxLength {hi}"));
                }
                base.min_length = lo.filter(|&n| n != 0);
                base.max_length = hi.filter(|&n| n != UINT_MAX);
            }
            AtomType::Uuid => {
                if let Some(t) = o.ref_table {
                    if !is_id(&t) {
                        return Err(format!("refTable {} is not a valid id", quoted(&t)));
                    }
                    base.ref_table = Some(t);
                }
                match o.ref_type.as_deref() {
                    None | Some("strong") => {}
                    Some("weak") => base.ref_type = RefType::Weak,
                    Some(other) => {
                        return Err(format!(
                            "refType must be \"strong\" or \"weak\", not {}",
                            quoted(other)
                        ));
                    }
                }
                if base.ref_table.is_none() && o.ref_type.is_some() {
                    return Err("refType is allowed only together with refTable".into());
                }
            }
            AtomType::Boolean => {}
        }
        Ok(base)
    }
}

/// Checks an `enum` datum: a non-empty set of atoms of type `ty` (integers accepted for reals).
fn enum_atoms(ty: AtomType, datum: Datum) -> Result<Vec<Atom>, String> {
    let mut atoms = match datum {
        Datum::Set(atoms) => atoms,
        Datum::Map(_) => return Err("enum must be an atom or a set of atoms, not a map".into()),
    };
    if atoms.is_empty() {
        return Err("enum must have at least one value".into());
    }
    for atom in &mut atoms {
        if let Atom::NamedUuid(n) = atom {
            return Err(format!(
                "enum value named-uuid {} is not allowed",
                quoted(n)
            ));
        }
        coerce(ty, atom).map_err(|m| format!("enum value: {m}"))?;
        if let Atom::String(s) = atom
            && s.contains('\0')
        {
            return Err("enum value contains a NUL character".into());
        }
    }
    normalize_set(&mut atoms);
    Ok(atoms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NB: &str = "/usr/share/ovn/ovn-nb.ovsschema";
    const SB: &str = "/usr/share/ovn/ovn-sb.ovsschema";
    const VSWITCH: &str = "/usr/share/openvswitch/vswitch.ovsschema";

    fn load(path: &str) -> DatabaseSchema {
        let text = std::fs::read_to_string(path).unwrap();
        DatabaseSchema::from_json(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn col<'a>(s: &'a DatabaseSchema, t: &str, c: &str) -> &'a ColumnSchema {
        s.table(t).unwrap().column(c).unwrap()
    }

    fn strs(v: &[&str]) -> Vec<Atom> {
        v.iter().map(|s| Atom::string(*s)).collect()
    }

    #[test]
    fn debian_schemas_parse() {
        let nb = load(NB);
        assert_eq!(nb.name, "OVN_Northbound");
        assert!(nb.version_tuple() >= (7, 0, 0), "{}", nb.version);
        assert!(nb.cksum.is_some());

        let addresses = &col(&nb, "Logical_Switch_Port", "addresses").ty;
        assert_eq!(addresses.key, BaseType::new(AtomType::String));
        assert_eq!((addresses.min, addresses.max), (0, Max::Unlimited));
        assert!(addresses.is_set() && !addresses.is_map() && !addresses.is_scalar());

        let ports = &col(&nb, "Logical_Switch", "ports").ty;
        assert_eq!(ports.key.atom, AtomType::Uuid);
        assert_eq!(ports.key.ref_table.as_deref(), Some("Logical_Switch_Port"));
        assert_eq!(ports.key.ref_type, RefType::Strong);

        let direction = &col(&nb, "ACL", "direction").ty;
        assert!(direction.is_scalar());
        assert_eq!(
            direction.key.enum_.as_deref(),
            Some(&strs(&["from-lport", "to-lport"])[..])
        );
        let protocol = &col(&nb, "Load_Balancer", "protocol").ty;
        assert!(protocol.is_optional());
        assert_eq!(
            protocol.key.enum_.as_deref(),
            Some(&strs(&["sctp", "tcp", "udp"])[..])
        );
        let priority = &col(&nb, "ACL", "priority").ty;
        assert_eq!(
            (priority.key.min_integer, priority.key.max_integer),
            (Some(0), Some(32767))
        );
        assert_eq!(col(&nb, "ACL", "name").ty.key.max_length, Some(63));
        let ext = &col(&nb, "NB_Global", "external_ids").ty;
        assert!(ext.is_map());
        assert_eq!(ext.value, Some(BaseType::new(AtomType::String)));
        assert!(nb.table("NB_Global").unwrap().is_root);
        assert!(!nb.table("ACL").unwrap().is_root);
        assert!(col(&nb, "Connection", "status").ephemeral);

        let sb = load(SB);
        assert_eq!(sb.name, "OVN_Southbound");
        assert!(sb.version_tuple() >= (20, 0, 0));
        assert!(sb.table("Chassis").unwrap().columns.contains_key("encaps"));

        let vs = load(VSWITCH);
        assert_eq!(vs.name, "Open_vSwitch");
        assert!(vs.version_tuple() >= (8, 0, 0));
        let ovs = vs.table("Open_vSwitch").unwrap();
        assert_eq!(ovs.max_rows, Some(1));
        assert!(ovs.is_root);
        let bridge = vs.table("Bridge").unwrap();
        assert!(!bridge.is_root);
        assert_eq!(bridge.indexes, vec![vec!["name".to_owned()]]);
        let dp_type = &bridge.column("datapath_type").unwrap().ty;
        assert!(dp_type.is_scalar());
        assert_eq!(dp_type.key, BaseType::new(AtomType::String));
        assert!(bridge.column("datapath_id").unwrap().ephemeral);
        assert!(!bridge.column("name").unwrap().mutable);
        assert!(bridge.column("ports").unwrap().mutable);

        for s in [&nb, &sb, &vs] {
            for t in s.tables.values() {
                let u = t.column("_uuid").unwrap();
                assert_eq!(u.ty, ColumnType::scalar(BaseType::new(AtomType::Uuid)));
                assert!(!u.mutable);
                assert!(t.column("_version").unwrap().ephemeral);
                assert!(t.columns.values().all(|c| !c.name.starts_with('_')));
            }
        }
    }

    #[test]
    fn round_trip() {
        for path in [NB, SB, VSWITCH] {
            let schema = load(path);
            let text = schema.to_json().unwrap();
            let back = DatabaseSchema::from_json(&text).unwrap();
            assert_eq!(back, schema, "{path}");
            // Through serde as a get_schema reply would be decoded.
            let value = serde_json::to_value(&schema).unwrap();
            let back: DatabaseSchema = serde_json::from_value(value).unwrap();
            assert_eq!(back, schema, "{path}");
            // Serialization is a fixed point.
            assert_eq!(back.to_json().unwrap(), text);
        }
    }

    #[test]
    fn serialized_forms() {
        let vs = load(VSWITCH);
        let bridge = serde_json::to_value(vs.table("Bridge").unwrap()).unwrap();
        assert_eq!(bridge["columns"]["datapath_type"]["type"], "string");
        assert_eq!(bridge["columns"]["name"]["mutable"], false);
        assert_eq!(bridge["columns"]["datapath_id"]["ephemeral"], true);
        assert_eq!(bridge["indexes"], serde_json::json!([["name"]]));
        let nb = load(NB);
        let ty = serde_json::to_value(&col(&nb, "ACL", "direction").ty).unwrap();
        assert_eq!(
            ty,
            serde_json::json!({"key": {"type": "string", "enum": ["set", ["from-lport", "to-lport"]]}})
        );
        let ty = serde_json::to_value(&col(&nb, "Logical_Switch_Port", "addresses").ty).unwrap();
        assert_eq!(
            ty,
            serde_json::json!({"key": "string", "min": 0, "max": "unlimited"})
        );
    }

    /// A small schema exercising every kind of constraint.
    const TEST_SCHEMA: &str = r#"{
        "name": "Test", "version": "1.2.3",
        "tables": {
            "T": {
                "columns": {
                    "i": {"type": {"key": {"type": "integer", "minInteger": 1, "maxInteger": 10}}},
                    "r": {"type": {"key": {"type": "real", "minReal": -1.5, "maxReal": 100}, "min": 0, "max": "unlimited"}},
                    "rr": {"type": {"key": "real", "value": "real", "min": 0, "max": 2}},
                    "b": {"type": "boolean"},
                    "s": {"type": {"key": {"type": "string", "minLength": 2, "maxLength": 3}, "min": 0, "max": 1}},
                    "e": {"type": {"key": {"type": "string", "enum": ["set", ["tcp", "udp"]]}}},
                    "ie": {"type": {"key": {"type": "integer", "enum": 7}, "min": 0, "max": 1}},
                    "u": {"type": {"key": {"type": "uuid", "refTable": "U"}, "min": 0, "max": "unlimited"}},
                    "w": {"type": {"key": {"type": "uuid", "refTable": "U", "refType": "weak"}}, "mutable": false},
                    "m": {"type": {"key": "string", "value": "integer", "min": 0, "max": "unlimited"}}
                },
                "isRoot": true,
                "indexes": [["i", "b"]]
            },
            "U": {"columns": {"x": {"type": "integer"}}, "maxRows": 5}
        }
    }"#;

    fn test_schema() -> DatabaseSchema {
        DatabaseSchema::from_json(TEST_SCHEMA).unwrap()
    }

    fn check(s: &DatabaseSchema, column: &str, mut d: Datum) -> Result<Datum> {
        check_datum(s, "T", column, &mut d).map(|()| d)
    }

    #[test]
    fn test_schema_details() {
        let s = test_schema();
        assert_eq!(s.version_tuple(), (1, 2, 3));
        assert!(s.table("T").unwrap().is_root);
        assert!(!s.table("U").unwrap().is_root);
        assert_eq!(s.table("U").unwrap().max_rows, Some(5));
        let w = col(&s, "T", "w");
        assert_eq!(w.ty.key.ref_type, RefType::Weak);
        assert!(w.mutable, "weak references are forced mutable");
        assert_eq!(
            col(&s, "T", "ie").ty.key.enum_,
            Some(vec![Atom::Integer(7)])
        );
        assert_eq!(col(&s, "T", "r").ty.key.max_real, Some(100.0));
        let back = DatabaseSchema::from_json(&s.to_json().unwrap()).unwrap();
        assert_eq!(back, s);
        let err = s.table("Nope").unwrap_err().to_string();
        assert!(err.contains("Nope"), "{err}");
        let err = s.table("T").unwrap().column("zz").unwrap_err().to_string();
        assert!(err.contains("T.zz"), "{err}");
    }

    #[test]
    fn check_accepts_good_data() {
        let s = test_schema();
        let u: Uuid = "550e8400-e29b-41d4-a716-446655440000".parse().unwrap();
        assert_eq!(
            check(&s, "i", Datum::scalar(5i64)).unwrap(),
            Datum::scalar(5i64)
        );
        assert!(check(&s, "b", Datum::scalar(true)).is_ok());
        assert!(check(&s, "s", Datum::empty()).is_ok());
        assert!(
            check(&s, "s", Datum::scalar("héé")).is_ok(),
            "3 characters, 5 bytes"
        );
        assert!(check(&s, "e", Datum::scalar("udp")).is_ok());
        assert!(check(&s, "ie", Datum::scalar(7i64)).is_ok());
        assert!(check(&s, "u", Datum::set([u])).is_ok());
        assert!(check(&s, "u", Datum::scalar(Atom::named_uuid("row_1"))).is_ok());
        assert!(check(&s, "w", Datum::scalar(u)).is_ok());
        assert!(check(&s, "m", Datum::map([("a", 1i64), ("b", 2)])).is_ok());
        assert!(check(&s, "_uuid", Datum::scalar(u)).is_ok());
        assert!(check(&s, "_version", Datum::scalar(u)).is_ok());
    }

    #[test]
    fn integer_to_real() {
        let s = test_schema();
        let d = check(
            &s,
            "r",
            Datum::set([Atom::Integer(3), Atom::Real(2.5), Atom::Integer(-1)]),
        )
        .unwrap();
        assert_eq!(
            d,
            Datum::Set(vec![Atom::Real(-1.0), Atom::Real(2.5), Atom::Real(3.0)])
        );
        // Decoded from the wire, where 2.0 arrives as an integer.
        let wire: Datum = serde_json::from_str(r#"["map",[[2.0,1],[0.5,3]]]"#).unwrap();
        let d = check(&s, "rr", wire).unwrap();
        assert_eq!(
            d,
            Datum::Map(vec![
                (Atom::Real(0.5), Atom::Real(3.0)),
                (Atom::Real(2.0), Atom::Real(1.0))
            ])
        );
    }

    #[test]
    fn negative_zero_is_zero() {
        let s = test_schema();
        let d = check(&s, "r", Datum::set([Atom::Real(-0.0), Atom::Real(0.0)])).unwrap();
        assert_eq!(d, Datum::Set(vec![Atom::Real(0.0)]));
        assert!(matches!(d.as_scalar(), Some(Atom::Real(r)) if r.is_sign_positive()));
        let d = check(&s, "rr", Datum::map([(Atom::Real(-0.0), Atom::Real(-0.0))])).unwrap();
        assert_eq!(d, Datum::map([(Atom::Real(0.0), Atom::Real(0.0))]));
        // A checked datum encodes and decodes back to itself, as the datum fuzzer requires.
        for (column, datum) in [
            ("r", Datum::scalar(Atom::Real(-0.0))),
            ("rr", Datum::map([(Atom::Real(-0.0), Atom::Real(1.5))])),
        ] {
            let checked = check(&s, column, datum).unwrap();
            let text = serde_json::to_string(&checked).unwrap();
            let back = check(&s, column, serde_json::from_str(&text).unwrap()).unwrap();
            assert_eq!(back, checked, "{text}");
        }
    }

    #[test]
    fn empty_set_becomes_map() {
        let s = test_schema();
        assert_eq!(check(&s, "m", Datum::empty()).unwrap(), Datum::empty_map());
        assert_eq!(check(&s, "rr", Datum::empty()).unwrap(), Datum::empty_map());
    }

    #[test]
    fn check_rejects_bad_data() {
        let s = test_schema();
        let u: Uuid = "550e8400-e29b-41d4-a716-446655440000".parse().unwrap();
        let cases: Vec<(&str, Datum, &str)> = vec![
            ("i", Datum::empty(), "found 0"),
            ("i", Datum::set([1i64, 2]), "found 2"),
            ("i", Datum::scalar(0i64), "range 1 to 10"),
            ("i", Datum::scalar(11i64), "range 1 to 10"),
            ("i", Datum::scalar("5"), "expected integer, found string"),
            ("i", Datum::scalar(5.5), "expected integer, found real"),
            ("r", Datum::scalar(-2i64), "range -1.5 to 100"),
            ("r", Datum::scalar(f64::NAN), "finite"),
            ("r", Datum::scalar(f64::INFINITY), "finite"),
            ("b", Datum::scalar(1i64), "expected boolean"),
            (
                "s",
                Datum::scalar("a"),
                "less than minimum allowed length 2",
            ),
            (
                "s",
                Datum::scalar("abcd"),
                "greater than maximum allowed length 3",
            ),
            ("s", Datum::scalar("a\0b"), "NUL"),
            ("s", Datum::set(["ab", "abc"]), "found 2"),
            ("e", Datum::scalar("ftp"), "not one of the allowed values"),
            (
                "ie",
                Datum::scalar(8i64),
                "not one of the allowed values (7)",
            ),
            ("u", Datum::scalar("x"), "expected uuid"),
            (
                "u",
                Datum::scalar(Atom::named_uuid("1bad")),
                "not a valid id",
            ),
            ("w", Datum::empty(), "found 0"),
            ("m", Datum::set(["a"]), "found a set"),
            ("m", Datum::map([(1i64, 1i64)]), "map key: expected string"),
            ("m", Datum::map([("a", "b")]), "map value: expected integer"),
            ("rr", Datum::map([(1i64, 1i64), (2, 2), (3, 3)]), "found 3"),
            ("b", Datum::map([(true, true)]), "found a map"),
            ("u", Datum::empty_map(), "found a map"),
            ("_uuid", Datum::scalar("x"), "expected uuid"),
            ("_version", Datum::empty(), "found 0"),
        ];
        for (column, datum, want) in cases {
            let shown = format!("{datum:?}");
            let err = check(&s, column, datum).expect_err(&shown).to_string();
            assert!(err.contains(&format!("T.{column}")), "{err}");
            assert!(err.contains(want), "{column} {shown}: {err}");
        }
        let err = check(&s, "nope", Datum::scalar(u)).unwrap_err().to_string();
        assert!(
            err.contains("T.nope") && err.contains("no such column"),
            "{err}"
        );
        let mut d = Datum::empty();
        let err = check_datum(&s, "Nope", "x", &mut d)
            .unwrap_err()
            .to_string();
        assert!(err.contains("Nope"), "{err}");
    }

    #[test]
    fn check_row_checks_every_column() {
        let s = test_schema();
        let t = s.table("T").unwrap();
        let mut row = Row::new()
            .with("i", 3i64)
            .with("r", Datum::set([1i64, 2]))
            .with("m", Datum::empty());
        t.check_row(&mut row).unwrap();
        assert_eq!(
            row.get("r"),
            Some(&Datum::Set(vec![Atom::Real(1.0), Atom::Real(2.0)]))
        );
        assert_eq!(row.get("m"), Some(&Datum::empty_map()));

        let mut row = Row::new().with("i", 3i64).with("s", "x");
        let err = t.check_row(&mut row).unwrap_err();
        match &err {
            Error::Schema { table, column, .. } => {
                assert_eq!(table.as_deref(), Some("T"));
                assert_eq!(column.as_deref(), Some("s"));
            }
            other => panic!("{other:?}"),
        }
        let mut row = Row::new().with("bogus", 1i64);
        assert!(
            t.check_row(&mut row)
                .unwrap_err()
                .to_string()
                .contains("T.bogus")
        );
    }

    #[test]
    fn default_datums() {
        let s = test_schema();
        for (c, want) in [
            ("i", Datum::scalar(0i64)),
            ("b", Datum::scalar(false)),
            ("s", Datum::empty()),
            ("m", Datum::empty_map()),
            ("w", Datum::scalar(Uuid::ZERO)),
            ("r", Datum::empty()),
        ] {
            let ty = &col(&s, "T", c).ty;
            assert_eq!(ty.default_datum(), want, "{c}");
            assert!(ty.is_default(&want), "{c}");
        }
        let map1 = ColumnType {
            key: BaseType::new(AtomType::String),
            value: Some(BaseType::new(AtomType::Real)),
            min: 1,
            max: Max::Unlimited,
        };
        assert_eq!(
            map1.default_datum(),
            Datum::Map(vec![(Atom::string(""), Atom::Real(0.0))])
        );
        assert!(map1.is_default(&map1.default_datum()));
        // Not defaults: other values, other types, other shapes.
        for (c, d) in [
            ("i", Datum::scalar(1i64)),
            ("i", Datum::scalar("")),
            ("b", Datum::scalar(true)),
            ("s", Datum::set(["x"])),
            ("m", Datum::map([("a", "b")])),
            ("w", Datum::scalar(Uuid(1))),
            ("w", Datum::scalar(Atom::named_uuid("x"))),
        ] {
            assert!(!col(&s, "T", c).ty.is_default(&d), "{c} {d}");
        }
        assert!(!map1.is_default(&Datum::Map(vec![(Atom::string(""), Atom::Real(1.0))])));
        assert!(!map1.is_default(&Datum::scalar("")));
    }

    fn schema_with_type(ty: &str) -> Result<DatabaseSchema> {
        DatabaseSchema::from_json(&format!(
            r#"{{"name":"D","version":"1.0.0","tables":{{"T":{{"columns":{{"c":{{"type":{ty}}}}}}}}}}}"#
        ))
    }

    #[test]
    fn rejects_bad_types() {
        let cases = [
            (r#""int""#, "not an atomic type"),
            (r#"5"#, "atomic type name or a type object"),
            (r#"{"key":"string","min":2,"max":3}"#, "min is 2"),
            (r#"{"key":"string","min":0,"max":0}"#, "max is 0"),
            (r#"{"key":"string","min":-1}"#, "min -1 is out of range"),
            (
                r#"{"key":"string","max":4294967295}"#,
                "max 4294967295 is out of range",
            ),
            (r#"{"key":"string","max":"lots"}"#, "unlimited"),
            (r#"{"key":"string","max":1.5}"#, "unlimited"),
            (r#"{"key":"string","min":1.0}"#, "invalid type"),
            (r#"{"key":"string","extra":1}"#, "unknown field `extra`"),
            (r#"{"value":"string"}"#, "missing field `key`"),
            (r#"{"key":{"type":"bogus"}}"#, "key type"),
            (r#"{"key":"string","value":"bogus"}"#, "value type"),
            (
                r#"{"key":{"type":"integer","minInteger":5,"maxInteger":4}}"#,
                "exceeds",
            ),
            (
                r#"{"key":{"type":"real","minReal":5,"maxReal":4.5}}"#,
                "exceeds",
            ),
            (
                r#"{"key":{"type":"string","minLength":5,"maxLength":4}}"#,
                "exceeds",
            ),
            (
                r#"{"key":{"type":"string","maxLength":-1}}"#,
                "out of range",
            ),
            (
                r#"{"key":{"type":"string","maxLength":4294967296}}"#,
                "out of range",
            ),
            (
                r#"{"key":{"type":"string","minInteger":1}}"#,
                "not allowed for type string",
            ),
            (
                r#"{"key":{"type":"integer","enum":1,"minInteger":1}}"#,
                "together with enum",
            ),
            (
                r#"{"key":{"type":"integer","enum":"x"}}"#,
                "enum value: expected integer",
            ),
            (
                r#"{"key":{"type":"integer","enum":["set",[]]}}"#,
                "at least one value",
            ),
            (
                r#"{"key":{"type":"integer","enum":["map",[[1,2]]]}}"#,
                "not a map",
            ),
            (
                r#"{"key":{"type":"uuid","enum":["named-uuid","x"]}}"#,
                "named-uuid",
            ),
            (
                r#"{"key":{"type":"uuid","refType":"weak"}}"#,
                "only together with refTable",
            ),
            (
                r#"{"key":{"type":"uuid","refTable":"T","refType":"soft"}}"#,
                "refType must be",
            ),
            (
                r#"{"key":{"type":"uuid","refTable":"Nope"}}"#,
                "undefined table",
            ),
            (
                r#"{"key":{"type":"uuid","refTable":"not an id"}}"#,
                "not a valid id",
            ),
            (r#"{"key":{"type":null}}"#, "invalid type: null"),
            (
                r#"{"key":{"type":"string","maxLength":null}}"#,
                "invalid type: null",
            ),
        ];
        for (ty, want) in cases {
            let err = schema_with_type(ty).expect_err(ty).to_string();
            assert!(err.contains(want), "{ty}: {err}");
            assert!(err.contains("T.c"), "{ty}: {err}");
        }
        // Accepted corner cases.
        for ty in [
            r#"{"key":{"type":"real","enum":["set",[1,2.5]]}}"#,
            r#"{"key":"string","min":0,"max":4294967294}"#,
            r#"{"key":{"type":"integer","minInteger":-9223372036854775808}}"#,
            r#"{"key":{"type":"boolean","enum":true}}"#,
        ] {
            schema_with_type(ty).unwrap_or_else(|e| panic!("{ty}: {e}"));
        }
        let s = schema_with_type(r#"{"key":{"type":"real","enum":["set",[2,1.5]]}}"#).unwrap();
        assert_eq!(
            col(&s, "T", "c").ty.key.enum_,
            Some(vec![Atom::Real(1.5), Atom::Real(2.0)])
        );
        // Limits equal to the type's own are no constraint at all.
        let s =
            schema_with_type(r#"{"key":{"type":"string","minLength":0,"maxLength":4294967295}}"#)
                .unwrap();
        assert!(col(&s, "T", "c").ty.is_scalar());
        assert!(!col(&s, "T", "c").ty.key.has_constraints());
    }

    #[test]
    fn rejects_bad_schemas() {
        let cases = [
            (r#"{"name":"D","tables":{}}"#, None),
            (r#"{"name":"D","version":"1.2","tables":{}}"#, Some("x.y.z")),
            (
                r#"{"name":"D","version":"1.2.3.4","tables":{}}"#,
                Some("x.y.z"),
            ),
            (
                r#"{"name":"D","version":"1.a.3","tables":{}}"#,
                Some("x.y.z"),
            ),
            (
                r#"{"name":"D","version":"1.2.99999999999","tables":{}}"#,
                Some("x.y.z"),
            ),
            (r#"{"name":"1D","tables":{}}"#, Some("not a valid id")),
            (r#"{"name":"D"}"#, Some("missing field `tables`")),
            (
                r#"{"name":"D","tables":{},"extra":1}"#,
                Some("unknown field"),
            ),
            (
                r#"{"name":"D","tables":{"_T":{"columns":{"a":{"type":"integer"}}}}}"#,
                Some("reserved"),
            ),
            (
                r#"{"name":"D","tables":{"T-1":{"columns":{"a":{"type":"integer"}}}}}"#,
                Some("not a valid id"),
            ),
            (
                r#"{"name":"D","tables":{"T":{"columns":{}}}}"#,
                Some("at least one column"),
            ),
            (
                r#"{"name":"D","tables":{"T":{"columns":{"_a":{"type":"integer"}}}}}"#,
                Some("reserved"),
            ),
            (
                r#"{"name":"D","tables":{"T":{"columns":{"a b":{"type":"integer"}}}}}"#,
                Some("not a valid id"),
            ),
            (
                r#"{"name":"D","tables":{"T":{"columns":{"a":{"type":"integer"}},"maxRows":0}}}"#,
                Some("maxRows"),
            ),
            (
                r#"{"name":"D","tables":{"T":{"columns":{"a":{"type":"integer"}},"isRoot":1}}}"#,
                Some("invalid type"),
            ),
            (
                r#"{"name":"D","tables":{"T":{"columns":{"a":{"type":"integer"}},"indexes":[[]]}}}"#,
                Some("at least one column"),
            ),
            (
                r#"{"name":"D","tables":{"T":{"columns":{"a":{"type":"integer"}},"indexes":[["b"]]}}}"#,
                Some("not a valid column name"),
            ),
            (
                r#"{"name":"D","tables":{"T":{"columns":{"a":{"type":"integer"}},"indexes":[["a","a"]]}}}"#,
                Some("twice"),
            ),
            (
                r#"{"name":"D","tables":{"T":{"columns":{"a":{"type":"integer","ephemeral":true}},"indexes":[["a"]]}}}"#,
                Some("ephemeral"),
            ),
            (
                r#"{"name":"D","tables":{"T":{"columns":{"a":{"type":"integer"}},"indexes":[["_version"]]}}}"#,
                Some("ephemeral"),
            ),
            (
                r#"{"name":"D","tables":{"T":{"columns":{"a":{"type":"integer"}},"indexes":"a"}}}"#,
                Some("invalid type"),
            ),
            (
                r#"{"name":"D","tables":{"T":{"columns":{"a":{"type":"integer","color":"red"}}}}}"#,
                Some("unknown field"),
            ),
            (
                r#"{"name":"D","tables":{"T":{"columns":{"a":{"type":"integer","mutable":"no"}}}}}"#,
                Some("invalid type"),
            ),
            (r#"{"name":"D","tables":[]}"#, Some("invalid type")),
        ];
        for (text, want) in cases {
            let result = DatabaseSchema::from_json(text);
            match want {
                None => {
                    result.unwrap_or_else(|e| panic!("{text}: {e}"));
                }
                Some(want) => {
                    let err = result.expect_err(text).to_string();
                    assert!(err.contains(want), "{text}: {err}");
                    if text.contains(r#""T""#) {
                        assert!(err.contains(" T"), "{text}: {err}");
                    }
                }
            }
        }
        // Errors that concern a column name it, in the message and in the fields.
        let err = DatabaseSchema::from_json(
            r#"{"name":"D","tables":{"T":{"columns":{"a":{"type":"integer"},"b":{"type":{"key":[]}}}}}}"#,
        )
        .unwrap_err();
        match err {
            Error::Schema { table, column, .. } => {
                assert_eq!(table.as_deref(), Some("T"));
                assert_eq!(column.as_deref(), Some("b"));
            }
            other => panic!("{other:?}"),
        }
        // An error after the columns object names the table only.
        let err = DatabaseSchema::from_json(
            r#"{"name":"D","tables":{"T":{"columns":{"a":{"type":"integer"}},"maxRows":"x"}}}"#,
        )
        .unwrap_err();
        assert!(
            matches!(&err, Error::Schema { table: Some(t), column: None, .. } if t == "T"),
            "{err:?}"
        );
        // Malformed JSON is a decode error.
        assert!(matches!(
            DatabaseSchema::from_json(r#"{"name":"D","#),
            Err(Error::Decode { .. })
        ));
        // Through serde, a semantic error still names the table and column.
        let err = serde_json::from_str::<DatabaseSchema>(
            r#"{"name":"D","tables":{"T":{"columns":{"a":{"type":"int"}}}}}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("T.a"), "{err}");
    }

    #[test]
    fn root_set_rules() {
        let text = r#"{"name":"D","tables":{
            "A":{"columns":{"r":{"type":{"key":{"type":"uuid","refTable":"B"}},"ephemeral":true}}},
            "B":{"columns":{"x":{"type":"integer"}}}}}"#;
        let s = DatabaseSchema::from_json(text).unwrap();
        assert!(
            s.tables.values().all(|t| t.is_root),
            "no isRoot anywhere: all roots"
        );
        assert!(col(&s, "A", "r").ephemeral, "B is a root table");
        assert_eq!(s.version, "");
        assert_eq!(s.version_tuple(), (0, 0, 0));
        let json = s.to_json().unwrap();
        assert!(
            !json.contains("isRoot") && !json.contains("version"),
            "{json}"
        );
        assert_eq!(DatabaseSchema::from_json(&json).unwrap(), s);

        let s =
            DatabaseSchema::from_json(&text.replace(r#""A":{"#, r#""A":{"isRoot":true,"#)).unwrap();
        assert!(s.table("A").unwrap().is_root);
        assert!(!s.table("B").unwrap().is_root);
        assert!(
            !col(&s, "A", "r").ephemeral,
            "a strong reference to a non-root table is persistent"
        );
        assert_eq!(DatabaseSchema::from_json(&s.to_json().unwrap()).unwrap(), s);
    }

    #[test]
    fn weird_input_does_not_panic() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(DatabaseSchema::from_json(&deep).is_err());
        let deep_enum = format!(
            r#"{{"name":"D","tables":{{"T":{{"columns":{{"c":{{"type":{{"key":{{"type":"string","enum":{}1{}}}}}}}}}}}}}}}"#,
            "[".repeat(5000),
            "]".repeat(5000)
        );
        assert!(DatabaseSchema::from_json(&deep_enum).is_err());
        for text in [
            "",
            "null",
            "[]",
            "{}",
            "\"x\"",
            "1e999",
            r#"{"name":"D","tables":{"T":{"columns":{"c":{"type":{"key":"string","max":18446744073709551615}}}}}}"#,
            r#"{"name":"D","tables":{"T":{"columns":{"c":{"type":{"key":{"type":"real","minReal":1e999}}}}}}}"#,
            r#"{"name":"D","tables":{"T":{"columns":{"c":{"type":{"key":{"type":"integer","maxInteger":9223372036854775808}}}}}}}"#,
            r#"{"name":"D","tables":{"T":{"maxRows":-9223372036854775808,"columns":{"c":{"type":"integer"}}}}}"#,
        ] {
            assert!(DatabaseSchema::from_json(text).is_err(), "{text}");
        }
        assert!(DatabaseSchema::from_slice(b"\xff\xfe").is_err());
    }

    fn arb_atom() -> impl Strategy<Value = Atom> {
        prop_oneof![
            any::<i64>().prop_map(Atom::Integer),
            (-20i64..20).prop_map(Atom::Integer),
            any::<f64>().prop_map(Atom::Real),
            (-3.0f64..120.0).prop_map(Atom::Real),
            any::<bool>().prop_map(Atom::Boolean),
            ".{0,5}".prop_map(Atom::string),
            prop::sample::select(vec!["tcp", "udp", "ftp", ""]).prop_map(Atom::string),
            any::<u128>().prop_map(|u| Atom::Uuid(Uuid(u))),
            ".{0,4}".prop_map(Atom::NamedUuid),
        ]
    }

    /// Data as a caller might build them, including unsorted vectors with duplicates.
    fn arb_datum() -> impl Strategy<Value = Datum> {
        prop_oneof![
            prop::collection::vec(arb_atom(), 0..5).prop_map(Datum::Set),
            prop::collection::vec((arb_atom(), arb_atom()), 0..5).prop_map(Datum::Map),
        ]
    }

    fn is_sorted_set(d: &Datum) -> bool {
        match d {
            Datum::Set(s) => s.windows(2).all(|w| w[0] < w[1]),
            Datum::Map(m) => m.windows(2).all(|w| w[0].0 < w[1].0),
        }
    }

    proptest! {
        #[test]
        fn check_never_panics(d in arb_datum(), column in 0usize..12) {
            let s = test_schema();
            let t = s.table("T").unwrap();
            let names: Vec<&str> = t.columns.keys().map(String::as_str)
                .chain(["_uuid", "_version"]).collect();
            let ty = &t.column(names[column % names.len()]).unwrap().ty;
            let mut datum = d;
            if ty.check(&mut datum).is_ok() {
                prop_assert!(is_sorted_set(&datum));
                prop_assert_eq!(datum.is_map(), ty.is_map());
                let n = datum.len() as u64;
                prop_assert!(n >= ty.min && ty.max.allows(n));
                // Checking is idempotent.
                let before = datum.clone();
                prop_assert!(ty.check(&mut datum).is_ok());
                prop_assert_eq!(datum, before);
            }
        }

        #[test]
        fn parse_never_panics(cut in 0usize..2000, len in 0usize..40, junk in "[\\[\\]{}\",:0-9a-z ]{0,6}") {
            let text = TEST_SCHEMA;
            let start = cut.min(text.len());
            let end = (start + len).min(text.len());
            if text.is_char_boundary(start) && text.is_char_boundary(end) {
                let mangled = format!("{}{}{}", &text[..start], junk, &text[end..]);
                if let Ok(s) = DatabaseSchema::from_json(&mangled) {
                    let back = DatabaseSchema::from_json(&s.to_json().unwrap()).unwrap();
                    prop_assert_eq!(back, s);
                }
            }
        }
    }
}
