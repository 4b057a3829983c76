//! ovs-ofctl text: parsing arbitrary UTF-8 as a flow (OpenFlow 1.3 and 1.5), an action
//! list or a match never panics, and whatever parses prints text that parses again and
//! prints the same (text → model → text is stable after one normalisation). Parsed flows
//! also convert to flow_mods that encode, decode and print without panicking, and a
//! `FlowModEncoder` (its memory already used by other flows) encodes the same bytes, or
//! fails the same way leaving its buffer as it was.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openflow::Version;
use openflow::action::{format_actions, parse_actions};
use openflow::flow::{Command, Flow, FlowModEncoder, flow_mod_line};
use openflow::matching::Match;
use openflow::message::Message;
use openflow::wire::Writer;

fn flow(s: &str, version: Version) {
    let Ok(f) = Flow::parse(s, version) else {
        return;
    };
    let t1 = f.to_dump_text(version);
    let f2 = Flow::parse(&t1, version)
        .unwrap_or_else(|e| panic!("{s:?} printed as {t1:?}, which does not parse: {e}"));
    let t2 = f2.to_dump_text(version);
    assert_eq!(t1, t2, "flow text not stable for {s:?}");
    if let Ok(fm) = f.to_flow_mod(Command::Add, version) {
        let _ = flow_mod_line(&fm, version, 1);
        if let Ok(bytes) = Message::FlowMod(fm).encode(version, 1) {
            let (_, _, back) = Message::decode(&bytes)
                .unwrap_or_else(|e| panic!("flow_mod of {s:?} does not decode: {e}"));
            let Message::FlowMod(back) = back else {
                panic!("flow_mod of {s:?} decodes as {}", back.name());
            };
            let _ = flow_mod_line(&back, version, 1);
        }
    }
}

fn encoder(s: &str, version: Version) {
    let mut enc = FlowModEncoder::new(version);
    let mut w = Writer::new();
    // One flow the general way, one straight from its text to the wire (its `ct` is read
    // into again by the usual lists that follow).
    for before in [
        "table=1,ip,nw_dst=10.0.0.1,actions=ct(commit,exec(load:1->NXM_NX_CT_MARK[])),output:1",
        "table=2,ip,actions=ct(commit,zone=NXM_NX_REG13[0..15],nat(dst=10.0.0.2:80),exec(load:0x1->NXM_NX_CT_MARK[1])),resubmit(,3)",
    ] {
        enc.encode_line(before, Command::Add, 1, &mut w)
            .expect("the flow before encodes");
    }
    let start = w.len();
    let got = enc.encode_line(s, Command::Add, 2, &mut w);
    let want = Flow::parse(s, version)
        .and_then(|f| f.into_flow_mod(Command::Add, version))
        .and_then(|fm| Message::FlowMod(fm).encode(version, 2));
    match (got, want) {
        (Ok(()), Ok(bytes)) => assert_eq!(&w.as_slice()[start..], &bytes[..], "{s:?}"),
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string(), "{s:?}");
            assert_eq!(w.len(), start, "{s:?}: a failed line left bytes");
        }
        (a, b) => panic!("{s:?}: the encoder gives {a:?}, the flow at a time {b:?}"),
    }
}

fn actions(s: &str, version: Version) {
    let Ok(a) = parse_actions(s, version) else {
        return;
    };
    let mut t1 = String::new();
    format_actions(&a, version, &mut t1);
    let a2 = parse_actions(&t1, version)
        .unwrap_or_else(|e| panic!("{s:?} printed as {t1:?}, which does not parse: {e}"));
    let mut t2 = String::new();
    format_actions(&a2, version, &mut t2);
    assert_eq!(t1, t2, "action text not stable for {s:?}");
}

fn matching(s: &str) {
    let Ok(m) = Match::parse(s) else {
        return;
    };
    let t1 = m.to_text();
    let m2 = Match::parse(&t1)
        .unwrap_or_else(|e| panic!("{s:?} printed as {t1:?}, which does not parse: {e}"));
    let t2 = m2.to_text();
    assert_eq!(t1, t2, "match text not stable for {s:?}");
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    for v in [Version::Of13, Version::Of15] {
        flow(s, v);
        encoder(s, v);
        actions(s, v);
    }
    matching(s);
});
