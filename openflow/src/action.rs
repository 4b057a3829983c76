//! Actions and instructions: OpenFlow 1.3-1.5 and the Nicira extensions, with the
//! ovs-ofctl text syntax.
//!
//! STUB (to be replaced by the action work): actions are opaque bytes for now so that
//! message codecs can be written against the final signatures.

use crate::error::Result;
use crate::version::Version;
use crate::wire::{Reader, Writer};

/// One action.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// An action kept as its wire bytes (type, length and body).
    Raw(Vec<u8>),
}

/// One instruction (OpenFlow 1.1+).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Instruction {
    /// An instruction kept as its wire bytes (type, length and body).
    Raw(Vec<u8>),
}

/// Decodes an action list filling exactly `len` bytes.
pub fn decode_actions(r: &mut Reader<'_>, len: usize, _version: Version) -> Result<Vec<Action>> {
    let mut sub = r.sub(len, "action list")?;
    let mut out = Vec::new();
    while !sub.is_empty() {
        let alen = sub.peek_u16(2)? as usize;
        if alen < 8 || !alen.is_multiple_of(8) {
            return Err(sub.error(format_args!("bad action length {alen}")));
        }
        out.push(Action::Raw(sub.bytes(alen)?.to_vec()));
    }
    Ok(out)
}

/// Encodes an action list; returns its length in bytes.
pub fn encode_actions(actions: &[Action], w: &mut Writer, _version: Version) -> Result<usize> {
    let start = w.len();
    for a in actions {
        match a {
            Action::Raw(b) => w.bytes(b),
        }
    }
    Ok(w.len() - start)
}

/// Decodes an instruction list filling exactly `len` bytes.
pub fn decode_instructions(
    r: &mut Reader<'_>,
    len: usize,
    _version: Version,
) -> Result<Vec<Instruction>> {
    let mut sub = r.sub(len, "instruction list")?;
    let mut out = Vec::new();
    while !sub.is_empty() {
        let ilen = sub.peek_u16(2)? as usize;
        if ilen < 4 || !ilen.is_multiple_of(8) {
            return Err(sub.error(format_args!("bad instruction length {ilen}")));
        }
        out.push(Instruction::Raw(sub.bytes(ilen)?.to_vec()));
    }
    Ok(out)
}

/// Encodes an instruction list; returns its length in bytes.
pub fn encode_instructions(
    instructions: &[Instruction],
    w: &mut Writer,
    _version: Version,
) -> Result<usize> {
    let start = w.len();
    for i in instructions {
        match i {
            Instruction::Raw(b) => w.bytes(b),
        }
    }
    Ok(w.len() - start)
}
