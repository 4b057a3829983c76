//! Instructions (OpenFlow 1.1+) and their relation to ovs-ofctl's flat action lists.

use crate::error::{Error, Result};
use crate::field::Field;
use crate::version::Version;
use crate::wire::{Reader, Writer};

use super::decode::{NestIn, Spare, nested_violation};
use super::*;

/// Open vSwitch's instruction kinds, in the order they must appear (`OVSINST_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Meter,
    Apply,
    Clear,
    Write,
    Metadata,
    Goto,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Meter => "meter",
            Kind::Apply => "apply_actions",
            Kind::Clear => "clear_actions",
            Kind::Write => "write_actions",
            Kind::Metadata => "write_metadata",
            Kind::Goto => "goto_table",
        }
    }
}

/// The instruction an action of a flat list belongs to under `version` (`None`: ordering
/// as ovs-ofctl's parser checks it, where `meter` is always an instruction).
fn kind(a: &Action, version: Option<Version>) -> Kind {
    match a {
        Action::Meter(_) if version.is_some_and(|v| v >= Version::Of15) => Kind::Apply,
        Action::Meter(_) => Kind::Meter,
        Action::ClearActions => Kind::Clear,
        Action::WriteActions(_) => Kind::Write,
        Action::WriteMetadata { .. } => Kind::Metadata,
        Action::GotoTable(_) => Kind::Goto,
        _ => Kind::Apply,
    }
}

/// Open vSwitch's `ofpacts_verify` for a parsed list: instruction order, allowed
/// instructions, `conjunction` only with `note`, nesting rules. The error text is Open
/// vSwitch's.
///
/// Inlined into the parser for its usual list (actions only, none that the nesting rules
/// restrict, which passes at once); anything else takes [`verify_rules`].
#[inline]
pub(super) fn verify(
    actions: &[Action],
    allow_instructions: bool,
    outer: NestIn,
) -> Option<String> {
    let fine = if outer == NestIn::Ct {
        actions.iter().all(ct_plain)
    } else {
        actions.iter().all(plain)
    };
    if fine {
        // Actions only, none that the nesting rules restrict: nothing to report.
        return None;
    }
    verify_rules(actions, allow_instructions, outer)
}

/// [`verify`]'s rules, for a list that is not plainly fine.
#[inline(never)]
fn verify_rules(actions: &[Action], allow_instructions: bool, outer: NestIn) -> Option<String> {
    if actions
        .iter()
        .any(|a| matches!(a, Action::Conjunction { .. }))
    {
        if let Some(a) = actions
            .iter()
            .find(|a| !matches!(a, Action::Conjunction { .. } | Action::Note(_)))
        {
            return Some(format!(
                "\"conjunction\" actions may be used along with \"note\" but not any other kind of action (such as the \"{}\" action used here)",
                text::action_name(a)
            ));
        }
        return None;
    }
    if let Some(msg) = nested_violation(actions, outer) {
        return Some(msg);
    }
    let mut inst = Kind::Meter;
    for (i, a) in actions.iter().enumerate() {
        if matches!(a, Action::UnknownInstruction(_)) {
            if !allow_instructions {
                return Some("raw_instruction not allowed here".into());
            }
            continue;
        }
        let next = kind(a, None);
        if i > 0
            && (if inst == Kind::Apply {
                next < inst
            } else {
                next <= inst
            })
        {
            return Some(if next == inst {
                format!(
                    "duplicate {} instruction not allowed, for OpenFlow 1.1+ compatibility",
                    inst.name()
                )
            } else {
                format!(
                    "invalid instruction ordering: {} must appear before {}, for OpenFlow 1.1+ compatibility",
                    next.name(),
                    inst.name()
                )
            });
        }
        let allowed = allow_instructions || matches!(next, Kind::Apply | Kind::Meter);
        if !allowed {
            return Some(format!("{} instruction not allowed here", next.name()));
        }
        inst = next;
    }
    None
}

/// Whether `a` is an action no rule of [`verify`] concerns outside `ct` (not an
/// instruction, `conjunction`, `nat` or `meter`, and not a write to a conntrack field).
fn plain(a: &Action) -> bool {
    match a {
        Action::SetField(sf) => !matches!(sf.field, Field::CtMark | Field::CtLabel),
        Action::Move(m) => !matches!(m.dst.field, Field::CtMark | Field::CtLabel),
        Action::Conjunction { .. }
        | Action::Nat(_)
        | Action::Meter(_)
        | Action::ClearActions
        | Action::WriteActions(_)
        | Action::WriteMetadata { .. }
        | Action::GotoTable(_)
        | Action::UnknownInstruction(_) => false,
        _ => true,
    }
}

/// Whether `a` is an action [`verify`] allows in `ct` without looking further: `nat`, or a
/// write to a conntrack field.
fn ct_plain(a: &Action) -> bool {
    match a {
        Action::SetField(sf) => matches!(sf.field, Field::CtMark | Field::CtLabel),
        Action::Move(m) => matches!(m.dst.field, Field::CtMark | Field::CtLabel),
        Action::Nat(_) => true,
        _ => false,
    }
}

/// What [`crate::flow::Flow::into_flow_mod`] does with a flow's actions:
/// [`apply_match_context`] with the context `ctx` computes, then
/// [`actions_into_instructions`], in one pass over the usual list (actions only, none that
/// depends on the match or that a rule of [`verify`] concerns), which becomes one
/// apply-actions as it is without computing the context.
///
/// An action that may depend on the match (or a nested list that may hold one) hands the
/// list to [`apply_match_context`]; a list that is not plain is then grouped by
/// [`actions_into_instructions`].
pub(crate) fn flow_mod_instructions(
    actions: Vec<Action>,
    ctx: impl FnOnce() -> MatchContext,
    version: Version,
) -> Result<Vec<Instruction>> {
    Ok(match group_for_flow_mod(actions, ctx, version)? {
        Grouped::Apply(actions) if actions.is_empty() => Vec::new(),
        Grouped::Apply(actions) => vec![Instruction::ApplyActions(actions)],
        Grouped::Instructions(list) => list,
    })
}

/// What a flow's action list becomes in its flow_mod.
pub(crate) enum Grouped {
    /// Plain actions (perhaps none): one apply-actions.
    Apply(Vec<Action>),
    /// Instructions grouped by [`actions_into_instructions`].
    Instructions(Vec<Instruction>),
}

/// The body of [`flow_mod_instructions`], for encoders that write a plain list as it is
/// ([`encode_apply`]).
#[inline]
pub(crate) fn group_for_flow_mod(
    mut actions: Vec<Action>,
    ctx: impl FnOnce() -> MatchContext,
    version: Version,
) -> Result<Grouped> {
    let mut bits = 0;
    for a in &actions {
        bits |= grouping(a);
    }
    if bits & DEPENDENT != 0 {
        apply_match_context(&mut actions, ctx());
    }
    Ok(if bits & NOT_PLAIN == 0 {
        Grouped::Apply(actions)
    } else {
        Grouped::Instructions(actions_into_instructions(actions, version)?)
    })
}

/// [`grouping`]'s bit for an action that is not [`plain`].
const NOT_PLAIN: u8 = 1;
/// [`grouping`]'s bit for an action that [`may_depend_on_context`].
const DEPENDENT: u8 = 2;

/// What [`group_for_flow_mod`] asks of `a`, told by one match on it: [`NOT_PLAIN`] unless
/// [`plain`] holds, and [`DEPENDENT`] when [`may_depend_on_context`] does.
#[inline]
fn grouping(a: &Action) -> u8 {
    let dep = |inner: &[Action]| {
        if inner.iter().any(reads_context) {
            DEPENDENT
        } else {
            0
        }
    };
    let ct_field = |f: Field| matches!(f, Field::CtMark | Field::CtLabel);
    match a {
        Action::SetField(sf) if ct_field(sf.field) => NOT_PLAIN,
        Action::Move(m) if ct_field(m.dst.field) => NOT_PLAIN,
        Action::Conjunction { .. }
        | Action::Nat(_)
        | Action::Meter(_)
        | Action::ClearActions
        | Action::WriteMetadata { .. }
        | Action::GotoTable(_)
        | Action::UnknownInstruction(_) => NOT_PLAIN,
        Action::WriteActions(inner) => NOT_PLAIN | dep(inner),
        Action::Ct(ct) => dep(&ct.actions),
        Action::Clone(inner) => dep(inner),
        Action::SetL4SrcPort { .. }
        | Action::SetL4DstPort { .. }
        | Action::SetVlanVid { .. }
        | Action::SetVlanPcp { .. } => DEPENDENT,
        _ => 0,
    }
}

/// Whether an action inside a nested list makes [`may_depend_on_context`] hold for the
/// list's holder: one that reads the context, or another nested list.
#[inline]
fn reads_context(a: &Action) -> bool {
    matches!(
        a,
        Action::SetL4SrcPort { .. }
            | Action::SetL4DstPort { .. }
            | Action::SetVlanVid { .. }
            | Action::SetVlanPcp { .. }
            | Action::Clone(_)
            | Action::WriteActions(_)
            | Action::Ct(_)
    )
}

/// Whether [`apply_match_context`] may change `a`: an action that reads the context, or a
/// nested list holding one or another nested list (looked at one level deep; deeper ones
/// count as dependent, which only costs the context's computation). [`grouping`] answers
/// it along with [`plain`]; this is the rule it follows, which a test compares with it.
#[cfg(test)]
fn may_depend_on_context(a: &Action) -> bool {
    match a {
        Action::Ct(ct) => ct.actions.iter().any(reads_context),
        Action::Clone(inner) | Action::WriteActions(inner) => inner.iter().any(reads_context),
        a => reads_context(a),
    }
}

/// Groups a flat ovs-ofctl action list into the instructions `version` sends, as Open
/// vSwitch does (`ofpacts_put_openflow_instructions`): consecutive actions form one
/// apply-actions, `meter` is an instruction before OpenFlow 1.5 and an action from 1.5 on,
/// an empty `write_actions` is left out. Fails when the list is not in instruction order
/// (`meter`, actions, `clear_actions`, `write_actions`, `write_metadata`, `goto_table`, each
/// at most once) or breaks a nesting rule.
pub fn actions_to_instructions(actions: &[Action], version: Version) -> Result<Vec<Instruction>> {
    actions_into_instructions(actions.to_vec(), version)
}

/// [`actions_to_instructions`], consuming the list (the actions move into the
/// instructions instead of being copied).
pub fn actions_into_instructions(
    actions: Vec<Action>,
    version: Version,
) -> Result<Vec<Instruction>> {
    if actions.iter().all(plain) {
        // The usual list: actions only, none that a rule of `verify` concerns (so it
        // passes), each of them part of one apply-actions holding the list as it is.
        return Ok(if actions.is_empty() {
            Vec::new()
        } else {
            vec![Instruction::ApplyActions(actions)]
        });
    }
    if let Some(msg) = verify(&actions, true, NestIn::Top) {
        return Err(Error::encode("instructions", msg));
    }
    let is_apply = |a: &Action| {
        kind(a, Some(version)) == Kind::Apply && !matches!(a, Action::UnknownInstruction(_))
    };
    if actions.iter().all(is_apply) {
        // The usual list: one apply-actions holding the list as it is.
        return Ok(if actions.is_empty() {
            Vec::new()
        } else {
            vec![Instruction::ApplyActions(actions)]
        });
    }
    let mut out = Vec::new();
    let mut apply: Option<Vec<Action>> = None;
    for a in actions {
        if kind(&a, Some(version)) == Kind::Apply && !matches!(a, Action::UnknownInstruction(_)) {
            apply.get_or_insert_with(Vec::new).push(a);
            continue;
        }
        if let Some(list) = apply.take() {
            out.push(Instruction::ApplyActions(list));
        }
        match a {
            Action::Meter(m) => out.push(Instruction::Meter(m)),
            Action::ClearActions => out.push(Instruction::ClearActions),
            Action::WriteActions(list) if !list.is_empty() => {
                out.push(Instruction::WriteActions(list));
            }
            Action::WriteMetadata { value, mask } => {
                out.push(Instruction::WriteMetadata { value, mask })
            }
            Action::GotoTable(t) => out.push(Instruction::GotoTable(t)),
            Action::UnknownInstruction(b) => out.push(Instruction::Unknown(b)),
            _ => {}
        }
    }
    if let Some(list) = apply.take() {
        out.push(Instruction::ApplyActions(list));
    }
    Ok(out)
}

impl Instruction {
    /// Where Open vSwitch puts the instruction among a flow's when it prints them or
    /// flattens them into an action list: meter, apply-actions, clear-actions,
    /// write-actions, write-metadata, goto-table, then unknown ones (0 to 6).
    pub(crate) fn print_rank(&self) -> u8 {
        match self {
            Instruction::Meter(_) => 0,
            Instruction::ApplyActions(_) => 1,
            Instruction::ClearActions => 2,
            Instruction::WriteActions(_) => 3,
            Instruction::WriteMetadata { .. } => 4,
            Instruction::GotoTable(_) => 5,
            Instruction::Unknown(_) => 6,
        }
    }
}

/// The flat ovs-ofctl action list of `instructions`, in Open vSwitch's order (meter,
/// apply-actions, clear-actions, write-actions, write-metadata, goto-table; unknown
/// instructions last, as [`Action::UnknownInstruction`]).
pub fn instructions_to_actions(instructions: &[Instruction]) -> Vec<Action> {
    let mut out = Vec::new();
    for r in 0..7 {
        for i in instructions.iter().filter(|i| i.print_rank() == r) {
            match i {
                Instruction::Meter(m) => out.push(Action::Meter(*m)),
                Instruction::ApplyActions(list) => out.extend(list.iter().cloned()),
                Instruction::ClearActions => out.push(Action::ClearActions),
                Instruction::WriteActions(list) => out.push(Action::WriteActions(list.clone())),
                Instruction::WriteMetadata { value, mask } => out.push(Action::WriteMetadata {
                    value: *value,
                    mask: *mask,
                }),
                Instruction::GotoTable(t) => out.push(Action::GotoTable(*t)),
                Instruction::Unknown(b) => out.push(Action::UnknownInstruction(b.clone())),
            }
        }
    }
    out
}

/// Actions Open vSwitch allows in an action set (write-actions).
fn allowed_in_action_set(a: &Action) -> bool {
    matches!(
        a,
        Action::StripVlan { .. }
            | Action::PopMpls(_)
            | Action::PushMpls(_)
            | Action::PushVlan(_)
            | Action::DecTtl { .. }
            | Action::DecMplsTtl
            | Action::DecNshTtl
            | Action::Ct(_)
            | Action::CtClear
            | Action::Resubmit(_)
            | Action::Output { .. }
            | Action::Group(_)
            | Action::SetField(_)
            | Action::Move(_)
            | Action::SetEthSrc(_)
            | Action::SetEthDst(_)
            | Action::SetIpDscp(_)
            | Action::SetIpEcn(_)
            | Action::SetIpTtl(_)
            | Action::SetIpv4Src(_)
            | Action::SetIpv4Dst(_)
            | Action::SetL4SrcPort { .. }
            | Action::SetL4DstPort { .. }
            | Action::SetMplsLabel(_)
            | Action::SetMplsTc(_)
            | Action::SetMplsTtl(_)
            | Action::SetQueue(_)
            | Action::SetTunnel { .. }
            | Action::SetVlanPcp { .. }
            | Action::SetVlanVid { .. }
            | Action::Unknown(_)
    )
}

/// Decodes the instructions in `r` into `out`, replacing its contents and reusing the
/// action lists they held.
pub(super) fn decode_into(
    r: &mut Reader<'_>,
    version: Version,
    out: &mut Vec<Instruction>,
) -> Result<()> {
    let mut spare = Spare::default();
    for i in out.drain(..) {
        if let Instruction::ApplyActions(l) | Instruction::WriteActions(l) = i {
            spare.give(l);
        }
    }
    let mut seen = [false; 8];
    while !r.is_empty() {
        let at = r.offset();
        r.need(4)?;
        let typ = r.peek_u16(0)?;
        let len = r.peek_u16(2)? as usize;
        if len < 8 || !len.is_multiple_of(8) {
            return Err(r.error(format_args!(
                "instruction length {len} is not a positive multiple of 8"
            )));
        }
        if len > r.remaining() {
            return Err(r.error(format_args!(
                "instruction length {len} exceeds the {} bytes left",
                r.remaining()
            )));
        }
        let all = r.rest();
        let all = &all[..len];
        let mut i = r.sub(len, "instruction")?;
        let exact = |i: &Reader<'_>, n: usize, name: &'static str| -> Result<()> {
            if i.remaining() != n {
                Err(Error::decode(
                    name,
                    at,
                    format_args!("length {} (must be {n})", i.remaining()),
                ))
            } else {
                Ok(())
            }
        };
        let meter_ok = version < Version::Of15;
        let known = matches!(typ, 1..=5) || (typ == 6 && meter_ok);
        if known {
            if seen[typ as usize] {
                return Err(Error::decode(
                    "instruction",
                    at,
                    format_args!("duplicate instruction of type {typ}"),
                ));
            }
            seen[typ as usize] = true;
        }
        let inst = match typ {
            1 => {
                exact(&i, 8, "OFPIT_GOTO_TABLE")?;
                i.skip(4)?;
                Instruction::GotoTable(i.u8()?)
            }
            2 => {
                exact(&i, 24, "OFPIT_WRITE_METADATA")?;
                i.skip(8)?;
                let value = i.u64()?;
                let mask = i.u64()?;
                Instruction::WriteMetadata { value, mask }
            }
            3 | 4 => {
                i.skip(8)?;
                let n = i.remaining();
                let mut sub = i.sub(
                    n,
                    if typ == 3 {
                        "OFPIT_WRITE_ACTIONS"
                    } else {
                        "OFPIT_APPLY_ACTIONS"
                    },
                )?;
                let mut list = spare.take();
                super::decode::actions_into(&mut sub, version, 0, &mut list, &mut spare)?;
                let outer = if typ == 3 {
                    NestIn::WriteActions
                } else {
                    NestIn::Top
                };
                if let Some(msg) = nested_violation(&list, outer) {
                    return Err(Error::decode("instruction", at, msg));
                }
                if typ == 3 {
                    if let Some(a) = list.iter().find(|a| !allowed_in_action_set(a)) {
                        return Err(Error::decode(
                            "OFPIT_WRITE_ACTIONS",
                            at,
                            format_args!(
                                "{} is not allowed in an action set",
                                text::action_name(a)
                            ),
                        ));
                    }
                    Instruction::WriteActions(list)
                } else {
                    Instruction::ApplyActions(list)
                }
            }
            5 => {
                exact(&i, 8, "OFPIT_CLEAR_ACTIONS")?;
                Instruction::ClearActions
            }
            6 if meter_ok => {
                exact(&i, 8, "OFPIT_METER")?;
                i.skip(4)?;
                Instruction::Meter(i.u32()?)
            }
            _ => Instruction::Unknown(all.to_vec()),
        };
        if let Instruction::ApplyActions(l) | Instruction::WriteActions(l) = &inst
            && l.iter().all(|x| super::encode::emits_nothing(x, version))
        {
            // As Open vSwitch: an instruction without actions is no instruction (and the
            // encoder leaves it out), so that decode(encode(x)) == x.
            if let Instruction::ApplyActions(l) | Instruction::WriteActions(l) = inst {
                spare.give(l);
            }
            continue;
        }
        out.push(inst);
    }
    Ok(())
}

/// Encodes the instructions of a flow_mod whose instructions are one apply-actions of
/// `actions` (none when they encode to nothing), as [`encode`] does.
pub(crate) fn encode_apply(actions: &[Action], w: &mut Writer, version: Version) -> Result<()> {
    action_list(4, actions, w, version)
}

/// Writes an instruction of type `typ` (write- or apply-actions) holding `actions`, unless
/// they encode to nothing: Open vSwitch leaves out such an instruction (set_fields of no
/// bits, no action at all).
#[inline]
fn action_list(typ: u8, actions: &[Action], w: &mut Writer, version: Version) -> Result<()> {
    // From OpenFlow 1.5 on every action encodes to something.
    let nothing = if version >= Version::Of15 {
        actions.is_empty()
    } else {
        actions
            .iter()
            .all(|x| super::encode::emits_nothing(x, version))
    };
    if nothing {
        return Ok(());
    }
    let start = w.len();
    w.bytes(&[0, typ, 0, 0, 0, 0, 0, 0]);
    super::encode::actions(actions, w, version, 0)?;
    w.patch_len(start + 2, start, "instruction")
}

pub(super) fn encode(list: &[Instruction], w: &mut Writer, version: Version) -> Result<()> {
    for i in list {
        match i {
            Instruction::GotoTable(t) => {
                w.u16(1);
                w.u16(8);
                w.u8(*t);
                w.zeros(3);
            }
            Instruction::WriteMetadata { value, mask } => {
                w.u16(2);
                w.u16(24);
                w.zeros(4);
                w.u64(*value);
                w.u64(*mask);
            }
            Instruction::WriteActions(a) => action_list(3, a, w, version)?,
            Instruction::ApplyActions(a) => action_list(4, a, w, version)?,
            Instruction::ClearActions => {
                w.u16(5);
                w.u16(8);
                w.zeros(4);
            }
            Instruction::Meter(m) => {
                if version >= Version::Of15 {
                    return Err(Error::encode(
                        "meter instruction",
                        "OpenFlow 1.5 has a meter action instead",
                    ));
                }
                w.u16(6);
                w.u16(8);
                w.u32(*m);
            }
            Instruction::Unknown(b) => {
                let ok = b.len() >= 8
                    && b.len() % 8 == 0
                    && usize::from(u16::from_be_bytes([b[2], b[3]])) == b.len();
                if !ok {
                    return Err(Error::encode(
                        "raw instruction",
                        "bytes are not one instruction (length field, multiple of 8)",
                    ));
                }
                w.bytes(b);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod grouping_tests {
    use super::*;

    /// [`grouping`] answers [`plain`] and [`may_depend_on_context`] for every kind of
    /// action, nested lists included.
    #[test]
    fn grouping_is_plain_and_may_depend() {
        let lists = [
            "load:0x1->NXM_NX_REG10[3]",
            "ct(commit,exec(load:0x1->NXM_NX_CT_MARK[1],set_field:1->ct_label,move:reg0->ct_mark))",
            "move:reg0->reg1,resubmit(,15),output:1,dec_ttl",
            "mod_tp_src:80,mod_tp_dst:81,mod_vlan_vid:5,mod_vlan_pcp:2,strip_vlan",
            "ct(commit,exec(set_field:1->ct_mark)),ct(nat),ct(commit,nat(src=10.0.0.1))",
            "clone(mod_tp_src:1,clone(mod_tp_dst:2)),clone(output:1),clone(clone(output:2))",
            "meter:1,mod_tp_src:1,clear_actions,write_actions(mod_tp_dst:6,output:2)",
            "write_actions(output:3)",
            "write_actions(clone(output:1)),write_metadata:0x1/0x1,goto_table:2",
            "conjunction(1,1/2),note:01.02",
            "mod_dl_src:00:00:00:00:00:01,push_vlan:0x8100",
        ];
        for text in lists {
            let list = parse_actions(text, Version::Of15);
            let mut todo = list.unwrap_or_else(|e| panic!("{text}: {e}"));
            // The actions of the list and of the lists nested in it.
            while let Some(a) = todo.pop() {
                let not_plain = if plain(&a) { 0 } else { NOT_PLAIN };
                let dependent = if may_depend_on_context(&a) {
                    DEPENDENT
                } else {
                    0
                };
                let want = not_plain | dependent;
                assert_eq!(grouping(&a), want, "{a:?}");
                match &a {
                    Action::Ct(ct) => todo.extend(ct.actions.iter().cloned()),
                    Action::Clone(l) | Action::WriteActions(l) => todo.extend(l.iter().cloned()),
                    _ => {}
                }
            }
        }
    }
}
