//! The fast text path (`FlowModEncoder`: quick readers of the usual match items and
//! actions, and the usual action lists written straight to the wire) against the
//! flow-at-a-time path (`Flow::parse_command`, `Flow::into_flow_mod`, `Message::encode`)
//! on mutated OVN-like lines: the same flow_mod bytes, or the same error and the buffer as
//! it was. The mutations (bytes removed, inserted, replaced, doubled; the line cut) are
//! drawn from a fixed seed, over an alphabet of the bytes the quick readers look at, so
//! every run checks the same lines.

use openflow::Version;
use openflow::flow::{Command, Flow, FlowModEncoder};
use openflow::message::Message;
use openflow::wire::Writer;

/// The four OVN shapes of the comparison script, and lines of other kinds.
const BASE: &[&str] = &[
    "table=14,priority=120,ct_state=+new-est+trk,tcp,reg14=0x715,metadata=0xb,nw_dst=10.0.39.20,tp_dst=80,actions=ct(commit,zone=NXM_NX_REG13[0..15],nat(dst=172.16.39.20:8080),exec(load:0x1->NXM_NX_CT_MARK[1])),load:0x1->NXM_NX_REG10[3],resubmit(,15)",
    "table=44,priority=2002,ct_state=-new+est-rpl+trk,ct_mark=0x1/0x1,ip,reg15=0x716,metadata=0xb,nw_src=10.0.39.21,actions=load:0x1->NXM_NX_XXREG0[97],load:0x716->NXM_NX_REG15[],ct(commit,zone=NXM_NX_REG11[0..15],exec(load:0x0->NXM_NX_CT_MARK[0])),resubmit(,45)",
    "table=21,priority=100,ip,reg0=0x717/0xffff,metadata=0xb,nw_dst=10.0.39.0/24,actions=dec_ttl(),load:0xa002701->NXM_NX_XXREG0[96..127],load:0x717->NXM_NX_REG15[],mod_dl_src:0a:00:00:27:16:01,load:0x1->NXM_NX_REG10[0],resubmit(,22)",
    "table=12,priority=110,ct_state=+new+trk,udp,reg14=0x718,metadata=0xb,nw_src=10.0.39.23,tp_dst=53,actions=ct(commit,zone=NXM_NX_REG12[0..15],table=13,nat(src=192.168.39.23:1024-65535,random),exec(load:0x718->NXM_NX_CT_LABEL[0..31]))",
    "table=1,udp,tp_src=53,actions=mod_tp_src:54,output:2",
    "priority=5,actions=meter:3,write_actions(output:1),write_metadata:0x5/0xff,goto_table:4",
    "in_port=1,actions=clone(ct(commit,table=3),output:2),learn(table=9,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[])",
    "tcp,tp_dst=80,actions=mod_nw_dst:1.2.3.4,set_field:5->tcp_dst",
    "ipv6,ipv6_dst=fe80::1/64,icmp6,icmp_type=135,nd_target=::1,actions=drop",
    "arp,arp_op=1,arp_spa=1.2.3.4,actions=NORMAL",
    "dl_vlan=5,dl_vlan_pcp=3,actions=strip_vlan,output:3",
    "ct_state=+trk+est,ct_label=0x1/0x1,ct_zone=5,actions=ct(commit,exec(set_field:0x1->ct_label))",
    "importance=7,ip,actions=dec_ttl,load:0x1->NXM_NX_CT_MARK[],resubmit(,2)",
];

/// The bytes mutations insert: separators, delimiters, digits, and letters of the usual
/// keys and actions.
const ALPHABET: &[u8] = b",=()[]:/-+.0123456789abcdefxXntrkpv_ \t>";

/// xorshift64: a fixed sequence, no dependency.
fn next(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

fn mutate(line: &str, s: &mut u64) -> Option<String> {
    let mut l = line.as_bytes().to_vec();
    for _ in 0..1 + next(s) % 4 {
        let pos = (next(s) % (l.len() as u64 + 1)) as usize;
        let byte = ALPHABET[(next(s) % ALPHABET.len() as u64) as usize];
        match next(s) % 5 {
            0 if pos < l.len() => {
                l.remove(pos);
            }
            1 => l.insert(pos, byte),
            2 if pos < l.len() => l[pos] = byte,
            3 => l.truncate(pos),
            _ if pos < l.len() => l.insert(pos, l[pos]),
            _ => {}
        }
    }
    String::from_utf8(l).ok()
}

#[test]
fn the_encoder_agrees_with_the_flow_at_a_time_path_on_mutated_lines() {
    let rounds = if cfg!(debug_assertions) {
        20_000
    } else {
        100_000
    };
    let mut seed = 0x9e37_79b9_7f4a_7c15;
    let (mut same_bytes, mut same_errors) = (0, 0);
    for version in [Version::Of13, Version::Of15] {
        // One encoder through every line, as `ofctl add-flows` uses it.
        let mut enc = FlowModEncoder::new(version);
        let mut w = Writer::new();
        for k in 0..rounds {
            let base = BASE[(next(&mut seed) % BASE.len() as u64) as usize];
            // Every tenth line as it is, so that the quick paths also run right after a
            // failed line.
            let line = if k % 10 == 0 {
                base.to_string()
            } else {
                match mutate(base, &mut seed) {
                    Some(l) => l,
                    None => continue,
                }
            };
            for command in [Command::Add, Command::DeleteStrict] {
                let xid = k as u32;
                let before = w.len();
                let got = enc.encode_line(&line, command, xid, &mut w);
                let want = Flow::parse_command(&line, command, version)
                    .and_then(|f| f.into_flow_mod(command, version))
                    .and_then(|fm| Message::FlowMod(fm).encode(version, xid));
                match (got, want) {
                    (Ok(()), Ok(bytes)) => {
                        assert_eq!(&w.as_slice()[before..], &bytes[..], "{version:?} {line}");
                        same_bytes += 1;
                    }
                    (Err(a), Err(b)) => {
                        assert_eq!(a.to_string(), b.to_string(), "{version:?} {line}");
                        assert_eq!(w.len(), before, "{version:?} {line}: bytes left behind");
                        same_errors += 1;
                    }
                    (a, b) => panic!("{version:?} {line:?}: encoder {a:?}, flow at a time {b:?}"),
                }
            }
            // Keep the buffer small; the encoder keeps its memory.
            if w.len() > 1 << 20 {
                w = Writer::new();
            }
        }
    }
    // Both outcomes are well represented.
    assert!(same_bytes > rounds / 4, "{same_bytes} flow_mods");
    assert!(same_errors > rounds, "{same_errors} errors");
}
