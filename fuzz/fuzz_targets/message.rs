//! Message decoding must never panic: the envelope, then every payload decoder the client
//! applies to what arrives from the network.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ovsdb_client::message::{self, Message};
use ovsdb_client::monitor::{CondSinceReply, TableUpdates, TableUpdates2};
use ovsdb_client::schema::DatabaseSchema;
use ovsdb_client::transact::OperationResult;

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
    let _ = serde_json::from_str::<(serde_json::de::IgnoredAny, TableUpdates)>(text);
    let _ = serde_json::from_str::<(serde_json::de::IgnoredAny, TableUpdates2)>(text);
    let _ = serde_json::from_str::<TableUpdates2>(text);
    let _ = serde_json::from_str::<CondSinceReply>(text);
    let _ = serde_json::from_str::<Vec<OperationResult>>(text);
    let _ = serde_json::from_str::<DatabaseSchema>(text);
});
