use super::*;
use crate::wire::{Reader, Writer};

fn rt(text: &str, v: Version) -> String {
    let acts = parse_actions(text, v).unwrap();
    let mut s = String::new();
    format_actions(&acts, v, &mut s);
    s
}

#[test]
fn basic_text() {
    assert_eq!(rt("resubmit(,5)", Version::Of13), "resubmit(,5)");
    assert_eq!(rt("", Version::Of13), "drop");
    assert_eq!(
        rt("note:de.ad.be.ef", Version::Of13),
        "note:de.ad.be.ef.00.00"
    );
}

#[test]
fn wire_roundtrip() {
    for v in [Version::Of13, Version::Of15] {
        let acts = parse_actions(
            "output:1,resubmit(,5),ct(commit,zone=5,exec(set_field:1->ct_mark))",
            v,
        )
        .unwrap();
        let mut w = Writer::new();
        let n = encode_actions(&acts, &mut w, v).unwrap();
        let mut r = Reader::new(w.as_slice(), "t");
        let back = decode_actions(&mut r, n, v).unwrap();
        assert_eq!(back, canonical_actions(&acts, v));
    }
}

#[test]
fn zero_mask_set_field_text_reads_back() {
    // Found by the of_text fuzz target: a zero mask prints as `ANY` (as in ovs-ofctl),
    // which must parse again to the same action.
    let v = Version::Of15;
    let printed = rt("ct(commit,exec(set_field:0x1/0x0->ct_mark))", v);
    assert_eq!(printed, "ct(commit,exec(set_field:ANY->ct_mark))");
    assert_eq!(rt(&printed, v), printed);
    assert_eq!(
        parse_actions("set_field:ANY->reg0", v).unwrap(),
        parse_actions("set_field:0/0->reg0", v).unwrap()
    );
}

#[test]
fn tun_metadata_values_take_the_bytes_they_need() {
    // Bytes as Debian's ovs-ofctl 3.1 sends them (OF1.5 set_field; the value's length is
    // Open vSwitch's `mf_field_len`; headers of move carry the maximum, 124).
    let wire = |text: &str| {
        let acts = parse_actions(text, Version::Of15).unwrap();
        let mut w = Writer::new();
        encode_actions(&acts, &mut w, Version::Of15).unwrap();
        let bytes = w.into_vec();
        let back =
            decode_actions(&mut Reader::new(&bytes, "t"), bytes.len(), Version::Of15).unwrap();
        assert_eq!(back, canonical_actions(&acts, Version::Of15), "{text}");
        bytes
    };
    assert_eq!(
        wire("set_field:0->tun_metadata6"),
        [0, 0x19, 0, 8, 0, 1, 0x5c, 0]
    );
    assert_eq!(
        wire("load:0x1->NXM_NX_TUN_METADATA0[16..30]"),
        [
            0, 0x19, 0, 0x10, 0, 1, 0x51, 8, 0, 1, 0, 0, 0x7f, 0xff, 0, 0
        ]
    );
    assert_eq!(
        wire("move:NXM_NX_REG14[0..14]->NXM_NX_TUN_METADATA0[0..14]")[12..],
        [0, 1, 0x1c, 4, 0, 1, 0x50, 0x7c, 0, 0, 0, 0]
    );
}

#[test]
fn tun_metadata_limits_are_errors() {
    let v = Version::Of15;
    // Bits 0..127 would read back as the whole field; bits past 127 do not fit 16 bytes.
    for bad in [
        "load:0x1->NXM_NX_TUN_METADATA0[0..127]",
        "load:0x1->NXM_NX_TUN_METADATA0[100..140]",
        "set_field:0x1/0xffffffffffffffffffffffffffffffff->tun_metadata1",
    ] {
        let e = parse_actions(bad, v).unwrap_err().to_string();
        assert!(
            e.contains("not supported") || e.contains("only bits"),
            "{bad}: {e}"
        );
    }
    assert!(parse_actions("load:0x1->NXM_NX_TUN_METADATA0[1..127]", v).is_ok());
    // A value with a set bit beyond 16 bytes (17 bytes: 0x01 then 16 zeros).
    let mut b = vec![0, 0x19, 0, 0x20, 0, 1, 0x52, 17, 1];
    b.extend([0; 16]);
    b.extend([0; 7]);
    let e = decode_actions(&mut Reader::new(&b, "t"), b.len(), v).unwrap_err();
    assert!(e.to_string().contains("wider than 16 bytes"), "{e}");
    // The same value with a zero first byte reads as 16 bytes.
    b[8] = 0;
    b[9] = 7;
    let acts = decode_actions(&mut Reader::new(&b, "t"), b.len(), v).unwrap();
    let mut s = String::new();
    format_actions(&acts, v, &mut s);
    assert_eq!(
        s,
        "set_field:0x7000000000000000000000000000000->tun_metadata1"
    );
}

#[test]
fn instructions_print_in_type_order_whatever_their_order() {
    let all = [
        Instruction::GotoTable(3),
        Instruction::Unknown(vec![0xff, 0xff, 0, 8, 0, 0, 0x23, 0x20]),
        Instruction::WriteMetadata {
            value: 5,
            mask: 0xff,
        },
        Instruction::WriteActions(vec![Action::Resubmit(Resubmit {
            in_port: OfpPort(0xfff8),
            table: 4,
            ct: false,
            legacy: false,
        })]),
        Instruction::ClearActions,
        Instruction::ApplyActions(vec![Action::DecTtl {
            controller_ids: vec![0],
            cnt_ids: false,
        }]),
        Instruction::Meter(7),
    ];
    let ctx = MatchContext {
        ip_proto: None,
        has_vlan: false,
    };
    let print = |list: &[Instruction]| {
        let mut s = String::new();
        format_instructions(list, ctx, Version::Of13, &mut s);
        s
    };
    // In type order (reversed `all`), then every rotation of it and of `all`.
    let mut sorted = all.to_vec();
    sorted.reverse();
    let want = print(&sorted);
    assert!(
        want.starts_with("meter:7,dec_ttl,clear_actions,write_actions("),
        "{want}"
    );
    for base in [sorted.clone(), all.to_vec()] {
        for k in 0..base.len() {
            let mut list = base.clone();
            list.rotate_left(k);
            assert_eq!(print(&list), want, "{list:?}");
            // Two of the same type keep their order.
            list.push(Instruction::Unknown(vec![
                0xff, 0xff, 0, 8, 0, 0, 0x23, 0x21,
            ]));
            assert!(print(&list).ends_with("2320),raw_instruction(ffff000800002321)"));
        }
    }
}

/// `flow_mod_instructions` (one pass, context computed only when needed) gives what
/// `apply_match_context` then `actions_into_instructions` give, errors included.
#[test]
fn flow_mod_instructions_match_the_two_steps() {
    let ctxs = [
        MatchContext::default(),
        MatchContext {
            ip_proto: Some(6),
            has_vlan: true,
        },
        MatchContext {
            ip_proto: Some(17),
            has_vlan: false,
        },
    ];
    let lists = [
        "",
        "drop",
        "load:0x1->NXM_NX_REG10[3],resubmit(,15)",
        "mod_tp_src:80,output:1",
        "mod_vlan_vid:5,mod_vlan_pcp:2,strip_vlan,mod_vlan_vid:6",
        "ct(commit,exec(set_field:1->ct_mark)),mod_tp_dst:53",
        "clone(mod_tp_src:1,clone(mod_tp_dst:2)),output:1",
        "clone(clone(clone(mod_vlan_vid:3)))",
        "push_mpls:0x8847,mod_tp_src:1",
        "meter:1,mod_tp_src:5,write_actions(mod_tp_dst:6,output:2),goto_table:3",
        "write_metadata:0x1/0x1,goto_table:2",
        "conjunction(1,1/2)",
    ];
    for v in [Version::Of13, Version::Of15] {
        for text in lists {
            let acts = parse_actions(text, v).unwrap();
            for ctx in ctxs {
                let mut two = acts.clone();
                apply_match_context(&mut two, ctx);
                let want = actions_into_instructions(two, v);
                let mut asked = false;
                let got = flow_mod_instructions(
                    acts.clone(),
                    || {
                        asked = true;
                        ctx
                    },
                    v,
                );
                let show = |r: &Result<Vec<Instruction>>| format!("{r:?}");
                assert_eq!(show(&got), show(&want), "{text} {ctx:?} {v}");
                if text.contains("mod_") {
                    assert!(asked, "{text}: the context is needed");
                }
            }
        }
    }
    // Lists that break an ordering rule fail as before.
    let bad = vec![
        Action::GotoTable(1),
        Action::Output {
            port: OfpPort(1),
            max_len: 0,
        },
    ];
    let got = flow_mod_instructions(bad.clone(), MatchContext::default, Version::Of15);
    let want = actions_into_instructions(bad, Version::Of15);
    assert!(got.is_err());
    assert_eq!(format!("{got:?}"), format!("{want:?}"));
}
