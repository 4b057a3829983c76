//! Datum decoding and checking against a real schema must never panic. The first byte picks a
//! column of the OVN northbound schema or of a small schema of real-valued columns (the vendored
//! schemas have none); the rest is the datum's JSON.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ovsdb_client::Datum;
use ovsdb_client::schema::DatabaseSchema;

/// Real columns of every shape: scalar, optional, bounded set, enum, maps.
const REALS: &str = r#"{"name": "Reals", "version": "1.0.0", "tables": {"R": {"columns": {
    "r": {"type": "real"},
    "ro": {"type": {"key": "real", "min": 0, "max": 1}},
    "rs": {"type": {"key": {"type": "real", "minReal": -1.5, "maxReal": 100}, "min": 0, "max": 3}},
    "re": {"type": {"key": {"type": "real", "enum": ["set", [0, 0.5, -2.25, 1e300]]},
                    "min": 0, "max": "unlimited"}},
    "rr": {"type": {"key": "real", "value": "real", "min": 0, "max": "unlimited"}},
    "ri": {"type": {"key": "integer", "value": {"type": "real", "maxReal": 1e10},
                    "min": 1, "max": 4}}}}}}"#;

type Columns = Vec<(usize, String, String)>;

static SCHEMAS: OnceLock<(Vec<DatabaseSchema>, Columns)> = OnceLock::new();

fn schemas() -> &'static (Vec<DatabaseSchema>, Columns) {
    SCHEMAS.get_or_init(|| {
        let schemas = vec![
            DatabaseSchema::from_json(include_str!("../../schemas/ovn-nb.ovsschema"))
                .expect("the vendored NB schema parses"),
            DatabaseSchema::from_json(REALS).expect("the reals schema parses"),
        ];
        let cols = schemas
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                s.tables.iter().flat_map(move |(t, ts)| {
                    ts.columns.keys().map(move |c| (i, t.clone(), c.clone()))
                })
            })
            .collect();
        (schemas, cols)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, json)) = data.split_first() else {
        return;
    };
    let (schemas, cols) = schemas();
    let (i, table, column) = &cols[usize::from(pick) % cols.len()];
    let schema = &schemas[*i];
    if let Ok(mut datum) = serde_json::from_slice::<Datum>(json)
        && ovsdb_client::schema::check_datum(schema, table, column, &mut datum).is_ok()
    {
        // A datum that passed the check encodes and decodes back to itself.
        let text = serde_json::to_string(&datum).expect("a checked datum encodes");
        let mut back: Datum = serde_json::from_str(&text).expect("an encoded datum decodes");
        ovsdb_client::schema::check_datum(schema, table, column, &mut back)
            .expect("a re-decoded datum passes the check");
        assert_eq!(back, datum);
    }
});
