//! Wire encoding of actions, following Open vSwitch 3.1's `encode_*` choices per version.

use crate::error::{Error, Result};
use crate::field::{Field, u128_to_be};
use crate::version::Version;
use crate::wire::Writer;

use super::*;

pub(super) fn actions(
    list: &[Action],
    w: &mut Writer,
    version: Version,
    depth: usize,
) -> Result<()> {
    if depth > MAX_NESTING {
        return Err(Error::encode(
            "action list",
            format_args!("actions nested more than {MAX_NESTING} levels deep"),
        ));
    }
    for a in list {
        usual(a, w, version, depth)?;
    }
    Ok(())
}

/// [`action`], with the commonest actions (`set_field` and `load`, `resubmit`, `nat`)
/// written without its dispatch over every kind.
#[inline(always)]
pub(super) fn usual(a: &Action, w: &mut Writer, version: Version, depth: usize) -> Result<()> {
    match a {
        Action::SetField(sf) => set_field(w, version, sf),
        Action::Resubmit(r) => {
            resubmit(w, r);
            Ok(())
        }
        Action::Nat(n) => nat(w, n),
        _ => action(a, w, version, depth),
    }
}

fn of_hdr(w: &mut Writer, typ: u16, len: u16) -> usize {
    let start = w.len();
    w.u16(typ);
    w.u16(len);
    start
}

/// A 16-byte Nicira action: its header (`len` as its length) and 6 bytes of body.
fn nx_head(subtype: u8, len: u16, body: [u8; 6]) -> [u8; 16] {
    let [l0, l1] = len.to_be_bytes();
    let [v0, v1, v2, v3] = NX_VENDOR_ID.to_be_bytes();
    let [b0, b1, b2, b3, b4, b5] = body;
    [
        0xff, 0xff, l0, l1, v0, v1, v2, v3, 0, subtype, b0, b1, b2, b3, b4, b5,
    ]
}

fn nx_hdr(w: &mut Writer, subtype: u16, len: u16) -> usize {
    let start = w.len();
    w.u16(0xffff);
    w.u16(len);
    w.u32(NX_VENDOR_ID);
    w.u16(subtype);
    start
}

/// Pads the action that starts at `start` to 8 bytes and sets its length.
fn finish(w: &mut Writer, start: usize, what: &str) -> Result<()> {
    w.pad_from(start, 8);
    w.patch_len(start + 2, start, what)
}

/// Standard actions with one integer argument right after the 4-byte header.
fn of_u8(w: &mut Writer, typ: u16, v: u8) {
    of_hdr(w, typ, 8);
    w.u8(v);
    w.zeros(3);
}

fn of_u16(w: &mut Writer, typ: u16, v: u16) {
    of_hdr(w, typ, 8);
    w.u16(v);
    w.zeros(2);
}

fn of_u32(w: &mut Writer, typ: u16, v: u32) {
    of_hdr(w, typ, 8);
    w.u32(v);
}

fn of_void(w: &mut Writer, typ: u16) {
    let [t0, t1] = typ.to_be_bytes();
    w.bytes(&[t0, t1, 0, 8, 0, 0, 0, 0]);
}

fn nx_void(w: &mut Writer, subtype: u16) {
    nx_hdr(w, subtype, 16);
    w.zeros(6);
}

/// Writes the header of `field` (4 or 8 bytes) as chosen for `version` (`None`: the
/// legacy NXM header, as Nicira actions use), with the field's width as length (124 bytes
/// for `tun_metadata`, as Open vSwitch writes it).
fn put_header(w: &mut Writer, field: Field, version: Option<Version>) -> Result<()> {
    field.oxm_header(version, false, field.bytes())?.encode(w);
    Ok(())
}

/// The 32-bit NXM/OXM header of `field` (Open vSwitch's `mf_nxm_header`), if it has one.
pub(super) fn nxm_header32(field: Field) -> Option<u32> {
    // `Field::header_word(None, false, n)` for the usual width, from the table.
    let n = field.bytes();
    if n <= 64 {
        return field.plain_header_word(None).map(|word| word | n as u32);
    }
    match field.header_word(None, false, n) {
        Ok((raw, None)) => Some(raw),
        _ => None,
    }
}

/// The bytes a `tun_metadata` value (and mask) of a set_field takes on the wire, as Open
/// vSwitch's `mf_field_len`: the longer of value and mask without their leading zero
/// bytes (an exact value has no mask).
pub(crate) fn tun_metadata_len(value: u128, mask: Option<u128>) -> usize {
    let sig = |x: u128| 16 - (x.leading_zeros() / 8) as usize;
    sig(value).max(mask.map_or(0, sig))
}

fn header32(field: Field, what: &str) -> Result<u32> {
    nxm_header32(field).ok_or_else(|| {
        Error::encode(
            what,
            format_args!("{} has no 32-bit NXM/OXM header", field.name()),
        )
    })
}

fn ofs_nbits(sf: &Subfield) -> u16 {
    (sf.ofs << 6) | (sf.n_bits.wrapping_sub(1) & 0x3f)
}

fn put_entry(
    w: &mut Writer,
    field: Field,
    version: Option<Version>,
    value: u128,
    mask: Option<u128>,
) -> Result<()> {
    // tun_metadata, the only fields wider than 16 bytes, take as many bytes as the value
    // needs.
    let n = if field.is_tun_metadata() {
        tun_metadata_len(value, mask)
    } else {
        field.bytes()
    };
    field.put_entry(w, version, n, value, mask)
}

/// `OFPAT_SET_FIELD` of an exact value.
fn put_set_field(w: &mut Writer, version: Version, field: Field, value: u128) -> Result<()> {
    set_field_action(w, version, field, value, None)
}

#[inline(always)]
fn set_field_to_set_field(w: &mut Writer, version: Version, sf: &SetField) -> Result<()> {
    let mask = (!sf.is_exact()).then_some(sf.mask);
    set_field_entry(w, version, sf.field, sf.value & sf.mask, mask)
}

/// `OFPAT_SET_FIELD` of `field`: its entry for `version` (with `mask`, if any), padded to
/// 8 bytes. The commonest (a 4-byte header and at most 8 bytes of value, and of mask: 16
/// or 24 bytes in all) is built from 64-bit words and written at once, and so is one of a
/// 16-byte field.
#[inline(never)]
fn set_field_action(
    w: &mut Writer,
    version: Version,
    field: Field,
    value: u128,
    mask: Option<u128>,
) -> Result<()> {
    set_field_entry(w, version, field, value, mask)
}

/// [`set_field_action`], inlined into the encoder of `set_field` and `load` (the commonest
/// actions).
#[inline(always)]
fn set_field_entry(
    w: &mut Writer,
    version: Version,
    field: Field,
    value: u128,
    mask: Option<u128>,
) -> Result<()> {
    let n = field.bytes();
    // What `field.header_word(Some(version), mask.is_some(), n)` gives for a plain header,
    // from the table.
    let word = field.plain_header_word(Some(version)).map(|word| {
        word | u32::from(mask.is_some()) << 8 | (n << usize::from(mask.is_some())) as u32
    });
    if (1..=8).contains(&n)
        && !field.is_tun_metadata()
        && let Some(raw) = word
    {
        // The value's (and the mask's) `n` low bytes moved to the top of a word.
        let shift = 8 * (8 - n) as u32;
        let mut buf = [0u8; 24];
        buf[..4].copy_from_slice(&[0, 25, 0, 16]);
        buf[4..8].copy_from_slice(&raw.to_be_bytes());
        buf[8..16].copy_from_slice(&((value as u64) << shift).to_be_bytes());
        match mask {
            None => w.bytes(&buf[..16]),
            Some(m) => {
                buf[8 + n..16 + n].copy_from_slice(&((m as u64) << shift).to_be_bytes());
                if 8 + 2 * n <= 16 {
                    w.bytes(&buf[..16]);
                } else {
                    buf[3] = 24;
                    w.bytes(&buf);
                }
            }
        }
        return Ok(());
    }
    if n == 16
        && let Some(raw) = word
    {
        // 128-bit fields (`xxreg`, `ct_label`, IPv6 addresses): 24 or 40 bytes in all.
        let mut buf = [0u8; 40];
        buf[..4].copy_from_slice(&[0, 25, 0, 24]);
        buf[4..8].copy_from_slice(&raw.to_be_bytes());
        buf[8..24].copy_from_slice(&value.to_be_bytes());
        match mask {
            None => w.bytes(&buf[..24]),
            Some(m) => {
                buf[3] = 40;
                buf[24..40].copy_from_slice(&m.to_be_bytes());
                w.bytes(&buf);
            }
        }
        return Ok(());
    }
    set_field_wide(w, version, field, value, mask)
}

/// [`set_field_action`] for the other fields: built on the stack and written at once for a
/// field of at most 16 bytes, field by field for tun_metadata.
#[inline(never)]
fn set_field_wide(
    w: &mut Writer,
    version: Version,
    field: Field,
    value: u128,
    mask: Option<u128>,
) -> Result<()> {
    let n = field.bytes();
    if n > 16 || field.is_tun_metadata() {
        let start = of_hdr(w, 25, 0);
        put_entry(w, field, Some(version), value, mask)?;
        return finish(w, start, "set_field");
    }
    // Type and length (4), the entry (at most 40), padding.
    let mut buf = [0u8; 48];
    let len = field.entry_at(&mut buf, 4, Some(version), n, value, mask)?;
    let padded = len.next_multiple_of(8);
    buf[..4].copy_from_slice(&[0, 25, 0, padded as u8]);
    w.bytes(&buf[..padded]);
    Ok(())
}

/// The next contiguous run of mask bits (at most 64) at or after bit `from`, as Open
/// vSwitch's `next_load_segment`: `(ofs, n_bits)`.
pub(super) fn next_load_segment(sf: &SetField, from: u32) -> Option<(u32, u32)> {
    let bits = u32::from(sf.field.bits()).min(128);
    let mut ofs = from;
    while ofs < bits && sf.mask >> ofs & 1 == 0 {
        ofs += 1;
    }
    if ofs >= bits {
        return None;
    }
    let limit = (ofs + 64).min(bits);
    let mut end = ofs + 1;
    while end < limit && sf.mask >> end & 1 == 1 {
        end += 1;
    }
    Some((ofs, end - ofs))
}

/// Whether a set_field goes out as `NXAST_REG_LOAD2` rather than `NXAST_REG_LOAD`s.
pub(super) fn uses_reg_load2(sf: &SetField) -> bool {
    // Open vSwitch sends variable-length fields (tun_metadata) as reg_load2 too.
    sf.form == SetFieldForm::RegLoad2
        || sf.field.is_tun_metadata()
        || nxm_header32(sf.field).is_none()
}

fn set_field_to_nxast(w: &mut Writer, sf: &SetField) -> Result<()> {
    if uses_reg_load2(sf) {
        let start = nx_hdr(w, 33, 0);
        let mask = (!sf.is_exact()).then_some(sf.mask);
        put_entry(w, sf.field, None, sf.value & sf.mask, mask)?;
        return finish(w, start, "reg_load2");
    }
    let header = header32(sf.field, "load")?;
    let mut from = 0;
    while let Some((ofs, n)) = next_load_segment(sf, from) {
        nx_hdr(w, 7, 24);
        w.u16((ofs as u16) << 6 | (n as u16 - 1));
        w.u32(header);
        let v = (sf.value >> ofs)
            & if n >= 64 {
                u128::from(u64::MAX)
            } else {
                (1u128 << n) - 1
            };
        w.u64(v as u64);
        from = ofs + n;
    }
    Ok(())
}

/// Whether `a` encodes to no bytes under `version`: a masked write of no bits sent as
/// `NXAST_REG_LOAD`s.
pub(super) fn emits_nothing(a: &Action, version: Version) -> bool {
    match a {
        Action::SetField(sf) => {
            version < Version::Of15
                && (sf.form != SetFieldForm::SetField || !sf.is_exact())
                && !uses_reg_load2(sf)
                && next_load_segment(sf, 0).is_none()
        }
        _ => false,
    }
}

/// `set_field` or `load` as Open vSwitch writes it for `version`.
#[inline]
pub(super) fn set_field(w: &mut Writer, version: Version, sf: &SetField) -> Result<()> {
    if version >= Version::Of15 {
        set_field_to_set_field(w, version, sf)
    } else if sf.form != SetFieldForm::SetField || !sf.is_exact() {
        set_field_to_nxast(w, sf)
    } else {
        set_field_to_set_field(w, version, sf)
    }
}

/// The field `mod_tp_src`/`mod_tp_dst` become, given the IP protocol.
pub(super) fn l4_field(ip_proto: Option<u8>, src: bool) -> Option<Field> {
    Some(match (ip_proto?, src) {
        (6, true) => Field::TcpSrc,
        (6, false) => Field::TcpDst,
        (17, true) => Field::UdpSrc,
        (17, false) => Field::UdpDst,
        (132, true) => Field::SctpSrc,
        (132, false) => Field::SctpDst,
        _ => return None,
    })
}

fn mac_u128(m: &[u8; 6]) -> u128 {
    m.iter().fold(0u128, |acc, b| acc << 8 | u128::from(*b))
}

fn instruction_error(a: &Action) -> Error {
    Error::encode(
        text::action_name(a),
        "is an instruction, not an action (use actions_to_instructions)",
    )
}

/// `NXAST_CT` of `ct`, its nested actions `depth + 1` deep.
pub(super) fn ct(w: &mut Writer, ct: &Ct, version: Version, depth: usize) -> Result<()> {
    let start = w.len();
    let (src, zone) = match &ct.zone {
        CtZone::Field(sf) => match header32(sf.field, "ct zone") {
            Ok(h) => (h, ofs_nbits(sf)),
            Err(e) => {
                // What the field-by-field writer leaves behind.
                nx_hdr(w, 35, 0);
                w.u16(ct.flags);
                return Err(e);
            }
        },
        CtZone::Imm(z) => (0, *z),
    };
    let [f0, f1] = ct.flags.to_be_bytes();
    let [s0, s1, s2, s3] = src.to_be_bytes();
    let [z0, z1] = zone.to_be_bytes();
    let [a0, a1] = ct.alg.to_be_bytes();
    let head = nx_head(35, 0, [f0, f1, s0, s1, s2, s3]);
    let mut buf = [0u8; 24];
    buf[..16].copy_from_slice(&head);
    buf[16..].copy_from_slice(&[z0, z1, ct.recirc_table, 0, 0, 0, a0, a1]);
    w.bytes(&buf);
    actions(&ct.actions, w, version, depth + 1)?;
    w.patch_len(start + 2, start, "ct")
}

/// `NXAST_RESUBMIT` (or `NXAST_RESUBMIT_TABLE`, or `_CT`) of `r`.
#[inline]
fn resubmit(w: &mut Writer, r: &Resubmit) {
    let [p0, p1] = r.in_port.0.to_be_bytes();
    let (subtype, table) = if r.table == 255 && r.legacy && !r.ct {
        (1, 0)
    } else {
        (if r.ct { 44 } else { 14 }, r.table)
    };
    w.bytes(&nx_head(subtype, 16, [p0, p1, table, 0, 0, 0]));
}

/// The plain `dec_ttl` (the one controller id 0, no `cnt_ids`): `OFPAT_DEC_NW_TTL`.
pub(super) fn dec_ttl_plain(w: &mut Writer) {
    of_void(w, 24);
}

pub(super) fn action(a: &Action, w: &mut Writer, version: Version, depth: usize) -> Result<()> {
    match a {
        Action::Output { port, max_len } => {
            let [p0, p1, p2, p3] = port.to_ofp11().to_be_bytes();
            let [m0, m1] = max_len.to_be_bytes();
            w.bytes(&[0, 0, 0, 16, p0, p1, p2, p3, m0, m1, 0, 0, 0, 0, 0, 0]);
        }
        Action::OutputReg { src, max_len, reg2 } => {
            let h = nxm_header32(src.field);
            match h {
                Some(h) if !reg2 => {
                    nx_hdr(w, 15, 24);
                    w.u16(ofs_nbits(src));
                    w.u32(h);
                    w.u16(*max_len);
                    w.zeros(6);
                }
                _ => {
                    let start = nx_hdr(w, 32, 24);
                    w.u16(ofs_nbits(src));
                    w.u16(*max_len);
                    put_header(w, src.field, None)?;
                    w.pad_from(start, 24);
                    finish(w, start, "output_reg2")?;
                }
            }
        }
        Action::OutputTrunc { port, max_len } => {
            nx_hdr(w, 39, 16);
            w.u16(port.0);
            w.u32(*max_len);
        }
        Action::Enqueue { port, queue } => {
            of_u32(w, 21, *queue);
            of_hdr(w, 0, 16);
            w.u32(port.to_ofp11());
            w.u16(u16::MAX);
            w.zeros(6);
            nx_void(w, 5);
        }
        Action::Group(g) => of_u32(w, 22, *g),
        Action::Controller(c) => controller(w, c)?,
        Action::Bundle(b) => {
            let members_len = (2 * b.members.len()).next_multiple_of(8);
            let len = u16::try_from(32 + members_len)
                .map_err(|_| Error::encode("bundle", "too many members"))?;
            nx_hdr(w, if b.dst.is_some() { 13 } else { 12 }, len);
            w.u16(b.algorithm);
            w.u16(b.fields);
            w.u16(b.basis);
            w.u32(0x0000_0002);
            w.u16(b.members.len() as u16);
            match &b.dst {
                Some(d) => {
                    w.u16(ofs_nbits(d));
                    w.u32(header32(d.field, "bundle_load")?);
                }
                None => {
                    w.u16(0);
                    w.u32(0);
                }
            }
            w.zeros(4);
            let start = w.len();
            for m in &b.members {
                w.u16(m.0);
            }
            w.pad_from(start, 8);
        }
        Action::SetField(sf) => set_field(w, version, sf)?,
        Action::SetVlanVid {
            vid,
            push_if_needed,
            flow_has_vlan,
        } => {
            if *push_if_needed && !flow_has_vlan {
                of_u16(w, 17, 0x8100);
            }
            put_set_field(w, version, Field::VlanVid, u128::from(*vid | 0x1000))?;
        }
        Action::SetVlanPcp {
            pcp,
            push_if_needed,
            flow_has_vlan,
        } => {
            if *push_if_needed && !flow_has_vlan {
                of_u16(w, 17, 0x8100);
            }
            put_set_field(w, version, Field::VlanPcp, u128::from(*pcp))?;
        }
        Action::StripVlan { .. } => of_void(w, 18),
        Action::PushVlan(et) => of_u16(w, 17, *et),
        Action::SetEthSrc(m) => put_set_field(w, version, Field::EthSrc, mac_u128(m))?,
        Action::SetEthDst(m) => put_set_field(w, version, Field::EthDst, mac_u128(m))?,
        Action::SetIpv4Src(ip) => {
            put_set_field(w, version, Field::IpSrc, u128::from(u32::from(*ip)))?
        }
        Action::SetIpv4Dst(ip) => {
            put_set_field(w, version, Field::IpDst, u128::from(u32::from(*ip)))?
        }
        Action::SetIpDscp(tos) => put_set_field(w, version, Field::IpDscp, u128::from(tos >> 2))?,
        Action::SetIpEcn(ecn) => put_set_field(w, version, Field::NwEcn, u128::from(*ecn))?,
        Action::SetIpTtl(ttl) => of_u8(w, 23, *ttl),
        Action::SetL4SrcPort { port, ip_proto } => match l4_field(*ip_proto, true) {
            Some(f) => put_set_field(w, version, f, u128::from(*port))?,
            None => of_u16(w, 9, *port),
        },
        Action::SetL4DstPort { port, ip_proto } => match l4_field(*ip_proto, false) {
            Some(f) => put_set_field(w, version, f, u128::from(*port))?,
            None => of_u16(w, 10, *port),
        },
        Action::Move(m) => reg_move(w, version, m)?,
        Action::StackPush(sf) | Action::StackPop(sf) => {
            let start = nx_hdr(
                w,
                if matches!(a, Action::StackPush(_)) {
                    27
                } else {
                    28
                },
                24,
            );
            w.u16(sf.ofs);
            put_header(w, sf.field, None)?;
            w.u16(sf.n_bits);
            w.pad_from(start, 24);
            finish(w, start, "stack")?;
        }
        Action::DecTtl {
            controller_ids,
            cnt_ids,
        } => {
            if *cnt_ids || controller_ids.as_slice() != [0] {
                let start = nx_hdr(w, 21, 0);
                let n = u16::try_from(controller_ids.len())
                    .map_err(|_| Error::encode("dec_ttl", "too many controller ids"))?;
                w.u16(n);
                w.zeros(4);
                for id in controller_ids {
                    w.u16(*id);
                }
                finish(w, start, "dec_ttl")?;
            } else {
                dec_ttl_plain(w);
            }
        }
        Action::SetMplsLabel(l) => put_set_field(w, version, Field::MplsLabel, u128::from(*l))?,
        Action::SetMplsTc(tc) => put_set_field(w, version, Field::MplsTc, u128::from(*tc))?,
        Action::SetMplsTtl(t) => of_u8(w, 15, *t),
        Action::DecMplsTtl => of_void(w, 16),
        Action::PushMpls(et) => of_u16(w, 19, *et),
        Action::PopMpls(et) => of_u16(w, 20, *et),
        Action::DecNshTtl => nx_void(w, 48),
        Action::DeleteField(f) => {
            let start = nx_hdr(w, 50, 24);
            put_header(w, *f, None)?;
            w.pad_from(start, 24);
            finish(w, start, "delete_field")?;
        }
        Action::SetTunnel { id, .. } => put_set_field(w, version, Field::TunId, u128::from(*id))?,
        Action::SetQueue(q) => of_u32(w, 21, *q),
        Action::PopQueue => nx_void(w, 5),
        Action::FinTimeout { idle, hard } => {
            nx_hdr(w, 19, 16);
            w.u16(*idle);
            w.u16(*hard);
            w.zeros(2);
        }
        Action::Resubmit(r) => resubmit(w, r),
        Action::Learn(l) => learn(w, l)?,
        Action::Conjunction {
            id,
            clause,
            n_clauses,
        } => {
            nx_hdr(w, 34, 16);
            w.u8(*clause);
            w.u8(*n_clauses);
            w.u32(*id);
        }
        Action::Multipath(m) => {
            nx_hdr(w, 10, 32);
            w.u16(m.fields);
            w.u16(m.basis);
            w.u16(0);
            w.u16(m.algorithm);
            w.u16(m.max_link);
            w.u32(m.arg);
            w.u16(0);
            w.u16(ofs_nbits(&m.dst));
            w.u32(header32(m.dst.field, "multipath")?);
        }
        Action::Note(data) => {
            let start = nx_hdr(w, 8, 0);
            w.bytes(data);
            finish(w, start, "note")?;
        }
        Action::Exit => nx_void(w, 17),
        Action::Sample(s) => {
            let subtype = if s.form == 3 || s.direction != 0 {
                41
            } else if s.form == 2 || s.sampling_port != OfpPort::NONE {
                38
            } else {
                29
            };
            nx_hdr(w, subtype, if subtype == 29 { 24 } else { 32 });
            w.u16(s.probability);
            w.u32(s.collector_set_id);
            w.u32(s.obs_domain_id);
            w.u32(s.obs_point_id);
            if subtype != 29 {
                w.u16(s.sampling_port.0);
                w.u8(s.direction);
                w.zeros(5);
            }
        }
        Action::Ct(c) => ct(w, c, version, depth)?,
        Action::CtClear => nx_void(w, 43),
        Action::Nat(n) => nat(w, n)?,
        Action::Clone(inner) => {
            let start = nx_hdr(w, 42, 0);
            w.zeros(6);
            actions(inner, w, version, depth + 1)?;
            w.patch_len(start + 2, start, "clone")?;
        }
        Action::CheckPktLarger { pkt_len, dst } => {
            let start = nx_hdr(w, 49, 24);
            w.u16(*pkt_len);
            w.u16(dst.ofs);
            put_header(w, dst.field, None)?;
            w.pad_from(start, 24);
            finish(w, start, "check_pkt_larger")?;
        }
        Action::Meter(m) => {
            if version >= Version::Of15 {
                of_u32(w, 29, *m);
            } else {
                return Err(Error::encode(
                    "meter",
                    format_args!("is an instruction, not an action, in {version}"),
                ));
            }
        }
        Action::WriteMetadata { value, mask } => {
            nx_hdr(w, 22, 32);
            w.zeros(6);
            w.u64(*value);
            w.u64(*mask);
        }
        Action::ClearActions | Action::WriteActions(_) | Action::GotoTable(_) => {
            return Err(instruction_error(a));
        }
        Action::DebugRecirc => nx_void(w, 255),
        Action::DebugSlow => nx_void(w, 254),
        Action::Unknown(bytes) => {
            let ok = bytes.len() >= 8
                && bytes.len() % 8 == 0
                && usize::from(u16::from_be_bytes([bytes[2], bytes[3]])) == bytes.len();
            if !ok {
                return Err(Error::encode(
                    "raw action",
                    "bytes are not one action (length field, multiple of 8)",
                ));
            }
            w.bytes(bytes);
        }
        Action::UnknownInstruction(_) => return Err(instruction_error(a)),
    }
    Ok(())
}

fn reg_move(w: &mut Writer, version: Version, m: &Move) -> Result<()> {
    let start;
    if version >= Version::Of15 {
        start = of_hdr(w, 28, 0);
        w.u16(m.dst.n_bits);
        w.u16(m.src.ofs);
        w.u16(m.dst.ofs);
        w.zeros(2);
        put_header(w, m.src.field, Some(version))?;
        put_header(w, m.dst.field, Some(version))?;
    } else if m.form == MoveForm::CopyField {
        start = w.len();
        w.u16(0xffff);
        w.u16(0);
        w.u32(ONF_VENDOR_ID);
        w.u16(3200);
        w.zeros(2);
        w.u16(m.dst.n_bits);
        w.u16(m.src.ofs);
        w.u16(m.dst.ofs);
        w.zeros(2);
        put_header(w, m.src.field, Some(version))?;
        put_header(w, m.dst.field, Some(version))?;
    } else {
        start = nx_hdr(w, 6, 0);
        w.u16(m.dst.n_bits);
        w.u16(m.src.ofs);
        w.u16(m.dst.ofs);
        put_header(w, m.src.field, None)?;
        put_header(w, m.dst.field, None)?;
    }
    finish(w, start, "move")
}

fn controller(w: &mut Writer, c: &Controller) -> Result<()> {
    if !c.userdata.is_empty() || c.pause || c.meter_id != 0 || c.controller2 {
        let start = nx_hdr(w, 37, 0);
        w.zeros(6);
        let prop = |w: &mut Writer, typ: u16, body: &[u8]| -> Result<()> {
            let len = u16::try_from(4 + body.len())
                .map_err(|_| Error::encode("controller", "userdata too long"))?;
            let s = w.len();
            w.u16(typ);
            w.u16(len);
            w.bytes(body);
            w.pad_from(s, 8);
            Ok(())
        };
        // 16-bit properties are 8 bytes long (value and two zero bytes), as OpenFlow
        // and Open vSwitch do.
        if c.max_len != u16::MAX {
            let [a, b] = c.max_len.to_be_bytes();
            prop(w, 0, &[a, b, 0, 0])?;
        }
        if c.controller_id != 0 {
            let [a, b] = c.controller_id.to_be_bytes();
            prop(w, 1, &[a, b, 0, 0])?;
        }
        if c.reason != REASON_ACTION {
            prop(w, 2, &[c.reason])?;
        }
        if !c.userdata.is_empty() {
            prop(w, 3, &c.userdata)?;
        }
        if c.pause {
            prop(w, 4, &[])?;
        }
        if c.meter_id != 0 {
            prop(w, 5, &c.meter_id.to_be_bytes())?;
        }
        finish(w, start, "controller")
    } else {
        nx_hdr(w, 20, 16);
        w.u16(c.max_len);
        w.u16(c.controller_id);
        w.u8(c.reason);
        w.u8(0);
        Ok(())
    }
}

fn learn(w: &mut Writer, l: &Learn) -> Result<()> {
    let write_result = l.flags & LEARN_WRITE_RESULT != 0;
    if write_result != l.result_dst.is_some() {
        return Err(Error::encode(
            "learn",
            "the write-result flag and result_dst must be set together",
        ));
    }
    let learn2 = l.learn2 || l.limit != 0 || write_result;
    let start = nx_hdr(w, if learn2 { 45 } else { 16 }, 0);
    w.u16(l.idle_timeout);
    w.u16(l.hard_timeout);
    w.u16(l.priority);
    w.u64(l.cookie);
    w.u16(l.flags);
    w.u8(l.table_id);
    w.u8(0);
    w.u16(l.fin_idle_timeout);
    w.u16(l.fin_hard_timeout);
    if learn2 {
        w.u32(l.limit);
        w.u16(l.result_dst.as_ref().map_or(0, |r| r.ofs));
        w.u16(0);
        if let Some(r) = &l.result_dst {
            put_header(w, r.field, None)?;
        }
    }
    let sub = |w: &mut Writer, sf: &Subfield| -> Result<()> {
        w.u32(header32(sf.field, "learn")?);
        w.u16(sf.ofs);
        Ok(())
    };
    let imm = |w: &mut Writer, value: u128, n_bits: u16| {
        let n16 = 2 * usize::from(n_bits.div_ceil(16));
        let n8 = usize::from(n_bits.div_ceil(8));
        w.zeros(n16 - n8);
        u128_to_be(value, n8, w);
    };
    for spec in &l.specs {
        let (n_bits, typ) = match spec {
            LearnSpec::MatchField { dst, .. } => (dst.n_bits, 0),
            LearnSpec::MatchValue { dst, .. } => (dst.n_bits, 0x2000),
            LearnSpec::LoadField { dst, .. } => (dst.n_bits, 0x0800),
            LearnSpec::LoadValue { dst, .. } => (dst.n_bits, 0x2800),
            LearnSpec::Output { src } => (src.n_bits, 0x1000),
        };
        if n_bits == 0 || n_bits > 0x3ff {
            return Err(Error::encode("learn", format_args!("{n_bits}-bit spec")));
        }
        w.u16(n_bits | typ);
        match spec {
            LearnSpec::MatchField { dst, src } | LearnSpec::LoadField { dst, src } => {
                sub(w, src)?;
                sub(w, dst)?;
            }
            LearnSpec::MatchValue { dst, value } | LearnSpec::LoadValue { dst, value } => {
                if n_bits > 128 {
                    return Err(Error::encode("learn", "immediate wider than 128 bits"));
                }
                imm(w, *value, n_bits);
                sub(w, dst)?;
            }
            LearnSpec::Output { src } => sub(w, src)?,
        }
    }
    finish(w, start, "learn")
}

fn nat(w: &mut Writer, n: &Nat) -> Result<()> {
    // Header (10), padding (2), flags (2), present bits (2), then at most two IPv6
    // addresses and two ports, padded to 8: built on the stack and written at once.
    let mut buf = [0u8; 56];
    let mut len = 16;
    let mut put = |bytes: &[u8]| {
        buf[len..len + bytes.len()].copy_from_slice(bytes);
        len += bytes.len();
    };
    let mut present = 0u16;
    let (pmin, pmax) = match &n.range {
        NatRange::None => (0, 0),
        NatRange::Ipv4 {
            min,
            max,
            proto_min,
            proto_max,
        } => {
            if !min.is_unspecified() {
                put(&min.octets());
                present |= 1;
            }
            if !max.is_unspecified() {
                put(&max.octets());
                present |= 2;
            }
            (*proto_min, *proto_max)
        }
        NatRange::Ipv6 {
            min,
            max,
            proto_min,
            proto_max,
        } => {
            if !min.is_unspecified() {
                put(&min.octets());
                present |= 4;
            }
            if !max.is_unspecified() {
                put(&max.octets());
                present |= 8;
            }
            (*proto_min, *proto_max)
        }
    };
    if pmin != 0 {
        put(&pmin.to_be_bytes());
        present |= 16;
    }
    if pmax != 0 {
        put(&pmax.to_be_bytes());
        present |= 32;
    }
    let padded = len.next_multiple_of(8);
    let [f0, f1] = n.flags.to_be_bytes();
    let [p0, p1] = present.to_be_bytes();
    buf[..16].copy_from_slice(&nx_head(36, padded as u16, [0, 0, f0, f1, p0, p1]));
    w.bytes(&buf[..padded]);
    Ok(())
}
