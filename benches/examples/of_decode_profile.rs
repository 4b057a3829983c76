//! Decodes and prints the 100,000 OVN-like flows of the `openflow` bench as `ofctl ofp-parse`
//! does, for profiling the wire-to-text path (`perf record`, `valgrind --tool=callgrind`).
//!
//! `cargo run --release -p benches --example of_decode_profile [ROUNDS] [--decode-only]`
//!
//! The flows are parsed into OpenFlow 1.5 flow_mods and encoded once, one after another in
//! one buffer. Each round then walks the buffer message by message, decodes each into one
//! reused `FlowMod` (`Message::decode_flow_mod_into`) and appends its line
//! (`flow::format_flow_mod_line` and a newline) to one reused `String`, as `ofctl ofp-parse`
//! does. With `--decode-only` nothing is printed. Decoding and printing are separate
//! functions (`decode_one`, `format_one`), so that `callgrind_annotate --inclusive=yes`
//! gives each part's instructions.

use std::hint::black_box;
use std::time::Instant;

use benches::ovn_flows::ovn_flows;
use openflow::Version;
use openflow::flow::{self, Command, Flow};
use openflow::message::{FlowMod, Message, frame_len};
use openflow::wire::Writer;

/// Decodes the flow_mod `msg` into `fm`; returns its version and xid.
#[inline(never)]
fn decode_one(msg: &[u8], fm: &mut FlowMod) -> (Version, u32) {
    Message::decode_flow_mod_into(msg, fm)
        .expect("decodes")
        .expect("a flow_mod")
}

/// Appends the `ofp-parse` line of `fm` to `text`.
#[inline(never)]
fn format_one(fm: &FlowMod, version: Version, xid: u32, text: &mut String) {
    flow::format_flow_mod_line(fm, version, xid, text);
    text.push('\n');
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rounds: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(5);
    let print = !args.iter().any(|a| a == "--decode-only");
    let lines = ovn_flows(100_000);
    let mut w = Writer::with_capacity(lines.len() * 256);
    for (xid, l) in (1u32..).zip(&lines) {
        let fm = Flow::parse(l, Version::Of15)
            .expect("parses")
            .into_flow_mod(Command::Add, Version::Of15)
            .expect("flow_mod");
        Message::FlowMod(fm)
            .encode_into(Version::Of15, xid, &mut w)
            .expect("encodes");
    }
    let wire = w.into_vec();
    let mut fm = FlowMod::default();
    let mut text = String::with_capacity(wire.len() * 3 / 2);
    for _ in 0..rounds {
        let start = Instant::now();
        text.clear();
        let (mut n, mut data) = (0usize, black_box(&wire[..]));
        while let Some(len) = frame_len(data).expect("framing") {
            let (msg, rest) = data.split_at(len);
            data = rest;
            let (version, xid) = decode_one(msg, &mut fm);
            if print {
                format_one(&fm, version, xid, &mut text);
            }
            n += 1;
        }
        eprintln!(
            "{n} flow_mods ({} wire bytes) decoded{} in {:?} ({} text bytes)",
            wire.len(),
            if print { " and printed" } else { "" },
            start.elapsed(),
            black_box(&text).len()
        );
    }
}
