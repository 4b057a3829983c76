//! OpenFlow port numbers as Open vSwitch represents them: 16 bits, with the reserved ports
//! at `0xfff7..=0xffff` (OpenFlow 1.1+ sends those as `0xfffffff7..`).

use std::fmt;

use crate::error::{Error, Result};

/// A port number in Open vSwitch's 16-bit space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OfpPort(pub u16);

const NAMED: [(&str, OfpPort); 9] = [
    ("IN_PORT", OfpPort::IN_PORT),
    ("TABLE", OfpPort::TABLE),
    ("NORMAL", OfpPort::NORMAL),
    ("FLOOD", OfpPort::FLOOD),
    ("ALL", OfpPort::ALL),
    ("CONTROLLER", OfpPort::CONTROLLER),
    ("LOCAL", OfpPort::LOCAL),
    ("ANY", OfpPort::ANY),
    ("UNSET", OfpPort::UNSET),
];

impl OfpPort {
    /// The first port number that is not a physical port (`OFPP_MAX`).
    pub const MAX: OfpPort = OfpPort(0xff00);
    /// `UNSET` (for `actset_output` only).
    pub const UNSET: OfpPort = OfpPort(0xfff7);
    /// `IN_PORT`: the packet's input port.
    pub const IN_PORT: OfpPort = OfpPort(0xfff8);
    /// `TABLE`: submit to the flow table (packet-out only).
    pub const TABLE: OfpPort = OfpPort(0xfff9);
    /// `NORMAL`: the L2 switch.
    pub const NORMAL: OfpPort = OfpPort(0xfffa);
    /// `FLOOD`.
    pub const FLOOD: OfpPort = OfpPort(0xfffb);
    /// `ALL`.
    pub const ALL: OfpPort = OfpPort(0xfffc);
    /// `CONTROLLER`.
    pub const CONTROLLER: OfpPort = OfpPort(0xfffd);
    /// `LOCAL`: the bridge's own port.
    pub const LOCAL: OfpPort = OfpPort(0xfffe);
    /// `ANY` (also `NONE`): no port.
    pub const ANY: OfpPort = OfpPort(0xffff);
    /// `NONE`, the same as [`OfpPort::ANY`].
    pub const NONE: OfpPort = OfpPort(0xffff);

    /// The reserved name of this port (`LOCAL`), if it has one.
    pub fn reserved_name(self) -> Option<&'static str> {
        NAMED.iter().find(|(_, p)| *p == self).map(|(n, _)| *n)
    }

    /// The 32-bit OpenFlow 1.1+ number.
    pub fn to_ofp11(self) -> u32 {
        if self.0 >= OfpPort::MAX.0 {
            u32::from(self.0) + 0xffff_0000
        } else {
            u32::from(self.0)
        }
    }

    /// The port for a 32-bit OpenFlow 1.1+ number, if it maps into the 16-bit space
    /// (below `0xff00`, or `0xffffff00` and up).
    pub fn from_ofp11(port: u32) -> Option<OfpPort> {
        if port < u32::from(OfpPort::MAX.0) {
            Some(OfpPort(port as u16))
        } else if port >= 0xffff_ff00 {
            Some(OfpPort((port - 0xffff_0000) as u16))
        } else {
            None
        }
    }

    /// Parses a port as ovs-ofctl does: a decimal number (32-bit OpenFlow 1.1+ reserved
    /// numbers are mapped) or a reserved name in any case (`local`, `NONE`). `column` is
    /// used in errors.
    pub fn parse(s: &str, column: usize) -> Result<OfpPort> {
        OfpPort::try_parse(s).ok_or_else(|| Error::parse(s, column, "unknown port"))
    }

    pub(crate) fn try_parse(s: &str) -> Option<OfpPort> {
        crate::field::value::parse_port(s).map(OfpPort)
    }
}

impl fmt::Display for OfpPort {
    /// The reserved name, or the number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        crate::field::value::format_port(self.0, &mut s);
        f.write_str(&s)
    }
}
