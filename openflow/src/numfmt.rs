//! Small, allocation-free number writers for the printing paths (the text ovs-ofctl prints
//! is mostly short decimal and hexadecimal numbers; `core::fmt` machinery costs more than
//! the digits themselves).
//!
//! Each function appends exactly what the `format!` spelling named in its documentation
//! would append.

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends the ASCII bytes `b` (digits here), one at a time: for a few bytes that is
/// cheaper than checking them as UTF-8 and copying.
fn push_ascii(out: &mut String, b: &[u8]) {
    out.reserve(b.len());
    for &c in b {
        push_byte(out, c);
    }
}

/// Appends one ASCII byte. The mask tells the compiler the character is one byte long
/// (no UTF-8 encoding step); every byte given here is ASCII already.
#[inline(always)]
fn push_byte(out: &mut String, c: u8) {
    out.push(char::from(c & 0x7f));
}

/// Two-character pieces of a table: `"00"` to `"ff"` (hexadecimal, 256 of them) or `"00"`
/// to `"99"` (decimal, 100), one after another.
const fn pair_table<const N: usize>(base: usize) -> [u8; N] {
    let mut t = [0u8; N];
    let mut i = 0;
    while 2 * i + 1 < N {
        t[2 * i] = HEX[i / base];
        t[2 * i + 1] = HEX[i % base];
        i += 1;
    }
    t
}

/// The bytes of [`HEX_PAIRS`].
const HEX_PAIR_BYTES: [u8; 512] = pair_table(16);
/// The bytes of [`DEC_PAIRS`].
const DEC_PAIR_BYTES: [u8; 200] = pair_table(10);

/// Every byte as two lowercase hexadecimal digits, `"00"` to `"ff"`: digits go out two at
/// a time, one 2-byte copy where pushing characters checks the capacity for each.
const HEX_PAIRS: &str = match std::str::from_utf8(&HEX_PAIR_BYTES) {
    Ok(s) => s,
    Err(_) => panic!("hexadecimal digits are ASCII"),
};

/// `"00"` to `"99"`, as [`HEX_PAIRS`] for decimal digits.
const DEC_PAIRS: &str = match std::str::from_utf8(&DEC_PAIR_BYTES) {
    Ok(s) => s,
    Err(_) => panic!("decimal digits are ASCII"),
};

/// Appends pair `i` of `table` ([`HEX_PAIRS`] or [`DEC_PAIRS`]).
#[inline(always)]
fn push_pair(out: &mut String, table: &'static str, i: usize) {
    if let Some(p) = table.get(2 * i..2 * i + 2) {
        out.push_str(p);
    }
}

/// `{v}` for an unsigned integer: one or two digits inline (the usual case: ports,
/// tables, bit offsets), more in [`dec_wide`].
#[inline]
pub(crate) fn dec(out: &mut String, v: u64) {
    if v < 10 {
        push_byte(out, b'0' + v as u8);
    } else if v < 100 {
        push_pair(out, DEC_PAIRS, v as usize);
    } else {
        dec_wide(out, v);
    }
}

/// [`dec`] of a value of three digits or more.
#[inline(never)]
fn dec_wide(out: &mut String, v: u64) {
    let digit = |d: u64| char::from((b'0' + d as u8) & 0x7f);
    if v < 1000 {
        out.push(digit(v / 100));
        push_pair(out, DEC_PAIRS, (v % 100) as usize);
    } else if v < 100_000 {
        if v >= 10_000 {
            out.push(digit(v / 10_000));
        }
        push_pair(out, DEC_PAIRS, (v / 100 % 100) as usize);
        push_pair(out, DEC_PAIRS, (v % 100) as usize);
    } else {
        let mut buf = [0u8; 20];
        let mut i = buf.len();
        let mut v = v;
        while v > 0 {
            i -= 1;
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
        push_ascii(out, &buf[i..]);
    }
}

/// `{v}` for a `u128`.
pub(crate) fn dec128(out: &mut String, v: u128) {
    match u64::try_from(v) {
        Ok(v) => dec(out, v),
        Err(_) => {
            use std::fmt::Write as _;
            let _ = write!(out, "{v}");
        }
    }
}

/// `{v:x}`: lowercase hexadecimal digits without prefix or leading zeros (`0` for zero).
#[inline]
pub(crate) fn hex(out: &mut String, v: u128) {
    if v >> 64 == 0 {
        hex64(out, v as u64);
        return;
    }
    let digits = (128 - v.leading_zeros()).div_ceil(4) as usize;
    hex_digits_wide(out, v, digits);
}

/// `{v:x}` for a `u64`.
#[inline]
pub(crate) fn hex64(out: &mut String, v: u64) {
    if v < 16 {
        // One digit, the most common case (flags, small register values).
        push_byte(out, HEX[v as usize]);
        return;
    }
    let digits = ((64 - v.leading_zeros()).div_ceil(4)) as usize;
    hex_digits64(out, v, digits);
}

/// Thirty-two zero digits, for the trailing zeros of wide values (`xxreg` writes are
/// mostly a few digits then zeros).
const ZEROS: &str = "00000000000000000000000000000000";

/// The low `digits` hexadecimal digits of `v` (at most 32), zero-padded.
#[inline]
fn hex_digits(out: &mut String, v: u128, digits: usize) {
    if digits <= 16 && v >> 64 == 0 {
        hex_digits64(out, v as u64, digits);
    } else {
        hex_digits_wide(out, v, digits);
    }
}

/// [`hex_digits`] of a value wider than 64 bits or with more than 16 digits.
#[inline(never)]
fn hex_digits_wide(out: &mut String, v: u128, digits: usize) {
    let n = digits.min(32);
    // Trailing zero digits go out in one piece.
    let zeros = if v == 0 {
        n
    } else {
        ((v.trailing_zeros() / 4) as usize).min(n)
    };
    let (v, n) = (v.checked_shr(4 * zeros as u32).unwrap_or(0), n - zeros);
    if n > 16 {
        hex_digits64(out, (v >> 64) as u64, n - 16);
        hex_digits64(out, v as u64, 16);
    } else if n > 0 {
        hex_digits64(out, v as u64, n);
    }
    out.push_str(&ZEROS[..zeros]);
}

/// The low `n` (at most 16) hexadecimal digits of `v`, zero-padded: an odd first digit
/// alone, then pairs.
#[inline]
fn hex_digits64(out: &mut String, v: u64, n: usize) {
    let n = n.min(16);
    if n % 2 == 1 {
        push_byte(out, HEX[((v >> (4 * (n - 1))) & 0xf) as usize]);
    }
    let mut i = n / 2;
    while i > 0 {
        i -= 1;
        push_pair(out, HEX_PAIRS, ((v >> (8 * i)) & 0xff) as usize);
    }
}

/// `{v:#x}`: `0x` and the hexadecimal digits (`0x0` for zero).
pub(crate) fn hex_0x(out: &mut String, v: u128) {
    out.push_str("0x");
    hex(out, v);
}

/// C's `%#x` (Open vSwitch's `ds_put_hex` of an integer): `0` for zero, else `0x...`.
pub(crate) fn hash_x(out: &mut String, v: u128) {
    if v == 0 {
        out.push('0');
    } else {
        hex_0x(out, v);
    }
}

/// `{v:#0width$x}`: `0x` and at least `width - 2` hexadecimal digits.
pub(crate) fn hex_0x_width(out: &mut String, v: u128, width: usize) {
    out.push_str("0x");
    let natural = if v == 0 {
        1
    } else {
        (128 - v.leading_zeros()).div_ceil(4) as usize
    };
    hex_digits(out, v, natural.max(width.saturating_sub(2)));
}

/// `{b:02x}`.
pub(crate) fn hex2(out: &mut String, b: u8) {
    push_pair(out, HEX_PAIRS, usize::from(b));
}

/// `{b}` for a byte: one digit, or a pair of them, or a digit and a pair.
#[inline(always)]
fn dec_u8(out: &mut String, b: u8) {
    if b < 10 {
        push_byte(out, b'0' + b);
    } else if b < 100 {
        push_pair(out, DEC_PAIRS, usize::from(b));
    } else {
        push_byte(out, b'0' + b / 100);
        push_pair(out, DEC_PAIRS, usize::from(b % 100));
    }
}

/// An IPv4 address as `a.b.c.d` (`Ipv4Addr`'s `Display`): digits one or two at a time,
/// no copy of unknown length.
pub(crate) fn ipv4(out: &mut String, v: u32) {
    let [a, b, c, d] = v.to_be_bytes();
    dec_u8(out, a);
    out.push('.');
    dec_u8(out, b);
    out.push('.');
    dec_u8(out, c);
    out.push('.');
    dec_u8(out, d);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(f: impl Fn(&mut String)) -> String {
        let mut out = String::new();
        f(&mut out);
        out
    }

    #[test]
    fn ipv4_every_byte() {
        for b in 0..=255u32 {
            for ip in [b, b << 8, b << 16 | 7, b << 24 | (255 - b)] {
                assert_eq!(s(|o| ipv4(o, ip)), std::net::Ipv4Addr::from(ip).to_string());
            }
        }
    }

    #[test]
    fn digit_pairs_as_core_fmt() {
        let mut wide = vec![0u128];
        for shift in 0..128 {
            for low in [1u128, 3, 0xf, 0x5a] {
                wide.push(low << shift);
                wide.push((low << shift).wrapping_sub(1));
            }
        }
        for v in (0..70_000u128).chain(wide) {
            assert_eq!(s(|o| dec128(o, v)), format!("{v}"));
            assert_eq!(s(|o| hex_0x(o, v)), format!("{v:#x}"));
            assert_eq!(s(|o| hex_0x_width(o, v, 6)), format!("{v:#06x}"));
            assert_eq!(s(|o| hex2(o, v as u8)), format!("{:02x}", v as u8));
        }
    }

    #[test]
    fn same_as_core_fmt() {
        let samples: [u128; 14] = [
            0,
            1,
            9,
            10,
            15,
            16,
            99,
            100,
            255,
            65535,
            0xdead_beef,
            u64::MAX as u128,
            u64::MAX as u128 + 1,
            u128::MAX,
        ];
        for v in samples {
            assert_eq!(s(|o| dec128(o, v)), format!("{v}"));
            assert_eq!(s(|o| hex(o, v)), format!("{v:x}"));
            assert_eq!(s(|o| hex_0x(o, v)), format!("{v:#x}"));
            let c = if v == 0 {
                "0".to_string()
            } else {
                format!("{v:#x}")
            };
            assert_eq!(s(|o| hash_x(o, v)), c);
            assert_eq!(s(|o| hex_0x_width(o, v, 6)), format!("{v:#06x}"));
            assert_eq!(s(|o| hex_0x_width(o, v, 7)), format!("{v:#07x}"));
            assert_eq!(s(|o| hex_0x_width(o, v, 10)), format!("{v:#010x}"));
            assert_eq!(s(|o| hex_0x_width(o, v, 4)), format!("{v:#04x}"));
            if let Ok(v) = u64::try_from(v) {
                assert_eq!(s(|o| dec(o, v)), format!("{v}"));
            }
            let b = v as u8;
            assert_eq!(s(|o| hex2(o, b)), format!("{b:02x}"));
            let ip = v as u32;
            assert_eq!(s(|o| ipv4(o, ip)), std::net::Ipv4Addr::from(ip).to_string());
        }
    }
}
