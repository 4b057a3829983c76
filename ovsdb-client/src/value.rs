//! OVSDB values: atoms, data (sets and maps) and rows, with their JSON encoding.
//!
//! RFC 7047 section 5.1 defines the wire forms:
//!
//! | value | JSON |
//! |---|---|
//! | integer, real, boolean, string | the JSON number, boolean or string |
//! | uuid | `["uuid","550e8400-e29b-41d4-a716-446655440000"]` |
//! | named-uuid (inside one transaction) | `["named-uuid","row0"]` |
//! | set | `["set",[atom,...]]`, or a bare atom for a one-element set |
//! | map | `["map",[[key,value],...]]` |
//!
//! A [`Datum`] is always a set or a map; a scalar column holds a set of one atom, exactly as in the
//! C implementation. Sets and maps are kept sorted and free of duplicates, so two data compare equal
//! exactly when OVSDB considers them equal.
//!
//! Decoding is done by serde visitors straight from the JSON text, with no intermediate
//! `serde_json::Value`. Without a schema, an integral number decodes as [`Atom::Integer`]; the
//! server sends integral reals such as `1` or `1e+20` that way, and [`crate::schema`] converts them
//! to [`Atom::Real`] where the column is a real.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

/// The string type of [`Atom::String`] (re-exported from the `compact_str` crate): up to 24
/// bytes inline, longer strings on the heap. Build one with `.into()` from `&str` or `String`.
pub use compact_str::CompactString;

/// A 128-bit OVSDB row UUID.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Uuid(pub u128);

impl Uuid {
    /// The all-zero UUID, which ovsdb-server uses as "no transaction id" on standalone databases.
    pub const ZERO: Uuid = Uuid(0);

    /// Builds a UUID from its 16 bytes, most significant first.
    pub const fn from_bytes(bytes: [u8; 16]) -> Uuid {
        Uuid(u128::from_be_bytes(bytes))
    }

    /// Returns the 16 bytes of this UUID, most significant first.
    pub const fn to_bytes(self) -> [u8; 16] {
        self.0.to_be_bytes()
    }
}

/// The error returned when a string is not a UUID in the `8-4-4-4-12` hexadecimal form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseUuidError(String);

impl fmt::Display for ParseUuidError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a UUID: {:?}", self.0)
    }
}

impl std::error::Error for ParseUuidError {}

impl FromStr for Uuid {
    type Err = ParseUuidError;

    fn from_str(s: &str) -> Result<Uuid, ParseUuidError> {
        let b = s.as_bytes();
        let err = || ParseUuidError(s.chars().take(64).collect());
        if b.len() != 36 || b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
            return Err(err());
        }
        // Each half of the value from its 16 digits; any non-digit sets a high bit in `bad`.
        let mut bad = 0u8;
        let mut half = |positions: &[usize; 16]| {
            let mut v = 0u64;
            for &i in positions {
                let d = HEX_DIGIT[usize::from(b[i])];
                bad |= d;
                v = (v << 4) | u64::from(d);
            }
            v
        };
        let hi = half(&[0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17]);
        let lo = half(&[
            19, 20, 21, 22, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,
        ]);
        if bad & 0xF0 != 0 {
            return Err(err());
        }
        Ok(Uuid((u128::from(hi) << 64) | u128::from(lo)))
    }
}

/// The value of each hexadecimal digit (either case); 0xFF for any other byte.
const HEX_DIGIT: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = [0u8; 36];
        self.write_hyphenated(&mut out);
        // The buffer holds only ASCII hex digits and hyphens.
        f.write_str(std::str::from_utf8(&out).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uuid({self})")
    }
}

impl Uuid {
    fn write_hyphenated(&self, out: &mut [u8; 36]) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut j = 0;
        for i in 0..32 {
            if matches!(i, 8 | 12 | 16 | 20) {
                out[j] = b'-';
                j += 1;
            }
            let nibble = (self.0 >> (124 - 4 * i)) & 0xf;
            out[j] = HEX[nibble as usize];
            j += 1;
        }
    }
}

/// The type of an atom, as named in the schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AtomType {
    /// A 64-bit signed integer.
    Integer,
    /// An IEEE 754 double.
    Real,
    /// `true` or `false`.
    Boolean,
    /// A UTF-8 string.
    String,
    /// A row UUID.
    Uuid,
}

impl AtomType {
    /// The name used in `.ovsschema` files: `integer`, `real`, `boolean`, `string` or `uuid`.
    pub fn as_str(self) -> &'static str {
        match self {
            AtomType::Integer => "integer",
            AtomType::Real => "real",
            AtomType::Boolean => "boolean",
            AtomType::String => "string",
            AtomType::Uuid => "uuid",
        }
    }
}

impl fmt::Display for AtomType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One OVSDB atom.
///
/// Atoms are totally ordered (reals by IEEE total order) so that sets and maps can be kept
/// sorted. Atoms of different types order by type; a set never mixes types in practice.
#[derive(Clone, Debug)]
pub enum Atom {
    /// An integer.
    Integer(i64),
    /// A real.
    Real(f64),
    /// A boolean.
    Boolean(bool),
    /// A string. Strings of up to 24 bytes are stored inline, without an allocation of their
    /// own (most OVN names, addresses and `external_ids` values are that short).
    String(CompactString),
    /// A row UUID, `["uuid","..."]` on the wire.
    Uuid(Uuid),
    /// A reference to a row inserted earlier in the same transaction, `["named-uuid","..."]`.
    NamedUuid(String),
}

impl Atom {
    /// Makes a string atom.
    pub fn string(s: impl Into<CompactString>) -> Atom {
        Atom::String(s.into())
    }

    /// Makes a named-uuid atom.
    pub fn named_uuid(name: impl Into<String>) -> Atom {
        Atom::NamedUuid(name.into())
    }

    /// The atom's type. A named-uuid is a [`AtomType::Uuid`].
    pub fn atom_type(&self) -> AtomType {
        match self {
            Atom::Integer(_) => AtomType::Integer,
            Atom::Real(_) => AtomType::Real,
            Atom::Boolean(_) => AtomType::Boolean,
            Atom::String(_) => AtomType::String,
            Atom::Uuid(_) | Atom::NamedUuid(_) => AtomType::Uuid,
        }
    }

    /// The integer, if this is an integer atom.
    pub fn as_integer(&self) -> Option<i64> {
        match self {
            Atom::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// The real, if this is a real atom (integers are converted).
    pub fn as_real(&self) -> Option<f64> {
        match self {
            Atom::Real(r) => Some(*r),
            Atom::Integer(i) => Some(*i as f64),
            _ => None,
        }
    }

    /// The boolean, if this is a boolean atom.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Atom::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    /// The string, if this is a string atom.
    #[inline]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Atom::String(s) => Some(s),
            _ => None,
        }
    }

    /// The UUID, if this is a uuid atom.
    pub fn as_uuid(&self) -> Option<Uuid> {
        match self {
            Atom::Uuid(u) => Some(*u),
            _ => None,
        }
    }

    /// Bytes this atom owns on the heap (a string's contents).
    pub fn heap_size(&self) -> usize {
        match self {
            Atom::String(s) if s.is_heap_allocated() => s.capacity(),
            Atom::NamedUuid(s) => s.capacity(),
            _ => 0,
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Atom::Integer(_) => 0,
            Atom::Real(_) => 1,
            Atom::Boolean(_) => 2,
            Atom::String(_) => 3,
            Atom::Uuid(_) => 4,
            Atom::NamedUuid(_) => 5,
        }
    }
}

impl PartialEq for Atom {
    fn eq(&self, other: &Atom) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Atom {}

impl PartialOrd for Atom {
    fn partial_cmp(&self, other: &Atom) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Atom {
    fn cmp(&self, other: &Atom) -> Ordering {
        match (self, other) {
            (Atom::Integer(a), Atom::Integer(b)) => a.cmp(b),
            (Atom::Real(a), Atom::Real(b)) => a.total_cmp(b),
            (Atom::Boolean(a), Atom::Boolean(b)) => a.cmp(b),
            (Atom::String(a), Atom::String(b)) => a.cmp(b),
            (Atom::Uuid(a), Atom::Uuid(b)) => a.cmp(b),
            (Atom::NamedUuid(a), Atom::NamedUuid(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl std::hash::Hash for Atom {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.rank().hash(state);
        match self {
            Atom::Integer(i) => i.hash(state),
            Atom::Real(r) => r.to_bits().hash(state),
            Atom::Boolean(b) => b.hash(state),
            Atom::String(s) => s.as_str().hash(state),
            Atom::NamedUuid(s) => s.as_str().hash(state),
            Atom::Uuid(u) => u.hash(state),
        }
    }
}

impl fmt::Display for Atom {
    /// Formats the atom as its JSON encoding.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only a non-finite real fails to encode; show it as Debug does rather than failing.
        match serde_json::to_string(self) {
            Ok(s) => f.write_str(&s),
            Err(_) => write!(f, "{self:?}"),
        }
    }
}

impl From<i64> for Atom {
    fn from(v: i64) -> Atom {
        Atom::Integer(v)
    }
}
impl From<i32> for Atom {
    fn from(v: i32) -> Atom {
        Atom::Integer(v.into())
    }
}
impl From<u32> for Atom {
    fn from(v: u32) -> Atom {
        Atom::Integer(v.into())
    }
}
impl From<u16> for Atom {
    fn from(v: u16) -> Atom {
        Atom::Integer(v.into())
    }
}
impl From<f64> for Atom {
    fn from(v: f64) -> Atom {
        Atom::Real(v)
    }
}
impl From<bool> for Atom {
    fn from(v: bool) -> Atom {
        Atom::Boolean(v)
    }
}
impl From<&str> for Atom {
    fn from(v: &str) -> Atom {
        Atom::String(v.into())
    }
}
impl From<String> for Atom {
    fn from(v: String) -> Atom {
        Atom::String(v.into())
    }
}
impl From<&String> for Atom {
    fn from(v: &String) -> Atom {
        Atom::String(v.into())
    }
}
impl From<CompactString> for Atom {
    fn from(v: CompactString) -> Atom {
        Atom::String(v)
    }
}
impl From<Uuid> for Atom {
    fn from(v: Uuid) -> Atom {
        Atom::Uuid(v)
    }
}

/// An OVSDB datum: the value of one column.
///
/// Always a set (a scalar is a one-element set, an optional value an empty or one-element set) or a
/// map. Both are sorted by key and hold no duplicate keys; the constructors ensure it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Datum {
    /// A set of atoms, sorted, without duplicates.
    Set(Vec<Atom>),
    /// A map, sorted by key, without duplicate keys.
    Map(Vec<(Atom, Atom)>),
}

impl Default for Datum {
    fn default() -> Datum {
        Datum::Set(Vec::new())
    }
}

impl Datum {
    /// The empty set.
    pub fn empty() -> Datum {
        Datum::Set(Vec::new())
    }

    /// The empty map.
    pub fn empty_map() -> Datum {
        Datum::Map(Vec::new())
    }

    /// A one-element set.
    pub fn scalar(atom: impl Into<Atom>) -> Datum {
        Datum::Set(vec![atom.into()])
    }

    /// A set of the given atoms; sorts them and removes duplicates.
    pub fn set<A: Into<Atom>>(atoms: impl IntoIterator<Item = A>) -> Datum {
        let mut v: Vec<Atom> = atoms.into_iter().map(Into::into).collect();
        normalize_set(&mut v);
        Datum::Set(v)
    }

    /// A map of the given pairs; sorts them by key and keeps the last value given for a key.
    pub fn map<K: Into<Atom>, V: Into<Atom>>(pairs: impl IntoIterator<Item = (K, V)>) -> Datum {
        let mut v: Vec<(Atom, Atom)> = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        normalize_map(&mut v);
        Datum::Map(v)
    }

    /// An optional value: the empty set for `None`, a one-element set for `Some`.
    pub fn optional(atom: Option<impl Into<Atom>>) -> Datum {
        match atom {
            Some(a) => Datum::scalar(a),
            None => Datum::empty(),
        }
    }

    /// The number of elements (set) or pairs (map).
    pub fn len(&self) -> usize {
        match self {
            Datum::Set(s) => s.len(),
            Datum::Map(m) => m.len(),
        }
    }

    /// Whether the datum has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The only element of a one-element set.
    pub fn as_scalar(&self) -> Option<&Atom> {
        match self {
            Datum::Set(s) if s.len() == 1 => s.first(),
            _ => None,
        }
    }

    /// The elements, if this is a set.
    pub fn as_set(&self) -> Option<&[Atom]> {
        match self {
            Datum::Set(s) => Some(s),
            Datum::Map(_) => None,
        }
    }

    /// The pairs, if this is a map. An empty set counts as an empty map, since the two cannot be
    /// told apart without a schema.
    pub fn as_map(&self) -> Option<&[(Atom, Atom)]> {
        match self {
            Datum::Map(m) => Some(m),
            Datum::Set(s) if s.is_empty() => Some(&[]),
            Datum::Set(_) => None,
        }
    }

    /// Whether a set contains the atom, or a map the key.
    pub fn contains(&self, atom: &Atom) -> bool {
        match self {
            Datum::Set(s) => s.binary_search(atom).is_ok(),
            Datum::Map(m) => m.binary_search_by(|(k, _)| k.cmp(atom)).is_ok(),
        }
    }

    /// The value stored under `key`, if this is a map.
    pub fn get(&self, key: &Atom) -> Option<&Atom> {
        match self {
            Datum::Map(m) => m
                .binary_search_by(|(k, _)| k.cmp(key))
                .ok()
                .map(|i| &m[i].1),
            Datum::Set(_) => None,
        }
    }

    /// Applies an update2 `modify` diff to this datum, as ovsdb-server defines it.
    ///
    /// For a set, the diff is the symmetric difference: each element of `diff` is removed if
    /// present and added if absent. For a map, each pair of `diff` removes the key if the map holds
    /// exactly that pair, and otherwise sets the key to the new value. A scalar column's diff is
    /// the new value itself; callers replace such columns instead of calling this.
    pub fn apply_diff(&mut self, diff: &Datum) {
        match (self, diff) {
            (Datum::Map(old), Datum::Map(d)) => {
                for (k, v) in d {
                    match old.binary_search_by(|(ok, _)| ok.cmp(k)) {
                        Ok(i) if old[i].1 == *v => {
                            old.remove(i);
                        }
                        Ok(i) => old[i].1 = v.clone(),
                        Err(i) => old.insert(i, (k.clone(), v.clone())),
                    }
                }
            }
            (this @ Datum::Set(_), Datum::Map(d)) if this.is_empty() => {
                *this = Datum::Map(d.clone());
            }
            (Datum::Set(old), Datum::Set(d)) => {
                for a in d {
                    match old.binary_search(a) {
                        Ok(i) => {
                            old.remove(i);
                        }
                        Err(i) => old.insert(i, a.clone()),
                    }
                }
            }
            (this, d) => *this = d.clone(),
        }
    }

    /// Bytes this datum owns on the heap (element storage and string contents), not counting
    /// the allocator's own overhead.
    pub fn heap_size(&self) -> usize {
        match self {
            Datum::Set(v) => {
                v.capacity() * std::mem::size_of::<Atom>()
                    + v.iter().map(Atom::heap_size).sum::<usize>()
            }
            Datum::Map(m) => {
                m.capacity() * std::mem::size_of::<(Atom, Atom)>()
                    + m.iter()
                        .map(|(k, v)| k.heap_size() + v.heap_size())
                        .sum::<usize>()
            }
        }
    }

    /// Whether this datum is a map (an empty set is not).
    pub fn is_map(&self) -> bool {
        matches!(self, Datum::Map(_))
    }
}

/// Sorts a set and removes duplicates.
pub(crate) fn normalize_set(v: &mut Vec<Atom>) {
    if !v.is_sorted_by(|a, b| a < b) {
        v.sort_unstable();
        v.dedup();
    }
}

/// Sorts a map by key, keeping the last value given for a duplicated key.
pub(crate) fn normalize_map(v: &mut Vec<(Atom, Atom)>) {
    if !v.is_sorted_by(|a, b| a.0 < b.0) {
        // A stable sort keeps duplicates in input order; keep the last of each run.
        v.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(Atom, Atom)> = Vec::with_capacity(v.len());
        for pair in v.drain(..) {
            match out.last_mut() {
                Some(last) if last.0 == pair.0 => *last = pair,
                _ => out.push(pair),
            }
        }
        *v = out;
    }
}

impl<A: Into<Atom>> From<A> for Datum {
    fn from(a: A) -> Datum {
        Datum::scalar(a)
    }
}

impl fmt::Display for Datum {
    /// Formats the datum as its JSON encoding.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only a non-finite real fails to encode; show it as Debug does rather than failing.
        match serde_json::to_string(self) {
            Ok(s) => f.write_str(&s),
            Err(_) => write!(f, "{self:?}"),
        }
    }
}

/// A row: column name to datum. Columns absent from the row are not mentioned on the wire.
///
/// `Row` is used for the rows in operations (`insert`, `update`, `wait`), in `select` results and
/// in monitor updates (where a `modify` row of update2 holds diffs, see [`Datum::apply_diff`]).
///
/// Columns are kept sorted by name in one vector, and decoded column names are interned (a
/// database has few of them), so a row costs one allocation plus its data.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Row {
    columns: Vec<(Arc<str>, Datum)>,
}

/// Most distinct column names kept by the per-thread interner; names beyond it (only a hostile
/// peer would send so many) are allocated one by one.
const MAX_INTERNED_NAMES: usize = 4096;

thread_local! {
    static NAMES: RefCell<HashSet<Arc<str>>> = RefCell::new(HashSet::new());
}

/// A shared copy of a column name.
fn intern(name: &str) -> Arc<str> {
    NAMES.with(|names| {
        let mut names = names.borrow_mut();
        if let Some(n) = names.get(name) {
            return n.clone();
        }
        let n: Arc<str> = Arc::from(name);
        if names.len() < MAX_INTERNED_NAMES {
            names.insert(n.clone());
        }
        n
    })
}

/// The byte-wise order of two strings (the order of [`str`]'s `Ord`, and of string atoms),
/// compared eight bytes at a time in inline code. For the short strings of OVSDB rows
/// (column names, keys, names) this is several times faster than a call to the C library's
/// `memcmp`, which the standard comparison makes.
#[inline]
pub fn str_cmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 8 <= n {
        let x = u64::from_be_bytes(a[i..i + 8].try_into().unwrap_or([0; 8]));
        let y = u64::from_be_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
        if x != y {
            return x.cmp(&y);
        }
        i += 8;
    }
    while i < n {
        if a[i] != b[i] {
            return a[i].cmp(&b[i]);
        }
        i += 1;
    }
    a.len().cmp(&b.len())
}

/// Whether two strings are equal, as [`str_cmp`] compares them.
#[inline]
pub fn str_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && str_cmp(a, b).is_eq()
}

impl Row {
    /// An empty row.
    pub fn new() -> Row {
        Row::default()
    }

    #[inline]
    fn find(&self, column: &str) -> Result<usize, usize> {
        self.columns.binary_search_by(|(k, _)| str_cmp(k, column))
    }

    /// Adds or replaces a column, builder style.
    pub fn with(mut self, column: impl AsRef<str>, value: impl Into<Datum>) -> Row {
        self.insert(column, value);
        self
    }

    /// Adds or replaces a column, returning the old value.
    pub fn insert(&mut self, column: impl AsRef<str>, value: impl Into<Datum>) -> Option<Datum> {
        let column = column.as_ref();
        let value = value.into();
        match self.find(column) {
            Ok(i) => Some(std::mem::replace(&mut self.columns[i].1, value)),
            Err(i) => {
                self.columns.insert(i, (intern(column), value));
                None
            }
        }
    }

    /// Removes a column, returning its value.
    pub fn remove(&mut self, column: &str) -> Option<Datum> {
        self.find(column).ok().map(|i| self.columns.remove(i).1)
    }

    /// The value of a column.
    #[inline]
    pub fn get(&self, column: &str) -> Option<&Datum> {
        self.find(column).ok().map(|i| &self.columns[i].1)
    }

    /// A mutable reference to the value of a column.
    pub fn get_mut(&mut self, column: &str) -> Option<&mut Datum> {
        self.find(column).ok().map(|i| &mut self.columns[i].1)
    }

    /// The `_uuid` column, present in select results and monitor rows that include it.
    pub fn uuid(&self) -> Option<Uuid> {
        self.get("_uuid")?.as_scalar()?.as_uuid()
    }

    /// The string in a one-element string column.
    pub fn get_str(&self, column: &str) -> Option<&str> {
        self.get(column)?.as_scalar()?.as_str()
    }

    /// The integer in a one-element integer column.
    pub fn get_integer(&self, column: &str) -> Option<i64> {
        self.get(column)?.as_scalar()?.as_integer()
    }

    /// Bytes this row owns on the heap: its column vector and the data in it. Column names are
    /// interned and shared, so they are not counted.
    pub fn heap_size(&self) -> usize {
        self.columns.capacity() * std::mem::size_of::<(Arc<str>, Datum)>()
            + self
                .columns
                .iter()
                .map(|(_, d)| d.heap_size())
                .sum::<usize>()
    }

    /// Keeps only the columns for which `keep(name, value)` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &Datum) -> bool) {
        self.columns.retain(|(k, v)| keep(k, v));
    }

    /// Releases spare capacity (rows kept for long, as in a replica).
    pub fn shrink_to_fit(&mut self) {
        self.columns.shrink_to_fit();
    }

    /// The number of columns.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// Whether the row has no columns.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// Iterates over the columns in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Datum)> {
        self.columns.iter().map(|(k, v)| (&**k, v))
    }

    /// Iterates mutably over the columns in name order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&str, &mut Datum)> {
        self.columns.iter_mut().map(|(k, v)| (&**k, v))
    }

    /// Applies an update2 `modify` row: every column in `diff` is applied with
    /// [`Datum::apply_diff`], except scalar columns (`scalar(column)` true), which are replaced.
    pub fn apply_diff(&mut self, diff: &Row, mut scalar: impl FnMut(&str) -> bool) {
        for (col, d) in &diff.columns {
            match self.find(col) {
                Ok(i) if !scalar(col) => self.columns[i].1.apply_diff(d),
                Ok(i) => self.columns[i].1 = d.clone(),
                Err(i) => self.columns.insert(i, (col.clone(), d.clone())),
            }
        }
    }

    /// Sorts columns given in any order, keeping the last value of a repeated name.
    fn from_unsorted(mut columns: Vec<(Arc<str>, Datum)>) -> Row {
        if !columns.is_sorted_by(|a, b| a.0 < b.0) {
            columns.sort_by(|a, b| a.0.cmp(&b.0));
            let mut out: Vec<(Arc<str>, Datum)> = Vec::with_capacity(columns.len());
            for c in columns {
                match out.last_mut() {
                    Some(last) if last.0 == c.0 => *last = c,
                    _ => out.push(c),
                }
            }
            columns = out;
        }
        Row { columns }
    }
}

impl<K: AsRef<str>, V: Into<Datum>> FromIterator<(K, V)> for Row {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Row {
        Row::from_unsorted(
            iter.into_iter()
                .map(|(k, v)| (intern(k.as_ref()), v.into()))
                .collect(),
        )
    }
}

/// The owning iterator over a row's columns, in name order.
pub struct RowIntoIter(std::vec::IntoIter<(Arc<str>, Datum)>);

impl Iterator for RowIntoIter {
    type Item = (String, Datum);
    fn next(&mut self) -> Option<(String, Datum)> {
        self.0.next().map(|(k, v)| (k.to_string(), v))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl IntoIterator for Row {
    type Item = (String, Datum);
    type IntoIter = RowIntoIter;
    fn into_iter(self) -> RowIntoIter {
        RowIntoIter(self.columns.into_iter())
    }
}

// ---------------------------------------------------------------------------------------------
// Serialization
// ---------------------------------------------------------------------------------------------

struct Tagged<'a, T: ?Sized>(&'static str, &'a T);

impl<T: Serialize + ?Sized> Serialize for Tagged<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(2))?;
        seq.serialize_element(self.0)?;
        seq.serialize_element(self.1)?;
        seq.end()
    }
}

struct UuidStr(Uuid);

impl Serialize for UuidStr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = [0u8; 36];
        self.0.write_hyphenated(&mut out);
        s.serialize_str(std::str::from_utf8(&out).map_err(serde::ser::Error::custom)?)
    }
}

impl Serialize for Uuid {
    /// A bare UUID serializes as `["uuid","..."]`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Tagged("uuid", &UuidStr(*self)).serialize(s)
    }
}

impl Serialize for Atom {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Atom::Integer(i) => s.serialize_i64(*i),
            Atom::Real(r) => {
                if r.is_finite() {
                    s.serialize_f64(*r)
                } else {
                    Err(serde::ser::Error::custom(format!(
                        "OVSDB reals must be finite, not {r}"
                    )))
                }
            }
            Atom::Boolean(b) => s.serialize_bool(*b),
            Atom::String(v) => s.serialize_str(v),
            Atom::Uuid(u) => u.serialize(s),
            Atom::NamedUuid(n) => Tagged("named-uuid", n.as_str()).serialize(s),
        }
    }
}

struct Pairs<'a>(&'a [(Atom, Atom)]);

impl Serialize for Pairs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for pair in self.0 {
            seq.serialize_element(&[&pair.0, &pair.1])?;
        }
        seq.end()
    }
}

impl Serialize for Datum {
    /// A one-element set serializes as the bare atom, as ovsdb-server does.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Datum::Set(v) if v.len() == 1 => v[0].serialize(s),
            Datum::Set(v) => Tagged("set", v.as_slice()).serialize(s),
            Datum::Map(m) => Tagged("map", &Pairs(m)).serialize(s),
        }
    }
}

impl Serialize for Row {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.columns.len()))?;
        for (k, v) in &self.columns {
            map.serialize_entry(&**k, v)?;
        }
        map.end()
    }
}

// ---------------------------------------------------------------------------------------------
// Deserialization
// ---------------------------------------------------------------------------------------------

/// Reads the tag of a `["tag", ...]` array without allocating when the input can be borrowed.
struct Tag;

impl<'de> DeserializeSeed<'de> for Tag {
    type Value = TagKind;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<TagKind, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for Tag {
    type Value = TagKind;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(r#""uuid", "named-uuid", "set" or "map""#)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<TagKind, E> {
        Ok(match v {
            "uuid" => TagKind::Uuid,
            "named-uuid" => TagKind::NamedUuid,
            "set" => TagKind::Set,
            "map" => TagKind::Map,
            other => {
                return Err(E::invalid_value(de::Unexpected::Str(other), &self));
            }
        })
    }
}

#[derive(PartialEq)]
enum TagKind {
    Uuid,
    NamedUuid,
    Set,
    Map,
}

struct UuidSeed;

impl<'de> DeserializeSeed<'de> for UuidSeed {
    type Value = Uuid;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Uuid, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for UuidSeed {
    type Value = Uuid;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a UUID string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Uuid, E> {
        v.parse().map_err(E::custom)
    }
}

fn expect_end<'de, A: SeqAccess<'de>>(mut seq: A, what: &str) -> Result<(), A::Error> {
    if seq.next_element::<de::IgnoredAny>()?.is_some() {
        return Err(de::Error::custom(format!(
            "{what} has more than 2 elements"
        )));
    }
    Ok(())
}

/// What a JSON array at atom position decoded to.
enum Decoded {
    Atom(Atom),
    Set(Vec<Atom>),
    Map(Vec<(Atom, Atom)>),
}

/// Visits an atom or, when `allow_compound`, a `["set",..]` / `["map",..]`.
struct AnyVisitor {
    allow_compound: bool,
}

impl<'de> Visitor<'de> for AnyVisitor {
    type Value = Decoded;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.allow_compound {
            f.write_str("an OVSDB datum (atom, [\"set\",..] or [\"map\",..])")
        } else {
            f.write_str("an OVSDB atom")
        }
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Decoded, E> {
        Ok(Decoded::Atom(Atom::Boolean(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decoded, E> {
        Ok(Decoded::Atom(Atom::Integer(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decoded, E> {
        match i64::try_from(v) {
            Ok(i) => Ok(Decoded::Atom(Atom::Integer(i))),
            Err(_) => Ok(Decoded::Atom(Atom::Real(v as f64))),
        }
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decoded, E> {
        // Integral reals such as 1e+20 arrive in exponent form; keep them real unless they fit
        // an integer exactly, in which case the schema decides.
        if v.fract() == 0.0 && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&v) {
            Ok(Decoded::Atom(Atom::Integer(v as i64)))
        } else {
            Ok(Decoded::Atom(Atom::Real(v)))
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decoded, E> {
        Ok(Decoded::Atom(Atom::String(v.into())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Decoded, E> {
        Ok(Decoded::Atom(Atom::String(v.into())))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Decoded, A::Error> {
        let tag = seq
            .next_element_seed(Tag)?
            .ok_or_else(|| de::Error::custom("empty array where an OVSDB value was expected"))?;
        match tag {
            TagKind::Uuid => {
                let u = seq
                    .next_element_seed(UuidSeed)?
                    .ok_or_else(|| de::Error::custom("[\"uuid\"] without a UUID"))?;
                expect_end(seq, "[\"uuid\",..]")?;
                Ok(Decoded::Atom(Atom::Uuid(u)))
            }
            TagKind::NamedUuid => {
                let n: String = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::custom("[\"named-uuid\"] without a name"))?;
                expect_end(seq, "[\"named-uuid\",..]")?;
                Ok(Decoded::Atom(Atom::NamedUuid(n)))
            }
            TagKind::Set if self.allow_compound => {
                let mut v = seq
                    .next_element_seed(AtomsSeed)?
                    .ok_or_else(|| de::Error::custom("[\"set\"] without elements"))?;
                expect_end(seq, "[\"set\",..]")?;
                normalize_set(&mut v);
                Ok(Decoded::Set(v))
            }
            TagKind::Map if self.allow_compound => {
                let mut v = seq
                    .next_element_seed(PairsSeed)?
                    .ok_or_else(|| de::Error::custom("[\"map\"] without pairs"))?;
                expect_end(seq, "[\"map\",..]")?;
                normalize_map(&mut v);
                Ok(Decoded::Map(v))
            }
            TagKind::Set | TagKind::Map => Err(de::Error::custom(
                "a set or map cannot appear inside a set or map",
            )),
        }
    }
}

struct AtomsSeed;

impl<'de> DeserializeSeed<'de> for AtomsSeed {
    type Value = Vec<Atom>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Atom>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for AtomsSeed {
    type Value = Vec<Atom>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of atoms")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Atom>, A::Error> {
        let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(a) = seq.next_element::<Atom>()? {
            v.push(a);
        }
        // Decoded values are often kept for long (in a replica): no spare capacity.
        v.shrink_to_fit();
        Ok(v)
    }
}

struct PairsSeed;

impl<'de> DeserializeSeed<'de> for PairsSeed {
    type Value = Vec<(Atom, Atom)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for PairsSeed {
    type Value = Vec<(Atom, Atom)>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of [key, value] pairs")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(p) = seq.next_element::<PairVisitorOut>()? {
            v.push(p.0);
        }
        v.shrink_to_fit();
        Ok(v)
    }
}

struct PairVisitorOut((Atom, Atom));

impl<'de> Deserialize<'de> for PairVisitorOut {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PairVisitorOut;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a [key, value] pair")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PairVisitorOut, A::Error> {
                let k: Atom = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::custom("map pair without a key"))?;
                let v: Atom = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::custom("map pair without a value"))?;
                expect_end(seq, "a map pair")?;
                Ok(PairVisitorOut((k, v)))
            }
        }
        d.deserialize_seq(V)
    }
}

impl<'de> Deserialize<'de> for Atom {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Atom, D::Error> {
        match d.deserialize_any(AnyVisitor {
            allow_compound: false,
        })? {
            Decoded::Atom(a) => Ok(a),
            Decoded::Set(_) | Decoded::Map(_) => {
                Err(de::Error::custom("expected an atom, found a set or map"))
            }
        }
    }
}

impl<'de> Deserialize<'de> for Uuid {
    /// Accepts `["uuid","..."]`.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Uuid, D::Error> {
        match Atom::deserialize(d)? {
            Atom::Uuid(u) => Ok(u),
            other => Err(de::Error::custom(format!(
                "expected [\"uuid\",..], found {other}"
            ))),
        }
    }
}

impl<'de> Deserialize<'de> for Datum {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Datum, D::Error> {
        Ok(
            match d.deserialize_any(AnyVisitor {
                allow_compound: true,
            })? {
                Decoded::Atom(a) => Datum::Set(vec![a]),
                Decoded::Set(s) => Datum::Set(s),
                Decoded::Map(m) => Datum::Map(m),
            },
        )
    }
}

/// Decodes a column name straight into the interner, without an intermediate `String`.
struct ColumnName;

impl<'de> DeserializeSeed<'de> for ColumnName {
    type Value = Arc<str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Arc<str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for ColumnName {
    type Value = Arc<str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a column name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Arc<str>, E> {
        Ok(intern(v))
    }
}

/// A string decoded without a copy when the input allows it (no escapes in it).
pub(crate) struct CowStr<'de>(pub std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for CowStr<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<CowStr<'de>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CowStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<CowStr<'de>, E> {
                Ok(CowStr(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<CowStr<'de>, E> {
                Ok(CowStr(std::borrow::Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

/// Decodes a bare UUID string (a row key in updates, `last-txn-id`), not `["uuid",..]`.
pub(crate) struct BareUuidSeed;

impl<'de> DeserializeSeed<'de> for BareUuidSeed {
    type Value = Uuid;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Uuid, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for BareUuidSeed {
    type Value = Uuid;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a UUID string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Uuid, E> {
        v.parse().map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for Row {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Row, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Row;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an OVSDB row (an object of column values)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Row, A::Error> {
                let mut columns = Vec::with_capacity(map.size_hint().unwrap_or(8).min(64));
                while let Some(k) = map.next_key_seed(ColumnName)? {
                    let v: Datum = map.next_value()?;
                    columns.push((k, v));
                }
                columns.shrink_to_fit();
                Ok(Row::from_unsorted(columns))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(s: &str) -> Datum {
        serde_json::from_str(s).unwrap()
    }

    #[test]
    fn uuid_text() {
        let s = "550e8400-e29b-41d4-a716-446655440000";
        let u: Uuid = s.parse().unwrap();
        assert_eq!(u.to_string(), s);
        assert!(
            "550e8400-e29b-41d4-a716-44665544000"
                .parse::<Uuid>()
                .is_err()
        );
        assert!(
            "550e8400xe29b-41d4-a716-446655440000"
                .parse::<Uuid>()
                .is_err()
        );
        assert!(
            "550e8400-e29b-41d4-a716-44665544000g"
                .parse::<Uuid>()
                .is_err()
        );
        assert_eq!(Uuid::from_bytes(u.to_bytes()), u);
    }

    #[test]
    fn wire_forms() {
        let u = "550e8400-e29b-41d4-a716-446655440000";
        assert_eq!(dec("1"), Datum::scalar(1i64));
        assert_eq!(dec(r#""x""#), Datum::scalar("x"));
        assert_eq!(dec("true"), Datum::scalar(true));
        assert_eq!(dec("1.5"), Datum::scalar(1.5));
        assert_eq!(dec("1e+20"), Datum::scalar(Atom::Real(1e20)));
        assert_eq!(dec("2.0"), Datum::scalar(2i64));
        assert_eq!(
            dec(&format!(r#"["uuid","{u}"]"#)),
            Datum::scalar(u.parse::<Uuid>().unwrap())
        );
        assert_eq!(
            dec(r#"["named-uuid","row0"]"#),
            Datum::scalar(Atom::named_uuid("row0"))
        );
        assert_eq!(dec(r#"["set",[3,1,2,1]]"#), Datum::set([1i64, 2, 3]));
        assert_eq!(dec(r#"["set",[]]"#), Datum::empty());
        assert_eq!(
            dec(r#"["map",[["b","2"],["a","1"]]]"#),
            Datum::map([("a", "1"), ("b", "2")])
        );
        assert_eq!(dec(r#"["map",[]]"#), Datum::empty_map());
        for bad in [
            r#"["set"]"#,
            r#"["set",[["set",[1]]]]"#,
            r#"["uuid","nope"]"#,
            r#"["uuid","550e8400-e29b-41d4-a716-446655440000",1]"#,
            r#"["bogus",1]"#,
            r#"["map",[["a"]]]"#,
            r#"{}"#,
            r#"null"#,
            r#"[]"#,
        ] {
            assert!(serde_json::from_str::<Datum>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn encodes_one_element_set_bare() {
        assert_eq!(
            serde_json::to_string(&Datum::scalar("a")).unwrap(),
            r#""a""#
        );
        assert_eq!(
            serde_json::to_string(&Datum::set(["a", "b"])).unwrap(),
            r#"["set",["a","b"]]"#
        );
        assert_eq!(
            serde_json::to_string(&Datum::empty()).unwrap(),
            r#"["set",[]]"#
        );
        assert_eq!(
            serde_json::to_string(&Datum::map([("k", 1i64)])).unwrap(),
            r#"["map",[["k",1]]]"#
        );
        assert_eq!(
            serde_json::to_string(&Atom::named_uuid("n")).unwrap(),
            r#"["named-uuid","n"]"#
        );
        assert!(serde_json::to_string(&Atom::Real(f64::NAN)).is_err());
    }

    #[test]
    fn diff_semantics() {
        let mut s = Datum::set([1i64, 2, 3]);
        s.apply_diff(&Datum::set([3i64, 4]));
        assert_eq!(s, Datum::set([1i64, 2, 4]));

        let mut m = Datum::map([("a", "1"), ("b", "2")]);
        m.apply_diff(&Datum::map([("a", "1"), ("b", "3"), ("c", "4")]));
        assert_eq!(m, Datum::map([("b", "3"), ("c", "4")]));

        let mut e = Datum::empty();
        e.apply_diff(&Datum::map([("a", "1")]));
        assert_eq!(e, Datum::map([("a", "1")]));
    }

    pub(crate) fn arb_atom() -> impl Strategy<Value = Atom> {
        prop_oneof![
            any::<i64>().prop_map(Atom::Integer),
            // Reals that are not integral survive a schema-less round trip as reals.
            (any::<i32>(), 1u32..1000)
                .prop_map(|(a, b)| Atom::Real(a as f64 + 1.0 / (b as f64 + 1.5))),
            any::<bool>().prop_map(Atom::Boolean),
            ".{0,12}".prop_map(Atom::string),
            any::<u128>().prop_map(|u| Atom::Uuid(Uuid(u))),
            "[a-z][a-z0-9_]{0,8}".prop_map(Atom::NamedUuid),
        ]
    }

    pub(crate) fn arb_datum() -> impl Strategy<Value = Datum> {
        prop_oneof![
            proptest::collection::vec(arb_atom(), 0..6).prop_map(Datum::set),
            proptest::collection::vec((arb_atom(), arb_atom()), 0..6).prop_map(Datum::map),
        ]
    }

    proptest! {
        #[test]
        fn datum_round_trip(d in arb_datum()) {
            let text = serde_json::to_string(&d).unwrap();
            let back: Datum = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(back, d);
        }

        #[test]
        fn uuid_round_trip(u in any::<u128>()) {
            let u = Uuid(u);
            prop_assert_eq!(u.to_string().parse::<Uuid>().unwrap(), u);
        }

        #[test]
        fn row_round_trip(cols in proptest::collection::btree_map("[a-z_]{1,8}", arb_datum(), 0..6)) {
            let row: Row = cols.into_iter().collect();
            let text = serde_json::to_string(&row).unwrap();
            let back: Row = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(back, row);
        }

        #[test]
        fn set_diff_is_symmetric_difference(a in proptest::collection::btree_set(any::<i16>(), 0..8),
                                            b in proptest::collection::btree_set(any::<i16>(), 0..8)) {
            let mut d = Datum::set(a.iter().map(|&x| i64::from(x)));
            let diff = Datum::set(a.symmetric_difference(&b).map(|&x| i64::from(x)));
            d.apply_diff(&diff);
            prop_assert_eq!(d, Datum::set(b.iter().map(|&x| i64::from(x))));
        }
    }
}
