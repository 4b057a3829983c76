//! Parses the 100,000 OVN-like flows of the `openflow` bench into OpenFlow 1.5 flow_mods,
//! for profiling the text path (`perf record`, `valgrind --tool=callgrind`).
//!
//! `cargo run --release -p benches --example of_parse_profile [ROUNDS] [--print|--encode|--in-place] [--file PATH]`
//!
//! `--file PATH` parses the flows of a file (one per line, as `ofctl add-flows` reads them)
//! instead of the bench's. `--print` writes the flows instead (to compare with `benches/compare/gen_flows.py`).
//! `--encode` also encodes each flow_mod (made with `into_flow_mod`) into a reused buffer, so
//! that the whole text-to-wire path is measured. `--in-place` does the same with one
//! `FlowModEncoder` (as `ofctl add-flows` does), which reuses its memory from flow to flow.

use std::hint::black_box;
use std::time::Instant;

use benches::ovn_flows::ovn_flows;
use openflow::Version;
use openflow::flow::{Command, Flow, FlowModEncoder};
use openflow::message::Message;
use openflow::wire::Writer;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let owned;
    let text;
    let lines: Vec<&str> = match args.iter().position(|a| a == "--file") {
        Some(i) => {
            let path = args.get(i + 1).expect("--file takes a path");
            text = std::fs::read_to_string(path).expect("reads the file");
            text.lines().collect()
        }
        None => {
            owned = ovn_flows(100_000);
            owned.iter().map(String::as_str).collect()
        }
    };
    if args.iter().any(|a| a == "--print") {
        for l in &lines {
            println!("{l}");
        }
        return;
    }
    let encode = args.iter().any(|a| a == "--encode");
    let in_place = args.iter().any(|a| a == "--in-place");
    let mut enc = FlowModEncoder::new(Version::Of15);
    let rounds: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(5);
    let mut w = Writer::with_capacity(512);
    for _ in 0..rounds {
        let start = Instant::now();
        let mut n = 0;
        for l in &lines {
            if in_place {
                let mut buf = w.into_vec();
                buf.clear();
                w = Writer::from_vec(buf);
                enc.encode_line(black_box(l), Command::Add, 1, &mut w)
                    .expect("encodes");
                n += black_box(w.len());
                continue;
            }
            let f = Flow::parse(black_box(l), Version::Of15).expect("parses");
            if encode {
                let fm = f
                    .into_flow_mod(Command::Add, Version::Of15)
                    .expect("flow_mod");
                let mut buf = w.into_vec();
                buf.clear();
                w = Writer::from_vec(buf);
                Message::FlowMod(fm)
                    .encode_into(Version::Of15, 1, &mut w)
                    .expect("encodes");
                n += black_box(w.len());
            } else {
                let fm = f
                    .to_flow_mod(Command::Add, Version::Of15)
                    .expect("flow_mod");
                n += black_box(fm).instructions.len();
            }
        }
        eprintln!(
            "{} flows parsed in {:?} ({n})",
            lines.len(),
            start.elapsed()
        );
    }
}
