//! Hostile input: truncation at every byte, lying and zero lengths, byte mutations, deep
//! nesting on the wire and in text. Decoders and the parser must return errors, never
//! panic or loop.

use openflow::Version;
use openflow::action::{
    Action, actions_to_instructions, decode_actions, decode_instructions, encode_actions,
    encode_instructions, parse_actions,
};
use openflow::wire::{Reader, Writer};

const SAMPLES: &[&str] = &[
    "output:1,CONTROLLER:100,LOCAL,output:NXM_NX_REG0[0..15],output(port=1,max_len=100)",
    "resubmit(,5),resubmit(1,5),resubmit:3,group:7,set_queue:1,pop_queue",
    "ct(commit,zone=NXM_NX_REG13[0..15],table=8,nat(src=10.0.0.1-10.0.0.5:100-200,persistent,random),exec(set_field:0x1/0x1->ct_mark,load:0x1->NXM_NX_CT_LABEL[3]))",
    "ct(commit,nat(dst=[fd00::1]-[fd00::9]:80-90,hash)),ct_clear",
    "learn(table=10,idle_timeout=30,limit=5,result_dst=reg0[5],NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],NXM_NX_REG0[0..7]=0x5,load:NXM_OF_IN_PORT[]->NXM_NX_REG1[0..15],load:0xabc->NXM_NX_REG2[0..11],output:NXM_OF_IN_PORT[])",
    "controller(reason=no_match,max_len=128,id=5,userdata=01.02.03,pause,meter_id=3)",
    "clone(set_field:1->reg0,clone(output:1),resubmit(,10)),check_pkt_larger(1500)->NXM_NX_REG10[0]",
    "note:de.ad.be.ef.01.02.03.04.05,dec_ttl(1,2,3),dec_ttl,exit",
    "set_field:5/0xff->reg1,load:0x1->NXM_NX_XXREG0[97],move:NXM_NX_REG0[0..15]->NXM_NX_REG1[16..31],set_field:00:11:22:33:44:55->eth_src",
    "multipath(symmetric_l4,1024,iter_hash,5000,5000,NXM_NX_REG0[0..12]),bundle_load(eth_src,0,hrw,ofport,NXM_NX_REG0[],members:4,8),bundle(symmetric_l4,60,active_backup,ofport,members:1,2,3)",
    "sample(probability=1,collector_set_id=1,obs_domain_id=2,obs_point_id=3,sampling_port=LOCAL,ingress),push:NXM_NX_REG0[],pop:NXM_NX_REG1[0..15],fin_timeout(idle_timeout=10)",
    "push_vlan:0x8100,pop_vlan,push_mpls:0x8847,pop_mpls:0x0800,set_mpls_ttl(3),dec_mpls_ttl,mod_nw_ttl:9,set_tunnel64:0x5",
];

fn encodings() -> Vec<(Version, Vec<u8>)> {
    let mut out = Vec::new();
    for v in [Version::Of13, Version::Of15] {
        for s in SAMPLES {
            let acts = parse_actions(s, v).unwrap();
            let mut w = Writer::new();
            encode_actions(&acts, &mut w, v).unwrap();
            out.push((v, w.into_vec()));
        }
    }
    out
}

fn decode(bytes: &[u8], v: Version) -> Result<Vec<Action>, openflow::Error> {
    let mut r = Reader::new(bytes, "actions");
    decode_actions(&mut r, bytes.len(), v)
}

#[test]
fn samples_decode() {
    for (v, b) in encodings() {
        decode(&b, v).unwrap();
    }
}

#[test]
fn truncation_at_every_byte() {
    for (v, b) in encodings() {
        for n in 0..b.len() {
            // A list cut inside an action is an error; cut between actions it decodes.
            let _ = decode(&b[..n], v);
            // The length claimed is longer than the buffer: always an error.
            let mut r = Reader::new(&b[..n], "actions");
            assert!(decode_actions(&mut r, n + 8, v).is_err());
        }
    }
}

#[test]
fn mutations_never_panic() {
    for (v, b) in encodings() {
        for i in 0..b.len() {
            for x in [0u8, 1, 7, 8, 0x10, 0x7f, 0x80, 0xfe, 0xff] {
                let mut m = b.clone();
                m[i] = x;
                if let Ok(acts) = decode(&m, v) {
                    // Whatever decodes re-encodes (possibly differently) without panicking.
                    let mut w = Writer::new();
                    let _ = encode_actions(&acts, &mut w, v);
                }
            }
        }
    }
}

#[test]
fn lying_and_zero_lengths() {
    let v = Version::Of15;
    // Zero length.
    let e = decode(&[0, 0, 0, 0, 0, 0, 0, 0], v)
        .unwrap_err()
        .to_string();
    assert!(e.contains("action length 0"), "{e}");
    // Odd length.
    assert!(decode(&[0, 0, 0, 9, 0, 0, 0, 0, 0], v).is_err());
    // Length beyond the list.
    assert!(decode(&[0, 0, 0, 16, 0, 0, 0, 1], v).is_err());
    // An output action claiming 8 bytes (it has 16).
    let e = decode(&[0, 0, 0, 8, 0, 0, 0, 1], v)
        .unwrap_err()
        .to_string();
    assert!(e.contains("OFPAT_OUTPUT"), "{e}");
    // A Nicira action shorter than its header.
    assert!(decode(&[0xff, 0xff, 0, 8, 0, 0, 0x23, 0x20], v).is_err());
    // ct whose nested action claims more than ct holds.
    let mut ct = vec![
        0xff, 0xff, 0, 32, 0, 0, 0x23, 0x20, 0, 35, 0, 1, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0, 0, 0,
    ];
    ct.extend_from_slice(&[0, 0, 0, 16, 0, 0, 0, 1]);
    let e = decode(&ct, v).unwrap_err().to_string();
    assert!(e.contains("exceeds"), "{e}");
    // Errors name the byte offset.
    let mut two = vec![0, 22, 0, 8, 0, 0, 0, 1];
    two.extend_from_slice(&[0, 0, 0, 8, 0, 0, 0, 1]);
    let e = decode(&two, v).unwrap_err().to_string();
    assert!(e.contains("at byte 8"), "{e}");
}

fn nested_clones(depth: usize) -> Vec<u8> {
    let mut inner = vec![0, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
    for _ in 0..depth {
        let len = (16 + inner.len()) as u16;
        let mut c = vec![0xff, 0xff];
        c.extend_from_slice(&len.to_be_bytes());
        c.extend_from_slice(&[0, 0, 0x23, 0x20, 0, 42, 0, 0, 0, 0, 0, 0]);
        c.extend_from_slice(&inner);
        inner = c;
    }
    inner
}

#[test]
fn deep_nesting_is_an_error() {
    let v = Version::Of13;
    assert!(decode(&nested_clones(10), v).is_ok());
    let e = decode(&nested_clones(100), v).unwrap_err().to_string();
    assert!(e.contains("nested"), "{e}");
    // Text.
    let deep = format!("{}output:1{}", "clone(".repeat(100), ")".repeat(100));
    let e = parse_actions(&deep, v).unwrap_err().to_string();
    assert!(e.contains("nested too deeply"), "{e}");
    let ok = format!("{}output:1{}", "clone(".repeat(10), ")".repeat(10));
    assert!(parse_actions(&ok, v).is_ok());
    // Unbalanced parentheses and garbage never panic.
    for s in [
        "clone(",
        "clone(((",
        ")))",
        "ct(exec(",
        "learn(",
        "output:",
        "load:->",
        "set_field:->",
        "move:->",
        "note:zz",
        "resubmit(,,,)",
        "controller(userdata=0)",
        "ct(nat(src=1.2.3.4-1.2.3.3))",
        "check_pkt_larger(",
        "bundle(",
        "enqueue:",
        "\u{e9}\u{e9}",
    ] {
        let _ = parse_actions(s, v);
    }
}

#[test]
fn instructions_hostile() {
    for v in [Version::Of13, Version::Of15] {
        let acts = parse_actions(
            "meter:1,output:1,clear_actions,write_actions(output:3),write_metadata:0x1/0x1,goto_table:9",
            v,
        )
        .unwrap();
        let insts = actions_to_instructions(&acts, v).unwrap();
        let mut w = Writer::new();
        encode_instructions(&insts, &mut w, v).unwrap();
        let b = w.into_vec();
        let dec = |b: &[u8]| {
            let mut r = Reader::new(b, "instructions");
            decode_instructions(&mut r, b.len(), v)
        };
        dec(&b).unwrap();
        for n in 0..b.len() {
            let _ = dec(&b[..n]);
            for x in [0u8, 4, 8, 0xff] {
                let mut m = b.clone();
                m[n] = x;
                let _ = dec(&m);
            }
        }
        // Duplicate instruction.
        let dup = [0, 1, 0, 8, 1, 0, 0, 0, 0, 1, 0, 8, 2, 0, 0, 0];
        assert!(dec(&dup).unwrap_err().to_string().contains("duplicate"));
        // Zero length.
        assert!(dec(&[0, 1, 0, 0, 0, 0, 0, 0]).is_err());
    }
}

#[test]
fn unknown_actions_are_kept() {
    for v in [Version::Of13, Version::Of15] {
        // Another vendor's action, an unknown Nicira subtype, an unknown standard type.
        let raw: Vec<u8> = [
            &[0xff, 0xff, 0, 16, 0, 0, 0x12, 0x34, 1, 2, 3, 4, 5, 6, 7, 8][..],
            &[
                0xff, 0xff, 0, 16, 0, 0, 0x23, 0x20, 0, 200, 1, 2, 3, 4, 5, 6,
            ][..],
            &[0, 99, 0, 8, 1, 2, 3, 4][..],
        ]
        .concat();
        let acts = decode(&raw, v).unwrap();
        assert_eq!(acts.len(), 3);
        assert!(acts.iter().all(|a| matches!(a, Action::Unknown(_))));
        let mut w = Writer::new();
        encode_actions(&acts, &mut w, v).unwrap();
        assert_eq!(w.as_slice(), &raw[..]);
        // And through text.
        let mut s = String::new();
        openflow::action::format_actions(&acts, v, &mut s);
        assert_eq!(parse_actions(&s, v).unwrap(), acts);
    }
}
