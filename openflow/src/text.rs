//! The tokenizer of ovs-ofctl's `key=value` syntax, shared by the flow, match and action
//! parsers.
//!
//! A list is a sequence of items separated by commas or white space. An item is a bare key
//! (`ip`), `key=value` or `key:value` (the value runs to the next comma or white space, but
//! parentheses nest: `actions=ct(commit,exec(load:1->reg0))`), or `key(value)` (the value
//! runs to the matching `)`, and `key(x)->y` keeps the `->y`).

/// One item of a key-value list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Item<'a> {
    /// The key.
    pub key: &'a str,
    /// The value (empty for a bare key).
    pub value: &'a str,
    /// The character that ended the key: `=`, `:`, `(`, or `None` for a bare key.
    pub delim: Option<char>,
    /// Byte offset of the key in the text the iterator was made from.
    pub key_offset: usize,
    /// Byte offset of the value.
    pub value_offset: usize,
}

/// Iterates over the items of a key-value list; see the module documentation.
#[derive(Clone, Debug)]
pub struct KeyValues<'a> {
    s: &'a str,
    pos: usize,
    base: usize,
}

impl<'a> KeyValues<'a> {
    /// Items of `s`; offsets count from the start of `s` plus `base` (the position of `s`
    /// in a larger text, so that errors can point at columns of the whole line).
    pub fn new(s: &'a str, base: usize) -> KeyValues<'a> {
        KeyValues { s, pos: 0, base }
    }
}

#[inline]
pub(crate) fn is_sep(b: u8) -> bool {
    matches!(b, b',' | b' ' | b'\t' | b'\r' | b'\n')
}

/// The position of the first `b` in `h`, eight bytes at a time (a word is tested for a
/// byte equal to `b` with the usual zero-byte bit trick; its lowest flagged byte is
/// always a real match).
#[inline]
pub(crate) fn find_byte(h: &[u8], b: u8) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let pattern = LO.wrapping_mul(u64::from(b));
    let mut chunks = h.chunks_exact(8);
    let mut base = 0;
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let x = u64::from_le_bytes(w) ^ pattern;
        let found = x.wrapping_sub(LO) & !x & HI;
        if found != 0 {
            return Some(base + (found.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&c| c == b)
        .map(|i| base + i)
}

/// `s.split_once(b)` for an ASCII byte `b`, with [`find_byte`].
#[inline]
pub(crate) fn split_byte(s: &str, b: u8) -> Option<(&str, &str)> {
    let i = find_byte(s.as_bytes(), b)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// The position of the first occurrence of `needle` (non-empty) in `hay`, by bytes (a
/// cheaper search than `str::find` with a string pattern for the short needles of the
/// parsers).
#[inline]
pub(crate) fn find_bytes(hay: &str, needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let h = hay.as_bytes();
    let mut i = 0;
    while let Some(off) = find_byte(h.get(i..)?, first) {
        let at = i + off;
        if h.get(at + 1..at + 1 + rest.len()) == Some(rest) {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

/// The position of the first `action` in `line` (where ovs-ofctl's flow syntax starts the
/// action list). Searched by its `o`, rarer than its other letters in match fields (one
/// in `priority`; none in `table`, `metadata`, `ct_state`, `tcp`, `reg14`, `nw_dst`...):
/// the first `o` between `acti` and `n` is the fifth byte of the first `action` (an
/// `action` holds one `o`).
#[inline]
pub(crate) fn find_action(line: &str) -> Option<usize> {
    let h = line.as_bytes();
    let mut i = 4;
    while let Some(off) = find_byte(h.get(i..)?, b'o') {
        let at = i + off;
        if h.get(at - 4..at) == Some(b"acti") && h.get(at + 1) == Some(&b'n') {
            return Some(at - 4);
        }
        i = at + 1;
    }
    None
}

/// The index of the first byte of `s` from `i` on that is below `0x2d`, or `s.len()`:
/// every byte the value scanners stop at (`,`, `(`, `)`, white space) is, and few others
/// (some punctuation) are, so runs of ordinary characters are skipped eight at a time
/// (the lowest byte the word test flags is always a real one).
#[inline]
fn next_low(s: &[u8], mut i: usize) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    while let Some(w) = s.get(i..).and_then(|r| r.first_chunk::<8>()) {
        let x = u64::from_le_bytes(*w);
        let found = x.wrapping_sub(LO * 0x2d) & !x & HI;
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = s.get(i) {
        if c < 0x2d {
            return i;
        }
        i += 1;
    }
    s.len()
}

/// The end of the parenthesised group that opens at `s[start]` (the index just after its
/// `)`), or `s.len()` when it is not closed.
#[inline]
pub(crate) fn skip_parens(s: &[u8], start: usize) -> usize {
    let mut level = 0u32;
    let mut n = start;
    loop {
        n = next_low(s, n);
        let Some(&c) = s.get(n) else {
            return s.len();
        };
        n += 1;
        if c == b'(' {
            level += 1;
        } else if c == b')' {
            level = level.saturating_sub(1);
            if level == 0 {
                return n;
            }
        }
    }
}

/// Length of a value starting at `s` and ending at a separator (`to_paren`: at a `)`),
/// with parentheses nesting (an unbalanced `(` runs to the end).
#[inline]
pub(crate) fn value_len(s: &[u8], to_paren: bool) -> usize {
    let mut n = 0;
    loop {
        n = next_low(s, n);
        let Some(&c) = s.get(n) else {
            return s.len();
        };
        if (to_paren && c == b')') || (!to_paren && is_sep(c)) {
            return n;
        }
        if c == b'(' {
            n = skip_parens(s, n);
        } else {
            n += 1;
        }
    }
}

/// [`CLASS`] bit: a separator (`,` or white space), which ends keys and values.
const C_SEP: u8 = 1;
/// [`CLASS`] bit: a byte that ends a key (`:`, `=`, `(`, and the separators).
const C_KEY_END: u8 = 2;
/// [`CLASS`] bit: a byte the fast value scan stops at (the separators and `(`, after
/// which [`value_len`] takes over to skip the parenthesised group).
const C_VALUE_STOP: u8 = 4;

/// What each byte is to the tokenizer: one table load per byte instead of a chain of
/// compares.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let seps = [b',', b' ', b'\t', b'\r', b'\n'];
    let mut i = 0;
    while i < seps.len() {
        t[seps[i] as usize] = C_SEP | C_KEY_END | C_VALUE_STOP;
        i += 1;
    }
    t[b':' as usize] = C_KEY_END;
    t[b'=' as usize] = C_KEY_END;
    t[b'(' as usize] = C_KEY_END | C_VALUE_STOP;
    t
};

/// The index of the first byte of `b` from `i` on whose [`CLASS`] has a bit of `bits`, or
/// `b.len()`. Every such byte is below `below`, so runs of other bytes are skipped eight at
/// a time (as in [`next_low`]) and only the bytes below `below` are looked up.
#[inline]
fn scan_until(b: &[u8], mut i: usize, bits: u8, below: u8) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    loop {
        while let Some(w) = b.get(i..).and_then(|r| r.first_chunk::<8>()) {
            let x = u64::from_le_bytes(*w);
            let found = x.wrapping_sub(LO * u64::from(below)) & !x & HI;
            if found != 0 {
                i += (found.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        // At a byte below `below` (or in the last seven bytes): byte by byte until one
        // past the candidate.
        let Some(&c) = b.get(i) else {
            return b.len();
        };
        if CLASS[usize::from(c)] & bits != 0 {
            return i;
        }
        i += 1;
        if b.len() - i < 8 {
            while let Some(&c) = b.get(i) {
                if CLASS[usize::from(c)] & bits != 0 {
                    return i;
                }
                i += 1;
            }
            return b.len();
        }
    }
}

/// The index of the first byte of `b` from `i` on that is not a separator, or `b.len()`
/// (where the next item of a list starts).
#[inline]
pub(crate) fn skip_seps(b: &[u8], mut i: usize) -> usize {
    while b
        .get(i)
        .is_some_and(|&c| CLASS[usize::from(c)] & C_SEP != 0)
    {
        i += 1;
    }
    i
}

/// The end of the key that starts at `b[start]`: the index of the first `:`, `=`, `(` or
/// separator from there, or `b.len()`.
#[inline]
pub(crate) fn key_end(b: &[u8], start: usize) -> usize {
    scan_until(b, start, C_KEY_END, b'=' + 1)
}

/// The end of the value that starts at `b[start]`, after a key ended by `delim` (`=`, `:`
/// or `(`): the value runs to the next separator with parentheses nesting, or after a `(`
/// to the matching `)` (and on over a `->...` that follows it).
#[inline]
pub(crate) fn value_end(b: &[u8], start: usize, delim: u8) -> usize {
    if delim == b'(' {
        let rest = b.get(start..).unwrap_or(&[]);
        let mut len = value_len(rest, true);
        if rest.get(len..).is_some_and(|r| r.starts_with(b")->")) {
            len += rest.get(len..).map_or(0, |r| value_len(r, false));
        }
        start + len
    } else {
        // The usual value has no parentheses: scanned here to its end; at a `(`, the
        // general scanner goes on from there.
        let stop = scan_until(b, start, C_VALUE_STOP, b',' + 1);
        match b.get(stop) {
            Some(b'(') => stop + b.get(stop..).map_or(0, |r| value_len(r, false)),
            _ => stop,
        }
    }
}

/// Where the item after a value that ends at `end` starts looking (past the byte that
/// ended the value, if any).
#[inline]
pub(crate) fn after_value(b: &[u8], end: usize) -> usize {
    end + usize::from(end < b.len())
}

/// The item of `s` whose key spans `key_start..key_end` (from [`key_end`]), and where the
/// next item starts looking; offsets are counted from `base`.
#[inline]
pub(crate) fn item_at(s: &str, key_start: usize, key_end: usize, base: usize) -> (Item<'_>, usize) {
    let b = s.as_bytes();
    // Keys and values end at ASCII bytes (or the end), so these slices are at character
    // boundaries.
    let key = s.get(key_start..key_end).unwrap_or("");
    let delim = b.get(key_end).copied();
    let delim_char = match delim {
        Some(b':') => ':',
        Some(b'=') => '=',
        Some(b'(') => '(',
        _ => {
            let item = Item {
                key,
                value: "",
                delim: None,
                key_offset: base + key_start,
                value_offset: base + key_end,
            };
            return (item, key_end + usize::from(delim.is_some()));
        }
    };
    let value_start = key_end + 1;
    let value_end = value_end(b, value_start, delim_char as u8);
    let item = Item {
        key,
        value: s.get(value_start..value_end).unwrap_or(""),
        delim: Some(delim_char),
        key_offset: base + key_start,
        value_offset: base + value_start,
    };
    (item, after_value(b, value_end))
}

impl<'a> Iterator for KeyValues<'a> {
    type Item = Item<'a>;

    #[inline]
    fn next(&mut self) -> Option<Item<'a>> {
        let b = self.s.as_bytes();
        let key_start = skip_seps(b, self.pos);
        if key_start >= b.len() {
            self.pos = key_start;
            return None;
        }
        let key_end = key_end(b, key_start);
        let (item, next) = item_at(self.s, key_start, key_end, self.base);
        self.pos = next;
        Some(item)
    }
}

/// A pseudo-random picker for tests (xorshift, the same every run from `seed`, which must
/// not be 0): each call gives a number below its argument (which must not be 0).
#[cfg(test)]
pub(crate) fn picker(mut seed: u64) -> impl FnMut(usize) -> usize {
    move |n| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    }
}

/// Pseudo-random byte strings for tests that check a fast scanner against a plain one:
/// `count` strings of `min_len` to `max_len` bytes from `alphabet`, the same every run.
#[cfg(test)]
pub(crate) fn random_texts(
    alphabet: &[u8],
    seed: u64,
    min_len: usize,
    max_len: usize,
    count: usize,
) -> Vec<Vec<u8>> {
    let mut next = picker(seed);
    (0..count)
        .map(|_| {
            let len = min_len + next(max_len - min_len + 1);
            let mut r = next(usize::MAX) as u64;
            (0..len)
                .map(|_| {
                    r = r
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    alphabet[(r >> 33) as usize % alphabet.len()]
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-at-a-time scanners the word-at-a-time ones replace.
    fn skip_parens_ref(s: &[u8], start: usize) -> usize {
        let mut level = 0u32;
        let mut n = start;
        while let Some(&c) = s.get(n) {
            n += 1;
            if c == b'(' {
                level += 1;
            } else if c == b')' {
                level -= 1;
                if level == 0 {
                    return n;
                }
            }
        }
        s.len()
    }

    fn value_len_ref(s: &[u8], to_paren: bool) -> usize {
        let mut n = 0;
        while let Some(&c) = s.get(n) {
            if (to_paren && c == b')') || (!to_paren && is_sep(c)) {
                break;
            }
            if c == b'(' {
                n = skip_parens_ref(s, n);
            } else {
                n += 1;
            }
        }
        n
    }

    #[test]
    fn scanners_match_byte_at_a_time() {
        let alphabet = b"a0(),= \t:.-+>[]\xc3\xa9\x80\x2c\x2d\x2b";
        for t in random_texts(alphabet, 0x1234_5678_9abc_def0, 0, 39, 20000) {
            for tp in [false, true] {
                assert_eq!(value_len(&t, tp), value_len_ref(&t, tp), "{t:?}");
            }
            if let Some(i) = t.iter().position(|&c| c == b'(') {
                assert_eq!(skip_parens(&t, i), skip_parens_ref(&t, i), "{t:?}");
            }
        }
    }

    #[test]
    fn finds_bytes() {
        let s = "table=0,priority=1,ip,nw_dst=10.0.0.1,actions=drop";
        for n in 0..=s.len() {
            let h = &s[n..];
            for b in [b'a', b'=', b',', b'p', b'z', b'\x80', 0] {
                assert_eq!(find_byte(h.as_bytes(), b), h.bytes().position(|c| c == b));
            }
            for needle in ["action", "->", "a", "ip", "p,"] {
                assert_eq!(
                    find_bytes(h, needle.as_bytes()),
                    h.find(needle),
                    "{h} {needle}"
                );
            }
        }
        let hi = [0x80u8, 0xff, 0x01, 0x00, 0x7f, 0x81, 0x80, 0x00, 0x01, 0x02];
        for b in 0..=255u8 {
            for n in 0..hi.len() {
                let h = &hi[n..];
                assert_eq!(find_byte(h, b), h.iter().position(|&c| c == b));
            }
        }
    }

    /// The items as the byte-at-a-time tokenizer the table-driven one replaces finds them.
    fn items_ref(s: &str, base: usize) -> Vec<Item<'_>> {
        let b = s.as_bytes();
        let mut pos = 0;
        let mut out = Vec::new();
        loop {
            while pos < b.len() && is_sep(b[pos]) {
                pos += 1;
            }
            if pos >= b.len() {
                return out;
            }
            let key_start = pos;
            let mut key_end = key_start;
            while key_end < b.len()
                && !matches!(b[key_end], b':' | b'=' | b'(')
                && !is_sep(b[key_end])
            {
                key_end += 1;
            }
            let delim = b.get(key_end).copied();
            pos = key_end + usize::from(delim.is_some());
            let key = &s[key_start..key_end];
            let (to_paren, delim_char) = match delim {
                Some(b':') => (false, ':'),
                Some(b'=') => (false, '='),
                Some(b'(') => (true, '('),
                _ => {
                    out.push(Item {
                        key,
                        value: "",
                        delim: None,
                        key_offset: base + key_start,
                        value_offset: base + key_end,
                    });
                    continue;
                }
            };
            let value_start = pos;
            let rest = &b[value_start..];
            let mut len = value_len_ref(rest, to_paren);
            if to_paren && rest[len..].starts_with(b")->") {
                len += value_len_ref(&rest[len..], false);
            }
            out.push(Item {
                key,
                value: &s[value_start..value_start + len],
                delim: Some(delim_char),
                key_offset: base + key_start,
                value_offset: base + value_start,
            });
            pos = value_start + len + usize::from(value_start + len < b.len());
        }
    }

    #[test]
    fn tokenizer_matches_byte_at_a_time() {
        let alphabet = b"ab0_(),=: \t:.-+>[]/\xc3\xa9\x2c\x2d\x2b\x3d\x3e";
        for t in random_texts(alphabet, 0x0bad_cafe_1234_5678, 0, 59, 20000) {
            let t = String::from_utf8_lossy(&t).into_owned();
            let got: Vec<Item<'_>> = KeyValues::new(&t, 3).collect();
            assert_eq!(got, items_ref(&t, 3), "{t:?}");
        }
        let line = "table=44,priority=2002,ct_state=-new+est-rpl+trk,ct_mark=0x1/0x1,ip,\
                    reg15=0x2,metadata=0x1,nw_src=10.0.0.1,packet_type=(0,0x800) tun_metadata10=5";
        let got: Vec<Item<'_>> = KeyValues::new(line, 0).collect();
        assert_eq!(got, items_ref(line, 0));
    }

    #[test]
    fn finds_action() {
        for s in [
            "",
            "a",
            "action",
            "actions=drop",
            "xaction",
            "acaction",
            "table=1,actions=1",
            "ct_state=+trk,metadata=0x1,actions=ct(commit)",
            "cction",
            "actio",
            "aaction=",
            "c",
            "ac",
            "actionaction",
            "priority=1,actions=drop",
            "oooaction",
            "actioaction",
            "acti",
            "action=",
            "xacti\u{e9}n,action",
        ] {
            assert_eq!(find_action(s), s.find("action"), "{s:?}");
        }
    }

    fn items(s: &str) -> Vec<(&str, &str)> {
        KeyValues::new(s, 0).map(|i| (i.key, i.value)).collect()
    }

    #[test]
    fn splits_like_ovs_ofctl() {
        assert_eq!(
            items("table=0, priority=100,ip nw_dst=10.0.0.1"),
            [
                ("table", "0"),
                ("priority", "100"),
                ("ip", ""),
                ("nw_dst", "10.0.0.1")
            ]
        );
        assert_eq!(
            items("ct(commit,zone=5,exec(load:1->reg0)),resubmit(,2)"),
            [
                ("ct", "commit,zone=5,exec(load:1->reg0)"),
                ("resubmit", ",2")
            ]
        );
        assert_eq!(
            items("move:reg0[]->reg1[],check_pkt_larger(1500)->reg0[0]"),
            [
                ("move", "reg0[]->reg1[]"),
                ("check_pkt_larger", "1500)->reg0[0]")
            ]
        );
        assert_eq!(items("output:1"), [("output", "1")]);
        assert_eq!(items("  ,, "), []);
        // Unbalanced parentheses run to the end rather than panicking.
        assert_eq!(items("ct(commit"), [("ct", "commit")]);
        assert_eq!(items("a=(b,c"), [("a", "(b,c")]);
        let offs: Vec<usize> = KeyValues::new("a=1, bb=2", 10)
            .map(|i| i.key_offset)
            .collect();
        assert_eq!(offs, [10, 15]);
    }
}
