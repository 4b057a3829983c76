//! Decodes and prints 100,000 OVN-like flows as flow stats replies (`OFPMP_FLOW`), as
//! `ofctl dump-flows` does, for profiling the dump printing path (`valgrind --tool=callgrind`,
//! `perf record`).
//!
//! `cargo run --release -p benches --example dump_flows_profile [ROUNDS] [--print]`
//!
//! `--print` writes the printed flows instead; `--reference` prints through
//! `format_flow_stats_reference` (the flow's canonical copy) for comparison. `0` rounds
//! does only the setup, to subtract from instruction counts.

use std::hint::black_box;
use std::time::Instant;

use benches::ovn_flows::ovn_flows;
use openflow::Version;
use openflow::flow::{self, Command, Flow};
use openflow::message::{FlowStats, Message, MultipartReply, MultipartReplyBody};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let v = Version::Of15;
    // The flows as a switch would send them: replies of up to 64 kB.
    let mut stats = Vec::new();
    for (i, l) in ovn_flows(100_000).iter().enumerate() {
        let fm = Flow::parse(l, v)
            .and_then(|f| f.into_flow_mod(Command::Add, v))
            .expect("flow_mod");
        stats.push(FlowStats {
            table_id: fm.table_id,
            duration_sec: i as u32,
            duration_nsec: 1_000_000,
            priority: fm.priority,
            cookie: fm.cookie,
            packet_count: i as u64,
            byte_count: 64 * i as u64,
            idle_age: Some(1),
            match_: fm.match_,
            instructions: fm.instructions,
            ..FlowStats::default()
        });
    }
    let mut replies: Vec<Vec<u8>> = Vec::new();
    for chunk in stats.chunks(200) {
        let m = Message::MultipartReply(MultipartReply {
            flags: 1,
            body: MultipartReplyBody::Flow(chunk.to_vec()),
        });
        replies.push(m.encode(v, 1).expect("encodes"));
    }
    drop(stats);
    let print = args.iter().any(|a| a == "--print");
    let reference = args.iter().any(|a| a == "--reference");
    let rounds: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(3);
    let mut line = String::with_capacity(512);
    for _ in 0..rounds {
        let start = Instant::now();
        let (mut n, mut bytes) = (0, 0);
        for r in &replies {
            let Ok((_, _, Message::MultipartReply(r))) = Message::decode(black_box(r)) else {
                panic!("not a reply")
            };
            let MultipartReplyBody::Flow(stats) = r.body else {
                panic!("not flow stats")
            };
            for s in &stats {
                line.clear();
                line.push(' ');
                if reference {
                    flow::format_flow_stats_reference(s, v, true, &mut line);
                } else {
                    flow::format_flow_stats(s, v, true, &mut line);
                }
                if print {
                    println!("{line}");
                }
                bytes += line.len();
                n += 1;
            }
        }
        eprintln!("{n} flows ({bytes} bytes) in {:?}", start.elapsed());
        if print {
            return;
        }
    }
}
