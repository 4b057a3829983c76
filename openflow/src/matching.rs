//! Flow matches: a canonical set of masked field values, encoded as OXM (`ofp_match` of
//! type `OFPMT_OXM`, OpenFlow 1.2+) or as a bare NXM/OXM field list (Nicira messages and
//! actions), and written in ovs-ofctl's syntax.
//!
//! STUB (to be replaced by the match work): the representation is opaque bytes for now so
//! that message codecs can be written against the final signatures.

use crate::error::Result;
use crate::version::Version;
use crate::wire::{Reader, Writer};

/// A flow match. The empty match matches every packet.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Match {
    raw: Vec<u8>,
}

impl Match {
    /// The match of every packet.
    pub fn new() -> Match {
        Match::default()
    }

    /// Decodes an `ofp_match` (type, length, OXM fields, padding to 8 bytes), consuming the
    /// padding too.
    pub fn decode(r: &mut Reader<'_>, _version: Version) -> Result<Match> {
        let _type = r.peek_u16(0)?;
        let len = r.peek_u16(2)? as usize;
        let padded = len.next_multiple_of(8);
        let all = r.bytes(padded)?;
        Ok(Match {
            raw: all[4..len].to_vec(),
        })
    }

    /// Encodes as an `ofp_match` of type OXM, padded to 8 bytes.
    pub fn encode(&self, w: &mut Writer, _version: Version) -> Result<()> {
        let start = w.len();
        w.u16(1);
        w.u16(0);
        w.bytes(&self.raw);
        w.patch_len(start + 2, start, "ofp_match")?;
        w.pad_from(start, 8);
        Ok(())
    }

    /// Decodes a bare list of NXM/OXM fields filling exactly `len` bytes (no header, no
    /// padding), as in NXT_FLOW_MOD, packet-in2's metadata property and flow monitors.
    pub fn decode_fields(r: &mut Reader<'_>, len: usize) -> Result<Match> {
        Ok(Match {
            raw: r.bytes(len)?.to_vec(),
        })
    }

    /// Encodes as a bare list of fields (no header, no padding); returns the length.
    pub fn encode_fields(&self, w: &mut Writer, _version: Version) -> Result<usize> {
        w.bytes(&self.raw);
        Ok(self.raw.len())
    }
}
