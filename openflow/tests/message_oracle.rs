//! Oracle tests: messages encoded here are decoded by Debian's `ovs-ofctl` 3.1, and bytes
//! `ovs-ofctl` produces are decoded here. A missing `ovs-ofctl` is a failure.

use std::process::Command;

use openflow::ErrorKind;
use openflow::Version;
use openflow::action::{Action, Instruction, decode_actions, decode_instructions};
use openflow::matching::Match;
use openflow::message::*;
use openflow::version::VersionSet;
use openflow::wire::Reader;

const OVS_OFCTL: &str = "/usr/bin/ovs-ofctl";

fn ofctl(args: &[&str]) -> String {
    let out = Command::new(OVS_OFCTL)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {OVS_OFCTL}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "ovs-ofctl {args:?} failed: {stdout}{stderr}"
    );
    stdout + &stderr
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The bytes of the hex dump ovs-ofctl prints (`00000000  06 0e 00 48 ...-... |...|`).
fn hexdump(out: &str) -> Vec<u8> {
    let mut b = Vec::new();
    for line in out.lines() {
        let Some((off, rest)) = line.split_once("  ") else {
            continue;
        };
        if off.len() != 8 || !off.chars().all(|c| c.is_ascii_hexdigit()) {
            continue;
        }
        let data = rest.split('|').next().unwrap_or("");
        for tok in data.replace('-', " ").split_whitespace() {
            b.push(u8::from_str_radix(tok, 16).unwrap());
        }
    }
    b
}

/// Has ovs-ofctl print `b` and checks it decoded cleanly and printed every `want`.
fn print_ok(b: &[u8], want: &[&str]) -> String {
    let out = ofctl(&["ofp-print", &hex(b)]);
    assert!(
        !out.contains("***") && !out.contains("decode error") && !out.contains("too short"),
        "ovs-ofctl could not decode {}:\n{out}",
        hex(b)
    );
    for w in want {
        assert!(
            out.contains(w),
            "expected {w:?} in ovs-ofctl's output:\n{out}"
        );
    }
    out
}

fn enc(m: &Message, v: Version) -> Vec<u8> {
    let b = m.encode(v, 1).unwrap();
    // Our own decoder agrees.
    let (v2, _, m2) = Message::decode(&b).unwrap();
    assert_eq!((v2, &m2), (v, m));
    b
}

fn oxm_match(fields: &str, v: Version) -> Match {
    let f = unhex(fields);
    let len = 4 + f.len();
    let mut b = vec![0, 1];
    b.extend_from_slice(&(len as u16).to_be_bytes());
    b.extend_from_slice(&f);
    b.resize(len.next_multiple_of(8), 0);
    Match::decode(&mut Reader::new(&b, "match"), v).unwrap()
}

fn in_port(p: u32, v: Version) -> Match {
    oxm_match(&format!("80000004 {p:08x}"), v)
}

fn output(port: u32, v: Version) -> Vec<Action> {
    let b = unhex(&format!("0000 0010 {port:08x} ffff 000000000000"));
    decode_actions(&mut Reader::new(&b, "actions"), b.len(), v).unwrap()
}

fn instructions(hexs: &str, v: Version) -> Vec<Instruction> {
    let b = unhex(hexs);
    decode_instructions(&mut Reader::new(&b, "instructions"), b.len(), v).unwrap()
}

fn apply_output(port: u32, v: Version) -> Vec<Instruction> {
    instructions(
        &format!("0004 0018 00000000 0000 0010 {port:08x} ffff 000000000000"),
        v,
    )
}

/// An Ethernet/IPv4/UDP frame.
fn packet() -> Vec<u8> {
    unhex(
        "0a0000000002 0a0000000001 0800 \
         4500 001c 0000 4000 4011 0000 0a000001 0a000002 \
         0035 0035 0008 0000",
    )
}

#[test]
fn hello_both_ways() {
    let b = enc(
        &Message::Hello(Hello::new(VersionSet::of(&[Version::Of13, Version::Of15]))),
        Version::Of15,
    );
    print_ok(&b, &["OFPT_HELLO (OF1.5)", "version bitmap: 0x04, 0x06"]);
    let theirs = hexdump(&ofctl(&["encode-hello", "0x70"]));
    let (v, _, m) = Message::decode(&theirs).unwrap();
    assert_eq!(v, Version::Of15);
    let Message::Hello(h) = &m else {
        panic!("{m:?}")
    };
    assert_eq!(h.versions(), Some(VersionSet::of(&Version::ALL)));
    assert_eq!(m.encode(v, 1).unwrap(), theirs);
}

#[test]
fn every_error_name_matches_ovs() {
    // One batch file per version, printed by ofp-parse.
    for v in Version::ALL {
        let kinds: Vec<_> = ErrorKind::all(v).collect();
        let mut file = Vec::new();
        for (i, (_, k)) in kinds.iter().enumerate() {
            file.extend(
                Message::Error(ErrorMsg {
                    kind: *k,
                    data: Message::BarrierRequest.encode(v, 9).unwrap(),
                })
                .encode(v, i as u32)
                .unwrap(),
            );
        }
        let dir = std::env::temp_dir().join(format!("of-msg-errors-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}.bin", v.name()));
        std::fs::write(&path, &file).unwrap();
        let out = ofctl(&["ofp-parse", path.to_str().unwrap()]);
        let lines: Vec<&str> = out
            .lines()
            .filter(|l| l.starts_with("OFPT_ERROR"))
            .collect();
        assert_eq!(lines.len(), kinds.len(), "{out}");
        for ((name, k), line) in kinds.iter().zip(&lines) {
            assert!(
                line.ends_with(&format!(": {name}")),
                "{v}: {k} should print as {name}: {line}"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
    // And ovs-ofctl's own encoding of an error decodes to the same name.
    let theirs = hexdump(&ofctl(&[
        "encode-error-reply",
        "NXBRC_MUST_BE_ZERO",
        "0400000800000007",
    ]));
    let (_, xid, m) = Message::decode(&theirs).unwrap();
    assert_eq!(xid, 7);
    let Message::Error(e) = &m else {
        panic!("{m:?}")
    };
    assert_eq!(e.kind.name(), Some("NXBRC_MUST_BE_ZERO"));
    assert_eq!(m.encode(Version::Of13, 7).unwrap(), theirs);
}

#[test]
fn simple_messages() {
    for v in Version::ALL {
        let s = v.short_name();
        print_ok(
            &enc(&Message::EchoRequest(b"hi".to_vec()), v),
            &[&format!("OFPT_ECHO_REQUEST ({s})"), "2 bytes of payload"],
        );
        print_ok(
            &enc(&Message::EchoReply(vec![]), v),
            &["OFPT_ECHO_REPLY", "0 bytes of payload"],
        );
        print_ok(
            &enc(&Message::FeaturesRequest, v),
            &["OFPT_FEATURES_REQUEST"],
        );
        print_ok(
            &enc(
                &Message::FeaturesReply(FeaturesReply {
                    datapath_id: 0x0102030405060708,
                    n_buffers: 256,
                    n_tables: 254,
                    auxiliary_id: 0,
                    capabilities: 0x4f,
                    reserved: 0,
                }),
                v,
            ),
            &["dpid:0102030405060708", "n_tables:254, n_buffers:256"],
        );
        print_ok(
            &enc(&Message::GetConfigRequest, v),
            &["OFPT_GET_CONFIG_REQUEST"],
        );
        print_ok(
            &enc(
                &Message::SetConfig(SwitchConfig {
                    flags: 0,
                    miss_send_len: 1234,
                }),
                v,
            ),
            &["OFPT_SET_CONFIG", "frags=normal miss_send_len=1234"],
        );
        print_ok(
            &enc(
                &Message::GetConfigReply(SwitchConfig {
                    flags: 1,
                    miss_send_len: 0xffff,
                }),
                v,
            ),
            &["OFPT_GET_CONFIG_REPLY", "frags=drop"],
        );
        print_ok(&enc(&Message::BarrierRequest, v), &["OFPT_BARRIER_REQUEST"]);
        print_ok(&enc(&Message::BarrierReply, v), &["OFPT_BARRIER_REPLY"]);
        print_ok(
            &enc(
                &Message::RoleRequest(Role {
                    role: Role::PRIMARY,
                    generation_id: 5,
                }),
                v,
            ),
            &["OFPT_ROLE_REQUEST", "role=primary generation_id=5"],
        );
        print_ok(
            &enc(
                &Message::RoleReply(Role {
                    role: Role::SECONDARY,
                    generation_id: 6,
                }),
                v,
            ),
            &["OFPT_ROLE_REPLY", "role=secondary generation_id=6"],
        );
        print_ok(
            &enc(
                &Message::RoleStatus(RoleStatus {
                    role: Role::SECONDARY,
                    reason: 0,
                    generation_id: 7,
                    properties: vec![],
                }),
                v,
            ),
            &[
                "ROLE_STATUS",
                "role=secondary generation_id=7 reason=primary_request",
            ],
        );
        print_ok(
            &enc(&Message::GetAsyncRequest, v),
            &["OFPT_GET_ASYNC_REQUEST"],
        );
    }
}

#[test]
fn async_config() {
    let m = Message::SetAsync(AsyncConfig::Masks(AsyncMasks {
        packet_in: [0x3, 0x1],
        port_status: [0x7, 0x7],
        flow_removed: [0xf, 0],
    }));
    print_ok(
        &enc(&m, Version::Of13),
        &["OFPT_SET_ASYNC (OF1.3)", "PACKET_IN: no_match action"],
    );
    let props = vec![
        AsyncProp::Mask {
            type_: 0,
            mask: 0x1,
        },
        AsyncProp::Mask {
            type_: 1,
            mask: 0x3,
        },
    ];
    print_ok(
        &enc(
            &Message::SetAsync(AsyncConfig::Props(props.clone())),
            Version::Of14,
        ),
        &["OFPT_SET_ASYNC (OF1.4)", "PACKET_IN: no_match action"],
    );
    print_ok(
        &enc(&Message::SetAsyncConfig2(props), Version::Of13),
        &[
            "NXT_SET_ASYNC_CONFIG2 (OF1.3)",
            "PACKET_IN: no_match action",
        ],
    );
}

#[test]
fn flow_mods_from_ovs_ofctl() {
    for (v, proto) in [(Version::Of13, "OpenFlow13"), (Version::Of15, "OpenFlow15")] {
        let out = ofctl(&[
            "-O",
            proto,
            "-mmmmm",
            "parse-flow",
            "table=1,priority=100,cookie=0x10,idle_timeout=5,hard_timeout=6,in_port=3,\
             actions=output:2,goto_table:2",
        ]);
        let theirs = hexdump(&out);
        let (v2, _, m) = Message::decode(&theirs).unwrap();
        assert_eq!(v2, v);
        let Message::FlowMod(f) = &m else {
            panic!("{m:?}")
        };
        assert_eq!(
            (
                f.table_id,
                f.priority,
                f.cookie,
                f.idle_timeout,
                f.hard_timeout
            ),
            (1, 100, 0x10, 5, 6)
        );
        assert_eq!(f.command, FlowMod::ADD);
        assert_eq!(f.match_, in_port(3, v));
        assert_eq!(f.instructions.len(), 2);
        assert_eq!(m.encode(v, 1).unwrap(), theirs);
    }
    // A delete with a cookie mask and out_port, OpenFlow 1.4 (importance).
    let out = ofctl(&[
        "-O",
        "OpenFlow14",
        "-mmmmm",
        "parse-flow",
        "table=0,importance=7,priority=1,actions=drop",
    ]);
    let theirs = hexdump(&out);
    let (_, _, m) = Message::decode(&theirs).unwrap();
    let Message::FlowMod(f) = &m else {
        panic!("{m:?}")
    };
    assert_eq!(f.importance, 7);
    assert_eq!(m.encode(Version::Of14, 1).unwrap(), theirs);
}

#[test]
fn flow_mods_to_ovs_ofctl() {
    for v in Version::ALL {
        let f = FlowMod {
            cookie: 0x10,
            table_id: 1,
            command: FlowMod::ADD,
            idle_timeout: 5,
            priority: 100,
            buffer_id: NO_BUFFER,
            out_port: OFPP_ANY,
            out_group: OFPG_ANY,
            flags: 1,
            importance: if v >= Version::Of14 { 9 } else { 0 },
            match_: in_port(3, v),
            instructions: apply_output(2, v),
            ..FlowMod::default()
        };
        let mut want = vec![
            "OFPT_FLOW_MOD",
            "ADD table:1 priority=100,in_port=3 cookie:0x10 idle:5",
            "send_flow_rem actions=output:2",
        ];
        if v >= Version::Of14 {
            want.push("importance:9");
        }
        print_ok(&enc(&Message::FlowMod(f), v), &want);
        let del = FlowMod {
            cookie: 0x10,
            cookie_mask: 0xff,
            table_id: OFPTT_ALL,
            command: FlowMod::DELETE,
            buffer_id: NO_BUFFER,
            out_port: 7,
            out_group: OFPG_ANY,
            ..FlowMod::default()
        };
        print_ok(
            &enc(&Message::FlowMod(del), v),
            &["DEL", "cookie:0x10/0xff", "out_port:7"],
        );
    }
}

#[test]
fn packet_in_and_out() {
    for v in Version::ALL {
        let pi = PacketIn {
            buffer_id: NO_BUFFER,
            total_len: packet().len() as u16,
            reason: 1,
            table_id: 3,
            cookie: 5,
            match_: in_port(4, v),
            data: packet(),
        };
        print_ok(
            &enc(&Message::PacketIn(pi), v),
            &[
                "OFPT_PACKET_IN",
                "total_len=42 in_port=4 (via action) data_len=42",
                "table_id=3 cookie=0x5",
                "udp,vlan_tci=0x0000,dl_src=0a:00:00:00:00:01,dl_dst=0a:00:00:00:00:02",
            ],
        );
        let po = if v >= Version::Of15 {
            PacketOut {
                match_: in_port(4, v),
                actions: output(1, v),
                data: packet(),
                ..PacketOut::default()
            }
        } else {
            PacketOut {
                in_port: 4,
                actions: output(1, v),
                data: packet(),
                ..PacketOut::default()
            }
        };
        print_ok(
            &enc(&Message::PacketOut(po), v),
            &[
                "OFPT_PACKET_OUT",
                "in_port=4 actions=output:1 data_len=42",
                "dl_src=0a:00:00:00:00:01",
            ],
        );
    }
}

#[test]
fn flow_removed_and_port_status() {
    for v in Version::ALL {
        let f = FlowRemoved {
            cookie: 0x20,
            priority: 7,
            reason: 0,
            table_id: 3,
            duration_sec: 4,
            duration_nsec: 5_000_000,
            idle_timeout: 60,
            hard_timeout: 0,
            packet_count: 8,
            byte_count: 900,
            match_: in_port(2, v),
        };
        print_ok(
            &enc(&Message::FlowRemoved(f), v),
            &[
                "OFPT_FLOW_REMOVED",
                "priority=7,in_port=2 reason=idle table_id=3 cookie:0x20 duration4.005s idle60 pkts8 bytes900",
            ],
        );
        let p = Port {
            port_no: 1,
            hw_addr: [0xaa, 0, 0, 0, 0, 1],
            name: "p1".into(),
            config: 0,
            state: 4,
            curr: 0x840,
            advertised: 0,
            supported: 0,
            peer: 0,
            curr_speed: 10_000_000,
            max_speed: 0,
            properties: vec![],
        };
        print_ok(
            &enc(
                &Message::PortStatus(PortStatus {
                    reason: 0,
                    port: p.clone(),
                }),
                v,
            ),
            &[
                "OFPT_PORT_STATUS",
                "ADD: 1(p1): addr:aa:00:00:00:00:01",
                "state:      LIVE",
                "current:    10GB-FD COPPER",
                "speed: 10000 Mbps now",
            ],
        );
        let pm = PortMod {
            port_no: 1,
            hw_addr: [0xaa, 0, 0, 0, 0, 1],
            config: 1,
            mask: 1,
            advertise: 0,
            properties: vec![],
        };
        print_ok(
            &enc(&Message::PortMod(pm), v),
            &[
                "OFPT_PORT_MOD",
                "port: 1: addr:aa:00:00:00:00:01",
                "config: PORT_DOWN",
            ],
        );
    }
}

#[test]
fn bundles() {
    for v in Version::ALL {
        let ctl = BundleControl {
            bundle_id: 7,
            type_: BundleControl::OPEN_REQUEST,
            flags: BundleControl::ATOMIC | BundleControl::ORDERED,
            properties: vec![],
        };
        let name = if v == Version::Of13 { "ONFT" } else { "OFPT" };
        print_ok(
            &enc(&Message::BundleControl(ctl), v),
            &[
                &format!("{name}_BUNDLE_CONTROL"),
                "bundle_id=0x7 type=OPEN_REQUEST flags=atomic ordered",
            ],
        );
        let fm = FlowMod {
            table_id: 2,
            priority: 9,
            buffer_id: NO_BUFFER,
            out_port: OFPP_ANY,
            out_group: OFPG_ANY,
            match_: Match::new(),
            instructions: apply_output(3, v),
            ..FlowMod::default()
        };
        print_ok(
            &enc(
                &Message::BundleAdd(BundleAdd::new(
                    7,
                    BundleControl::ATOMIC,
                    Message::FlowMod(fm),
                )),
                v,
            ),
            &[
                &format!("{name}_BUNDLE_ADD_MESSAGE"),
                "bundle_id=0x7 flags=atomic",
                "OFPT_FLOW_MOD",
                "ADD table:2 priority=9 actions=output:3",
            ],
        );
    }
}

#[test]
fn group_meter_table_mods() {
    for v in Version::ALL {
        let v15 = v >= Version::Of15;
        let g = GroupMod {
            command: 0,
            type_: 1,
            group_id: 1,
            command_bucket_id: if v15 { 0xffff_ffff } else { BUCKET_ALL },
            buckets: vec![
                Bucket {
                    bucket_id: if v15 { 5 } else { 0 },
                    weight: Some(7),
                    watch_port: if v15 { None } else { Some(OFPP_ANY) },
                    watch_group: if v15 { None } else { Some(OFPG_ANY) },
                    actions: output(1, v),
                    properties: vec![],
                },
                Bucket {
                    bucket_id: if v15 { 6 } else { 0 },
                    weight: Some(3),
                    watch_port: Some(3),
                    watch_group: if v15 { None } else { Some(OFPG_ANY) },
                    actions: output(2, v),
                    properties: vec![],
                },
            ],
            properties: vec![],
        };
        let want = if v15 {
            "ADD group_id=1,type=select,bucket=bucket_id:5,weight:7,actions=output:1,\
             bucket=bucket_id:6,weight:3,watch_port:3,actions=output:2"
        } else {
            "ADD group_id=1,type=select,bucket=weight:7,actions=output:1,\
             bucket=weight:3,watch_port:3,actions=output:2"
        };
        print_ok(&enc(&Message::GroupMod(g), v), &["OFPT_GROUP_MOD", want]);
        let m = MeterMod {
            command: 0,
            flags: 1 | 4 | 8,
            meter_id: 1,
            bands: vec![
                MeterBand::Drop {
                    rate: 1000,
                    burst_size: 100,
                },
                MeterBand::DscpRemark {
                    rate: 2000,
                    burst_size: 0,
                    prec_level: 1,
                },
            ],
        };
        print_ok(
            &enc(&Message::MeterMod(m), v),
            &[
                "OFPT_METER_MOD",
                "ADD meter=1 kbps burst stats bands=",
                "type=drop rate=1000 burst_size=100",
                "type=dscp_remark rate=2000 burst_size=0 prec_level=1",
            ],
        );
        let t = TableMod {
            table_id: 3,
            config: if v >= Version::Of14 { 8 } else { 0 },
            properties: if v >= Version::Of14 {
                vec![TableModProp::Vacancy {
                    down: 20,
                    up: 80,
                    vacancy: 0,
                }]
            } else {
                vec![]
            },
        };
        let mut want = vec!["OFPT_TABLE_MOD", "table_id=3"];
        if v >= Version::Of14 {
            want.push("vacancy:20,80");
        }
        print_ok(&enc(&Message::TableMod(t), v), &want);
    }
    // ovs-ofctl's own OpenFlow 1.5 group mod decodes and re-encodes identically.
    let theirs = hexdump(&ofctl(&[
        "-O",
        "OpenFlow15",
        "-mmmmm",
        "parse-group",
        "group_id=1,type=select,bucket=bucket_id:5,weight:7,actions=output:1,\
         bucket=watch_port:3,watch_group:4,actions=output:2",
    ]));
    let (v, _, m) = Message::decode(&theirs).unwrap();
    let Message::GroupMod(g) = &m else {
        panic!("{m:?}")
    };
    assert_eq!(g.buckets.len(), 2);
    assert_eq!(g.buckets[0].bucket_id, 5);
    assert_eq!(g.buckets[0].weight, Some(7));
    assert_eq!(g.buckets[1].watch_port, Some(3));
    assert_eq!(g.buckets[1].watch_group, Some(4));
    assert_eq!(m.encode(v, 1).unwrap(), theirs);
}

fn mp_req(body: MultipartRequestBody) -> Message {
    Message::MultipartRequest(MultipartRequest::new(body))
}

fn mp_rep(body: MultipartReplyBody) -> Message {
    Message::MultipartReply(MultipartReply::new(body))
}

#[test]
fn multipart() {
    use MultipartReplyBody as P;
    use MultipartRequestBody as Q;
    for v in Version::ALL {
        print_ok(&enc(&mp_req(Q::Desc), v), &["OFPST_DESC request"]);
        print_ok(
            &enc(
                &mp_rep(P::Desc(Desc {
                    mfr_desc: "Nicira, Inc.".into(),
                    hw_desc: "Open vSwitch".into(),
                    sw_desc: "3.1.0".into(),
                    serial_num: "None".into(),
                    dp_desc: "br-int".into(),
                })),
                v,
            ),
            &[
                "OFPST_DESC reply",
                "Manufacturer: Nicira, Inc.",
                "Software: 3.1.0",
                "DP Description: br-int",
            ],
        );
        let fsr = FlowStatsRequest {
            table_id: 2,
            match_: in_port(1, v),
            ..FlowStatsRequest::default()
        };
        print_ok(
            &enc(&mp_req(Q::Flow(fsr.clone())), v),
            &["OFPST_FLOW request", "table=2 in_port=1"],
        );
        print_ok(
            &enc(&mp_req(Q::Aggregate(fsr)), v),
            &["OFPST_AGGREGATE request", "table=2 in_port=1"],
        );
        let fs = FlowStats {
            table_id: 2,
            duration_sec: 3,
            duration_nsec: 0,
            priority: 50,
            idle_timeout: 10,
            cookie: 0x99,
            packet_count: 4,
            byte_count: 400,
            match_: in_port(1, v),
            instructions: apply_output(2, v),
            ..FlowStats::default()
        };
        print_ok(
            &enc(
                &Message::MultipartReply(MultipartReply {
                    flags: MultipartReply::MORE,
                    body: P::Flow(vec![fs.clone(), fs]),
                }),
                v,
            ),
            &[
                "OFPST_FLOW reply",
                "flags=[more]",
                "cookie=0x99, duration=3s, table=2, n_packets=4, n_bytes=400, idle_timeout=10, priority=50,in_port=1 actions=output:2",
            ],
        );
        print_ok(
            &enc(
                &mp_rep(P::Aggregate(AggregateStats {
                    packet_count: 1,
                    byte_count: 2,
                    flow_count: 3,
                })),
                v,
            ),
            &[
                "OFPST_AGGREGATE reply",
                "packet_count=1 byte_count=2 flow_count=3",
            ],
        );
        print_ok(&enc(&mp_req(Q::Table), v), &["OFPST_TABLE request"]);
        print_ok(
            &enc(
                &mp_rep(P::Table(vec![TableStats {
                    table_id: 0,
                    active_count: 5,
                    lookup_count: 10,
                    matched_count: 8,
                }])),
                v,
            ),
            &["OFPST_TABLE reply", "active=5, lookup=10, matched=8"],
        );
        print_ok(
            &enc(&mp_req(Q::PortStats(OFPP_ANY)), v),
            &["OFPST_PORT request", "port_no=ANY"],
        );
        print_ok(
            &enc(
                &mp_rep(P::PortStats(vec![PortStats {
                    port_no: 1,
                    rx_packets: 10,
                    tx_packets: 20,
                    rx_bytes: 1000,
                    tx_bytes: 2000,
                    rx_crc_err: 3,
                    duration_sec: 9,
                    ..PortStats::default()
                }])),
                v,
            ),
            &[
                "OFPST_PORT reply",
                "port  1: rx pkts=10, bytes=1000, drop=0, errs=0, frame=0, over=0, crc=3",
                "tx pkts=20, bytes=2000, drop=0, errs=0, coll=0",
                "duration=9s",
            ],
        );
        print_ok(
            &enc(&mp_req(Q::PortDesc(OFPP_ANY)), v),
            &["OFPST_PORT_DESC request"],
        );
        print_ok(
            &enc(
                &mp_rep(P::PortDesc(vec![Port {
                    port_no: 0xfffffffe,
                    name: "br-int".into(),
                    config: 1,
                    state: 1,
                    ..Port::default()
                }])),
                v,
            ),
            &[
                "OFPST_PORT_DESC reply",
                "LOCAL(br-int): addr:00:00:00:00:00:00",
                "config:     PORT_DOWN",
                "state:      LINK_DOWN",
            ],
        );
        print_ok(
            &enc(&mp_req(Q::GroupDesc(OFPG_ALL)), v),
            &["OFPST_GROUP_DESC request"],
        );
        print_ok(
            &enc(
                &mp_rep(P::GroupDesc(vec![GroupDesc {
                    type_: 0,
                    group_id: 4,
                    buckets: vec![Bucket {
                        weight: if v >= Version::Of15 { None } else { Some(0) },
                        watch_port: if v >= Version::Of15 {
                            None
                        } else {
                            Some(OFPP_ANY)
                        },
                        watch_group: if v >= Version::Of15 {
                            None
                        } else {
                            Some(OFPG_ANY)
                        },
                        actions: output(1, v),
                        ..Bucket::default()
                    }],
                    properties: vec![],
                }])),
                v,
            ),
            &["OFPST_GROUP_DESC reply", "group_id=4,type=all,bucket="],
        );
        print_ok(
            &enc(&mp_req(Q::GroupStats(OFPG_ALL)), v),
            &["OFPST_GROUP request", "group_id=ALL"],
        );
        print_ok(
            &enc(
                &mp_rep(P::GroupStats(vec![GroupStats {
                    group_id: 4,
                    ref_count: 2,
                    packet_count: 5,
                    byte_count: 500,
                    duration_sec: 1,
                    duration_nsec: 0,
                    buckets: vec![(5, 500)],
                }])),
                v,
            ),
            &[
                "OFPST_GROUP reply",
                "group_id=4,duration=1s,ref_count=2,packet_count=5,byte_count=500,bucket0:packet_count=5,byte_count=500",
            ],
        );
        print_ok(
            &enc(&mp_req(Q::GroupFeatures), v),
            &["OFPST_GROUP_FEATURES request"],
        );
        print_ok(
            &enc(&mp_req(Q::MeterConfig(OFPM_ALL)), v),
            &["OFPST_METER_CONFIG request", "meter=all"],
        );
        print_ok(
            &enc(
                &mp_rep(P::MeterConfig(vec![MeterConfig {
                    flags: 1,
                    meter_id: 3,
                    bands: vec![MeterBand::Drop {
                        rate: 100,
                        burst_size: 0,
                    }],
                }])),
                v,
            ),
            &[
                "OFPST_METER_CONFIG reply",
                "meter=3 kbps bands=",
                "type=drop rate=100",
            ],
        );
        print_ok(
            &enc(&mp_req(Q::MeterStats(3)), v),
            &["OFPST_METER request", "meter=3"],
        );
        print_ok(
            &enc(
                &mp_rep(P::MeterStats(vec![MeterStats {
                    meter_id: 3,
                    flow_count: 1,
                    packet_in_count: 2,
                    byte_in_count: 3,
                    duration_sec: 4,
                    duration_nsec: 0,
                    bands: vec![MeterBandStats {
                        packet_band_count: 5,
                        byte_band_count: 6,
                    }],
                }])),
                v,
            ),
            &[
                "OFPST_METER reply",
                "meter:3 flow_count:1 packet_in_count:2 byte_in_count:3 duration:4s bands:",
                "0: packet_count:5 byte_count:6",
            ],
        );
        print_ok(
            &enc(&mp_req(Q::MeterFeatures), v),
            &["OFPST_METER_FEATURES request"],
        );
        print_ok(
            &enc(
                &mp_rep(P::MeterFeatures(MeterFeatures {
                    max_meter: 100,
                    band_types: 2,
                    capabilities: 0xf,
                    max_bands: 1,
                    max_color: 0,
                })),
                v,
            ),
            &[
                "OFPST_METER_FEATURES reply",
                "max_meter:100 max_bands:1 max_color:0",
            ],
        );
        print_ok(
            &enc(&mp_req(Q::TableFeatures(vec![])), v),
            &["OFPST_TABLE_FEATURES request"],
        );
        let tf = TableFeatures {
            table_id: 0,
            name: "classifier".into(),
            metadata_match: u64::MAX,
            metadata_write: u64::MAX,
            capabilities: 0,
            max_entries: 1_000_000,
            properties: vec![
                TableFeatureProp::Instructions {
                    miss: false,
                    ids: [1u16, 2, 3, 4, 5, 6]
                        .iter()
                        .map(|&type_| WireId {
                            type_,
                            data: vec![],
                        })
                        .collect(),
                },
                TableFeatureProp::NextTables {
                    miss: false,
                    tables: (1..=253).collect(),
                },
                TableFeatureProp::WriteActions {
                    miss: false,
                    ids: vec![WireId {
                        type_: 0,
                        data: vec![],
                    }],
                },
                TableFeatureProp::ApplyActions {
                    miss: false,
                    ids: vec![WireId {
                        type_: 0,
                        data: vec![],
                    }],
                },
                TableFeatureProp::WriteSetfield {
                    miss: false,
                    fields: vec![OxmId {
                        header: 0x8000_0408,
                        experimenter: None,
                    }],
                },
                TableFeatureProp::ApplySetfield {
                    miss: false,
                    fields: vec![OxmId {
                        header: 0x8000_0408,
                        experimenter: None,
                    }],
                },
                TableFeatureProp::Match(vec![OxmId {
                    header: 0x8000_0004,
                    experimenter: None,
                }]),
                TableFeatureProp::Wildcards(vec![OxmId {
                    header: 0x8000_0004,
                    experimenter: None,
                }]),
            ],
        };
        print_ok(
            &enc(&mp_rep(P::TableFeatures(vec![tf])), v),
            &[
                "OFPST_TABLE_FEATURES reply",
                "table 0 (\"classifier\"):",
                "max_entries=1000000",
                "next tables: 1-253",
                "actions: output",
                "supported on Set-Field: metadata",
                "exact match or wildcard: in_port_oxm",
            ],
        );
    }
    // OpenFlow 1.5 can ask for one port's description.
    print_ok(
        &enc(&mp_req(Q::PortDesc(3)), Version::Of15),
        &["OFPST_PORT_DESC request (OF1.5)", "port=3"],
    );
}

#[test]
fn nicira_messages() {
    for v in Version::ALL {
        print_ok(
            &enc(&Message::SetPacketInFormat(2), v),
            &["NXT_SET_PACKET_IN_FORMAT", "format=nxt_packet_in2"],
        );
        print_ok(
            &enc(&Message::SetControllerId(7), v),
            &["NXT_SET_CONTROLLER_ID", "id=7"],
        );
        print_ok(
            &enc(&Message::CtFlushZone(9), v),
            &["NXT_CT_FLUSH_ZONE", "zone_id=9"],
        );
        print_ok(
            &enc(
                &Message::TlvTableMod(TlvTableMod {
                    command: 0,
                    mappings: vec![TlvMap {
                        option_class: 0xffff,
                        option_type: 0,
                        option_len: 4,
                        index: 0,
                    }],
                }),
                v,
            ),
            &[
                "NXT_TLV_TABLE_MOD",
                "ADD mapping table:",
                "0xffff     0       4  tun_metadata0",
            ],
        );
        print_ok(
            &enc(&Message::TlvTableRequest, v),
            &["NXT_TLV_TABLE_REQUEST"],
        );
        print_ok(
            &enc(
                &Message::TlvTableReply(TlvTableReply {
                    max_option_space: 256,
                    max_fields: 64,
                    mappings: vec![TlvMap {
                        option_class: 0x0102,
                        option_type: 0x80,
                        option_len: 8,
                        index: 1,
                    }],
                }),
                v,
            ),
            &[
                "NXT_TLV_TABLE_REPLY",
                "max option space=256 max fields=64",
                "0x102",
            ],
        );
        let pi2 = PacketIn2 {
            packet: packet(),
            full_len: Some(42),
            buffer_id: None,
            table_id: Some(4),
            cookie: Some(0x77),
            reason: Some(1),
            metadata: Some(
                Match::decode_fields(&mut Reader::new(&unhex("80000004 00000005"), "m"), 8)
                    .unwrap(),
            ),
            userdata: Some(vec![1, 2, 3]),
            continuation: Some(vec![
                ContinuationProp::Bridge([0x11; 16]),
                ContinuationProp::Conntracked,
                ContinuationProp::TableId(6),
                ContinuationProp::Cookie(0x88),
                ContinuationProp::Actions(output(1, v)),
                ContinuationProp::OdpPort(3),
            ]),
            properties: vec![],
        };
        print_ok(
            &enc(&Message::PacketIn2(pi2.clone()), v),
            &[
                "NXT_PACKET_IN2",
                "cookie=0x77 total_len=42 in_port=5 (via action) data_len=42",
                "table_id=4",
                "userdata=01.02.03",
                "continuation.bridge=11111111-1111-1111-1111-111111111111",
                "continuation.conntracked=true",
                "continuation.actions=unroll_xlate(table=6, cookie=136),output:1",
                "continuation.odp_port=3",
            ],
        );
        let mut resume = pi2;
        resume.userdata = None;
        print_ok(
            &enc(&Message::Resume(resume), v),
            &["NXT_RESUME", "continuation.conntracked=true"],
        );
    }
}

#[test]
fn flow_monitor() {
    let req = FlowMonitorRequest {
        id: 1,
        flags: 1 | 2 | 4 | 8 | 16,
        table_id: 0,
        match_: in_port(1, Version::Of13),
        ..FlowMonitorRequest::default()
    };
    print_ok(
        &enc(
            &mp_req(MultipartRequestBody::FlowMonitor(vec![req])),
            Version::Of13,
        ),
        &[
            "ONFST_FLOW_MONITOR request",
            "id=1 flags=initial,add,delete,modify,actions table=0 in_port=1",
        ],
    );
    let req = FlowMonitorRequest {
        id: 2,
        flags: 1 | 2,
        table_id: 1,
        match_: in_port(1, Version::Of14),
        ..FlowMonitorRequest::default()
    };
    print_ok(
        &enc(
            &mp_req(MultipartRequestBody::FlowMonitor(vec![req])),
            Version::Of14,
        ),
        &[
            "OFPST_FLOW_MONITOR request",
            "id=2 flags=initial,add table=1 in_port=1",
        ],
    );
    for v in [Version::Of13, Version::Of15] {
        let upd = FlowUpdate::Full {
            event: if v == Version::Of13 { 0 } else { 1 },
            table_id: 2,
            reason: 0,
            idle_timeout: 0,
            hard_timeout: 0,
            priority: 5,
            cookie: 0x3,
            match_: in_port(1, v),
            instructions: apply_output(2, v),
        };
        print_ok(
            &enc(
                &mp_rep(MultipartReplyBody::FlowMonitor(vec![
                    upd,
                    FlowUpdate::Abbrev { xid: 0x1234 },
                ])),
                v,
            ),
            &[
                "FLOW_MONITOR reply",
                "event=ADDED table=2 cookie=0x3 in_port=1 actions=output:2",
                "event=ABBREV xid=0x1234",
            ],
        );
    }
    print_ok(
        &enc(&Message::FlowMonitorCancel(4), Version::Of13),
        &["ONFT_FLOW_MONITOR_CANCEL", "id=4"],
    );
    print_ok(
        &enc(&Message::FlowMonitorPaused, Version::Of13),
        &["ONFT_FLOW_MONITOR_PAUSED"],
    );
    print_ok(
        &enc(&Message::FlowMonitorResumed, Version::Of13),
        &["ONFT_FLOW_MONITOR_RESUMED"],
    );
}
