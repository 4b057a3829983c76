//! Bounds-checked reading and writing of big-endian wire data.
//!
//! Every decoder in this crate reads through a [`Reader`]: a cursor over a byte slice that
//! knows its absolute offset in the outermost buffer, so that errors say where they happened,
//! and that never panics — reading past the end is a [`Error::Decode`] naming what was
//! being read. Encoders write into a [`Writer`], which can reserve a length field and patch
//! it once the body is written.

use crate::error::{Error, Result};

/// The largest OpenFlow message: the header's length field is 16 bits.
pub const MAX_MESSAGE_LEN: usize = u16::MAX as usize;

/// A cursor over wire bytes; see the module documentation.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
    context: &'static str,
}

impl<'a> Reader<'a> {
    /// A reader over `buf`, which starts at offset 0, decoding `context` (used in errors).
    pub fn new(buf: &'a [u8], context: &'static str) -> Reader<'a> {
        Reader {
            buf,
            pos: 0,
            base: 0,
            context,
        }
    }

    /// A reader over `buf`, which starts at offset `base` (as [`Reader::sub`] makes one of
    /// bytes already taken).
    pub(crate) fn new_at(buf: &'a [u8], base: usize, context: &'static str) -> Reader<'a> {
        Reader {
            buf,
            pos: 0,
            base,
            context,
        }
    }

    /// What this reader is decoding, as named in its errors.
    pub fn context(&self) -> &'static str {
        self.context
    }

    /// The same reader, naming `context` in its errors from now on.
    pub fn with_context(mut self, context: &'static str) -> Reader<'a> {
        self.context = context;
        self
    }

    /// The absolute offset of the next byte to read.
    #[inline]
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// Bytes left to read.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Whether everything was read.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The bytes left to read, without consuming them.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    /// An error at the current offset.
    pub fn error(&self, reason: impl std::fmt::Display) -> Error {
        Error::decode(self.context, self.offset(), reason)
    }

    /// An error at absolute offset `offset`.
    pub fn error_at(&self, offset: usize, reason: impl std::fmt::Display) -> Error {
        Error::decode(self.context, offset, reason)
    }

    /// The error for reading `n` bytes with fewer left (kept out of line, so that the
    /// readers inline).
    #[cold]
    #[inline(never)]
    fn short(&self, n: usize) -> Error {
        self.error(format_args!("needs {n} bytes, {} left", self.remaining()))
    }

    /// Fails unless `n` more bytes can be read.
    #[inline]
    pub fn need(&self, n: usize) -> Result<()> {
        if self.remaining() < n {
            Err(self.short(n))
        } else {
            Ok(())
        }
    }

    /// The next `n` bytes.
    #[inline]
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        match self.buf.get(self.pos..).and_then(|rest| rest.get(..n)) {
            Some(b) => {
                self.pos += n;
                Ok(b)
            }
            None => Err(self.short(n)),
        }
    }

    /// The next `N` bytes as an array.
    #[inline]
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let b = self.bytes(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(b);
        Ok(a)
    }

    /// Skips `n` bytes (padding).
    #[inline]
    pub fn skip(&mut self, n: usize) -> Result<()> {
        self.bytes(n).map(|_| ())
    }

    /// A `u8`.
    #[inline]
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    /// A big-endian `u16`.
    #[inline]
    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    /// A big-endian `u32`.
    #[inline]
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// A big-endian `u64`.
    #[inline]
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// A `u16` at `at` bytes from the current position, without consuming anything.
    #[inline]
    pub fn peek_u16(&self, at: usize) -> Result<u16> {
        match self.buf.get(self.pos + at..).and_then(|b| b.get(..2)) {
            Some(&[a, b]) => Ok(u16::from_be_bytes([a, b])),
            _ => Err(self.short(at + 2)),
        }
    }

    /// A `u32` at `at` bytes from the current position, without consuming anything.
    #[inline]
    pub fn peek_u32(&self, at: usize) -> Result<u32> {
        match self.buf.get(self.pos + at..).and_then(|b| b.get(..4)) {
            Some(&[a, b, c, d]) => Ok(u32::from_be_bytes([a, b, c, d])),
            _ => Err(self.short(at + 4)),
        }
    }

    /// Splits off the next `n` bytes as a reader of their own (same absolute offsets),
    /// decoding `context`.
    pub fn sub(&mut self, n: usize, context: &'static str) -> Result<Reader<'a>> {
        let start = self.offset();
        let buf = self.bytes(n)?;
        Ok(Reader {
            buf,
            pos: 0,
            base: start,
            context,
        })
    }

    /// Fails unless everything was read (`what` names the leftover in the error).
    pub fn finish(&self, what: &str) -> Result<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.error(format_args!(
                "{} unexpected trailing bytes after {what}",
                self.remaining()
            )))
        }
    }
}

/// A growable output buffer for encoders; see the module documentation.
#[derive(Clone, Debug, Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Writer {
        Writer::default()
    }

    /// An empty writer with room for `n` bytes.
    pub fn with_capacity(n: usize) -> Writer {
        Writer {
            buf: Vec::with_capacity(n),
        }
    }

    /// A writer that appends to `buf`.
    pub fn from_vec(buf: Vec<u8>) -> Writer {
        Writer { buf }
    }

    /// Bytes written so far.
    #[inline]
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether nothing was written.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The bytes written.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        &self.buf
    }

    /// The bytes written, mutably (to patch a field written earlier).
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        &mut self.buf
    }

    /// The buffer.
    #[inline]
    pub fn into_vec(self) -> Vec<u8> {
        self.buf
    }

    /// Appends one byte.
    #[inline]
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    /// Appends a big-endian `u16`.
    #[inline]
    pub fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// Appends a big-endian `u32`.
    #[inline]
    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// Appends a big-endian `u64`.
    #[inline]
    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    /// Appends bytes.
    #[inline]
    pub fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    /// Appends `n` zero bytes.
    #[inline]
    pub fn zeros(&mut self, n: usize) {
        self.buf.resize(self.buf.len() + n, 0);
    }

    /// Appends zero bytes until the length since `start` is a multiple of `align`.
    #[inline]
    pub fn pad_from(&mut self, start: usize, align: usize) {
        let len = self.buf.len() - start;
        self.zeros(len.next_multiple_of(align) - len);
    }

    /// Takes back what was written after the first `len` bytes (a length returned by
    /// [`Writer::len`]); nothing if fewer were written.
    #[inline]
    pub fn truncate(&mut self, len: usize) {
        self.buf.truncate(len);
    }

    /// Overwrites the big-endian `u16` at `at` (a position returned by [`Writer::len`]).
    pub fn patch_u16(&mut self, at: usize, v: u16) {
        self.buf[at..at + 2].copy_from_slice(&v.to_be_bytes());
    }

    /// Overwrites the `u16` length field at `at` with the number of bytes written since
    /// `start`; fails when that does not fit in 16 bits.
    pub fn patch_len(&mut self, at: usize, start: usize, what: &str) -> Result<()> {
        let len = self.buf.len() - start;
        let len16 = u16::try_from(len).map_err(|_| {
            Error::encode(
                what,
                format_args!("{len} bytes exceed the 65,535-byte limit of its length field"),
            )
        })?;
        self.patch_u16(at, len16);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_reports_offset_and_context() {
        let data = [0u8, 1, 2, 3, 4, 5];
        let mut r = Reader::new(&data, "test");
        assert_eq!(r.u16().unwrap(), 1);
        let mut sub = r.sub(2, "inner").unwrap();
        assert_eq!(sub.offset(), 2);
        assert_eq!(sub.u8().unwrap(), 2);
        let e = sub.u16().unwrap_err().to_string();
        assert_eq!(e, "cannot decode inner at byte 3: needs 2 bytes, 1 left");
        assert!(r.sub(3, "x").is_err());
    }

    #[test]
    fn writer_patches_lengths() {
        let mut w = Writer::new();
        w.u16(0);
        w.bytes(&[1, 2, 3]);
        w.pad_from(0, 8);
        w.patch_len(0, 0, "thing").unwrap();
        assert_eq!(w.as_slice(), &[0, 8, 1, 2, 3, 0, 0, 0]);
        let mut big = Writer::new();
        big.u16(0);
        big.zeros(70_000);
        assert!(big.patch_len(0, 0, "thing").is_err());
    }
}
