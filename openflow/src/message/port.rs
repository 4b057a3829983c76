//! Ports: description (port status, port desc), port mod, port statistics.

use super::{Property, get_str, next_prop, put_prop, put_str, unsupported, write_props};
use crate::error::Result;
use crate::version::Version;
use crate::wire::{Reader, Writer};

const PROP_ETHERNET: u16 = 0;

/// A port description (`ofp_port`; OpenFlow 1.4+ moves the Ethernet features into a
/// property, which this type flattens back).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Port {
    /// The port number.
    pub port_no: u32,
    /// The port's MAC address.
    pub hw_addr: [u8; 6],
    /// The port's name (at most 16 bytes, no NUL).
    pub name: String,
    /// `OFPPC_*` config bits.
    pub config: u32,
    /// `OFPPS_*` state bits.
    pub state: u32,
    /// Current `OFPPF_*` features.
    pub curr: u32,
    /// Advertised features.
    pub advertised: u32,
    /// Supported features.
    pub supported: u32,
    /// Features advertised by the peer.
    pub peer: u32,
    /// Current speed in kbps.
    pub curr_speed: u32,
    /// Maximum speed in kbps.
    pub max_speed: u32,
    /// OpenFlow 1.4+ properties other than the Ethernet one (optical, experimenter); must be
    /// empty for OpenFlow 1.3.
    pub properties: Vec<Property>,
}

impl Port {
    pub(crate) fn decode(r: &mut Reader<'_>, v: Version) -> Result<Port> {
        let mut p = Port::default();
        if v >= Version::Of14 {
            let start_left = r.remaining();
            p.port_no = r.u32()?;
            let len = r.u16()? as usize;
            if len < 40 || len > start_left {
                return Err(r.error(format_args!(
                    "port length {len} is shorter than 40 bytes or overruns its container \
                     ({start_left} bytes)"
                )));
            }
            r.skip(2)?;
            p.hw_addr = r.array()?;
            r.skip(2)?;
            p.name = get_str(r, 16)?;
            p.config = r.u32()?;
            p.state = r.u32()?;
            let mut props = r.sub(len - 40, "port description property")?;
            while !props.is_empty() {
                let mut prop = next_prop(&mut props, "port description property")?;
                if prop.type_ == PROP_ETHERNET {
                    let b = &mut prop.body;
                    b.skip(4)?;
                    p.curr = b.u32()?;
                    p.advertised = b.u32()?;
                    p.supported = b.u32()?;
                    p.peer = b.u32()?;
                    p.curr_speed = b.u32()?;
                    p.max_speed = b.u32()?;
                    b.finish("the Ethernet port property")?;
                } else {
                    p.properties.push(prop.to_property());
                }
            }
        } else {
            p.port_no = r.u32()?;
            r.skip(4)?;
            p.hw_addr = r.array()?;
            r.skip(2)?;
            p.name = get_str(r, 16)?;
            p.config = r.u32()?;
            p.state = r.u32()?;
            p.curr = r.u32()?;
            p.advertised = r.u32()?;
            p.supported = r.u32()?;
            p.peer = r.u32()?;
            p.curr_speed = r.u32()?;
            p.max_speed = r.u32()?;
        }
        Ok(p)
    }

    pub(crate) fn encode(&self, w: &mut Writer, v: Version) -> Result<()> {
        if v >= Version::Of14 {
            let start = w.len();
            w.u32(self.port_no);
            w.u16(0);
            w.zeros(2);
            w.bytes(&self.hw_addr);
            w.zeros(2);
            put_str(w, &self.name, 16, "port name")?;
            w.u32(self.config);
            w.u32(self.state);
            put_prop(w, PROP_ETHERNET, "Ethernet port property", |w| {
                w.zeros(4);
                for x in [
                    self.curr,
                    self.advertised,
                    self.supported,
                    self.peer,
                    self.curr_speed,
                    self.max_speed,
                ] {
                    w.u32(x);
                }
                Ok(())
            })?;
            write_props(w, &self.properties, "port description property")?;
            w.patch_len(start + 4, start, "port description")
        } else {
            if !self.properties.is_empty() {
                return Err(unsupported(
                    "port description",
                    v,
                    "port properties do not exist",
                ));
            }
            w.u32(self.port_no);
            w.zeros(4);
            w.bytes(&self.hw_addr);
            w.zeros(2);
            put_str(w, &self.name, 16, "port name")?;
            for x in [
                self.config,
                self.state,
                self.curr,
                self.advertised,
                self.supported,
                self.peer,
                self.curr_speed,
                self.max_speed,
            ] {
                w.u32(x);
            }
            Ok(())
        }
    }
}

/// `OFPT_PORT_STATUS`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PortStatus {
    /// `OFPPR_*`: 0 add, 1 delete, 2 modify.
    pub reason: u8,
    /// The port.
    pub port: Port,
}

impl PortStatus {
    pub(crate) fn decode(r: &mut Reader<'_>, v: Version) -> Result<PortStatus> {
        let reason = r.u8()?;
        r.skip(7)?;
        let port = Port::decode(r, v)?;
        r.finish("the port")?;
        Ok(PortStatus { reason, port })
    }

    pub(crate) fn encode(&self, w: &mut Writer, v: Version) -> Result<()> {
        w.u8(self.reason);
        w.zeros(7);
        self.port.encode(w, v)
    }
}

/// `OFPT_PORT_MOD`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PortMod {
    /// The port.
    pub port_no: u32,
    /// The port's MAC address (a sanity check).
    pub hw_addr: [u8; 6],
    /// `OFPPC_*` bits to set.
    pub config: u32,
    /// Which `OFPPC_*` bits to change.
    pub mask: u32,
    /// `OFPPF_*` features to advertise (0: unchanged). In OpenFlow 1.4+ it travels in an
    /// Ethernet property, sent only when nonzero.
    pub advertise: u32,
    /// OpenFlow 1.4+ properties other than the Ethernet one; empty for OpenFlow 1.3.
    pub properties: Vec<Property>,
}

impl PortMod {
    pub(crate) fn decode(r: &mut Reader<'_>, v: Version) -> Result<PortMod> {
        let port_no = r.u32()?;
        r.skip(4)?;
        let hw_addr = r.array()?;
        r.skip(2)?;
        let config = r.u32()?;
        let mask = r.u32()?;
        let mut pm = PortMod {
            port_no,
            hw_addr,
            config,
            mask,
            ..PortMod::default()
        };
        if v >= Version::Of14 {
            while !r.is_empty() {
                let mut prop = next_prop(r, "port mod property")?;
                if prop.type_ == PROP_ETHERNET {
                    pm.advertise = prop.body.u32()?;
                    prop.body.finish("the Ethernet port mod property")?;
                } else {
                    pm.properties.push(prop.to_property());
                }
            }
        } else {
            pm.advertise = r.u32()?;
            r.skip(4)?;
            r.finish("the port mod")?;
        }
        Ok(pm)
    }

    pub(crate) fn encode(&self, w: &mut Writer, v: Version) -> Result<()> {
        w.u32(self.port_no);
        w.zeros(4);
        w.bytes(&self.hw_addr);
        w.zeros(2);
        w.u32(self.config);
        w.u32(self.mask);
        if v >= Version::Of14 {
            if self.advertise != 0 {
                put_prop(w, PROP_ETHERNET, "Ethernet port mod property", |w| {
                    w.u32(self.advertise);
                    Ok(())
                })?;
            }
            write_props(w, &self.properties, "port mod property")
        } else {
            if !self.properties.is_empty() {
                return Err(unsupported(
                    "OFPT_PORT_MOD",
                    v,
                    "port mod properties do not exist",
                ));
            }
            w.u32(self.advertise);
            w.zeros(4);
            Ok(())
        }
    }
}

/// One port's statistics (`OFPMP_PORT_STATS` reply entry).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PortStats {
    /// The port.
    pub port_no: u32,
    /// Received packets.
    pub rx_packets: u64,
    /// Transmitted packets.
    pub tx_packets: u64,
    /// Received bytes.
    pub rx_bytes: u64,
    /// Transmitted bytes.
    pub tx_bytes: u64,
    /// Packets dropped on receive.
    pub rx_dropped: u64,
    /// Packets dropped on transmit.
    pub tx_dropped: u64,
    /// Receive errors.
    pub rx_errors: u64,
    /// Transmit errors.
    pub tx_errors: u64,
    /// Frame alignment errors.
    pub rx_frame_err: u64,
    /// Receive overruns.
    pub rx_over_err: u64,
    /// CRC errors.
    pub rx_crc_err: u64,
    /// Collisions.
    pub collisions: u64,
    /// Seconds the port has been alive.
    pub duration_sec: u32,
    /// Nanoseconds beyond `duration_sec`.
    pub duration_nsec: u32,
    /// OpenFlow 1.4+ properties other than the Ethernet one; empty for OpenFlow 1.3.
    pub properties: Vec<Property>,
}

impl PortStats {
    pub(crate) fn decode(r: &mut Reader<'_>, v: Version) -> Result<PortStats> {
        let mut s = PortStats::default();
        if v >= Version::Of14 {
            let left = r.remaining();
            let len = r.u16()? as usize;
            if len < 80 || len > left {
                return Err(r.error(format_args!(
                    "port stats length {len} is shorter than 80 bytes or overruns its \
                     container ({left} bytes)"
                )));
            }
            r.skip(2)?;
            s.port_no = r.u32()?;
            s.duration_sec = r.u32()?;
            s.duration_nsec = r.u32()?;
            s.rx_packets = r.u64()?;
            s.tx_packets = r.u64()?;
            s.rx_bytes = r.u64()?;
            s.tx_bytes = r.u64()?;
            s.rx_dropped = r.u64()?;
            s.tx_dropped = r.u64()?;
            s.rx_errors = r.u64()?;
            s.tx_errors = r.u64()?;
            let mut props = r.sub(len - 80, "port stats property")?;
            while !props.is_empty() {
                let mut prop = next_prop(&mut props, "port stats property")?;
                if prop.type_ == PROP_ETHERNET {
                    let b = &mut prop.body;
                    b.skip(4)?;
                    s.rx_frame_err = b.u64()?;
                    s.rx_over_err = b.u64()?;
                    s.rx_crc_err = b.u64()?;
                    s.collisions = b.u64()?;
                    b.finish("the Ethernet port stats property")?;
                } else {
                    s.properties.push(prop.to_property());
                }
            }
        } else {
            s.port_no = r.u32()?;
            r.skip(4)?;
            s.rx_packets = r.u64()?;
            s.tx_packets = r.u64()?;
            s.rx_bytes = r.u64()?;
            s.tx_bytes = r.u64()?;
            s.rx_dropped = r.u64()?;
            s.tx_dropped = r.u64()?;
            s.rx_errors = r.u64()?;
            s.tx_errors = r.u64()?;
            s.rx_frame_err = r.u64()?;
            s.rx_over_err = r.u64()?;
            s.rx_crc_err = r.u64()?;
            s.collisions = r.u64()?;
            s.duration_sec = r.u32()?;
            s.duration_nsec = r.u32()?;
        }
        Ok(s)
    }

    pub(crate) fn encode(&self, w: &mut Writer, v: Version) -> Result<()> {
        if v >= Version::Of14 {
            let start = w.len();
            w.u16(0);
            w.zeros(2);
            w.u32(self.port_no);
            w.u32(self.duration_sec);
            w.u32(self.duration_nsec);
            for x in [
                self.rx_packets,
                self.tx_packets,
                self.rx_bytes,
                self.tx_bytes,
                self.rx_dropped,
                self.tx_dropped,
                self.rx_errors,
                self.tx_errors,
            ] {
                w.u64(x);
            }
            put_prop(w, PROP_ETHERNET, "Ethernet port stats property", |w| {
                w.zeros(4);
                for x in [
                    self.rx_frame_err,
                    self.rx_over_err,
                    self.rx_crc_err,
                    self.collisions,
                ] {
                    w.u64(x);
                }
                Ok(())
            })?;
            write_props(w, &self.properties, "port stats property")?;
            w.patch_len(start, start, "port stats")
        } else {
            if !self.properties.is_empty() {
                return Err(unsupported(
                    "port stats",
                    v,
                    "port stats properties do not exist",
                ));
            }
            w.u32(self.port_no);
            w.zeros(4);
            for x in [
                self.rx_packets,
                self.tx_packets,
                self.rx_bytes,
                self.tx_bytes,
                self.rx_dropped,
                self.tx_dropped,
                self.rx_errors,
                self.tx_errors,
                self.rx_frame_err,
                self.rx_over_err,
                self.rx_crc_err,
                self.collisions,
            ] {
                w.u64(x);
            }
            w.u32(self.duration_sec);
            w.u32(self.duration_nsec);
            Ok(())
        }
    }
}
