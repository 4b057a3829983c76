//! Proptest strategies for random OpenFlow messages (feature `proptest`).
//!
//! [`message`] gives messages that the given version can express, so that
//! `decode(encode(m)) == m` must hold for every value. Matches, actions and instructions
//! are made by decoding random but well-formed wire bytes through the crate's own codecs,
//! so they are whatever canonical form those codecs produce.

#![allow(clippy::expect_used)]

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};

use crate::action::{Action, Instruction, decode_actions, decode_instructions};
use crate::matching::Match;
use crate::message::*;
use crate::version::Version;
use crate::wire::Reader;

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> + Clone {
    vec(any::<u8>(), 0..=max)
}

/// A NUL-free ASCII string of at most `max` bytes.
fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[ -~]{{0,{max}}}")).expect("valid regex")
}

/// OXM field bytes (no `ofp_match` header): optionally `in_port`, optionally `metadata`.
fn oxm_fields() -> impl Strategy<Value = Vec<u8>> + Clone {
    (
        // Physical port numbers only: OVS refuses reserved ports such as ANY in a match.
        proptest::option::of(1u32..0xff00),
        proptest::option::of(any::<u64>()),
    )
        .prop_map(|(port, md)| {
            let mut b = Vec::new();
            if let Some(p) = port {
                b.extend_from_slice(&0x8000_0004u32.to_be_bytes());
                b.extend_from_slice(&p.to_be_bytes());
            }
            if let Some(m) = md {
                b.extend_from_slice(&0x8000_0408u32.to_be_bytes());
                b.extend_from_slice(&m.to_be_bytes());
            }
            b
        })
}

/// A random match (through [`Match::decode`]).
pub fn match_(version: Version) -> impl Strategy<Value = Match> + Clone {
    oxm_fields().prop_map(move |f| {
        let len = 4 + f.len();
        let mut b = vec![0, 1];
        b.extend_from_slice(&(len as u16).to_be_bytes());
        b.extend_from_slice(&f);
        b.resize(len.next_multiple_of(8), 0);
        Match::decode(&mut Reader::new(&b, "test match"), version).expect("valid match")
    })
}

/// A random bare field list (through [`Match::decode_fields`]).
pub fn match_fields() -> impl Strategy<Value = Match> + Clone {
    oxm_fields().prop_map(|f| {
        Match::decode_fields(&mut Reader::new(&f, "test fields"), f.len()).expect("valid fields")
    })
}

fn output_actions_bytes() -> impl Strategy<Value = Vec<u8>> + Clone {
    vec((1u32..0xff00, any::<u16>()), 0..3).prop_map(|outs| {
        let mut b = Vec::new();
        for (port, max_len) in outs {
            b.extend_from_slice(&[0, 0, 0, 16]);
            b.extend_from_slice(&port.to_be_bytes());
            b.extend_from_slice(&max_len.to_be_bytes());
            b.extend_from_slice(&[0; 6]);
        }
        b
    })
}

/// A random action list (output actions, through [`decode_actions`]).
pub fn actions(version: Version) -> impl Strategy<Value = Vec<Action>> + Clone {
    output_actions_bytes().prop_map(move |b| {
        decode_actions(&mut Reader::new(&b, "test actions"), b.len(), version)
            .expect("valid actions")
    })
}

/// A random instruction list (apply-actions, write-metadata, goto-table, each optional,
/// through [`decode_instructions`]).
pub fn instructions(version: Version) -> impl Strategy<Value = Vec<Instruction>> + Clone {
    (
        proptest::option::of(output_actions_bytes()),
        proptest::option::of((any::<u64>(), any::<u64>())),
        proptest::option::of(1u8..=254),
    )
        .prop_map(move |(apply, md, goto)| {
            let mut b = Vec::new();
            if let Some(a) = apply {
                b.extend_from_slice(&[0, 4]);
                b.extend_from_slice(&((8 + a.len()) as u16).to_be_bytes());
                b.extend_from_slice(&[0; 4]);
                b.extend_from_slice(&a);
            }
            if let Some((m, mask)) = md {
                b.extend_from_slice(&[0, 2, 0, 24, 0, 0, 0, 0]);
                b.extend_from_slice(&m.to_be_bytes());
                b.extend_from_slice(&mask.to_be_bytes());
            }
            if let Some(t) = goto {
                b.extend_from_slice(&[0, 1, 0, 8, t, 0, 0, 0]);
            }
            decode_instructions(&mut Reader::new(&b, "test instructions"), b.len(), version)
                .expect("valid instructions")
        })
}

/// A property of an experimenter type (`0xffff`) with a random body.
pub fn exp_property() -> impl Strategy<Value = Property> + Clone {
    (any::<u32>(), any::<u32>(), bytes(12)).prop_map(|(e, t, rest)| {
        let mut body = e.to_be_bytes().to_vec();
        body.extend_from_slice(&t.to_be_bytes());
        body.extend_from_slice(&rest);
        Property {
            type_: 0xffff,
            body,
        }
    })
}

fn props(allow: bool) -> BoxedStrategy<Vec<Property>> {
    if allow {
        vec(exp_property(), 0..2).boxed()
    } else {
        Just(Vec::new()).boxed()
    }
}

fn hello() -> impl Strategy<Value = Hello> {
    vec(
        prop_oneof![
            vec(any::<u32>(), 0..3).prop_map(HelloElement::VersionBitmap),
            (2u16..=0xffff, bytes(12))
                .prop_map(|(type_, body)| HelloElement::Unknown(Property { type_, body })),
        ],
        0..3,
    )
    .prop_map(|elements| Hello { elements })
}

fn error_msg() -> impl Strategy<Value = ErrorMsg> {
    prop_oneof![
        (0u16..0xffff, any::<u16>(), bytes(64)).prop_map(|(type_, code, data)| ErrorMsg {
            kind: crate::ErrorKind {
                type_,
                code,
                experimenter: None
            },
            data
        }),
        (any::<u16>(), any::<u32>(), bytes(64)).prop_map(|(code, e, data)| ErrorMsg {
            kind: crate::ErrorKind {
                type_: 0xffff,
                code,
                experimenter: Some(e)
            },
            data
        }),
    ]
}

pub(crate) fn flow_mod(v: Version) -> impl Strategy<Value = FlowMod> {
    let importance = if v >= Version::Of14 {
        any::<u16>().boxed()
    } else {
        Just(0).boxed()
    };
    (
        (any::<u64>(), any::<u64>(), any::<u8>(), 0u8..5),
        (any::<u16>(), any::<u16>(), any::<u16>(), any::<u32>()),
        (any::<u32>(), any::<u32>(), any::<u16>(), importance),
        match_(v),
        instructions(v),
    )
        .prop_map(
            |(
                (cookie, cookie_mask, table_id, command),
                (idle_timeout, hard_timeout, priority, buffer_id),
                (out_port, out_group, flags, importance),
                match_,
                instructions,
            )| FlowMod {
                cookie,
                cookie_mask,
                table_id,
                command,
                idle_timeout,
                hard_timeout,
                priority,
                buffer_id,
                out_port,
                out_group,
                flags,
                importance,
                match_,
                instructions,
            },
        )
}

fn port(v: Version) -> impl Strategy<Value = Port> {
    (
        (
            any::<u32>(),
            any::<[u8; 6]>(),
            text(16),
            any::<u32>(),
            any::<u32>(),
        ),
        any::<[u32; 6]>(),
        props(v >= Version::Of14),
    )
        .prop_map(
            |((port_no, hw_addr, name, config, state), f, properties)| Port {
                port_no,
                hw_addr,
                name,
                config,
                state,
                curr: f[0],
                advertised: f[1],
                supported: f[2],
                peer: f[3],
                curr_speed: f[4],
                max_speed: f[5],
                properties,
            },
        )
}

fn bucket(v: Version) -> impl Strategy<Value = Bucket> {
    let v15 = v >= Version::Of15;
    let id = if v15 {
        any::<u32>().boxed()
    } else {
        Just(0).boxed()
    };
    let opt16 = if v15 {
        proptest::option::of(any::<u16>()).boxed()
    } else {
        any::<u16>().prop_map(Some).boxed()
    };
    let opt32 = move || {
        if v15 {
            proptest::option::of(any::<u32>()).boxed()
        } else {
            any::<u32>().prop_map(Some).boxed()
        }
    };
    (id, opt16, opt32(), opt32(), actions(v), props(v15)).prop_map(
        |(bucket_id, weight, watch_port, watch_group, actions, properties)| Bucket {
            bucket_id,
            weight,
            watch_port,
            watch_group,
            actions,
            properties,
        },
    )
}

fn group_mod(v: Version) -> impl Strategy<Value = GroupMod> {
    let v15 = v >= Version::Of15;
    let cbid = if v15 {
        any::<u32>().boxed()
    } else {
        Just(0xffff_ffff).boxed()
    };
    (
        any::<u16>(),
        any::<u8>(),
        any::<u32>(),
        cbid,
        vec(bucket(v), 0..3),
        props(v15),
    )
        .prop_map(
            |(command, type_, group_id, command_bucket_id, buckets, properties)| GroupMod {
                command,
                type_,
                group_id,
                command_bucket_id,
                buckets,
                properties,
            },
        )
}

fn meter_band() -> impl Strategy<Value = MeterBand> {
    prop_oneof![
        (any::<u32>(), any::<u32>())
            .prop_map(|(rate, burst_size)| MeterBand::Drop { rate, burst_size }),
        (any::<u32>(), any::<u32>(), any::<u8>()).prop_map(|(rate, burst_size, prec_level)| {
            MeterBand::DscpRemark {
                rate,
                burst_size,
                prec_level,
            }
        }),
        (any::<u32>(), any::<u32>(), vec(any::<u8>(), 4..12)).prop_map(
            |(rate, burst_size, body)| MeterBand::Other {
                type_: 0xffff,
                rate,
                burst_size,
                body
            }
        ),
    ]
}

fn meter_mod() -> impl Strategy<Value = MeterMod> {
    (
        any::<u16>(),
        any::<u16>(),
        any::<u32>(),
        vec(meter_band(), 0..3),
    )
        .prop_map(|(command, flags, meter_id, bands)| MeterMod {
            command,
            flags,
            meter_id,
            bands,
        })
}

fn port_mod(v: Version) -> impl Strategy<Value = PortMod> {
    (
        any::<u32>(),
        any::<[u8; 6]>(),
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
        props(v >= Version::Of14),
    )
        .prop_map(
            |(port_no, hw_addr, config, mask, advertise, properties)| PortMod {
                port_no,
                hw_addr,
                config,
                mask,
                advertise,
                properties,
            },
        )
}

fn table_mod(v: Version) -> impl Strategy<Value = TableMod> {
    let p = if v >= Version::Of14 {
        vec(
            prop_oneof![
                any::<u32>().prop_map(TableModProp::Eviction),
                any::<[u8; 3]>().prop_map(|b| TableModProp::Vacancy {
                    down: b[0],
                    up: b[1],
                    vacancy: b[2]
                }),
                exp_property().prop_map(TableModProp::Other),
            ],
            0..3,
        )
        .boxed()
    } else {
        Just(Vec::new()).boxed()
    };
    (any::<u8>(), any::<u32>(), p).prop_map(|(table_id, config, properties)| TableMod {
        table_id,
        config,
        properties,
    })
}

fn packet_in(v: Version) -> impl Strategy<Value = PacketIn> {
    (
        any::<u32>(),
        any::<u16>(),
        any::<u8>(),
        any::<u8>(),
        any::<u64>(),
        match_(v),
        bytes(64),
    )
        .prop_map(
            |(buffer_id, total_len, reason, table_id, cookie, match_, data)| PacketIn {
                buffer_id,
                total_len,
                reason,
                table_id,
                cookie,
                match_,
                data,
            },
        )
}

fn packet_out(v: Version) -> impl Strategy<Value = PacketOut> {
    let (in_port, m) = if v >= Version::Of15 {
        (Just(OFPP_CONTROLLER).boxed(), match_(v).boxed())
    } else {
        (any::<u32>().boxed(), Just(Match::new()).boxed())
    };
    (any::<u32>(), in_port, m, actions(v), bytes(64)).prop_map(
        |(buffer_id, in_port, match_, actions, data)| PacketOut {
            buffer_id,
            in_port,
            match_,
            actions,
            data,
        },
    )
}

fn flow_removed(v: Version) -> impl Strategy<Value = FlowRemoved> {
    (
        (any::<u64>(), any::<u16>(), any::<u8>(), any::<u8>()),
        (any::<u32>(), any::<u32>(), any::<u16>(), any::<u16>()),
        (any::<u64>(), any::<u64>()),
        match_(v),
    )
        .prop_map(
            |(
                (cookie, priority, reason, table_id),
                (duration_sec, duration_nsec, idle_timeout, hard_timeout),
                (packet_count, byte_count),
                match_,
            )| FlowRemoved {
                cookie,
                priority,
                reason,
                table_id,
                duration_sec,
                duration_nsec,
                idle_timeout,
                hard_timeout,
                packet_count,
                byte_count,
                match_,
            },
        )
}

fn async_props() -> impl Strategy<Value = Vec<AsyncProp>> {
    vec(
        prop_oneof![
            (0u16..12, any::<u32>()).prop_map(|(type_, mask)| AsyncProp::Mask { type_, mask }),
            exp_property().prop_map(AsyncProp::Other),
        ],
        0..4,
    )
}

fn async_config(v: Version) -> BoxedStrategy<AsyncConfig> {
    if v == Version::Of13 {
        any::<[u32; 6]>()
            .prop_map(|m| {
                AsyncConfig::Masks(AsyncMasks {
                    packet_in: [m[0], m[1]],
                    port_status: [m[2], m[3]],
                    flow_removed: [m[4], m[5]],
                })
            })
            .boxed()
    } else {
        async_props().prop_map(AsyncConfig::Props).boxed()
    }
}

fn continuation(v: Version) -> impl Strategy<Value = Vec<ContinuationProp>> {
    vec(
        prop_oneof![
            any::<[u8; 16]>().prop_map(ContinuationProp::Bridge),
            bytes(16).prop_map(ContinuationProp::Stack),
            any::<u32>().prop_map(ContinuationProp::Mirrors),
            Just(ContinuationProp::Conntracked),
            any::<u8>().prop_map(ContinuationProp::TableId),
            any::<u64>().prop_map(ContinuationProp::Cookie),
            actions(v).prop_map(ContinuationProp::Actions),
            actions(v).prop_map(ContinuationProp::ActionSet),
            any::<u32>().prop_map(ContinuationProp::OdpPort),
            (0x8009u16..0x9000, bytes(8))
                .prop_map(|(type_, body)| ContinuationProp::Other(Property { type_, body })),
        ],
        0..5,
    )
}

fn packet_in2(v: Version) -> impl Strategy<Value = PacketIn2> {
    (
        bytes(64),
        (
            proptest::option::of(any::<u32>()),
            proptest::option::of(any::<u32>()),
            proptest::option::of(any::<u8>()),
            proptest::option::of(any::<u64>()),
            proptest::option::of(any::<u8>()),
        ),
        proptest::option::of(match_fields()),
        proptest::option::of(bytes(16)),
        proptest::option::of(continuation(v)),
        vec(
            (9u16..0xffff, bytes(8)).prop_map(|(type_, body)| Property { type_, body }),
            0..2,
        ),
    )
        .prop_map(
            |(
                packet,
                (full_len, buffer_id, table_id, cookie, reason),
                metadata,
                userdata,
                continuation,
                properties,
            )| {
                PacketIn2 {
                    packet,
                    full_len,
                    buffer_id,
                    table_id,
                    cookie,
                    reason,
                    metadata,
                    userdata,
                    continuation,
                    properties,
                }
            },
        )
}

fn tlv_maps() -> impl Strategy<Value = Vec<TlvMap>> {
    vec(
        (any::<u16>(), any::<u8>(), any::<u8>(), any::<u16>()).prop_map(
            |(option_class, option_type, option_len, index)| TlvMap {
                option_class,
                option_type,
                option_len,
                index,
            },
        ),
        0..4,
    )
}

fn ct_tuple() -> impl Strategy<Value = CtTuple> {
    use proptest::option::of;
    (
        of(any::<[u8; 16]>()),
        of(any::<[u8; 16]>()),
        of(any::<u16>()),
        of(any::<u16>()),
        of(any::<u16>()),
        of(any::<u8>()),
        of(any::<u8>()),
    )
        .prop_map(
            |(src, dst, src_port, dst_port, icmp_id, icmp_type, icmp_code)| CtTuple {
                src,
                dst,
                src_port,
                dst_port,
                icmp_id,
                icmp_type,
                icmp_code,
            },
        )
}

fn bundle_inner(v: Version) -> BoxedStrategy<Message> {
    Union::new(vec![
        flow_mod(v).prop_map(Message::FlowMod).boxed(),
        group_mod(v).prop_map(Message::GroupMod).boxed(),
        port_mod(v).prop_map(Message::PortMod).boxed(),
        packet_out(v).prop_map(Message::PacketOut).boxed(),
        meter_mod().prop_map(Message::MeterMod).boxed(),
        Just(Message::BarrierRequest).boxed(),
    ])
    .boxed()
}

fn flow_stats_request(v: Version) -> impl Strategy<Value = FlowStatsRequest> {
    (
        any::<u8>(),
        any::<u32>(),
        any::<u32>(),
        any::<u64>(),
        any::<u64>(),
        match_(v),
    )
        .prop_map(
            |(table_id, out_port, out_group, cookie, cookie_mask, match_)| FlowStatsRequest {
                table_id,
                out_port,
                out_group,
                cookie,
                cookie_mask,
                match_,
            },
        )
}

fn wire_ids() -> impl Strategy<Value = Vec<WireId>> {
    vec(
        prop_oneof![
            any::<u16>().prop_map(|type_| WireId {
                type_,
                data: Vec::new()
            }),
            (any::<u32>(), any::<u16>()).prop_map(|(e, sub)| {
                let mut data = e.to_be_bytes().to_vec();
                data.extend_from_slice(&sub.to_be_bytes());
                WireId {
                    type_: 0xffff,
                    data,
                }
            }),
        ],
        0..4,
    )
}

fn oxm_ids() -> impl Strategy<Value = Vec<OxmId>> {
    vec(
        prop_oneof![
            (0u32..0xffff_0000).prop_map(|header| OxmId {
                header,
                experimenter: None
            }),
            (any::<u16>(), any::<u32>()).prop_map(|(low, e)| OxmId {
                header: 0xffff_0000 | u32::from(low),
                experimenter: Some(e)
            }),
        ],
        0..4,
    )
}

fn table_features() -> impl Strategy<Value = TableFeatures> {
    let prop = prop_oneof![
        (any::<bool>(), wire_ids())
            .prop_map(|(miss, ids)| TableFeatureProp::Instructions { miss, ids }),
        (any::<bool>(), bytes(8))
            .prop_map(|(miss, tables)| TableFeatureProp::NextTables { miss, tables }),
        (any::<bool>(), wire_ids())
            .prop_map(|(miss, ids)| TableFeatureProp::WriteActions { miss, ids }),
        (any::<bool>(), wire_ids())
            .prop_map(|(miss, ids)| TableFeatureProp::ApplyActions { miss, ids }),
        oxm_ids().prop_map(TableFeatureProp::Match),
        oxm_ids().prop_map(TableFeatureProp::Wildcards),
        (any::<bool>(), oxm_ids())
            .prop_map(|(miss, fields)| TableFeatureProp::WriteSetfield { miss, fields }),
        (any::<bool>(), oxm_ids())
            .prop_map(|(miss, fields)| TableFeatureProp::ApplySetfield { miss, fields }),
        exp_property().prop_map(TableFeatureProp::Other),
    ];
    (
        any::<u8>(),
        text(32),
        any::<u64>(),
        any::<u64>(),
        any::<u32>(),
        any::<u32>(),
        vec(prop, 0..4),
    )
        .prop_map(
            |(
                table_id,
                name,
                metadata_match,
                metadata_write,
                capabilities,
                max_entries,
                properties,
            )| {
                TableFeatures {
                    table_id,
                    name,
                    metadata_match,
                    metadata_write,
                    capabilities,
                    max_entries,
                    properties,
                }
            },
        )
}

fn flow_monitor_request(v: Version) -> impl Strategy<Value = FlowMonitorRequest> {
    let v14 = v >= Version::Of14;
    let (og, cmd) = if v14 {
        (any::<u32>().boxed(), any::<u8>().boxed())
    } else {
        (Just(OFPG_ANY).boxed(), Just(0u8).boxed())
    };
    (
        any::<u32>(),
        any::<u16>(),
        any::<u32>(),
        og,
        any::<u8>(),
        cmd,
        match_(v),
    )
        .prop_map(
            |(id, flags, out_port, out_group, table_id, command, match_)| FlowMonitorRequest {
                id,
                flags,
                out_port,
                out_group,
                table_id,
                command,
                match_,
            },
        )
}

fn flow_update(v: Version) -> BoxedStrategy<FlowUpdate> {
    let v14 = v >= Version::Of14;
    let full = (
        (
            0u16..=if v14 { 3 } else { 2 },
            any::<u8>(),
            if v14 { 0u16..=255 } else { 0u16..=0xffff },
        ),
        (any::<u16>(), any::<u16>(), any::<u16>(), any::<u64>()),
        match_(v),
        instructions(v),
    )
        .prop_map(
            |(
                (event, table_id, reason),
                (idle_timeout, hard_timeout, priority, cookie),
                match_,
                instructions,
            )| FlowUpdate::Full {
                event,
                table_id,
                reason,
                idle_timeout,
                hard_timeout,
                priority,
                cookie,
                match_,
                instructions,
            },
        );
    let abbrev = any::<u32>().prop_map(|xid| FlowUpdate::Abbrev { xid });
    if v14 {
        prop_oneof![
            full,
            abbrev,
            Just(FlowUpdate::Paused),
            Just(FlowUpdate::Resumed)
        ]
        .boxed()
    } else {
        prop_oneof![full, abbrev].boxed()
    }
}

fn flow_stats(v: Version) -> impl Strategy<Value = FlowStats> {
    let v15 = v >= Version::Of15;
    let reason = if v15 {
        any::<u8>().boxed()
    } else {
        Just(0).boxed()
    };
    let importance = if v >= Version::Of14 {
        any::<u16>().boxed()
    } else {
        Just(0).boxed()
    };
    let idle = if v15 {
        proptest::option::of(any::<u32>()).boxed()
    } else {
        Just(None).boxed()
    };
    (
        (any::<u8>(), reason, any::<u32>(), any::<u32>()),
        (
            any::<u16>(),
            any::<u16>(),
            any::<u16>(),
            any::<u16>(),
            importance,
        ),
        (any::<u64>(), any::<u64>(), any::<u64>(), idle),
        match_(v),
        instructions(v),
    )
        .prop_map(
            |(
                (table_id, reason, duration_sec, duration_nsec),
                (priority, idle_timeout, hard_timeout, flags, importance),
                (cookie, packet_count, byte_count, idle_age),
                match_,
                instructions,
            )| FlowStats {
                table_id,
                reason,
                duration_sec,
                duration_nsec,
                priority,
                idle_timeout,
                hard_timeout,
                flags,
                importance,
                cookie,
                packet_count,
                byte_count,
                idle_age,
                match_,
                instructions,
            },
        )
}

fn port_stats(v: Version) -> impl Strategy<Value = PortStats> {
    (
        any::<u32>(),
        any::<[u64; 12]>(),
        any::<u32>(),
        any::<u32>(),
        props(v >= Version::Of14),
    )
        .prop_map(
            |(port_no, c, duration_sec, duration_nsec, properties)| PortStats {
                port_no,
                rx_packets: c[0],
                tx_packets: c[1],
                rx_bytes: c[2],
                tx_bytes: c[3],
                rx_dropped: c[4],
                tx_dropped: c[5],
                rx_errors: c[6],
                tx_errors: c[7],
                rx_frame_err: c[8],
                rx_over_err: c[9],
                rx_crc_err: c[10],
                collisions: c[11],
                duration_sec,
                duration_nsec,
                properties,
            },
        )
}

fn mp_flags() -> impl Strategy<Value = u16> {
    prop_oneof![Just(0u16), Just(1u16), any::<u16>()]
}

fn unknown_mp_type(v: Version) -> impl Strategy<Value = u16> {
    let known: &'static [u16] = &[0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 0xffff];
    let v14 = v >= Version::Of14;
    any::<u16>().prop_filter("known multipart type", move |t| {
        !(known.contains(t) || v14 && *t == 16)
    })
}

fn multipart_request(v: Version) -> BoxedStrategy<MultipartRequest> {
    use MultipartRequestBody as B;
    let v15 = v >= Version::Of15;
    let any_unless = move |all: u32| {
        if v15 {
            any::<u32>().boxed()
        } else {
            Just(all).boxed()
        }
    };
    let bodies: Vec<BoxedStrategy<B>> = vec![
        Just(B::Desc).boxed(),
        flow_stats_request(v).prop_map(B::Flow).boxed(),
        flow_stats_request(v).prop_map(B::Aggregate).boxed(),
        Just(B::Table).boxed(),
        any::<u32>().prop_map(B::PortStats).boxed(),
        any_unless(OFPP_ANY).prop_map(B::PortDesc).boxed(),
        any::<u32>().prop_map(B::GroupStats).boxed(),
        any_unless(OFPG_ALL).prop_map(B::GroupDesc).boxed(),
        Just(B::GroupFeatures).boxed(),
        any::<u32>().prop_map(B::MeterStats).boxed(),
        any::<u32>().prop_map(B::MeterConfig).boxed(),
        Just(B::MeterFeatures).boxed(),
        vec(table_features(), 0..3)
            .prop_map(B::TableFeatures)
            .boxed(),
        vec(flow_monitor_request(v), 0..3)
            .prop_map(B::FlowMonitor)
            .boxed(),
        (
            any::<u32>().prop_filter("ONF", |e| *e != ONF_VENDOR_ID),
            any::<u32>(),
            bytes(16),
        )
            .prop_map(|(experimenter, exp_type, data)| B::Experimenter {
                experimenter,
                exp_type,
                data,
            })
            .boxed(),
        (unknown_mp_type(v), bytes(16))
            .prop_map(|(type_, body)| B::Unknown { type_, body })
            .boxed(),
    ];
    (mp_flags(), Union::new(bodies))
        .prop_map(|(flags, body)| MultipartRequest { flags, body })
        .boxed()
}

fn multipart_reply(v: Version) -> BoxedStrategy<MultipartReply> {
    use MultipartReplyBody as B;
    let desc = (text(256), text(256), text(256), text(32), text(256)).prop_map(
        |(mfr_desc, hw_desc, sw_desc, serial_num, dp_desc)| Desc {
            mfr_desc,
            hw_desc,
            sw_desc,
            serial_num,
            dp_desc,
        },
    );
    let group_desc = (
        any::<u8>(),
        any::<u32>(),
        vec(bucket(v), 0..3),
        props(v >= Version::Of15),
    )
        .prop_map(|(type_, group_id, buckets, properties)| GroupDesc {
            type_,
            group_id,
            buckets,
            properties,
        });
    let group_stats = (
        (any::<u32>(), any::<u32>(), any::<u64>(), any::<u64>()),
        (any::<u32>(), any::<u32>()),
        vec(any::<(u64, u64)>(), 0..3),
    )
        .prop_map(
            |(
                (group_id, ref_count, packet_count, byte_count),
                (duration_sec, duration_nsec),
                buckets,
            )| GroupStats {
                group_id,
                ref_count,
                packet_count,
                byte_count,
                duration_sec,
                duration_nsec,
                buckets,
            },
        );
    let meter_stats = (
        (any::<u32>(), any::<u32>(), any::<u64>(), any::<u64>()),
        (any::<u32>(), any::<u32>()),
        vec(any::<(u64, u64)>(), 0..3),
    )
        .prop_map(
            |(
                (meter_id, flow_count, packet_in_count, byte_in_count),
                (duration_sec, duration_nsec),
                b,
            )| MeterStats {
                meter_id,
                flow_count,
                packet_in_count,
                byte_in_count,
                duration_sec,
                duration_nsec,
                bands: b
                    .into_iter()
                    .map(|(p, b)| MeterBandStats {
                        packet_band_count: p,
                        byte_band_count: b,
                    })
                    .collect(),
            },
        );
    let meter_config = (any::<u16>(), any::<u32>(), vec(meter_band(), 0..3)).prop_map(
        |(flags, meter_id, bands)| MeterConfig {
            flags,
            meter_id,
            bands,
        },
    );
    let bodies: Vec<BoxedStrategy<B>> = vec![
        desc.prop_map(B::Desc).boxed(),
        vec(flow_stats(v), 0..3).prop_map(B::Flow).boxed(),
        (any::<u64>(), any::<u64>(), any::<u32>())
            .prop_map(|(packet_count, byte_count, flow_count)| {
                B::Aggregate(AggregateStats {
                    packet_count,
                    byte_count,
                    flow_count,
                })
            })
            .boxed(),
        vec(
            (any::<u8>(), any::<u32>(), any::<u64>(), any::<u64>()).prop_map(
                |(table_id, active_count, lookup_count, matched_count)| TableStats {
                    table_id,
                    active_count,
                    lookup_count,
                    matched_count,
                },
            ),
            0..3,
        )
        .prop_map(B::Table)
        .boxed(),
        vec(port_stats(v), 0..3).prop_map(B::PortStats).boxed(),
        vec(port(v), 0..3).prop_map(B::PortDesc).boxed(),
        vec(group_stats, 0..3).prop_map(B::GroupStats).boxed(),
        vec(group_desc, 0..3).prop_map(B::GroupDesc).boxed(),
        (
            any::<u32>(),
            any::<u32>(),
            any::<[u32; 4]>(),
            any::<[u32; 4]>(),
        )
            .prop_map(|(types, capabilities, max_groups, actions)| {
                B::GroupFeatures(GroupFeatures {
                    types,
                    capabilities,
                    max_groups,
                    actions,
                })
            })
            .boxed(),
        vec(meter_stats, 0..3).prop_map(B::MeterStats).boxed(),
        vec(meter_config, 0..3).prop_map(B::MeterConfig).boxed(),
        (
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any::<u8>(),
            any::<u8>(),
        )
            .prop_map(
                |(max_meter, band_types, capabilities, max_bands, max_color)| {
                    B::MeterFeatures(MeterFeatures {
                        max_meter,
                        band_types,
                        capabilities,
                        max_bands,
                        max_color,
                    })
                },
            )
            .boxed(),
        vec(table_features(), 0..3)
            .prop_map(B::TableFeatures)
            .boxed(),
        vec(flow_update(v), 0..3).prop_map(B::FlowMonitor).boxed(),
        (
            any::<u32>().prop_filter("ONF", |e| *e != ONF_VENDOR_ID),
            any::<u32>(),
            bytes(16),
        )
            .prop_map(|(experimenter, exp_type, data)| B::Experimenter {
                experimenter,
                exp_type,
                data,
            })
            .boxed(),
        (unknown_mp_type(v), bytes(16))
            .prop_map(|(type_, body)| B::Unknown { type_, body })
            .boxed(),
    ];
    (mp_flags(), Union::new(bodies))
        .prop_map(|(flags, body)| MultipartReply { flags, body })
        .boxed()
}

/// A random message that `version` can express.
pub fn message(version: Version) -> BoxedStrategy<Message> {
    let v = version;
    let v13 = v == Version::Of13;
    let v14 = v >= Version::Of14;
    let mut arms: Vec<BoxedStrategy<Message>> = vec![
        hello().prop_map(Message::Hello).boxed(),
        error_msg().prop_map(Message::Error).boxed(),
        bytes(32).prop_map(Message::EchoRequest).boxed(),
        bytes(32).prop_map(Message::EchoReply).boxed(),
        Just(Message::FeaturesRequest).boxed(),
        (
            any::<u64>(),
            any::<u32>(),
            any::<u8>(),
            any::<u8>(),
            any::<u32>(),
            any::<u32>(),
        )
            .prop_map(
                |(datapath_id, n_buffers, n_tables, auxiliary_id, capabilities, reserved)| {
                    Message::FeaturesReply(FeaturesReply {
                        datapath_id,
                        n_buffers,
                        n_tables,
                        auxiliary_id,
                        capabilities,
                        reserved,
                    })
                },
            )
            .boxed(),
        Just(Message::GetConfigRequest).boxed(),
        any::<(u16, u16)>()
            .prop_map(|(flags, miss_send_len)| {
                Message::GetConfigReply(SwitchConfig {
                    flags,
                    miss_send_len,
                })
            })
            .boxed(),
        any::<(u16, u16)>()
            .prop_map(|(flags, miss_send_len)| {
                Message::SetConfig(SwitchConfig {
                    flags,
                    miss_send_len,
                })
            })
            .boxed(),
        packet_in(v).prop_map(Message::PacketIn).boxed(),
        flow_removed(v).prop_map(Message::FlowRemoved).boxed(),
        (any::<u8>(), port(v))
            .prop_map(|(reason, port)| Message::PortStatus(PortStatus { reason, port }))
            .boxed(),
        packet_out(v).prop_map(Message::PacketOut).boxed(),
        flow_mod(v).prop_map(Message::FlowMod).boxed(),
        group_mod(v).prop_map(Message::GroupMod).boxed(),
        port_mod(v).prop_map(Message::PortMod).boxed(),
        table_mod(v).prop_map(Message::TableMod).boxed(),
        multipart_request(v)
            .prop_map(Message::MultipartRequest)
            .boxed(),
        multipart_reply(v).prop_map(Message::MultipartReply).boxed(),
        Just(Message::BarrierRequest).boxed(),
        Just(Message::BarrierReply).boxed(),
        any::<(u32, u64)>()
            .prop_map(|(role, generation_id)| {
                Message::RoleRequest(Role {
                    role,
                    generation_id,
                })
            })
            .boxed(),
        any::<(u32, u64)>()
            .prop_map(|(role, generation_id)| {
                Message::RoleReply(Role {
                    role,
                    generation_id,
                })
            })
            .boxed(),
        Just(Message::GetAsyncRequest).boxed(),
        async_config(v).prop_map(Message::GetAsyncReply).boxed(),
        async_config(v).prop_map(Message::SetAsync).boxed(),
        meter_mod().prop_map(Message::MeterMod).boxed(),
        (any::<u32>(), any::<u8>(), any::<u64>(), props(true))
            .prop_map(|(role, reason, generation_id, properties)| {
                Message::RoleStatus(RoleStatus {
                    role,
                    reason,
                    generation_id,
                    properties,
                })
            })
            .boxed(),
        (any::<u32>(), any::<u16>(), any::<u16>(), props(true))
            .prop_map(|(bundle_id, type_, flags, properties)| {
                Message::BundleControl(BundleControl {
                    bundle_id,
                    type_,
                    flags,
                    properties,
                })
            })
            .boxed(),
        (any::<u32>(), any::<u16>(), bundle_inner(v), props(true))
            .prop_map(|(bundle_id, flags, m, properties)| {
                let mut b = BundleAdd::new(bundle_id, flags, m);
                b.properties = properties;
                Message::BundleAdd(b)
            })
            .boxed(),
        packet_in2(v).prop_map(Message::PacketIn2).boxed(),
        packet_in2(v).prop_map(Message::Resume).boxed(),
        any::<u32>().prop_map(Message::SetPacketInFormat).boxed(),
        any::<u16>().prop_map(Message::SetControllerId).boxed(),
        (any::<u16>(), tlv_maps())
            .prop_map(|(command, mappings)| Message::TlvTableMod(TlvTableMod { command, mappings }))
            .boxed(),
        Just(Message::TlvTableRequest).boxed(),
        (any::<u32>(), any::<u16>(), tlv_maps())
            .prop_map(|(max_option_space, max_fields, mappings)| {
                Message::TlvTableReply(TlvTableReply {
                    max_option_space,
                    max_fields,
                    mappings,
                })
            })
            .boxed(),
        any::<u16>().prop_map(Message::CtFlushZone).boxed(),
        (
            any::<u8>(),
            proptest::option::of(ct_tuple()),
            proptest::option::of(ct_tuple()),
            proptest::option::of(any::<u16>()),
        )
            .prop_map(|(ip_proto, orig, reply, zone)| {
                Message::CtFlush(CtFlush {
                    ip_proto,
                    orig,
                    reply,
                    zone,
                })
            })
            .boxed(),
        (
            any::<u32>().prop_filter("known experimenter", |e| {
                *e != NX_VENDOR_ID && *e != ONF_VENDOR_ID
            }),
            any::<u32>(),
            bytes(32),
        )
            .prop_map(|(experimenter, exp_type, data)| Message::Experimenter {
                experimenter,
                exp_type,
                data,
            })
            .boxed(),
        (
            any::<u8>().prop_filter("known type", move |t| {
                !(*t <= 21 || (24..=29).contains(t) || (v14 && [30, 33, 34].contains(t)))
            }),
            bytes(32),
        )
            .prop_map(|(type_, body)| Message::Unknown { type_, body })
            .boxed(),
    ];
    if v13 {
        arms.push(async_props().prop_map(Message::SetAsyncConfig2).boxed());
        arms.push(any::<u32>().prop_map(Message::FlowMonitorCancel).boxed());
        arms.push(Just(Message::FlowMonitorPaused).boxed());
        arms.push(Just(Message::FlowMonitorResumed).boxed());
    }
    Union::new(arms).boxed()
}
