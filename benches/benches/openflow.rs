//! OpenFlow codec and text throughput on 100,000 OVN-like flows (the shapes of
//! `benches/compare/gen_flows.py`, about 230 bytes each as OpenFlow 1.5 flow_mods): encoding
//! flow_mods, decoding them, parsing flow text into flow_mods (typed, and encoded in place
//! by a `FlowModEncoder`), and printing.
//!
//! `cargo bench -p benches --bench openflow`
//!
//! Each benchmark handles all 100,000 flows per iteration; criterion reports flows/s
//! (elements) and the bytes handled per second (wire bytes for the codec, text bytes for
//! parsing and printing).

use std::hint::black_box;

use benches::ovn_flows::ovn_flows;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use openflow::Version;
use openflow::flow::{Command, Flow, FlowModEncoder, flow_mod_line};
use openflow::message::{FlowMod, Message, frame_len};
use openflow::wire::Writer;

const N: u64 = 100_000;
const V: Version = Version::Of15;

struct Fixture {
    lines: Vec<String>,
    text_bytes: u64,
    flows: Vec<Flow>,
    flow_mods: Vec<FlowMod>,
    messages: Vec<Message>,
    wire: Vec<u8>,
}

fn fixture() -> Fixture {
    let lines = ovn_flows(N);
    let text_bytes = lines.iter().map(|l| l.len() as u64 + 1).sum();
    let flows: Vec<Flow> = lines
        .iter()
        .map(|l| Flow::parse(l, V).expect("generated flows parse"))
        .collect();
    let flow_mods: Vec<FlowMod> = flows
        .iter()
        .map(|f| f.to_flow_mod(Command::Add, V).expect("flow_mod"))
        .collect();
    let messages: Vec<Message> = flow_mods.iter().cloned().map(Message::FlowMod).collect();
    let wire = encode_all(&messages);
    Fixture {
        lines,
        text_bytes,
        flows,
        flow_mods,
        messages,
        wire,
    }
}

/// Every message, one after another in one buffer (as a bundle would send them).
fn encode_all(messages: &[Message]) -> Vec<u8> {
    let mut w = Writer::with_capacity(messages.len() * 256);
    for (xid, m) in (1u32..).zip(messages) {
        m.encode_into(V, xid, &mut w).expect("encodes");
    }
    w.into_vec()
}

/// Splits the stream into messages and decodes each; returns how many were flow_mods.
fn decode_all(mut wire: &[u8]) -> usize {
    let mut n = 0;
    while let Some(len) = frame_len(wire).expect("framing") {
        let (frame, rest) = wire.split_at(len);
        wire = rest;
        if let (_, _, Message::FlowMod(_)) = Message::decode(frame).expect("decodes") {
            n += 1;
        }
    }
    n
}

fn parse_all(lines: &[String]) -> usize {
    let mut bytes = 0;
    for l in lines {
        let f = Flow::parse(l, V).expect("parses");
        let fm = f.to_flow_mod(Command::Add, V).expect("flow_mod");
        bytes += fm.instructions.len();
    }
    bytes
}

/// Text to wire as `ofctl add-flows` does it: each line parsed and encoded in place by one
/// encoder into one buffer.
fn encode_lines(lines: &[String]) -> usize {
    let mut enc = FlowModEncoder::new(V);
    let mut w = Writer::with_capacity(lines.len() * 256);
    for (xid, l) in (1u32..).zip(lines) {
        enc.encode_line(l, Command::Add, xid, &mut w)
            .expect("encodes");
    }
    w.len()
}

fn openflow(c: &mut Criterion) {
    let fx = fixture();
    let wire_bytes = fx.wire.len() as u64;
    let lines_out: u64 = fx
        .flow_mods
        .iter()
        .map(|fm| flow_mod_line(fm, V, 1).len() as u64 + 1)
        .sum();
    let dump_out: u64 = fx
        .flows
        .iter()
        .map(|f| f.to_dump_text(V).len() as u64 + 1)
        .sum();
    eprintln!(
        "openflow bench: {N} flows, {} text bytes, {wire_bytes} wire bytes ({:.1} bytes per \
         OpenFlow 1.5 flow_mod)",
        fx.text_bytes,
        wire_bytes as f64 / N as f64
    );

    let mut g = c.benchmark_group("openflow_100k_flows");
    g.sample_size(10);
    let per = |bytes: u64| Throughput::ElementsAndBytes { elements: N, bytes };

    g.throughput(per(wire_bytes));
    g.bench_function("encode_flow_mods", |b| {
        b.iter(|| encode_all(black_box(&fx.messages)).len())
    });
    g.bench_function("decode_flow_mods", |b| {
        b.iter(|| assert_eq!(decode_all(black_box(&fx.wire)), N as usize))
    });

    g.throughput(per(fx.text_bytes));
    g.bench_function("parse_text_to_flow_mods", |b| {
        b.iter(|| parse_all(black_box(&fx.lines)))
    });
    g.bench_function("encode_text_in_place", |b| {
        b.iter(|| assert_eq!(encode_lines(black_box(&fx.lines)), fx.wire.len()))
    });

    g.throughput(per(lines_out));
    g.bench_function("print_flow_mod_lines", |b| {
        b.iter(|| {
            fx.flow_mods
                .iter()
                .zip(1u32..)
                .map(|(fm, xid)| flow_mod_line(black_box(fm), V, xid).len())
                .sum::<usize>()
        })
    });
    g.throughput(per(dump_out));
    g.bench_function("print_dump_text", |b| {
        b.iter(|| {
            fx.flows
                .iter()
                .map(|f| black_box(f).to_dump_text(V).len())
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, openflow);
criterion_main!(benches);
