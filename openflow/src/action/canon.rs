//! What decode(encode(actions)) gives for a version, computed without the bytes: the form
//! ovs-ofctl prints.

use crate::field::Field;
use crate::version::Version;

use super::encode::{l4_field, next_load_segment, nxm_header32, uses_reg_load2};
use super::*;

pub(super) fn actions(list: &[Action], version: Version, out: &mut Vec<Action>) {
    for a in list {
        action(a, version, out);
    }
}

fn nested(list: &[Action], version: Version) -> Vec<Action> {
    let mut v = Vec::with_capacity(list.len());
    actions(list, version, &mut v);
    v
}

fn sf(field: Field, value: u128) -> Action {
    Action::SetField(SetField::new(field, value))
}

fn mac(m: &[u8; 6]) -> u128 {
    m.iter().fold(0u128, |acc, b| acc << 8 | u128::from(*b))
}

fn action(a: &Action, version: Version, out: &mut Vec<Action>) {
    match a {
        Action::SetField(s) => {
            let value = s.value & s.mask;
            if version >= Version::Of15 || (s.form == SetFieldForm::SetField && s.is_exact()) {
                out.push(Action::SetField(SetField {
                    value,
                    form: SetFieldForm::SetField,
                    ..*s
                }));
            } else if uses_reg_load2(s) {
                out.push(Action::SetField(SetField {
                    value,
                    form: SetFieldForm::RegLoad2,
                    ..*s
                }));
            } else {
                let mut from = 0;
                while let Some((ofs, n)) = next_load_segment(s, from) {
                    let ones = if n >= 128 {
                        u128::MAX
                    } else {
                        (1u128 << n) - 1
                    };
                    let m = ones << ofs;
                    out.push(Action::SetField(SetField {
                        field: s.field,
                        value: value & m,
                        mask: m,
                        form: SetFieldForm::RegLoad,
                    }));
                    from = ofs + n;
                }
            }
        }
        Action::SetVlanVid {
            vid,
            push_if_needed,
            flow_has_vlan,
        } => {
            if *push_if_needed && !flow_has_vlan {
                out.push(Action::PushVlan(0x8100));
            }
            out.push(sf(Field::VlanVid, u128::from(*vid | 0x1000)));
        }
        Action::SetVlanPcp {
            pcp,
            push_if_needed,
            flow_has_vlan,
        } => {
            if *push_if_needed && !flow_has_vlan {
                out.push(Action::PushVlan(0x8100));
            }
            out.push(sf(Field::VlanPcp, u128::from(*pcp)));
        }
        Action::StripVlan { .. } => out.push(Action::StripVlan { pop: true }),
        Action::SetEthSrc(m) => out.push(sf(Field::EthSrc, mac(m))),
        Action::SetEthDst(m) => out.push(sf(Field::EthDst, mac(m))),
        Action::SetIpv4Src(ip) => out.push(sf(Field::IpSrc, u128::from(u32::from(*ip)))),
        Action::SetIpv4Dst(ip) => out.push(sf(Field::IpDst, u128::from(u32::from(*ip)))),
        Action::SetIpDscp(tos) => out.push(sf(Field::IpDscp, u128::from(tos >> 2))),
        Action::SetIpEcn(ecn) => out.push(sf(Field::NwEcn, u128::from(*ecn))),
        Action::SetL4SrcPort { port, ip_proto } => match l4_field(*ip_proto, true) {
            Some(f) => out.push(sf(f, u128::from(*port))),
            None => out.push(Action::SetL4SrcPort {
                port: *port,
                ip_proto: None,
            }),
        },
        Action::SetL4DstPort { port, ip_proto } => match l4_field(*ip_proto, false) {
            Some(f) => out.push(sf(f, u128::from(*port))),
            None => out.push(Action::SetL4DstPort {
                port: *port,
                ip_proto: None,
            }),
        },
        Action::SetMplsLabel(l) => out.push(sf(Field::MplsLabel, u128::from(*l))),
        Action::SetMplsTc(tc) => out.push(sf(Field::MplsTc, u128::from(*tc))),
        Action::SetTunnel { id, .. } => out.push(sf(Field::TunId, u128::from(*id))),
        Action::Enqueue { port, queue } => {
            out.push(Action::SetQueue(*queue));
            out.push(Action::Output {
                port: *port,
                max_len: u16::MAX,
            });
            out.push(Action::PopQueue);
        }
        Action::Move(m) => {
            let form = if version >= Version::Of15 {
                MoveForm::CopyField
            } else {
                m.form
            };
            out.push(Action::Move(Box::new(Move { form, ..**m })));
        }
        Action::DecTtl {
            controller_ids,
            cnt_ids,
        } => {
            let nx = *cnt_ids || controller_ids.as_slice() != [0];
            out.push(Action::DecTtl {
                controller_ids: controller_ids.clone(),
                cnt_ids: nx,
            });
        }
        Action::OutputReg { src, max_len, reg2 } => out.push(Action::OutputReg {
            src: *src,
            max_len: *max_len,
            reg2: *reg2 || nxm_header32(src.field).is_none(),
        }),
        Action::Controller(c) => {
            let v2 = c.controller2 || !c.userdata.is_empty() || c.pause || c.meter_id != 0;
            out.push(Action::Controller(Box::new(Controller {
                controller2: v2,
                ..(**c).clone()
            })));
        }
        Action::Resubmit(r) => out.push(Action::Resubmit(Resubmit {
            legacy: r.legacy && r.table == 255 && !r.ct,
            ..*r
        })),
        Action::Learn(l) => {
            let learn2 = l.learn2 || l.limit != 0 || l.flags & LEARN_WRITE_RESULT != 0;
            out.push(Action::Learn(Box::new(Learn {
                learn2,
                ..(**l).clone()
            })));
        }
        Action::Note(data) => {
            let padded = (10 + data.len()).next_multiple_of(8) - 10;
            let mut d = data.clone();
            d.resize(padded, 0);
            out.push(Action::Note(d));
        }
        Action::Sample(s) => {
            let form = if s.form == 3 || s.direction != 0 {
                3
            } else if s.form == 2 || s.sampling_port != OfpPort::NONE {
                2
            } else {
                1
            };
            out.push(Action::Sample(Box::new(Sample { form, ..**s })));
        }
        Action::Ct(ct) => out.push(Action::Ct(Ct {
            actions: nested(&ct.actions, version),
            ..ct.clone()
        })),
        Action::Clone(inner) => out.push(Action::Clone(nested(inner, version))),
        Action::WriteActions(inner) => {
            if !inner.is_empty() {
                out.push(Action::WriteActions(nested(inner, version)));
            }
        }
        other => out.push(other.clone()),
    }
}
