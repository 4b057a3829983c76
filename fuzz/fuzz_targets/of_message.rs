//! OpenFlow message decoding must never panic, and whatever decodes must encode again and
//! decode to the same message (the first byte picks nothing: the input is one message).
#![no_main]

use libfuzzer_sys::fuzz_target;
use openflow::message::Message;

fuzz_target!(|data: &[u8]| {
    let _ = openflow::message::frame_len(data);
    if let Ok((version, xid, msg)) = Message::decode(data)
        && let Ok(again) = msg.encode(version, xid)
    {
        let (_, _, back) = Message::decode(&again).expect("our own encoding decodes");
        assert_eq!(back, msg, "decode(encode(m)) != m");
    }
});
