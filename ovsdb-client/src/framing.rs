//! The JSON-RPC 1.0 stream framer.
//!
//! OVSDB sends JSON objects back to back on a byte stream with no delimiter: one read may hold
//! several messages (`{..}{..}`), a message may be split across any number of reads, and strings
//! may hold braces and escaped quotes. [`Framer`] finds message boundaries by tracking object
//! depth, strings and escapes. It keeps its scanning state between calls, so each byte is looked
//! at once however the input is cut: feeding a 100 MB message in 4 KiB reads costs the same as
//! feeding it whole. It validates only what framing needs (a message starts with `{`); the JSON
//! parser checks the rest.
//!
//! ```
//! use bytes::BytesMut;
//! use ovsdb_client::framing::Framer;
//!
//! let mut framer = Framer::new(1 << 20);
//! let mut buf = BytesMut::from(&br#"{"id":1,"result":["}"],"error":null} {"id":2,"#[..]);
//! let first = framer.next_frame(&mut buf).unwrap().unwrap();
//! assert_eq!(&first[..], br#"{"id":1,"result":["}"],"error":null}"#);
//! assert!(framer.next_frame(&mut buf).unwrap().is_none()); // the second is incomplete
//! buf.extend_from_slice(br#""result":[],"error":null}"#);
//! assert!(framer.next_frame(&mut buf).unwrap().is_some());
//! ```

use bytes::{Buf, Bytes, BytesMut};

use crate::error::{Error, Result};

/// The default maximum size of one message: 1 GiB. A monitor reply for a large database is one
/// message, so the limit must be well above the database size.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 1 << 30;

/// The default maximum nesting depth of objects within a message. OVSDB messages nest objects
/// at most about six deep; the JSON parser separately limits arrays and objects to 128 levels.
pub const DEFAULT_MAX_DEPTH: u32 = 128;

/// Splits a byte stream into JSON-RPC messages. See the [module documentation](self).
#[derive(Debug, Clone)]
pub struct Framer {
    max_size: usize,
    max_depth: u32,
    /// Offset in the buffer where scanning resumes; 0 when no message has started.
    scan: usize,
    /// Object nesting depth of the current message; 0 before its `{`.
    depth: u32,
    in_string: bool,
    /// The previous byte was a backslash inside a string.
    escape: bool,
    /// Bytes removed from the front of the stream so far, for error offsets.
    consumed: u64,
}

impl Framer {
    /// A framer that rejects messages larger than `max_size` bytes.
    pub fn new(max_size: usize) -> Framer {
        Framer {
            max_size,
            max_depth: DEFAULT_MAX_DEPTH,
            scan: 0,
            depth: 0,
            in_string: false,
            escape: false,
            consumed: 0,
        }
    }

    /// Sets the maximum object nesting depth (default [`DEFAULT_MAX_DEPTH`]).
    pub fn with_max_depth(mut self, max_depth: u32) -> Framer {
        self.max_depth = max_depth;
        self
    }

    /// The maximum message size.
    pub fn max_size(&self) -> usize {
        self.max_size
    }

    /// Total bytes taken off the front of the stream so far.
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// Whether a message has started but not ended.
    pub fn in_message(&self) -> bool {
        self.depth > 0
    }

    fn error(&self, at: usize, reason: impl Into<String>) -> Error {
        Error::Framing {
            offset: self.consumed + at as u64,
            reason: reason.into(),
        }
    }

    /// Takes the next complete message off the front of `buf`, with leading whitespace removed.
    ///
    /// Returns `Ok(None)` when `buf` holds no complete message yet; call again after appending
    /// more input to the same buffer (scanning resumes where it stopped). After an error the
    /// stream cannot be resynchronized and the connection should be closed.
    pub fn next_frame(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>> {
        if self.depth == 0 {
            // Skip whitespace between messages.
            let ws = buf
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
                .unwrap_or(buf.len());
            buf.advance(ws);
            self.consumed += ws as u64;
            match buf.first() {
                None => return Ok(None),
                Some(b'{') => {
                    self.depth = 1;
                    self.scan = 1;
                }
                Some(&b) => {
                    return Err(self.error(
                        0,
                        format!(
                            "expected '{{' at the start of a message, found {}",
                            describe(b)
                        ),
                    ));
                }
            }
        }

        let bytes = &buf[..];
        let mut i = self.scan;
        loop {
            i = self.skip_words(bytes, i);
            if self.in_string {
                if self.escape {
                    if i >= bytes.len() {
                        break;
                    }
                    i += 1;
                    self.escape = false;
                }
                match memchr::memchr2(b'"', b'\\', &bytes[i..]) {
                    None => {
                        i = bytes.len();
                        break;
                    }
                    Some(off) => {
                        let p = i + off;
                        if bytes[p] == b'"' {
                            self.in_string = false;
                            i = p + 1;
                        } else {
                            self.escape = true;
                            i = p + 1;
                        }
                    }
                }
            } else {
                match memchr::memchr3(b'"', b'{', b'}', &bytes[i..]) {
                    None => {
                        i = bytes.len();
                        break;
                    }
                    Some(off) => {
                        let p = i + off;
                        i = p + 1;
                        match bytes[p] {
                            b'"' => self.in_string = true,
                            b'{' => {
                                self.depth += 1;
                                if self.depth > self.max_depth {
                                    return Err(self.error(
                                        p,
                                        format!("objects nested more than {} deep", self.max_depth),
                                    ));
                                }
                            }
                            _ => {
                                self.depth -= 1;
                                if self.depth == 0 {
                                    if i > self.max_size {
                                        return Err(self.too_big(i));
                                    }
                                    self.scan = 0;
                                    self.consumed += i as u64;
                                    return Ok(Some(buf.split_to(i).freeze()));
                                }
                            }
                        }
                    }
                }
            }
            if i > self.max_size {
                return Err(self.too_big(i));
            }
        }
        if i > self.max_size {
            return Err(self.too_big(i));
        }
        self.scan = i;
        Ok(None)
    }

    /// Scans whole 8-byte words from `i` while that is simple: no backslash in the word, no
    /// escape pending, and no chance that the depth reaches zero or the limit in it. Returns
    /// where the byte-wise scan must go on. Quotes, braces and string state are tracked with
    /// bit masks, one bit per byte, so a run of short strings costs a few operations per 8
    /// bytes rather than a search per string.
    fn skip_words(&mut self, bytes: &[u8], mut i: usize) -> usize {
        while !self.escape && i <= self.max_size {
            let Some(word) = bytes.get(i..i + 8) else {
                break;
            };
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            let w = u64::from_le_bytes(w);
            let quotes = zero_bytes(w ^ splat(b'"'));
            let opens = zero_bytes(w ^ splat(b'{'));
            let closes = zero_bytes(w ^ splat(b'}'));
            if zero_bytes(w ^ splat(b'\\')) != 0 {
                break;
            }
            if opens | closes != 0 {
                // Bit k of the parity: an odd number of quotes at or before byte k, that is,
                // the string state flipped; a brace (never a quote) counts where the state is
                // "outside".
                let mut parity = gather(quotes);
                parity ^= parity << 1;
                parity ^= parity << 2;
                parity ^= parity << 4;
                let outside = !(parity ^ if self.in_string { 0xFF } else { 0 });
                let opens = (gather(opens) & outside).count_ones();
                let closes = (gather(closes) & outside).count_ones();
                if closes >= self.depth || self.depth + opens > self.max_depth {
                    break;
                }
                self.depth = self.depth + opens - closes;
            }
            if quotes.count_ones() % 2 == 1 {
                self.in_string = !self.in_string;
            }
            i += 8;
        }
        i
    }

    fn too_big(&self, len: usize) -> Error {
        self.error(
            0,
            format!(
                "message exceeds the maximum size of {} bytes ({len} bytes so far)",
                self.max_size
            ),
        )
    }
}

/// `b` in every byte of a word.
fn splat(b: u8) -> u64 {
    u64::from(b) * 0x0101_0101_0101_0101
}

/// The high bit of each zero byte of `v`, exactly (no borrow between bytes).
fn zero_bytes(v: u64) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    !(((v & LOW7) + LOW7) | v | LOW7)
}

/// The high bits of a [`zero_bytes`] mask gathered into one bit per byte (bit k for byte k,
/// in memory order).
fn gather(high_bits: u64) -> u8 {
    ((high_bits >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8
}

/// One bit per byte of `w` (bit k for byte k, in memory order) that equals `b`.
#[cfg(test)]
fn byte_mask(w: u64, b: u8) -> u8 {
    gather(zero_bytes(w ^ splat(b)))
}

fn describe(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", b as char)
    } else {
        format!("byte 0x{b:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn frames_of(chunks: &[&[u8]], max: usize) -> Result<Vec<Vec<u8>>> {
        let mut f = Framer::new(max);
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for c in chunks {
            buf.extend_from_slice(c);
            while let Some(m) = f.next_frame(&mut buf)? {
                out.push(m.to_vec());
            }
        }
        Ok(out)
    }

    #[test]
    fn byte_masks_are_exact() {
        let naive =
            |w: &[u8; 8], b: u8| (0..8).fold(0u8, |m, k| if w[k] == b { m | 1 << k } else { m });
        for w in [
            *b"\"{}\\\"{}\\",
            *b"\x00\x01\"\"\x7f\x80\xff}",
            *b"{{{{{{{{",
            *b"abcdefgh",
            [0x22, 0x00, 0x22, 0x23, 0x21, 0x22, 0xa2, 0x22],
        ] {
            for b in [b'"', b'{', b'}', b'\\', 0, 0xff] {
                assert_eq!(
                    byte_mask(u64::from_le_bytes(w), b),
                    naive(&w, b),
                    "{w:?} {b}"
                );
            }
        }
    }

    #[test]
    fn two_in_one_read() {
        let out = frames_of(&[br#"{"a":1}{"b":"}{"}  {"c":{"d":[]}}"#], 100).unwrap();
        assert_eq!(
            out,
            vec![
                br#"{"a":1}"#.to_vec(),
                br#"{"b":"}{"}"#.to_vec(),
                br#"{"c":{"d":[]}}"#.to_vec()
            ]
        );
    }

    #[test]
    fn escapes_split_anywhere() {
        let msg = br#"{"s":"a\"}\\","t":"\\\"{"}"#;
        for cut in 0..msg.len() {
            let out = frames_of(&[&msg[..cut], &msg[cut..]], 100).unwrap();
            assert_eq!(out, vec![msg.to_vec()], "cut at {cut}");
        }
        // Byte by byte.
        let chunks: Vec<&[u8]> = msg.chunks(1).collect();
        assert_eq!(frames_of(&chunks, 100).unwrap(), vec![msg.to_vec()]);
    }

    #[test]
    fn rejects_garbage_and_oversize() {
        let e = frames_of(&[b"  [1]"], 100).unwrap_err().to_string();
        assert!(e.contains("byte 2") && e.contains("'['"), "{e}");
        let e = frames_of(&[br#"{"a":1}x"#], 100).unwrap_err().to_string();
        assert!(e.contains("byte 7"), "{e}");
        let e = frames_of(&[br#"{"a":"0123456789"}"#], 10)
            .unwrap_err()
            .to_string();
        assert!(e.contains("maximum size of 10"), "{e}");
        // An unterminated message is rejected as soon as it passes the limit.
        let e = frames_of(&[br#"{"a":"#, &[b'x'; 20]], 10)
            .unwrap_err()
            .to_string();
        assert!(e.contains("maximum size"), "{e}");
        let deep = "{\"a\":".repeat(200);
        assert!(frames_of(&[deep.as_bytes()], 10_000).is_err());
    }

    #[test]
    fn exact_limit_is_accepted() {
        let msg = br#"{"a":"012345"}"#;
        assert_eq!(frames_of(&[msg], msg.len()).unwrap().len(), 1);
        assert!(frames_of(&[msg], msg.len() - 1).is_err());
    }

    fn arb_json() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            // Strings full of framing-relevant characters.
            proptest::string::string_regex(r#"[{}\[\]"\\a-z \u{e9}\u{1F600}]{0,10}"#)
                .unwrap()
                .prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::from),
                proptest::collection::btree_map("[a-z{}\"]{0,4}", inner, 0..5)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn arb_message() -> impl Strategy<Value = serde_json::Value> {
        proptest::collection::btree_map("[a-z\"{}]{0,6}", arb_json(), 0..5)
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect()))
    }

    proptest! {
        #[test]
        fn stream_cut_at_random_points_frames_back(
            msgs in proptest::collection::vec(arb_message(), 1..8),
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
            ws in proptest::collection::vec(prop_oneof![Just(""), Just(" "), Just("\n"), Just("\r\n\t")], 8),
        ) {
            let mut stream = Vec::new();
            for (i, m) in msgs.iter().enumerate() {
                stream.extend_from_slice(ws[i % ws.len()].as_bytes());
                stream.extend_from_slice(serde_json::to_string(m).unwrap().as_bytes());
            }
            let mut points: Vec<usize> = cuts.iter().map(|c| c.index(stream.len() + 1)).collect();
            points.sort_unstable();
            let mut chunks = Vec::new();
            let mut last = 0;
            for p in points {
                chunks.push(&stream[last..p]);
                last = p;
            }
            chunks.push(&stream[last..]);
            let frames = frames_of(&chunks, usize::MAX).unwrap();
            let decoded: Vec<serde_json::Value> =
                frames.iter().map(|f| serde_json::from_slice(f).unwrap()).collect();
            prop_assert_eq!(decoded, msgs);
        }

        #[test]
        fn byte_mask_matches_a_byte_loop(w in any::<[u8; 8]>(), b in any::<u8>()) {
            let want = (0..8).fold(0u8, |m, k| if w[k] == b { m | 1 << k } else { m });
            prop_assert_eq!(byte_mask(u64::from_le_bytes(w), b), want);
        }

        /// Long runs of short strings, braces inside strings and nesting: the word-at-a-time
        /// scan and the byte scan agree wherever the input is cut.
        #[test]
        fn word_scan_frames_like_the_byte_scan(
            msgs in proptest::collection::vec(arb_message(), 1..4),
            cut in any::<prop::sample::Index>(),
        ) {
            let text: String = msgs.iter().map(|m| serde_json::to_string(m).unwrap()).collect();
            let bytes = text.as_bytes();
            let c = cut.index(bytes.len() + 1);
            let whole = frames_of(&[bytes], usize::MAX).unwrap();
            let cut_frames = frames_of(&[&bytes[..c], &bytes[c..]], usize::MAX).unwrap();
            let one_by_one: Vec<&[u8]> = bytes.chunks(1).collect();
            prop_assert_eq!(&whole, &cut_frames);
            prop_assert_eq!(&whole, &frames_of(&one_by_one, usize::MAX).unwrap());
            prop_assert_eq!(whole.len(), msgs.len());
        }

        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..256), cut in any::<prop::sample::Index>()) {
            let c = cut.index(data.len() + 1);
            let _ = frames_of(&[&data[..c], &data[c..]], 64);
        }
    }
}
