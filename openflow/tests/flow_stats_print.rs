//! `format_flow_stats` prints straight from a flow stats entry; it must print exactly what
//! the reference path (the entry as a [`Flow`], in canonical form) prints, for every match
//! and action of the corpora, as decoded from the wire under each version.

mod common;

use openflow::Version;
use openflow::flow::{Command, Flow, format_flow_stats, format_flow_stats_reference};
use openflow::message::{FlowStats, Message};

#[test]
fn direct_printer_agrees_with_reference() {
    let mut flows: Vec<String> = common::matches()
        .into_iter()
        .map(|m| format!("{m}{}actions=drop", if m.is_empty() { "" } else { "," }))
        .collect();
    for (m, a) in common::actions() {
        flows.push(format!("{m}actions={a}"));
    }
    let mut checked = 0;
    for v in [Version::Of13, Version::Of14, Version::Of15] {
        for text in &flows {
            let Ok(f) = Flow::parse(text, v) else {
                continue;
            };
            let Ok(fm) = f.to_flow_mod(Command::Add, v) else {
                continue;
            };
            let Ok(bytes) = Message::FlowMod(fm).encode(v, 1) else {
                continue;
            };
            let Ok((_, _, Message::FlowMod(fm))) = Message::decode(&bytes) else {
                continue;
            };
            for (cookie, table, idle, importance) in [(0, 0, 0, 0), (0x1234, 7, 30, 9)] {
                let fs = FlowStats {
                    table_id: table,
                    reason: 0,
                    duration_sec: 12,
                    duration_nsec: 5_000_000,
                    priority: fm.priority,
                    idle_timeout: idle,
                    hard_timeout: idle,
                    flags: fm.flags,
                    importance,
                    cookie,
                    packet_count: 3,
                    byte_count: u64::MAX,
                    idle_age: Some(4),
                    match_: fm.match_.clone(),
                    instructions: fm.instructions.clone(),
                };
                for show in [false, true] {
                    let (mut got, mut want) = (String::new(), String::new());
                    format_flow_stats(&fs, v, show, &mut got);
                    format_flow_stats_reference(&fs, v, show, &mut want);
                    assert_eq!(got, want, "{v}: {text}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 1000, "{checked}");
}
