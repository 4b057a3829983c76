//! Regression inputs modelled on published Open vSwitch OpenFlow decoder bugs (CVEs and
//! oss-fuzz reports) and on a Ryu bug, crafted here from their descriptions. Each must
//! decode to an error, or cleanly where the input is well-formed, and never panic or loop.
//!
//! The same inputs are the checked-in seeds of the fuzz targets (`fuzz/seeds/<target>/`, in
//! each target's input format); `seeds_are_checked_in` keeps the two in step. After changing
//! a case, rewrite the seeds with
//! `OPENFLOW_WRITE_SEEDS=1 cargo test -p openflow --test regressions`.

use std::path::PathBuf;

use openflow::Version;
use openflow::action::{
    Action, decode_actions, decode_instructions, encode_actions, encode_instructions,
    format_actions, parse_actions,
};
use openflow::flow::{Command, Flow};
use openflow::matching::Match;
use openflow::message::{BundleInner, Message, frame_len};
use openflow::wire::{Reader, Writer};

// ---------------------------------------------------------------------------------------
// Builders (wire layouts from the OpenFlow 1.3-1.5 specifications and Open vSwitch's
// Nicira extension headers).

const NX: u32 = 0x0000_2320;
const ONF: u32 = 0x4f4e_4600;
const OF13: u8 = 4;
const OF14: u8 = 5;
const OF15: u8 = 6;

/// A whole message: header (version, type, length, xid) and body.
fn msg(version: u8, type_: u8, xid: u32, body: &[u8]) -> Vec<u8> {
    let len = u16::try_from(8 + body.len()).expect("message fits");
    let mut m = vec![version, type_];
    m.extend(len.to_be_bytes());
    m.extend(xid.to_be_bytes());
    m.extend(body);
    m
}

/// An experimenter message (OFPT_EXPERIMENTER = 4).
fn exp_msg(version: u8, xid: u32, experimenter: u32, exp_type: u32, body: &[u8]) -> Vec<u8> {
    let mut b = experimenter.to_be_bytes().to_vec();
    b.extend(exp_type.to_be_bytes());
    b.extend(body);
    msg(version, 4, xid, &b)
}

/// A Nicira extension action: 10-byte header, `body`, zero padding to 8 bytes.
fn nx(subtype: u16, body: &[u8]) -> Vec<u8> {
    let len = (10 + body.len()).next_multiple_of(8);
    let mut a = vec![0xff, 0xff];
    a.extend(u16::try_from(len).expect("action fits").to_be_bytes());
    a.extend(NX.to_be_bytes());
    a.extend(subtype.to_be_bytes());
    a.extend(body);
    a.resize(len, 0);
    a
}

/// `OFPAT_OUTPUT` to `port`.
fn output(port: u32) -> Vec<u8> {
    let mut a = vec![0, 0, 0, 16];
    a.extend(port.to_be_bytes());
    a.extend([0xff, 0xe5, 0, 0, 0, 0, 0, 0]);
    a
}

/// `OFPAT_POP_VLAN`.
fn pop_vlan() -> Vec<u8> {
    vec![0, 18, 0, 8, 0, 0, 0, 0]
}

/// `NXAST_CLONE` of `inner`.
fn clone(inner: &[u8]) -> Vec<u8> {
    let mut b = vec![0; 6];
    b.extend(inner);
    nx(42, &b)
}

/// `NXAST_CT` with `flags`, zone 0, no recirculation, no ALG, nested `inner`.
fn ct(flags: u16, inner: &[u8]) -> Vec<u8> {
    let mut b = flags.to_be_bytes().to_vec();
    b.extend([0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0, 0, 0]);
    b.extend(inner);
    nx(35, &b)
}

/// An instruction of `type_` holding `actions` (`OFPIT_APPLY_ACTIONS` = 4,
/// `OFPIT_WRITE_ACTIONS` = 3).
fn inst(type_: u16, actions: &[u8]) -> Vec<u8> {
    let mut i = type_.to_be_bytes().to_vec();
    i.extend(
        u16::try_from(8 + actions.len())
            .expect("fits")
            .to_be_bytes(),
    );
    i.extend([0; 4]);
    i.extend(actions);
    i
}

/// An OpenFlow 1.3 `OFPT_FLOW_MOD` (add, table 0, priority 32768, catch-all match).
fn flow_mod13(instructions: &[u8]) -> Vec<u8> {
    let mut b = vec![0; 16]; // cookie, cookie mask
    b.extend([0, 0]); // table, command
    b.extend([0, 0, 0, 0, 0x80, 0]); // idle, hard, priority
    b.extend([0xff; 12]); // buffer id, out port, out group
    b.extend([0; 4]); // flags, pad
    b.extend([0, 1, 0, 4, 0, 0, 0, 0]); // empty OXM match
    b.extend(instructions);
    msg(OF13, 14, 1, &b)
}

/// An OpenFlow 1.3 bucket (length, weight, watch port, watch group, pad) with an explicit
/// length field.
fn bucket13(len: u16, actions: &[u8]) -> Vec<u8> {
    let mut b = len.to_be_bytes().to_vec();
    b.extend([0, 1]);
    b.extend([0xff; 8]);
    b.extend([0; 4]);
    b.extend(actions);
    b
}

/// An OpenFlow 1.5 bucket: length, action array length, bucket id, actions.
fn bucket15(bucket_id: u32, actions: &[u8]) -> Vec<u8> {
    let len = u16::try_from(8 + actions.len()).expect("fits");
    let mut b = len.to_be_bytes().to_vec();
    b.extend(u16::try_from(actions.len()).expect("fits").to_be_bytes());
    b.extend(bucket_id.to_be_bytes());
    b.extend(actions);
    b
}

/// An OpenFlow 1.5 group mod.
fn group_mod15(command: u16, command_bucket_id: u32, buckets: &[u8]) -> Vec<u8> {
    let mut b = command.to_be_bytes().to_vec();
    b.extend([1, 0]); // select group
    b.extend(1u32.to_be_bytes());
    b.extend(u16::try_from(buckets.len()).expect("fits").to_be_bytes());
    b.extend([0, 0]);
    b.extend(command_bucket_id.to_be_bytes());
    b.extend(buckets);
    msg(OF15, 15, 3, &b)
}

/// `NXAST_LEARN`'s fixed part (table 1, no flags) followed by `specs`.
fn learn(specs: &[u8]) -> Vec<u8> {
    let mut b = vec![0; 6]; // idle, hard, priority
    b.extend([0; 8]); // cookie
    b.extend([0, 0, 1, 0]); // flags, table, pad
    b.extend([0; 4]); // fin timeouts
    b.extend(specs);
    nx(16, &b)
}

/// `NXAST_BUNDLE` (active_backup, ofport members) claiming `n_members` with `members`.
fn bundle_action(n_members: u16, members: &[u16]) -> Vec<u8> {
    let mut b = vec![0, 0]; // algorithm active_backup
    b.extend([0, 0, 0, 0]); // fields, basis
    b.extend(2u32.to_be_bytes()); // member type NXM_OF_IN_PORT
    b.extend(n_members.to_be_bytes());
    b.extend([0; 10]); // ofs_nbits, dst, reserved
    for m in members {
        b.extend(m.to_be_bytes());
    }
    nx(12, &b)
}

/// `NXAST_RAW_ENCAP` to NSH (header size 0) with `props` (OpenFlow packet-type property
/// headers: class, type, length).
fn raw_encap(props: &[u8]) -> Vec<u8> {
    let mut b = vec![0, 0];
    b.extend(0x0001_894fu32.to_be_bytes());
    b.extend(props);
    nx(46, &b)
}

/// An OpenFlow 1.4+ bundle control.
fn bundle_control(version: u8, xid: u32, type_: u16) -> Vec<u8> {
    let mut b = 9u32.to_be_bytes().to_vec();
    b.extend(type_.to_be_bytes());
    b.extend(1u16.to_be_bytes()); // atomic
    msg(version, 33, xid, &b)
}

/// An OpenFlow 1.4+ bundle add carrying `inner` verbatim.
fn bundle_add(version: u8, xid: u32, inner: &[u8]) -> Vec<u8> {
    let mut b = 9u32.to_be_bytes().to_vec();
    b.extend([0, 0, 0, 1]);
    b.extend(inner);
    msg(version, 34, xid, &b)
}

/// An OpenFlow 1.4+ multipart reply of `mp_type`.
fn mp_reply(version: u8, mp_type: u16, body: &[u8]) -> Vec<u8> {
    let mut b = mp_type.to_be_bytes().to_vec();
    b.extend([0; 6]);
    b.extend(body);
    msg(version, 19, 5, &b)
}

/// A debug rendering cut to a readable length.
fn short(x: &impl std::fmt::Debug) -> String {
    let s = format!("{x:?}");
    match s.char_indices().nth(300) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s,
    }
}

fn repeat(part: &[u8], n: usize) -> Vec<u8> {
    part.iter().copied().cycle().take(part.len() * n).collect()
}

// ---------------------------------------------------------------------------------------
// The cases.

/// What a case is decoded as: one fuzz target's input kind.
#[derive(Clone, Copy, Debug)]
enum Input {
    /// One whole message (`of_message`).
    Message,
    /// An action list (`of_actions`).
    Actions(Version),
    /// An instruction list (`of_actions`).
    Instructions(Version),
    /// A byte stream of messages (`of_frames`).
    Stream,
    /// Text: a flow, an action list or a match (`of_text`).
    Text,
    /// A bare NXM/OXM field list (`of_match`).
    Fields(Version),
}

impl Input {
    fn target(self) -> &'static str {
        match self {
            Input::Message => "of_message",
            Input::Actions(_) | Input::Instructions(_) => "of_actions",
            Input::Stream => "of_frames",
            Input::Text => "of_text",
            Input::Fields(_) => "of_match",
        }
    }

    /// The bytes the fuzz target reads for `input` (its selector byte first, if any).
    fn seed(self, input: &[u8]) -> Vec<u8> {
        let sel = |v: Version, bit: u8| {
            let i = Version::ALL.iter().position(|&x| x == v).unwrap() as u8;
            i | bit
        };
        let mut out = match self {
            Input::Message | Input::Text => Vec::new(),
            Input::Actions(v) => vec![sel(v, 0)],
            Input::Instructions(v) | Input::Fields(v) => vec![sel(v, 4)],
            // Read the stream 7 bytes at a time, to cut headers and bodies.
            Input::Stream => vec![7],
        };
        out.extend(input);
        out
    }
}

/// What must come of a case.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// An error whose message contains this text (so that the check that fires is the
    /// one the case is about).
    Error(&'static str),
    /// A clean decode that re-encodes byte for byte (text: parses, and prints stably).
    Clean,
    /// A clean decode whose re-encoding differs (a canonical form) but is a fixed point:
    /// it decodes and encodes to the same bytes.
    Canonical,
}

struct Case {
    name: &'static str,
    input: Input,
    bytes: Vec<u8>,
    expect: Expect,
}

fn case(name: &'static str, input: Input, bytes: Vec<u8>, expect: Expect) -> Case {
    Case {
        name,
        input,
        bytes,
        expect,
    }
}

fn cases() -> Vec<Case> {
    use Expect::*;
    use Input::*;
    let v13 = Version::Of13;
    let v15 = Version::Of15;
    let mut out = Vec::new();

    // CVE-2017-9214: a queue get-config reply whose queue (or property) is shorter than its
    // header made Open vSwitch's length arithmetic underflow. This crate keeps the message
    // opaque, so it must come back byte for byte.
    let mut q = vec![0, 0, 0, 1, 0, 0, 0, 0]; // port 1, pad
    q.extend([0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]); // queue 7, len 0
    out.push(case(
        "cve_2017_9214_queue_config_zero_len_queue",
        Message,
        msg(OF13, 23, 2, &q),
        Clean,
    ));
    let mut q = vec![0, 0, 0, 1, 0, 0, 0, 0];
    q.extend([0, 0, 0, 7, 0, 0, 0, 1, 0, 24, 0, 0, 0, 0, 0, 0]); // queue len 24
    q.extend([0, 1, 0, 0, 0, 0, 0, 0]); // min-rate property of length 0
    out.push(case(
        "cve_2017_9214_queue_config_zero_len_property",
        Message,
        msg(OF13, 23, 2, &q),
        Clean,
    ));
    // OpenFlow 1.4's form: a queue-desc multipart reply entry of length 0.
    out.push(case(
        "cve_2017_9214_queue_desc_zero_len",
        Message,
        mp_reply(OF14, 15, &[0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0]),
        Clean,
    ));

    // CVE-2017-9263: a role status with an unknown reason aborted Open vSwitch's printer.
    let mut rs = 2u32.to_be_bytes().to_vec();
    rs.extend([0x7f, 0, 0, 0]);
    rs.extend(5u64.to_be_bytes());
    out.push(case(
        "cve_2017_9263_role_status_unknown_reason",
        Message,
        msg(OF14, 30, 4, &rs),
        Clean,
    ));
    out.push(case(
        "cve_2017_9263_onf_role_status_unknown_reason",
        Message,
        exp_msg(OF13, 4, ONF, 1911, &rs),
        Clean,
    ));

    // CVE-2017-9265: a group mod bucket whose length overruns the message (and one of
    // length 0, which must not loop).
    let mut gm = vec![0, 0, 1, 0, 0, 0, 0, 1];
    gm.extend(bucket13(0x400, &output(1)));
    out.push(case(
        "cve_2017_9265_group_mod_bucket_overrun",
        Message,
        msg(OF13, 15, 3, &gm),
        Error("bucket length 1024"),
    ));
    let mut gm = vec![0, 0, 1, 0, 0, 0, 0, 1];
    gm.extend(bucket13(0, &output(1)));
    out.push(case(
        "cve_2017_9265_group_mod_bucket_zero_len",
        Message,
        msg(OF13, 15, 3, &gm),
        Error("bucket length 0"),
    ));
    // OpenFlow 1.5: the action array length overruns its bucket.
    let mut b = bucket15(1, &output(1));
    b[2..4].copy_from_slice(&64u16.to_be_bytes());
    out.push(case(
        "cve_2017_9265_group_mod15_action_len_overrun",
        Message,
        group_mod15(0, 0xffff_ffff, &b),
        Error("action_array_len 64 overruns"),
    ));

    // CVE-2018-17204: an OpenFlow 1.5 group add naming a command bucket id, with duplicate
    // and out-of-range bucket ids. Well-formed on the wire (the switch refuses it
    // semantically): it decodes and re-encodes as it is.
    let mut bs = bucket15(5, &output(1));
    bs.extend(bucket15(5, &output(2)));
    bs.extend(bucket15(0xffff_ff01, &output(3)));
    out.push(case(
        "cve_2018_17204_group_add_command_bucket_id",
        Message,
        group_mod15(0, 5, &bs),
        Clean,
    ));

    // CVE-2018-17205: a bundle commit whose bundled flow_mod fails. The bundle add keeps
    // an undecodable message raw; the whole open/add/commit stream frames and decodes.
    let mut bad = flow_mod13(&[0, 4, 0, 0, 0, 0, 0, 0]);
    bad[0] = OF14;
    bad[4..8].copy_from_slice(&0x11u32.to_be_bytes());
    let add = bundle_add(OF14, 0x11, &bad);
    out.push(case(
        "cve_2018_17205_bundle_add_failing_message",
        Message,
        add.clone(),
        Clean,
    ));
    let mut stream = bundle_control(OF14, 0x10, 0);
    stream.extend(&add);
    stream.extend(bundle_control(OF14, 0x12, 4));
    out.push(case(
        "cve_2018_17205_bundle_commit_stream",
        Stream,
        stream,
        Clean,
    ));

    // CVE-2018-17206: NXAST_BUNDLE claiming more members than the action holds.
    out.push(case(
        "cve_2018_17206_bundle_members_overrun",
        Actions(v13),
        bundle_action(100, &[1, 2]),
        Error("100 members need 200 bytes"),
    ));
    out.push(case(
        "cve_2018_17206_bundle_members_overrun_in_flow_mod",
        Message,
        flow_mod13(&inst(4, &bundle_action(0xffff, &[1]))),
        Error("65535 members"),
    ));

    // CVE-2021-36980: NXAST_RAW_ENCAP with properties (an NSH MD type property). Kept
    // opaque here, so byte-identical.
    out.push(case(
        "cve_2021_36980_raw_encap_properties",
        Actions(v15),
        raw_encap(&[0, 4, 1, 8, 1, 0, 0, 0]),
        Clean,
    ));
    // The encap property hang: a zero-length property.
    out.push(case(
        "encap_zero_length_property",
        Actions(v15),
        raw_encap(&[0, 4, 1, 0, 0, 0, 0, 0]),
        Clean,
    ));

    // The learn spec over-read: an immediate source of 1023 bits with no bytes after it,
    // and a 64-bit immediate into a 32-bit register.
    out.push(case(
        "learn_spec_overread",
        Actions(v13),
        learn(&[0x23, 0xff]),
        Error("spec needs 134 bytes"),
    ));
    let mut spec = vec![0x20, 0x40];
    spec.extend([0; 8]);
    spec.extend([0, 1, 0, 4, 0, 0]); // NXM_NX_REG0, ofs 0
    out.push(case(
        "learn_spec_wider_than_field",
        Actions(v13),
        learn(&spec),
        Error("outside reg0"),
    ));

    // Action nesting stack overflow: deep clone, clone/ct and write_actions nesting.
    let mut deep = output(1);
    for _ in 0..200 {
        deep = clone(&deep);
    }
    out.push(case(
        "nesting_deep_clone",
        Actions(v15),
        deep.clone(),
        Error("nested more than 32 levels"),
    ));
    out.push(case(
        "nesting_deep_write_actions",
        Instructions(v13),
        inst(3, &deep),
        Error("nested more than 32 levels"),
    ));
    let mut mixed = ct(1, &[]);
    for _ in 0..60 {
        let mut next = ct(1, &[]);
        next.extend(clone(&mixed));
        mixed = next;
    }
    out.push(case(
        "nesting_clone_ct",
        Actions(v13),
        mixed,
        Error("nested more than 32 levels"),
    ));
    let mut at_limit = output(1);
    for _ in 0..openflow::action::MAX_NESTING {
        at_limit = clone(&at_limit);
    }
    out.push(case("nesting_at_limit", Actions(v13), at_limit, Clean));

    // Too many actions: the largest OpenFlow 1.3 flow_mod of 8-byte actions (8,183).
    let n = (65535 - 8 - 40 - 8 - 8) / 8;
    out.push(case(
        "too_many_actions",
        Message,
        flow_mod13(&inst(4, &repeat(&pop_vlan(), n))),
        Clean,
    ));

    // The flow-monitor abort: updates with an unknown event, of length 0, and an OpenFlow
    // 1.3 update whose match_len disagrees with its match.
    out.push(case(
        "flow_monitor_unknown_event",
        Message,
        mp_reply(OF14, 16, &[0, 8, 0, 9, 0, 0, 0, 0]),
        Error("unknown flow update event 9"),
    ));
    out.push(case(
        "flow_monitor_zero_len_update",
        Message,
        mp_reply(OF14, 16, &[0, 0, 0, 0, 0, 0, 0, 0]),
        Error("flow update length 0"),
    ));
    let mut up = vec![0, 32, 0, 1]; // length 32, event added
    up.extend([0, 0, 0x80, 0, 0, 0, 0, 0]); // reason, priority, timeouts
    up.extend([0, 40, 0, 0]); // match_len 40 (the match says 4), table, pad
    up.extend([0; 8]); // cookie
    up.extend([0, 1, 0, 4, 0, 0, 0, 0]); // empty match
    let mut body = vec![0xff, 0xff, 0, 0, 0, 0, 0, 0];
    body.extend(ONF.to_be_bytes());
    body.extend(1870u32.to_be_bytes());
    body.extend(up);
    out.push(case(
        "flow_monitor_onf_match_len_mismatch",
        Message,
        msg(OF13, 19, 5, &body),
        Error("match_len 40 differs"),
    ));

    // The bundle_add over-read: the bundled message's header claims more bytes than the
    // bundle add holds, or fewer than a header.
    let mut inner = msg(OF14, 2, 0x11, &[]);
    inner[2..4].copy_from_slice(&0x100u16.to_be_bytes());
    out.push(case(
        "bundle_add_inner_overrun",
        Message,
        bundle_add(OF14, 0x11, &inner),
        Error("inner message length 256"),
    ));
    inner[2..4].copy_from_slice(&4u16.to_be_bytes());
    out.push(case(
        "bundle_add_inner_shorter_than_header",
        Message,
        bundle_add(OF14, 0x11, &inner),
        Error("inner message length 4"),
    ));

    // clone(ct(bad)): a ct inside a clone with an action ct may not nest, and one with a
    // nested action of length 0.
    out.push(case(
        "clone_ct_bad_nested_action",
        Actions(v15),
        clone(&ct(1, &output(1))),
        Error("ct action doesn't support nested action output"),
    ));
    out.push(case(
        "clone_ct_zero_length_nested_action",
        Actions(v13),
        clone(&ct(1, &[0, 0, 0, 0, 0, 0, 0, 0])),
        Error("action length 0"),
    ));

    // Ryu: an instruction of length 0 looped forever.
    out.push(case(
        "ryu_zero_length_instruction",
        Instructions(v13),
        vec![0, 4, 0, 0, 0, 0, 0, 0],
        Error("instruction length 0"),
    ));
    out.push(case(
        "ryu_zero_length_instruction_in_flow_mod",
        Message,
        flow_mod13(&[0, 4, 0, 0, 0, 0, 0, 0]),
        Error("instruction length 0"),
    ));
    out.push(case(
        "zero_length_action",
        Actions(v13),
        vec![0, 0, 0, 0, 0, 0, 0, 0],
        Error("action length 0"),
    ));

    // Matches: an OXM field shorter than its width, and one whose length overruns.
    out.push(case(
        "oxm_field_short_length",
        Fields(v13),
        vec![0x80, 0x00, 0x00, 0x02, 0, 1],
        Error("with length 2"),
    ));
    out.push(case(
        "oxm_field_overrun",
        Fields(v13),
        vec![0x80, 0x00, 0x00, 0x7f, 0, 0, 0, 1],
        Error("with length 127"),
    ));

    // Text counterparts.
    let text = |s: String| s.into_bytes();
    out.push(case(
        "text_deep_clone",
        Text,
        text(format!(
            "actions={}drop{}",
            "clone(".repeat(300),
            ")".repeat(300)
        )),
        Error("nested"),
    ));
    out.push(case(
        "text_clone_ct_bad",
        Text,
        text("actions=clone(ct(commit,exec(output:1)))".into()),
        Error("ct action doesn't support nested action output"),
    ));
    // As ovs-ofctl, members past the 2,048th are ignored.
    out.push(case(
        "text_bundle_too_many_members",
        Text,
        text(format!(
            "actions=bundle(eth_src,0,hrw,ofport,members:{})",
            (1..=3000)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",")
        )),
        Clean,
    ));
    out.push(case(
        "text_encap_nsh",
        Text,
        text("actions=encap(nsh(md_type=1,tlv(0x1000,10,0x12345678)))".into()),
        Error("unsupported action encap"),
    ));
    out.push(case(
        "text_learn",
        Text,
        text(
            "table=1,priority=5,ip,actions=learn(table=10,NXM_OF_VLAN_TCI[0..11],\
             NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0xabc->NXM_NX_REG2[0..11],\
             output:NXM_OF_IN_PORT[])"
                .into(),
        ),
        Clean,
    ));
    out.push(case(
        "text_too_many_actions",
        Text,
        text(format!("actions={}", vec!["output:1"; 5000].join(","))),
        Clean,
    ));

    // Found by the fuzz targets. of_text: a zero-mask set_field prints as `ANY`, which must
    // read back. of_match: an NXM vlan_tci with CFI clear and VID bits set is valid; in OXM
    // it becomes a match on a present VLAN (as in Open vSwitch), then stays put.
    out.push(case(
        "fuzz_set_field_zero_mask",
        Text,
        b"ip,actions=ct(commit,exec(set_field:0x1/0x0->ct_mark)),set_field:ANY->reg0".to_vec(),
        Clean,
    ));
    // of_text: a ct with exec but no commit parsed (as in ovs-ofctl) into a flow_mod that
    // no decoder takes (Open vSwitch's refuses it too); it is refused when parsed.
    out.push(case(
        "fuzz_ct_exec_without_commit",
        Text,
        b"udp,actions=ct(,table=123,nat(src=192.168.0.3:1024-6555,random),exec(load:0x4->NXM_NX_CT_LABEL[0..22]))".to_vec(),
        Error("CT action requires commit flag"),
    ));
    // of_actions: an NXAST_REG_LOAD into bits 900..907 of tun_metadata0 (any length is
    // allowed in its header) shifted a 128-bit value past its width; of_text found the same
    // in a match on those bits. Both are refused: values are kept in 16 bytes.
    let mut load = ((900u16 << 6) | 7).to_be_bytes().to_vec();
    load.extend(0x0001_507cu32.to_be_bytes());
    load.extend(1u64.to_be_bytes());
    out.push(case(
        "fuzz_reg_load_tun_metadata_high_bits",
        Actions(v13),
        nx(7, &load),
        Error("bits past 127"),
    ));
    out.push(case(
        "fuzz_match_tun_metadata_high_bits",
        Text,
        b"tun_metadata0[900..907]=1,actions=drop".to_vec(),
        Error("bits past 127"),
    ));
    // ...while the whole field, as a subfield, is a match on it (as in ovs-ofctl).
    out.push(case(
        "text_match_tun_metadata_whole_subfield",
        Text,
        b"tun_metadata0[]=0x5,actions=drop".to_vec(),
        Clean,
    ));
    out.push(case(
        "fuzz_nxm_vlan_tci_cfi_clear",
        Fields(v13),
        vec![0, 0, 8, 2, 0, 4, 0, 0, 0, 2, 0, 1],
        Clean,
    ));

    // of_message: OpenFlow 1.1's set_dl_dst (type 4) and pop_vlan with nonzero padding in
    // an OpenFlow 1.3 flow_mod decode (as in Open vSwitch) and re-encode canonically
    // (set_field, zero padding); the re-encoding is a fixed point.
    let mut legacy = vec![0, 4, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0, 0];
    legacy.extend([0, 18, 0, 8, 5, 0xff, 0, 8]);
    out.push(case(
        "fuzz_legacy_set_dl_dst_of13",
        Message,
        flow_mod13(&inst(4, &legacy)),
        Canonical,
    ));

    // Well-formed samples, to give the fuzzers a start on the common shapes.
    let flow = "table=10,priority=100,ip,reg14=0x1,metadata=0x2,dl_src=00:00:00:00:00:01,\
                nw_src=10.0.0.0/8,tcp,tp_dst=80,ct_state=+trk-inv,\
                actions=ct(commit,zone=NXM_NX_REG13[0..15],exec(set_field:0x1/0x1->ct_mark)),\
                set_field:0x5->reg15,move:NXM_NX_REG0[0..15]->NXM_NX_REG1[16..31],\
                learn(table=10,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[]),resubmit(,11),\
                clone(output:2),controller(userdata=01.02,pause)";
    out.push(case(
        "sample_ovn_flow",
        Text,
        flow.as_bytes().to_vec(),
        Clean,
    ));
    let parsed = Flow::parse(flow, v15).unwrap();
    let fm = parsed.to_flow_mod(Command::Add, v15).unwrap();
    let fm_bytes = openflow::message::Message::FlowMod(fm.clone())
        .encode(v15, 7)
        .unwrap();
    out.push(case("sample_flow_mod15", Message, fm_bytes.clone(), Clean));
    let mut w = Writer::new();
    encode_actions(&parsed.actions, &mut w, v15).unwrap();
    out.push(case("sample_actions15", Actions(v15), w.into_vec(), Clean));
    let mut w = Writer::new();
    let n = fm.match_.encode_fields(&mut w, v15).unwrap();
    assert_eq!(n, w.len());
    out.push(case(
        "sample_match_fields",
        Fields(v15),
        w.into_vec(),
        Clean,
    ));
    let mut stream = msg(OF15, 0, 1, &[0, 1, 0, 8, 0, 0, 0, 0x40]); // hello, bitmap 1.5
    stream.extend(msg(OF15, 2, 2, b"ping"));
    stream.extend(&fm_bytes);
    stream.extend(msg(OF15, 20, 8, &[]));
    out.push(case("sample_stream", Stream, stream, Clean));
    out
}

// ---------------------------------------------------------------------------------------
// Running them.

fn check_message(c: &Case) {
    match (Message::decode(&c.bytes), c.expect) {
        (Err(e), Expect::Error(why)) => {
            assert!(e.to_string().contains(why), "{}: {e}", c.name)
        }
        (Ok((v, xid, m)), Expect::Clean) => {
            let again = m
                .encode(v, xid)
                .unwrap_or_else(|e| panic!("{}: re-encoding failed: {e}", c.name));
            assert_eq!(again, c.bytes, "{}: not byte-identical", c.name);
        }
        (Ok((v, xid, m)), Expect::Canonical) => {
            let once = m.encode(v, xid).unwrap();
            assert_ne!(once, c.bytes, "{}: not canonicalised", c.name);
            let (_, _, again) = Message::decode(&once).unwrap();
            assert_eq!(
                again.encode(v, xid).unwrap(),
                once,
                "{}: no fixed point",
                c.name
            );
        }
        (got, want) => panic!("{}: expected {want:?}, got {}", c.name, short(&got)),
    }
}

fn check_actions(c: &Case, v: Version) {
    let mut r = Reader::new(&c.bytes, "actions");
    match (decode_actions(&mut r, c.bytes.len(), v), c.expect) {
        (Err(e), Expect::Error(why)) => {
            assert!(e.to_string().contains(why), "{}: {e}", c.name)
        }
        (Ok(acts), Expect::Clean) => {
            let mut w = Writer::new();
            encode_actions(&acts, &mut w, v)
                .unwrap_or_else(|e| panic!("{}: re-encoding failed: {e}", c.name));
            assert_eq!(w.as_slice(), &c.bytes[..], "{}: not byte-identical", c.name);
            let mut text = String::new();
            format_actions(&acts, v, &mut text);
        }
        (got, want) => panic!("{}: expected {want:?}, got {}", c.name, short(&got)),
    }
}

fn check_instructions(c: &Case, v: Version) {
    let mut r = Reader::new(&c.bytes, "instructions");
    match (decode_instructions(&mut r, c.bytes.len(), v), c.expect) {
        (Err(e), Expect::Error(why)) => {
            assert!(e.to_string().contains(why), "{}: {e}", c.name)
        }
        (Ok(insts), Expect::Clean) => {
            let mut w = Writer::new();
            encode_instructions(&insts, &mut w, v)
                .unwrap_or_else(|e| panic!("{}: re-encoding failed: {e}", c.name));
            assert_eq!(w.as_slice(), &c.bytes[..], "{}: not byte-identical", c.name);
        }
        (got, want) => panic!("{}: expected {want:?}, got {}", c.name, short(&got)),
    }
}

fn check_stream(c: &Case) {
    let mut rest = &c.bytes[..];
    let mut ok = true;
    while let Some(n) = frame_len(rest).unwrap_or_else(|e| panic!("{}: {e}", c.name)) {
        assert!(n <= rest.len(), "{}: truncated frame", c.name);
        let (frame, tail) = rest.split_at(n);
        rest = tail;
        match Message::decode(frame) {
            Ok((v, xid, m)) => {
                if let Message::BundleAdd(add) = &m {
                    // The failing flow_mod stays raw: the add itself is fine.
                    assert!(matches!(add.message, BundleInner::Raw(_)), "{}", c.name);
                }
                assert_eq!(m.encode(v, xid).unwrap(), frame, "{}", c.name);
            }
            Err(_) => ok = false,
        }
    }
    assert!(rest.is_empty(), "{}: trailing bytes", c.name);
    assert_eq!(ok, c.expect == Expect::Clean, "{}", c.name);
}

fn check_fields(c: &Case) {
    let mut r = Reader::new(&c.bytes, "fields");
    match (Match::decode_fields(&mut r, c.bytes.len()), c.expect) {
        (Err(e), Expect::Error(why)) => {
            assert!(e.to_string().contains(why), "{}: {e}", c.name)
        }
        (Ok(m), Expect::Clean) => {
            let _ = m.to_text();
        }
        (got, want) => panic!("{}: expected {want:?}, got {}", c.name, short(&got)),
    }
}

fn check_text(c: &Case) {
    let s = std::str::from_utf8(&c.bytes).unwrap();
    for v in [Version::Of13, Version::Of15] {
        // The whole line as a flow.
        match (Flow::parse(s, v), c.expect) {
            (Err(e), Expect::Error(why)) => {
                assert!(e.to_string().contains(why), "{}: {e}", c.name)
            }
            (Ok(f), Expect::Clean) => {
                let t = f.to_dump_text(v);
                let again = Flow::parse(&t, v)
                    .unwrap_or_else(|e| panic!("{}: {t:?} does not parse: {e}", c.name));
                assert_eq!(again.to_dump_text(v), t, "{}: text not stable", c.name);
                if let Ok(fm) = f.to_flow_mod(Command::Add, v) {
                    // Encoding may refuse (over 65,535 bytes), never panic.
                    let _ = Message::FlowMod(fm).encode(v, 1);
                }
            }
            (got, want) => panic!("{}: expected {want:?}, got {}", c.name, short(&got)),
        }
        // The part after `actions=` as an action list, and the text as a match; neither
        // may panic.
        let acts = s.split_once("actions=").map_or(s, |(_, a)| a);
        if let Ok(a) = parse_actions(acts, v) {
            let mut t = String::new();
            format_actions(&a, v, &mut t);
            let mut t2 = String::new();
            format_actions(&parse_actions(&t, v).unwrap(), v, &mut t2);
            assert_eq!(t, t2, "{}", c.name);
        }
        let _ = Match::parse(s);
    }
}

#[test]
fn regression_inputs_error_or_decode_cleanly() {
    let cases = cases();
    for c in &cases {
        match c.input {
            Input::Message => check_message(c),
            Input::Actions(v) => check_actions(c, v),
            Input::Instructions(v) => check_instructions(c, v),
            Input::Stream => check_stream(c),
            Input::Fields(_) => check_fields(c),
            Input::Text => check_text(c),
        }
    }
}

#[test]
fn case_names_are_unique() {
    let cases = cases();
    let mut names: Vec<_> = cases.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len());
}

#[test]
fn nested_ct_in_clone_keeps_its_shape() {
    // clone(ct(commit)) is legal; the decoder must not confuse the levels.
    let bytes = clone(&ct(1, &[]));
    let mut r = Reader::new(&bytes, "actions");
    let acts = decode_actions(&mut r, bytes.len(), Version::Of13).unwrap();
    assert!(matches!(&acts[..], [Action::Clone(inner)] if matches!(&inner[..], [Action::Ct(_)])));
}

fn seed_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds")
}

#[test]
fn seeds_are_checked_in() {
    let write = std::env::var_os("OPENFLOW_WRITE_SEEDS").is_some();
    for c in cases() {
        let dir = seed_dir().join(c.input.target());
        let path = dir.join(c.name);
        let want = c.input.seed(&c.bytes);
        if write {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &want).unwrap();
            continue;
        }
        let got = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; rewrite the seeds with OPENFLOW_WRITE_SEEDS=1",
                path.display()
            )
        });
        assert!(
            got == want,
            "{} is stale; rewrite the seeds",
            path.display()
        );
    }
}
