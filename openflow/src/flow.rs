//! Flows in ovs-ofctl's text syntax: one line such as
//! `table=1,priority=100,ip,nw_dst=10.0.0.1,actions=ct(commit,zone=5),resubmit(,2)` to a
//! typed [`Flow`] and to a [`FlowMod`], and back to text exactly as Open vSwitch 3.1's
//! `ovs-ofctl parse-flows` (flow_mod form) and `ovs-ofctl --no-stats dump-flows` (flow stats
//! form) print it for the same OpenFlow version.
//!
//! ```
//! use openflow::Version;
//! use openflow::flow::Flow;
//!
//! let flow = Flow::parse("table=1,priority=100,ip,nw_dst=10.0.0.1,actions=load:1->reg0[0..3],resubmit(,2)", Version::Of15).unwrap();
//! assert_eq!(
//!     flow.to_dump_text(Version::Of15),
//!     "table=1, priority=100,ip,nw_dst=10.0.0.1 actions=set_field:0x1/0xf->reg0,resubmit(,2)"
//! );
//! ```
//!
//! Printing is always of the canonical form a switch would hand back (the actions as the
//! version's encoding decodes), so two spellings of one flow print, and compare, the same.

use std::fmt::Write as _;

use crate::action::{
    Action, Ct, Grouped, Instruction, MatchContext, apply_match_context, canonical_actions,
    encode_apply, encode_instructions, flow_mod_instructions, format_actions,
    format_instructions_lazy, group_for_flow_mod, instructions_to_actions, parse_actions_into,
    quick_apply,
};
use crate::error::{Error, Result};
use crate::field::Field;
use crate::field::{Key, KeyTable};
use crate::matching::{DEFAULT_PRIORITY, Match, NOT_A_MATCH_FIELD};
use crate::message::{FlowMod, FlowStats, NO_BUFFER, OFPG_ANY, OFPP_ANY, encode_flow_mod_with};
use crate::numfmt;
use crate::text::{self, Item};
use crate::version::Version;
use crate::wire::Writer;

/// `OFPFF_SEND_FLOW_REM`.
pub const SEND_FLOW_REM: u16 = 1 << 0;
/// `OFPFF_CHECK_OVERLAP`.
pub const CHECK_OVERLAP: u16 = 1 << 1;
/// `OFPFF_RESET_COUNTS`.
pub const RESET_COUNTS: u16 = 1 << 2;
/// `OFPFF_NO_PKT_COUNTS`.
pub const NO_PKT_COUNTS: u16 = 1 << 3;
/// `OFPFF_NO_BYT_COUNTS`.
pub const NO_BYT_COUNTS: u16 = 1 << 4;

const FLAG_NAMES: [(u16, &str); 5] = [
    (SEND_FLOW_REM, "send_flow_rem"),
    (CHECK_OVERLAP, "check_overlap"),
    (RESET_COUNTS, "reset_counts"),
    (NO_PKT_COUNTS, "no_packet_counts"),
    (NO_BYT_COUNTS, "no_byte_counts"),
];

/// What a flow line is for: which keywords it may carry (as `ovs-ofctl`'s commands).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    /// `add-flow(s)`: actions, timeouts, priority, flags, importance, cookie.
    Add,
    /// `mod-flows`: actions, timeouts, priority, flags; a cookie with a mask selects flows.
    Modify,
    /// `mod-flows --strict`.
    ModifyStrict,
    /// `del-flows`: match, cookie with mask, out_port, out_group.
    Delete,
    /// `del-flows --strict`: also priority.
    DeleteStrict,
}

impl Command {
    /// The `OFPFC_*` value.
    pub fn wire(self) -> u8 {
        match self {
            Command::Add => FlowMod::ADD,
            Command::Modify => FlowMod::MODIFY,
            Command::ModifyStrict => FlowMod::MODIFY_STRICT,
            Command::Delete => FlowMod::DELETE,
            Command::DeleteStrict => FlowMod::DELETE_STRICT,
        }
    }

    fn has_actions(self) -> bool {
        matches!(self, Command::Add | Command::Modify | Command::ModifyStrict)
    }

    fn has_priority(self) -> bool {
        self != Command::Delete
    }

    fn has_out_port(self) -> bool {
        matches!(self, Command::Delete | Command::DeleteStrict)
    }
}

/// One flow as written in ovs-ofctl syntax.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Flow {
    /// The table (`None`: not given; adds go to table 0, deletes to every table).
    pub table_id: Option<u8>,
    /// Priority (32768 when not given).
    pub priority: u16,
    /// The cookie to set (adds; modifies when given).
    pub new_cookie: Option<u64>,
    /// A cookie and mask that select flows (modify, delete).
    pub cookie_match: Option<(u64, u64)>,
    /// Idle timeout in seconds (0: none).
    pub idle_timeout: u16,
    /// Hard timeout in seconds (0: none).
    pub hard_timeout: u16,
    /// Eviction precedence (OpenFlow 1.4+).
    pub importance: u16,
    /// `OFPFF_*` flags ([`SEND_FLOW_REM`], ...).
    pub flags: u16,
    /// Deletes: only flows that output to this port.
    pub out_port: u32,
    /// Deletes: only flows that output to this group.
    pub out_group: u32,
    /// The match.
    pub match_: Match,
    /// The actions, including instruction-level ones (`meter`, `write_actions(...)`,
    /// `goto_table`, ...), as ovs-ofctl lists them.
    pub actions: Vec<Action>,
}

impl Default for Flow {
    fn default() -> Flow {
        Flow {
            table_id: None,
            priority: DEFAULT_PRIORITY,
            new_cookie: None,
            cookie_match: None,
            idle_timeout: 0,
            hard_timeout: 0,
            importance: 0,
            flags: 0,
            out_port: OFPP_ANY,
            out_group: OFPG_ANY,
            match_: Match::new(),
            actions: Vec::new(),
        }
    }
}

/// Parses an unsigned integer as C's `strtoull(s, NULL, 0)` does for ovs-ofctl: `0x` hex,
/// a leading `0` octal, otherwise decimal.
fn parse_c_uint(s: &str) -> Option<u64> {
    if let Some(v) = plain_decimal(s) {
        return Some(v);
    }
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else if s.len() > 1 && s.starts_with('0') {
        u64::from_str_radix(&s[1..], 8).ok()
    } else {
        s.parse().ok()
    }
}

/// A decimal number of 1 to 19 digits without a leading zero (what `priority=100` and
/// `table=44` usually are), which every parser of the flow keywords reads as itself:
/// a loop over the digits instead of the general parsers. `None` for anything else.
#[inline]
fn plain_decimal(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 19 || b.first() == Some(&b'0') {
        return None;
    }
    let mut v = 0u64;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u64::from(d);
    }
    Some(v)
}

fn u16_value(key: &str, value: &str, column: usize) -> Result<u16> {
    parse_c_uint(value)
        .and_then(|v| u16::try_from(v).ok())
        .ok_or_else(|| {
            Error::parse(
                value,
                column,
                format_args!("invalid {key} {value:?}: expected an integer from 0 to 65535"),
            )
        })
}

/// A flow keyword of ovs-ofctl's flow syntax (what is not part of the match).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Keyword {
    /// A flag (`send_flow_rem`...), with its `OFPFF_*` bit.
    Flag(u16),
    /// Accepted and ignored (`duration`, `n_packets`, ... as dump-flows prints them,
    /// `no_readonly_table`, `allow_hidden_fields`).
    Ignored,
    Table,
    Priority,
    IdleTimeout,
    HardTimeout,
    Importance,
    OutPort,
    OutGroup,
    Cookie,
}

/// The flow keywords by name (what [`keyword`] tells apart), in the order of
/// [`KEYWORD_NAMES`].
const KEYWORDS: [(&str, Keyword); 19] = [
    ("table", Keyword::Table),
    ("cookie", Keyword::Cookie),
    ("n_bytes", Keyword::Ignored),
    ("priority", Keyword::Priority),
    ("out_port", Keyword::OutPort),
    ("duration", Keyword::Ignored),
    ("idle_age", Keyword::Ignored),
    ("hard_age", Keyword::Ignored),
    ("out_group", Keyword::OutGroup),
    ("n_packets", Keyword::Ignored),
    ("importance", Keyword::Importance),
    ("idle_timeout", Keyword::IdleTimeout),
    ("hard_timeout", Keyword::HardTimeout),
    ("reset_counts", Keyword::Flag(RESET_COUNTS)),
    ("send_flow_rem", Keyword::Flag(SEND_FLOW_REM)),
    ("check_overlap", Keyword::Flag(CHECK_OVERLAP)),
    ("no_byte_counts", Keyword::Flag(NO_BYT_COUNTS)),
    ("no_packet_counts", Keyword::Flag(NO_PKT_COUNTS)),
    ("no_readonly_table", Keyword::Ignored),
];

/// The names of [`KEYWORDS`] (`allow_hidden_fields`, the one other keyword, is left to
/// the general path).
const KEYWORD_NAMES: [&str; KEYWORDS.len()] = {
    let mut t = [""; KEYWORDS.len()];
    let mut i = 0;
    while i < t.len() {
        t[i] = KEYWORDS[i].0;
        i += 1;
    }
    t
};

/// [`KEY_TABLE`]'s extra list of flow keywords ([`KEYWORD_NAMES`]).
const KEYWORD_LIST: u8 = 0;
/// [`KEY_TABLE`]'s extra list of protocol shorthands.
const PROTOCOL_LIST: u8 = 1;

/// Every key of a flow line's match part the fast path of [`Flow::parse_with`] knows: one
/// look-up tells a flow keyword, a protocol shorthand and a field apart.
static KEY_TABLE: KeyTable = KeyTable::new(&[&KEYWORD_NAMES, &crate::matching::PROTOCOL_NAMES]);

/// The decimal number without a leading zero (1 to 19 digits) that starts at `b[start]`
/// and runs to a separator or the end of `b`: its value and its end. `None` for anything
/// else.
#[inline(always)]
fn decimal_at(b: &[u8], start: usize) -> Option<(u64, usize)> {
    let s = b.get(start..)?;
    if !matches!(s.first(), Some(b'1'..=b'9')) {
        return None;
    }
    let (v, n) = crate::field::value::dec_u64(s)?;
    let end = start + n;
    b.get(end)
        .is_none_or(|&c| crate::text::is_sep(c))
        .then_some((v, end))
}

/// The flow keyword `key` is, if any: by its length first, so that a match field (most
/// keys) is told apart with a compare or two.
#[inline]
fn keyword(key: &str) -> Option<Keyword> {
    use Keyword::*;
    Some(match (key.len(), key) {
        (5, "table") => Table,
        (6, "cookie") => Cookie,
        (7, "n_bytes") => Ignored,
        (8, "priority") => Priority,
        (8, "out_port") => OutPort,
        (8, "duration" | "idle_age" | "hard_age") => Ignored,
        (9, "out_group") => OutGroup,
        (9, "n_packets") => Ignored,
        (10, "importance") => Importance,
        (12, "idle_timeout") => IdleTimeout,
        (12, "hard_timeout") => HardTimeout,
        (12, "reset_counts") => Flag(RESET_COUNTS),
        (13, "send_flow_rem") => Flag(SEND_FLOW_REM),
        (13, "check_overlap") => Flag(CHECK_OVERLAP),
        (14, "no_byte_counts") => Flag(NO_BYT_COUNTS),
        (16, "no_packet_counts") => Flag(NO_PKT_COUNTS),
        (17, "no_readonly_table") | (19, "allow_hidden_fields") => Ignored,
        _ => return None,
    })
}

impl Flow {
    /// Parses a flow for `add-flows` under `version`.
    pub fn parse(line: &str, version: Version) -> Result<Flow> {
        Flow::parse_command(line, Command::Add, version)
    }

    /// Parses a flow line for `command`: flow keywords (`table`, `priority`, `cookie`,
    /// timeouts, flags, `out_port`, ...), match fields, and (for adds and modifies) the
    /// actions after `actions=`. Errors name the offending token and its column.
    pub fn parse_command(line: &str, command: Command, version: Version) -> Result<Flow> {
        let mut flow = Flow::default();
        flow.parse_with(line, command, version)?;
        Ok(flow)
    }

    /// [`Flow::parse_command`] into `self`, replacing the flow it held and reusing the memory
    /// of its match and action list (for parsing many flows one after another; see also
    /// [`FlowModEncoder`]). On error, `self` is the default flow.
    pub fn parse_command_into(
        &mut self,
        line: &str,
        command: Command,
        version: Version,
    ) -> Result<()> {
        self.reset();
        let parsed = self.parse_with(line, command, version);
        if parsed.is_err() {
            self.reset();
        }
        parsed
    }

    /// Makes this the default flow in place, keeping the memory of its match and action
    /// list (no flow is moved or dropped whole).
    fn reset(&mut self) {
        // Every field by name: a field added to `Flow` must be reset here too.
        let Flow {
            table_id,
            priority,
            new_cookie,
            cookie_match,
            idle_timeout,
            hard_timeout,
            importance,
            flags,
            out_port,
            out_group,
            match_,
            actions,
        } = self;
        *table_id = None;
        *priority = DEFAULT_PRIORITY;
        *new_cookie = None;
        *cookie_match = None;
        *idle_timeout = 0;
        *hard_timeout = 0;
        *importance = 0;
        *flags = 0;
        *out_port = OFPP_ANY;
        *out_group = OFPG_ANY;
        match_.clear();
        actions.clear();
    }

    /// Parses `line` into `self`, the default flow (the memory of its match and action list
    /// is used).
    fn parse_with(&mut self, line: &str, command: Command, version: Version) -> Result<()> {
        if let Some((text, col)) = self.parse_match_part(line, command)? {
            parse_actions_at(text, col, version, &mut self.actions)?;
        }
        Ok(())
    }

    /// The part of [`Flow::parse_with`] before the actions: parses everything of `line` but
    /// its action list into `self` (the default flow) and checks the match's prerequisites.
    /// Returns the action list's text and the byte of `line` where it starts, when
    /// `command` has actions.
    fn parse_match_part<'l>(
        &mut self,
        line: &'l str,
        command: Command,
    ) -> Result<Option<(&'l str, usize)>> {
        // As ovs-ofctl: everything from the first "action" on is the action list.
        let (head, actions) = match crate::text::find_action(line) {
            Some(at) if command.has_actions() => {
                let eq = crate::text::find_byte(line.as_bytes().get(at..).unwrap_or(&[]), b'=')
                    .ok_or_else(|| {
                        Error::parse(
                            &line[at..],
                            at + 1,
                            "expected `actions=` followed by actions",
                        )
                    })?;
                (&line[..at], Some((&line[at + eq + 1..], at + eq + 1)))
            }
            Some(at) => {
                return Err(Error::parse(
                    &line[at..],
                    at + 1,
                    "actions are not allowed here",
                ));
            }
            None if command.has_actions() => {
                return Err(Error::parse(line, 1, "must specify an action"));
            }
            None => (line, None),
        };
        self.parse_head(head, command)?;
        if let Err((field, needs)) = self.match_.check_prereqs() {
            let name = field.name();
            let column = head.find(name).map_or(1, |p| p + 1);
            return Err(Error::parse(
                name,
                column,
                format_args!("field {name} requires {needs}"),
            ));
        }
        Ok(actions)
    }

    /// Applies one item of a flow line's match part (a flow keyword or a match token),
    /// the general way.
    fn apply_item(&mut self, item: Item<'_>, command: Command) -> Result<()> {
        let (key, value) = (item.key, item.value);
        let kcol = item.key_offset + 1;
        let vcol = item.value_offset + 1;
        let has_value = item.delim.is_some();
        // A flow keyword this command takes, else a match field.
        let kw = keyword(key).filter(|kw| match kw {
            Keyword::Flag(_) => command.has_actions(),
            Keyword::Ignored => true,
            Keyword::Table | Keyword::Cookie => has_value,
            Keyword::Priority => command.has_priority() && has_value,
            Keyword::IdleTimeout | Keyword::HardTimeout => command.has_actions() && has_value,
            Keyword::Importance => command == Command::Add && has_value,
            Keyword::OutPort | Keyword::OutGroup => command.has_out_port() && has_value,
        });
        match kw {
            Some(Keyword::Flag(flag)) => self.flags |= flag,
            Some(Keyword::Ignored) => {}
            Some(Keyword::Table) => {
                let fast = plain_decimal(value).and_then(|t| u8::try_from(t).ok());
                let t: u8 = fast.map_or_else(|| value.parse(), Ok).map_err(|_| {
                    Error::parse(value, vcol, format_args!("unknown table {value:?}"))
                })?;
                self.table_id = (t != 0xff).then_some(t);
            }
            Some(Keyword::Priority) => {
                self.priority = u16_value(key, value, vcol)?;
            }
            Some(Keyword::IdleTimeout) => {
                self.idle_timeout = u16_value(key, value, vcol)?;
            }
            Some(Keyword::HardTimeout) => {
                self.hard_timeout = u16_value(key, value, vcol)?;
            }
            Some(Keyword::Importance) => {
                self.importance = u16_value(key, value, vcol)?;
            }
            Some(Keyword::OutPort) => {
                self.out_port = crate::field::value::parse_port(value)
                    .map(crate::field::value::port_to_ofp11)
                    .ok_or_else(|| {
                        Error::parse(
                            value,
                            vcol,
                            format_args!("{value} is not a valid OpenFlow port"),
                        )
                    })?;
            }
            Some(Keyword::OutGroup) => {
                self.out_group = match value {
                    "all" => 0xffff_fffc,
                    "any" => OFPG_ANY,
                    _ => parse_c_uint(value)
                        .and_then(|v| u32::try_from(v).ok())
                        .ok_or_else(|| {
                            Error::parse(
                                value,
                                vcol,
                                format_args!("{value} is not a valid OpenFlow group"),
                            )
                        })?,
                };
            }
            Some(Keyword::Cookie) => {
                let bad = |s: &str| Error::parse(s, vcol, format_args!("invalid cookie {s:?}"));
                match value.split_once('/') {
                    Some(_) if command == Command::Add => {
                        return Err(Error::parse(
                            value,
                            vcol,
                            "flow additions cannot use a cookie mask",
                        ));
                    }
                    Some((v, m)) => {
                        let v = parse_c_uint(v).ok_or_else(|| bad(v))?;
                        let m = if m == "-1" {
                            u64::MAX
                        } else {
                            parse_c_uint(m).ok_or_else(|| bad(m))?
                        };
                        self.cookie_match = Some((v, m));
                    }
                    None if !command.has_actions() => {
                        return Err(Error::parse(
                            value,
                            vcol,
                            format_args!(
                                "cannot set cookie (to match on a cookie, specify a mask, e.g. cookie={value}/-1)"
                            ),
                        ));
                    }
                    None => self.new_cookie = Some(parse_c_uint(value).ok_or_else(|| bad(value))?),
                }
            }
            None => {
                let v = item.delim.map(|_| value);
                if let Err(e) = self.match_.parse_token(key, v, kcol) {
                    return Err(match e {
                        Error::Parse { reason, .. } if reason == NOT_A_MATCH_FIELD => {
                            Error::parse(key, kcol, format_args!("unknown keyword {key}"))
                        }
                        e => e,
                    });
                }
            }
        }
        Ok(())
    }

    /// Applies the items of `head`, a flow line's match part (everything before its
    /// actions).
    ///
    /// The usual items are told apart and applied in one pass over the bytes: each key is
    /// looked up once in [`KEY_TABLE`], and a field's value (or a `table` or `priority`)
    /// is parsed as its end is found, straight into the match. Anything else (a value the
    /// fast parsers do not take, a bare field, a `key(value)`, an error...) goes to
    /// [`Flow::apply_item`] with the item the tokenizer makes, as if the fast path were
    /// not there.
    #[inline(never)]
    fn parse_head(&mut self, head: &str, command: Command) -> Result<()> {
        let b = head.as_bytes();
        let mut pos = 0;
        self.match_.make_room();
        // The fast path leaves the match's entries unordered (see `Match::put_unordered`):
        // they are put in order before the general path and at the end.
        loop {
            let key_start = text::skip_seps(b, pos);
            if key_start >= b.len() {
                self.match_.restore_order();
                return Ok(());
            }
            let key_end = text::key_end(b, key_start);
            let delim = b.get(key_end).copied();
            if delim != Some(b'(') {
                let valued = delim.is_some_and(|c| c == b'=' || c == b':');
                let end = match KEY_TABLE.get_in(b, key_start, key_end) {
                    Some(Key::Field(f)) if valued => {
                        self.match_.parse_field_unordered(f, b, key_end + 1)
                    }
                    Some(Key::Extra {
                        list: PROTOCOL_LIST,
                        index,
                    }) if !valued => {
                        self.match_.set_protocol_unordered(usize::from(index));
                        Some(key_end)
                    }
                    Some(Key::Extra {
                        list: KEYWORD_LIST,
                        index,
                    }) if valued => {
                        let kw = KEYWORDS.get(usize::from(index)).map(|k| k.1);
                        let value = decimal_at(b, key_end + 1);
                        match (kw, value) {
                            (Some(Keyword::Table), Some((t, end))) if t <= 0xff => {
                                self.table_id = (t != 0xff).then_some(t as u8);
                                Some(end)
                            }
                            (Some(Keyword::Priority), Some((p, end)))
                                if p <= 0xffff && command.has_priority() =>
                            {
                                self.priority = p as u16;
                                Some(end)
                            }
                            _ => None,
                        }
                    }
                    _ => None,
                };
                if let Some(end) = end {
                    pos = text::after_value(b, end);
                    continue;
                }
            }
            self.match_.restore_order();
            pos = self.apply_general(head, key_start, key_end, command)?;
        }
    }

    /// The general path of [`Flow::parse_head`] for the item of `head` whose key spans
    /// `key_start..key_end`: applies it, and returns where the next item starts looking.
    /// Out of line, so that the fast loop keeps its registers.
    #[cold]
    #[inline(never)]
    fn apply_general(
        &mut self,
        head: &str,
        key_start: usize,
        key_end: usize,
        command: Command,
    ) -> Result<usize> {
        let (item, next) = text::item_at(head, key_start, key_end, 0);
        self.apply_item(item, command)?;
        Ok(next)
    }

    /// The facts of the match that action encodings depend on.
    fn match_context(&self) -> MatchContext {
        match_context(&self.match_)
    }

    /// The flow_mod for `command` under `version`.
    pub fn to_flow_mod(&self, command: Command, version: Version) -> Result<FlowMod> {
        self.clone().into_flow_mod(command, version)
    }

    /// [`Flow::to_flow_mod`], consuming the flow (its match and actions move into the
    /// flow_mod instead of being copied).
    pub fn into_flow_mod(mut self, command: Command, version: Version) -> Result<FlowMod> {
        // Without actions the flow_mod has no instructions, so the match context does not
        // matter.
        let instructions = if command.has_actions() {
            let actions = std::mem::take(&mut self.actions);
            let m = &self.match_;
            flow_mod_instructions(actions, || match_context(m), version)?
        } else {
            Vec::new()
        };
        let match_ = std::mem::take(&mut self.match_);
        Ok(self.flow_mod_with(command, version, match_, instructions))
    }

    /// The flow_mod for `command` under `version` with `match_` and `instructions`.
    fn flow_mod_with(
        &self,
        command: Command,
        version: Version,
        match_: Match,
        instructions: Vec<Instruction>,
    ) -> FlowMod {
        let mut fm = FlowMod {
            match_,
            instructions,
            ..FlowMod::default()
        };
        fm.set_fixed(self.fixed_part(command, version));
        fm
    }

    /// The fixed fields of its flow_mod for `command` under `version`.
    fn fixed_part(&self, command: Command, version: Version) -> crate::message::FixedPart {
        let (cookie, cookie_mask) = match (command, self.cookie_match) {
            (Command::Add, _) => (self.new_cookie.unwrap_or(0), 0),
            (_, Some((c, m))) => (c, m),
            (_, None) => (self.new_cookie.unwrap_or(0), 0),
        };
        let table_id = match (self.table_id, command) {
            (Some(t), _) => t,
            (None, Command::Delete | Command::DeleteStrict) => 0xff,
            (None, Command::Modify | Command::ModifyStrict) => 0xff,
            (None, Command::Add) => 0,
        };
        crate::message::FixedPart {
            cookie,
            cookie_mask,
            table_id,
            command: command.wire(),
            idle_timeout: self.idle_timeout,
            hard_timeout: self.hard_timeout,
            priority: self.priority,
            buffer_id: NO_BUFFER,
            out_port: self.out_port,
            out_group: self.out_group,
            flags: self.flags,
            importance: if version >= Version::Of14 {
                self.importance
            } else {
                0
            },
        }
    }

    /// The flow a flow_mod describes (its instructions flattened into ovs-ofctl's action
    /// list).
    pub fn from_flow_mod(fm: &FlowMod) -> Flow {
        let add = fm.command == FlowMod::ADD;
        Flow {
            table_id: Some(fm.table_id),
            priority: fm.priority,
            new_cookie: add.then_some(fm.cookie),
            cookie_match: (!add && fm.cookie_mask != 0).then_some((fm.cookie, fm.cookie_mask)),
            idle_timeout: fm.idle_timeout,
            hard_timeout: fm.hard_timeout,
            importance: fm.importance,
            flags: fm.flags,
            out_port: fm.out_port,
            out_group: fm.out_group,
            match_: fm.match_.clone(),
            actions: instructions_to_actions(&fm.instructions),
        }
    }

    /// The flow a flow stats entry (a dump) describes.
    pub fn from_stats(fs: &FlowStats) -> Flow {
        Flow {
            table_id: Some(fs.table_id),
            priority: fs.priority,
            new_cookie: Some(fs.cookie),
            cookie_match: None,
            idle_timeout: fs.idle_timeout,
            hard_timeout: fs.hard_timeout,
            importance: fs.importance,
            flags: fs.flags,
            out_port: OFPP_ANY,
            out_group: OFPG_ANY,
            match_: fs.match_.clone(),
            actions: instructions_to_actions(&fs.instructions),
        }
    }

    /// This flow as a switch holding it would describe it under `version`: match and actions
    /// in the form the version's encoding decodes to, the table resolved, fields the version
    /// cannot carry dropped. Two spellings of one flow have equal canonical forms.
    pub fn canonical(&self, version: Version) -> Flow {
        let mut actions = self.actions.clone();
        apply_match_context(&mut actions, self.match_context());
        let mut actions = canonical_actions(&actions, version);
        apply_match_context(&mut actions, self.match_context());
        Flow {
            table_id: Some(self.table_id.unwrap_or(0)),
            importance: if version >= Version::Of14 {
                self.importance
            } else {
                0
            },
            new_cookie: Some(self.new_cookie.unwrap_or(0)),
            match_: self.match_.canonical(version),
            actions,
            ..self.clone()
        }
    }

    /// Appends the flow in the form `ovs-ofctl --no-stats dump-flows` prints it (without
    /// the leading space ovs-ofctl puts before each flow).
    pub fn format_dump(&self, version: Version, out: &mut String) {
        self.format_dump_with(None, version, out);
    }

    fn format_dump_with(&self, stats: Option<&FlowStats>, version: Version, out: &mut String) {
        let c = self.canonical(version);
        let cookie = c.new_cookie.unwrap_or(0);
        if stats.is_some() || cookie != 0 {
            let _ = write!(out, "cookie={cookie:#x}, ");
        }
        if let Some(s) = stats {
            out.push_str("duration=");
            format_duration(s.duration_sec, s.duration_nsec, out);
            out.push_str(", ");
        }
        let table = c.table_id.unwrap_or(0);
        if stats.is_some() || table != 0 {
            let _ = write!(out, "table={table}, ");
        }
        if let Some(s) = stats {
            let _ = write!(
                out,
                "n_packets={}, n_bytes={}, ",
                Stat(s.packet_count),
                Stat(s.byte_count)
            );
        }
        if c.idle_timeout != 0 {
            let _ = write!(out, "idle_timeout={}, ", c.idle_timeout);
        }
        if c.hard_timeout != 0 {
            let _ = write!(out, "hard_timeout={}, ", c.hard_timeout);
        }
        format_flags(c.flags, out);
        if c.importance != 0 {
            let _ = write!(out, "importance={}, ", c.importance);
        }
        if let Some(age) = stats.and_then(|s| s.idle_age) {
            let _ = write!(out, "idle_age={age}, ");
        }
        let before = out.len();
        c.match_.format_with_priority(c.priority, out);
        if out.len() != before {
            out.push(' ');
        }
        out.push_str("actions=");
        format_actions(&c.actions, version, out);
    }

    /// [`Flow::format_dump`] as a new string.
    pub fn to_dump_text(&self, version: Version) -> String {
        let mut s = String::new();
        self.format_dump(version, &mut s);
        s
    }
}

/// Appends a flow stats entry as `ovs-ofctl dump-flows` prints it (without the leading
/// space), with its statistics when `show_stats`.
///
/// Prints straight from the entry (what [`Flow::from_stats`] then [`Flow::format_dump`]
/// print, without copying the match or flattening and canonicalising the actions into new
/// lists: the printer writes each action's canonical form as it goes).
pub fn format_flow_stats(fs: &FlowStats, version: Version, show_stats: bool, out: &mut String) {
    if show_stats || fs.cookie != 0 {
        out.push_str("cookie=");
        numfmt::hex_0x(out, u128::from(fs.cookie));
        out.push_str(", ");
    }
    if show_stats {
        out.push_str("duration=");
        format_duration(fs.duration_sec, fs.duration_nsec, out);
        out.push_str(", ");
    }
    if show_stats || fs.table_id != 0 {
        out.push_str("table=");
        numfmt::dec(out, u64::from(fs.table_id));
        out.push_str(", ");
    }
    if show_stats {
        out.push_str("n_packets=");
        put_stat(out, fs.packet_count);
        out.push_str(", n_bytes=");
        put_stat(out, fs.byte_count);
        out.push_str(", ");
    }
    if fs.idle_timeout != 0 {
        out.push_str("idle_timeout=");
        numfmt::dec(out, u64::from(fs.idle_timeout));
        out.push_str(", ");
    }
    if fs.hard_timeout != 0 {
        out.push_str("hard_timeout=");
        numfmt::dec(out, u64::from(fs.hard_timeout));
        out.push_str(", ");
    }
    format_flags(fs.flags, out);
    if version >= Version::Of14 && fs.importance != 0 {
        out.push_str("importance=");
        numfmt::dec(out, u64::from(fs.importance));
        out.push_str(", ");
    }
    if show_stats && let Some(age) = fs.idle_age {
        let _ = write!(out, "idle_age={age}, ");
    }
    let before = out.len();
    fs.match_.format_with_priority(fs.priority, out);
    if out.len() != before {
        out.push(' ');
    }
    out.push_str("actions=");
    format_instructions_lazy(&fs.instructions, || match_context(&fs.match_), version, out);
}

/// [`format_flow_stats`] the slow way, through [`Flow::from_stats`] and [`Flow`]'s
/// canonical form: the reference the direct printer is checked against.
#[doc(hidden)]
pub fn format_flow_stats_reference(
    fs: &FlowStats,
    version: Version,
    show_stats: bool,
    out: &mut String,
) {
    Flow::from_stats(fs).format_dump_with(show_stats.then_some(fs), version, out);
}

/// A counter as [`Stat`] displays it.
fn put_stat(out: &mut String, v: u64) {
    if v == u64::MAX {
        out.push('?');
    } else {
        numfmt::dec(out, v);
    }
}

/// A counter, `?` when the switch does not know it.
struct Stat(u64);

impl std::fmt::Display for Stat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0 == u64::MAX {
            f.write_str("?")
        } else {
            write!(f, "{}", self.0)
        }
    }
}

/// Seconds as ovs-ofctl prints durations: no decimals for whole seconds, three for whole
/// milliseconds, otherwise as many as the nanoseconds need.
fn format_duration(sec: u32, nsec: u32, out: &mut String) {
    let _ = write!(out, "{sec}");
    if nsec > 0 {
        if nsec.is_multiple_of(1_000_000) {
            let _ = write!(out, ".{:03}", nsec / 1_000_000);
        } else {
            let digits = format!("{nsec:09}");
            out.push('.');
            out.push_str(digits.trim_end_matches('0'));
        }
    }
    out.push('s');
}

fn format_flags(flags: u16, out: &mut String) {
    // Most flow_mods have none: no walk of the names.
    if flags == 0 {
        return;
    }
    for (bit, name) in FLAG_NAMES {
        if flags & bit != 0 {
            out.push_str(name);
            out.push(' ');
        }
    }
}

/// Appends a flow_mod the way `ovs-ofctl ofp-print` prints its body (after the message
/// header's text): ` ADD table:1 priority=100,ip actions=...`.
pub fn format_flow_mod(fm: &FlowMod, version: Version, out: &mut String) {
    out.push(' ');
    match fm.command {
        FlowMod::ADD => out.push_str("ADD"),
        FlowMod::MODIFY => out.push_str("MOD"),
        FlowMod::MODIFY_STRICT => out.push_str("MOD_STRICT"),
        FlowMod::DELETE => out.push_str("DEL"),
        FlowMod::DELETE_STRICT => out.push_str("DEL_STRICT"),
        c => {
            let _ = write!(out, "cmd:{c}");
        }
    }
    if fm.table_id != 0 {
        out.push_str(" table:");
        numfmt::dec(out, u64::from(fm.table_id));
    }
    out.push(' ');
    fm.match_.format_with_priority(fm.priority, out);
    if !out.ends_with(' ') {
        out.push(' ');
    }
    let add = fm.command == FlowMod::ADD;
    let modify = matches!(fm.command, FlowMod::MODIFY | FlowMod::MODIFY_STRICT);
    // As Open vSwitch decodes it: an add sets its cookie; a modify with no cookie mask
    // sets it too; otherwise the cookie and mask select flows.
    let new_cookie = if add || (modify && fm.cookie_mask == 0) {
        fm.cookie
    } else {
        u64::MAX
    };
    if new_cookie != 0 && new_cookie != u64::MAX {
        out.push_str("cookie:");
        numfmt::hex_0x(out, u128::from(new_cookie));
        out.push(' ');
    }
    if !add && fm.cookie_mask != 0 {
        let _ = write!(out, "cookie:{:#x}/{:#x} ", fm.cookie, fm.cookie_mask);
    }
    if fm.idle_timeout != 0 {
        out.push_str("idle:");
        numfmt::dec(out, u64::from(fm.idle_timeout));
        out.push(' ');
    }
    if fm.hard_timeout != 0 {
        out.push_str("hard:");
        numfmt::dec(out, u64::from(fm.hard_timeout));
        out.push(' ');
    }
    if fm.importance != 0 {
        out.push_str("importance:");
        numfmt::dec(out, u64::from(fm.importance));
        out.push(' ');
    }
    if fm.buffer_id != NO_BUFFER {
        let _ = write!(out, "buf:{:#x} ", fm.buffer_id);
    }
    if fm.out_port != OFPP_ANY {
        out.push_str("out_port:");
        match crate::field::value::port_from_ofp11(fm.out_port) {
            Some(p) => crate::field::value::format_port(p, out),
            None => {
                let _ = write!(out, "{}", fm.out_port);
            }
        }
        out.push(' ');
    }
    format_flags(fm.flags, out);
    out.push_str("actions=");
    format_instructions_lazy(&fm.instructions, || match_context(&fm.match_), version, out);
}

/// The line `ovs-ofctl parse-flows` prints for a flow_mod message:
/// `OFPT_FLOW_MOD (OF1.5) (xid=0x1): ADD ...`.
pub fn flow_mod_line(fm: &FlowMod, version: Version, xid: u32) -> String {
    let mut s = String::with_capacity(256);
    format_flow_mod_line(fm, version, xid, &mut s);
    s
}

/// Appends [`flow_mod_line`] (without a newline) to `out`.
pub fn format_flow_mod_line(fm: &FlowMod, version: Version, xid: u32, out: &mut String) {
    out.push_str("OFPT_FLOW_MOD (");
    out.push_str(version.short_name());
    out.push_str(") (xid=");
    numfmt::hex_0x(out, u128::from(xid));
    out.push_str("):");
    format_flow_mod(fm, version, out);
}

/// Turns flow lines into flow_mod messages one after another, keeping its memory from one
/// flow to the next: what [`Flow::parse_command`], [`Flow::into_flow_mod`] and
/// [`Message::encode_into`](crate::message::Message::encode_into) do, without allocating a
/// flow, its match, its action list and its instructions for each line. For files of
/// flows: `ofctl add-flows` encodes 100k flows, into bundle adds, with one per thread.
///
/// ```
/// use openflow::Version;
/// use openflow::flow::{Command, Flow, FlowModEncoder};
/// use openflow::message::Message;
/// use openflow::wire::Writer;
///
/// let mut enc = FlowModEncoder::new(Version::Of15);
/// let mut w = Writer::new();
/// let line = "table=1,ip,nw_dst=10.0.0.1,actions=resubmit(,2)";
/// enc.encode_line(line, Command::Add, 7, &mut w).unwrap();
/// let fm = Flow::parse(line, Version::Of15).unwrap().into_flow_mod(Command::Add, Version::Of15);
/// assert_eq!(w.as_slice(), Message::FlowMod(fm.unwrap()).encode(Version::Of15, 7).unwrap());
/// ```
#[derive(Debug)]
pub struct FlowModEncoder {
    version: Version,
    /// The flow being encoded (its match and action list keep their memory; a plain
    /// action list is written as its apply-actions from where it is).
    flow: Flow,
    /// A `ct` action that the usual action lists are read into, one `ct` after another, as
    /// they are written straight from their text (its nested list keeps its memory).
    ct: Ct,
}

impl FlowModEncoder {
    /// An encoder of flow_mods for `version`.
    pub fn new(version: Version) -> FlowModEncoder {
        FlowModEncoder {
            version,
            flow: Flow::default(),
            ct: Ct::default(),
        }
    }

    /// The version it encodes for.
    pub fn version(&self) -> Version {
        self.version
    }

    /// Parses `line` as a flow for `command` and appends its flow_mod, with transaction id
    /// `xid`, to `w`. Errors as [`Flow::parse_command`] and [`Flow::into_flow_mod`] do;
    /// `w` is then left as it was.
    pub fn encode_line(
        &mut self,
        line: &str,
        command: Command,
        xid: u32,
        w: &mut Writer,
    ) -> Result<()> {
        let v = self.version;
        self.flow.reset();
        let actions = self.flow.parse_match_part(line, command)?;
        // The fixed fields; the match and instructions are encoded from where they are.
        let head = self.flow.fixed_part(command, v);
        let Flow {
            match_,
            actions: list,
            ..
        } = &mut self.flow;
        let match_ = &*match_;
        let Some((text, col)) = actions else {
            return encode_flow_mod_with(v, xid, &head, match_, |_| Ok(()), w);
        };
        let ct = &mut self.ct;
        let mut reached = false;
        let res = encode_flow_mod_with(
            v,
            xid,
            &head,
            match_,
            |w| {
                reached = true;
                // The usual list straight from its text to the wire; else the general way.
                let at = w.len();
                if quick_apply(text, v, w, ct).is_some() {
                    return Ok(());
                }
                w.truncate(at);
                encode_actions_at(text, col, v, match_, list, w)
            },
            w,
        );
        if res.is_err() && !reached {
            // Writing failed before the actions: an error in them comes first, as parsing
            // the whole flow before writing it would report. (Defensive: no match that
            // parses fails to be written today, and importance, which OpenFlow 1.3 cannot
            // carry, is left out of its fixed part before writing.)
            parse_actions_at(text, col, v, list)?;
            group_for_flow_mod(std::mem::take(list), || match_context(match_), v)?;
        }
        res
    }
}

/// Parses the action list `text`, which starts at byte `col` of its flow's line, into
/// `list` (empty; its memory is used), with error columns counted from the line's start.
fn parse_actions_at(
    text: &str,
    col: usize,
    version: Version,
    list: &mut Vec<Action>,
) -> Result<()> {
    // Room for a usual list at once (a new flow's list would grow twice).
    if list.capacity() == 0 {
        *list = Vec::with_capacity(8);
    }
    parse_actions_into(text, version, list).map_err(|e| match e {
        Error::Parse {
            token,
            column,
            reason,
        } => Error::Parse {
            token,
            column: column + col,
            reason,
        },
        e => e,
    })
}

/// The instructions of a flow_mod whose match is `match_` for the action list `text`
/// (starting at byte `col` of its line), parsed into `list` (empty; its memory is used and
/// kept), written to `w` for `version` the general way: parsed, grouped, encoded.
fn encode_actions_at(
    text: &str,
    col: usize,
    version: Version,
    match_: &Match,
    list: &mut Vec<Action>,
    w: &mut Writer,
) -> Result<()> {
    parse_actions_at(text, col, version, list)?;
    match group_for_flow_mod(std::mem::take(list), || match_context(match_), version)? {
        // The usual list: written as one apply-actions from where it is, and kept (its
        // memory) for the next flow.
        Grouped::Apply(actions) => {
            let res = encode_apply(&actions, w, version);
            *list = actions;
            res
        }
        Grouped::Instructions(instructions) => {
            encode_instructions(&instructions, w, version).map(drop)
        }
    }
}

/// The facts of a match that action encodings depend on.
fn match_context(m: &Match) -> MatchContext {
    // Both fields are stored as themselves: their slots are what `Match::get` returns,
    // read without its dispatch over the folded fields.
    let (proto, proto_mask) = m.slot(Field::NwProto);
    let ip_proto = (proto_mask == 0xff).then_some(proto as u8);
    let (tci, tci_mask) = m.slot(Field::VlanTci);
    let has_vlan = tci & tci_mask & 0x1000 != 0;
    MatchContext { ip_proto, has_vlan }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;

    /// One encoder through lines of every kind, errors among them: each flow_mod is the
    /// bytes the flow-at-a-time path gives, and a line that fails leaves the buffer as it
    /// was and the next line unharmed.
    #[test]
    fn the_encoder_agrees_with_the_flow_at_a_time_path() {
        let lines = [
            (
                Command::Add,
                "table=14,priority=120,ct_state=+new-est+trk,tcp,reg14=0x715,metadata=0xb,nw_dst=10.0.39.20,tp_dst=80,actions=ct(commit,zone=NXM_NX_REG13[0..15],nat(dst=172.16.39.20:8080),exec(load:0x1->NXM_NX_CT_MARK[1])),load:0x1->NXM_NX_REG10[3],resubmit(,15)",
            ),
            (
                Command::Add,
                "table=21,priority=100,ip,reg0=0x3/0xffff,metadata=0x1,nw_dst=10.0.0.0/24,actions=dec_ttl(),load:0xa000001->NXM_NX_XXREG0[96..127],mod_dl_src:0a:00:00:00:02:01,resubmit(,22)",
            ),
            (
                Command::Add,
                "table=1,udp,tp_src=53,actions=mod_tp_src:54,output:2",
            ),
            (Command::Add, "table=1,bogus=1,actions=drop"),
            (
                Command::Add,
                "priority=5,actions=meter:3,write_actions(output:1),write_metadata:0x5/0xff,goto_table:4",
            ),
            (Command::Add, "table=3,actions=drop"),
            (
                Command::Add,
                "cookie=0x5,idle_timeout=10,hard_timeout=20,importance=7,send_flow_rem,actions=clear_actions",
            ),
            (Command::Add, "table=2,actions=goto_table:1"),
            (Command::Add, "table=5,ip,actions=resubmit(,300)"),
            (
                Command::Modify,
                "table=4,cookie=0x1/0xff,ip,actions=output:3",
            ),
            (Command::ModifyStrict, "priority=7,arp,actions=drop"),
            (Command::Delete, "table=4,out_port=3,cookie=0x1/-1"),
            (Command::DeleteStrict, "priority=9,ipv6,ipv6_dst=::1"),
            (Command::Delete, "table=4,actions=drop"),
            (
                Command::Add,
                "in_port=1,actions=clone(ct(commit,table=3),output:2),learn(table=9,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[])",
            ),
            (
                Command::Add,
                "tcp,tp_dst=80,actions=mod_nw_dst:1.2.3.4,set_field:5->tcp_dst",
            ),
            (Command::Add, ""),
            // Flow importance (left out under OpenFlow 1.3) with actions that fail to
            // parse, that take the straight way and that take the general way.
            (Command::Add, "importance=7,actions=bogus_action"),
            (Command::Add, "importance=7,actions=resubmit(,3)"),
            (Command::Add, "importance=7,actions=output:3"),
            (
                Command::Add,
                "table=44,ct_state=-new+est-rpl+trk,ct_mark=0x1/0x1,ip,actions=load:0x1->NXM_NX_XXREG0[97],ct(commit,zone=NXM_NX_REG11[0..15],exec(load:0x0->NXM_NX_CT_MARK[0])),resubmit(,45)",
            ),
            (
                Command::Add,
                "ip,actions=load:0x1->NXM_NX_CT_MARK[],resubmit(,2)",
            ),
            (Command::Add, "ip,actions=dec_ttl,resubmit(,2),"),
        ];
        for version in [Version::Of13, Version::Of15] {
            let mut enc = FlowModEncoder::new(version);
            let mut w = Writer::new();
            let mut want = Vec::new();
            let (mut ok, mut failed) = (0, 0);
            for (k, &(command, line)) in lines.iter().enumerate() {
                let xid = k as u32 + 1;
                let before = w.len();
                let expected = Flow::parse_command(line, command, version)
                    .and_then(|f| f.into_flow_mod(command, version))
                    .and_then(|fm| Message::FlowMod(fm).encode(version, xid));
                let got = enc.encode_line(line, command, xid, &mut w);
                match expected {
                    Ok(bytes) => {
                        assert!(got.is_ok(), "{version:?} {line}: {got:?}");
                        assert_eq!(&w.as_slice()[before..], &bytes[..], "{version:?} {line}");
                        want.extend_from_slice(&bytes);
                        ok += 1;
                    }
                    Err(e) => {
                        let got = got.expect_err(line);
                        assert_eq!(got.to_string(), e.to_string(), "{version:?} {line}");
                        assert_eq!(w.len(), before, "{version:?} {line}");
                        failed += 1;
                    }
                }
            }
            assert_eq!(w.as_slice(), &want[..]);
            assert!(ok >= 12 && failed >= 3, "{ok} encoded, {failed} failed");
        }
    }

    /// The key table's extra names are what `keyword` and the match's protocols say, and
    /// no field has one of them (a key table name takes precedence over a field's).
    #[test]
    fn key_table_names_are_keywords_and_protocols() {
        for (k, &(name, kw)) in KEYWORDS.iter().enumerate() {
            assert_eq!(keyword(name), Some(kw), "{name}");
            assert_eq!(Field::from_name(name), None, "{name}");
            let want = Key::Extra {
                list: KEYWORD_LIST,
                index: k as u8,
            };
            assert_eq!(KEY_TABLE.get(name), Some(want), "{name}");
        }
        for (k, name) in crate::matching::PROTOCOL_NAMES.iter().enumerate() {
            assert_eq!(keyword(name), None, "{name}");
            assert_eq!(Field::from_name(name), None, "{name}");
            let want = Key::Extra {
                list: PROTOCOL_LIST,
                index: k as u8,
            };
            assert_eq!(KEY_TABLE.get(name), Some(want), "{name}");
        }
    }

    /// The general way of parsing a match part that [`Flow::parse_head`] has a fast path
    /// beside: each item of the tokenizer, applied by [`Flow::apply_item`].
    fn parse_head_ref(flow: &mut Flow, head: &str, command: Command) -> Result<()> {
        for item in text::KeyValues::new(head, 0) {
            flow.apply_item(item, command)?;
        }
        Ok(())
    }

    /// The usual action lists are written straight from their text to the wire, as the
    /// general way (parse, group, encode) writes them; the others are left to it. One `ct`
    /// is read into throughout, as an encoder does.
    #[test]
    fn usual_action_lists_go_straight_to_the_wire() {
        let cases = [
            (
                "ct(commit,zone=NXM_NX_REG13[0..15],nat(dst=172.16.0.0:8080),exec(load:0x1->NXM_NX_CT_MARK[1])),load:0x1->NXM_NX_REG10[3],resubmit(,15)",
                true,
            ),
            (
                "load:0x1->NXM_NX_XXREG0[97],load:0x2->NXM_NX_REG15[],ct(commit,zone=NXM_NX_REG11[0..15],exec(load:0x0->NXM_NX_CT_MARK[0])),resubmit(,45)",
                true,
            ),
            (
                "dec_ttl(),load:0xa000001->NXM_NX_XXREG0[96..127],load:0x3->NXM_NX_REG15[],mod_dl_src:0a:00:00:00:02:01,load:0x1->NXM_NX_REG10[0],resubmit(,22)",
                true,
            ),
            (
                "ct(commit,zone=NXM_NX_REG12[0..15],table=13,nat(src=192.168.0.3:1024-65535,random),exec(load:0x4->NXM_NX_CT_LABEL[0..31]))",
                true,
            ),
            ("ct(table=3)", true),
            (" dec_ttl , mod_dl_dst:00:00:00:00:00:01,", true),
            ("load:0xffff->NXM_NX_XXREG1[60..75]", true),
            ("load:0x1->NXM_NX_CT_MARK[]", false),
            ("load:0x1->NXM_NX_REG0[],output:2", false),
            ("resubmit(,15),goto_table:3", false),
            ("ct(commit,exec(set_field:0x1->ct_mark))", false),
            ("drop", false),
            ("", false),
            (" , ", false),
        ];
        let mut ct = Ct::default();
        for version in [Version::Of13, Version::Of15] {
            for (text, quick) in cases {
                let mut w = Writer::new();
                let got = quick_apply(text, version, &mut w, &mut ct);
                assert_eq!(got.is_some(), quick, "{version:?} {text}");
                if quick {
                    let mut want = Writer::new();
                    let m = Match::default();
                    encode_actions_at(text, 0, version, &m, &mut Vec::new(), &mut want).unwrap();
                    assert_eq!(w.as_slice(), want.as_slice(), "{version:?} {text}");
                }
            }
        }
    }

    /// The fast path of the match part gives the flows and errors of the general one, on
    /// random lines of usual and unusual keys, delimiters, values and separators.
    #[test]
    fn the_fast_match_path_agrees_with_the_general_one() {
        let keys = [
            "table",
            "priority",
            "cookie",
            "out_port",
            "idle_timeout",
            "send_flow_rem",
            "ct_state",
            "tcp",
            "udp",
            "ip",
            "ipv6",
            "icmp6",
            "arp",
            "eth",
            "reg14",
            "reg0",
            "metadata",
            "nw_dst",
            "nw_src",
            "tp_dst",
            "tp_src",
            "ct_mark",
            "ct_label",
            "dl_src",
            "in_port",
            "vlan_tci",
            "dl_vlan",
            "nw_tos",
            "ip_dscp",
            "nw_frag",
            "xreg1",
            "xxreg0",
            "tcp_flags",
            "ipv6_dst",
            "tun_metadata3",
            "reg0[0..3]",
            "bogus",
            "ct_nw_src",
            "icmp_type",
            "arp_op",
            "mpls_label",
            "pkt_mark",
            "n_packets",
            "importance",
            "out_group",
            "TABLE",
            "",
        ];
        let values = [
            "14",
            "120",
            "0",
            "255",
            "256",
            "65535",
            "65536",
            "0x1",
            "0x1/0x1",
            "0xffff",
            "+new-est+trk",
            "-new+est-rpl+trk",
            "+trk",
            "+tr",
            "10.0.0.1",
            "10.0.0.0/24",
            "10.0.0.0/33",
            "1.2.3",
            "80",
            "0x0/0x0",
            "1/0",
            "",
            "*",
            "00:11:22:33:44:55",
            "LOCAL",
            "(1)",
            "5(x,y)",
            "no",
            "later",
            "0x11223344556677889900",
            "::1",
            "007",
            "0x",
            "-1",
            "1e",
            "+new+new",
        ];
        let delims = ["=", "=", "=", ":", "(", ""];
        let seps = [",", ",", ", ", " ", ",,", "\t", ""];
        let mut next = crate::text::picker(0x5eed_1234_abcd);
        let mut heads = vec![
            "table=14,priority=120,ct_state=+new-est+trk,tcp,reg14=0x1,metadata=0x1,nw_dst=10.0.0.0,tp_dst=80".to_string(),
            "table=44,priority=2002,ct_state=-new+est-rpl+trk,ct_mark=0x1/0x1,ip,reg15=0x6f6,metadata=0xa,nw_src=10.0.38.245".to_string(),
            "table=21,priority=100,ip,reg0=0xdeb/0xffff,metadata=0x14,nw_dst=10.0.77.0/24".to_string(),
        ];
        for _ in 0..20000 {
            let mut h = String::new();
            for _ in 0..next(7) {
                h.push_str(keys[next(keys.len())]);
                let d = delims[next(delims.len())];
                h.push_str(d);
                if !d.is_empty() {
                    h.push_str(values[next(values.len())]);
                    if d == "(" && next(2) == 0 {
                        h.push(')');
                    }
                }
                h.push_str(seps[next(seps.len())]);
            }
            heads.push(h);
        }
        let commands = [
            Command::Add,
            Command::Modify,
            Command::ModifyStrict,
            Command::Delete,
            Command::DeleteStrict,
        ];
        for (k, h) in heads.iter().enumerate() {
            let command = commands[k % commands.len()];
            let (mut fast, mut general) = (Flow::default(), Flow::default());
            let got = fast.parse_head(h, command);
            let want = parse_head_ref(&mut general, h, command);
            match (got, want) {
                (Ok(()), Ok(())) => assert_eq!(fast, general, "{h:?}"),
                (got, want) => assert_eq!(
                    got.map_err(|e| e.to_string()),
                    want.map_err(|e| e.to_string()),
                    "{h:?}"
                ),
            }
        }
    }

    #[test]
    fn parsing_into_a_flow_replaces_all_of_it() {
        let v = Version::Of15;
        let mut f = Flow::parse(
            "table=3,priority=9,cookie=0x7,idle_timeout=5,send_flow_rem,ip,nw_src=1.1.1.1,actions=output:1",
            v,
        )
        .unwrap();
        f.parse_command_into("tcp,actions=drop", Command::Add, v)
            .unwrap();
        assert_eq!(f, Flow::parse("tcp,actions=drop", v).unwrap());
        f.parse_command_into("table=1,udp", Command::Delete, v)
            .unwrap();
        assert_eq!(
            f,
            Flow::parse_command("table=1,udp", Command::Delete, v).unwrap()
        );
        // A line that fails leaves the default flow, whatever was there.
        f.parse_command_into(
            "table=3,priority=9,cookie=0x7/0xff,out_port=2,out_group=4,tcp,tp_dst=8",
            Command::DeleteStrict,
            v,
        )
        .unwrap();
        assert!(
            f.parse_command_into("tcp,bogus=1", Command::Modify, v)
                .is_err()
        );
        assert_eq!(f, Flow::default());
        // Every field is reset.
        let mut g = Flow {
            table_id: Some(1),
            priority: 1,
            new_cookie: Some(1),
            cookie_match: Some((1, 1)),
            idle_timeout: 1,
            hard_timeout: 1,
            importance: 1,
            flags: 1,
            out_port: 1,
            out_group: 1,
            match_: Match::parse("ip").unwrap(),
            actions: vec![Action::DecTtl {
                controller_ids: vec![0],
                cnt_ids: false,
            }],
        };
        g.reset();
        assert_eq!(g, Flow::default());
    }
}
