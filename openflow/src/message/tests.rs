use super::*;
use crate::ErrorKind;
use crate::version::VersionSet;
use proptest::prelude::*;
use proptest::strategy::ValueTree;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn roundtrip(v: Version, xid: u32, m: &Message) -> Vec<u8> {
    let b = m.encode(v, xid).unwrap();
    let (v2, x2, m2) = Message::decode(&b).unwrap();
    assert_eq!((v2, x2), (v, xid));
    assert_eq!(&m2, m);
    assert_eq!(m2.encode(v, xid).unwrap(), b);
    b
}

#[test]
fn header_and_framing() {
    let b = hex("04 00 0010 00000001 0001 0008 00000010");
    let h = Header::decode(&b).unwrap();
    assert_eq!(
        h,
        Header {
            version: 4,
            type_: 0,
            length: 16,
            xid: 1
        }
    );
    let mut w = Writer::new();
    h.encode(&mut w);
    assert_eq!(w.as_slice(), &b[..8]);
    assert_eq!(frame_len(&b[..7]).unwrap(), None);
    assert_eq!(frame_len(&b[..8]).unwrap(), Some(16));
    assert!(frame_len(&hex("04 00 0007 00000001")).is_err());
    assert!(frame_len(&hex("04 00 0000 00000001")).is_err());
    // The header length must be the buffer's.
    assert!(Message::decode(&b[..15]).is_err());
    let mut longer = b.clone();
    longer.push(0);
    assert!(Message::decode(&longer).is_err());
    // Unsupported version.
    assert!(Message::decode(&hex("01 00 0008 00000001")).is_err());
}

#[test]
fn hello_fixture() {
    let b = hex("04 00 0010 00000001 0001 0008 00000050");
    let (v, xid, m) = Message::decode(&b).unwrap();
    assert_eq!((v, xid), (Version::Of13, 1));
    let Message::Hello(h) = &m else {
        panic!("{m:?}")
    };
    assert_eq!(
        h.versions(),
        Some(VersionSet::of(&[Version::Of13, Version::Of15]))
    );
    assert_eq!(
        Message::Hello(Hello::new(VersionSet::of(&[Version::Of13, Version::Of15])))
            .encode(Version::Of13, 1)
            .unwrap(),
        b
    );
    // A hello from an OpenFlow 1.0 switch decodes for negotiation.
    let (wire, _, h) = Message::decode_hello(&hex("01 00 0008 00000002")).unwrap();
    assert_eq!((wire, h.versions()), (1, None));
    // An element with an odd-length bitmap, and a zero-length element.
    assert!(Message::decode(&hex("04 00 0010 00000001 0001 0007 00000050")).is_err());
    assert!(Message::decode(&hex("04 00 0010 00000001 0001 0000 00000050")).is_err());
}

#[test]
fn echo_barrier_features_config_role() {
    let b = roundtrip(Version::Of13, 7, &Message::EchoRequest(b"abcd".to_vec()));
    assert_eq!(b, hex("04 02 000c 00000007 61626364"));
    assert_eq!(
        roundtrip(Version::Of15, 9, &Message::BarrierRequest),
        hex("06 14 0008 00000009")
    );
    assert!(Message::decode(&hex("04 14 0009 00000009 00")).is_err());
    let f = Message::FeaturesReply(FeaturesReply {
        datapath_id: 0x0102030405060708,
        n_buffers: 256,
        n_tables: 254,
        auxiliary_id: 0,
        capabilities: 0x4f,
        reserved: 0,
    });
    assert_eq!(
        roundtrip(Version::Of13, 2, &f),
        hex("04 06 0020 00000002 0102030405060708 00000100 fe 00 0000 0000004f 00000000")
    );
    let c = Message::SetConfig(SwitchConfig {
        flags: 0,
        miss_send_len: 0xffff,
    });
    assert_eq!(
        roundtrip(Version::Of13, 3, &c),
        hex("04 09 000c 00000003 0000 ffff")
    );
    let r = Message::RoleRequest(Role {
        role: Role::PRIMARY,
        generation_id: 5,
    });
    assert_eq!(
        roundtrip(Version::Of14, 4, &r),
        hex("05 18 0018 00000004 00000002 00000000 0000000000000005")
    );
}

#[test]
fn error_names() {
    let b = hex("04 01 0010 00000005 0001 0001 deadbeef");
    let (_, _, m) = Message::decode(&b).unwrap();
    let Message::Error(e) = &m else {
        panic!("{m:?}")
    };
    assert_eq!(e.kind.name(), Some("OFPBRC_BAD_TYPE"));
    assert_eq!(e.data, hex("deadbeef"));
    assert_eq!(m.encode(Version::Of13, 5).unwrap(), b);

    // Names by version.
    let k = ErrorKind::from_name("OFPBAC_BAD_LEN", Version::Of13).unwrap();
    assert_eq!((k.type_, k.code, k.experimenter), (2, 1, None));
    let bpc13 = ErrorKind::from_name("OFPBPC_BAD_TYPE", Version::Of13).unwrap();
    let bpc14 = ErrorKind::from_name("OFPBPC_BAD_TYPE", Version::Of14).unwrap();
    assert_eq!((bpc13.type_, bpc13.code), (13, 2));
    assert_eq!((bpc14.type_, bpc14.code), (14, 0));
    assert_eq!(bpc13.name_in(Version::Of14), None);
    // A Nicira error in OpenFlow 1.3 is an experimenter error.
    let nx = ErrorKind::from_name("NXBRC_MUST_BE_ZERO", Version::Of13).unwrap();
    assert_eq!((nx.type_, nx.experimenter), (0xffff, Some(NX_VENDOR_ID)));
    let m = Message::Error(ErrorMsg {
        kind: nx,
        data: vec![1, 2, 3],
    });
    let b = roundtrip(Version::Of13, 1, &m);
    assert_eq!(
        &b[8..12],
        &[0xff, 0xff, (nx.code >> 8) as u8, nx.code as u8]
    );
    assert_eq!(&b[12..16], &NX_VENDOR_ID.to_be_bytes());
    // Bundle errors: ONF experimenter in 1.3, standard in 1.4.
    let onf = ErrorKind::from_name("OFPBFC_MSG_BAD_XID", Version::Of13).unwrap();
    assert_eq!(onf.experimenter, Some(ONF_VENDOR_ID));
    let std14 = ErrorKind::from_name("OFPBFC_MSG_BAD_XID", Version::Of14).unwrap();
    assert_eq!((std14.type_, std14.experimenter), (17, None));
    // Every name maps back to itself in every version it exists in.
    for v in Version::ALL {
        for (name, k) in ErrorKind::all(v) {
            assert_eq!(k.name(), Some(name), "{v} {k}");
            assert_eq!(k.name_in(v), Some(name), "{v} {k}");
        }
    }
    assert_eq!(
        ErrorKind {
            type_: 0x7777,
            code: 1,
            experimenter: None
        }
        .name(),
        None
    );
    // Inconsistent experimenter errors do not encode.
    let bad = Message::Error(ErrorMsg {
        kind: ErrorKind {
            type_: 1,
            code: 1,
            experimenter: Some(1),
        },
        data: vec![],
    });
    assert!(bad.encode(Version::Of13, 1).is_err());
    // An experimenter error too short for its experimenter id.
    assert!(Message::decode(&hex("04 01 000e 00000005 ffff 0001 0000")).is_err());
}

fn empty_match_bytes() -> &'static str {
    "0001 0004 00000000"
}

#[test]
fn flow_mod_fixture() {
    // OpenFlow 1.3 flow mod: add, table 1, priority 100, cookie 0x10, empty match,
    // goto_table:2.
    let b = hex(&format!(
        "04 0e 0040 0000000a \
         0000000000000010 0000000000000000 01 00 0000 0000 0064 ffffffff \
         ffffffff ffffffff 0000 0000 {} 0001 0008 02 000000",
        empty_match_bytes()
    ));
    let (v, xid, m) = Message::decode(&b).unwrap();
    assert_eq!((v, xid), (Version::Of13, 10));
    let Message::FlowMod(f) = &m else {
        panic!("{m:?}")
    };
    assert_eq!((f.cookie, f.table_id, f.priority), (0x10, 1, 100));
    assert_eq!(f.match_, Match::new());
    assert_eq!(f.instructions.len(), 1);
    assert_eq!(m.encode(Version::Of13, 10).unwrap(), b);
    // Importance is OpenFlow 1.4+.
    let mut f2 = f.clone();
    f2.importance = 3;
    let e = Message::FlowMod(f2.clone())
        .encode(Version::Of13, 1)
        .unwrap_err();
    assert!(e.to_string().contains("importance"), "{e}");
    roundtrip(Version::Of14, 1, &Message::FlowMod(f2));
    // A match whose length overruns the message.
    let mut bad = b.clone();
    bad[50] = 0x40;
    assert!(Message::decode(&bad).is_err());
    // A zero-length instruction.
    let mut bad = b.clone();
    bad[58] = 0;
    bad[59] = 0;
    assert!(Message::decode(&bad).is_err());
}

#[test]
fn packet_out_versions() {
    let p = PacketOut {
        buffer_id: NO_BUFFER,
        in_port: 3,
        data: vec![0xaa; 14],
        ..PacketOut::default()
    };
    let b = roundtrip(Version::Of13, 1, &Message::PacketOut(p.clone()));
    assert_eq!(&b[8..24], &hex("ffffffff 00000003 0000 000000000000")[..]);
    // OpenFlow 1.5 has no in_port field.
    assert!(Message::PacketOut(p).encode(Version::Of15, 1).is_err());
    let p15 = PacketOut {
        data: vec![1, 2, 3],
        ..PacketOut::default()
    };
    let b = roundtrip(Version::Of15, 1, &Message::PacketOut(p15));
    assert_eq!(&b[8..16], &hex("ffffffff 0000 0000")[..]);
    // actions_len beyond the message.
    let mut bad = b.clone();
    bad[12] = 0x10;
    assert!(Message::decode(&bad).is_err());
}

#[test]
fn flow_removed_oxs() {
    let f = FlowRemoved {
        cookie: 1,
        priority: 2,
        reason: 1,
        table_id: 3,
        duration_sec: 4,
        duration_nsec: 5,
        idle_timeout: 6,
        hard_timeout: 7,
        packet_count: 8,
        byte_count: 9,
        match_: Match::new(),
    };
    let b = roundtrip(Version::Of15, 1, &Message::FlowRemoved(f.clone()));
    // Fixed part, empty match, then ofp_stats with duration, packets, bytes.
    assert_eq!(
        &b[8..],
        &hex("03 01 0002 0006 0007 0000000000000001 0001 0004 00000000 \
             0000 0028 80020008 00000004 00000005 80020808 0000000000000008 \
             80020a08 0000000000000009")[..]
    );
    roundtrip(Version::Of13, 1, &Message::FlowRemoved(f));
}

#[test]
fn bundles() {
    let inner = Message::BarrierRequest;
    let add = Message::BundleAdd(BundleAdd::new(7, BundleControl::ATOMIC, inner));
    let b13 = roundtrip(Version::Of13, 0x42, &add);
    assert_eq!(
        b13,
        hex("04 04 0020 00000042 4f4e4600 000008fd 00000007 0000 0001 04 14 0008 00000042")
    );
    let b14 = roundtrip(Version::Of14, 0x42, &add);
    assert_eq!(
        b14,
        hex("05 22 0018 00000042 00000007 0000 0001 05 14 0008 00000042")
    );
    // Inner xid differs from the outer one.
    let mut bad = b14.clone();
    bad[23] = 0x43;
    let e = Message::decode(&bad).unwrap_err().to_string();
    assert!(e.contains("xid"), "{e}");
    // Inner version differs.
    let mut bad = b14.clone();
    bad[16] = 4;
    assert!(Message::decode(&bad).is_err());
    // Inner length lies.
    let mut bad = b14.clone();
    bad[19] = 0x09;
    assert!(Message::decode(&bad).is_err());
    let mut bad = b14.clone();
    bad[19] = 0x07;
    assert!(Message::decode(&bad).is_err());
    // An inner message that does not decode is kept as bytes.
    let raw = hex("05 0e 000c 00000042 00000000");
    let mut w = hex("05 22 0000 00000042 00000007 0000 0001");
    w.extend_from_slice(&raw);
    let len = w.len() as u16;
    w[2..4].copy_from_slice(&len.to_be_bytes());
    let (_, _, m) = Message::decode(&w).unwrap();
    let Message::BundleAdd(a) = &m else {
        panic!("{m:?}")
    };
    assert_eq!(a.message, BundleInner::Raw(raw));
    assert_eq!(m.encode(Version::Of14, 0x42).unwrap(), w);
    // ...but only with the matching xid.
    assert!(m.encode(Version::Of14, 0x43).is_err());
    // Nested bundles are refused both ways.
    let nested = Message::BundleAdd(BundleAdd::new(
        1,
        0,
        Message::BundleControl(BundleControl::default()),
    ));
    assert!(nested.encode(Version::Of14, 1).is_err());
    let mut w = hex("05 22 0000 00000001 00000007 0000 0001 05 21 0010 00000001 00000000 00000000");
    let len = w.len() as u16;
    w[2..4].copy_from_slice(&len.to_be_bytes());
    let (_, _, m) = Message::decode(&w).unwrap();
    assert!(matches!(
        m,
        Message::BundleAdd(BundleAdd {
            message: BundleInner::Raw(_),
            ..
        })
    ));
    // Control.
    let ctl = Message::BundleControl(BundleControl {
        bundle_id: 7,
        type_: BundleControl::COMMIT_REQUEST,
        flags: BundleControl::ATOMIC | BundleControl::ORDERED,
        properties: vec![],
    });
    assert_eq!(
        roundtrip(Version::Of13, 1, &ctl),
        hex("04 04 0018 00000001 4f4e4600 000008fc 00000007 0004 0003")
    );
    assert_eq!(
        roundtrip(Version::Of15, 1, &ctl),
        hex("06 21 0010 00000001 00000007 0004 0003")
    );
}

#[test]
fn too_big_and_wrong_version() {
    let m = Message::EchoRequest(vec![0; 65_527]);
    assert!(m.encode(Version::Of13, 1).is_ok());
    let m = Message::EchoRequest(vec![0; 65_528]);
    let e = m.encode(Version::Of13, 1).unwrap_err().to_string();
    assert!(e.contains("65,535"), "{e}");
    // encode_into leaves the writer as it was on error.
    let mut w = Writer::new();
    Message::BarrierRequest
        .encode_into(Version::Of13, 1, &mut w)
        .unwrap();
    assert!(m.encode_into(Version::Of13, 2, &mut w).is_err());
    assert_eq!(w.len(), 8);
    // Messages that do not exist in a version.
    assert!(
        Message::SetAsyncConfig2(vec![])
            .encode(Version::Of14, 1)
            .is_err()
    );
    assert!(Message::FlowMonitorPaused.encode(Version::Of15, 1).is_err());
    let e = Message::SetAsync(AsyncConfig::Props(vec![]))
        .encode(Version::Of13, 1)
        .unwrap_err()
        .to_string();
    assert!(e.contains("OpenFlow13"), "{e}");
}

#[test]
fn unknown_and_experimenter_are_kept() {
    for b in [
        hex("04 16 000c 00000001 01020304"),
        hex("04 04 0014 00000001 12345678 00000009 aabbccdd"),
        hex("04 04 0010 00000001 00002320 000000ff"),
        // OpenFlow 1.3 has no bundle control type.
        hex("04 21 0010 00000001 00000007 0004 0003"),
        hex("06 ff 0008 00000001"),
    ] {
        let (v, xid, m) = Message::decode(&b).unwrap();
        assert!(
            matches!(m, Message::Unknown { .. } | Message::Experimenter { .. }),
            "{m:?}"
        );
        assert_eq!(m.encode(v, xid).unwrap(), b);
    }
}

#[test]
fn packet_in2_fixture() {
    // Packet (4 bytes), table 3, cookie 5, reason 1, userdata, continuation with a bridge,
    // conntracked and table id.
    let body = "0000 0008 01020304 \
                0003 0005 03 000000 \
                0004 0010 00000000 0000000000000005 \
                0005 0005 01 000000 \
                0008 0030 00000000 \
                  8000 0014 000102030405060708090a0b0c0d0e0f 00000000 \
                  8003 0004 00000000 \
                  8004 0005 07 000000 \
                0007 0006 abcd 0000";
    let mut b = hex(&format!("04 04 0000 00000001 00002320 0000001e {body}"));
    let len = b.len() as u16;
    b[2..4].copy_from_slice(&len.to_be_bytes());
    let (_, _, m) = Message::decode(&b).unwrap();
    let Message::PacketIn2(p) = &m else {
        panic!("{m:?}")
    };
    assert_eq!(p.packet, vec![1, 2, 3, 4]);
    assert_eq!(
        (p.table_id, p.cookie, p.reason),
        (Some(3), Some(5), Some(1))
    );
    assert_eq!(p.userdata.as_deref(), Some(&[0xab, 0xcd][..]));
    let c = p.continuation.as_ref().unwrap();
    assert_eq!(c.len(), 3);
    assert_eq!(c[1], ContinuationProp::Conntracked);
    assert_eq!(c[2], ContinuationProp::TableId(7));
    assert_eq!(m.encode(Version::Of13, 1).unwrap(), b);
    // Resume echoes it.
    let r = Message::Resume(p.clone());
    roundtrip(Version::Of15, 1, &r);
    // A zero-length property.
    let mut bad = hex("04 04 0018 00000001 00002320 0000001e 0003 0000 03 000000");
    assert!(Message::decode(&bad).is_err());
    // A cookie property of the wrong size.
    bad = hex("04 04 0020 00000001 00002320 0000001e 0004 000c 00000000 00000005");
    assert!(Message::decode(&bad).is_err());
}

#[test]
fn nicira_small_messages() {
    assert_eq!(
        roundtrip(Version::Of13, 1, &Message::SetPacketInFormat(2)),
        hex("04 04 0014 00000001 00002320 00000010 00000002")
    );
    assert_eq!(
        roundtrip(Version::Of13, 1, &Message::SetControllerId(9)),
        hex("04 04 0018 00000001 00002320 00000014 000000000000 0009")
    );
    assert_eq!(
        roundtrip(Version::Of15, 1, &Message::CtFlushZone(5)),
        hex("06 04 0018 00000001 00002320 0000001d 000000000000 0005")
    );
    let t = Message::TlvTableMod(TlvTableMod {
        command: 0,
        mappings: vec![TlvMap {
            option_class: 0xffff,
            option_type: 0,
            option_len: 4,
            index: 0,
        }],
    });
    assert_eq!(
        roundtrip(Version::Of13, 1, &t),
        hex("04 04 0020 00000001 00002320 00000018 0000 000000000000 ffff 00 04 0000 0000")
    );
    // TLV mappings that are not whole.
    assert!(
        Message::decode(&hex(
            "04 04 001c 00000001 00002320 00000018 0000 000000000000 ffff0004"
        ))
        .is_err()
    );
}

#[test]
fn multipart_fixtures() {
    let req = Message::MultipartRequest(MultipartRequest::new(MultipartRequestBody::Desc));
    assert_eq!(
        roundtrip(Version::Of13, 1, &req),
        hex("04 12 0010 00000001 0000 0000 00000000")
    );
    let pd = Message::MultipartRequest(MultipartRequest::new(MultipartRequestBody::PortDesc(
        OFPP_ANY,
    )));
    assert_eq!(
        roundtrip(Version::Of13, 1, &pd),
        hex("04 12 0010 00000001 000d 0000 00000000")
    );
    assert_eq!(
        roundtrip(Version::Of15, 1, &pd),
        hex("06 12 0018 00000001 000d 0000 00000000 ffffffff 00000000")
    );
    let one = Message::MultipartRequest(MultipartRequest::new(MultipartRequestBody::PortDesc(1)));
    assert!(one.encode(Version::Of13, 1).is_err());
    let mut reply = MultipartReply::new(MultipartReplyBody::Aggregate(AggregateStats {
        packet_count: 1,
        byte_count: 2,
        flow_count: 3,
    }));
    reply.flags = MultipartReply::MORE;
    let m = Message::MultipartReply(reply);
    let b = roundtrip(Version::Of13, 1, &m);
    assert_eq!(
        b,
        hex(
            "04 13 0028 00000001 0002 0001 00000000 0000000000000001 0000000000000002 00000003 00000000"
        )
    );
    let Message::MultipartReply(r) = Message::decode(&b).unwrap().2 else {
        panic!()
    };
    assert!(r.more());
    roundtrip(Version::Of15, 1, &m);
    // A flow stats entry whose length is zero must not loop.
    assert!(
        Message::decode(&hex(
            "04 13 0018 00000001 0001 0000 00000000 0000 0000 00000000"
        ))
        .is_err()
    );
    // A port desc reply with a truncated port.
    assert!(
        Message::decode(&hex(
            "04 13 0018 00000001 000d 0000 00000000 00000001 00000000"
        ))
        .is_err()
    );
}

#[test]
fn zero_and_short_lengths_in_nested_tlvs() {
    // OpenFlow 1.4 port status whose port has a zero-length property after the Ethernet one.
    let p = Port {
        port_no: 1,
        name: "p1".into(),
        ..Port::default()
    };
    let mut b = Message::PortStatus(PortStatus { reason: 0, port: p })
        .encode(Version::Of14, 1)
        .unwrap();
    let n = b.len();
    b.extend_from_slice(&[0xff, 0xff, 0, 0, 0, 0, 0, 0]);
    let total = (b.len()) as u16;
    b[2..4].copy_from_slice(&total.to_be_bytes());
    let plen = (n - 16 + 8) as u16;
    b[20..22].copy_from_slice(&plen.to_be_bytes());
    assert!(Message::decode(&b).is_err());
    // A table features property of length 0 and one of length 3.
    for l in [0u8, 3] {
        let mut tf = Vec::new();
        tf.extend_from_slice(&[0, 72, 0, 0, 0, 0, 0, 0]);
        tf.extend_from_slice(&[0; 56]);
        tf.extend_from_slice(&[0, 0, 0, l, 0, 0, 0, 0]);
        let mut m = hex("04 13 0000 00000001 000c 0000 00000000");
        m.extend_from_slice(&tf);
        let len = m.len() as u16;
        m[2..4].copy_from_slice(&len.to_be_bytes());
        assert!(Message::decode(&m).is_err(), "length {l}");
    }
    // A meter band of length 0.
    assert!(
        Message::decode(&hex(
            "04 1d 0018 00000001 0000 0000 00000001 0001 0000 00000000"
        ))
        .is_err()
    );
    // A bucket of length 0.
    assert!(
        Message::decode(&hex(
            "04 0f 0018 00000001 0000 00 00 00000001 0000 0000 00000000"
        ))
        .is_err()
    );
    // OXS statistics of length 0.
    let f = Message::FlowRemoved(FlowRemoved::default())
        .encode(Version::Of15, 1)
        .unwrap();
    let mut bad = f.clone();
    bad[34] = 0;
    bad[35] = 0;
    assert!(Message::decode(&bad).is_err());
}

/// Messages worth mutating in the hostile tests: one per family, both versions.
fn samples(v: Version) -> Vec<Message> {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let s = crate::strategy::message(v);
    (0..300)
        .map(|_| s.new_tree(&mut runner).unwrap().current())
        .collect()
}

#[test]
fn truncated_at_every_byte() {
    for v in Version::ALL {
        for m in samples(v) {
            let b = m.encode(v, 1).unwrap();
            for n in 0..b.len() {
                let mut t = b[..n].to_vec();
                let _ = Message::decode(&t);
                if n >= 8 {
                    // Fix the header so that the body decoders see the truncation.
                    t[2..4].copy_from_slice(&(n as u16).to_be_bytes());
                    let _ = Message::decode(&t);
                }
            }
        }
    }
}

#[test]
fn lying_lengths() {
    for v in Version::ALL {
        for m in samples(v) {
            let b = m.encode(v, 1).unwrap();
            for i in 8..b.len().saturating_sub(1) {
                for val in [0u16, 1, 3, 4, 7, 8, 0x7fff, 0xffff] {
                    let mut t = b.clone();
                    t[i..i + 2].copy_from_slice(&val.to_be_bytes());
                    if let Ok((v2, x, m2)) = Message::decode(&t) {
                        // Whatever decodes must encode again.
                        let _ = m2.encode(v2, x);
                    }
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn roundtrip_13(m in crate::strategy::message(Version::Of13), xid in any::<u32>()) {
        roundtrip(Version::Of13, xid, &m);
    }

    #[test]
    fn roundtrip_14(m in crate::strategy::message(Version::Of14), xid in any::<u32>()) {
        roundtrip(Version::Of14, xid, &m);
    }

    #[test]
    fn roundtrip_15(m in crate::strategy::message(Version::Of15), xid in any::<u32>()) {
        roundtrip(Version::Of15, xid, &m);
    }

    #[test]
    fn random_bodies_never_panic(
        version in 4u8..=6,
        type_ in prop_oneof![0u8..=35, Just(4u8)],
        body in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let mut b = vec![version, type_, 0, 0, 0, 0, 0, 1];
        b.extend_from_slice(&body);
        let len = b.len() as u16;
        b[2..4].copy_from_slice(&len.to_be_bytes());
        let _ = Message::decode(&b);
    }

    #[test]
    fn mutated_messages_never_panic(
        m in crate::strategy::message(Version::Of15),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut b = m.encode(Version::Of15, 1).unwrap();
        for (i, x) in flips {
            let n = b.len();
            let i = 2 + i.index(n - 2);
            if i >= 4 { b[i] = x; }
        }
        let _ = Message::decode(&b);
    }
}

/// `Message::decode_flow_mod_into`, decoding message after message into one `FlowMod`,
/// gives what `Message::decode` gives: the same flow_mod, or the same error.
#[test]
fn flow_mod_into_agrees_with_decode() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut fm = FlowMod::default();
    let mut check = |b: &[u8]| match Message::decode_flow_mod_into(b, &mut fm) {
        Ok(Some((v, xid))) => {
            let (v2, xid2, m) = Message::decode(b).unwrap();
            assert_eq!((v, xid), (v2, xid2));
            assert_eq!(m, Message::FlowMod(fm.clone()));
        }
        Ok(None) => assert!(!matches!(
            Message::decode(b),
            Ok((_, _, Message::FlowMod(_)))
        )),
        Err(e) => assert_eq!(Message::decode(b).unwrap_err().to_string(), e.to_string()),
    };
    for v in Version::ALL {
        let s = crate::strategy::flow_mod(v);
        let mut msgs: Vec<Vec<u8>> = (0..200)
            .map(|_| {
                let f = s.new_tree(&mut runner).unwrap().current();
                Message::FlowMod(f).encode(v, 7).unwrap()
            })
            .collect();
        msgs.extend(samples(v).iter().map(|m| m.encode(v, 1).unwrap()));
        for b in &msgs {
            check(b);
            // Truncated (header fixed) and with a lying length inside.
            for n in (8..b.len()).step_by(3) {
                let mut t = b[..n].to_vec();
                t[2..4].copy_from_slice(&(n as u16).to_be_bytes());
                check(&t);
                check(b);
            }
            for i in (8..b.len().saturating_sub(1)).step_by(5) {
                let mut t = b.clone();
                t[i..i + 2].copy_from_slice(&0xffffu16.to_be_bytes());
                check(&t);
            }
        }
    }
}
