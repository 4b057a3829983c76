//! A minimal stand-in for `field::subfield` (being written on another branch): the
//! `Subfield` type with ovs-ofctl text syntax. Replaced by the real module once it lands.

use std::fmt;

use crate::error::{Error, Result};
use crate::field::Field;

/// Bits `ofs..ofs+n_bits` of a field (`reg0[0..15]`, `NXM_OF_ETH_SRC[]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Subfield {
    /// The field.
    pub field: Field,
    /// The first bit (0 = least significant).
    pub ofs: u16,
    /// The number of bits.
    pub n_bits: u16,
}

impl Subfield {
    /// The whole field.
    pub fn whole(field: Field) -> Subfield {
        Subfield {
            field,
            ofs: 0,
            n_bits: field.bits(),
        }
    }

    /// Parses `NAME[]`, `NAME[a..b]`, `NAME[a]` or `NAME` at the start of `s` (NAME an NXM
    /// header name such as `NXM_NX_REG0` or a field name such as `reg0`); returns the
    /// subfield and the rest of `s`.
    pub fn parse_prefix(s: &str) -> Result<(Subfield, &str)> {
        let name_len = s.find(['[', '-']).unwrap_or(s.len());
        let name = &s[..name_len];
        let stripped = name.strip_suffix("_W").filter(|n| !n.is_empty());
        let field = Field::from_header_name(name)
            .or_else(|| stripped.and_then(Field::from_header_name))
            .or_else(|| Field::from_name(name))
            .ok_or_else(|| Error::parse(s, 1, format_args!("unknown field `{name}'")))?;
        let mut rest = &s[name_len..];
        let bits = u32::from(field.bits());
        let (mut start, mut end) = (0u32, bits.saturating_sub(1));
        if let Some(r) = rest.strip_prefix('[') {
            let close = r.find(']').ok_or_else(|| {
                Error::parse(
                    s,
                    1,
                    "syntax error expecting [] or [<bit>] or [<start>..<end>]",
                )
            })?;
            let inner = &r[..close];
            let num = |t: &str| -> Result<u32> {
                t.parse::<u32>().map_err(|_| {
                    Error::parse(
                        s,
                        1,
                        "syntax error expecting [] or [<bit>] or [<start>..<end>]",
                    )
                })
            };
            if inner.is_empty() {
            } else if let Some((a, b)) = inner.split_once("..") {
                start = num(a)?;
                end = num(b)?;
            } else {
                start = num(inner)?;
                end = start;
            }
            rest = &r[close + 1..];
        }
        if start > end {
            return Err(Error::parse(
                s,
                1,
                format_args!("starting bit {start} is after ending bit {end}"),
            ));
        }
        if start >= bits {
            return Err(Error::parse(
                s,
                1,
                format_args!(
                    "starting bit {start} is not valid because field is only {bits} bits wide"
                ),
            ));
        }
        if end >= bits {
            return Err(Error::parse(
                s,
                1,
                format_args!(
                    "ending bit {end} is not valid because field is only {bits} bits wide"
                ),
            ));
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

    /// Parses all of `s` as a subfield.
    pub fn parse(s: &str) -> Result<Subfield> {
        let (sf, rest) = Subfield::parse_prefix(s)?;
        if !rest.is_empty() {
            return Err(Error::parse(
                s,
                1,
                "unexpected input following field syntax",
            ));
        }
        Ok(sf)
    }
}

impl fmt::Display for Subfield {
    /// As ovs-ofctl: the legacy NXM header name if the field has one, else its name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self
            .field
            .header(None)
            .map_or(self.field.name(), |h| h.name);
        f.write_str(name)?;
        if self.ofs == 0 && self.n_bits == self.field.bits() {
            f.write_str("[]")
        } else if self.n_bits == 1 {
            write!(f, "[{}]", self.ofs)
        } else {
            write!(f, "[{}..{}]", self.ofs, self.ofs + self.n_bits - 1)
        }
    }
}
