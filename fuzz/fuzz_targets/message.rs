//! Message decoding must never panic: the envelope, then every payload decoder the client
//! applies to what arrives from the network.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ovsdb_client::message::{self, Message};
use ovsdb_client::monitor::{
    CondSinceReply, CondSinceSink, RowUpdate2, TableUpdates, TableUpdates2, decode_cond_since_with,
};
use ovsdb_client::replica::Store;
use ovsdb_client::schema::DatabaseSchema;
use ovsdb_client::transact::{Condition, Mutation, OperationResult, Transaction};
use ovsdb_client::value::Uuid;
use ovsdb_client::value::{Datum, Row};
use serde::de::IgnoredAny;

/// A transaction with one operation of each result shape, to check transact replies against.
fn transaction() -> &'static Transaction {
    static TXN: OnceLock<Transaction> = OnceLock::new();
    TXN.get_or_init(|| {
        let mut txn = Transaction::new("OVN_Northbound");
        let ls = txn.insert("Logical_Switch", Row::new().with("name", "ls0"));
        txn.select("Logical_Switch", [Condition::eq("_uuid", ls)], None);
        txn.mutate(
            "NB_Global",
            [Condition::TRUE],
            [Mutation::insert("external_ids", Datum::map([("k", "v")]))],
        );
        txn.commit(false);
        txn
    })
}

/// A small schema for feeding decoded rows into a replica store.
fn schema() -> &'static std::sync::Arc<DatabaseSchema> {
    static SCHEMA: OnceLock<std::sync::Arc<DatabaseSchema>> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        std::sync::Arc::new(
            DatabaseSchema::from_json(
                r#"{"name":"T","version":"1.0.0","tables":{
                "Sw":{"columns":{"name":{"type":"string"},
                    "ports":{"type":{"key":{"type":"uuid","refTable":"Port"},"min":0,"max":"unlimited"}},
                    "ext":{"type":{"key":"string","value":"string","min":0,"max":"unlimited"}},
                    "tag":{"type":{"key":"integer","min":0,"max":1}}},
                  "indexes":[["name"]],"isRoot":true},
                "Port":{"columns":{"name":{"type":"string"},"up":{"type":"boolean"}}}}}"#,
            )
            .expect("schema"),
        )
    })
}

/// Collects what the streaming decoder hands out.
#[derive(Default)]
struct Collect(Vec<(String, Uuid, RowUpdate2)>);

impl CondSinceSink for Collect {
    fn header(&mut self, _found: bool, _last_txn_id: Uuid) -> Result<(), String> {
        Ok(())
    }
    fn row(&mut self, table: &str, uuid: Uuid, update: RowUpdate2) -> Result<(), String> {
        self.0.push((table.to_owned(), uuid, update));
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(msg) = message::parse(data) else {
        return;
    };
    let payload = match msg {
        Message::Request { params, .. } | Message::Notification { params, .. } => params,
        Message::Response { result: Ok(r), .. } => r,
        Message::Response { result: Err(_), .. } => return,
    };
    let text = payload.get();
    let _ = serde_json::from_str::<(IgnoredAny, TableUpdates)>(text);
    let _ = serde_json::from_str::<(IgnoredAny, TableUpdates2)>(text);
    let _ = serde_json::from_str::<TableUpdates2>(text);
    let _ = serde_json::from_str::<CondSinceReply>(text);
    let _ = serde_json::from_str::<Vec<OperationResult>>(text);
    let _ = serde_json::from_str::<DatabaseSchema>(text);
    let _ = DatabaseSchema::from_slice(text.as_bytes());
    let _ = transaction().check_reply_json(text);

    // The replica's path: streamed rows into a resync, and updates into the store.
    let tables = || [("Sw".to_owned(), None), ("Port".to_owned(), None)];
    let mut rows = Collect::default();
    if decode_cond_since_with(text, &mut rows).is_ok() {
        let mut store = Store::new(schema().clone(), tables(), []).expect("store");
        let mut resync = store.begin_resync();
        for (table, uuid, update) in rows.0 {
            if let RowUpdate2::Initial(r) | RowUpdate2::Insert(r) = update
                && resync.add_rows(&table, [Ok((uuid, r))]).is_err()
            {
                return;
            }
        }
        resync.finish(None);
    }
    if let Ok(updates) = serde_json::from_str::<TableUpdates2>(text) {
        let mut store = Store::new(schema().clone(), tables(), []).expect("store");
        // Applied twice: inserts, then the same rows as modifies of what is there.
        if store.apply_update2(updates.clone(), None).is_ok() {
            let _ = store.apply_update2(updates, None);
        }
    }
});
