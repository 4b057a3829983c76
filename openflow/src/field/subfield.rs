//! Subfields: a run of bits within a field (`reg0[0..15]`, `NXM_OF_ETH_DST[]`), as
//! Nicira actions (`move`, `load`, `learn`, `multipath`, `output:reg`...) use them.
//!
//! Text follows Open vSwitch's `mf_parse_subfield` and `mf_format_subfield`: a field name
//! (ovs-ofctl name, alias, or NXM/OXM header name with an optional `_W`), then `[]` (the
//! whole field), `[N]` (one bit) or `[A..B]` (bits A through B inclusive); no brackets
//! means the whole field. Display uses the field's legacy NXM header name where it has one
//! (`NXM_NX_REG0[0..15]`), as ovs-ofctl prints.
//!
//! On the wire a subfield is an NXM/OXM header (`nx_put_header`/`nx_pull_header`: 4 bytes,
//! or 8 for experimenter OXMs) plus an offset and a bit count whose layout depends on the
//! action; [`ofs_nbits`] and [`Subfield::from_ofs_nbits`] handle the common packed form.

use std::fmt;

use super::{Field, OxmHeader};
use crate::error::{Error, Result};
use crate::version::Version;
use crate::wire::{Reader, Writer};

/// A run of `n_bits` bits starting at bit `ofs` (0 is the least significant) of `field`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Subfield {
    /// The field.
    pub field: Field,
    /// The first bit, counting from the least significant.
    pub ofs: u16,
    /// How many bits (at least 1).
    pub n_bits: u16,
}

impl Subfield {
    /// The subfield `[ofs..ofs + n_bits - 1]` of `field`; fails unless it lies within the
    /// field and is at least one bit wide.
    pub fn new(field: Field, ofs: u16, n_bits: u16) -> Result<Subfield> {
        let sf = Subfield { field, ofs, n_bits };
        sf.check()?;
        Ok(sf)
    }

    /// The whole of `field` (`field[]`).
    pub fn whole(field: Field) -> Subfield {
        Subfield {
            field,
            ofs: 0,
            n_bits: field.bits(),
        }
    }

    /// Whether this subfield covers all of its field.
    pub fn is_whole(&self) -> bool {
        self.ofs == 0 && self.n_bits == self.field.bits()
    }

    /// Whether a value for this subfield fits the 16 bytes values are kept in: the whole
    /// field, or bits within 0..127 (only `tun_metadata` is wider).
    pub fn fits_value(&self) -> bool {
        self.is_whole() || u32::from(self.ofs) + u32::from(self.n_bits) <= 128
    }

    /// Fails unless the subfield is non-empty and within its field.
    pub fn check(&self) -> Result<()> {
        let bits = u32::from(self.field.bits());
        if self.n_bits == 0 || u32::from(self.ofs) + u32::from(self.n_bits) > bits {
            return Err(Error::encode(
                self,
                format_args!(
                    "bits {}..{} are outside the {bits}-bit field {}",
                    self.ofs,
                    i32::from(self.ofs) + i32::from(self.n_bits) - 1,
                    self.field.name()
                ),
            ));
        }
        Ok(())
    }

    /// A mask of this subfield's bits within its field's value.
    pub fn mask(&self) -> u128 {
        let ones = if self.n_bits >= 128 {
            u128::MAX
        } else {
            (1u128 << self.n_bits) - 1
        };
        ones.checked_shl(u32::from(self.ofs)).unwrap_or(0)
    }

    /// Parses a whole string as a subfield (`reg0[0..15]`, `reg0[5]`, `reg0[]`,
    /// `NXM_NX_REG0[0..15]`, `OXM_OF_VLAN_VID[]`, `eth_dst`).
    pub fn parse(s: &str) -> Result<Subfield> {
        match Self::parse_simple(s) {
            Some(sf) => Ok(sf),
            None => Self::parse_at(s, 1),
        }
    }

    /// [`Subfield::parse`] of the usual spellings (see [`Subfield::parse_simple_prefix`])
    /// in one pass; `None` for anything else, which [`Subfield::parse_at`] reads (the same
    /// way) or rejects.
    #[inline]
    pub(crate) fn parse_simple(s: &str) -> Option<Subfield> {
        Self::parse_simple_prefix(s).and_then(|(sf, n)| (n == s.len()).then_some(sf))
    }

    /// A subfield in its usual spelling at the start of `s`, and how many bytes it takes:
    /// a name that names a field, up to the first `[` or byte below `0`, then nothing,
    /// `[]`, `[N]` or `[A..B]` (plain decimal numbers) within the field. `None` for
    /// anything else.
    ///
    /// When what follows is the end of `s` or a separator (`,`, white space, `)`), this is
    /// what [`Subfield::parse_prefix`] reads there.
    #[inline]
    pub(crate) fn parse_simple_prefix(s: &str) -> Option<(Subfield, usize)> {
        Self::parse_simple_prefix_bytes(s.as_bytes())
    }

    /// [`Subfield::parse_simple_prefix`] of the text whose bytes are `b`.
    #[inline(always)]
    pub(crate) fn parse_simple_prefix_bytes(b: &[u8]) -> Option<(Subfield, usize)> {
        let (field, n) = match nxm_register(b) {
            Some(r) => r,
            None => {
                let n = name_stop(b);
                (lookup_name(std::str::from_utf8(b.get(..n)?).ok()?)?, n)
            }
        };
        if b.get(n) != Some(&b'[') {
            return Some((Subfield::whole(field), n));
        }
        if b.get(n + 1) == Some(&b']') {
            return Some((Subfield::whole(field), n + 2));
        }
        let (start, i) = bit_number(b, n + 1)?;
        let (end, i) = match b.get(i)? {
            b']' => (start, i),
            b'.' if b.get(i + 1) == Some(&b'.') => {
                let (end, j) = bit_number(b, i + 2)?;
                (b.get(j) == Some(&b']')).then_some((end, j))?
            }
            _ => return None,
        };
        if start > end || end >= u32::from(field.bits()) {
            return None;
        }
        let sf = Subfield {
            field,
            ofs: start as u16,
            n_bits: (end - start + 1) as u16,
        };
        Some((sf, i + 1))
    }

    /// [`Subfield::parse`], naming `column` as the position of `s` in errors.
    pub fn parse_at(s: &str, column: usize) -> Result<Subfield> {
        let (sf, rest) = Self::parse_prefix_at(s, column)?;
        if !rest.is_empty() {
            return Err(Error::parse(
                s,
                column,
                "unexpected input following field syntax",
            ));
        }
        Ok(sf)
    }

    /// Parses a subfield at the start of `s`, returning it and the rest of `s` (as
    /// Open vSwitch's `mf_parse_subfield__`, used by `move:A->B`).
    pub fn parse_prefix(s: &str) -> Result<(Subfield, &str)> {
        Self::parse_prefix_at(s, 1)
    }

    /// [`Subfield::parse_prefix`], naming `column` as the position of `s` in errors.
    pub fn parse_prefix_at(s: &str, column: usize) -> Result<(Subfield, &str)> {
        let err = |reason: String| Error::parse(s, column, reason);
        let name_len = name_end(s.as_bytes());
        let name = s.get(..name_len).unwrap_or(s);
        let field = lookup_name(name).ok_or_else(|| err(format!("{s}: unknown field `{name}'")))?;
        let bits = i64::from(field.bits());
        let mut rest = s.get(name_len..).unwrap_or("");
        let (mut start, mut end) = (0i64, bits - 1);
        if let Some(after) = rest.strip_prefix('[') {
            if let Some((range, used)) = simple_brackets(after.as_bytes()) {
                // The usual `[]`, `[N]`, `[A..B]`, read in one pass.
                if let Some((a, b)) = range {
                    (start, end) = (a, b);
                }
                rest = after.get(used..).unwrap_or("");
            } else {
                let close = rest.bytes().position(|c| c == b']').ok_or_else(|| {
                    err(format!(
                        "{s}: syntax error expecting [] or [<bit>] or [<start>..<end>]"
                    ))
                })?;
                let inner = &rest[1..close];
                if !inner.is_empty() {
                    let parsed = simple_range(inner.as_bytes()).or_else(|| {
                        let dots = crate::text::find_bytes(inner, b"..");
                        match dots.and_then(|i| Some((inner.get(..i)?, inner.get(i + 2..)?))) {
                            Some((a, b)) => scan_int(a).zip(scan_int(b)),
                            None => scan_int(inner).map(|a| (a, a)),
                        }
                    });
                    let Some((a, b)) = parsed else {
                        return Err(err(format!(
                            "{s}: syntax error expecting [] or [<bit>] or [<start>..<end>]"
                        )));
                    };
                    (start, end) = (a, b);
                }
                rest = &rest[close + 1..];
            }
        }
        if start > end {
            return Err(err(format!(
                "{s}: starting bit {start} is after ending bit {end}"
            )));
        } else if start >= bits {
            return Err(err(format!(
                "{s}: starting bit {start} is not valid because field is only {bits} bits wide"
            )));
        } else if end >= bits {
            return Err(err(format!(
                "{s}: ending bit {end} is not valid because field is only {bits} bits wide"
            )));
        } else if start < 0 {
            return Err(err(format!("{s}: starting bit {start} is negative")));
        }
        Ok((
            Subfield {
                field,
                ofs: start as u16,
                n_bits: (end - start + 1) as u16,
            },
            rest,
        ))
    }

    /// Writes this subfield's field header as Nicira actions do (`nx_put_header`): the
    /// header `Field::header(version)` picks (`None`: prefer legacy NXM), unmasked, with
    /// the field's full width as length.
    pub fn encode_header(&self, w: &mut Writer, version: Option<Version>) -> Result<()> {
        put_header(self.field, w, version, false)
    }

    /// Reads a field header as Nicira actions do (`nx_pull_header`) and returns the field
    /// and whether the header had its mask bit set. Unknown headers, and known headers with
    /// the wrong length, are errors naming the header.
    pub fn decode_header(r: &mut Reader<'_>) -> Result<(Field, bool)> {
        pull_header(r)
    }
}

/// Writes `field`'s NXM/OXM header (4 bytes, or 8 for an experimenter header), with
/// `masked` set as asked and the field's width as length (twice with a mask), chosen for
/// `version` as [`Field::header`] does.
pub fn put_header(
    field: Field,
    w: &mut Writer,
    version: Option<Version>,
    masked: bool,
) -> Result<()> {
    let h = field.oxm_header(version, masked, field.bytes())?;
    h.encode(w);
    Ok(())
}

/// Reads an NXM/OXM header naming a known field with the right length (any length for
/// `tun_metadata`), as Open vSwitch's `nx_pull_header`; returns the field and whether the
/// mask bit was set.
pub fn pull_header(r: &mut Reader<'_>) -> Result<(Field, bool)> {
    let at = r.offset();
    let h = OxmHeader::decode(r)?;
    let field = header_field(&h)
        .ok_or_else(|| r.error_at(at, format_args!("unknown field {}", HeaderName(&h))))?;
    Ok((field, h.hasmask))
}

/// The field `h` names, provided its length fits the field (as Open vSwitch's
/// `nxm_field_by_header`: the exact width, twice with a mask, any width up to the maximum
/// for `tun_metadata`).
pub fn header_field(h: &OxmHeader) -> Option<Field> {
    let f = h.field()?;
    let payload = h.length as usize - if h.experimenter.is_some() { 4 } else { 0 };
    let want = f.bytes() * if h.hasmask { 2 } else { 1 };
    if payload == want || (f.is_tun_metadata() && payload <= want) {
        Some(f)
    } else {
        None
    }
}

/// Displays an OXM header as `class:field` (with the experimenter id, if any), the way
/// errors name unknown headers.
pub struct HeaderName<'a>(pub &'a OxmHeader);

impl fmt::Display for HeaderName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = self.0;
        match h.field() {
            Some(field) => write!(f, "{}", field.header(None).map_or(field.name(), |s| s.name))?,
            None => write!(f, "{:#06x}:{}", h.class, h.field)?,
        }
        if let Some(e) = h.experimenter {
            write!(f, " (experimenter {e:#010x})")?;
        }
        write!(
            f,
            "{} with length {}",
            if h.hasmask { "_W" } else { "" },
            h.length
        )
    }
}

/// The packed `ofs_nbits` of NXAST_REG_LOAD and friends: `ofs << 6 | (n_bits - 1)`.
pub fn ofs_nbits(ofs: u16, n_bits: u16) -> u16 {
    ofs << 6 | (n_bits.saturating_sub(1) & 0x3f)
}

impl Subfield {
    /// The subfield of `field` described by a packed `ofs_nbits` (see [`ofs_nbits`]);
    /// fails (naming the offset of `r`'s last read) when it does not fit the field.
    pub fn from_ofs_nbits(field: Field, packed: u16) -> Result<Subfield> {
        Subfield::new(field, packed >> 6, (packed & 0x3f) + 1)
    }
}

/// The commonest subfield names, `NXM_NX_REG<N>` and `NXM_NX_XXREG<N>` (`N` in plain
/// decimal), and the conntrack fields OVN loads, `NXM_NX_CT_MARK` and `NXM_NX_CT_LABEL`,
/// recognised without the name tables: the field and the name's length, when the name ends
/// there (at the end, a `[` or a byte below `0`, as for [`name_stop`]). The tables name the
/// same fields (as a test checks); any other name is left to them.
#[inline(always)]
fn nxm_register(b: &[u8]) -> Option<(Field, usize)> {
    // The first 8 bytes at once: `NXM_NX_` and the letter that tells the names apart.
    const PREFIX: u64 = u64::from_le_bytes(*b"NXM_NX_\0");
    let head = u64::from_le_bytes(*b.first_chunk::<8>()?);
    if head & 0x00ff_ffff_ffff_ffff != PREFIX {
        return None;
    }
    let rest = b.get(8..).unwrap_or_default();
    let (field, end) = match (head >> 56) as u8 {
        b'R' => match rest {
            [b'E', b'G', digits @ ..] => {
                let (n, len) = reg_number(digits)?;
                (Field::reg(n)?, 10 + len)
            }
            _ => return None,
        },
        b'X' => match rest {
            [b'X', b'R', b'E', b'G', digits @ ..] => {
                let (n, len) = reg_number(digits)?;
                (Field::xxreg(n)?, 12 + len)
            }
            _ => return None,
        },
        b'C' => match rest {
            [b'T', b'_', b'M', b'A', b'R', b'K', ..] => (Field::CtMark, 14),
            [b'T', b'_', b'L', b'A', b'B', b'E', b'L', ..] => (Field::CtLabel, 15),
            _ => return None,
        },
        _ => return None,
    };
    // The name ends there: at the end, a `[` or a byte below `0`, as for [`name_stop`].
    b.get(end)
        .is_none_or(|&c| c == b'[' || c < b'0')
        .then_some((field, end))
}

/// A register number at the start of `b`: one digit, or two without a leading zero; its
/// value and length. (A longer number is not a register's: the name then does not end
/// where [`nxm_register`] looks.)
#[inline(always)]
fn reg_number(b: &[u8]) -> Option<(u8, usize)> {
    match b {
        [d @ b'1'..=b'9', e @ b'0'..=b'9', ..] => Some(((d - b'0') * 10 + (e - b'0'), 2)),
        [d @ b'0'..=b'9', ..] => Some((d - b'0', 1)),
        _ => None,
    }
}

/// A bit number of 1 to 5 decimal digits at `b[i..]` (no field is wider than 65535 bits),
/// not followed by another digit: its value and the index after it.
#[inline(always)]
fn bit_number(b: &[u8], i: usize) -> Option<(u32, usize)> {
    let mut v = 0u32;
    let mut j = i;
    while let Some(&c) = b.get(j) {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        if j - i == 5 {
            return None;
        }
        v = v * 10 + u32::from(d);
        j += 1;
    }
    (j > i).then_some((v, j))
}

/// The field a subfield's name names: an NXM/OXM header name (with or without `_W`), else
/// a field name or alias; only fields with a known width.
#[inline]
fn lookup_name(name: &str) -> Option<Field> {
    let unmasked = name.strip_suffix("_W").filter(|n| !n.is_empty());
    unmasked
        .and_then(Field::from_header_name)
        .or_else(|| Field::from_header_name(name))
        .or_else(|| Field::from_name(name))
        .filter(|f| f.info().bits > 0)
}

/// The index of the first `[` or byte below `0` (`-`, `,`, `)`, white space...) in `b`,
/// or `b.len()`: where a name in the usual spelling ends.
fn name_stop(b: &[u8]) -> usize {
    find_flagged(
        b,
        |x| {
            let open = x ^ (LO * u64::from(b'['));
            let low = x.wrapping_sub(LO * u64::from(b'0')) & !x;
            (open.wrapping_sub(LO) & !open | low) & HI
        },
        |c| c == b'[' || c < b'0',
    )
}

/// The length of the field name at the start of `b`: the position of the first `[` or `-`
/// (or `b.len()`).
fn name_end(b: &[u8]) -> usize {
    find_flagged(
        b,
        |x| {
            let open = x ^ (LO * u64::from(b'['));
            let dash = x ^ (LO * u64::from(b'-'));
            (open.wrapping_sub(LO) & !open | dash.wrapping_sub(LO) & !dash) & HI
        },
        |c| c == b'[' || c == b'-',
    )
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// The index of the first byte of `b` that `stop` takes (or `b.len()`), eight bytes at a
/// time: `flags` marks (in bit 7 of each byte of a little-endian word) the bytes `stop`
/// takes, with the usual zero-byte bit trick, whose lowest flagged byte is always a real
/// one; the tail is read a byte at a time.
#[inline(always)]
fn find_flagged(b: &[u8], flags: impl Fn(u64) -> u64, stop: impl Fn(u8) -> bool) -> usize {
    let mut i = 0;
    while let Some(w) = b.get(i..).and_then(|r| r.first_chunk::<8>()) {
        let found = flags(u64::from_le_bytes(*w));
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if stop(c) {
            return i;
        }
        i += 1;
    }
    b.len()
}

/// The usual bracket forms after a field name's `[`: `]` (the whole field: `None`), `N]` or
/// `A..B]` with plain decimal numbers of at most 9 digits, and how many bytes they take
/// (through the `]`). `None` for anything else, which the general reader handles (the
/// same forms read the same there).
fn simple_brackets(b: &[u8]) -> Option<(Option<(i64, i64)>, usize)> {
    /// The decimal number at `b[i..]` (1 to 9 digits) and the index after it.
    fn num(b: &[u8], mut i: usize) -> Option<(i64, usize)> {
        let from = i;
        let mut v = 0i64;
        while let Some(&c) = b.get(i) {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            v = v * 10 + i64::from(d);
            i += 1;
            if i - from > 9 {
                return None;
            }
        }
        (i > from).then_some((v, i))
    }
    if b.first() == Some(&b']') {
        return Some((None, 1));
    }
    let (a, i) = num(b, 0)?;
    match b.get(i)? {
        b']' => Some((Some((a, a)), i + 1)),
        b'.' if b.get(i + 1) == Some(&b'.') => {
            let (z, j) = num(b, i + 2)?;
            (b.get(j) == Some(&b']')).then_some((Some((a, z)), j + 1))
        }
        _ => None,
    }
}

/// `N` or `A..B` in plain decimal digits (at most 9 each), the usual spelling of a bit
/// range, read without the general scanner's white space and sign handling; `None` for
/// anything else (which [`scan_int`] then reads).
fn simple_range(inner: &[u8]) -> Option<(i64, i64)> {
    fn num(d: &[u8]) -> Option<i64> {
        if d.is_empty() || d.len() > 9 {
            return None;
        }
        let mut v = 0i64;
        for &c in d {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Some(v)
    }
    match inner.iter().position(|&c| c == b'.') {
        None => num(inner).map(|a| (a, a)),
        Some(i) if inner.get(i + 1) == Some(&b'.') => {
            Some((num(inner.get(..i)?)?, num(inner.get(i + 2..)?)?))
        }
        Some(_) => None,
    }
}

fn scan_int(s: &str) -> Option<i64> {
    let t = s.trim_start();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) || digits.len() > 9 {
        return None;
    }
    let v = digits
        .bytes()
        .fold(0i64, |v, c| v * 10 + i64::from(c - b'0'));
    Some(if neg { -v } else { v })
}

impl Subfield {
    /// Appends the subfield as its [`Display`](fmt::Display) form does (`NXM_NX_REG0[0..15]`),
    /// without the formatting machinery.
    pub fn format(&self, out: &mut String) {
        let name = self
            .field
            .header(None)
            .map_or(self.field.name(), |h| h.name);
        out.push_str(name);
        if self.is_whole() {
            out.push_str("[]");
        } else {
            out.push('[');
            crate::numfmt::dec(out, u64::from(self.ofs));
            if self.n_bits != 1 {
                out.push_str("..");
                crate::numfmt::dec(
                    out,
                    (u64::from(self.ofs) + u64::from(self.n_bits)).saturating_sub(1),
                );
            }
            out.push(']');
        }
    }
}

impl fmt::Display for Subfield {
    /// As ovs-ofctl prints (`mf_format_subfield`): the legacy NXM header name where the
    /// field has one (`NXM_NX_REG0`), otherwise the field name; then `[]`, `[N]` or `[A..B]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self
            .field
            .header(None)
            .map_or(self.field.name(), |h| h.name);
        f.write_str(name)?;
        if self.is_whole() {
            f.write_str("[]")
        } else if self.n_bits == 1 {
            write!(f, "[{}]", self.ofs)
        } else {
            write!(
                f,
                "[{}..{}]",
                self.ofs,
                u32::from(self.ofs) + u32::from(self.n_bits) - 1
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_scanners_match_byte_at_a_time() {
        let alphabet = b"aZ_0[]-,.() \x80\xc3";
        for t in crate::text::random_texts(alphabet, 0x5eed_5ca7, 0, 30, 20000) {
            let stop = t
                .iter()
                .position(|&c| c == b'[' || c < b'0')
                .unwrap_or(t.len());
            let end = t
                .iter()
                .position(|&c| c == b'[' || c == b'-')
                .unwrap_or(t.len());
            assert_eq!((name_stop(&t), name_end(&t)), (stop, end), "{t:?}");
        }
    }

    #[test]
    fn parse_and_display() {
        let sf = Subfield::parse("reg0[0..15]").unwrap();
        assert_eq!((sf.field, sf.ofs, sf.n_bits), (Field::Reg0, 0, 16));
        assert_eq!(sf.to_string(), "NXM_NX_REG0[0..15]");
        let sf = Subfield::parse("reg0[5]").unwrap();
        assert_eq!((sf.ofs, sf.n_bits), (5, 1));
        assert_eq!(sf.to_string(), "NXM_NX_REG0[5]");
        assert_eq!(
            Subfield::parse("reg0[]").unwrap().to_string(),
            "NXM_NX_REG0[]"
        );
        assert_eq!(
            Subfield::parse("reg0").unwrap().to_string(),
            "NXM_NX_REG0[]"
        );
        assert_eq!(
            Subfield::parse("NXM_NX_REG3[0..15]").unwrap(),
            Subfield::new(Field::Reg3, 0, 16).unwrap()
        );
        assert_eq!(
            Subfield::parse("NXM_OF_ETH_DST_W[]").unwrap().field,
            Field::EthDst
        );
        assert_eq!(
            Subfield::parse("OXM_OF_METADATA[]").unwrap().to_string(),
            "OXM_OF_METADATA[]"
        );
        assert_eq!(
            Subfield::parse("dl_src[40..47]").unwrap().to_string(),
            "NXM_OF_ETH_SRC[40..47]"
        );
        assert_eq!(
            Subfield::parse("xreg3[0..63]").unwrap().to_string(),
            "OXM_OF_PKT_REG3[]"
        );
        assert!(Subfield::parse("reg0[16..40]").is_err());
        assert!(Subfield::parse("reg0[5..3]").is_err());
        assert!(Subfield::parse("reg0[x]").is_err());
        assert!(Subfield::parse("bogus[]").is_err());
        assert!(Subfield::parse("reg0[1]x").is_err());
        let (sf, rest) = Subfield::parse_prefix("reg1[0..3]->reg2[0..3]").unwrap();
        assert_eq!(sf.field, Field::Reg1);
        assert_eq!(rest, "->reg2[0..3]");
    }

    #[test]
    fn registers_as_the_tables_name_them() {
        for n in 0..20u8 {
            for (name, field) in [
                (format!("NXM_NX_REG{n}"), Field::reg(n)),
                (format!("NXM_NX_XXREG{n}"), Field::xxreg(n)),
            ] {
                assert_eq!(lookup_name(&name), field, "{name}");
                assert_eq!(
                    nxm_register(name.as_bytes()).map(|(f, _)| f),
                    field,
                    "{name}"
                );
                for s in [format!("{name}[1]"), format!("{name}[]"), name.clone()] {
                    assert_eq!(
                        Subfield::parse_simple(&s),
                        Subfield::parse_at(&s, 1).ok(),
                        "{s}"
                    );
                }
            }
        }
        for name in ["NXM_NX_CT_MARK", "NXM_NX_CT_LABEL"] {
            let field = lookup_name(name);
            assert!(field.is_some(), "{name}");
            assert_eq!(
                nxm_register(name.as_bytes()),
                field.map(|f| (f, name.len()))
            );
            for s in [
                format!("{name}[1]"),
                format!("{name}[]"),
                format!("{name}[0..31]"),
                format!("{name}[3..2]"),
                name.to_string(),
            ] {
                assert_eq!(
                    Subfield::parse_simple(&s),
                    Subfield::parse_at(&s, 1).ok(),
                    "{s}"
                );
            }
            // A name that only starts like them is the tables' to judge.
            for s in [format!("{name}_W"), format!("{name}X"), format!("{name}0")] {
                assert_eq!(nxm_register(s.as_bytes()), None, "{s}");
                assert_eq!(
                    Subfield::parse_simple(&s),
                    Subfield::parse_at(&s, 1).ok(),
                    "{s}"
                );
            }
        }
        for s in [
            "NXM_NX_REG01[]",
            "NXM_NX_REG1x[]",
            "NXM_NX_REG",
            "NXM_NX_REG16",
            "NXM_NX_REG1_W",
            "NXM_NX_CT_MAR",
            "NXM_NX_CT_LABELS",
        ] {
            assert_eq!(nxm_register(s.as_bytes()), None, "{s}");
        }
    }

    #[test]
    fn wire_headers() {
        let mut w = Writer::new();
        Subfield::whole(Field::Reg1)
            .encode_header(&mut w, None)
            .unwrap();
        assert_eq!(w.as_slice(), &[0x00, 0x01, 0x02, 0x04]);
        let mut r = Reader::new(w.as_slice(), "t");
        assert_eq!(
            Subfield::decode_header(&mut r).unwrap(),
            (Field::Reg1, false)
        );
        // An experimenter header round-trips.
        let mut w = Writer::new();
        put_header(Field::TcpFlags, &mut w, Some(Version::Of13), false).unwrap();
        assert_eq!(w.len(), 8);
        let mut r = Reader::new(w.as_slice(), "t");
        assert_eq!(pull_header(&mut r).unwrap(), (Field::TcpFlags, false));
        // Wrong length: unknown.
        let mut r = Reader::new(&[0x00, 0x01, 0x02, 0x08], "t");
        let e = pull_header(&mut r).unwrap_err().to_string();
        assert!(e.contains("NXM_NX_REG1"), "{e}");
        assert_eq!(ofs_nbits(4, 16), 4 << 6 | 15);
        assert_eq!(
            Subfield::from_ofs_nbits(Field::Reg0, ofs_nbits(4, 16)).unwrap(),
            Subfield::new(Field::Reg0, 4, 16).unwrap()
        );
        assert!(Subfield::from_ofs_nbits(Field::Reg0, ofs_nbits(20, 16)).is_err());
    }
}
