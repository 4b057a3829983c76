//! Message decoding must never panic: the envelope, then every payload decoder the client
//! applies to what arrives from the network.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ovsdb_client::message::{self, Message};
use ovsdb_client::monitor::{CondSinceReply, TableUpdates, TableUpdates2};
use ovsdb_client::schema::DatabaseSchema;
use ovsdb_client::transact::{Condition, Mutation, OperationResult, Transaction};
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
});
