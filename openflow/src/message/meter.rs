//! Meters: meter mod, bands, meter config, meter stats, meter features.

use crate::error::Result;
use crate::wire::{Reader, Writer};

const BAND_DROP: u16 = 1;
const BAND_DSCP_REMARK: u16 = 2;

/// A meter band.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MeterBand {
    /// `OFPMBT_DROP`.
    Drop {
        /// Rate (kb/s or packets/s, per the meter's flags).
        rate: u32,
        /// Burst size.
        burst_size: u32,
    },
    /// `OFPMBT_DSCP_REMARK`.
    DscpRemark {
        /// Rate.
        rate: u32,
        /// Burst size.
        burst_size: u32,
        /// Drop precedence to add.
        prec_level: u8,
    },
    /// Another band type (`OFPMBT_EXPERIMENTER`, ...), kept as its body after rate and
    /// burst size.
    Other {
        /// The band type.
        type_: u16,
        /// Rate.
        rate: u32,
        /// Burst size.
        burst_size: u32,
        /// The rest of the band (for experimenter bands, the experimenter id first).
        body: Vec<u8>,
    },
}

impl MeterBand {
    fn decode(r: &mut Reader<'_>) -> Result<MeterBand> {
        let left = r.remaining();
        let len = r.peek_u16(2)? as usize;
        if len < 12 || len > left {
            return Err(r.error(format_args!(
                "meter band length {len} is shorter than 12 bytes or overruns its container \
                 ({left} bytes)"
            )));
        }
        let mut b = r.sub(len, "meter band")?;
        let type_ = b.u16()?;
        b.skip(2)?;
        let rate = b.u32()?;
        let burst_size = b.u32()?;
        Ok(match (type_, b.remaining()) {
            (BAND_DROP, 4) => MeterBand::Drop { rate, burst_size },
            (BAND_DSCP_REMARK, 4) => MeterBand::DscpRemark {
                rate,
                burst_size,
                prec_level: b.u8()?,
            },
            _ => MeterBand::Other {
                type_,
                rate,
                burst_size,
                body: b.rest().to_vec(),
            },
        })
    }

    fn encode(&self, w: &mut Writer) -> Result<()> {
        let start = w.len();
        match self {
            MeterBand::Drop { rate, burst_size } => {
                w.u16(BAND_DROP);
                w.u16(0);
                w.u32(*rate);
                w.u32(*burst_size);
                w.zeros(4);
            }
            MeterBand::DscpRemark {
                rate,
                burst_size,
                prec_level,
            } => {
                w.u16(BAND_DSCP_REMARK);
                w.u16(0);
                w.u32(*rate);
                w.u32(*burst_size);
                w.u8(*prec_level);
                w.zeros(3);
            }
            MeterBand::Other {
                type_,
                rate,
                burst_size,
                body,
            } => {
                w.u16(*type_);
                w.u16(0);
                w.u32(*rate);
                w.u32(*burst_size);
                w.bytes(body);
            }
        }
        w.patch_len(start + 2, start, "meter band")
    }
}

fn decode_bands(r: &mut Reader<'_>) -> Result<Vec<MeterBand>> {
    let mut out = Vec::new();
    while !r.is_empty() {
        out.push(MeterBand::decode(r)?);
    }
    Ok(out)
}

/// `OFPT_METER_MOD`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct MeterMod {
    /// `OFPMC_*`: 0 add, 1 modify, 2 delete.
    pub command: u16,
    /// `OFPMF_*`: 1 kbps, 2 pktps, 4 burst, 8 stats.
    pub flags: u16,
    /// The meter.
    pub meter_id: u32,
    /// The bands.
    pub bands: Vec<MeterBand>,
}

impl MeterMod {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<MeterMod> {
        Ok(MeterMod {
            command: r.u16()?,
            flags: r.u16()?,
            meter_id: r.u32()?,
            bands: decode_bands(r)?,
        })
    }

    pub(crate) fn encode(&self, w: &mut Writer) -> Result<()> {
        w.u16(self.command);
        w.u16(self.flags);
        w.u32(self.meter_id);
        self.bands.iter().try_for_each(|b| b.encode(w))
    }
}

/// One meter's configuration (`OFPMP_METER_CONFIG` reply entry).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct MeterConfig {
    /// `OFPMF_*` flags.
    pub flags: u16,
    /// The meter.
    pub meter_id: u32,
    /// The bands.
    pub bands: Vec<MeterBand>,
}

impl MeterConfig {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<MeterConfig> {
        let left = r.remaining();
        let len = r.peek_u16(0)? as usize;
        if len < 8 || len > left {
            return Err(r.error(format_args!(
                "meter config length {len} is shorter than 8 bytes or overruns its container \
                 ({left} bytes)"
            )));
        }
        let mut e = r.sub(len, "meter config")?;
        e.skip(2)?;
        Ok(MeterConfig {
            flags: e.u16()?,
            meter_id: e.u32()?,
            bands: decode_bands(&mut e)?,
        })
    }

    pub(crate) fn encode(&self, w: &mut Writer) -> Result<()> {
        let start = w.len();
        w.u16(0);
        w.u16(self.flags);
        w.u32(self.meter_id);
        self.bands.iter().try_for_each(|b| b.encode(w))?;
        w.patch_len(start, start, "meter config")
    }
}

/// One band's statistics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct MeterBandStats {
    /// Packets in band.
    pub packet_band_count: u64,
    /// Bytes in band.
    pub byte_band_count: u64,
}

/// One meter's statistics (`OFPMP_METER` reply entry).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct MeterStats {
    /// The meter.
    pub meter_id: u32,
    /// Flows using the meter.
    pub flow_count: u32,
    /// Packets in input.
    pub packet_in_count: u64,
    /// Bytes in input.
    pub byte_in_count: u64,
    /// Seconds the meter has been alive.
    pub duration_sec: u32,
    /// Nanoseconds beyond `duration_sec`.
    pub duration_nsec: u32,
    /// Per band.
    pub bands: Vec<MeterBandStats>,
}

impl MeterStats {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<MeterStats> {
        let left = r.remaining();
        let len = r.peek_u16(4)? as usize;
        if len < 40 || len > left || !(len - 40).is_multiple_of(16) {
            return Err(r.error(format_args!(
                "meter stats length {len} is not 40 plus a multiple of 16 within its \
                 container ({left} bytes)"
            )));
        }
        let mut e = r.sub(len, "meter stats")?;
        let meter_id = e.u32()?;
        e.skip(8)?;
        let mut s = MeterStats {
            meter_id,
            flow_count: e.u32()?,
            packet_in_count: e.u64()?,
            byte_in_count: e.u64()?,
            duration_sec: e.u32()?,
            duration_nsec: e.u32()?,
            bands: Vec::new(),
        };
        while !e.is_empty() {
            s.bands.push(MeterBandStats {
                packet_band_count: e.u64()?,
                byte_band_count: e.u64()?,
            });
        }
        Ok(s)
    }

    pub(crate) fn encode(&self, w: &mut Writer) -> Result<()> {
        let start = w.len();
        w.u32(self.meter_id);
        w.u16(0);
        w.zeros(6);
        w.u32(self.flow_count);
        w.u64(self.packet_in_count);
        w.u64(self.byte_in_count);
        w.u32(self.duration_sec);
        w.u32(self.duration_nsec);
        for b in &self.bands {
            w.u64(b.packet_band_count);
            w.u64(b.byte_band_count);
        }
        w.patch_len(start + 4, start, "meter stats")
    }
}

/// The `OFPMP_METER_FEATURES` reply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct MeterFeatures {
    /// Maximum number of meters.
    pub max_meter: u32,
    /// Bitmap of supported band types (bit `n` for type `n`).
    pub band_types: u32,
    /// `OFPMF_*` capability bits.
    pub capabilities: u32,
    /// Maximum bands per meter.
    pub max_bands: u8,
    /// Maximum color value.
    pub max_color: u8,
}

impl MeterFeatures {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<MeterFeatures> {
        let m = MeterFeatures {
            max_meter: r.u32()?,
            band_types: r.u32()?,
            capabilities: r.u32()?,
            max_bands: r.u8()?,
            max_color: r.u8()?,
        };
        r.skip(2)?;
        Ok(m)
    }

    pub(crate) fn encode(&self, w: &mut Writer) {
        w.u32(self.max_meter);
        w.u32(self.band_types);
        w.u32(self.capabilities);
        w.u8(self.max_bands);
        w.u8(self.max_color);
        w.zeros(2);
    }
}
