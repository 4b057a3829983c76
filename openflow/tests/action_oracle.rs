//! Actions checked against Debian's ovs-ofctl 3.1: for every line of a corpus of action
//! lists (OVN's first, then every other action and option), under OpenFlow 1.3 and 1.5,
//!
//! - our parse → format prints exactly what `ovs-ofctl parse-flows` prints after
//!   `actions=`;
//! - ovs-ofctl's flow_mod bytes (from `-mmmmm`) decode with our codec and print the same;
//! - our encoding of the parsed actions is byte-identical to ovs-ofctl's instructions;
//! - `ovs-ofctl parse-actions` reads our bytes back as the same actions.
//!
//! A missing `ovs-ofctl` is a failure, not a skip.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use openflow::Version;
use openflow::action::{
    Action, MatchContext, actions_to_instructions, apply_match_context, decode_instructions,
    encode_actions, encode_instructions, format_actions, instructions_to_actions, parse_actions,
};
use openflow::wire::{Reader, Writer};

const OVS_OFCTL: &str = "/usr/bin/ovs-ofctl";

fn ctx_for(prefix: &str) -> MatchContext {
    let ip_proto = if prefix.starts_with("tcp") {
        Some(6)
    } else if prefix.starts_with("udp") {
        Some(17)
    } else if prefix.starts_with("sctp") {
        Some(132)
    } else {
        None
    };
    MatchContext {
        ip_proto,
        has_vlan: prefix.starts_with("vlan_tci"),
    }
}

/// One flow as ovs-ofctl printed it: the action text and the flow_mod bytes.
struct OvsFlow {
    text: String,
    bytes: Vec<u8>,
}

fn run_parse_flows(lines: &[String], version: Version) -> Result<Vec<OvsFlow>, String> {
    let path = std::env::temp_dir().join(format!(
        "action-oracle-{}-{}.txt",
        std::process::id(),
        version.name()
    ));
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let out = Command::new(OVS_OFCTL)
        .args(["-O", version.name(), "-mmmmm", "parse-flows"])
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {OVS_OFCTL} (required for this test): {e}"));
    let _ = std::fs::remove_file(&path);
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut flows: Vec<OvsFlow> = Vec::new();
    for line in stdout.lines() {
        if line.starts_with("OFPT_FLOW_MOD") {
            let text = line
                .split_once(" actions=")
                .map(|(_, a)| a.to_string())
                .unwrap_or_default();
            flows.push(OvsFlow {
                text,
                bytes: Vec::new(),
            });
        } else if line.len() > 10
            && line.as_bytes()[8] == b' '
            && line[..8].bytes().all(|b| b.is_ascii_hexdigit())
        {
            let hex = &line[10..line.find('|').unwrap_or(line.len())];
            let f = flows.last_mut().expect("hex dump before a flow_mod");
            for tok in hex.split([' ', '-']).filter(|t| !t.is_empty()) {
                f.bytes.push(u8::from_str_radix(tok, 16).unwrap());
            }
        }
    }
    Ok(flows)
}

/// The instructions of an OpenFlow 1.3+ flow_mod: after the 48-byte fixed part and the
/// padded match.
fn instructions_of(flow_mod: &[u8]) -> &[u8] {
    let match_len = u16::from_be_bytes([flow_mod[50], flow_mod[51]]) as usize;
    &flow_mod[48 + match_len.next_multiple_of(8)..]
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn corpus_matches_ovs_ofctl() {
    let corpus = common::actions();
    let mut failures = Vec::new();
    let mut checked = 0;
    for version in [Version::Of13, Version::Of15] {
        let lines: Vec<String> = corpus
            .iter()
            .map(|(m, a)| format!("{m}priority=1,actions={a}"))
            .collect();
        let flows = match run_parse_flows(&lines, version) {
            Ok(f) => f,
            Err(e) => {
                // Find the offending line for a useful message.
                for l in &lines {
                    if let Err(e1) = run_parse_flows(std::slice::from_ref(l), version) {
                        panic!("ovs-ofctl rejects corpus line `{l}` under {version}: {e1}");
                    }
                }
                panic!("ovs-ofctl failed under {version}: {e}");
            }
        };
        assert_eq!(flows.len(), corpus.len(), "one flow_mod per corpus line");
        for ((prefix, text), ovs) in corpus.iter().zip(&flows) {
            checked += 1;
            let what = format!("{version} `{prefix}actions={text}`");
            // Text: parse -> format.
            let mut acts = match parse_actions(text, version) {
                Ok(a) => a,
                Err(e) => {
                    failures.push(format!("{what}: we reject it: {e}"));
                    continue;
                }
            };
            apply_match_context(&mut acts, ctx_for(prefix));
            let mut ours = String::new();
            format_actions(&acts, version, &mut ours);
            if ours != ovs.text {
                failures.push(format!(
                    "{what}: text\n  ours: {ours}\n  ovs:  {}",
                    ovs.text
                ));
            }
            // Wire: decode ovs-ofctl's instructions.
            let inst_bytes = instructions_of(&ovs.bytes);
            let mut r = Reader::new(inst_bytes, "instructions");
            match decode_instructions(&mut r, inst_bytes.len(), version) {
                Ok(insts) => {
                    let flat = instructions_to_actions(&insts);
                    let mut s = String::new();
                    format_actions(&flat, version, &mut s);
                    if s != ovs.text {
                        failures.push(format!(
                            "{what}: decoded ovs bytes print\n  ours: {s}\n  ovs:  {}",
                            ovs.text
                        ));
                    }
                    // Decoded lists are already canonical.
                    if openflow::action::canonical_actions(&flat, version) != flat {
                        failures.push(format!("{what}: decoded actions are not canonical"));
                    }
                }
                Err(e) => failures.push(format!(
                    "{what}: cannot decode ovs bytes {}: {e}",
                    hex(inst_bytes)
                )),
            }
            // Wire: our encoding is byte-identical.
            match actions_to_instructions(&acts, version) {
                Ok(insts) => {
                    let mut w = Writer::new();
                    match encode_instructions(&insts, &mut w, version) {
                        Ok(_) => {
                            if w.as_slice() != inst_bytes {
                                failures.push(format!(
                                    "{what}: bytes\n  ours: {}\n  ovs:  {}",
                                    hex(w.as_slice()),
                                    hex(inst_bytes)
                                ));
                            }
                        }
                        Err(e) => failures.push(format!("{what}: we cannot encode: {e}")),
                    }
                }
                Err(e) => failures.push(format!("{what}: no instructions: {e}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `ovs-ofctl parse-actions VERSION` reads hex actions and prints them: our encodings of
/// the corpus's apply-actions read back as our text.
#[test]
fn our_bytes_read_back_by_ovs_ofctl() {
    let corpus = common::actions();
    for version in [Version::Of13, Version::Of15] {
        let mut input = String::new();
        let mut expected = Vec::new();
        for (prefix, text) in &corpus {
            let mut acts = parse_actions(text, version).unwrap();
            apply_match_context(&mut acts, ctx_for(prefix));
            // Only pure action lists (no instructions) go through parse-actions.
            let pure: Vec<Action> = acts
                .iter()
                .filter(|a| {
                    let instruction = matches!(
                        a,
                        Action::GotoTable(_)
                            | Action::WriteActions(_)
                            | Action::WriteMetadata { .. }
                            | Action::ClearActions
                    );
                    let meter_instruction =
                        matches!(a, Action::Meter(_)) && version < Version::Of15;
                    !instruction && !meter_instruction
                })
                .cloned()
                .collect();
            if pure.is_empty() || pure.len() != acts.len() {
                continue;
            }
            let mut w = Writer::new();
            encode_actions(&pure, &mut w, version).unwrap();
            if w.is_empty() {
                continue;
            }
            input.push_str(&hex(w.as_slice()));
            input.push('\n');
            let mut s = String::new();
            format_actions(&pure, version, &mut s);
            expected.push(s);
        }
        let mut child = Command::new(OVS_OFCTL)
            .args(["parse-actions", version.name()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {OVS_OFCTL} (required for this test): {e}"));
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        let printed: Vec<&str> = stdout
            .lines()
            .filter_map(|l| {
                l.strip_prefix("actions=")
                    .or_else(|| l.starts_with("bad ").then_some(l))
            })
            .collect();
        assert_eq!(
            printed.len(),
            expected.len(),
            "ovs-ofctl parse-actions output:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bad: Vec<String> = printed
            .iter()
            .zip(&expected)
            .filter(|(o, e)| o != e)
            .map(|(o, e)| format!("  ovs:  {o}\n  ours: {e}"))
            .collect();
        assert!(bad.is_empty(), "{version}:\n{}", bad.join("\n"));
        assert!(
            !stdout.contains("difference"),
            "ovs-ofctl re-encodes our bytes differently:\n{stdout}"
        );
    }
}

/// Action lists ovs-ofctl refuses are refused here too.
#[test]
fn invalid_inputs_rejected_by_both() {
    let cases = [
        "drop,output:1",
        "output:1,drop",
        "goto_table:1,output:2",
        "write_metadata:1,clear_actions",
        "goto_table:1,goto_table:2",
        "apply_actions(output:1)",
        "clone(goto_table:1)",
        "clone(meter:1)",
        "conjunction(1,1/2),output:1",
        "conjunction(1,3/2)",
        "conjunction(1,1/1)",
        "conjunction(1,1/65)",
        "nat(src=10.0.0.1)",
        "ct(force)",
        "ct(commit,exec(output:1))",
        "ct(commit,exec(set_field:1->reg0))",
        "ct(commit,nat(src=10.0.0.1,dst=10.0.0.2))",
        "ct(commit,nat(src=10.0.0.1,hash,random))",
        "ct(commit,nat(persistent))",
        "ct(table=255)",
        "ct(alg=http)",
        "ct(bogus)",
        "set_field:1->ct_mark",
        "load:0x1->NXM_NX_CT_MARK[]",
        "resubmit(,)",
        "resubmit(,5,foo)",
        "resubmit(,256)",
        "set_field:1->in_port_oxm_bogus",
        "set_field:1->nw_proto",
        "set_field:1",
        "load:0x100->NXM_NX_REG0[0..7]",
        "load:1",
        "move:NXM_NX_REG0[0..7]->NXM_NX_REG1[0..15]",
        "move:NXM_NX_REG0[]",
        "output:NXM_NX_REG0[40..50]",
        "output:bogus",
        "note:1",
        "note:zz",
        "controller(reason=bogus)",
        "controller(foo=1)",
        "controller(userdata=0g)",
        "learn(table=255)",
        "learn(bogus=1)",
        "learn(NXM_NX_REG0[0..7]=NXM_NX_REG1[])",
        "learn(result_dst=reg0[0..1])",
        "check_pkt_larger(100)->NXM_NX_REG0[0..1]",
        "check_pkt_larger(100)",
        "multipath(eth_src,50,modulo_n,1,0)",
        "multipath(eth_src,50,bogus,1,0,NXM_NX_REG0[])",
        "multipath(eth_src,50,modulo_n,0,0,NXM_NX_REG0[])",
        "multipath(eth_src,50,modulo_n,1024,0,NXM_NX_REG0[0..3])",
        "bundle(eth_src,0,hrw,ofport)",
        "bundle(eth_src,0,bogus,ofport,members:1)",
        "bundle(eth_src,0,hrw,bogus,members:1)",
        "sample(collector_set_id=1)",
        "sample(probability=0)",
        "push_vlan:0x800",
        "set_vlan_vid:4096",
        "set_vlan_pcp:8",
        "mod_nw_tos:3",
        "mod_nw_ecn:4",
        "set_mpls_label(1048576)",
        "set_mpls_tc(8)",
        "fin_timeout(bogus=1)",
        "output(port=1,max_len=10)",
        "enqueue:1",
        "goto_table:256",
        "bogus_action",
        "write_actions(goto_table:1)",
        "output:ANY",
        "NONE",
    ];
    let mut failures = Vec::new();
    for a in cases {
        let flow = format!("ip,priority=1,actions={a}");
        let ovs = Command::new(OVS_OFCTL)
            .args(["-O", "OpenFlow15", "parse-flow", &flow])
            .output()
            .unwrap_or_else(|e| panic!("cannot run {OVS_OFCTL} (required for this test): {e}"));
        if ovs.status.success() {
            failures.push(format!("ovs-ofctl accepts `{a}` (bad test case)"));
            continue;
        }
        if let Ok(acts) = parse_actions(a, Version::Of15) {
            failures.push(format!("we accept `{a}` as {acts:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
