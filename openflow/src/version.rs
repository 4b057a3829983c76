//! OpenFlow protocol versions and their negotiation with hello bitmaps.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// An OpenFlow version this crate speaks.
///
/// OpenFlow 1.3 and 1.5 are the versions OVN, Antrea and Kube-OVN use; 1.4 costs little on
/// top of them and is supported too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Version {
    /// OpenFlow 1.3 (wire version 0x04).
    Of13 = 4,
    /// OpenFlow 1.4 (wire version 0x05).
    Of14 = 5,
    /// OpenFlow 1.5 (wire version 0x06).
    Of15 = 6,
}

impl Version {
    /// Every supported version, oldest first.
    pub const ALL: [Version; 3] = [Version::Of13, Version::Of14, Version::Of15];

    /// The version byte in the OpenFlow header.
    pub fn wire(self) -> u8 {
        self as u8
    }

    /// The version for a header's version byte, if supported.
    pub fn from_wire(v: u8) -> Option<Version> {
        match v {
            4 => Some(Version::Of13),
            5 => Some(Version::Of14),
            6 => Some(Version::Of15),
            _ => None,
        }
    }

    /// The name ovs-ofctl uses (`-O OpenFlow13`).
    pub fn name(self) -> &'static str {
        match self {
            Version::Of13 => "OpenFlow13",
            Version::Of14 => "OpenFlow14",
            Version::Of15 => "OpenFlow15",
        }
    }

    /// The short form ovs-ofctl prints in message headers (`OF1.3`).
    pub fn short_name(self) -> &'static str {
        match self {
            Version::Of13 => "OF1.3",
            Version::Of14 => "OF1.4",
            Version::Of15 => "OF1.5",
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Version {
    type Err = Error;

    /// Accepts `OpenFlow13`, `OpenFlow14`, `OpenFlow15` (as ovs-ofctl's `-O`), and `1.3`,
    /// `1.4`, `1.5`.
    fn from_str(s: &str) -> Result<Version> {
        match s {
            "OpenFlow13" | "1.3" => Ok(Version::Of13),
            "OpenFlow14" | "1.4" => Ok(Version::Of14),
            "OpenFlow15" | "1.5" => Ok(Version::Of15),
            _ => Err(Error::parse(
                s,
                1,
                "unknown OpenFlow version (expected OpenFlow13, OpenFlow14 or OpenFlow15)",
            )),
        }
    }
}

/// A set of versions, as carried in a hello message's version bitmap element.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct VersionSet(pub u32);

impl VersionSet {
    /// The set holding `versions`.
    pub fn of(versions: &[Version]) -> VersionSet {
        VersionSet(versions.iter().fold(0, |acc, v| acc | 1 << v.wire()))
    }

    /// Whether wire version `v` is in the set.
    pub fn contains_wire(self, v: u8) -> bool {
        v < 32 && self.0 & (1 << v) != 0
    }

    /// The highest supported version in both sets.
    pub fn best_common(self, other: VersionSet) -> Option<Version> {
        let both = self.0 & other.0;
        Version::ALL
            .iter()
            .rev()
            .copied()
            .find(|v| both & (1 << v.wire()) != 0)
    }

    /// The highest wire version in the set.
    pub fn highest_wire(self) -> Option<u8> {
        (self.0 != 0).then(|| 31 - self.0.leading_zeros() as u8)
    }
}

/// Picks the version of a connection from our hello and the peer's (OpenFlow 1.3.1 §6.3.1):
/// with bitmaps on both sides, the highest version in both; otherwise the lower of the two
/// header versions, if we support it (and it is in our bitmap).
///
/// `peer_header` is the version byte of the peer's hello; `peer_bitmap` its version bitmap
/// element, if it sent one.
pub fn negotiate(
    ours: VersionSet,
    peer_header: u8,
    peer_bitmap: Option<VersionSet>,
) -> Result<Version> {
    let chosen = match peer_bitmap {
        Some(peer) => ours.best_common(peer),
        None => {
            let our_highest = ours.highest_wire().unwrap_or(0);
            let v = peer_header.min(our_highest);
            Version::from_wire(v).filter(|_| ours.contains_wire(v))
        }
    };
    chosen.ok_or_else(|| {
        Error::Version(format!(
            "we support {:#x}, the peer {}",
            ours.0,
            match peer_bitmap {
                Some(b) => format!("bitmap {:#x}", b.0),
                None => format!("version {peer_header:#04x}"),
            }
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation() {
        let ours = VersionSet::of(&[Version::Of13, Version::Of15]);
        assert_eq!(
            negotiate(ours, 6, Some(VersionSet::of(&Version::ALL))).unwrap(),
            Version::Of15
        );
        assert_eq!(
            negotiate(ours, 6, Some(VersionSet::of(&[Version::Of13]))).unwrap(),
            Version::Of13
        );
        assert!(negotiate(ours, 6, Some(VersionSet(1 << 1))).is_err());
        // Without a bitmap: the lower header version, if we support it.
        assert_eq!(negotiate(ours, 4, None).unwrap(), Version::Of13);
        assert_eq!(negotiate(ours, 7, None).unwrap(), Version::Of15);
        assert!(negotiate(ours, 5, None).is_err());
        assert!(negotiate(ours, 1, None).is_err());
    }
}
