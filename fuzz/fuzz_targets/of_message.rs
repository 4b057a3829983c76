//! OpenFlow message decoding must never panic, and whatever decodes must encode again to
//! bytes that are a fixed point: they decode to a message that encodes to the same bytes
//! (the first byte picks nothing: the input is one message).
//!
//! The first re-encoding may differ from the input where the codec canonicalises, as Open
//! vSwitch does: legacy action forms (OpenFlow 1.1 `mod_dl_dst` in 1.3 becomes
//! `set_field`), nonzero padding, field spellings. From then on it must be exact.
//!
//! The in-place readers see the same input too: as a flow_mod (`FlowModView`) and as the
//! body of a flow dump under every version (`flow_stats_views`), whose entries that decode
//! must agree with their views.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openflow::Version;
use openflow::flow::Flow;
use openflow::message::{FlowModView, Message, flow_stats_views};

fuzz_target!(|data: &[u8]| {
    let _ = openflow::message::frame_len(data);
    let _ = FlowModView::read(data);
    for v in Version::ALL {
        for entry in flow_stats_views(data, v) {
            let Ok(view) = entry else { break };
            if let Ok(stats) = view.decode() {
                let f = &view.flow;
                assert_eq!(
                    (f.table_id, f.priority, f.cookie, f.flags, f.idle_timeout),
                    (
                        stats.table_id,
                        stats.priority,
                        stats.cookie,
                        stats.flags,
                        stats.idle_timeout
                    ),
                    "a flow stats view disagrees with its entry"
                );
                let _ = Flow::from_stats(&stats);
            }
        }
    }
    let Ok((version, xid, msg)) = Message::decode(data) else {
        return;
    };
    let _ = msg.name();
    let Ok(once) = msg.encode(version, xid) else {
        return;
    };
    let (v2, x2, m2) = Message::decode(&once)
        .unwrap_or_else(|e| panic!("our encoding of {} does not decode: {e}", msg.name()));
    assert_eq!((v2, x2), (version, xid), "version or xid changed");
    let twice = m2
        .encode(version, xid)
        .unwrap_or_else(|e| panic!("decoded {} does not re-encode: {e}", m2.name()));
    assert!(
        twice == once,
        "{}: encode(decode(encode(m))) != encode(m)",
        m2.name()
    );
    let (_, _, m3) = Message::decode(&twice).expect("decodes");
    assert!(m3 == m2, "{}: decode(encode(m2)) != m2", m2.name());
});
