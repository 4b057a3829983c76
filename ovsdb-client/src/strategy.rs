//! [`proptest`] strategies for random data that fit a schema (with the `proptest` feature).
//!
//! [`row`] builds rows of a table with every column set to a random value that passes the
//! column's [`ColumnType::check`]: enums pick listed values, integers and reals stay inside
//! their ranges, strings inside their lengths (in characters, never a NUL), sets and maps hold
//! between `min` and `max` elements, and references are random UUIDs (referential integrity is
//! not a property of one row). Reals are never `-0.0`, which the check would turn into `0.0`.
//!
//! [`Options`] bounds the sizes and can let enum columns take strings outside the enum, which a
//! typed binding must keep as they are.
//!
//! ```
//! use ovsdb_client::schema::DatabaseSchema;
//! use ovsdb_client::strategy::{Options, row};
//! use proptest::strategy::{Strategy, ValueTree};
//! use proptest::test_runner::TestRunner;
//!
//! let schema = DatabaseSchema::from_json(
//!     r#"{"name":"db","tables":{"T":{"columns":{"n":{"type":{"key":{"type":"integer","maxInteger":9}}}}}}}"#,
//! ).unwrap();
//! let table = &schema.tables["T"];
//! let mut runner = TestRunner::default();
//! let mut r = row(table, &Options::default()).new_tree(&mut runner).unwrap().current();
//! table.check_row(&mut r).unwrap();
//! assert!(r.get_integer("n").unwrap() <= 9);
//! ```

use proptest::prelude::*;

use crate::schema::{BaseType, ColumnType, Max, TableSchema};
use crate::value::{Atom, AtomType, Datum, Row, Uuid};

/// Bounds on the generated data.
#[derive(Clone, Debug)]
pub struct Options {
    /// Most elements in a set or map beyond its `min` (and never beyond its `max`).
    pub max_elements: u64,
    /// Most characters in a string beyond its `minLength` (and never beyond its `maxLength`).
    pub max_chars: u64,
    /// Whether strings of enum columns may also be arbitrary strings outside the enum. Rows
    /// made so do not pass [`ColumnType::check`].
    pub unknown_enum_values: bool,
}

impl Default for Options {
    /// Up to 4 elements and 12 characters; enums respected.
    fn default() -> Options {
        Options {
            max_elements: 4,
            max_chars: 12,
            unknown_enum_values: false,
        }
    }
}

/// Rows of `table` with every declared column (not `_uuid` or `_version`) set.
pub fn row(table: &TableSchema, options: &Options) -> BoxedStrategy<Row> {
    let columns: Vec<BoxedStrategy<(String, Datum)>> = table
        .columns
        .values()
        .map(|c| {
            let name = c.name.clone();
            datum(&c.ty, options)
                .prop_map(move |d| (name.clone(), d))
                .boxed()
        })
        .collect();
    columns
        .prop_map(|columns| columns.into_iter().collect::<Row>())
        .boxed()
}

/// Data of the column type `ty`.
pub fn datum(ty: &ColumnType, options: &Options) -> BoxedStrategy<Datum> {
    let min = usize::try_from(ty.min).unwrap_or(usize::MAX);
    let extra = ty.min.saturating_add(options.max_elements);
    let max = match ty.max {
        Max::Limited(m) => m.min(extra),
        Max::Unlimited => extra,
    };
    let max = usize::try_from(max).unwrap_or(usize::MAX).max(min);
    let key = atom(&ty.key, options);
    match &ty.value {
        // Duplicates only shrink the datum, and never below one element, so `min` (0 or 1)
        // holds.
        None => proptest::collection::vec(key, min..=max)
            .prop_map(Datum::set)
            .boxed(),
        Some(value) => proptest::collection::vec((key, atom(value, options)), min..=max)
            .prop_map(Datum::map)
            .boxed(),
    }
}

/// Atoms of the base type `base`.
pub fn atom(base: &BaseType, options: &Options) -> BoxedStrategy<Atom> {
    if let Some(values) = base.enum_.as_ref().filter(|v| !v.is_empty()) {
        let listed = proptest::sample::select(values.clone()).boxed();
        return if options.unknown_enum_values && base.atom == AtomType::String {
            prop_oneof![
                3 => listed,
                1 => string(0, options.max_chars).prop_map(Atom::string),
            ]
            .boxed()
        } else {
            listed
        };
    }
    match base.atom {
        AtomType::Integer => {
            let lo = base.min_integer.unwrap_or(i64::MIN);
            let hi = base.max_integer.unwrap_or(i64::MAX).max(lo);
            prop_oneof![Just(lo), Just(hi), lo..=hi]
                .prop_map(Atom::Integer)
                .boxed()
        }
        AtomType::Real => real(base.min_real, base.max_real)
            .prop_map(Atom::Real)
            .boxed(),
        AtomType::Boolean => any::<bool>().prop_map(Atom::Boolean).boxed(),
        AtomType::String => {
            let lo = base.min_length.unwrap_or(0);
            let hi = base
                .max_length
                .unwrap_or(u64::MAX)
                .min(lo.saturating_add(options.max_chars))
                .max(lo);
            string(lo, hi).prop_map(Atom::string).boxed()
        }
        AtomType::Uuid => any::<u128>().prop_map(|u| Atom::Uuid(Uuid(u))).boxed(),
    }
}

/// Finite reals in the inclusive range, never `-0.0`.
fn real(min: Option<f64>, max: Option<f64>) -> BoxedStrategy<f64> {
    // Far enough from the limits that the range's width is finite.
    const LIMIT: f64 = 1e300;
    let no_negative_zero = |r: f64| if r == 0.0 { 0.0 } else { r };
    let strategy = match (min, max) {
        (None, None) => any::<f64>()
            .prop_filter("finite", |r| r.is_finite())
            .boxed(),
        (lo, hi) => {
            let lo = lo.unwrap_or(-LIMIT);
            let hi = hi.unwrap_or(LIMIT).max(lo);
            prop_oneof![Just(lo), Just(hi), lo..=hi].boxed()
        }
    };
    strategy.prop_map(no_negative_zero).boxed()
}

/// Strings of `lo..=hi` characters, mostly ASCII, never NUL.
fn string(lo: u64, hi: u64) -> BoxedStrategy<String> {
    let lo = usize::try_from(lo).unwrap_or(usize::MAX);
    let hi = usize::try_from(hi).unwrap_or(usize::MAX).max(lo);
    let ch = prop_oneof![
        3 => proptest::char::range(' ', '~'),
        1 => any::<char>().prop_filter("no NUL", |&c| c != '\0'),
    ];
    proptest::collection::vec(ch, lo..=hi)
        .prop_map(|chars| chars.into_iter().collect())
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::DatabaseSchema;

    const SCHEMA: &str = r#"{"name":"T","version":"1.0.0","tables":{
        "A":{"columns":{
            "i":{"type":{"key":{"type":"integer","minInteger":-3,"maxInteger":7}}},
            "r":{"type":{"key":{"type":"real","minReal":-1.5,"maxReal":2.5},"min":0,"max":"unlimited"}},
            "rr":{"type":{"key":"real","value":"real","min":0,"max":3}},
            "s":{"type":{"key":{"type":"string","minLength":2,"maxLength":4}}},
            "e":{"type":{"key":{"type":"string","enum":["set",["a","b-c",""]]},"min":0,"max":2}},
            "m":{"type":{"key":"string","value":{"type":"uuid","refTable":"A"},"min":1,"max":"unlimited"}},
            "b":{"type":{"key":"boolean","min":0,"max":1}}}}}}"#;

    proptest! {
        #[test]
        fn rows_pass_the_schema_check(
            row in row(&DatabaseSchema::from_json(SCHEMA).unwrap().tables["A"], &Options::default())
        ) {
            let schema = DatabaseSchema::from_json(SCHEMA).unwrap();
            let table = &schema.tables["A"];
            let mut checked = row.clone();
            table.check_row(&mut checked).unwrap();
            prop_assert_eq!(checked, row.clone());
            prop_assert_eq!(row.len(), table.columns.len());
        }
    }
}
