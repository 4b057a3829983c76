//! Wire decoding of actions (OpenFlow 1.3-1.5 and Nicira extensions), following Open
//! vSwitch 3.1's `decode_*` rules: every length at every layer is checked, reserved bytes
//! must be zero where Open vSwitch requires it, nesting is bounded.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::error::Result;
use crate::field::{Field, OxmHeader, be_to_u128};
use crate::version::Version;
use crate::wire::Reader;

use super::*;

/// Emptied action lists kept for reuse by a decode that replaces a decoded value (see
/// [`Spare::give`]), so that decoding message after message into the same value allocates
/// nothing once the lists are large enough.
#[derive(Default)]
pub(crate) struct Spare {
    lists: [Vec<Action>; 4],
    n: usize,
}

impl Spare {
    /// An empty list: a kept one if there is any.
    pub(crate) fn take(&mut self) -> Vec<Action> {
        if self.n == 0 {
            return Vec::new();
        }
        self.n -= 1;
        self.lists
            .get_mut(self.n)
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Empties `list` and keeps it, and the lists nested in its actions, for [`Spare::take`]
    /// (the outer list is taken first).
    pub(crate) fn give(&mut self, mut list: Vec<Action>) {
        for a in list.iter_mut() {
            match a {
                Action::Ct(ct) => self.give(std::mem::take(&mut ct.actions)),
                Action::Clone(l) | Action::WriteActions(l) => self.give(std::mem::take(l)),
                _ => {}
            }
        }
        list.clear();
        if list.capacity() > 0
            && let Some(slot) = self.lists.get_mut(self.n)
        {
            *slot = list;
            self.n += 1;
        }
    }
}

/// Decodes every action in `r`.
pub(super) fn actions(r: &mut Reader<'_>, version: Version, depth: usize) -> Result<Vec<Action>> {
    let mut out = Vec::new();
    actions_into(r, version, depth, &mut out, &mut Spare::default())?;
    Ok(out)
}

/// Decodes every action in `r`, appending them to `out` (empty); nested lists come from
/// `spare`.
pub(super) fn actions_into(
    r: &mut Reader<'_>,
    version: Version,
    depth: usize,
    out: &mut Vec<Action>,
    spare: &mut Spare,
) -> Result<()> {
    if depth > MAX_NESTING {
        return Err(r.error(format_args!(
            "actions nested more than {MAX_NESTING} levels deep"
        )));
    }
    // Actions are at least 8 bytes; OVN's are mostly 16 to 24.
    out.reserve((r.remaining() / 16).min(64));
    while !r.is_empty() {
        r.need(4)?;
        let len = r.peek_u16(2)? as usize;
        if len < 8 || !len.is_multiple_of(8) {
            return Err(r.error(format_args!(
                "action length {len} is not a positive multiple of 8"
            )));
        }
        if len > r.remaining() {
            return Err(r.error(format_args!(
                "action length {len} exceeds the {} bytes left in the action list",
                r.remaining()
            )));
        }
        // The quick forms are pushed as they are made (no move of the action through
        // `Option` and `Result`), straight from the bytes: a reader for the action is
        // made only for the general decoders.
        let here = r.bytes(len)?;
        if quick_action_into(here, version, out).is_none() {
            let mut a = Reader::new_at(here, r.offset() - len, "action");
            out.push(general_action(&mut a, version, depth, spare)?);
        }
    }
    Ok(())
}

fn fixed(r: &Reader<'_>, want: usize) -> Result<()> {
    if r.remaining() != want {
        Err(r.error(format_args!("length {} (must be {want})", r.remaining())))
    } else {
        Ok(())
    }
}

fn at_least(r: &Reader<'_>, want: usize) -> Result<()> {
    if r.remaining() < want {
        Err(r.error(format_args!(
            "length {} (must be at least {want})",
            r.remaining()
        )))
    } else {
        Ok(())
    }
}

fn zeros(r: &mut Reader<'_>, n: usize, what: &str) -> Result<()> {
    let at = r.offset();
    if r.bytes(n)?.iter().any(|&b| b != 0) {
        return Err(r.error_at(at, format_args!("{what} must be zero")));
    }
    Ok(())
}

fn rest_zero(r: &mut Reader<'_>, what: &str) -> Result<()> {
    let n = r.remaining();
    zeros(r, n, what)
}

/// One action (all of `a`), as the general decoders read it: every form, every check
/// ([`quick_action_into`] takes the common ones first).
fn general_action(
    a: &mut Reader<'_>,
    version: Version,
    depth: usize,
    spare: &mut Spare,
) -> Result<Action> {
    let all = a.rest();
    let typ = a.peek_u16(0)?;
    if typ == 0xffff {
        let vendor = a.peek_u32(4)?;
        if vendor == NX_VENDOR_ID || vendor == ONF_VENDOR_ID {
            if a.remaining() < 16 {
                return Err(a.error(format_args!(
                    "vendor action of {} bytes, shorter than its 16-byte header",
                    a.remaining()
                )));
            }
            let subtype = a.peek_u16(8)?;
            if vendor == ONF_VENDOR_ID {
                if subtype == 3200 && version < Version::Of15 {
                    let mut a = a.clone().with_context("ONFACT_COPY_FIELD");
                    return copy_field(&mut a, 12);
                }
                return Ok(Action::Unknown(all.to_vec()));
            }
            return nx_action(a, subtype, version, depth, all, spare);
        }
        return Ok(Action::Unknown(all.to_vec()));
    }
    of_action(a, typ, version, all)
}

/// The big-endian `u16` at `at` of `b`.
fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

/// The big-endian `u32` at `at` of `b`.
fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The field a registered 32-bit NXM/OXM header held in an action names, when the header
/// is unmasked and has the field's width (what [`field32`] accepts).
fn quick_field32(raw: u32) -> Option<Field> {
    let field = crate::field::field_of_raw_header(raw)?;
    (!field.is_tun_metadata() && raw & 0x100 == 0 && usize::from(raw as u8) == field.bytes())
        .then_some(field)
}

/// A set_field/reg_load2 entry followed by zero padding filling `b`, when it is the plain
/// kind [`pull_entry`] and the padding check accept: a registered field with a 32-bit
/// header and its exact width (twice with a mask), no value bits outside the mask.
fn quick_entry(b: &[u8], may_mask: bool) -> Option<(Field, u128, u128)> {
    let raw = be32(b, 0)?;
    let field = crate::field::field_of_raw_header(raw)?;
    let hasmask = raw & 0x100 != 0;
    if field.is_tun_metadata() || (hasmask && !may_mask) {
        return None;
    }
    let n = field.bytes();
    let payload = n << usize::from(hasmask);
    if usize::from(raw as u8) != payload {
        return None;
    }
    let value = crate::field::be_small(b.get(4..4 + n)?);
    let mask = if hasmask {
        crate::field::be_small(b.get(4 + n..4 + payload)?)
    } else {
        bytes_mask(field)
    };
    if value & !mask != 0 || b.get(4 + payload..)?.iter().any(|&x| x != 0) {
        return None;
    }
    Some((field, value, mask))
}

/// The common actions (OVN's `set_field`/`load`, `resubmit`, `dec_ttl`) decoded straight
/// from their bytes `all` (one whole action, its length a multiple of 8), when they pass
/// every check the general decoders make, and pushed onto `out`; `None` (nothing pushed)
/// sends anything else (and every error) to them. Each form is built in place in its own
/// arm, rather than returned (a move of the whole `Action` through `Option`).
fn quick_action_into(all: &[u8], version: Version, out: &mut Vec<Action>) -> Option<()> {
    let len = all.len();
    match be16(all, 0)? {
        // OFPAT_SET_FIELD.
        25 => {
            let (field, value, mask) = quick_entry(all.get(4..)?, version >= Version::Of15)?;
            let ok = field != Field::InPortOxm
                && field.info().writable
                && (field != Field::VlanVid || (value & 0x1000 != 0 && mask & 0x1000 != 0));
            if !ok {
                return None;
            }
            out.push(Action::SetField(SetField {
                field,
                value,
                mask,
                form: SetFieldForm::SetField,
            }));
        }
        // OFPAT_DEC_NW_TTL.
        24 if len == 8 => out.push(Action::DecTtl {
            controller_ids: vec![0],
            cnt_ids: false,
        }),
        0xffff if len >= 16 && be32(all, 4)? == NX_VENDOR_ID => match be16(all, 8)? {
            // NXAST_RESUBMIT.
            1 if len == 16 => {
                let in_port = OfpPort(be16(all, 10)?);
                out.push(Action::Resubmit(Resubmit {
                    in_port,
                    table: 255,
                    ct: false,
                    legacy: true,
                }));
            }
            // NXAST_RESUBMIT_TABLE(_CT).
            sub @ (14 | 44) if len == 16 && all.get(13..16)? == [0, 0, 0] => {
                let (in_port, table) = (OfpPort(be16(all, 10)?), *all.get(12)?);
                out.push(Action::Resubmit(Resubmit {
                    in_port,
                    table,
                    ct: sub == 44,
                    legacy: false,
                }));
            }
            // NXAST_REG_LOAD2.
            33 if version < Version::Of15 => {
                let (field, value, mask) = quick_entry(all.get(10..)?, true)?;
                if !field.info().writable {
                    return None;
                }
                out.push(Action::SetField(SetField {
                    field,
                    value,
                    mask,
                    form: SetFieldForm::RegLoad2,
                }));
            }
            // NXAST_REG_LOAD.
            7 if version < Version::Of15 && len == 24 => {
                let (ofs, n_bits) = ofs_nbits(be16(all, 10)?);
                let field = quick_field32(be32(all, 12)?)?;
                let v = u64::from_be_bytes(all.get(16..24)?.try_into().ok()?);
                let fits = u32::from(ofs) + u32::from(n_bits) <= u32::from(field.bits())
                    && field.info().writable
                    && (n_bits >= 64 || v >> n_bits == 0);
                if !fits {
                    return None;
                }
                let ones = if n_bits >= 64 {
                    u128::from(u64::MAX)
                } else {
                    (1u128 << n_bits) - 1
                };
                out.push(Action::SetField(SetField {
                    field,
                    value: u128::from(v) << ofs,
                    mask: ones << ofs,
                    form: SetFieldForm::RegLoad,
                }));
            }
            _ => return None,
        },
        _ => return None,
    }
    Some(())
}

/// [`quick_action_into`] returning the action, for the tests.
#[cfg(test)]
fn quick_action(all: &[u8], version: Version) -> Option<Action> {
    let mut out = Vec::new();
    quick_action_into(all, version, &mut out)?;
    out.pop()
}

fn of_action(a: &mut Reader<'_>, typ: u16, version: Version, all: &[u8]) -> Result<Action> {
    let ctx = match typ {
        0 => "OFPAT_OUTPUT",
        1 => "OFPAT_SET_VLAN_VID",
        2 => "OFPAT_SET_VLAN_PCP",
        3 => "OFPAT_SET_DL_SRC",
        4 => "OFPAT_SET_DL_DST",
        5 => "OFPAT_SET_NW_SRC",
        6 => "OFPAT_SET_NW_DST",
        7 => "OFPAT_SET_NW_TOS",
        8 => "OFPAT_SET_NW_ECN",
        9 => "OFPAT_SET_TP_SRC",
        10 => "OFPAT_SET_TP_DST",
        13 => "OFPAT_SET_MPLS_LABEL",
        14 => "OFPAT_SET_MPLS_TC",
        15 => "OFPAT_SET_MPLS_TTL",
        16 => "OFPAT_DEC_MPLS_TTL",
        17 => "OFPAT_PUSH_VLAN",
        18 => "OFPAT_POP_VLAN",
        19 => "OFPAT_PUSH_MPLS",
        20 => "OFPAT_POP_MPLS",
        21 => "OFPAT_SET_QUEUE",
        22 => "OFPAT_GROUP",
        23 => "OFPAT_SET_NW_TTL",
        24 => "OFPAT_DEC_NW_TTL",
        25 => "OFPAT_SET_FIELD",
        28 if version >= Version::Of15 => "OFPAT_COPY_FIELD",
        29 if version >= Version::Of15 => "OFPAT_METER",
        _ => return Ok(Action::Unknown(all.to_vec())),
    };
    let mut a = a.clone().with_context(ctx);
    let a = &mut a;
    // Actions whose argument is one integer right after the 4-byte header.
    let small = |a: &mut Reader<'_>| -> Result<()> {
        fixed(a, 8)?;
        a.skip(4)
    };
    Ok(match typ {
        0 => {
            fixed(a, 16)?;
            a.skip(4)?;
            let p = a.u32()?;
            let port = OfpPort::from_ofp11(p)
                .ok_or_else(|| a.error(format_args!("port {p:#x} out of range")))?;
            check_output_port(a, port)?;
            let max_len = a.u16()?;
            Action::Output { port, max_len }
        }
        1 => {
            small(a)?;
            let vid = a.u16()?;
            if vid & !0xfff != 0 {
                return Err(a.error(format_args!("VLAN id {vid:#x} wider than 12 bits")));
            }
            Action::SetVlanVid {
                vid,
                push_if_needed: false,
                flow_has_vlan: false,
            }
        }
        2 => {
            small(a)?;
            let pcp = a.u8()?;
            if pcp & !7 != 0 {
                return Err(a.error(format_args!("VLAN PCP {pcp} wider than 3 bits")));
            }
            Action::SetVlanPcp {
                pcp,
                push_if_needed: false,
                flow_has_vlan: false,
            }
        }
        3 | 4 => {
            fixed(a, 16)?;
            a.skip(4)?;
            let mac = a.array::<6>()?;
            if typ == 3 {
                Action::SetEthSrc(mac)
            } else {
                Action::SetEthDst(mac)
            }
        }
        5 | 6 => {
            small(a)?;
            let ip = Ipv4Addr::from(a.u32()?);
            if typ == 5 {
                Action::SetIpv4Src(ip)
            } else {
                Action::SetIpv4Dst(ip)
            }
        }
        7 => {
            small(a)?;
            let tos = a.u8()?;
            if tos & 0x03 != 0 {
                return Err(a.error(format_args!("TOS {tos:#x} has ECN bits set")));
            }
            Action::SetIpDscp(tos)
        }
        8 => {
            small(a)?;
            let ecn = a.u8()?;
            if ecn & !3 != 0 {
                return Err(a.error(format_args!("ECN {ecn} wider than 2 bits")));
            }
            Action::SetIpEcn(ecn)
        }
        9 | 10 => {
            small(a)?;
            let port = a.u16()?;
            if typ == 9 {
                Action::SetL4SrcPort {
                    port,
                    ip_proto: None,
                }
            } else {
                Action::SetL4DstPort {
                    port,
                    ip_proto: None,
                }
            }
        }
        13 => {
            small(a)?;
            Action::SetMplsLabel(a.u32()?)
        }
        14 => {
            small(a)?;
            Action::SetMplsTc(a.u8()?)
        }
        15 => {
            small(a)?;
            Action::SetMplsTtl(a.u8()?)
        }
        16 => {
            fixed(a, 8)?;
            Action::DecMplsTtl
        }
        17 => {
            small(a)?;
            let et = a.u16()?;
            if et != 0x8100 && et != 0x88a8 {
                return Err(a.error(format_args!("{et:#x} is not a VLAN ethertype")));
            }
            Action::PushVlan(et)
        }
        18 => {
            fixed(a, 8)?;
            Action::StripVlan { pop: true }
        }
        19 => {
            small(a)?;
            let et = a.u16()?;
            if et != 0x8847 && et != 0x8848 {
                return Err(a.error(format_args!("{et:#x} is not an MPLS ethertype")));
            }
            Action::PushMpls(et)
        }
        20 => {
            small(a)?;
            Action::PopMpls(a.u16()?)
        }
        21 => {
            small(a)?;
            Action::SetQueue(a.u32()?)
        }
        22 => {
            small(a)?;
            Action::Group(a.u32()?)
        }
        23 => {
            small(a)?;
            Action::SetIpTtl(a.u8()?)
        }
        24 => {
            fixed(a, 8)?;
            Action::DecTtl {
                controller_ids: vec![0],
                cnt_ids: false,
            }
        }
        25 => {
            at_least(a, 8)?;
            a.skip(4)?;
            let (field, value, mask) = pull_entry(a, version >= Version::Of15)?;
            rest_zero(a, "set_field padding")?;
            if field == Field::InPortOxm {
                return Err(a.error("in_port_oxm may not be set"));
            }
            check_writable(a, field)?;
            if field == Field::VlanVid && (value & 0x1000 == 0 || mask & 0x1000 == 0) {
                return Err(a.error("vlan_vid without the VLAN present bit"));
            }
            Action::SetField(SetField {
                field,
                value,
                mask,
                form: SetFieldForm::SetField,
            })
        }
        28 => return copy_field(a, 4),
        29 => {
            small(a)?;
            Action::Meter(a.u32()?)
        }
        _ => return Ok(Action::Unknown(all.to_vec())),
    })
}

fn check_output_port(a: &Reader<'_>, port: OfpPort) -> Result<()> {
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
        Err(a.error(format_args!("{port} is not a valid output port")))
    }
}

fn check_writable(a: &Reader<'_>, field: Field) -> Result<()> {
    if field.info().writable {
        Ok(())
    } else {
        Err(a.error(format_args!("field {} is not writable", field.name())))
    }
}

/// The registered field a header read from an action names.
fn known_field(a: &Reader<'_>, at: usize, h: &OxmHeader) -> Result<Field> {
    h.field().ok_or_else(|| {
        a.error_at(
            at,
            format_args!(
                "unknown field header (class {:#06x}, field {})",
                h.class, h.field
            ),
        )
    })
}

/// Checks a field header read from an action: known, unmasked, with the field's width.
fn header_field(a: &Reader<'_>, at: usize, h: &OxmHeader) -> Result<Field> {
    let field = known_field(a, at, h)?;
    if h.hasmask {
        return Err(a.error_at(
            at,
            format_args!(
                "masked header of {} where a plain one is required",
                field.name()
            ),
        ));
    }
    // A variable-length field (tun_metadata) may have any length up to its maximum, as in
    // Open vSwitch's `nxm_field_by_header`.
    let fits = h.payload_len() == field.bytes()
        || (field.is_tun_metadata() && h.payload_len() <= field.bytes());
    if !fits {
        return Err(a.error_at(
            at,
            format_args!(
                "header of {} with length {} (must be {})",
                field.name(),
                h.payload_len(),
                field.bytes()
            ),
        ));
    }
    Ok(field)
}

/// Reads an OXM/NXM header (4 or 8 bytes) naming a field.
fn pull_header(a: &mut Reader<'_>) -> Result<Field> {
    let at = a.offset();
    let h = OxmHeader::decode(a)?;
    header_field(a, at, &h)
}

/// Resolves a 32-bit NXM/OXM header held in a fixed action field.
fn field32(a: &Reader<'_>, at: usize, raw: u32) -> Result<Field> {
    let class = (raw >> 16) as u16;
    if class == crate::field::OXM_CLASS_EXPERIMENTER {
        return Err(a.error_at(at, "experimenter header where a 32-bit one is required"));
    }
    let h = OxmHeader {
        class,
        field: ((raw >> 9) & 0x7f) as u8,
        hasmask: raw & 0x100 != 0,
        length: raw as u8,
        experimenter: None,
    };
    header_field(a, at, &h)
}

/// Reads an OXM/NXM entry (header, value, optional mask).
fn pull_entry(a: &mut Reader<'_>, may_mask: bool) -> Result<(Field, u128, u128)> {
    let at = a.offset();
    let h = OxmHeader::decode(a)?;
    let field = known_field(a, at, &h)?;
    if h.hasmask && !may_mask {
        return Err(a.error_at(at, format_args!("masked {} not allowed here", field.name())));
    }
    if h.hasmask && h.payload_len() % 2 != 0 {
        return Err(a.error_at(at, "masked entry with an odd payload length"));
    }
    let n = h.value_len();
    if field.is_tun_metadata() {
        return tun_metadata_entry(a, at, field, n, h.hasmask);
    }
    if n != field.bytes() {
        return Err(a.error_at(
            at,
            format_args!(
                "{} value of {n} bytes (must be {})",
                field.name(),
                field.bytes()
            ),
        ));
    }
    // `n` is a registered field's width other than tun_metadata's: at most 16 bytes.
    let value = crate::field::be_small(a.bytes(n)?);
    let mask = if h.hasmask {
        crate::field::be_small(a.bytes(n)?)
    } else {
        bytes_mask(field)
    };
    if value & !mask != 0 {
        return Err(a.error_at(at, "value has bits outside its mask"));
    }
    Ok((field, value, mask))
}

/// Reads the value (and mask) of a `tun_metadata` entry: `n` bytes each, any length up to
/// the field's 124 (Open vSwitch takes the value right-aligned). Values are kept in 16
/// bytes: a value or mask with a set bit beyond them is an error, and so is a mask of 16
/// bytes of ones (it could not be told from an exact value).
fn tun_metadata_entry(
    a: &mut Reader<'_>,
    at: usize,
    field: Field,
    n: usize,
    hasmask: bool,
) -> Result<(Field, u128, u128)> {
    if n > field.bytes() {
        return Err(a.error_at(
            at,
            format_args!(
                "{} value of {n} bytes (at most {})",
                field.name(),
                field.bytes()
            ),
        ));
    }
    let wide = |a: &mut Reader<'_>| -> Result<u128> {
        let b = a.bytes(n)?;
        let (high, low) = b.split_at(n.saturating_sub(16));
        if high.iter().any(|&x| x != 0) {
            return Err(a.error_at(
                at,
                format_args!("{} value wider than 16 bytes (not supported)", field.name()),
            ));
        }
        Ok(crate::field::be_small(low))
    };
    let value = wide(a)?;
    let mask = if hasmask { wide(a)? } else { u128::MAX };
    if hasmask && mask == u128::MAX {
        return Err(a.error_at(
            at,
            format_args!(
                "{} mask of 128 one bits (not supported: it reads as an exact value)",
                field.name()
            ),
        ));
    }
    if value & !mask != 0 {
        return Err(a.error_at(at, "value has bits outside its mask"));
    }
    Ok((field, value, mask))
}

fn ofs_nbits(v: u16) -> (u16, u16) {
    (v >> 6, (v & 0x3f) + 1)
}

fn check_subfield(a: &Reader<'_>, at: usize, sf: &Subfield) -> Result<()> {
    if u32::from(sf.ofs) + u32::from(sf.n_bits) > u32::from(sf.field.bits()) || sf.n_bits == 0 {
        return Err(a.error_at(
            at,
            format_args!(
                "bits {}..{} outside {} ({} bits)",
                sf.ofs,
                u32::from(sf.ofs) + u32::from(sf.n_bits),
                sf.field.name(),
                sf.field.bits()
            ),
        ));
    }
    Ok(())
}

fn check_dst(a: &Reader<'_>, at: usize, sf: &Subfield) -> Result<()> {
    check_subfield(a, at, sf)?;
    check_writable(a, sf.field)
}

fn subfield(field: Field, ofs: u16, n_bits: u16) -> Subfield {
    Subfield { field, ofs, n_bits }
}

/// Copy-field: OpenFlow 1.5's `OFPAT_COPY_FIELD` (`prefix` 4: type and length) or the
/// ONF extension (`prefix` 12: type, length, experimenter, exp_type, padding).
fn copy_field(a: &mut Reader<'_>, prefix: usize) -> Result<Action> {
    at_least(a, prefix + 12)?;
    let at = a.offset();
    a.skip(prefix)?;
    let n_bits = a.u16()?;
    let src_ofs = a.u16()?;
    let dst_ofs = a.u16()?;
    a.skip(2)?;
    let src = subfield(pull_header(a)?, src_ofs, n_bits);
    let dst = subfield(pull_header(a)?, dst_ofs, n_bits);
    rest_zero(a, "copy_field padding")?;
    check_subfield(a, at, &src)?;
    check_dst(a, at, &dst)?;
    Ok(Action::Move(Box::new(Move {
        src,
        dst,
        form: MoveForm::CopyField,
    })))
}

fn nx_name(subtype: u16) -> Option<&'static str> {
    Some(match subtype {
        1 => "NXAST_RESUBMIT",
        2 => "NXAST_SET_TUNNEL",
        5 => "NXAST_POP_QUEUE",
        6 => "NXAST_REG_MOVE",
        7 => "NXAST_REG_LOAD",
        8 => "NXAST_NOTE",
        9 => "NXAST_SET_TUNNEL64",
        10 => "NXAST_MULTIPATH",
        12 => "NXAST_BUNDLE",
        13 => "NXAST_BUNDLE_LOAD",
        14 => "NXAST_RESUBMIT_TABLE",
        15 => "NXAST_OUTPUT_REG",
        16 => "NXAST_LEARN",
        17 => "NXAST_EXIT",
        19 => "NXAST_FIN_TIMEOUT",
        20 => "NXAST_CONTROLLER",
        21 => "NXAST_DEC_TTL_CNT_IDS",
        22 => "NXAST_WRITE_METADATA",
        27 => "NXAST_STACK_PUSH",
        28 => "NXAST_STACK_POP",
        29 => "NXAST_SAMPLE",
        32 => "NXAST_OUTPUT_REG2",
        33 => "NXAST_REG_LOAD2",
        34 => "NXAST_CONJUNCTION",
        35 => "NXAST_CT",
        36 => "NXAST_NAT",
        37 => "NXAST_CONTROLLER2",
        38 => "NXAST_SAMPLE2",
        39 => "NXAST_OUTPUT_TRUNC",
        41 => "NXAST_SAMPLE3",
        42 => "NXAST_CLONE",
        43 => "NXAST_CT_CLEAR",
        44 => "NXAST_RESUBMIT_TABLE_CT",
        45 => "NXAST_LEARN2",
        48 => "NXAST_DEC_NSH_TTL",
        49 => "NXAST_CHECK_PKT_LARGER",
        50 => "NXAST_DELETE_FIELD",
        254 => "NXAST_DEBUG_SLOW",
        255 => "NXAST_DEBUG_RECIRC",
        _ => return None,
    })
}

fn nx_action(
    a: &mut Reader<'_>,
    subtype: u16,
    version: Version,
    depth: usize,
    all: &[u8],
    spare: &mut Spare,
) -> Result<Action> {
    // REG_MOVE, REG_LOAD and REG_LOAD2 do not exist in OpenFlow 1.5 (set_field and
    // copy_field replace them).
    if matches!(subtype, 6 | 7 | 33) && version >= Version::Of15 {
        return Ok(Action::Unknown(all.to_vec()));
    }
    let Some(ctx) = nx_name(subtype) else {
        return Ok(Action::Unknown(all.to_vec()));
    };
    let mut a = a.clone().with_context(ctx);
    let a = &mut a;
    let start = a.offset();
    let len = a.remaining();
    // Skip the 10-byte extension header (type, length, vendor, subtype).
    let void = |a: &mut Reader<'_>| -> Result<()> {
        fixed(a, 16)?;
        a.skip(16)
    };
    let hdr = |a: &mut Reader<'_>, want: usize| -> Result<()> {
        fixed(a, want)?;
        a.skip(10)
    };
    Ok(match subtype {
        1 => {
            hdr(a, 16)?;
            let port = OfpPort(a.u16()?);
            Action::Resubmit(Resubmit {
                in_port: port,
                table: 255,
                ct: false,
                legacy: true,
            })
        }
        14 | 44 => {
            hdr(a, 16)?;
            let port = OfpPort(a.u16()?);
            let table = a.u8()?;
            zeros(a, 3, "resubmit padding")?;
            Action::Resubmit(Resubmit {
                in_port: port,
                table,
                ct: subtype == 44,
                legacy: false,
            })
        }
        2 => {
            hdr(a, 16)?;
            a.skip(2)?;
            Action::SetTunnel {
                id: u64::from(a.u32()?),
                tun64: false,
            }
        }
        9 => {
            hdr(a, 24)?;
            a.skip(6)?;
            Action::SetTunnel {
                id: a.u64()?,
                tun64: true,
            }
        }
        5 => {
            void(a)?;
            Action::PopQueue
        }
        17 => {
            void(a)?;
            Action::Exit
        }
        43 => {
            void(a)?;
            Action::CtClear
        }
        48 => {
            void(a)?;
            Action::DecNshTtl
        }
        254 => {
            void(a)?;
            Action::DebugSlow
        }
        255 => {
            void(a)?;
            Action::DebugRecirc
        }
        6 => {
            at_least(a, 16)?;
            a.skip(10)?;
            let n_bits = a.u16()?;
            let src_ofs = a.u16()?;
            let dst_ofs = a.u16()?;
            let src = subfield(pull_header(a)?, src_ofs, n_bits);
            let dst = subfield(pull_header(a)?, dst_ofs, n_bits);
            rest_zero(a, "reg_move padding")?;
            check_subfield(a, start, &src)?;
            check_dst(a, start, &dst)?;
            Action::Move(Box::new(Move {
                src,
                dst,
                form: MoveForm::RegMove,
            }))
        }
        7 => {
            hdr(a, 24)?;
            let (ofs, n_bits) = ofs_nbits(a.u16()?);
            let at = a.offset();
            let field = field32(a, at, a.clone().u32()?)?;
            a.skip(4)?;
            let dst = subfield(field, ofs, n_bits);
            check_dst(a, start, &dst)?;
            // Values are kept in 16 bytes: bits past them (of tun_metadata) cannot be set.
            if !dst.fits_value() {
                return Err(a.error_at(
                    start,
                    format_args!(
                        "reg_load into bits past 127 of {} (not supported)",
                        field.name()
                    ),
                ));
            }
            let v = a.u64()?;
            if n_bits < 64 && v >> n_bits != 0 {
                return Err(a.error(format_args!("value {v:#x} wider than {n_bits} bits")));
            }
            let ones = if n_bits >= 64 {
                u128::from(u64::MAX)
            } else {
                (1u128 << n_bits) - 1
            };
            Action::SetField(SetField {
                field,
                value: u128::from(v) << ofs,
                mask: ones << ofs,
                form: SetFieldForm::RegLoad,
            })
        }
        33 => {
            at_least(a, 16)?;
            a.skip(10)?;
            let (field, value, mask) = pull_entry(a, true)?;
            rest_zero(a, "reg_load2 padding")?;
            check_writable(a, field)?;
            Action::SetField(SetField {
                field,
                value,
                mask,
                form: SetFieldForm::RegLoad2,
            })
        }
        8 => {
            at_least(a, 16)?;
            a.skip(10)?;
            Action::Note(a.bytes(len - 10)?.to_vec())
        }
        10 => {
            hdr(a, 32)?;
            let fields = a.u16()?;
            let basis = a.u16()?;
            a.skip(2)?;
            let algorithm = a.u16()?;
            let max_link = a.u16()?;
            let arg = a.u32()?;
            a.skip(2)?;
            let (ofs, n_bits) = ofs_nbits(a.u16()?);
            let at = a.offset();
            let raw = a.u32()?;
            let field = field32(a, at, raw)?;
            let dst = subfield(field, ofs, n_bits);
            check_dst(a, start, &dst)?;
            if fields > 6 {
                return Err(a.error(format_args!("unsupported hash fields {fields}")));
            }
            if algorithm > 3 {
                return Err(a.error(format_args!("unsupported algorithm {algorithm}")));
            }
            let n_links = u32::from(max_link) + 1;
            let min_bits = 32 - (n_links - 1).leading_zeros();
            if u32::from(n_bits) < min_bits {
                return Err(a.error(format_args!(
                    "{n_bits}-bit destination too small for {n_links} links"
                )));
            }
            Action::Multipath(Box::new(Multipath {
                fields,
                basis,
                algorithm,
                max_link,
                arg,
                dst,
            }))
        }
        12 | 13 => {
            at_least(a, 32)?;
            a.skip(10)?;
            let algorithm = a.u16()?;
            let fields = a.u16()?;
            let basis = a.u16()?;
            let member_type = a.u32()?;
            let n_members = a.u16()?;
            let ofs_n = a.u16()?;
            let at = a.offset();
            let dst_raw = a.u32()?;
            zeros(a, 4, "bundle reserved bytes")?;
            if fields > 6 {
                return Err(a.error(format_args!("unsupported hash fields {fields}")));
            }
            if algorithm > 1 {
                return Err(a.error(format_args!("unsupported algorithm {algorithm}")));
            }
            if member_type != 0x0000_0002 {
                return Err(a.error(format_args!("unsupported member type {member_type:#x}")));
            }
            if n_members > 2048 {
                return Err(a.error(format_args!("{n_members} members (at most 2048)")));
            }
            let dst = if subtype == 13 {
                let (ofs, n_bits) = ofs_nbits(ofs_n);
                let sf = subfield(field32(a, at, dst_raw)?, ofs, n_bits);
                check_dst(a, start, &sf)?;
                if n_bits < 16 {
                    return Err(a.error("bundle_load needs at least a 16-bit destination"));
                }
                Some(sf)
            } else {
                if ofs_n != 0 || dst_raw != 0 {
                    return Err(a.error("bundle with a nonzero destination"));
                }
                None
            };
            if a.remaining() < 2 * usize::from(n_members) {
                return Err(a.error(format_args!(
                    "{n_members} members need {} bytes, {} left",
                    2 * n_members,
                    a.remaining()
                )));
            }
            let mut members = Vec::with_capacity(n_members.into());
            for _ in 0..n_members {
                let p = OfpPort(a.u16()?);
                members.push(p);
            }
            Action::Bundle(Box::new(Bundle {
                fields,
                basis,
                algorithm,
                dst,
                members,
            }))
        }
        15 => {
            hdr(a, 24)?;
            let (ofs, n_bits) = ofs_nbits(a.u16()?);
            let at = a.offset();
            let raw = a.u32()?;
            let field = field32(a, at, raw)?;
            let max_len = a.u16()?;
            zeros(a, 6, "output_reg reserved bytes")?;
            let src = subfield(field, ofs, n_bits);
            check_subfield(a, start, &src)?;
            Action::OutputReg {
                src,
                max_len,
                reg2: false,
            }
        }
        32 => {
            hdr(a, 24)?;
            let (ofs, n_bits) = ofs_nbits(a.u16()?);
            let max_len = a.u16()?;
            let field = pull_header(a)?;
            rest_zero(a, "output_reg2 padding")?;
            let src = subfield(field, ofs, n_bits);
            check_subfield(a, start, &src)?;
            Action::OutputReg {
                src,
                max_len,
                reg2: true,
            }
        }
        16 | 45 => learn(a, subtype == 45)?,
        19 => {
            hdr(a, 16)?;
            let idle = a.u16()?;
            let hard = a.u16()?;
            Action::FinTimeout { idle, hard }
        }
        20 => {
            hdr(a, 16)?;
            let max_len = a.u16()?;
            let controller_id = a.u16()?;
            let reason = a.u8()?;
            Action::Controller(Box::new(Controller {
                max_len,
                controller_id,
                reason,
                ..Controller::default()
            }))
        }
        37 => controller2(a)?,
        21 => {
            at_least(a, 16)?;
            a.skip(10)?;
            let n = a.u16()?;
            zeros(a, 4, "dec_ttl_cnt_ids reserved bytes")?;
            if a.remaining() < 2 * usize::from(n) {
                return Err(a.error(format_args!(
                    "{n} controller ids need {} bytes, {} left",
                    2 * usize::from(n),
                    a.remaining()
                )));
            }
            let mut ids = Vec::with_capacity(n.into());
            for _ in 0..n {
                ids.push(a.u16()?);
            }
            Action::DecTtl {
                controller_ids: ids,
                cnt_ids: true,
            }
        }
        22 => {
            hdr(a, 32)?;
            zeros(a, 6, "write_metadata reserved bytes")?;
            let value = a.u64()?;
            let mask = a.u64()?;
            Action::WriteMetadata { value, mask }
        }
        27 | 28 => {
            hdr(a, 24)?;
            let ofs = a.u16()?;
            let field = pull_header(a)?;
            let n_bits = a.u16()?;
            rest_zero(a, "stack padding")?;
            let sf = subfield(field, ofs, n_bits);
            if subtype == 27 {
                check_subfield(a, start, &sf)?;
                Action::StackPush(sf)
            } else {
                check_dst(a, start, &sf)?;
                Action::StackPop(sf)
            }
        }
        29 => {
            hdr(a, 24)?;
            let probability = a.u16()?;
            let collector_set_id = a.u32()?;
            let obs_domain_id = a.u32()?;
            let obs_point_id = a.u32()?;
            if probability == 0 {
                return Err(a.error("probability 0"));
            }
            Action::Sample(Box::new(Sample {
                probability,
                collector_set_id,
                obs_domain_id,
                obs_point_id,
                sampling_port: OfpPort::NONE,
                direction: 0,
                form: 1,
            }))
        }
        38 | 41 => {
            hdr(a, 32)?;
            let probability = a.u16()?;
            let collector_set_id = a.u32()?;
            let obs_domain_id = a.u32()?;
            let obs_point_id = a.u32()?;
            let sampling_port = OfpPort(a.u16()?);
            let direction = a.u8()?;
            let direction = if subtype == 41 {
                zeros(a, 5, "sample3 padding")?;
                if direction > 2 {
                    return Err(a.error(format_args!("sample direction {direction}")));
                }
                direction
            } else {
                0
            };
            if probability == 0 {
                return Err(a.error("probability 0"));
            }
            Action::Sample(Box::new(Sample {
                probability,
                collector_set_id,
                obs_domain_id,
                obs_point_id,
                sampling_port,
                direction,
                form: if subtype == 41 { 3 } else { 2 },
            }))
        }
        34 => {
            hdr(a, 16)?;
            let clause = a.u8()?;
            let n_clauses = a.u8()?;
            let id = a.u32()?;
            if !(2..=64).contains(&n_clauses) || clause >= n_clauses {
                return Err(a.error(format_args!("clause {clause} of {n_clauses} is not valid")));
            }
            Action::Conjunction {
                id,
                clause,
                n_clauses,
            }
        }
        35 => ct(a, version, depth, spare)?,
        36 => Action::Nat(match quick_nat(a.rest()) {
            Some(n) => n,
            None => nat(a)?,
        }),
        39 => {
            hdr(a, 16)?;
            let port = OfpPort(a.u16()?);
            let max_len = a.u32()?;
            if max_len < 14 {
                return Err(a.error(format_args!("max_len {max_len} below 14")));
            }
            Action::OutputTrunc { port, max_len }
        }
        42 => {
            at_least(a, 16)?;
            a.skip(16)?;
            let mut inner = a.sub(a.remaining(), "NXAST_CLONE nested actions")?;
            let mut nested = spare.take();
            actions_into(&mut inner, version, depth + 1, &mut nested, spare)?;
            check_nested(a, &nested, NestIn::Clone)?;
            Action::Clone(nested)
        }
        49 => {
            hdr(a, 24)?;
            let pkt_len = a.u16()?;
            let ofs = a.u16()?;
            let field = pull_header(a)?;
            rest_zero(a, "check_pkt_larger padding")?;
            let dst = subfield(field, ofs, 1);
            check_dst(a, start, &dst)?;
            Action::CheckPktLarger { pkt_len, dst }
        }
        50 => {
            hdr(a, 24)?;
            let field = pull_header(a)?;
            rest_zero(a, "delete_field padding")?;
            Action::DeleteField(field)
        }
        _ => return Ok(Action::Unknown(all.to_vec())),
    })
}

fn controller2(a: &mut Reader<'_>) -> Result<Action> {
    at_least(a, 16)?;
    a.skip(10)?;
    zeros(a, 6, "controller2 padding")?;
    let mut c = Controller {
        controller2: true,
        ..Controller::default()
    };
    while !a.is_empty() {
        let at = a.offset();
        let typ = a.u16()?;
        let plen = a.u16()? as usize;
        if plen < 4 {
            return Err(a.error_at(at, format_args!("property length {plen} below 4")));
        }
        let padded = plen.next_multiple_of(8);
        if padded - 4 > a.remaining() {
            return Err(a.error_at(
                at,
                format_args!(
                    "property length {plen} exceeds the {} bytes left",
                    a.remaining() + 4
                ),
            ));
        }
        let mut p = a.sub(plen - 4, "NXAST_CONTROLLER2 property")?;
        a.skip(padded - plen)?;
        // Open vSwitch reads 8- and 16-bit values from longer properties too.
        let at_least = |p: &Reader<'_>, n: usize| -> Result<()> {
            if p.remaining() < n {
                Err(p.error(format_args!(
                    "property of type {typ} with {} bytes (must be at least {n})",
                    p.remaining()
                )))
            } else {
                Ok(())
            }
        };
        let exact = |p: &Reader<'_>, n: usize| -> Result<()> {
            if p.remaining() != n {
                Err(p.error(format_args!(
                    "property of type {typ} with {} bytes (must be {n})",
                    p.remaining()
                )))
            } else {
                Ok(())
            }
        };
        match typ {
            0 => {
                at_least(&p, 2)?;
                c.max_len = p.u16()?;
            }
            1 => {
                at_least(&p, 2)?;
                c.controller_id = p.u16()?;
            }
            2 => {
                at_least(&p, 1)?;
                c.reason = p.u8()?;
            }
            3 => c.userdata = p.rest().to_vec(),
            4 => c.pause = true,
            5 => {
                exact(&p, 4)?;
                c.meter_id = p.u32()?;
            }
            _ => {
                return Err(a.error_at(at, format_args!("unknown property type {typ}")));
            }
        }
    }
    Ok(Action::Controller(Box::new(c)))
}

fn learn_subfield(a: &mut Reader<'_>, n_bits: u16) -> Result<Subfield> {
    let at = a.offset();
    let field = field32(a, at, a.clone().u32()?)?;
    a.skip(4)?;
    let ofs = a.u16()?;
    let sf = subfield(field, ofs, n_bits);
    check_subfield(a, at, &sf)?;
    Ok(sf)
}

fn learn(a: &mut Reader<'_>, learn2: bool) -> Result<Action> {
    at_least(a, if learn2 { 40 } else { 32 })?;
    let start = a.offset();
    a.skip(10)?;
    let mut l = Learn {
        learn2,
        ..Learn::default()
    };
    l.idle_timeout = a.u16()?;
    l.hard_timeout = a.u16()?;
    l.priority = a.u16()?;
    l.cookie = a.u64()?;
    l.flags = a.u16()?;
    l.table_id = a.u8()?;
    zeros(a, 1, "learn padding")?;
    l.fin_idle_timeout = a.u16()?;
    l.fin_hard_timeout = a.u16()?;
    if l.table_id == 255 {
        return Err(a.error_at(start, "table 255 is not valid for learn"));
    }
    let allowed = if learn2 {
        LEARN_SEND_FLOW_REM | LEARN_DELETE_LEARNED | LEARN_WRITE_RESULT
    } else {
        LEARN_SEND_FLOW_REM | LEARN_DELETE_LEARNED
    };
    if l.flags & !allowed != 0 {
        return Err(a.error_at(start, format_args!("unknown flags {:#x}", l.flags)));
    }
    if learn2 {
        l.limit = a.u32()?;
        let result_ofs = a.u16()?;
        zeros(a, 2, "learn2 padding")?;
        if l.flags & LEARN_WRITE_RESULT != 0 {
            let field = pull_header(a)?;
            let sf = subfield(field, result_ofs, 1);
            check_dst(a, start, &sf)?;
            l.result_dst = Some(sf);
        } else if result_ofs != 0 {
            return Err(a.error("result_dst_ofs set without the write-result flag"));
        }
    }
    while a.remaining() >= 2 {
        let at = a.offset();
        let header = a.u16()?;
        if header == 0 {
            break;
        }
        let n_bits = header & 0x3ff;
        let src_imm = header & 0x2000 != 0;
        let dst_type = (header >> 11) & 3;
        if header & 0xc000 != 0 || header & 0x400 != 0 || dst_type == 3 {
            return Err(a.error_at(at, format_args!("bad spec header {header:#06x}")));
        }
        if dst_type == 2 && src_imm {
            return Err(a.error_at(at, "output spec with an immediate source"));
        }
        if n_bits == 0 {
            return Err(a.error_at(at, "spec of 0 bits"));
        }
        let src_len = if src_imm {
            2 * usize::from(n_bits.div_ceil(16))
        } else {
            6
        };
        let dst_len = if dst_type == 2 { 0 } else { 6 };
        if a.remaining() < src_len + dst_len {
            return Err(a.error_at(
                at,
                format_args!(
                    "spec needs {} bytes, {} left",
                    src_len + dst_len,
                    a.remaining()
                ),
            ));
        }
        let mut imm = None;
        let mut src = None;
        if src_imm {
            let bytes = a.bytes(src_len)?;
            let n = usize::from(n_bits.div_ceil(8));
            if n > 16 {
                return Err(a.error_at(at, format_args!("{n_bits}-bit immediate value")));
            }
            imm = Some(be_to_u128(&bytes[src_len - n..]).unwrap_or(0));
        } else {
            src = Some(learn_subfield(a, n_bits)?);
        }
        let spec = match (dst_type, imm, src) {
            (0, Some(value), _) => LearnSpec::MatchValue {
                dst: learn_subfield(a, n_bits)?,
                value,
            },
            (0, None, Some(src)) => LearnSpec::MatchField {
                dst: learn_subfield(a, n_bits)?,
                src,
            },
            (1, Some(value), _) => {
                let dst = learn_subfield(a, n_bits)?;
                check_writable(a, dst.field)?;
                LearnSpec::LoadValue { dst, value }
            }
            (1, None, Some(src)) => {
                let dst = learn_subfield(a, n_bits)?;
                check_writable(a, dst.field)?;
                LearnSpec::LoadField { dst, src }
            }
            (_, _, Some(src)) => LearnSpec::Output { src },
            _ => return Err(a.error_at(at, "bad spec")),
        };
        l.specs.push(spec);
    }
    rest_zero(a, "learn padding")?;
    Ok(Action::Learn(Box::new(l)))
}

/// The fixed part of an `NXAST_CT` (its first 24 bytes in `b`) when every check [`ct`]
/// makes on it passes: flags, zone, table, ALG.
fn quick_ct_head(b: &[u8]) -> Option<(u16, CtZone, u8, u16)> {
    let flags = be16(b, 10)?;
    let zone_src = be32(b, 12)?;
    let zone_v = be16(b, 16)?;
    let recirc_table = *b.get(18)?;
    let alg = be16(b, 22)?;
    let flags_ok = flags & !(CT_COMMIT | CT_FORCE) == 0
        && (flags & CT_FORCE == 0 || flags & CT_COMMIT != 0)
        && b.get(19..22)? == [0, 0, 0];
    if !flags_ok {
        return None;
    }
    let zone = if zone_src != 0 {
        let (ofs, n_bits) = ofs_nbits(zone_v);
        let field = quick_field32(zone_src)?;
        if n_bits != 16 || u32::from(ofs) + 16 > u32::from(field.bits()) {
            return None;
        }
        CtZone::Field(subfield(field, ofs, n_bits))
    } else {
        CtZone::Imm(zone_v)
    };
    Some((flags, zone, recirc_table, alg))
}

fn ct(a: &mut Reader<'_>, version: Version, depth: usize, spare: &mut Spare) -> Result<Action> {
    at_least(a, 24)?;
    let start = a.offset();
    let (flags, zone, recirc_table, alg) = match quick_ct_head(a.rest()) {
        Some(head) => {
            a.skip(24)?;
            head
        }
        None => ct_head(a, start)?,
    };
    let (at, rest) = (a.offset(), a.rest());
    a.skip(rest.len())?;
    let mut inner = Reader::new_at(rest, at, "NXAST_CT nested actions");
    let mut nested = spare.take();
    actions_into(&mut inner, version, depth + 1, &mut nested, spare)?;
    check_nested(a, &nested, NestIn::Ct)?;
    if flags & CT_COMMIT == 0 && super::ct_needs_commit(&nested) {
        return Err(a.error_at(
            start,
            "ct actions other than a bare nat need the commit flag",
        ));
    }
    Ok(Action::Ct(Ct {
        flags,
        zone,
        recirc_table,
        alg,
        actions: nested,
    }))
}

/// Reads and checks the fixed part of an `NXAST_CT` (from `start`, its first byte).
fn ct_head(a: &mut Reader<'_>, start: usize) -> Result<(u16, CtZone, u8, u16)> {
    a.skip(10)?;
    let flags = a.u16()?;
    let zone_src = a.u32()?;
    let zone_v = a.u16()?;
    let recirc_table = a.u8()?;
    zeros(a, 3, "ct padding")?;
    let alg = a.u16()?;
    if flags & !(CT_COMMIT | CT_FORCE) != 0 {
        return Err(a.error_at(start, format_args!("unknown ct flags {flags:#x}")));
    }
    if flags & CT_FORCE != 0 && flags & CT_COMMIT == 0 {
        return Err(a.error_at(start, "force without commit"));
    }
    let zone = if zone_src != 0 {
        let (ofs, n_bits) = ofs_nbits(zone_v);
        let sf = subfield(field32(a, start + 12, zone_src)?, ofs, n_bits);
        check_subfield(a, start, &sf)?;
        if n_bits != 16 {
            return Err(a.error_at(start, format_args!("{n_bits}-bit zone (must be 16)")));
        }
        CtZone::Field(sf)
    } else {
        CtZone::Imm(zone_v)
    };
    Ok((flags, zone, recirc_table, alg))
}

/// An `NXAST_NAT` (all its bytes in `b`) without a range or with an IPv4 one, when every
/// check [`nat`] makes passes.
fn quick_nat(b: &[u8]) -> Option<Nat> {
    let flags = be16(b, 12)?;
    let present = be16(b, 14)?;
    let ok = b.get(10..12)? == [0, 0]
        && flags & !0x1f == 0
        && !(flags & NAT_SRC != 0 && flags & NAT_DST != 0)
        && !(flags & NAT_HASH != 0 && flags & NAT_RANDOM != 0);
    if !ok {
        return None;
    }
    let (v4min, v4max, pmin, pmax) = (1, 2, 16, 32);
    if present == 0 {
        return Some(Nat {
            flags,
            range: NatRange::None,
        });
    }
    // IPv4 addresses (and ports) only.
    if present & !(v4min | v4max | pmin | pmax) != 0 || present & v4min == 0 {
        return None;
    }
    let mut at = 16;
    let min = be32(b, at)?;
    at += 4;
    let mut max = 0;
    if present & v4max != 0 {
        max = be32(b, at)?;
        at += 4;
    }
    let (mut proto_min, mut proto_max) = (0, 0);
    if present & pmin != 0 {
        proto_min = be16(b, at)?;
        at += 2;
        if present & pmax != 0 {
            proto_max = be16(b, at)?;
        }
    } else if present & pmax != 0 {
        return None;
    }
    let valid = min != 0
        && (present & v4max == 0 || max >= min)
        && (present & pmin == 0 || proto_min != 0)
        && (present & pmax == 0 || proto_max >= proto_min);
    valid.then_some(Nat {
        flags,
        range: NatRange::Ipv4 {
            min: Ipv4Addr::from(min),
            max: Ipv4Addr::from(max),
            proto_min,
            proto_max,
        },
    })
}

fn nat(a: &mut Reader<'_>) -> Result<Nat> {
    at_least(a, 16)?;
    let start = a.offset();
    a.skip(10)?;
    zeros(a, 2, "nat padding")?;
    let flags = a.u16()?;
    let present = a.u16()?;
    if flags & !0x1f != 0
        || (flags & NAT_SRC != 0 && flags & NAT_DST != 0)
        || (flags & NAT_HASH != 0 && flags & NAT_RANDOM != 0)
    {
        return Err(a.error_at(start, format_args!("bad nat flags {flags:#x}")));
    }
    if present & !0x3f != 0 {
        return Err(a.error_at(start, format_args!("unknown nat range bits {present:#x}")));
    }
    let bad = |a: &Reader<'_>, why: &str| a.error_at(start, format_args!("bad nat range: {why}"));
    let mut range = NatRange::None;
    let (v4min, v4max, v6min, v6max, pmin, pmax) = (1, 2, 4, 8, 16, 32);
    if present & v4min != 0 {
        if present & (v6min | v6max) != 0 {
            return Err(bad(a, "both IPv4 and IPv6"));
        }
        if a.remaining() < 4 {
            return Err(bad(a, "truncated"));
        }
        let min = Ipv4Addr::from(a.u32()?);
        if min.is_unspecified() {
            return Err(bad(a, "zero minimum address"));
        }
        let mut max = Ipv4Addr::UNSPECIFIED;
        if present & v4max != 0 {
            if a.remaining() < 4 {
                return Err(bad(a, "truncated"));
            }
            max = Ipv4Addr::from(a.u32()?);
            if max < min {
                return Err(bad(a, "maximum below minimum"));
            }
        }
        range = NatRange::Ipv4 {
            min,
            max,
            proto_min: 0,
            proto_max: 0,
        };
    } else if present & v4max != 0 {
        return Err(bad(a, "maximum without minimum"));
    } else if present & v6min != 0 {
        if a.remaining() < 16 {
            return Err(bad(a, "truncated"));
        }
        let min = Ipv6Addr::from(u128::from_be_bytes(a.array()?));
        if min.is_unspecified() {
            return Err(bad(a, "zero minimum address"));
        }
        let mut max = Ipv6Addr::UNSPECIFIED;
        if present & v6max != 0 {
            if a.remaining() < 16 {
                return Err(bad(a, "truncated"));
            }
            max = Ipv6Addr::from(u128::from_be_bytes(a.array()?));
            if max < min {
                return Err(bad(a, "maximum below minimum"));
            }
        }
        range = NatRange::Ipv6 {
            min,
            max,
            proto_min: 0,
            proto_max: 0,
        };
    } else if present & v6max != 0 {
        return Err(bad(a, "maximum without minimum"));
    }
    if present & pmin != 0 {
        if range == NatRange::None {
            return Err(bad(a, "ports without addresses"));
        }
        if a.remaining() < 2 {
            return Err(bad(a, "truncated"));
        }
        let min = a.u16()?;
        if min == 0 {
            return Err(bad(a, "zero minimum port"));
        }
        let mut max = 0;
        if present & pmax != 0 {
            if a.remaining() < 2 {
                return Err(bad(a, "truncated"));
            }
            max = a.u16()?;
            if max < min {
                return Err(bad(a, "maximum port below minimum"));
            }
        }
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
                *proto_min = min;
                *proto_max = max;
            }
            NatRange::None => {}
        }
    } else if present & pmax != 0 {
        return Err(bad(a, "maximum port without minimum"));
    }
    // Open vSwitch ignores what follows the options (padding).
    let n = a.remaining();
    a.skip(n)?;
    Ok(Nat { flags, range })
}

/// Where nested actions are.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum NestIn {
    Top,
    Clone,
    Ct,
    WriteActions,
}

/// Open vSwitch's nesting rules (`ofpacts_verify_nested`) for a decoded list.
pub(super) fn check_nested(r: &Reader<'_>, actions: &[Action], outer: NestIn) -> Result<()> {
    if let Some(msg) = nested_violation(actions, outer) {
        return Err(r.error(msg));
    }
    Ok(())
}

/// The first violation of the nesting rules in `actions`, if any.
pub(super) fn nested_violation(actions: &[Action], outer: NestIn) -> Option<String> {
    for a in actions {
        let dst = match a {
            Action::SetField(sf) => Some(sf.field),
            Action::Move(m) => Some(m.dst.field),
            _ => None,
        };
        let ct_field = matches!(dst, Some(Field::CtMark | Field::CtLabel));
        if ct_field && outer != NestIn::Ct {
            return Some("cannot set CT fields outside of ct action".into());
        }
        if let Action::Nat(_) = a {
            if outer != NestIn::Ct {
                return Some("Cannot have NAT action outside of \"ct\" action".into());
            }
            continue;
        }
        if outer == NestIn::Ct {
            match dst {
                None => {
                    return Some(format!(
                        "ct action doesn't support nested action {}",
                        text::action_name(a)
                    ));
                }
                Some(f) if !ct_field => {
                    return Some(format!(
                        "ct action doesn't support nested modification of {}",
                        f.name()
                    ));
                }
                _ => {}
            }
        }
        if outer != NestIn::Top && matches!(a, Action::Meter(_)) {
            let o = match outer {
                NestIn::Clone => "clone",
                NestIn::Ct => "ct",
                _ => "write_actions",
            };
            return Some(format!("{o} action doesn't support nested action meter"));
        }
    }
    None
}

#[cfg(test)]
mod quick_tests {
    use super::*;
    use proptest::strategy::{Strategy, ValueTree};

    /// Whatever a quick path accepts, the general decoder decodes the same way.
    fn agree(b: &[u8], version: Version) {
        if let Some(q) = quick_action(b, version) {
            let mut r = Reader::new(b, "action");
            let g = general_action(&mut r, version, 0, &mut Spare::default());
            assert_eq!(g.ok(), Some(q), "{b:02x?}");
        }
        let nx = b.len() >= 16 && b[..2] == [0xff, 0xff] && b[4..8] == NX_VENDOR_ID.to_be_bytes();
        if nx
            && b[8..10] == [0, 35]
            && let Some(q) = quick_ct_head(b)
        {
            let mut r = Reader::new(b, "ct");
            assert_eq!(ct_head(&mut r, 0).ok(), Some(q), "{b:02x?}");
        }
        if nx
            && b[8..10] == [0, 36]
            && let Some(q) = quick_nat(b)
        {
            let mut r = Reader::new(b, "nat");
            assert_eq!(nat(&mut r).ok(), Some(q), "{b:02x?}");
        }
    }

    #[test]
    fn quick_paths_agree_with_general_decoders() {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let (mut seen, mut quick) = (0, 0);
        let texts = [
            "ct(commit,zone=NXM_NX_REG13[0..15],nat(dst=172.16.0.1:8080),\
             exec(load:0x1->NXM_NX_CT_MARK[1])),load:0x1->NXM_NX_REG10[3],resubmit(,15)",
            "load:0x1->NXM_NX_XXREG0[97],load:0x2->NXM_NX_REG15[],\
             ct(commit,zone=NXM_NX_REG11[0..15],exec(load:0->NXM_NX_CT_MARK[0])),resubmit(,45)",
            "dec_ttl,load:0xa000001->NXM_NX_XXREG0[96..127],mod_dl_src:0a:00:00:00:02:01,\
             set_field:0x5->reg3,set_field:fe80::1->ipv6_src,resubmit:3,resubmit(1,2,ct)",
            "ct(commit,zone=NXM_NX_REG12[0..15],table=13,\
             nat(src=192.168.0.1-192.168.0.9:1024-65535,random),\
             exec(load:0x7->NXM_NX_CT_LABEL[0..31]))",
            "ct(nat),ct(commit,force,zone=5,nat(src)),ct(commit,nat(dst=10.0.0.1:80))",
            "set_field:0x1000/0x1000->vlan_vid,set_field:10.0.0.1->ip_dst,\
             set_field:0x3/0xff->metadata,load:0xffffffffffffffff->xreg0[0..63]",
        ];
        let mut seeds: Vec<(Version, Vec<Action>)> = Vec::new();
        for version in Version::ALL {
            for t in texts {
                seeds.push((version, crate::action::parse_actions(t, version).unwrap()));
            }
            let s = crate::strategy::actions(version);
            for _ in 0..300 {
                seeds.push((version, s.new_tree(&mut runner).unwrap().current()));
            }
        }
        for (version, list) in seeds {
            let mut w = crate::wire::Writer::with_capacity(256);
            if crate::action::encode_actions(&list, &mut w, version).is_ok() {
                walk(w.as_slice(), version, &mut seen, &mut quick);
            }
        }
        assert!(seen > 900 && quick > 50, "{seen} actions, {quick} quick");
    }

    /// Checks every action of a list (and of the lists nested in `ct` and `clone`), each
    /// also with one byte changed.
    fn walk(bytes: &[u8], version: Version, seen: &mut usize, quick: &mut usize) {
        let mut at = 0;
        while at + 4 <= bytes.len() {
            let len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
            if len < 8 || at + len > bytes.len() {
                break;
            }
            let one = &bytes[at..at + len];
            agree(one, version);
            *seen += 1;
            *quick += usize::from(quick_action(one, version).is_some());
            for i in 0..one.len() {
                for x in [0u8, 1, 0x10, 0x80, 0xff] {
                    let mut m = one.to_vec();
                    m[i] ^= x;
                    // Lengths stay the action's own.
                    m[2..4].copy_from_slice(&(len as u16).to_be_bytes());
                    agree(&m, version);
                }
            }
            let nx = len >= 16 && one[..2] == [0xff, 0xff];
            if nx && one[8..10] == [0, 35] && len > 24 {
                walk(&one[24..], version, seen, quick);
            }
            if nx && one[8..10] == [0, 42] {
                walk(&one[16..], version, seen, quick);
            }
            at += len;
        }
    }
}
