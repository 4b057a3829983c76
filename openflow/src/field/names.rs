//! Field-name look-up tables built at compile time: open addressing over a hash of the
//! name's length and its first and last eight bytes, so a look-up hashes in constant time
//! and compares names of up to 16 bytes as two words (no string comparison call).

use super::table::INFO_DATA;
use super::{ALL, Field, N_FIELDS};

/// Slots per table (a power of two, about four times the names it holds).
const SLOTS: usize = 1024;

/// One name of a table.
#[derive(Clone, Copy)]
struct Slot {
    /// The name's first 8 bytes, little-endian, zero-padded.
    first: u64,
    /// The name's last 8 bytes (the first ones for a name of at most 8 bytes).
    last: u64,
    /// The name's length.
    len: u32,
    /// The field's index plus one; 0 for an empty slot.
    field: u8,
    /// Which of the field's names: 0 its name, 1 its alias, 2 + k its k-th header's name.
    which: u8,
}

const EMPTY: Slot = Slot {
    first: 0,
    last: 0,
    len: 0,
    field: 0,
    which: 0,
};

/// The table of canonical names and aliases ([`Field::from_name`]).
static BY_NAME: [Slot; SLOTS] = build(false);
/// The table of NXM/OXM header names ([`Field::from_header_name`]).
static BY_HEADER_NAME: [Slot; SLOTS] = build(true);

/// The name `which` of field `i`.
const fn name_of(i: usize, which: u8) -> &'static str {
    let info = &INFO_DATA[i];
    match which {
        0 => info.name,
        1 => match info.alias {
            Some(a) => a,
            None => "",
        },
        k => info.headers[k as usize - 2].name,
    }
}

/// [`words`] for compile time.
const fn const_words(b: &[u8]) -> (u64, u64) {
    let n = b.len();
    let mut first = 0u64;
    let mut i = 0;
    while i < 8 && i < n {
        first |= (b[i] as u64) << (8 * i);
        i += 1;
    }
    if n <= 8 {
        return (first, first);
    }
    let mut last = 0u64;
    let mut i = 0;
    while i < 8 {
        last |= (b[n - 8 + i] as u64) << (8 * i);
        i += 1;
    }
    (first, last)
}

/// The first and last 8 bytes of `b` as little-endian words (zero-padded when shorter).
#[inline]
fn words(b: &[u8]) -> (u64, u64) {
    let n = b.len();
    if let (Some(f), Some(l)) = (b.first_chunk::<8>(), b.last_chunk::<8>()) {
        return (u64::from_le_bytes(*f), u64::from_le_bytes(*l));
    }
    // Shorter than 8 bytes: two overlapping 4-byte loads (the bytes they share are the
    // same, so or-ing them is exact), or the bytes one by one below 4.
    let first = match (b.first_chunk::<4>(), b.last_chunk::<4>()) {
        (Some(f), Some(l)) => {
            u64::from(u32::from_le_bytes(*f)) | u64::from(u32::from_le_bytes(*l)) << (8 * (n - 4))
        }
        _ => b.iter().rev().fold(0u64, |w, &c| w << 8 | u64::from(c)),
    };
    (first, first)
}

#[inline]
const fn hash(first: u64, last: u64, len: usize) -> usize {
    let h =
        (first ^ last.rotate_left(23) ^ ((len as u64) << 56)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (h >> 54) as usize & (SLOTS - 1)
}

const fn const_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Adds name `which` of field `i`; a name already present takes the later field (as
/// inserting into a map would).
const fn insert(t: &mut [Slot; SLOTS], i: usize, which: u8) {
    let b = name_of(i, which).as_bytes();
    let (first, last) = const_words(b);
    let mut h = hash(first, last, b.len());
    loop {
        let s = t[h];
        if s.field == 0 {
            t[h] = Slot {
                first,
                last,
                len: b.len() as u32,
                field: i as u8 + 1,
                which,
            };
            return;
        }
        if const_eq(name_of(s.field as usize - 1, s.which).as_bytes(), b) {
            t[h].field = i as u8 + 1;
            t[h].which = which;
            return;
        }
        h = (h + 1) & (SLOTS - 1);
    }
}

const fn build(headers: bool) -> [Slot; SLOTS] {
    let mut t = [EMPTY; SLOTS];
    let mut i = 0;
    while i < N_FIELDS {
        let info = &INFO_DATA[i];
        if headers {
            let mut k = 0;
            while k < info.headers.len() {
                insert(&mut t, i, 2 + k as u8);
                k += 1;
            }
        } else {
            insert(&mut t, i, 0);
            if info.alias.is_some() {
                insert(&mut t, i, 1);
            }
        }
        i += 1;
    }
    t
}

#[inline]
fn lookup(t: &[Slot; SLOTS], name: &str) -> Option<Field> {
    let b = name.as_bytes();
    let (first, last) = words(b);
    let mut h = hash(first, last, b.len());
    loop {
        let s = t.get(h)?;
        if s.field == 0 {
            return None;
        }
        if s.len as usize == b.len() && s.first == first && s.last == last {
            if b.len() > 16 {
                // A tail call, so that this stays a leaf that saves no registers.
                return lookup_long(t, name, h);
            }
            return ALL.get(usize::from(s.field) - 1).copied();
        }
        h = (h + 1) & (SLOTS - 1);
    }
}

/// [`lookup`] of a name longer than 16 bytes (whose first and last words alone do not
/// tell it apart) from slot `h` on, comparing whole names: out of line.
#[cold]
#[inline(never)]
fn lookup_long(t: &[Slot; SLOTS], name: &str, mut h: usize) -> Option<Field> {
    let b = name.as_bytes();
    let (first, last) = words(b);
    loop {
        let s = t.get(h)?;
        if s.field == 0 {
            return None;
        }
        if s.len as usize == b.len()
            && s.first == first
            && s.last == last
            && name_of(usize::from(s.field) - 1, s.which) == name
        {
            return ALL.get(usize::from(s.field) - 1).copied();
        }
        h = (h + 1) & (SLOTS - 1);
    }
}

/// The field with canonical name or alias `name`.
#[inline]
pub(super) fn by_name(name: &str) -> Option<Field> {
    lookup(&BY_NAME, name)
}

/// The field with an NXM/OXM header named `name`.
#[inline]
pub(super) fn by_header_name(name: &str) -> Option<Field> {
    lookup(&BY_HEADER_NAME, name)
}

/// One name of a [`KeyTable`].
#[derive(Clone, Copy)]
struct KeySlot {
    /// As [`Slot::first`].
    first: u64,
    /// As [`Slot::last`].
    last: u64,
    /// The name's length.
    len: u32,
    /// What the name is: a field's index plus one (below 256), or `(list + 1) << 8 | k`
    /// for the `k`-th name of extra list `list`; 0 for an empty slot.
    code: u16,
    /// For a field: 0 its name, 1 its alias.
    which: u8,
}

const EMPTY_KEY: KeySlot = KeySlot {
    first: 0,
    last: 0,
    len: 0,
    code: 0,
    which: 0,
};

/// What a [`KeyTable`] says a name is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Key {
    /// A field, by its name or alias.
    Field(Field),
    /// Name `index` of the table's extra list `list`.
    Extra {
        /// Which extra list.
        list: u8,
        /// Which name of it.
        index: u8,
    },
}

/// One look-up table over the fields' names and aliases and some extra lists of names
/// (a flow line's keywords and protocol shorthands): a key of a flow line is told apart
/// with one hash and one or two word compares, whatever it is. Built at compile time
/// like the field tables; a name in an extra list takes precedence over a field of the
/// same name, and a later list over an earlier one.
pub(crate) struct KeyTable {
    slots: [KeySlot; SLOTS],
    extra: &'static [&'static [&'static str]],
}

/// A field's code in a [`KeyTable`] (its index plus one) stays below 256.
const _: () = assert!(N_FIELDS < 255, "field codes must stay below 256");

impl KeyTable {
    /// The table of every field name and alias and the names of `extra` (at most 255
    /// lists of at most 256 names each).
    pub(crate) const fn new(extra: &'static [&'static [&'static str]]) -> KeyTable {
        // Codes below 256 are fields (index + 1, asserted below 256 above); list `l`'s name
        // `k` is `(l + 1) << 8 | k`.
        assert!(extra.len() < 255, "too many extra lists for their codes");
        let mut l = 0;
        while l < extra.len() {
            assert!(extra[l].len() <= 256, "too many names in an extra list");
            l += 1;
        }
        let mut t = KeyTable {
            slots: [EMPTY_KEY; SLOTS],
            extra,
        };
        let mut i = 0;
        while i < N_FIELDS {
            t.insert(i as u16 + 1, 0);
            if INFO_DATA[i].alias.is_some() {
                t.insert(i as u16 + 1, 1);
            }
            i += 1;
        }
        let mut l = 0;
        while l < extra.len() {
            let mut k = 0;
            while k < extra[l].len() {
                t.insert(((l as u16) + 1) << 8 | k as u16, 0);
                k += 1;
            }
            l += 1;
        }
        t
    }

    /// The name a code (and `which`) stands for.
    const fn name(&self, code: u16, which: u8) -> &'static str {
        if code < 256 {
            name_of(code as usize - 1, which)
        } else {
            self.extra[(code >> 8) as usize - 1][(code & 0xff) as usize]
        }
    }

    /// Adds a name; one already present takes the later code.
    const fn insert(&mut self, code: u16, which: u8) {
        let b = self.name(code, which).as_bytes();
        let (first, last) = const_words(b);
        let mut h = hash(first, last, b.len());
        loop {
            let s = self.slots[h];
            if s.code == 0 {
                self.slots[h] = KeySlot {
                    first,
                    last,
                    len: b.len() as u32,
                    code,
                    which,
                };
                return;
            }
            if const_eq(self.name(s.code, s.which).as_bytes(), b) {
                self.slots[h].code = code;
                self.slots[h].which = which;
                return;
            }
            h = (h + 1) & (SLOTS - 1);
        }
    }

    /// What `name` is, if the table has it (what [`KeyTable::get_in`] is tested against).
    #[cfg(test)]
    pub(crate) fn get(&self, name: &str) -> Option<Key> {
        let (first, last) = words(name.as_bytes());
        self.get_words(name.as_bytes(), first, last)
    }

    /// What the key `text[start..end]` is, if the table has it. Its words are read from
    /// `text` around it when it can: two 8-byte loads (the first masked to the key's
    /// bytes when it is shorter) instead of [`words`]' cases by length.
    #[inline(always)]
    pub(crate) fn get_in(&self, text: &[u8], start: usize, end: usize) -> Option<Key> {
        let len = end.checked_sub(start)?;
        let word_at = |at: usize| {
            text.get(at..)
                .and_then(|r| r.first_chunk::<8>())
                .map(|w| u64::from_le_bytes(*w))
        };
        let (first, last) = match (word_at(start), end.checked_sub(8).and_then(word_at)) {
            (Some(f), Some(l)) if len > 8 => (f, l),
            (Some(f), _) if (1..=8).contains(&len) => {
                let w = f & (u64::MAX >> (64 - 8 * len as u32));
                (w, w)
            }
            _ => words(text.get(start..end)?),
        };
        let mut h = hash(first, last, len);
        loop {
            let s = self.slots.get(h)?;
            if s.code == 0 {
                return None;
            }
            if s.len as usize == len && s.first == first && s.last == last {
                if len > 16 {
                    return self.get_long(text.get(start..end)?, h);
                }
                return Some(Self::key(s.code));
            }
            h = (h + 1) & (SLOTS - 1);
        }
    }

    /// [`KeyTable::get`] of `name`, whose words are `first` and `last`.
    #[cfg(test)]
    fn get_words(&self, name: &[u8], first: u64, last: u64) -> Option<Key> {
        let mut h = hash(first, last, name.len());
        loop {
            let s = self.slots.get(h)?;
            if s.code == 0 {
                return None;
            }
            if s.len as usize == name.len() && s.first == first && s.last == last {
                if name.len() > 16 {
                    return self.get_long(name, h);
                }
                return Some(Self::key(s.code));
            }
            h = (h + 1) & (SLOTS - 1);
        }
    }

    /// The key of a code.
    #[inline]
    fn key(code: u16) -> Key {
        match ALL.get(usize::from(code).wrapping_sub(1)) {
            Some(&f) if code < 256 => Key::Field(f),
            _ => Key::Extra {
                list: ((code >> 8) as u8).wrapping_sub(1),
                index: code as u8,
            },
        }
    }

    /// [`KeyTable::get_in`] of a name longer than 16 bytes from slot `h` on, comparing whole
    /// names: out of line.
    #[cold]
    #[inline(never)]
    fn get_long(&self, b: &[u8], mut h: usize) -> Option<Key> {
        let (first, last) = words(b);
        loop {
            let s = self.slots.get(h)?;
            if s.code == 0 {
                return None;
            }
            if s.len as usize == b.len()
                && s.first == first
                && s.last == last
                && self.name(s.code, s.which).as_bytes() == b
            {
                return Some(Self::key(s.code));
            }
            h = (h + 1) & (SLOTS - 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key table finds what the field table finds, and its extra names (which no field
    /// has), and nothing else.
    #[test]
    fn key_table_agrees_with_the_field_table() {
        static EXTRA_A: [&str; 3] = ["table", "priority", "a_name_longer_than_sixteen"];
        static EXTRA_B: [&str; 2] = ["ip", "tcp6"];
        static T: KeyTable = KeyTable::new(&[&EXTRA_A, &EXTRA_B]);
        for (l, list) in [&EXTRA_A[..], &EXTRA_B[..]].iter().enumerate() {
            for (k, name) in list.iter().enumerate() {
                assert_eq!(by_name(name), None, "{name}");
                let want = Key::Extra {
                    list: l as u8,
                    index: k as u8,
                };
                assert_eq!(T.get(name), Some(want), "{name}");
            }
        }
        let mut names: Vec<String> = Vec::new();
        for f in ALL {
            let info = f.info();
            names.push(info.name.to_string());
            names.extend(info.alias.map(str::to_string));
            for h in info.headers {
                names.push(h.name.to_string());
            }
        }
        let more: Vec<String> = names
            .iter()
            .flat_map(|n| {
                [
                    format!("{n}x"),
                    n[1..].to_string(),
                    n[..n.len() - 1].to_string(),
                    n.to_uppercase(),
                ]
            })
            .collect();
        names.extend(more);
        names.extend(
            [
                "",
                "x",
                "reg",
                "reg16",
                "eth",
                "ipv",
                "a_name_longer_than_sixteeN",
            ]
            .map(str::to_string),
        );
        for n in &names {
            let extra = EXTRA_A.contains(&n.as_str()) || EXTRA_B.contains(&n.as_str());
            if !extra {
                assert_eq!(T.get(n), by_name(n).map(Key::Field), "{n}");
            }
            // In a text, with anything around it.
            for (before, after) in [("", ""), ("ab,", "=1,cdefghijklmnop"), ("", "x"), ("q", "")] {
                let text = format!("{before}{n}{after}");
                let (start, end) = (before.len(), before.len() + n.len());
                assert_eq!(
                    T.get_in(text.as_bytes(), start, end),
                    T.get(n),
                    "{text} {n}"
                );
            }
        }
    }

    #[test]
    fn every_name_is_found() {
        for f in ALL {
            let info = f.info();
            assert_eq!(by_name(info.name), Some(f));
            if let Some(a) = info.alias {
                assert_eq!(by_name(a).map(|g| g.info().alias), Some(Some(a)));
            }
            for h in info.headers {
                assert!(by_header_name(h.name).is_some_and(|g| g.info().headers.contains(h)));
            }
        }
        for bad in [
            "",
            "x",
            "reg",
            "reg16",
            "eth_srcc",
            "NXM_NX_REG",
            "NXM_NX_REG0_W",
        ] {
            assert_eq!(by_name(bad), None, "{bad}");
            assert_eq!(by_header_name(bad), None, "{bad}");
        }
    }
}
