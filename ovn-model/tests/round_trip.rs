//! Every table of the three schemas: random valid rows convert to the typed struct and back
//! without loss, typed structs convert to rows and back, missing columns take their defaults,
//! and wrong types are errors naming the table and column.

use std::collections::{BTreeMap, BTreeSet};

use ovn_model::{nb, sb, vswitch};
use ovsdb_client::schema::{DatabaseSchema, TableSchema};
use ovsdb_client::strategy::{self, Options};
use ovsdb_client::typed::{FromDatum, Table, TableVisitor, ToDatum};
use ovsdb_client::value::AtomType;
use ovsdb_client::{Atom, Datum, Row, Uuid};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// Random rows per table and property.
const CASES: u32 = 48;

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    })
}

fn fail(e: ovsdb_client::Error) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

/// Runs every check on one table type.
struct Check<'a> {
    schema: &'a DatabaseSchema,
    visited: Vec<&'static str>,
}

impl Check<'_> {
    fn table(&self, name: &str) -> &TableSchema {
        self.schema
            .table(name)
            .unwrap_or_else(|e| panic!("{}: {e}", self.schema.name))
    }
}

impl TableVisitor for Check<'_> {
    fn visit<T: Table>(&mut self) {
        self.visited.push(T::NAME);
        let table = self.table(T::NAME);
        let name = format!("{}.{}", self.schema.name, T::NAME);

        let columns: Vec<&str> = table.columns.keys().map(String::as_str).collect();
        assert_eq!(T::COLUMNS, columns.as_slice(), "{name}");
        assert_eq!(T::IS_ROOT, table.is_root, "{name}");

        // The default struct is the row of schema defaults.
        let defaults: Row = table
            .columns
            .values()
            .map(|c| (c.name.as_str(), c.ty.default_datum()))
            .collect();
        assert_eq!(T::default().to_row(), defaults, "{name}");
        assert_eq!(T::default().uuid(), Uuid::ZERO);
        assert_eq!(T::from_row(Uuid::ZERO, &Row::new()).unwrap(), T::default());

        // Valid rows: Row -> T -> Row is the identity on checked rows, T -> Row -> T too.
        let rows = (strategy::row(table, &Options::default()), any::<u128>());
        runner()
            .run(&rows, |(row, uuid)| {
                let mut checked = row.clone();
                table.check_row(&mut checked).map_err(fail)?;
                prop_assert_eq!(&checked, &row, "the strategy makes normalised rows");
                let typed = T::from_row(Uuid(uuid), &row).map_err(fail)?;
                prop_assert_eq!(typed.uuid(), Uuid(uuid));
                prop_assert_eq!(typed.to_row(), row);
                let back = T::from_row(typed.uuid(), &typed.to_row()).map_err(fail)?;
                prop_assert_eq!(back, typed);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{name}: {e}"));

        // Strings outside the enums survive too.
        let lenient = Options {
            unknown_enum_values: true,
            ..Options::default()
        };
        runner()
            .run(&strategy::row(table, &lenient), |row| {
                let typed = T::from_row(Uuid(1), &row).map_err(fail)?;
                prop_assert_eq!(typed.to_row(), row);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{name} with unknown enum values: {e}"));

        // A monitor of some of the columns: the others take their defaults.
        let subsets = (
            strategy::row(table, &Options::default()),
            proptest::sample::subsequence(T::COLUMNS.to_vec(), 0..=columns.len()),
        );
        runner()
            .run(&subsets, |(full, keep)| {
                let partial: Row = full
                    .iter()
                    .filter(|(c, _)| keep.contains(c))
                    .map(|(c, d)| (c, d.clone()))
                    .collect();
                let typed = T::from_row(Uuid(2), &partial).map_err(fail)?;
                for (column, datum) in typed.to_row().iter() {
                    let want = match partial.get(column) {
                        Some(d) => d.clone(),
                        None => table.columns[column].ty.default_datum(),
                    };
                    prop_assert_eq!(datum, &want, "column {}", column);
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{name} subsets: {e}"));

        // A wrong atomic type in any column is an error naming table.column.
        for column in table.columns.values() {
            let wrong = match column.ty.key.atom {
                AtomType::String => Atom::Integer(1),
                _ => Atom::string("x"),
            };
            let row = Row::new().with(&column.name, Datum::Set(vec![wrong]));
            let err = T::from_row(Uuid(3), &row).expect_err(&column.name);
            let location = format!("{}.{}", T::NAME, column.name);
            assert!(err.to_string().contains(&location), "{err}");
        }
    }
}

fn check_all(schema_text: &str, for_each_table: fn(&mut Check<'_>)) {
    let schema = DatabaseSchema::from_json(schema_text).unwrap();
    let mut check = Check {
        schema: &schema,
        visited: Vec::new(),
    };
    for_each_table(&mut check);
    let tables: Vec<&str> = schema.tables.keys().map(String::as_str).collect();
    assert_eq!(check.visited, tables);
}

#[test]
fn northbound_tables_round_trip() {
    check_all(nb::SCHEMA, |c| nb::for_each_table(c));
    assert_eq!(nb::TABLES.len(), 30);
}

#[test]
fn southbound_tables_round_trip() {
    check_all(sb::SCHEMA, |c| sb::for_each_table(c));
    assert_eq!(sb::TABLES.len(), 34);
}

#[test]
fn vswitch_tables_round_trip() {
    check_all(vswitch::SCHEMA, |c| vswitch::for_each_table(c));
    assert_eq!(vswitch::TABLES.len(), 19);
}

#[test]
fn schema_constants_match_the_vendored_files() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/");
    for (text, version, database, file) in [
        (nb::SCHEMA, nb::VERSION, nb::DATABASE, "ovn-nb.ovsschema"),
        (sb::SCHEMA, sb::VERSION, sb::DATABASE, "ovn-sb.ovsschema"),
        (
            vswitch::SCHEMA,
            vswitch::VERSION,
            vswitch::DATABASE,
            "vswitch.ovsschema",
        ),
    ] {
        let parsed = DatabaseSchema::from_json(text).unwrap();
        assert_eq!(parsed.version, version);
        assert_eq!(parsed.name, database);
        assert_eq!(
            text,
            std::fs::read_to_string(format!("{dir}{file}")).unwrap()
        );
    }
    assert_eq!(nb::VERSION, "7.0.0");
    assert_eq!(sb::VERSION, "20.27.0");
    assert_eq!(vswitch::VERSION, "8.3.1");
}

#[test]
fn enums_keep_unknown_values() {
    use nb::{AclAction, AclDirection, QoSBandwidth};

    assert_eq!(AclDirection::from("from-lport"), AclDirection::FromLport);
    assert_eq!(AclDirection::FromLport.as_str(), "from-lport");
    assert_eq!(AclDirection::VALUES, ["from-lport", "to-lport"]);
    assert_eq!(
        AclAction::from("allow-related".to_owned()),
        AclAction::AllowRelated
    );

    let sideways = AclDirection::from("sideways");
    assert_eq!(sideways, AclDirection::Unknown("sideways".to_owned()));
    assert_eq!(sideways.as_str(), "sideways");
    assert_eq!(sideways.to_string(), "sideways");
    // Equality, order and hashing go by the wire string, so a hand-made `Unknown` of a listed
    // value is that value.
    assert_eq!(
        AclDirection::Unknown("to-lport".to_owned()),
        AclDirection::ToLport
    );
    assert!(AclDirection::FromLport < AclDirection::Unknown("g".to_owned()));
    assert!(AclDirection::Unknown("a".to_owned()) < AclDirection::FromLport);
    // The default is OVSDB's default string, which is not in the enum.
    assert_eq!(
        AclDirection::default(),
        AclDirection::Unknown(String::new())
    );
    assert_eq!(Atom::from(AclDirection::ToLport), Atom::string("to-lport"));

    // Through a whole row, and as map keys.
    let row = Row::new()
        .with("direction", "sideways")
        .with("action", "allow-later")
        .with("priority", 7i64);
    let acl = nb::Acl::from_row(Uuid(5), &row).unwrap();
    assert_eq!(acl.direction, sideways);
    assert_eq!(acl.action, AclAction::Unknown("allow-later".to_owned()));
    assert_eq!(acl.to_row().get("direction"), row.get("direction"));
    assert_eq!(acl.to_row().get("action"), row.get("action"));

    let bandwidth = Datum::map([("burst", 10i64), ("peak", 20i64), ("rate", 30i64)]);
    let typed = BTreeMap::<QoSBandwidth, i64>::from_datum(&bandwidth).unwrap();
    assert_eq!(typed[&QoSBandwidth::Rate], 30);
    assert_eq!(typed[&QoSBandwidth::from("peak")], 20);
    assert_eq!(typed.to_datum(), bandwidth);

    let protocols = Datum::set(["OpenFlow13", "OpenFlow16"]);
    let typed = BTreeSet::<vswitch::BridgeProtocols>::from_datum(&protocols).unwrap();
    assert!(typed.contains(&vswitch::BridgeProtocols::OpenFlow13));
    assert!(typed.contains(&vswitch::BridgeProtocols::Unknown("OpenFlow16".to_owned())));
    assert_eq!(typed.to_datum(), protocols);
}

#[test]
fn references_are_typed() {
    let lsp = nb::LogicalSwitchPort {
        uuid: Uuid(42),
        name: "p0".to_owned(),
        ..Default::default()
    };
    let sw = nb::LogicalSwitch {
        name: "sw0".to_owned(),
        ports: [ovsdb_client::typed::RowRef::of(&lsp)].into(),
        ..Default::default()
    };
    assert_eq!(sw.to_row().get("ports"), Some(&Datum::scalar(Uuid(42))));
    // Keyword columns get a trailing underscore.
    let port = nb::LogicalSwitchPort {
        type_: "router".to_owned(),
        ..Default::default()
    };
    assert_eq!(port.to_row().get_str("type"), Some("router"));
}
