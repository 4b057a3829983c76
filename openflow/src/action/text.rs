//! The ovs-ofctl action syntax: parsing (`ofpacts_parse`) and printing (`ofpacts_format`).

use std::fmt::Write;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::error::{Error, Result};
use crate::field::Field;
use crate::numfmt;
use crate::text::{find_bytes, skip_parens, split_byte};
use crate::version::Version;

use super::decode::NestIn;
use super::values::{format_value, parse_c_u128, parse_int, parse_value, put_hex_bytes};
use super::*;

// ---------------------------------------------------------------------------------------
// Printing.

/// Appends `actions` to `out` as ovs-ofctl prints them for `version` (`drop` for none):
/// the [`canonical_actions`] of that version, in Open vSwitch's syntax.
pub fn format_actions(actions: &[Action], version: Version, out: &mut String) {
    let mut first = true;
    for a in actions {
        format_canonical(a, version, &mut first, out);
    }
    if first {
        out.push_str("drop");
    }
}

/// [`format_actions`] the slow way, by printing a [`canonical_actions`] copy: the
/// reference the direct printer is checked against.
#[doc(hidden)]
pub fn format_actions_reference(actions: &[Action], version: Version, out: &mut String) {
    format_list(&canonical_actions(actions, version), out);
}

/// Appends the actions of `instructions` as ovs-ofctl prints a flow_mod's for `version`:
/// the flat list [`instructions_to_actions`] makes, with `ctx` applied to it, printed as
/// [`format_actions`] does — without building the list unless an action depends on `ctx`.
pub fn format_instructions(
    instructions: &[Instruction],
    ctx: MatchContext,
    version: Version,
    out: &mut String,
) {
    format_instructions_lazy(instructions, || ctx, version, out);
}

/// [`format_instructions`] with the match context made by `ctx` only if an action
/// depends on it (most lists have none: the match is not looked at).
pub(crate) fn format_instructions_lazy(
    instructions: &[Instruction],
    ctx: impl FnOnce() -> MatchContext,
    version: Version,
    out: &mut String,
) {
    // Printed in Open vSwitch's order of instruction types: in one pass when they come in
    // that order (as decoded and parsed lists do), else a pass per type. Should an action
    // depend on the match context (rare), what was printed is taken back and the actions
    // are printed from a list with the context applied: the check is made on the way,
    // rather than by a walk of every list first.
    let start = out.len();
    let mut first = true;
    let in_order = instructions
        .windows(2)
        .all(|w| w[0].print_rank() <= w[1].print_rank());
    let plain = if in_order {
        instructions
            .iter()
            .all(|i| format_instruction(i, version, &mut first, out))
    } else {
        (0..7u8).all(|rank| {
            instructions
                .iter()
                .filter(|i| i.print_rank() == rank)
                .all(|i| format_instruction(i, version, &mut first, out))
        })
    };
    if !plain {
        out.truncate(start);
        let mut actions = instructions_to_actions(instructions);
        apply_match_context(&mut actions, ctx());
        format_actions(&actions, version, out);
        return;
    }
    if first {
        out.push_str("drop");
    }
}

/// Appends one instruction of [`format_instructions`] (its actions, comma-separated from
/// what `*first` says came before); false, having appended part of it or none, when an
/// action in it depends on the match context ([`depends_on_context`]).
fn format_instruction(
    i: &Instruction,
    version: Version,
    first: &mut bool,
    out: &mut String,
) -> bool {
    match i {
        Instruction::Meter(m) => {
            format_canonical(&Action::Meter(*m), version, first, out);
        }
        Instruction::ApplyActions(list) => {
            for a in list {
                if action_depends_on_context(a) {
                    return false;
                }
                format_canonical(a, version, first, out);
            }
        }
        Instruction::ClearActions => {
            format_canonical(&Action::ClearActions, version, first, out);
        }
        Instruction::WriteActions(list) => {
            if depends_on_context(list) {
                return false;
            }
            if !list.is_empty() {
                sep(first, out);
                out.push_str("write_actions(");
                format_actions(list, version, out);
                out.push(')');
            }
        }
        Instruction::WriteMetadata { value, mask } => {
            let a = Action::WriteMetadata {
                value: *value,
                mask: *mask,
            };
            format_canonical(&a, version, first, out);
        }
        Instruction::GotoTable(t) => {
            format_canonical(&Action::GotoTable(*t), version, first, out);
        }
        Instruction::Unknown(b) => {
            sep(first, out);
            out.push_str("raw_instruction(");
            plain_hex(out, b);
            out.push(')');
        }
    }
    true
}

/// Whether [`apply_match_context`] could change anything in `list`.
fn depends_on_context(list: &[Action]) -> bool {
    for a in list {
        if action_depends_on_context(a) {
            return true;
        }
    }
    false
}

/// Whether [`apply_match_context`] could change `a` (or an action nested in it): a test
/// of its kind, and a call only for a nested list.
#[inline]
fn action_depends_on_context(a: &Action) -> bool {
    match a {
        Action::SetL4SrcPort { .. }
        | Action::SetL4DstPort { .. }
        | Action::SetVlanVid { .. }
        | Action::SetVlanPcp { .. } => true,
        Action::Clone(inner) | Action::WriteActions(inner) => depends_on_context(inner),
        Action::Ct(ct) => depends_on_context(&ct.actions),
        _ => false,
    }
}

/// A comma before every action but the first.
fn sep(first: &mut bool, out: &mut String) {
    if !*first {
        out.push(',');
    }
    *first = false;
}

/// `set_field:VALUE[/MASK]->FIELD`.
fn put_set_field(out: &mut String, field: Field, value: u128, mask: u128) {
    out.push_str("set_field:");
    format_value(field, value, Some(mask), out);
    out.push_str("->");
    out.push_str(field.name());
}

/// An unmasked `set_field` (as [`SetField::new`] makes it).
fn put_set_field_exact(out: &mut String, field: Field, value: u128) {
    let mask = bytes_mask(field);
    put_set_field(out, field, value & mask, mask);
}

fn mac_value(m: &[u8; 6]) -> u128 {
    m.iter().fold(0u128, |acc, b| acc << 8 | u128::from(*b))
}

/// Whether a set_field keeps (or takes) a `set_field`/`NXAST_REG_LOAD2` form under
/// `version`, rather than becoming `NXAST_REG_LOAD`s.
fn set_field_stays(s: &SetField, version: Version) -> bool {
    version >= Version::Of15
        || (s.form == SetFieldForm::SetField && s.is_exact())
        || encode::uses_reg_load2(s)
}

/// Whether the canonical form of `a` is no action at all.
fn vanishes(a: &Action, version: Version) -> bool {
    match a {
        Action::WriteActions(inner) => inner.is_empty(),
        Action::SetField(s) => {
            !set_field_stays(s, version) && encode::next_load_segment(s, 0).is_none()
        }
        _ => false,
    }
}

/// Appends what `format_list(&canonical_actions(&[a], version))` appends (nothing when
/// the canonical form is empty, rather than `drop`), each action after a comma unless it
/// is the first (`*first`). The forms OVN flows use are printed directly; only rare ones
/// go through a canonical copy.
fn format_canonical(a: &Action, version: Version, first: &mut bool, out: &mut String) {
    match a {
        Action::SetField(s) => {
            if set_field_stays(s, version) {
                sep(first, out);
                put_set_field(out, s.field, s.value & s.mask, s.mask);
            } else {
                let value = s.value & s.mask;
                let mut from = 0;
                while let Some((ofs, n)) = encode::next_load_segment(s, from) {
                    let ones = if n >= 64 {
                        u128::from(u64::MAX)
                    } else {
                        (1u128 << n) - 1
                    };
                    sep(first, out);
                    out.push_str("load:");
                    hash_x(out, ((value >> ofs) & ones) as u64);
                    out.push_str("->");
                    Subfield {
                        field: s.field,
                        ofs: ofs as u16,
                        n_bits: n as u16,
                    }
                    .format(out);
                    from = ofs + n;
                }
            }
        }
        Action::StripVlan { .. } => {
            sep(first, out);
            out.push_str("pop_vlan");
        }
        Action::SetEthSrc(m) => {
            sep(first, out);
            put_set_field_exact(out, Field::EthSrc, mac_value(m));
        }
        Action::SetEthDst(m) => {
            sep(first, out);
            put_set_field_exact(out, Field::EthDst, mac_value(m));
        }
        Action::SetIpv4Src(ip) => {
            sep(first, out);
            put_set_field_exact(out, Field::IpSrc, u128::from(u32::from(*ip)));
        }
        Action::SetIpv4Dst(ip) => {
            sep(first, out);
            put_set_field_exact(out, Field::IpDst, u128::from(u32::from(*ip)));
        }
        Action::SetIpDscp(tos) => {
            sep(first, out);
            put_set_field_exact(out, Field::IpDscp, u128::from(tos >> 2));
        }
        Action::SetIpEcn(ecn) => {
            sep(first, out);
            put_set_field_exact(out, Field::NwEcn, u128::from(*ecn));
        }
        Action::SetMplsLabel(l) => {
            sep(first, out);
            put_set_field_exact(out, Field::MplsLabel, u128::from(*l));
        }
        Action::SetMplsTc(tc) => {
            sep(first, out);
            put_set_field_exact(out, Field::MplsTc, u128::from(*tc));
        }
        Action::SetTunnel { id, .. } => {
            sep(first, out);
            put_set_field_exact(out, Field::TunId, u128::from(*id));
        }
        Action::SetL4SrcPort { port, ip_proto } | Action::SetL4DstPort { port, ip_proto } => {
            let src = matches!(a, Action::SetL4SrcPort { .. });
            sep(first, out);
            match encode::l4_field(*ip_proto, src) {
                Some(f) => put_set_field_exact(out, f, u128::from(*port)),
                None => format_action(a, out),
            }
        }
        Action::SetVlanVid {
            vid,
            push_if_needed,
            flow_has_vlan,
        } => {
            if *push_if_needed && !flow_has_vlan {
                sep(first, out);
                out.push_str("push_vlan:0x8100");
            }
            sep(first, out);
            put_set_field_exact(out, Field::VlanVid, u128::from(*vid | 0x1000));
        }
        Action::SetVlanPcp {
            pcp,
            push_if_needed,
            flow_has_vlan,
        } => {
            if *push_if_needed && !flow_has_vlan {
                sep(first, out);
                out.push_str("push_vlan:0x8100");
            }
            sep(first, out);
            put_set_field_exact(out, Field::VlanPcp, u128::from(*pcp));
        }
        Action::Enqueue { port, queue } => {
            sep(first, out);
            format_action(&Action::SetQueue(*queue), out);
            sep(first, out);
            format_action(
                &Action::Output {
                    port: *port,
                    max_len: u16::MAX,
                },
                out,
            );
            sep(first, out);
            out.push_str("pop_queue");
        }
        Action::DecTtl {
            controller_ids,
            cnt_ids,
        } => {
            sep(first, out);
            out.push_str("dec_ttl");
            if *cnt_ids || controller_ids.as_slice() != [0] {
                put_dec_ttl_ids(controller_ids, out);
            }
        }
        Action::Note(data) => {
            sep(first, out);
            let padded = (10 + data.len()).next_multiple_of(8) - 10;
            out.push_str("note:");
            let zeros = std::iter::repeat_n(&0u8, padded.saturating_sub(data.len()));
            for (i, b) in data.iter().chain(zeros).enumerate() {
                if i > 0 {
                    out.push('.');
                }
                numfmt::hex2(out, *b);
            }
        }
        Action::Ct(ct) => {
            sep(first, out);
            format_ct_canonical(ct, version, out);
        }
        Action::Clone(inner) => {
            sep(first, out);
            out.push_str("clone(");
            format_actions(inner, version, out);
            out.push(')');
        }
        Action::WriteActions(inner) => {
            if !inner.is_empty() {
                sep(first, out);
                out.push_str("write_actions(");
                format_actions(inner, version, out);
                out.push(')');
            }
        }
        // Forms that print the same whatever their wire form (move, resubmit, output_reg,
        // controller, learn, sample) or have one form.
        _ => {
            sep(first, out);
            format_action(a, out);
        }
    }
}

/// [`format_ct`] of the canonical form of `ct`.
fn format_ct_canonical(ct: &Ct, version: Version, out: &mut String) {
    format_ct_head(ct, out);
    let mut rest = ct.actions.as_slice();
    if let Some(i) = rest.iter().position(|a| !vanishes(a, version))
        && let Action::Nat(n) = &rest[i]
    {
        format_nat(n, out);
        out.push(',');
        rest = &rest[i + 1..];
    }
    let mark = out.len();
    out.push_str("exec(");
    let mut first = true;
    for a in rest {
        format_canonical(a, version, &mut first, out);
    }
    if first {
        out.truncate(mark);
    } else {
        out.push_str("),");
    }
    format_ct_tail(ct, out);
}

/// Prints a list that is canonical already (the fallback forms' nested lists).
fn format_list(actions: &[Action], out: &mut String) {
    if actions.is_empty() {
        out.push_str("drop");
        return;
    }
    for (i, a) in actions.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        format_action(a, out);
    }
}

/// `ds_chomp(s, ',')`.
fn chomp(out: &mut String) {
    if out.ends_with(',') {
        out.pop();
    }
}

/// C's `%#x`: `0` for zero, else `0x...`.
fn hash_x(out: &mut String, v: u64) {
    numfmt::hash_x(out, u128::from(v));
}

fn dotted_hex(out: &mut String, data: &[u8]) {
    for (i, b) in data.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        numfmt::hex2(out, *b);
    }
}

fn plain_hex(out: &mut String, data: &[u8]) {
    for b in data {
        let _ = write!(out, "{b:02x}");
    }
}

fn reason_name(reason: u8) -> String {
    match reason {
        0 => "no_match".into(),
        1 => "action".into(),
        2 => "invalid_ttl".into(),
        3 => "action_set".into(),
        4 => "group".into(),
        5 => "packet_out".into(),
        6 | 7 => String::new(),
        r => r.to_string(),
    }
}

fn hash_fields_name(f: u16) -> &'static str {
    match f {
        0 => "eth_src",
        1 => "symmetric_l4",
        2 => "symmetric_l3l4",
        3 => "symmetric_l3l4+udp",
        4 => "nw_src",
        5 => "nw_dst",
        6 => "symmetric_l3",
        _ => "<unknown>",
    }
}

fn hash_fields_parse(s: &str) -> Option<u16> {
    (0..7).find(|&i| hash_fields_name(i).eq_ignore_ascii_case(s))
}

/// The ovs-ofctl name of an action's kind (used in errors).
pub(super) fn action_name(a: &Action) -> &'static str {
    match a {
        Action::Output { .. } => "output",
        Action::OutputReg { .. } => "output_reg",
        Action::OutputTrunc { .. } => "output_trunc",
        Action::Enqueue { .. } => "enqueue",
        Action::Group(_) => "group",
        Action::Controller(_) => "controller",
        Action::Bundle(_) => "bundle",
        Action::SetField(_) => "set_field",
        Action::SetVlanVid { .. } => "set_vlan_vid",
        Action::SetVlanPcp { .. } => "set_vlan_pcp",
        Action::StripVlan { .. } => "strip_vlan",
        Action::PushVlan(_) => "push_vlan",
        Action::SetEthSrc(_) => "mod_dl_src",
        Action::SetEthDst(_) => "mod_dl_dst",
        Action::SetIpv4Src(_) => "mod_nw_src",
        Action::SetIpv4Dst(_) => "mod_nw_dst",
        Action::SetIpDscp(_) => "mod_nw_tos",
        Action::SetIpEcn(_) => "mod_nw_ecn",
        Action::SetIpTtl(_) => "mod_nw_ttl",
        Action::SetL4SrcPort { .. } => "mod_tp_src",
        Action::SetL4DstPort { .. } => "mod_tp_dst",
        Action::Move(_) => "move",
        Action::StackPush(_) => "push",
        Action::StackPop(_) => "pop",
        Action::DecTtl { .. } => "dec_ttl",
        Action::SetMplsLabel(_) => "set_mpls_label",
        Action::SetMplsTc(_) => "set_mpls_tc",
        Action::SetMplsTtl(_) => "set_mpls_ttl",
        Action::DecMplsTtl => "dec_mpls_ttl",
        Action::PushMpls(_) => "push_mpls",
        Action::PopMpls(_) => "pop_mpls",
        Action::DecNshTtl => "dec_nsh_ttl",
        Action::DeleteField(_) => "delete_field",
        Action::SetTunnel { .. } => "set_tunnel",
        Action::SetQueue(_) => "set_queue",
        Action::PopQueue => "pop_queue",
        Action::FinTimeout { .. } => "fin_timeout",
        Action::Resubmit(_) => "resubmit",
        Action::Learn(_) => "learn",
        Action::Conjunction { .. } => "conjunction",
        Action::Multipath(_) => "multipath",
        Action::Note(_) => "note",
        Action::Exit => "exit",
        Action::Sample(_) => "sample",
        Action::Ct(_) => "ct",
        Action::CtClear => "ct_clear",
        Action::Nat(_) => "nat",
        Action::Clone(_) => "clone",
        Action::CheckPktLarger { .. } => "check_pkt_larger",
        Action::Meter(_) => "meter",
        Action::ClearActions => "clear_actions",
        Action::WriteActions(_) => "write_actions",
        Action::WriteMetadata { .. } => "write_metadata",
        Action::GotoTable(_) => "goto_table",
        Action::DebugRecirc => "debug_recirc",
        Action::DebugSlow => "debug_slow",
        Action::Unknown(_) => "raw_action",
        Action::UnknownInstruction(_) => "raw_instruction",
    }
}

fn format_action(a: &Action, out: &mut String) {
    match a {
        Action::Output { port, max_len } => {
            if port.0 < OfpPort::MAX.0 {
                out.push_str("output:");
            }
            crate::field::value::format_port(port.0, out);
            if *port == OfpPort::CONTROLLER {
                out.push(':');
                numfmt::dec(out, u64::from(*max_len));
            }
        }
        Action::OutputReg { src, .. } => {
            out.push_str("output:");
            src.format(out);
        }
        Action::OutputTrunc { port, max_len } => {
            let _ = write!(out, "output(port={port},max_len={max_len})");
        }
        Action::Enqueue { port, queue } => {
            let _ = write!(out, "enqueue:{port}:{queue}");
        }
        Action::Group(g) => {
            out.push_str("group:");
            numfmt::dec(out, u64::from(*g));
        }
        Action::Controller(c) => format_controller(c, out),
        Action::Bundle(b) => {
            let _ = write!(
                out,
                "{}({},{},{},ofport,",
                if b.dst.is_some() {
                    "bundle_load"
                } else {
                    "bundle"
                },
                hash_fields_name(b.fields),
                b.basis,
                match b.algorithm {
                    0 => "active_backup",
                    1 => "hrw",
                    _ => "<unknown>",
                }
            );
            if let Some(d) = &b.dst {
                let _ = write!(out, "{d},");
            }
            out.push_str("members:");
            for (i, m) in b.members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{m}");
            }
            out.push(')');
        }
        Action::SetField(sf) => {
            if sf.form == SetFieldForm::RegLoad {
                let mut from = 0;
                while let Some((ofs, n)) = encode::next_load_segment(sf, from) {
                    let ones = if n >= 64 {
                        u128::from(u64::MAX)
                    } else {
                        (1u128 << n) - 1
                    };
                    out.push_str("load:");
                    hash_x(out, ((sf.value >> ofs) & ones) as u64);
                    out.push_str("->");
                    Subfield {
                        field: sf.field,
                        ofs: ofs as u16,
                        n_bits: n as u16,
                    }
                    .format(out);
                    out.push(',');
                    from = ofs + n;
                }
                chomp(out);
            } else {
                put_set_field(out, sf.field, sf.value, sf.mask);
            }
        }
        Action::SetVlanVid {
            vid,
            push_if_needed,
            ..
        } => {
            let n = if *push_if_needed {
                "mod_vlan_vid"
            } else {
                "set_vlan_vid"
            };
            let _ = write!(out, "{n}:{vid}");
        }
        Action::SetVlanPcp {
            pcp,
            push_if_needed,
            ..
        } => {
            let n = if *push_if_needed {
                "mod_vlan_pcp"
            } else {
                "set_vlan_pcp"
            };
            let _ = write!(out, "{n}:{pcp}");
        }
        Action::StripVlan { pop } => out.push_str(if *pop { "pop_vlan" } else { "strip_vlan" }),
        Action::PushVlan(et) => {
            out.push_str("push_vlan:");
            hash_x(out, u64::from(*et));
        }
        Action::SetEthSrc(m) | Action::SetEthDst(m) => {
            out.push_str(action_name(a));
            for b in m {
                out.push(':');
                numfmt::hex2(out, *b);
            }
        }
        Action::SetIpv4Src(ip) | Action::SetIpv4Dst(ip) => {
            let _ = write!(out, "{}:{ip}", action_name(a));
        }
        Action::SetIpDscp(v) | Action::SetIpEcn(v) | Action::SetIpTtl(v) => {
            out.push_str(action_name(a));
            out.push(':');
            numfmt::dec(out, u64::from(*v));
        }
        Action::SetL4SrcPort { port, .. } | Action::SetL4DstPort { port, .. } => {
            out.push_str(action_name(a));
            out.push(':');
            numfmt::dec(out, u64::from(*port));
        }
        Action::Move(m) => {
            out.push_str("move:");
            m.src.format(out);
            out.push_str("->");
            m.dst.format(out);
        }
        Action::StackPush(sf) => {
            let _ = write!(out, "push:{sf}");
        }
        Action::StackPop(sf) => {
            let _ = write!(out, "pop:{sf}");
        }
        Action::DecTtl {
            controller_ids,
            cnt_ids,
        } => {
            out.push_str("dec_ttl");
            if *cnt_ids {
                put_dec_ttl_ids(controller_ids, out);
            }
        }
        Action::SetMplsLabel(v) => {
            let _ = write!(out, "set_mpls_label({v})");
        }
        Action::SetMplsTc(v) => {
            let _ = write!(out, "set_mpls_tc({v})");
        }
        Action::SetMplsTtl(v) => {
            let _ = write!(out, "set_mpls_ttl({v})");
        }
        Action::PushMpls(et) => {
            let _ = write!(out, "push_mpls:0x{et:04x}");
        }
        Action::PopMpls(et) => {
            let _ = write!(out, "pop_mpls:0x{et:04x}");
        }
        Action::DeleteField(f) => {
            let _ = write!(out, "delete_field:{}", f.name());
        }
        Action::SetTunnel { id, tun64 } => {
            out.push_str("set_tunnel");
            if *id > u64::from(u32::MAX) || *tun64 {
                out.push_str("64");
            }
            out.push(':');
            hash_x(out, *id);
        }
        Action::SetQueue(q) => {
            let _ = write!(out, "set_queue:{q}");
        }
        Action::FinTimeout { idle, hard } => {
            out.push_str("fin_timeout(");
            if *idle != 0 {
                let _ = write!(out, "idle_timeout={idle},");
            }
            if *hard != 0 {
                let _ = write!(out, "hard_timeout={hard},");
            }
            chomp(out);
            out.push(')');
        }
        Action::Resubmit(r) => {
            if r.in_port != OfpPort::IN_PORT && r.table == 255 {
                out.push_str("resubmit:");
                crate::field::value::format_port(r.in_port.0, out);
            } else {
                out.push_str("resubmit(");
                if r.in_port != OfpPort::IN_PORT {
                    crate::field::value::format_port(r.in_port.0, out);
                }
                out.push(',');
                if r.table != 255 {
                    numfmt::dec(out, u64::from(r.table));
                }
                if r.ct {
                    out.push_str(",ct");
                }
                out.push(')');
            }
        }
        Action::Learn(l) => format_learn(l, out),
        Action::Conjunction {
            id,
            clause,
            n_clauses,
        } => {
            out.push_str("conjunction(");
            numfmt::dec(out, u64::from(*id));
            out.push(',');
            numfmt::dec(out, u64::from(*clause) + 1);
            out.push('/');
            numfmt::dec(out, u64::from(*n_clauses));
            out.push(')');
        }
        Action::Multipath(m) => {
            let alg = match m.algorithm {
                0 => "modulo_n",
                1 => "hash_threshold",
                2 => "hrw",
                3 => "iter_hash",
                _ => "<unknown>",
            };
            let _ = write!(
                out,
                "multipath({},{},{alg},{},{},{})",
                hash_fields_name(m.fields),
                m.basis,
                u32::from(m.max_link) + 1,
                m.arg,
                m.dst
            );
        }
        Action::Note(data) => {
            out.push_str("note:");
            dotted_hex(out, data);
        }
        Action::Sample(s) => {
            let _ = write!(
                out,
                "sample(probability={},collector_set_id={},obs_domain_id={},obs_point_id={}",
                s.probability, s.collector_set_id, s.obs_domain_id, s.obs_point_id
            );
            if s.sampling_port != OfpPort::NONE {
                let _ = write!(out, ",sampling_port={}", s.sampling_port);
            }
            match s.direction {
                1 => out.push_str(",ingress"),
                2 => out.push_str(",egress"),
                _ => {}
            }
            out.push(')');
        }
        Action::Ct(ct) => format_ct(ct, out),
        Action::Nat(n) => format_nat(n, out),
        Action::Clone(inner) => {
            out.push_str("clone(");
            format_list(inner, out);
            out.push(')');
        }
        Action::CheckPktLarger { pkt_len, dst } => {
            let _ = write!(out, "check_pkt_larger({pkt_len})->{dst}");
        }
        Action::Meter(m) => {
            let _ = write!(out, "meter:{m}");
        }
        Action::WriteActions(inner) => {
            out.push_str("write_actions(");
            format_list(inner, out);
            out.push(')');
        }
        Action::WriteMetadata { value, mask } => {
            out.push_str("write_metadata:");
            hash_x(out, *value);
            if *mask != u64::MAX {
                out.push('/');
                hash_x(out, *mask);
            }
        }
        Action::GotoTable(t) => {
            out.push_str("goto_table:");
            numfmt::dec(out, u64::from(*t));
        }
        Action::Unknown(b) | Action::UnknownInstruction(b) => {
            let _ = write!(out, "{}(", action_name(a));
            plain_hex(out, b);
            out.push(')');
        }
        Action::DecMplsTtl
        | Action::DecNshTtl
        | Action::PopQueue
        | Action::Exit
        | Action::CtClear
        | Action::ClearActions
        | Action::DebugRecirc
        | Action::DebugSlow => out.push_str(action_name(a)),
    }
}

fn format_controller(c: &Controller, out: &mut String) {
    if c.reason == REASON_ACTION
        && c.controller_id == 0
        && c.userdata.is_empty()
        && !c.pause
        && c.meter_id == 0
    {
        let _ = write!(out, "CONTROLLER:{}", c.max_len);
        return;
    }
    out.push_str("controller(");
    if c.reason != REASON_ACTION {
        let _ = write!(out, "reason={},", reason_name(c.reason));
    }
    if c.max_len != u16::MAX {
        let _ = write!(out, "max_len={},", c.max_len);
    }
    if c.controller_id != 0 {
        let _ = write!(out, "id={},", c.controller_id);
    }
    if !c.userdata.is_empty() {
        out.push_str("userdata=");
        dotted_hex(out, &c.userdata);
        out.push(',');
    }
    if c.pause {
        out.push_str("pause,");
    }
    if c.meter_id != 0 {
        let _ = write!(out, "meter_id={},", c.meter_id);
    }
    chomp(out);
    out.push(')');
}

fn format_nat(n: &Nat, out: &mut String) {
    out.push_str("nat");
    if n.flags & (NAT_SRC | NAT_DST) == 0 {
        return;
    }
    out.push('(');
    out.push_str(if n.flags & NAT_SRC != 0 { "src" } else { "dst" });
    let (pmin, pmax) = match &n.range {
        NatRange::None => {
            chomp(out);
            out.push(')');
            return;
        }
        NatRange::Ipv4 {
            min,
            max,
            proto_min,
            proto_max,
        } => {
            out.push('=');
            crate::field::value::format_ipv4(u32::from(*min), out);
            if !max.is_unspecified() && max != min {
                out.push('-');
                crate::field::value::format_ipv4(u32::from(*max), out);
            }
            (*proto_min, *proto_max)
        }
        NatRange::Ipv6 {
            min,
            max,
            proto_min,
            proto_max,
        } => {
            let bracket = *proto_min != 0;
            out.push('=');
            put_ipv6(out, min, bracket);
            if !max.is_unspecified() && max != min {
                out.push('-');
                put_ipv6(out, max, bracket);
            }
            (*proto_min, *proto_max)
        }
    };
    if pmin != 0 {
        out.push(':');
        numfmt::dec(out, u64::from(pmin));
        if pmax != 0 && pmax != pmin {
            out.push('-');
            numfmt::dec(out, u64::from(pmax));
        }
    }
    out.push(',');
    if n.flags & NAT_PERSISTENT != 0 {
        out.push_str("persistent,");
    }
    if n.flags & NAT_HASH != 0 {
        out.push_str("hash,");
    }
    if n.flags & NAT_RANDOM != 0 {
        out.push_str("random,");
    }
    chomp(out);
    out.push(')');
}

fn put_ipv6(out: &mut String, a: &Ipv6Addr, bracket: bool) {
    if bracket {
        let _ = write!(out, "[{a}]");
    } else {
        let _ = write!(out, "{a}");
    }
}

fn format_ct(ct: &Ct, out: &mut String) {
    format_ct_head(ct, out);
    let mut rest = ct.actions.as_slice();
    if let Some(Action::Nat(n)) = rest.first() {
        format_nat(n, out);
        out.push(',');
        rest = &rest[1..];
    }
    if !rest.is_empty() {
        out.push_str("exec(");
        format_list(rest, out);
        out.push_str("),");
    }
    format_ct_tail(ct, out);
}

/// `ct(` and the flags, table and zone, each followed by a comma.
fn format_ct_head(ct: &Ct, out: &mut String) {
    out.push_str("ct(");
    if ct.flags & CT_COMMIT != 0 {
        out.push_str("commit,");
    }
    if ct.flags & CT_FORCE != 0 {
        out.push_str("force,");
    }
    if ct.recirc_table != 255 {
        out.push_str("table=");
        numfmt::dec(out, u64::from(ct.recirc_table));
        out.push(',');
    }
    match &ct.zone {
        CtZone::Field(sf) => {
            out.push_str("zone=");
            sf.format(out);
            out.push(',');
        }
        CtZone::Imm(0) => {}
        CtZone::Imm(z) => {
            out.push_str("zone=");
            numfmt::dec(out, u64::from(*z));
            out.push(',');
        }
    }
}

/// The `alg` and the closing parenthesis.
fn format_ct_tail(ct: &Ct, out: &mut String) {
    match ct.alg {
        0 => {}
        21 => out.push_str("alg=ftp,"),
        69 => out.push_str("alg=tftp,"),
        p => {
            out.push_str("alg=");
            numfmt::dec(out, u64::from(p));
            out.push(',');
        }
    }
    chomp(out);
    out.push(')');
}

fn imm_bytes(value: u128, n_bits: u16) -> ([u8; 16], usize) {
    let n = usize::from(n_bits.div_ceil(8)).min(16);
    (value.to_be_bytes(), 16 - n)
}

fn format_learn(l: &Learn, out: &mut String) {
    let _ = write!(out, "learn(table={}", l.table_id);
    if l.idle_timeout != 0 {
        let _ = write!(out, ",idle_timeout={}", l.idle_timeout);
    }
    if l.hard_timeout != 0 {
        let _ = write!(out, ",hard_timeout={}", l.hard_timeout);
    }
    if l.fin_idle_timeout != 0 {
        let _ = write!(out, ",fin_idle_timeout={}", l.fin_idle_timeout);
    }
    if l.fin_hard_timeout != 0 {
        let _ = write!(out, ",fin_hard_timeout={}", l.fin_hard_timeout);
    }
    if l.priority != 0x8000 {
        let _ = write!(out, ",priority={}", l.priority);
    }
    if l.flags & LEARN_SEND_FLOW_REM != 0 {
        out.push_str(",send_flow_rem");
    }
    if l.flags & LEARN_DELETE_LEARNED != 0 {
        out.push_str(",delete_learned");
    }
    if l.cookie != 0 {
        let _ = write!(out, ",cookie={:#x}", l.cookie);
    }
    if l.limit != 0 {
        let _ = write!(out, ",limit={}", l.limit);
    }
    if let Some(r) = l
        .result_dst
        .as_ref()
        .filter(|_| l.flags & LEARN_WRITE_RESULT != 0)
    {
        let _ = write!(out, ",result_dst={r}");
    }
    for spec in &l.specs {
        out.push(',');
        match spec {
            LearnSpec::MatchValue { dst, value } => {
                if dst.ofs == 0 && dst.n_bits == dst.field.bits() {
                    let _ = write!(out, "{}=", dst.field.name());
                    let (b, from) = imm_bytes(*value, dst.n_bits);
                    let v = crate::field::be_to_u128(&b[from..]).unwrap_or(0);
                    format_value(dst.field, v, None, out);
                } else {
                    let _ = write!(out, "{dst}=");
                    let (b, from) = imm_bytes(*value, dst.n_bits);
                    put_hex_bytes(out, &b[from..]);
                }
            }
            LearnSpec::MatchField { dst, src } => {
                let _ = write!(out, "{dst}");
                if src.field != dst.field || src.ofs != dst.ofs {
                    let _ = write!(out, "={src}");
                }
            }
            LearnSpec::LoadValue { dst, value } => {
                out.push_str("load:");
                let (b, from) = imm_bytes(*value, dst.n_bits);
                put_hex_bytes(out, &b[from..]);
                let _ = write!(out, "->{dst}");
            }
            LearnSpec::LoadField { dst, src } => {
                let _ = write!(out, "load:{src}->{dst}");
            }
            LearnSpec::Output { src } => {
                let _ = write!(out, "output:{src}");
            }
        }
    }
    out.push(')');
}

// ---------------------------------------------------------------------------------------
// Parsing.

/// Parses the text after `actions=` in an ovs-ofctl flow (actions and instructions,
/// `drop` for none), as `ofpacts_parse_instructions` does, including its checks
/// (instruction order, `drop` alone, `conjunction` only with `note`, `nat` only in `ct`).
/// The syntax is the same for every version; `version` only matters for what the actions
/// later encode to.
pub fn parse_actions(text: &str, version: Version) -> Result<Vec<Action>> {
    let mut out = Vec::with_capacity(8);
    parse_actions_into(text, version, &mut out)?;
    Ok(out)
}

/// [`parse_actions`], appending the actions to `out` (whose memory a caller parsing many
/// lists reuses). On error, `out` may hold some of the actions.
pub(crate) fn parse_actions_into(
    text: &str,
    version: Version,
    out: &mut Vec<Action>,
) -> Result<()> {
    let _ = version;
    let p = Parser { text, quick: true };
    p.list_into(0, Bound::to(text.len()), true, NestIn::Top, 0, out)?;
    Ok(())
}

struct Parser<'a> {
    text: &'a str,
    /// Whether the quick readers of the usual spellings ([`quick_item`]) are tried
    /// before the general reader (always, but in the tests that compare the two).
    quick: bool,
}

/// How far a list of items reaches: up to byte `end` of the text and, with `closer`, only
/// up to the first `)` outside parentheses there.
///
/// A parenthesised list (`ct(...)`, `exec(...)`, `clone(...)`) is read in place with
/// `closer`: its end is found as its items are read, so the text is scanned once rather
/// than once to find the `)` and again for the items. That reads the same items as
/// `ofputil_parse_key_value` over the delimited value would: inside the parentheses every
/// `(` is matched before the closing `)`, so the first `)` outside parentheses is the
/// closing one.
#[derive(Clone, Copy)]
struct Bound {
    end: usize,
    closer: bool,
}

impl Bound {
    /// Up to byte `end`, whatever the parentheses.
    fn to(end: usize) -> Bound {
        Bound { end, closer: false }
    }
}

/// Byte class of the item scanner: a separator (`,`, white space).
const SEP: u8 = 1;
/// Byte class: what ends a key and starts its value (`:`, `=`, `(`).
const DELIM: u8 = 2;
/// Byte class: `(`.
const OPEN: u8 = 4;
/// Byte class: `)`.
const CLOSE: u8 = 8;

/// The class bits of each byte.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b',' as usize] = SEP;
    t[b' ' as usize] = SEP;
    t[b'\t' as usize] = SEP;
    t[b'\r' as usize] = SEP;
    t[b'\n' as usize] = SEP;
    t[b':' as usize] = DELIM;
    t[b'=' as usize] = DELIM;
    t[b'(' as usize] = DELIM | OPEN;
    t[b')' as usize] = CLOSE;
    t
};

/// The class bits of `c`.
#[inline]
fn class(c: u8) -> u8 {
    CLASS[usize::from(c)]
}

/// The index of the first byte of `b` from `i` on whose class is in `stop` (separators
/// and parentheses only), outside parentheses (a `(` skips to its matching `)`; an
/// unmatched one runs to the end), or `b.len()`.
///
/// Every byte it stops at is below `0x2d`, so runs of other bytes are skipped eight at a
/// time (a word is tested for a byte below `0x2d` with the usual borrow trick; its lowest
/// flagged byte is always a real one).
#[inline]
fn scan(b: &[u8], mut i: usize, stop: u8) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    loop {
        while let Some(w) = b.get(i..).and_then(|r| r.first_chunk::<8>()) {
            let x = u64::from_le_bytes(*w);
            let low = x.wrapping_sub(LO * 0x2d) & !x & HI;
            if low != 0 {
                i += (low.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        let Some(&c) = b.get(i) else {
            return b.len();
        };
        let cl = class(c);
        if cl & stop != 0 {
            return i;
        }
        i = if cl & OPEN != 0 {
            skip_parens(b, i)
        } else {
            i + 1
        };
    }
}

/// The index of the first byte of `b` from `i` on whose class is in `stop` (separators,
/// delimiters, parentheses), or `b.len()`: where a key ends. Each such byte is below `0x2d`
/// or is `:` or `=`, so other bytes are skipped eight at a time as in [`scan`].
#[inline]
fn scan_key(b: &[u8], mut i: usize, stop: u8) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    loop {
        while let Some(w) = b.get(i..).and_then(|r| r.first_chunk::<8>()) {
            let x = u64::from_le_bytes(*w);
            let colon = x ^ (LO * u64::from(b':'));
            let equal = x ^ (LO * u64::from(b'='));
            let found = (x.wrapping_sub(LO * 0x2d) & !x
                | colon.wrapping_sub(LO) & !colon
                | equal.wrapping_sub(LO) & !equal)
                & HI;
            if found != 0 {
                i += (found.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        match b.get(i) {
            None => return b.len(),
            Some(&c) if class(c) & stop != 0 => return i,
            Some(_) => i += 1,
        }
    }
}

/// A `key[:=(]value` item of an ovs-ofctl list, with byte positions in the whole text.
#[derive(Clone, Copy)]
struct Item<'a> {
    key: &'a str,
    key_at: usize,
    value: &'a str,
    value_at: usize,
}

/// The start of an item: its key and how its value begins.
#[derive(Clone, Copy)]
struct Key<'a> {
    key: &'a str,
    key_at: usize,
    /// `:`, `=` or `(`; 0 when the key has no value.
    delim: u8,
    /// Where the value starts: after the delimiter, or at the key's end without one.
    value_at: usize,
}

impl<'a> Parser<'a> {
    /// The text's bytes up to `end`.
    fn bytes_to(&self, end: usize) -> &'a [u8] {
        self.text.as_bytes().get(..end).unwrap_or_default()
    }

    /// The text from `from` to `to`.
    fn slice(&self, from: usize, to: usize) -> &'a str {
        self.text.get(from..to).unwrap_or_default()
    }

    /// Where the next item from `i` within `bound` starts: past any separators.
    #[inline]
    fn skip_seps(&self, mut i: usize, bound: Bound) -> usize {
        let b = self.bytes_to(bound.end);
        while b.get(i).is_some_and(|&c| class(c) & SEP != 0) {
            i += 1;
        }
        i
    }

    /// What [`Parser::next_key`] reads at `i` (within `bound`) when the text there starts
    /// with `key_delim`, a key and its delimiter (`nat(`, `dst=`), recognised without
    /// scanning.
    #[inline]
    fn known_key(&self, i: usize, bound: Bound, key_delim: &'static [u8]) -> Option<Key<'a>> {
        let (&delim, key) = key_delim.split_last()?;
        if !self.bytes_to(bound.end).get(i..)?.starts_with(key_delim) {
            return None;
        }
        Some(Key {
            key: self.slice(i, i + key.len()),
            key_at: i,
            delim,
            value_at: i + key_delim.len(),
        })
    }

    /// The first half of `ofputil_parse_key_value`: the key of the next item within
    /// `bound` from `*pos`, which moves past the key and its delimiter; `None` (with
    /// `*pos` at the list's end) when the list has no more items.
    #[inline(always)]
    fn next_key(&self, pos: &mut usize, bound: Bound) -> Option<Key<'a>> {
        let b = self.bytes_to(bound.end);
        let mut i = *pos;
        while b.get(i).is_some_and(|&c| class(c) & SEP != 0) {
            i += 1;
        }
        let Some(&first) = b.get(i) else {
            *pos = i;
            return None;
        };
        let stop = if bound.closer {
            if first == b')' {
                *pos = i;
                return None;
            }
            SEP | DELIM | CLOSE
        } else {
            SEP | DELIM
        };
        let key_at = i;
        let i = scan_key(b, i, stop);
        let key = self.slice(key_at, i);
        let (delim, value_at) = match b.get(i) {
            Some(&c) if class(c) & DELIM != 0 => (c, i + 1),
            _ => (0, i),
        };
        // Past the delimiter or separator; a closing `)` ends the list instead.
        *pos = if b.get(i).is_some_and(|&c| c != b')') {
            i + 1
        } else {
            i
        };
        Some(Key {
            key,
            key_at,
            delim,
            value_at,
        })
    }

    /// The second half of `ofputil_parse_key_value`: the value of the item `k` (up to a
    /// separator, or for `(` to its `)`, and then on through a `)->...` that follows);
    /// `*pos` moves past it and what ends it.
    #[inline(always)]
    fn value(&self, k: &Key<'a>, pos: &mut usize, bound: Bound) -> &'a str {
        let b = self.bytes_to(bound.end);
        let plain = if bound.closer { SEP | CLOSE } else { SEP };
        let at = k.value_at;
        let n = match k.delim {
            0 => return "",
            b'(' => {
                let n = scan(b, at, CLOSE);
                if b.get(n..n + 3) != Some(b")->") {
                    *pos = if n < b.len() { n + 1 } else { n };
                    return self.slice(at, n);
                }
                scan(b, n + 1, plain)
            }
            _ => scan(b, at, plain),
        };
        *pos = if b.get(n).is_some_and(|&c| c != b')') {
            n + 1
        } else {
            n
        };
        self.slice(at, n)
    }

    /// `ofputil_parse_key_value`: the next item within `bound` from `*pos`.
    fn next_item(&self, pos: &mut usize, bound: Bound) -> Option<Item<'a>> {
        let k = self.next_key(pos, bound)?;
        let value = self.value(&k, pos, bound);
        Some(Item {
            key: k.key,
            key_at: k.key_at,
            value,
            value_at: k.value_at,
        })
    }

    /// Reads the value of item `k` with `parse`, which reads from `k.value_at` within the
    /// bound it is given and returns what it made and where it stopped. A parenthesised
    /// value is read in place (see [`Bound`]); any other value, or one that `)->...`
    /// follows (which the tokenizer makes part of the value), is delimited first and read
    /// within its end.
    fn nested<T>(
        &self,
        k: &Key<'a>,
        pos: &mut usize,
        bound: Bound,
        mut parse: impl FnMut(Bound) -> Result<(T, usize)>,
    ) -> Result<T> {
        if k.delim == b'(' {
            let r = parse(Bound {
                end: bound.end,
                closer: true,
            });
            let b = self.bytes_to(bound.end);
            let n = match &r {
                Ok((_, n)) => *n,
                Err(_) => scan(b, k.value_at, CLOSE),
            };
            if b.get(n..n + 3) != Some(b")->") {
                *pos = if n < b.len() { n + 1 } else { n };
                return r.map(|(t, _)| t);
            }
        }
        let v = self.value(k, pos, bound);
        parse(Bound::to(k.value_at + v.len())).map(|(t, _)| t)
    }
}

/// Gives an unallocated list room for a few actions at once: a direct allocation, cheaper
/// than the growth path a first `push` takes (`ct`'s nested list, which usually holds a
/// `nat` and an action or two).
#[inline]
fn first_room(list: &mut Vec<Action>) {
    if list.capacity() == 0 {
        *list = Vec::with_capacity(4);
    }
}

/// The `NXAST_REG_LOAD` of `imm` into `dst` (which it fits).
fn reg_load(dst: Subfield, imm: u128) -> SetField {
    let n_bits = u32::from(dst.n_bits);
    let ofs = u32::from(dst.ofs);
    if n_bits >= 1 && n_bits + ofs <= 64 && imm <= u128::from(u64::MAX >> (64 - n_bits)) {
        // The usual load into at most the low 64 bits (all of a register's): the same
        // value and mask as below, computed in 64 bits.
        let ones = u64::MAX >> (64 - n_bits);
        return SetField {
            field: dst.field,
            value: u128::from((imm as u64) << ofs),
            mask: u128::from(ones << ofs),
            form: SetFieldForm::RegLoad,
        };
    }
    let ones = if n_bits >= 128 {
        u128::MAX
    } else {
        (1u128 << n_bits) - 1
    };
    SetField {
        field: dst.field,
        value: imm << ofs,
        mask: ones << ofs,
        form: SetFieldForm::RegLoad,
    }
}

/// The MAC address spelled `hh:hh:hh:hh:hh:hh` (two hex digits each) at `b[i..]`, as the
/// general reader (`parse_value` of `eth_src`) reads it; `None` for any other spelling.
#[inline]
fn quick_mac(b: &[u8], i: usize) -> Option<[u8; 6]> {
    let s = b.get(i..i + 17)?;
    let mut mac = [0u8; 6];
    for (k, (o, pair)) in mac.iter_mut().zip(s.chunks(3)).enumerate() {
        let [hi, lo, rest @ ..] = pair else {
            return None;
        };
        if k < 5 && rest != b":" {
            return None;
        }
        let hex = crate::field::value::hex_digit;
        *o = hex(*hi)? << 4 | hex(*lo)?;
    }
    Some(mac)
}

/// The usual spellings of an integer at the start of `b`, which `parse_int` reads the same
/// way: `0x` and at least one hex digit with at most 16 significant ones, or a decimal
/// number without a leading zero of at most 19 digits. The value and the number's length;
/// `None` for anything else. (`parse_int` rejects such a value for a width of fewer bytes
/// than the value's significant ones, as `quick_load` checks.)
#[inline(always)]
fn quick_int(b: &[u8]) -> Option<(u64, usize)> {
    match b {
        [b'0', b'x' | b'X', ..] => {
            let mut v = 0u64;
            let mut i = 2;
            while let Some(d) = b.get(i).and_then(|&c| crate::field::value::hex_digit(c)) {
                if v >> 60 != 0 {
                    return None;
                }
                v = v << 4 | u64::from(d);
                i += 1;
            }
            (i > 2).then_some((v, i))
        }
        [b'1'..=b'9', ..] => crate::field::value::dec_u64(b),
        _ => None,
    }
}

/// The usual IPv4 NAT range, `A[-B][:P[-Q]]` (addresses as `Ipv4Addr`'s parser reads
/// them, without leading zeros; ports of at most 5 digits; ranges not reversed), read in
/// one pass as [`Parser::nat_range`] reads it. `None` for anything else.
fn quick_nat_range(b: &[u8]) -> Option<NatRange> {
    let (range, end) = nat_range_prefix(b, 0)?;
    (end == b.len()).then_some(range)
}

/// [`quick_nat_range`] of the range at `b[i..]` up to the first byte that cannot continue
/// it: the range and that byte's index.
#[inline]
fn nat_range_prefix(b: &[u8], i: usize) -> Option<(NatRange, usize)> {
    /// A port of 1 to 5 digits at `b[i..]` and the index after it.
    fn port(b: &[u8], i: usize) -> Option<(u16, usize)> {
        let (v, n) = decimal_at(b, i, 5)?;
        Some((u16::try_from(v).ok()?, i + n))
    }
    let (min, mut i) = ipv4_at(b, i)?;
    let mut max = Ipv4Addr::UNSPECIFIED;
    if b.get(i) == Some(&b'-') {
        let (m, j) = ipv4_at(b, i + 1)?;
        if m < min {
            return None;
        }
        (max, i) = (m, j);
    }
    let (mut proto_min, mut proto_max) = (0, 0);
    if b.get(i) == Some(&b':') {
        let (p, j) = port(b, i + 1)?;
        (proto_min, i) = (p, j);
        if b.get(i) == Some(&b'-') {
            let (q, j) = port(b, i + 1)?;
            if q < p {
                return None;
            }
            (proto_max, i) = (q, j);
        }
    }
    let range = NatRange::Ipv4 {
        min,
        max,
        proto_min,
        proto_max,
    };
    Some((range, i))
}

/// A dotted quad at `b[i..]` as `Ipv4Addr`'s parser reads it (1 to 3 digits an octet, no
/// leading zero, at most 255; not followed by another digit) and the index after it.
#[inline]
fn ipv4_at(b: &[u8], i: usize) -> Option<(Ipv4Addr, usize)> {
    /// The decimal digit `b[i]`, if it is one.
    #[inline(always)]
    fn digit(b: &[u8], i: usize) -> Option<u8> {
        b.get(i).map(|c| c.wrapping_sub(b'0')).filter(|d| *d <= 9)
    }
    /// One octet at `b[i..]`: its value and the index after it.
    #[inline(always)]
    fn octet(b: &[u8], i: usize) -> Option<(u8, usize)> {
        let d0 = digit(b, i)?;
        let Some(d1) = digit(b, i + 1) else {
            return Some((d0, i + 1));
        };
        if d0 == 0 {
            // A leading zero: left to the general reader.
            return None;
        }
        let Some(d2) = digit(b, i + 2) else {
            return Some((d0 * 10 + d1, i + 2));
        };
        let v = u32::from(d0) * 100 + u32::from(d1) * 10 + u32::from(d2);
        if digit(b, i + 3).is_some() {
            return None;
        }
        Some((u8::try_from(v).ok()?, i + 3))
    }
    let mut octets = [0u8; 4];
    let mut i = i;
    for (k, o) in octets.iter_mut().enumerate() {
        if k > 0 {
            if b.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        (*o, i) = octet(b, i)?;
    }
    Some((Ipv4Addr::from(octets), i))
}

// ---------------------------------------------------------------------------------------
// Quick readers: the usual spellings of the commonest items, read in one pass over the
// bytes of the list (`b`, up to the end of what the list may reach) without delimiting
// values first. Each returns `None`, having appended nothing, for anything else (errors
// included), which the general reader then reads the same way; a test compares the two.
// `closer` says whether a `)` closes the list (inside `ct(...)`, `exec(...)`, ...).

/// Whether byte `i` of `b` ends a value: the end, a separator, or a `)` that closes the
/// list.
#[inline(always)]
fn ends_value(b: &[u8], i: usize, closer: bool) -> bool {
    match b.get(i) {
        None => true,
        Some(&c) => class(c) & SEP != 0 || (closer && c == b')'),
    }
}

/// Where the next item starts after a value that ends at `end` (which [`ends_value`]
/// accepts): past the separator there; a `)` ends the list instead.
#[inline(always)]
fn past_value(b: &[u8], end: usize) -> usize {
    if b.get(end).is_some_and(|&c| c != b')') {
        end + 1
    } else {
        end
    }
}

/// Where [`quick_item`] puts the actions it reads: a list of actions (the parser's), or
/// their wire encoding (a flow_mod's apply-actions written straight from the text).
trait QuickOut {
    /// Takes `a`, an action with no nested list; false refuses it.
    fn action(&mut self, a: Action) -> bool;
    /// Takes the `set_field` (or `load`) `sf`; false refuses it.
    fn set_field(&mut self, sf: SetField) -> bool;
    /// Takes the plain `dec_ttl` (the one controller id 0); false refuses it.
    fn dec_ttl(&mut self) -> bool;
    /// Takes the `ct` that `read` reads into a default [`Ct`] (its nested list empty) and
    /// returns where its text ends; `None` when `read` gives none or the `ct` is refused.
    fn ct(&mut self, read: impl FnOnce(&mut Ct) -> Option<usize>) -> Option<usize>;
}

impl QuickOut for Vec<Action> {
    #[inline(always)]
    fn action(&mut self, a: Action) -> bool {
        self.push(a);
        true
    }

    #[inline(always)]
    fn set_field(&mut self, sf: SetField) -> bool {
        self.push(Action::SetField(sf));
        true
    }

    #[inline(always)]
    fn dec_ttl(&mut self) -> bool {
        self.push(Action::DecTtl {
            controller_ids: vec![0],
            cnt_ids: false,
        });
        true
    }

    #[inline(always)]
    fn ct(&mut self, read: impl FnOnce(&mut Ct) -> Option<usize>) -> Option<usize> {
        let mut ct = Ct::default();
        let end = read(&mut ct)?;
        self.push(Action::Ct(ct));
        Some(end)
    }
}

/// [`QuickOut`] into the apply-actions of a flow_mod for `version` being written to `w`:
/// each action is encoded as it is read, with nothing kept. `ct` is a `ct` read into again
/// and again, so that its nested list keeps its memory.
///
/// It refuses what would not leave a top-level list of only plain actions (see
/// [`super::inst::verify`] and [`super::inst::group_for_flow_mod`]): a load into a
/// conntrack field outside `ct`.
struct WireOut<'w> {
    w: &'w mut Writer,
    version: Version,
    ct: &'w mut Ct,
}

impl QuickOut for WireOut<'_> {
    #[inline(always)]
    fn action(&mut self, a: Action) -> bool {
        // `quick_item` gives loads to `set_field`; this keeps a `set_field` given here to
        // the same refusal of conntrack fields.
        if let Action::SetField(sf) = a {
            return self.set_field(sf);
        }
        super::encode::usual(&a, self.w, self.version, 0).is_ok()
    }

    #[inline(always)]
    fn set_field(&mut self, sf: SetField) -> bool {
        !matches!(sf.field, Field::CtMark | Field::CtLabel)
            && super::encode::set_field(self.w, self.version, &sf).is_ok()
    }

    #[inline(always)]
    fn dec_ttl(&mut self) -> bool {
        super::encode::dec_ttl_plain(self.w);
        true
    }

    #[inline(always)]
    fn ct(&mut self, read: impl FnOnce(&mut Ct) -> Option<usize>) -> Option<usize> {
        let ct = &mut *self.ct;
        ct.flags = 0;
        ct.zone = CtZone::Imm(0);
        ct.recirc_table = 255;
        ct.alg = 0;
        ct.actions.clear();
        let end = read(ct)?;
        super::encode::ct(self.w, ct, self.version, 0).ok()?;
        Some(end)
    }
}

/// Writes the action list `text` as the apply-actions instruction of a flow_mod for
/// `version` to `w`, straight from the text, when each of its items is one that
/// [`quick_item`] reads: what parsing it (as a flow's actions are parsed), grouping it and
/// encoding it would write. `None` otherwise (an empty list among them), with `w` partly
/// written: the caller then takes the general way. `ct` is scratch (see [`WireOut`]).
pub(crate) fn quick_apply(text: &str, version: Version, w: &mut Writer, ct: &mut Ct) -> Option<()> {
    let b = text.as_bytes();
    let start = w.len();
    w.bytes(&[0, 4, 0, 0, 0, 0, 0, 0]);
    let mut out = WireOut { w, version, ct };
    let skip = |mut i: usize| {
        while b.get(i).is_some_and(|&c| class(c) & SEP != 0) {
            i += 1;
        }
        i
    };
    let mut pos = skip(0);
    if pos >= b.len() {
        return None;
    }
    while pos < b.len() {
        pos = skip(quick_item(b, pos, false, 0, &mut out)?);
    }
    out.w.patch_len(start + 2, start, "instruction").ok()
}

/// The usual spellings of the commonest actions at `b[i..]`, recognised by their first
/// byte, in a list `depth` deep: gives the action to `out` (which, for a list, builds it in
/// place there rather than moving it through a return value) and returns where the next
/// item starts.
#[inline(always)]
fn quick_item(
    b: &[u8],
    i: usize,
    closer: bool,
    depth: usize,
    out: &mut impl QuickOut,
) -> Option<usize> {
    let rest = b.get(i..)?;
    let (a, end) = match rest.first()? {
        b'l' if rest.starts_with(b"load:") => {
            let (sf, end) = quick_load(b, i + 5, closer)?;
            return out.set_field(sf).then(|| past_value(b, end));
        }
        b'r' if rest.starts_with(b"resubmit(,") => {
            // `resubmit(,TABLE)`.
            let (table, n) = decimal_at(b, i + 10, 3)?;
            let close = i + 10 + n;
            if table >= 255
                || b.get(close) != Some(&b')')
                || b.get(close + 1..close + 3) == Some(b"->")
            {
                return None;
            }
            let r = Resubmit {
                in_port: OfpPort::IN_PORT,
                table: table as u8,
                ct: false,
                legacy: false,
            };
            return out.action(Action::Resubmit(r)).then_some(close + 1);
        }
        b'm' if rest.starts_with(b"mod_dl_") => {
            let src = match rest.get(7..11)? {
                b"src:" => true,
                b"dst:" => false,
                _ => return None,
            };
            let mac = quick_mac(b, i + 11)?;
            let end = i + 28;
            if !ends_value(b, end, closer) {
                return None;
            }
            let a = if src {
                Action::SetEthSrc(mac)
            } else {
                Action::SetEthDst(mac)
            };
            (a, end)
        }
        b'c' if rest.starts_with(b"ct(") && depth + 1 < MAX_NESTING => {
            // `ct(...)`. Its `exec` list is one level deeper, which must be allowed.
            let end = out.ct(|ct| quick_ct(b, i + 3, closer, ct))?;
            return Some(past_value(b, end));
        }
        b'd' if rest.starts_with(b"dec_ttl") => {
            // `dec_ttl` and `dec_ttl()`: the one controller id 0.
            let end = if rest.get(7..9) == Some(b"()") {
                i + 9
            } else {
                i + 7
            };
            if !ends_value(b, end, closer) || !out.dec_ttl() {
                return None;
            }
            return Some(past_value(b, end));
        }
        _ => return None,
    };
    out.action(a).then(|| past_value(b, end))
}

/// `load:VALUE->DST` from `at` (just after `load:`), the value as [`quick_int`] reads it,
/// the destination as [`Subfield::parse_simple_prefix`] does: the action and the value's
/// end. What [`Parser::load`] reads there.
#[inline(always)]
fn quick_load(b: &[u8], at: usize, closer: bool) -> Option<(SetField, usize)> {
    let (imm, len) = quick_int(b.get(at..)?)?;
    let arrow = at + len;
    if b.get(arrow..arrow + 2) != Some(b"->") {
        return None;
    }
    let (dst, n) = Subfield::parse_simple_prefix_bytes(b.get(arrow + 2..)?)?;
    let end = arrow + 2 + n;
    let (field, ofs, n_bits) = (dst.field, u32::from(dst.ofs), u32::from(dst.n_bits));
    // `Parser::load` refuses a value wider than the subfield. (It also refuses one with
    // more significant bytes than the field has, which a value that fits the subfield
    // never has: no field has more bits than its bytes hold, as a test checks.)
    if n_bits == 0
        || (n_bits < 64 && imm >> n_bits != 0)
        || field.is_tun_metadata()
        || !ends_value(b, end, closer)
    {
        return None;
    }
    let sf = if ofs + n_bits <= 64 {
        // The usual load into the low 64 bits, as `reg_load` computes it.
        let ones = u64::MAX >> (64 - n_bits);
        SetField {
            field,
            value: u128::from(imm << ofs),
            mask: u128::from(ones << ofs),
            form: SetFieldForm::RegLoad,
        }
    } else {
        reg_load(dst, u128::from(imm))
    };
    Some((sf, end))
}

/// `ct(...)` from `at` (just after `ct(`): items `commit`, `zone=SUBFIELD`, `table=N`,
/// `nat(...)` (as [`quick_nat`] reads it) and `exec(...)` of loads into `ct_mark` or
/// `ct_label` (as [`quick_load`] reads them), each followed by exactly one `,` or the
/// closing `)`, which must end the value. Reads it into `ct` (a default one, its nested
/// list empty) and returns the index after the `)`. What [`Parser::ct`] reads there.
#[inline]
fn quick_ct(b: &[u8], at: usize, closer: bool, ct: &mut Ct) -> Option<usize> {
    let mut i = at;
    loop {
        let rest = b.get(i..)?;
        i = match rest.first()? {
            b'c' if rest.starts_with(b"commit") => {
                ct.flags |= CT_COMMIT;
                i + 6
            }
            b'z' if rest.starts_with(b"zone=")
                && rest.get(5).is_some_and(u8::is_ascii_alphabetic) =>
            {
                let (sf, n) = Subfield::parse_simple_prefix_bytes(rest.get(5..)?)?;
                if sf.n_bits != 16 {
                    return None;
                }
                ct.zone = CtZone::Field(sf);
                i + 5 + n
            }
            b't' if rest.starts_with(b"table=") => {
                // `Parser::table` reads any decimal digits; 255 is refused.
                let (t, n) = decimal_at(b, i + 6, 3)?;
                if t >= 255 {
                    return None;
                }
                ct.recirc_table = t as u8;
                i + 6 + n
            }
            b'n' if rest.starts_with(b"nat(") => {
                let (nat, next) = quick_nat(b, i + 4)?;
                first_room(&mut ct.actions);
                ct.actions.push(Action::Nat(nat));
                next
            }
            b'e' if rest.starts_with(b"exec(") => {
                // One or more loads into the conntrack fields (the only actions `ct` allows
                // besides `nat`), each followed by `,` or the closing `)`.
                first_room(&mut ct.actions);
                let mut j = i + 5;
                loop {
                    if b.get(j..j + 5) != Some(b"load:") {
                        return None;
                    }
                    let (sf, end) = quick_load(b, j + 5, true)?;
                    if !matches!(sf.field, Field::CtMark | Field::CtLabel) {
                        return None;
                    }
                    ct.actions.push(Action::SetField(sf));
                    j = end + 1;
                    match b.get(end)? {
                        b',' => {}
                        b')' => break,
                        _ => return None,
                    }
                }
                j
            }
            _ => return None,
        };
        match b.get(i)? {
            b',' => i += 1,
            b')' => break,
            _ => return None,
        }
    }
    // `i` is at the closing `)`, which must end the value (not `)->...`).
    let end = i + 1;
    if !ends_value(b, end, closer)
        || (ct.flags & CT_COMMIT == 0 && super::ct_needs_commit(&ct.actions))
    {
        return None;
    }
    Some(end)
}

/// `nat(src=RANGE[,FLAG]...)` or `nat(dst=...)` inside `ct` from `at` (just after `nat(`):
/// the range as [`nat_range_prefix`] reads it, then `random`, `hash` or `persistent`
/// flags (not both of the first two). The action and the index after the closing `)`.
/// What [`Parser::nat`] reads there.
fn quick_nat(b: &[u8], at: usize) -> Option<(Nat, usize)> {
    let mut flags = match b.get(at..at + 4)? {
        b"src=" => NAT_SRC,
        b"dst=" => NAT_DST,
        _ => return None,
    };
    // The range up to a separator or the closing `)` (what the tokenizer would delimit, as
    // the range has no parentheses).
    let (range, end) = nat_range_prefix(b, at + 4)?;
    if b.get(end).is_none_or(|&c| class(c) & (SEP | CLOSE) == 0) {
        return None;
    }
    let mut i = end;
    while b.get(i) != Some(&b')') {
        while b.get(i).is_some_and(|&c| class(c) & SEP != 0) {
            i += 1;
        }
        let (flag, len) = match b.get(i..)? {
            [b')', ..] => continue,
            [b'r', b'a', b'n', b'd', b'o', b'm', ..] => (NAT_RANDOM, 6),
            [b'h', b'a', b's', b'h', ..] => (NAT_HASH, 4),
            r if r.starts_with(b"persistent") => (NAT_PERSISTENT, 10),
            _ => return None,
        };
        if !ends_value(b, i + len, true) || i + len >= b.len() {
            return None;
        }
        flags |= flag;
        i += len;
    }
    if b.get(i + 1..i + 3) == Some(b"->")
        || flags & (NAT_HASH | NAT_RANDOM) == NAT_HASH | NAT_RANDOM
    {
        return None;
    }
    Some((Nat { flags, range }, i + 1))
}

/// The decimal number of 1 to `max` (at most 9) digits at `b[i..]`, not followed by
/// another digit: its value and length.
fn decimal_at(b: &[u8], i: usize, max: usize) -> Option<(u32, usize)> {
    let mut v = 0u32;
    let mut n = 0;
    while let Some(&c) = b.get(i + n) {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        if n == max {
            return None;
        }
        v = v * 10 + u32::from(d);
        n += 1;
    }
    (n > 0).then_some((v, n))
}

/// C `strtoull(s, &end, 0)`-like parse of the whole string (optional `+`, `0x` hex,
/// leading-zero octal, decimal); `None` if anything is left over or it overflows `max`.
fn c_uint(s: &str, max: u128) -> Option<u128> {
    let s = s.strip_prefix('+').unwrap_or(s);
    parse_c_u128(s).filter(|v| *v <= max)
}

/// C `atoi`: leading decimal digits (after an optional sign), 0 if none.
fn atoi(s: &str) -> i64 {
    let s = s.trim_start();
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut v: i64 = 0;
    for c in digits.bytes() {
        if !c.is_ascii_digit() {
            break;
        }
        v = v.saturating_mul(10).saturating_add(i64::from(c - b'0'));
    }
    if neg { -v } else { v }
}

fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    // `ofpbuf_put_hex`: hex digit pairs, optionally separated by `.` or spaces.
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'.' || b[i] == b' ' {
            i += 1;
            continue;
        }
        if i + 1 >= b.len() {
            return None;
        }
        let hi = (b[i] as char).to_digit(16)?;
        let lo = (b[i + 1] as char).to_digit(16)?;
        out.push((hi * 16 + lo) as u8);
        i += 2;
    }
    Some(out)
}

fn ip_addr(s: &str) -> Option<Ipv4Addr> {
    s.parse().ok()
}

impl<'a> Parser<'a> {
    fn err(&self, token: &str, at: usize, why: impl std::fmt::Display) -> Error {
        let col = self.text[..at.min(self.text.len())].chars().count() + 1;
        Error::parse(token, col, why)
    }

    fn u16v(&self, v: &str, at: usize, name: &str) -> Result<u16> {
        c_uint(v, u128::from(u16::MAX))
            .map(|x| x as u16)
            .ok_or_else(|| self.err(v, at, format_args!("invalid {name} \"{v}\"")))
    }

    fn u8v(&self, v: &str, at: usize, name: &str) -> Result<u8> {
        c_uint(v, 255)
            .map(|x| x as u8)
            .ok_or_else(|| self.err(v, at, format_args!("invalid {name} \"{v}\"")))
    }

    fn u32v(&self, v: &str, at: usize) -> Result<u32> {
        if v.is_empty() {
            return Err(self.err(v, at, "missing required numeric argument"));
        }
        c_uint(v, u128::from(u32::MAX))
            .map(|x| x as u32)
            .ok_or_else(|| self.err(v, at, format_args!("invalid numeric format {v}")))
    }

    fn u64v(&self, v: &str, at: usize) -> Result<u64> {
        if v.is_empty() {
            return Err(self.err(v, at, "missing required numeric argument"));
        }
        c_uint(v, u128::from(u64::MAX))
            .map(|x| x as u64)
            .ok_or_else(|| self.err(v, at, format_args!("invalid numeric format {v}")))
    }

    fn port(&self, v: &str, at: usize) -> Result<OfpPort> {
        if v.starts_with('-') {
            return Err(self.err(v, at, "negative port number"));
        }
        OfpPort::try_parse(v).ok_or_else(|| self.err(v, at, "unknown port"))
    }

    fn table(&self, v: &str, at: usize) -> Result<u8> {
        if let Some(t) = Some(v)
            .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|v| v.parse::<u32>().ok())
            .filter(|t| *t <= 255)
        {
            return Ok(t as u8);
        }
        Err(self.err(v, at, format_args!("unknown table \"{v}\"")))
    }

    fn subfield(&self, v: &str, at: usize) -> Result<Subfield> {
        Subfield::parse(v).map_err(|e| self.rebase(e, v, at))
    }

    fn subfield_prefix<'s>(&self, v: &'s str, at: usize) -> Result<(Subfield, &'s str)> {
        Subfield::parse_prefix(v).map_err(|e| self.rebase(e, v, at))
    }

    /// Moves an error from a sub-parser (column relative to `v`) to the whole text.
    fn rebase(&self, e: Error, v: &str, at: usize) -> Error {
        match e {
            Error::Parse { reason, .. } => self.err(v, at, reason),
            other => other,
        }
    }

    /// Parses the items of a list from `start` within `bound` into `out`, with the checks
    /// of a whole list (applied to the appended actions alone); returns where the list
    /// ends.
    fn list_into(
        &self,
        start: usize,
        bound: Bound,
        allow_instructions: bool,
        outer: NestIn,
        depth: usize,
        out: &mut Vec<Action>,
    ) -> Result<usize> {
        if depth >= MAX_NESTING {
            let end = if bound.closer {
                scan(self.bytes_to(bound.end), start, CLOSE)
            } else {
                bound.end
            };
            return Err(self.err(self.slice(start, end), start, "Action nested too deeply"));
        }
        let base = out.len();
        let mut drop = false;
        let mut pos = start;
        let b = self.bytes_to(bound.end);
        loop {
            pos = self.skip_seps(pos, bound);
            if self.quick
                && let Some(next) = quick_item(b, pos, bound.closer, depth, out)
            {
                pos = next;
                continue;
            }
            let Some(k) = self.next_key(&mut pos, bound) else {
                break;
            };
            if k.key.eq_ignore_ascii_case("drop") {
                drop = true;
                self.value(&k, &mut pos, bound);
                continue;
            }
            self.item(k, &mut pos, bound, out, depth)?;
        }
        let end = pos;
        let added = out.get(base..).unwrap_or(&[]);
        if drop && !added.is_empty() {
            return Err(self.err(
                self.slice(start, end),
                start,
                "\"drop\" must not be accompanied by any other action or instruction",
            ));
        }
        if let Some(msg) = inst::verify(added, allow_instructions, outer) {
            return Err(self.err(self.slice(start, end), start, msg));
        }
        Ok(end)
    }

    /// A nested action list (`clone(...)`, `write_actions(...)`) as the value of `k`.
    fn sublist(
        &self,
        k: &Key<'a>,
        pos: &mut usize,
        bound: Bound,
        outer: NestIn,
        depth: usize,
    ) -> Result<Vec<Action>> {
        self.nested(k, pos, bound, |b| {
            let mut list = Vec::new();
            let end = self.list_into(k.value_at, b, false, outer, depth + 1, &mut list)?;
            Ok((list, end))
        })
    }

    /// Parses the item `k` (its value from `*pos` on, which moves past it) into `out`.
    fn item(
        &self,
        it: Key<'a>,
        pos: &mut usize,
        bound: Bound,
        out: &mut Vec<Action>,
        depth: usize,
    ) -> Result<()> {
        // Action names are case-insensitive; avoid allocating for the usual lowercase.
        let lower;
        let key: &str = if it.key.bytes().any(|b| b.is_ascii_uppercase()) {
            lower = it.key.to_ascii_lowercase();
            &lower
        } else {
            it.key
        };
        // The actions that hold items of their own are read in place.
        let a = match key {
            "ct" => self.nested(&it, pos, bound, |b| self.ct(it.value_at, b, depth))?,
            "nat" => Action::Nat(self.nested(&it, pos, bound, |b| self.nat(it.value_at, b))?),
            "clone" => Action::Clone(self.sublist(&it, pos, bound, NestIn::Clone, depth)?),
            "write_actions" => {
                Action::WriteActions(self.sublist(&it, pos, bound, NestIn::WriteActions, depth)?)
            }
            _ => self.other_item(key, &it, pos, bound)?,
        };
        out.push(a);
        Ok(())
    }

    /// [`Parser::item`] for the actions whose value is read as a whole: `key` (the item's
    /// key in lowercase) with the value of `it`.
    #[inline(never)]
    fn other_item(&self, key: &str, it: &Key<'a>, pos: &mut usize, bound: Bound) -> Result<Action> {
        let v = self.value(it, pos, bound);
        let at = it.value_at;
        let a = match key {
            "output" | "output_reg" => self.output(v, at)?,
            "group" => Action::Group(self.u32v(v, at)?),
            "controller" => self.controller(v, at)?,
            "enqueue" => {
                let mut parts = v.splitn(2, [':', 'q', ',']);
                let (p, q) = match (parts.next(), parts.next()) {
                    (Some(p), Some(q)) if !p.is_empty() => (p, q),
                    _ => {
                        return Err(self.err(
                            v,
                            at,
                            "\"enqueue\" syntax is \"enqueue:PORT:QUEUE\" or \"enqueue(PORT,QUEUE)\"",
                        ));
                    }
                };
                Action::Enqueue {
                    port: self.port(p, at)?,
                    queue: self.u32v(q, at + p.len() + 1)?,
                }
            }
            "bundle" => self.bundle(v, at, false)?,
            "bundle_load" => self.bundle(v, at, true)?,
            "set_field" => self.set_field(v, at)?,
            "load" => self.load(v, at)?,
            "set_vlan_vid" | "mod_vlan_vid" => {
                let vid = self.u16v(v, at, "VLAN VID")?;
                if vid & !0xfff != 0 {
                    return Err(self.err(v, at, format_args!("{v}: not a valid VLAN VID")));
                }
                Action::SetVlanVid {
                    vid,
                    push_if_needed: key == "mod_vlan_vid",
                    flow_has_vlan: false,
                }
            }
            "set_vlan_pcp" | "mod_vlan_pcp" => {
                let pcp = self.u8v(v, at, "VLAN PCP")?;
                if pcp & !7 != 0 {
                    return Err(self.err(v, at, format_args!("{v}: not a valid VLAN PCP")));
                }
                Action::SetVlanPcp {
                    pcp,
                    push_if_needed: key == "mod_vlan_pcp",
                    flow_has_vlan: false,
                }
            }
            "strip_vlan" => Action::StripVlan { pop: false },
            "pop_vlan" => Action::StripVlan { pop: true },
            "push_vlan" => {
                let et = self.u16v(v, at, "ethertype")?;
                if et != 0x8100 && et != 0x88a8 {
                    return Err(self.err(v, at, format_args!("{v}: not a valid VLAN ethertype")));
                }
                Action::PushVlan(et)
            }
            "mod_dl_src" | "mod_dl_dst" => {
                let m = parse_value(Field::EthSrc, v)
                    .ok()
                    .filter(|(_, m)| m.is_none())
                    .ok_or_else(|| self.err(v, at, format_args!("invalid mac address {v}")))?
                    .0;
                let b = m.to_be_bytes();
                let mac: [u8; 6] = b[10..16].try_into().unwrap_or([0; 6]);
                if key == "mod_dl_src" {
                    Action::SetEthSrc(mac)
                } else {
                    Action::SetEthDst(mac)
                }
            }
            "mod_nw_src" | "mod_nw_dst" => {
                let ip = ip_addr(v).ok_or_else(|| {
                    self.err(v, at, format_args!("{v}: could not convert to IP address"))
                })?;
                if key == "mod_nw_src" {
                    Action::SetIpv4Src(ip)
                } else {
                    Action::SetIpv4Dst(ip)
                }
            }
            "mod_nw_tos" => {
                let tos = self.u8v(v, at, "TOS")?;
                if tos & 3 != 0 {
                    return Err(self.err(v, at, format_args!("{v}: not a valid TOS")));
                }
                Action::SetIpDscp(tos)
            }
            "mod_nw_ecn" => {
                let ecn = self.u8v(v, at, "ECN")?;
                if ecn & !3 != 0 {
                    return Err(self.err(v, at, format_args!("{v}: not a valid ECN")));
                }
                Action::SetIpEcn(ecn)
            }
            "mod_nw_ttl" | "set_nw_ttl" => Action::SetIpTtl(self.u8v(v, at, "TTL")?),
            "mod_tp_src" => Action::SetL4SrcPort {
                port: self.u16v(v, at, "source port")?,
                ip_proto: None,
            },
            "mod_tp_dst" => Action::SetL4DstPort {
                port: self.u16v(v, at, "destination port")?,
                ip_proto: None,
            },
            "move" => {
                let (src, rest) = self.subfield_prefix(v, at)?;
                let Some(d) = rest.strip_prefix("->") else {
                    return Err(self.err(
                        v,
                        at,
                        format_args!("{v}: missing `->' following source"),
                    ));
                };
                let dst = self.subfield(d, at + (v.len() - d.len()))?;
                if src.n_bits != dst.n_bits {
                    return Err(self.err(
                        v,
                        at,
                        format_args!(
                            "{v}: source field is {} bits wide but destination is {} bits wide",
                            src.n_bits, dst.n_bits
                        ),
                    ));
                }
                if !dst.field.info().writable {
                    return Err(self.err(v, at, format_args!("{} is read-only", dst.field.name())));
                }
                Action::Move(Box::new(Move {
                    src,
                    dst,
                    form: MoveForm::RegMove,
                }))
            }
            "push" => Action::StackPush(self.subfield(v, at)?),
            "pop" => Action::StackPop(self.subfield(v, at)?),
            "dec_ttl" => {
                if v.is_empty() {
                    Action::DecTtl {
                        controller_ids: vec![0],
                        cnt_ids: false,
                    }
                } else {
                    let ids: Vec<u16> = v
                        .split([',', ' '])
                        .filter(|t| !t.is_empty())
                        .map(|t| atoi(t) as u16)
                        .collect();
                    if ids.is_empty() {
                        return Err(self.err(
                            v,
                            at,
                            "dec_ttl_cnt_ids: expected at least one controller id.",
                        ));
                    }
                    Action::DecTtl {
                        controller_ids: ids,
                        cnt_ids: true,
                    }
                }
            }
            "set_mpls_label" => {
                if v.is_empty() {
                    return Err(self.err(v, at, "set_mpls_label: expected label."));
                }
                let l = self.u32v(v, at)?;
                if l & !0xfffff != 0 {
                    return Err(self.err(v, at, format_args!("{v}: not a valid MPLS label")));
                }
                Action::SetMplsLabel(l)
            }
            "set_mpls_tc" => {
                if v.is_empty() {
                    return Err(self.err(v, at, "set_mpls_tc: expected tc."));
                }
                let tc = self.u8v(v, at, "MPLS TC")?;
                if tc & !7 != 0 {
                    return Err(self.err(v, at, format_args!("{v}: not a valid MPLS TC")));
                }
                Action::SetMplsTc(tc)
            }
            "set_mpls_ttl" => {
                if v.is_empty() {
                    return Err(self.err(v, at, "set_mpls_ttl: expected ttl."));
                }
                Action::SetMplsTtl(self.u8v(v, at, "MPLS TTL")?)
            }
            "dec_mpls_ttl" => Action::DecMplsTtl,
            "push_mpls" => Action::PushMpls(self.u16v(v, at, "push_mpls")?),
            "pop_mpls" => Action::PopMpls(self.u16v(v, at, "pop_mpls")?),
            "dec_nsh_ttl" => Action::DecNshTtl,
            "delete_field" => {
                let f = Field::from_name(v)
                    .ok_or_else(|| self.err(v, at, format_args!("{v}: unknown field")))?;
                Action::DeleteField(f)
            }
            "set_tunnel" => Action::SetTunnel {
                id: self.u64v(v, at)?,
                tun64: false,
            },
            "set_tunnel64" => Action::SetTunnel {
                id: self.u64v(v, at)?,
                tun64: true,
            },
            "set_queue" => Action::SetQueue(self.u32v(v, at)?),
            "pop_queue" => Action::PopQueue,
            "fin_timeout" => {
                let (mut idle, mut hard) = (0, 0);
                let mut pos = at;
                while let Some(kv) = self.next_item(&mut pos, Bound::to(at + v.len())) {
                    match kv.key {
                        "idle_timeout" => {
                            idle = self.u16v(kv.value, kv.value_at, "idle_timeout")?
                        }
                        "hard_timeout" => {
                            hard = self.u16v(kv.value, kv.value_at, "hard_timeout")?
                        }
                        k => {
                            return Err(self.err(
                                k,
                                kv.key_at,
                                format_args!("invalid key '{k}' in 'fin_timeout' argument"),
                            ));
                        }
                    }
                }
                Action::FinTimeout { idle, hard }
            }
            "resubmit" => self.resubmit(v, at)?,
            "learn" => self.learn(v, at)?,
            "conjunction" => self.conjunction(v, at)?,
            "multipath" => self.multipath(v, at)?,
            "note" => Action::Note(
                hex_bytes(v).ok_or_else(|| self.err(v, at, "bad hex digit in `note' argument"))?,
            ),
            "exit" => Action::Exit,
            "sample" => self.sample(v, at)?,
            "ct_clear" => Action::CtClear,
            "check_pkt_larger" => self.check_pkt_larger(v, at)?,
            "debug_recirc" => Action::DebugRecirc,
            "debug_slow" => Action::DebugSlow,
            "meter" => Action::Meter(self.u32v(v, at)?),
            "clear_actions" => Action::ClearActions,
            "write_metadata" => {
                let (val, mask) = match v.split_once('/') {
                    Some((a, m)) => (self.u64v(a, at)?, self.u64v(m, at + a.len() + 1)?),
                    None => (self.u64v(v, at)?, u64::MAX),
                };
                Action::WriteMetadata { value: val, mask }
            }
            "goto_table" => Action::GotoTable(self.table(v, at)?),
            "apply_actions" => {
                return Err(self.err(
                    it.key,
                    it.key_at,
                    "apply_actions is the default instruction",
                ));
            }
            "raw_action" | "raw_instruction" => {
                let b = hex_bytes(v).ok_or_else(|| self.err(v, at, "bad hex digits"))?;
                if key == "raw_action" {
                    let ok = b.len() >= 8
                        && b.len() % 8 == 0
                        && usize::from(u16::from_be_bytes([b[2], b[3]])) == b.len();
                    if !ok {
                        return Err(self.err(v, at, "not the bytes of one action"));
                    }
                    Action::Unknown(b)
                } else {
                    Action::UnknownInstruction(b)
                }
            }
            "encap" | "decap" | "unroll_xlate" | "output_trunc" => {
                return Err(self.err(
                    it.key,
                    it.key_at,
                    format_args!("unsupported action {}", it.key),
                ));
            }
            _ => match OfpPort::try_parse(it.key) {
                Some(port) => {
                    self.check_output_port(port, it.key, it.key_at)?;
                    Action::Output { port, max_len: 0 }
                }
                None => {
                    return Err(self.err(
                        it.key,
                        it.key_at,
                        format_args!("unknown action {}", it.key),
                    ));
                }
            },
        };
        Ok(a)
    }

    fn output(&self, v: &str, at: usize) -> Result<Action> {
        if v.contains("port") && v.contains("max_len") {
            let mut port = None;
            let mut max_len = 0u32;
            let mut pos = at;
            while let Some(kv) = self.next_item(&mut pos, Bound::to(at + v.len())) {
                match kv.key {
                    "port" => {
                        let p = self.port(kv.value, kv.value_at)?;
                        if p.0 > OfpPort::MAX.0 && p != OfpPort::LOCAL && p != OfpPort::IN_PORT {
                            return Err(self.err(
                                kv.value,
                                kv.value_at,
                                format_args!("output to unsupported truncate port: {}", kv.value),
                            ));
                        }
                        port = Some(p);
                    }
                    "max_len" => {
                        max_len = self.u32v(kv.value, kv.value_at)?;
                        if max_len < 14 {
                            return Err(self.err(
                                kv.value,
                                kv.value_at,
                                format_args!("max_len {max_len} is less than the minimum value 14"),
                            ));
                        }
                    }
                    k => {
                        return Err(self.err(
                            k,
                            kv.key_at,
                            format_args!("invalid key '{k}' in output_trunc argument"),
                        ));
                    }
                }
            }
            return Ok(Action::OutputTrunc {
                port: port.unwrap_or(OfpPort(0)),
                max_len,
            });
        }
        if let Some(port) = OfpPort::try_parse(v) {
            self.check_output_port(port, v, at)?;
            let max_len = if port == OfpPort::CONTROLLER {
                u16::MAX
            } else {
                0
            };
            return Ok(Action::Output { port, max_len });
        }
        match Subfield::parse(v) {
            Ok(src) => Ok(Action::OutputReg {
                src,
                max_len: u16::MAX,
                reg2: false,
            }),
            Err(_) => Err(self.err(v, at, format_args!("{v}: output to unknown port"))),
        }
    }

    /// Open vSwitch's `ofpact_check_output_port`: a switch port or one of the reserved
    /// ports packets can be sent to.
    fn check_output_port(&self, port: OfpPort, token: &str, at: usize) -> Result<()> {
        let ok = port.0 < OfpPort::MAX.0
            || matches!(
                port,
                OfpPort::IN_PORT
                    | OfpPort::TABLE
                    | OfpPort::NORMAL
                    | OfpPort::FLOOD
                    | OfpPort::ALL
                    | OfpPort::CONTROLLER
                    | OfpPort::LOCAL
            );
        if ok {
            Ok(())
        } else {
            Err(self.err(token, at, format_args!("{port} is not a valid output port")))
        }
    }

    fn controller(&self, v: &str, at: usize) -> Result<Action> {
        let mut c = Controller::default();
        if v.is_empty() {
        } else if v.bytes().all(|b| b.is_ascii_digit()) {
            c.max_len = self.u16v(v, at, "max_len")?;
        } else {
            let mut pos = at;
            while let Some(kv) = self.next_item(&mut pos, Bound::to(at + v.len())) {
                match kv.key {
                    "reason" => {
                        c.reason = (0u8..8)
                            .find(|&r| reason_name(r).eq_ignore_ascii_case(kv.value))
                            .ok_or_else(|| {
                                self.err(
                                    kv.value,
                                    kv.value_at,
                                    format_args!("unknown reason \"{}\"", kv.value),
                                )
                            })?;
                    }
                    "max_len" => c.max_len = self.u16v(kv.value, kv.value_at, "max_len")?,
                    "id" => c.controller_id = self.u16v(kv.value, kv.value_at, "id")?,
                    "userdata" => {
                        c.userdata = hex_bytes(kv.value).ok_or_else(|| {
                            self.err(
                                kv.value,
                                kv.value_at,
                                "bad hex digit in `controller' action `userdata'",
                            )
                        })?;
                    }
                    "pause" => c.pause = true,
                    "meter_id" => c.meter_id = self.u32v(kv.value, kv.value_at)?,
                    k => {
                        return Err(self.err(
                            k,
                            kv.key_at,
                            format_args!("unknown key \"{k}\" parsing controller action"),
                        ));
                    }
                }
            }
        }
        if c.reason == REASON_ACTION
            && c.controller_id == 0
            && c.userdata.is_empty()
            && !c.pause
            && c.meter_id == 0
        {
            return Ok(Action::Output {
                port: OfpPort::CONTROLLER,
                max_len: c.max_len,
            });
        }
        Ok(Action::Controller(Box::new(c)))
    }

    fn bundle(&self, v: &str, at: usize, load: bool) -> Result<Action> {
        let usage = || {
            self.err(
                v,
                at,
                format_args!("{v}: not enough arguments to bundle action"),
            )
        };
        let mut toks = v.split([',', ' ']).filter(|t| !t.is_empty());
        let fields = toks.next().ok_or_else(usage)?;
        let basis = toks.next().ok_or_else(usage)?;
        let algorithm = toks.next().ok_or_else(usage)?;
        let member_type = toks.next().ok_or_else(usage)?;
        let dst = if load {
            Some(toks.next().ok_or_else(usage)?)
        } else {
            None
        };
        // The rest: "members:1,2,3" (or "slaves:...").
        let rest: Vec<&str> = toks.collect();
        let joined = rest.join(",");
        let (delim, members_s) = joined.split_once(':').ok_or_else(usage)?;
        if !delim.eq_ignore_ascii_case("members") && !delim.eq_ignore_ascii_case("slaves") {
            return Err(self.err(
                v,
                at,
                format_args!("{v}: missing member delimiter, expected `members', got `{delim}'"),
            ));
        }
        let mut members = Vec::new();
        for m in members_s
            .split([',', ' ', '[', ']'])
            .filter(|t| !t.is_empty())
        {
            if members.len() >= 2048 {
                break;
            }
            members.push(
                self.port(m, at)
                    .map_err(|_| self.err(m, at, format_args!("{m}: bad port number")))?,
            );
        }
        let fields = hash_fields_parse(fields)
            .ok_or_else(|| self.err(v, at, format_args!("{v}: unknown fields `{fields}'")))?;
        let algorithm = if algorithm.eq_ignore_ascii_case("active_backup") {
            0
        } else if algorithm.eq_ignore_ascii_case("hrw") {
            1
        } else {
            return Err(self.err(v, at, format_args!("{v}: unknown algorithm `{algorithm}'")));
        };
        if !member_type.eq_ignore_ascii_case("ofport") {
            return Err(self.err(
                v,
                at,
                format_args!("{v}: unknown member_type `{member_type}'"),
            ));
        }
        let dst = match dst {
            Some(d) => {
                let sf = self.subfield(d, at)?;
                if encode::nxm_header32(sf.field).is_none() {
                    return Err(self.err(
                        v,
                        at,
                        format_args!("{v}: experimenter OXM field '{d}' not supported"),
                    ));
                }
                Some(sf)
            }
            None => None,
        };
        Ok(Action::Bundle(Box::new(Bundle {
            fields,
            basis: atoi(basis) as u16,
            algorithm,
            dst,
            members,
        })))
    }

    fn set_field(&self, v: &str, at: usize) -> Result<Action> {
        let Some(i) = find_bytes(v, b"->") else {
            return Err(self.err(v, at, format_args!("{v}: missing `->'")));
        };
        let (value, key) = (&v[..i], &v[i + 2..]);
        if key.is_empty() {
            return Err(self.err(
                v,
                at,
                format_args!("{v}: missing field name following `->'"),
            ));
        }
        let field = Field::from_name(key).ok_or_else(|| {
            self.err(
                key,
                at + i + 2,
                format_args!("{key} is not a valid OXM field name"),
            )
        })?;
        if !field.info().writable {
            return Err(self.err(key, at + i + 2, format_args!("{key} is read-only")));
        }
        // `ANY` is how a set_field with an all-zeros mask prints (as in ovs-ofctl); read it
        // back so that printed actions always parse again.
        let (val, mask) = if value == "ANY" {
            (0, Some(0))
        } else {
            parse_value(field, value).map_err(|e| self.rebase(e, value, at))?
        };
        let full = bytes_mask(field);
        // A mask parses to `None` when it is all ones over the 16 bytes kept.
        if field.is_tun_metadata() && value.contains('/') && mask.is_none_or(|m| m == full) {
            return Err(self.err(
                value,
                at,
                format_args!("{v}: a mask of 128 one bits on {key} is not supported (it reads as an exact value)"),
            ));
        }
        let mask = mask.unwrap_or(full);
        Ok(Action::SetField(SetField {
            field,
            value: val & mask,
            mask,
            form: SetFieldForm::SetField,
        }))
    }

    fn load(&self, v: &str, at: usize) -> Result<Action> {
        let Some(i) = find_bytes(v, b"->") else {
            return Err(self.err(v, at, format_args!("{v}: missing `->'")));
        };
        let (value, key) = (&v[..i], &v[i + 2..]);
        if key.is_empty() {
            return Err(self.err(
                v,
                at,
                format_args!("{v}: missing field name following `->'"),
            ));
        }
        let dst = self.subfield(key, at + i + 2)?;
        // tun_metadata values are kept in 16 bytes: a part of the field must lie within
        // them, and not be exactly them (that reads as the whole field).
        if !dst.fits_value() || (!dst.is_whole() && dst.mask() == u128::MAX) {
            return Err(self.err(
                key,
                at + i + 2,
                format_args!(
                    "{key}: only bits 0..126 of tun_metadata (or all of it) can be loaded"
                ),
            ));
        }
        let n_bytes = dst.field.bytes();
        let imm = parse_int(value, n_bytes)
            .ok_or_else(|| self.err(value, at, format_args!("{v}: cannot parse integer value")))?;
        let n_bits = u32::from(dst.n_bits);
        if n_bits < 128 && imm >> n_bits != 0 {
            let mut shown = String::new();
            format_value(dst.field, imm, None, &mut shown);
            return Err(self.err(
                value,
                at,
                format_args!("{v}: value {shown} does not fit into {n_bits} bits"),
            ));
        }
        Ok(Action::SetField(reg_load(dst, imm)))
    }

    /// Whether byte `i` ends a value within `bound` (the end, a separator, or the `)`
    /// that closes the list).
    fn ends_value(&self, i: usize, bound: Bound) -> bool {
        ends_value(self.bytes_to(bound.end), i, bound.closer)
    }

    fn resubmit(&self, v: &str, at: usize) -> Result<Action> {
        // `v.split(',')`'s first three parts.
        let (port_s, r) = split_byte(v, b',').map_or((v, None), |(a, b)| (a, Some(b)));
        let (table_s, r) = r.map_or(("", None), |r| {
            split_byte(r, b',').map_or((r, None), |(a, b)| (a, Some(b)))
        });
        let ct_s = r.map_or("", |r| split_byte(r, b',').map_or(r, |(a, _)| a));
        let in_port = if port_s.is_empty() {
            OfpPort::IN_PORT
        } else {
            self.port(port_s, at).map_err(|_| {
                self.err(
                    port_s,
                    at,
                    format_args!("{port_s}: resubmit to unknown port"),
                )
            })?
        };
        let table = if table_s.is_empty() {
            255
        } else {
            let t_at = at + port_s.len() + 1;
            self.table(table_s, t_at).map_err(|_| {
                self.err(
                    table_s,
                    t_at,
                    format_args!("{table_s}: resubmit to unknown table"),
                )
            })?
        };
        let ct = if ct_s.is_empty() {
            false
        } else if ct_s == "ct" {
            true
        } else {
            return Err(self.err(ct_s, at, format_args!("{ct_s}: unknown parameter")));
        };
        if in_port == OfpPort::IN_PORT && table == 255 {
            return Err(self.err(
                v,
                at,
                "at least one \"in_port\" or \"table\" must be specified on resubmit",
            ));
        }
        Ok(Action::Resubmit(Resubmit {
            in_port,
            table,
            ct,
            legacy: false,
        }))
    }

    fn conjunction(&self, v: &str, at: usize) -> Result<Action> {
        let usage = || self.err(v, at, "\"conjunction\" syntax is \"conjunction(id,i/n)\"");
        let (id_s, rest) = v.split_once(',').ok_or_else(usage)?;
        let (c_s, n_s) = rest.split_once('/').ok_or_else(usage)?;
        let id = c_uint(id_s.trim(), u128::from(u32::MAX)).ok_or_else(usage)? as u32;
        let clause = c_s.trim().parse::<u8>().map_err(|_| usage())?;
        let n = n_s.trim().parse::<u8>().map_err(|_| usage())?;
        if n < 2 {
            return Err(self.err(v, at, "conjunction must have at least 2 clauses"));
        }
        if n > 64 {
            return Err(self.err(v, at, "conjunction must have at most 64 clauses"));
        }
        if clause < 1 {
            return Err(self.err(v, at, "clause index must be positive"));
        }
        if clause > n {
            return Err(self.err(
                v,
                at,
                "clause index must be less than or equal to number of clauses",
            ));
        }
        Ok(Action::Conjunction {
            id,
            clause: clause - 1,
            n_clauses: n,
        })
    }

    fn multipath(&self, v: &str, at: usize) -> Result<Action> {
        let toks: Vec<&str> = v.split([',', ' ']).filter(|t| !t.is_empty()).collect();
        if toks.len() < 6 {
            return Err(self.err(
                v,
                at,
                format_args!("{v}: not enough arguments to multipath action"),
            ));
        }
        let fields = hash_fields_parse(toks[0])
            .ok_or_else(|| self.err(v, at, format_args!("{v}: unknown fields `{}'", toks[0])))?;
        let algorithm = match toks[2].to_ascii_lowercase().as_str() {
            "modulo_n" => 0,
            "hash_threshold" => 1,
            "hrw" => 2,
            "iter_hash" => 3,
            _ => {
                return Err(self.err(v, at, format_args!("{v}: unknown algorithm `{}'", toks[2])));
            }
        };
        let n_links = atoi(toks[3]);
        if !(1..=65536).contains(&n_links) {
            return Err(self.err(
                v,
                at,
                format_args!("{v}: n_links {n_links} is not in valid range 1 to 65536"),
            ));
        }
        let dst = self.subfield(toks[5], at)?;
        if encode::nxm_header32(dst.field).is_none() {
            return Err(self.err(
                v,
                at,
                format_args!("{v}: experimenter OXM field '{}' not supported", toks[5]),
            ));
        }
        let nb = u32::from(dst.n_bits);
        if nb < 16 && n_links > (1i64 << nb) {
            return Err(self.err(
                v,
                at,
                format_args!(
                    "{v}: {nb}-bit destination field has {} possible values, less than specified n_links {n_links}",
                    1u32 << nb
                ),
            ));
        }
        Ok(Action::Multipath(Box::new(Multipath {
            fields,
            basis: atoi(toks[1]) as u16,
            algorithm,
            max_link: (n_links - 1) as u16,
            arg: atoi(toks[4]) as u32,
            dst,
        })))
    }

    fn sample(&self, v: &str, at: usize) -> Result<Action> {
        let mut s = Sample {
            probability: 0,
            collector_set_id: 0,
            obs_domain_id: 0,
            obs_point_id: 0,
            sampling_port: OfpPort::NONE,
            direction: 0,
            form: 1,
        };
        let mut pos = at;
        while let Some(kv) = self.next_item(&mut pos, Bound::to(at + v.len())) {
            let (val, vat) = (kv.value, kv.value_at);
            match kv.key {
                "probability" => {
                    s.probability = self.u16v(val, vat, "probability")?;
                    if s.probability == 0 {
                        return Err(self.err(
                            val,
                            vat,
                            format_args!("invalid probability value \"{val}\""),
                        ));
                    }
                }
                "collector_set_id" => s.collector_set_id = self.u32v(val, vat)?,
                "obs_domain_id" => s.obs_domain_id = self.u32v(val, vat)?,
                "obs_point_id" => s.obs_point_id = self.u32v(val, vat)?,
                "sampling_port" => s.sampling_port = self.port(val, vat)?,
                "ingress" => s.direction = 1,
                "egress" => s.direction = 2,
                k => {
                    return Err(self.err(
                        k,
                        kv.key_at,
                        format_args!("invalid key \"{k}\" in \"sample\" argument"),
                    ));
                }
            }
        }
        if s.probability == 0 {
            return Err(self.err(
                v,
                at,
                "non-zero \"probability\" must be specified on sample",
            ));
        }
        Ok(Action::Sample(Box::new(s)))
    }

    /// `ct`'s items from `at` within `bound`; the action and where they end.
    fn ct(&self, at: usize, bound: Bound, depth: usize) -> Result<(Action, usize)> {
        let mut ct = Ct::default();
        let mut pos = at;
        loop {
            // The usual `commit`, `zone=SUBFIELD` and `nat(...)`, recognised by their first
            // bytes (one look at the first tells which to try); anything else, and these
            // when the quick readers decline them, goes to the general reader below.
            pos = self.skip_seps(pos, bound);
            let rest = self.bytes_to(bound.end).get(pos..).unwrap_or_default();
            let mut known = None;
            match rest.first().filter(|_| self.quick) {
                Some(b'c') if rest.starts_with(b"commit") && self.ends_value(pos + 6, bound) => {
                    ct.flags |= CT_COMMIT;
                    pos += 6;
                    continue;
                }
                Some(b'z')
                    if rest.starts_with(b"zone=")
                        && rest.get(5).is_some_and(u8::is_ascii_alphabetic) =>
                {
                    if let Some((sf, n)) =
                        Subfield::parse_simple_prefix(self.slice(pos + 5, bound.end))
                        && self.ends_value(pos + 5 + n, bound)
                    {
                        ct.zone = CtZone::Field(sf);
                        pos += 5 + n;
                        continue;
                    }
                }
                Some(b'n') if rest.starts_with(b"nat(") => {
                    if let Some((nat, next)) = quick_nat(self.bytes_to(bound.end), pos + 4) {
                        first_room(&mut ct.actions);
                        ct.actions.push(Action::Nat(nat));
                        pos = next;
                        continue;
                    }
                    known = self.known_key(pos, bound, b"nat(");
                }
                Some(b'e') => known = self.known_key(pos, bound, b"exec("),
                _ => {}
            }
            let kv = match known {
                Some(k) => {
                    pos = k.value_at;
                    k
                }
                None => match self.next_key(&mut pos, bound) {
                    Some(k) => k,
                    None => break,
                },
            };
            match kv.key {
                "nat" => {
                    let n = self.nested(&kv, &mut pos, bound, |b| self.nat(kv.value_at, b))?;
                    ct.actions.push(Action::Nat(n));
                }
                "exec" => {
                    first_room(&mut ct.actions);
                    let actions = &mut ct.actions;
                    let base = actions.len();
                    self.nested(&kv, &mut pos, bound, |b| {
                        actions.truncate(base);
                        let end =
                            self.list_into(kv.value_at, b, false, NestIn::Ct, depth + 1, actions)?;
                        Ok(((), end))
                    })?;
                }
                _ => {
                    let val = self.value(&kv, &mut pos, bound);
                    self.ct_item(&mut ct, &kv, val)?;
                }
            }
        }
        let v = self.slice(at, pos);
        if ct.flags & CT_FORCE != 0 && ct.flags & CT_COMMIT == 0 {
            return Err(self.err(v, at, "\"force\" flag requires \"commit\" flag."));
        }
        // ovs-ofctl parses this and its decoder then refuses it; it is refused here at once,
        // in the words of Open vSwitch's decoder.
        if ct.flags & CT_COMMIT == 0 && super::ct_needs_commit(&ct.actions) {
            return Err(self.err(
                v,
                at,
                "CT action requires commit flag if actions other than NAT without arguments \
                 are specified.",
            ));
        }
        if let CtZone::Field(sf) = &ct.zone
            && sf.n_bits != 16
        {
            return Err(self.err(
                v,
                at,
                format_args!("zone n_bits {} not within valid range [16..16]", sf.n_bits),
            ));
        }
        Ok((Action::Ct(ct), pos))
    }

    /// One of `ct`'s items other than `nat` and `exec`, with value `val`.
    fn ct_item(&self, ct: &mut Ct, kv: &Key<'a>, val: &str) -> Result<()> {
        let vat = kv.value_at;
        match kv.key {
            "commit" => ct.flags |= CT_COMMIT,
            "force" => ct.flags |= CT_FORCE,
            "table" => {
                let t = self.table(val, vat)?;
                if t == 255 {
                    return Err(self.err(val, vat, format_args!("invalid table {t:#x}")));
                }
                ct.recirc_table = t;
            }
            "zone" => {
                ct.zone = match c_uint(val, u128::from(u16::MAX)) {
                    Some(z) => CtZone::Imm(z as u16),
                    None => CtZone::Field(self.subfield(val, vat)?),
                };
            }
            "alg" => {
                ct.alg = match val {
                    "ftp" => 21,
                    "tftp" => 69,
                    _ => {
                        return Err(self.err(
                            val,
                            vat,
                            format_args!("invalid conntrack helper \"{val}\""),
                        ));
                    }
                };
            }
            k => {
                return Err(self.err(
                    k,
                    kv.key_at,
                    format_args!("invalid argument to \"ct\" action: `{k}'"),
                ));
            }
        }
        Ok(())
    }

    /// `nat`'s items from `at` within `bound`; the action and where they end.
    fn nat(&self, at: usize, bound: Bound) -> Result<(Nat, usize)> {
        let mut n = Nat::default();
        let mut pos = at;
        loop {
            pos = self.skip_seps(pos, bound);
            let known = self
                .known_key(pos, bound, b"dst=")
                .or_else(|| self.known_key(pos, bound, b"src="));
            let k = match known {
                Some(k) => {
                    pos = k.value_at;
                    k
                }
                None => match self.next_key(&mut pos, bound) {
                    Some(k) => k,
                    None => break,
                },
            };
            let kv = Item {
                key: k.key,
                key_at: k.key_at,
                value: self.value(&k, &mut pos, bound),
                value_at: k.value_at,
            };
            match kv.key {
                "src" | "dst" => {
                    n.flags |= if kv.key == "src" { NAT_SRC } else { NAT_DST };
                    n.range = self.nat_range(kv.value, kv.value_at)?;
                }
                "persistent" => n.flags |= NAT_PERSISTENT,
                "hash" => n.flags |= NAT_HASH,
                "random" => n.flags |= NAT_RANDOM,
                k => {
                    return Err(self.err(
                        k,
                        kv.key_at,
                        format_args!("invalid key \"{k}\" in \"nat\" argument"),
                    ));
                }
            }
        }
        let v = self.slice(at, pos);
        if n.flags & NAT_SRC != 0 && n.flags & NAT_DST != 0 {
            return Err(self.err(v, at, "May only specify one of \"src\" or \"dst\"."));
        }
        if n.flags & (NAT_SRC | NAT_DST) == 0 {
            if n.flags != 0 {
                return Err(self.err(v, at, "Flags allowed only with \"src\" or \"dst\"."));
            }
            if n.range != NatRange::None {
                return Err(self.err(v, at, "Range allowed only with \"src\" or \"dst\"."));
            }
        }
        if n.flags & NAT_HASH != 0 && n.flags & NAT_RANDOM != 0 {
            return Err(self.err(v, at, "Both \"hash\" and \"random\" are not allowed."));
        }
        Ok((n, pos))
    }

    fn nat_range(&self, s: &str, at: usize) -> Result<NatRange> {
        if self.quick
            && let Some(r) = quick_nat_range(s.as_bytes())
        {
            return Ok(r);
        }
        let bad = || self.err(s, at, format_args!("invalid nat range \"{s}\""));
        if s.is_empty() {
            return Ok(NatRange::None);
        }
        // Addresses, then an optional ":port[-port]".
        let (addrs, ports) = if let Some(rest) = s.strip_prefix('[') {
            // [v6]-[v6]:ports or [v6]:ports
            let close = rest.find(']').ok_or_else(bad)?;
            let after = &rest[close + 1..];
            let (second, ports) = if let Some(r) = after.strip_prefix("-[") {
                let c2 = r.find(']').ok_or_else(bad)?;
                (Some(&r[..c2]), &r[c2 + 1..])
            } else {
                (None, after)
            };
            let min: Ipv6Addr = rest[..close].parse().map_err(|_| bad())?;
            let max: Ipv6Addr = match second {
                Some(m) => m.parse().map_err(|_| bad())?,
                None => Ipv6Addr::UNSPECIFIED,
            };
            (
                NatRange::Ipv6 {
                    min,
                    max,
                    proto_min: 0,
                    proto_max: 0,
                },
                ports,
            )
        } else if s.bytes().any(|c| c == b'.')
            && find_bytes(s, b"::").is_none()
            && s.bytes().filter(|&c| c == b':').count() <= 1
        {
            let (a, ports) = match s.bytes().position(|c| c == b':') {
                Some(i) => (&s[..i], &s[i..]),
                None => (s, ""),
            };
            let (min_s, max_s) = match split_byte(a, b'-') {
                Some((x, y)) => (x, Some(y)),
                None => (a, None),
            };
            let min: Ipv4Addr = min_s.parse().map_err(|_| bad())?;
            let max = match max_s {
                Some(m) => {
                    let m: Ipv4Addr = m.parse().map_err(|_| bad())?;
                    if m < min {
                        return Err(bad());
                    }
                    m
                }
                None => Ipv4Addr::UNSPECIFIED,
            };
            (
                NatRange::Ipv4 {
                    min,
                    max,
                    proto_min: 0,
                    proto_max: 0,
                },
                ports,
            )
        } else {
            // Unbracketed IPv6: no ports possible.
            let (min_s, max_s) = match s.split_once('-') {
                Some((x, y)) => (x, Some(y)),
                None => (s, None),
            };
            let min: Ipv6Addr = min_s.parse().map_err(|_| bad())?;
            let max = match max_s {
                Some(m) => {
                    let m: Ipv6Addr = m.parse().map_err(|_| bad())?;
                    if m < min {
                        return Err(bad());
                    }
                    m
                }
                None => Ipv6Addr::UNSPECIFIED,
            };
            (
                NatRange::Ipv6 {
                    min,
                    max,
                    proto_min: 0,
                    proto_max: 0,
                },
                "",
            )
        };
        let mut range = addrs;
        if let NatRange::Ipv6 { min, max, .. } = &range
            && !max.is_unspecified()
            && max < min
        {
            return Err(bad());
        }
        if !ports.is_empty() {
            let p = ports.strip_prefix(':').ok_or_else(|| {
                self.err(
                    s,
                    at,
                    format_args!("garbage ({ports}) after nat range \"{s}\""),
                )
            })?;
            let (a, b) = match p.split_once('-') {
                Some((a, b)) => (a, Some(b)),
                None => (p, None),
            };
            let pmin: u16 = a.parse().map_err(|_| bad())?;
            let pmax: u16 = match b {
                Some(b) => {
                    let m: u16 = b.parse().map_err(|_| bad())?;
                    if m < pmin {
                        return Err(bad());
                    }
                    m
                }
                None => 0,
            };
            match &mut range {
                NatRange::Ipv4 {
                    proto_min,
                    proto_max,
                    ..
                }
                | NatRange::Ipv6 {
                    proto_min,
                    proto_max,
                    ..
                } => {
                    *proto_min = pmin;
                    *proto_max = pmax;
                }
                NatRange::None => {}
            }
        }
        Ok(range)
    }

    fn check_pkt_larger(&self, v: &str, at: usize) -> Result<Action> {
        // The item's value is "LEN)->DST" (the tokenizer's special case).
        let Some(i) = find_bytes(v, b"->") else {
            return Err(self.err(v, at, format_args!("{v}: missing `->'")));
        };
        let (len_s, dst_s) = (&v[..i], &v[i + 2..]);
        if dst_s.is_empty() {
            return Err(self.err(
                v,
                at,
                format_args!("{v}: missing field name following `->'"),
            ));
        }
        let len_s = len_s.strip_suffix(')').unwrap_or(len_s);
        let dst = self.subfield(dst_s, at + i + 2)?;
        if dst.n_bits != 1 {
            return Err(self.err(dst_s, at + i + 2, "Only 1-bit destination field is allowed"));
        }
        let pkt_len = c_uint(len_s, u128::from(u16::MAX))
            .ok_or_else(|| self.err(len_s, at, format_args!("invalid \"{len_s}\"")))?
            as u16;
        Ok(Action::CheckPktLarger { pkt_len, dst })
    }

    fn learn(&self, v: &str, at: usize) -> Result<Action> {
        let mut l = Learn::default();
        let mut pos = at;
        while let Some(kv) = self.next_item(&mut pos, Bound::to(at + v.len())) {
            let (val, vat) = (kv.value, kv.value_at);
            match kv.key {
                "table" => {
                    l.table_id = self.table(val, vat)?;
                    if l.table_id == 255 {
                        return Err(self.err(
                            val,
                            vat,
                            "table id 255 not valid for `learn' action",
                        ));
                    }
                }
                "priority" => l.priority = atoi(val) as u16,
                "idle_timeout" => l.idle_timeout = atoi(val) as u16,
                "hard_timeout" => l.hard_timeout = atoi(val) as u16,
                "fin_idle_timeout" => l.fin_idle_timeout = atoi(val) as u16,
                "fin_hard_timeout" => l.fin_hard_timeout = atoi(val) as u16,
                "cookie" => l.cookie = strtoull_lenient(val),
                "send_flow_rem" => l.flags |= LEARN_SEND_FLOW_REM,
                "delete_learned" => l.flags |= LEARN_DELETE_LEARNED,
                "limit" => l.limit = atoi(val) as u32,
                "result_dst" => {
                    let sf = self.subfield(val, vat)?;
                    if !sf.field.info().writable {
                        return Err(self.err(val, vat, format_args!("{val} is read-only")));
                    }
                    if sf.n_bits != 1 {
                        return Err(self.err(
                            val,
                            vat,
                            "result_dst in 'learn' action must be a single bit",
                        ));
                    }
                    l.flags |= LEARN_WRITE_RESULT;
                    l.result_dst = Some(sf);
                }
                _ => l.specs.push(self.learn_spec(kv)?),
            }
        }
        Ok(Action::Learn(Box::new(l)))
    }

    fn learn_spec(&self, kv: Item<'_>) -> Result<LearnSpec> {
        let (name, value, vat) = (kv.key, kv.value, kv.value_at);
        let no_exp = |sf: &Subfield, what: &str, at: usize| -> Result<()> {
            if encode::nxm_header32(sf.field).is_none() {
                return Err(self.err(
                    what,
                    at,
                    format_args!("{what}: experimenter OXM field '{what}' not supported"),
                ));
            }
            Ok(())
        };
        if let Ok(dst) = Subfield::parse(name) {
            no_exp(&dst, name, kv.key_at)?;
            if value.is_empty() {
                return Ok(LearnSpec::MatchField { dst, src: dst });
            }
            match Subfield::parse(value) {
                Ok(src) => {
                    no_exp(&src, value, vat)?;
                    if src.n_bits != dst.n_bits {
                        return Err(self.err(
                            value,
                            vat,
                            format_args!(
                                "bit widths of {name} ({}) and {value} ({}) differ",
                                dst.n_bits, src.n_bits
                            ),
                        ));
                    }
                    Ok(LearnSpec::MatchField { dst, src })
                }
                Err(_) => {
                    let whole = dst.ofs == 0 && dst.n_bits == dst.field.bits();
                    let imm = if whole {
                        match parse_value(dst.field, value) {
                            Ok((v, None)) => Some(v),
                            _ => None,
                        }
                    } else {
                        parse_int(value, dst.field.bytes()).filter(|v| {
                            let nb = u32::from(dst.n_bits);
                            nb >= 128 || v >> nb == 0
                        })
                    };
                    let imm = imm.ok_or_else(|| {
                        self.err(
                            value,
                            vat,
                            format_args!(
                                "{name} value {value} cannot be parsed as a subfield or an immediate value"
                            ),
                        )
                    })?;
                    // Keep the ceil(n_bits/8) low bytes, as Open vSwitch does.
                    let n = u32::from(dst.n_bits.div_ceil(8)) * 8;
                    let v = if n >= 128 {
                        imm
                    } else {
                        imm & ((1u128 << n) - 1)
                    };
                    Ok(LearnSpec::MatchValue { dst, value: v })
                }
            }
        } else if name == "load" {
            let Some(i) = find_bytes(value, b"->") else {
                return Err(self.err(
                    value,
                    vat,
                    format_args!("{name}: missing `->' in `{value}'"),
                ));
            };
            if i == 0 {
                return Err(self.err(
                    value,
                    vat,
                    format_args!("{name}: missing source before `->' in `{value}'"),
                ));
            }
            let (src_s, dst_s) = (&value[..i], &value[i + 2..]);
            if let Some(imm) = parse_int(src_s, 16) {
                let dst = self.subfield(dst_s, vat + i + 2)?;
                no_exp(&dst, dst_s, vat + i + 2)?;
                let nb = u32::from(dst.n_bits);
                if nb < 128 && imm >> nb != 0 {
                    return Err(self.err(
                        value,
                        vat,
                        format_args!("{value}: value does not fit into {nb} bits"),
                    ));
                }
                if !dst.field.info().writable {
                    return Err(self.err(dst_s, vat + i + 2, format_args!("{dst_s} is read-only")));
                }
                Ok(LearnSpec::LoadValue { dst, value: imm })
            } else {
                let (src, rest) = self.subfield_prefix(value, vat)?;
                let Some(d) = rest.strip_prefix("->") else {
                    return Err(self.err(
                        value,
                        vat,
                        format_args!("{value}: missing `->' following source"),
                    ));
                };
                let dst = self.subfield(d, vat + (value.len() - d.len()))?;
                if src.n_bits != dst.n_bits {
                    return Err(self.err(
                        value,
                        vat,
                        format_args!(
                            "{value}: source field is {} bits wide but destination is {} bits wide",
                            src.n_bits, dst.n_bits
                        ),
                    ));
                }
                Ok(LearnSpec::LoadField { dst, src })
            }
        } else if name == "output" {
            let src = self.subfield(value, vat)?;
            Ok(LearnSpec::Output { src })
        } else {
            Err(self.err(name, kv.key_at, format_args!("unknown keyword {name}")))
        }
    }
}

/// `strtoull(s, NULL, 0)` without error checking: the longest valid prefix, 0 if none.
fn strtoull_lenient(s: &str) -> u64 {
    let s = s.trim_start();
    let (digits, radix) = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (h, 16)
    } else if s.starts_with('0') {
        (s, 8)
    } else {
        (s, 10)
    };
    let mut v: u64 = 0;
    for c in digits.chars() {
        let Some(d) = c.to_digit(radix) else { break };
        v = match v
            .checked_mul(u64::from(radix))
            .and_then(|x| x.checked_add(u64::from(d)))
        {
            Some(x) => x,
            None => return u64::MAX,
        };
    }
    v
}

/// `dec_ttl`'s controller ids in parentheses: `(1,2,3)`.
fn put_dec_ttl_ids(ids: &[u16], out: &mut String) {
    out.push('(');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        numfmt::dec(out, u64::from(*id));
    }
    out.push(')');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(s: &str) -> std::result::Result<String, String> {
        match parse_actions(s, Version::Of15) {
            Ok(a) => {
                let mut out = String::new();
                format_actions(&a, Version::Of15, &mut out);
                Ok(out)
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// Values read in place (`ct(...)`, `exec(...)`) and by the quick readers end where the
    /// delimited values end, and errors name the same tokens (as ovs-ofctl's tokenizer
    /// makes them, `)->...` included).
    #[test]
    fn in_place_and_quick_reads_match_the_tokenizer() {
        let ok = [
            (
                "ct(commit,exec(load:0x1->NXM_NX_CT_MARK[1]),nat(dst=10.0.0.1:80)",
                "ct(commit,exec(set_field:0x2/0x2->ct_mark,nat(dst=10.0.0.1:80)))",
            ),
            ("ct:commit", "ct(commit)"),
            (
                "ct(commit,nat(src=10.0.0.1,random,))",
                "ct(commit,nat(src=10.0.0.1,random))",
            ),
            (
                "ct(commit,nat(src=10.0.0.1 , random))",
                "ct(commit,nat(src=10.0.0.1,random))",
            ),
            ("ct(commit,nat(src=10.0.0.1", "ct(commit,nat(src=10.0.0.1))"),
            (
                "clone(ct(commit,exec(set_field:1->ct_mark)),output:1),resubmit(,2)",
                "clone(ct(commit,exec(set_field:0x1->ct_mark)),output:1),resubmit(,2)",
            ),
            (
                "ct(commit,zone=NXM_NX_REG13[0..15],exec(load:0x1->NXM_NX_CT_MARK[1])),load:0x1->NXM_NX_REG10[3],resubmit(,15)",
                "ct(commit,zone=NXM_NX_REG13[0..15],exec(set_field:0x2/0x2->ct_mark)),set_field:0x8/0x8->reg10,resubmit(,15)",
            ),
        ];
        for (s, want) in ok {
            assert_eq!(parsed(s), Ok(want.to_string()), "{s}");
        }
        let bad = [
            (
                "ct(commit)->reg0[0]",
                "invalid argument to \"ct\" action: `commit)->reg0[0]' (at column 4: `commit)->reg0[0]`)",
            ),
            (
                "ct(bogus)->x",
                "invalid argument to \"ct\" action: `bogus)->x' (at column 4: `bogus)->x`)",
            ),
            (
                "ct(commit,exec(load:1->ct_mark[1])->foo)",
                "unexpected input following field syntax (at column 24: `ct_mark[1])->foo`)",
            ),
            (
                "ct(commit,zone=NXM_NX_REG13[0..7])",
                "zone n_bits 8 not within valid range [16..16] (at column 4: `commit,zone=NXM_NX_REG13[0..7]`)",
            ),
            (
                "ct(exec(output:1))",
                "ct action doesn't support nested action output (at column 9: `output:1`)",
            ),
            (
                "load:0x1->NXM_NX_REG16[]",
                "NXM_NX_REG16[]: unknown field `NXM_NX_REG16' (at column 11: `NXM_NX_REG16[]`)",
            ),
            (
                "load:0x100->NXM_NX_REG0[0..7]",
                "0x100->NXM_NX_REG0[0..7]: value 0x100 does not fit into 8 bits (at column 6: `0x100`)",
            ),
            (
                "ct(commit,nat(src=10.0.0.1,hash,random))",
                "Both \"hash\" and \"random\" are not allowed. (at column 15: `src=10.0.0.1,hash,random`)",
            ),
            (
                "ct(commit,nat(dst=10.0.0.1:80,persistent))->x",
                "invalid argument to \"ct\" action: `)->x' (at column 42: `)->x`)",
            ),
            (
                "ct(commit,nat(src=10.0.0.1,randomx))",
                "invalid key \"randomx\" in \"nat\" argument (at column 28: `randomx`)",
            ),
            (
                "resubmit(,255)",
                "at least one \"in_port\" or \"table\" must be specified on resubmit (at column 10: `,255`)",
            ),
            (
                "ct(commit,nat(src=10.0.0.9-10.0.0.1))",
                "invalid nat range \"10.0.0.9-10.0.0.1\" (at column 19: `10.0.0.9-10.0.0.1`)",
            ),
        ];
        for (s, want) in bad {
            assert_eq!(parsed(s), Err(want.to_string()), "{s}");
        }
    }

    /// The 64-bit computation of [`reg_load`] gives what the 128-bit one does, at the
    /// edges of its range (the low 64 bits, one bit, all of them) and past them.
    #[test]
    fn register_loads_in_64_bits_match_128() {
        let wide = |dst: Subfield, imm: u128| {
            let ones = if dst.n_bits >= 128 {
                u128::MAX
            } else {
                (1u128 << dst.n_bits) - 1
            };
            (imm << dst.ofs, ones << dst.ofs)
        };
        let cases = [
            (Field::Reg0, 0, 1, 1u128),
            (Field::Reg0, 31, 1, 1),
            (Field::Reg0, 0, 32, 0xffff_ffff),
            (Field::Xreg0, 0, 64, u128::from(u64::MAX)),
            (Field::Xreg0, 63, 1, 1),
            (Field::Xxreg0, 63, 2, 3),
            (Field::Xxreg0, 96, 32, 0xa00_0001),
            (Field::Xxreg0, 0, 128, u128::MAX),
            (Field::CtLabel, 0, 32, 4),
            (Field::CtLabel, 64, 64, 0),
        ];
        for (field, ofs, n_bits, imm) in cases {
            let dst = Subfield { field, ofs, n_bits };
            let sf = reg_load(dst, imm);
            assert_eq!((sf.value, sf.mask), wide(dst, imm), "{dst} {imm:#x}");
            assert_eq!(sf.form, SetFieldForm::RegLoad);
        }
    }

    /// `quick_int`'s digit table reads what the general integer reader reads, and leaves
    /// what it does not take (too many digits, no digits) to it.
    #[test]
    fn quick_hex_integers() {
        for (s, want) in [
            ("0x1", Some((1, 3))),
            ("0XaF->", Some((0xaf, 4))),
            ("0xdeadBEEF", Some((0xdead_beef, 10))),
            ("0x00000000000000000001", Some((1, 22))),
            ("0xffffffffffffffff", Some((u64::MAX, 18))),
            ("0x1ffffffffffffffff", None),
            ("0x", None),
            ("0xg", None),
            ("12", Some((12, 2))),
        ] {
            assert_eq!(quick_int(s.as_bytes()), want, "{s}");
        }
        // Every byte after `0x`: a digit exactly when `char::to_digit` says so.
        for c in 0..=255u8 {
            let b = [b'0', b'x', c];
            let want = (c as char).to_digit(16).map(|d| (u64::from(d), 3));
            assert_eq!(quick_int(&b), want, "{c:#x}");
        }
    }

    /// The actions (or the error) the general reader alone makes of `s`, without the quick
    /// readers of the usual spellings.
    fn general(s: &str) -> std::result::Result<Vec<Action>, String> {
        let p = Parser {
            text: s,
            quick: false,
        };
        let mut out = Vec::new();
        p.list_into(0, Bound::to(s.len()), true, NestIn::Top, 0, &mut out)
            .map(|_| out)
            .map_err(|e| e.to_string())
    }

    /// Action text in the spellings the quick readers take, and near misses of them: OVN's
    /// items with their usual and unusual values, nested in `ct`, `exec` and `clone`.
    fn usual_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let value = prop::sample::select(vec![
            "0x1",
            "0x0",
            "1",
            "0",
            "7",
            "0xa000001",
            "0xFFFFFFFF",
            "0x1ffffffff",
            "0x",
            "01",
            "0x00000000000000000001",
            "18446744073709551615",
            "0xffffffffffffffffff",
            "65536",
            "0xg",
            "-1",
            "",
        ]);
        let dst = prop::sample::select(vec![
            "NXM_NX_REG0[]",
            "NXM_NX_REG10[3]",
            "NXM_NX_REG13[0..15]",
            "NXM_NX_REG15[]",
            "NXM_NX_XXREG0[96..127]",
            "NXM_NX_XXREG0[97]",
            "NXM_NX_XXREG3[0..127]",
            "NXM_NX_CT_MARK[1]",
            "NXM_NX_CT_MARK[]",
            "NXM_NX_CT_LABEL[0..31]",
            "NXM_NX_CT_LABEL[64..127]",
            "NXM_NX_CT_LABEL[]",
            "reg0[0..3]",
            "reg15",
            "xxreg1[5]",
            "NXM_NX_REG16[]",
            "NXM_NX_REG1[5..2]",
            "NXM_NX_REG1[0..32]",
            "NXM_NX_REG1",
            "NXM_NX_REG01[]",
            "NXM_NX_XXREG4[]",
            "NXM_NX_CT_MARKS[]",
            "tun_metadata0[0..7]",
            "eth_dst[]",
            "NXM_OF_ETH_DST[]",
            "OXM_OF_PKT_REG0[]",
            "ct_mark",
            "in_port[]",
            "NXM_NX_REG2[0..]",
            "NXM_NX_REG2[99999]",
            "NXM_NX_REG2[0..015]",
        ]);
        let load = (value, dst).prop_map(|(v, d)| format!("load:{v}->{d}"));
        let nat = prop::sample::select(vec![
            "nat",
            "nat(dst=172.16.0.4:8080)",
            "nat(src=192.168.1.2:1024-65535,random)",
            "nat(src=10.0.0.1)",
            "nat(dst=10.0.0.1-10.0.0.9,hash)",
            "nat(src=10.0.0.1,persistent,random)",
            "nat(src=10.0.0.9-10.0.0.1)",
            "nat(src=10.0.0.1,hash,random)",
            "nat(dst=[fe80::1]:80)",
            "nat(src=010.0.0.1)",
            "nat(src=10.0.0.1:0)",
            "nat()",
            "nat(dst=1.2.3.4:99999)",
            "nat(src=10.0.0.1, random)",
            "nat(src=10.0.0.1,persistent)",
            "nat(src=1.2.3.4.5)",
            "nat(src=1.2.3)",
            "nat(src=255.255.255.255:65535-65535)",
            "nat(src=256.1.1.1)",
            "nat(dst=10.0.0.1:80-79)",
            "nat(dst=10.0.0.1-10.0.0.1)",
            "nat(dst=0.0.0.0)",
            "nat(src=1.2.3.4,hash,)",
            "nat(src=1.2.3.4)->x",
            "nat(src=1.2.3.4:1:2)",
            "nat(dst=1.2.3.4:080)",
            "nat(dst=1.2.3.4:00000080)",
            "nat(dst=1.2.3.4:1-)",
            "nat(dst=1.2.3.4-)",
            "nat(dst=1.2.3.4:65536)",
            "nat(dst=1.2.3.04)",
            "nat(dst=1.2.3.400)",
            "nat(dst=1.2.3.4:8080-8080)",
            "nat(dst=9.9.9.9-10.0.0.0:1)",
            "nat(dst=1.2.3.4:0-5)",
            "nat(dst=1.2.3.4: 80)",
        ]);
        let exec = prop::collection::vec(load.clone(), 0..3)
            .prop_map(|l| format!("exec({})", l.join(",")));
        let ct_item = prop_oneof![
            prop::sample::select(vec![
                "commit",
                "force",
                "zone=NXM_NX_REG13[0..15]",
                "zone=NXM_NX_REG11[0..7]",
                "zone=reg0[0..15]",
                "zone=5",
                "zone=NXM_NX_CT_MARK[0..15]",
                "table=13",
                "table=255",
                "table=013",
                "table=1000",
                "alg=ftp",
                "commitx",
                "",
            ])
            .prop_map(str::to_string),
            nat.prop_map(str::to_string),
            exec,
        ];
        let ct = prop::collection::vec(ct_item, 0..5).prop_map(|l| format!("ct({})", l.join(",")));
        let other = prop::sample::select(vec![
            "resubmit(,15)",
            "resubmit(,0)",
            "resubmit(,254)",
            "resubmit(,255)",
            "resubmit(1,2)",
            "resubmit(,2,ct)",
            "resubmit:3",
            "mod_dl_src:0a:00:00:00:02:01",
            "mod_dl_dst:ff:ff:ff:ff:ff:ff",
            "mod_dl_src:0a:00:00:00:02",
            "mod_dl_src:a:b:c:d:e:f",
            "mod_dl_src:0a:00:00:00:02:01:03",
            "dec_ttl",
            "dec_ttl()",
            "dec_ttl(1,2)",
            "dec_ttlx",
            "output:1",
            "drop",
            "set_field:0x1->reg0",
            "move:reg0[]->reg1[]",
            "DEC_TTL",
            "Load:1->reg0[]",
            "mod_dl_src:0A:0b:0C:0d:0E:0f",
            "mod_dl_src:0a:00:00:00:02:01/ff:ff:ff:ff:ff:ff",
            "mod_dl_dst:0a-00-00-00-02-01",
            "mod_dl_src:0a:00:00:00:02:0g",
            "mod_dl_src:",
            "mod_dl_sr:0a:00:00:00:02:01",
            "mod_dl_dst:0a:00:00:00:02:01->x",
            "dec_ttl()->x",
            "resubmit(,15)->x",
        ])
        .prop_map(str::to_string);
        let item = prop_oneof![3 => load, 2 => ct, 2 => other];
        let list = prop::collection::vec(
            (
                item,
                prop::sample::select(vec![",", ",", ",", ", ", ",,", " ", ")", "->x,"]),
            ),
            1..6,
        )
        .prop_map(|items| {
            let mut s = String::new();
            for (i, (item, sep)) in items.iter().enumerate() {
                if i > 0 {
                    s.push_str(sep);
                }
                s.push_str(item);
            }
            s
        });
        // Some lists inside `clone(...)`, some cut or with a byte changed.
        (
            list,
            0..8u8,
            any::<prop::sample::Index>(),
            prop::sample::select(vec![
                b',', b')', b'(', b'[', b']', b'-', b'>', b' ', b'1', b'x', b'.', b':', b'=',
            ]),
        )
            .prop_map(|(s, how, at, byte)| {
                let i = at.index(s.len() + 1);
                match how {
                    0 => format!("clone({s}),resubmit(,1)"),
                    1 => s[..i].to_string(),
                    2 => {
                        let mut b = s.into_bytes();
                        b.insert(i, byte);
                        String::from_utf8(b).unwrap_or_default()
                    }
                    3 if i < s.len() => {
                        let mut b = s.into_bytes();
                        b[i] = byte;
                        String::from_utf8(b).unwrap_or_default()
                    }
                    _ => s,
                }
            })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        /// The quick readers read what the general reader reads, and leave it everything
        /// else (errors included, which therefore come out the same).
        #[test]
        fn quick_readers_read_as_the_general_reader(s in usual_text()) {
            let quick = parse_actions(&s, Version::Of15).map_err(|e| e.to_string());
            proptest::prop_assert_eq!(quick, general(&s), "{}", s);
        }
    }

    /// No field has more bits than its bytes hold, as the quick reader of `load` relies
    /// on when it checks a value's width against the subfield's alone.
    #[test]
    fn field_bits_fit_their_bytes() {
        for f in crate::field::ALL {
            assert!(usize::from(f.bits()) <= 8 * f.bytes(), "{}", f.name());
        }
    }

    /// The OVN lists of the benchmark read the same both ways.
    #[test]
    fn ovn_lists_read_as_the_general_reader() {
        for s in [
            "ct(commit,zone=NXM_NX_REG13[0..15],nat(dst=172.16.0.4:8080),exec(load:0x1->NXM_NX_CT_MARK[1])),load:0x1->NXM_NX_REG10[3],resubmit(,15)",
            "load:0x1->NXM_NX_XXREG0[97],load:0x715->NXM_NX_REG15[],ct(commit,zone=NXM_NX_REG11[0..15],exec(load:0x0->NXM_NX_CT_MARK[0])),resubmit(,45)",
            "dec_ttl(),load:0xa000001->NXM_NX_XXREG0[96..127],load:0x3->NXM_NX_REG15[],mod_dl_src:0a:00:00:00:02:01,load:0x1->NXM_NX_REG10[0],resubmit(,22)",
            "ct(commit,zone=NXM_NX_REG12[0..15],table=13,nat(src=192.168.0.4:1024-65535,random),exec(load:0x715->NXM_NX_CT_LABEL[0..31]))",
        ] {
            let quick = parse_actions(s, Version::Of15).map_err(|e| e.to_string());
            assert!(quick.is_ok(), "{s}");
            assert_eq!(quick, general(s), "{s}");
        }
    }

    /// `ct`'s items tried by their first byte read as the general reader reads them, in any
    /// order, and hand over what they do not take.
    #[test]
    fn ct_items_by_first_byte() {
        for (s, want) in [
            (
                "ct(nat(src=10.0.0.1),commit,zone=NXM_NX_REG12[0..15],table=13)",
                "ct(commit,table=13,zone=NXM_NX_REG12[0..15],nat(src=10.0.0.1))",
            ),
            (
                "ct(zone=5,commit,exec(load:0x4->NXM_NX_CT_LABEL[0..31]))",
                "ct(commit,zone=5,exec(set_field:0x4/0xffffffff->ct_label))",
            ),
            ("ct(commitx)", "error"),
            (
                "ct(zone=reg0[0..15],commit)",
                "ct(commit,zone=NXM_NX_REG0[0..15])",
            ),
            ("ct(nat,commit)", "ct(commit,nat)"),
            ("ct(exec(),commit)", "ct(commit)"),
            ("ct(execx(),commit)", "error"),
            ("ct(commit,nat(dst=10.0.0.1:80-70))", "error"),
            (
                "ct(commit,nat(dst=[fe80::1]:80))",
                "ct(commit,nat(dst=[fe80::1]:80))",
            ),
        ] {
            match parsed(s) {
                Ok(got) => assert_eq!(got, want, "{s}"),
                Err(e) => assert_eq!("error", want, "{s}: {e}"),
            }
        }
    }
}
