//! Datum decoding and checking against a real schema must never panic. The first byte picks a
//! column of the OVN northbound schema; the rest is the datum's JSON.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ovsdb_client::Datum;
use ovsdb_client::schema::DatabaseSchema;

static SCHEMA: OnceLock<(DatabaseSchema, Vec<(String, String)>)> = OnceLock::new();

fn schema() -> &'static (DatabaseSchema, Vec<(String, String)>) {
    SCHEMA.get_or_init(|| {
        let s = DatabaseSchema::from_json(include_str!("../../schemas/ovn-nb.ovsschema"))
            .expect("the vendored NB schema parses");
        let cols = s
            .tables
            .iter()
            .flat_map(|(t, ts)| ts.columns.keys().map(move |c| (t.clone(), c.clone())))
            .collect();
        (s, cols)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, json)) = data.split_first() else {
        return;
    };
    let (schema, cols) = schema();
    let (table, column) = &cols[usize::from(pick) % cols.len()];
    if let Ok(mut datum) = serde_json::from_slice::<Datum>(json) {
        if ovsdb_client::schema::check_datum(schema, table, column, &mut datum).is_ok() {
            // A datum that passed the check encodes and decodes back to itself.
            let text = serde_json::to_string(&datum).expect("a checked datum encodes");
            let mut back: Datum = serde_json::from_str(&text).expect("an encoded datum decodes");
            ovsdb_client::schema::check_datum(schema, table, column, &mut back)
                .expect("a re-decoded datum passes the check");
            assert_eq!(back, datum);
        }
    }
});
