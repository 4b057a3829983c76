//! Flow-table sync: from the flows a switch should hold and the flows it holds, the fewest
//! flow_mods that make it so — adds for missing flows, `MODIFY_STRICT` for flows whose
//! actions changed, `ADD` (which replaces) for flows whose cookie, timeouts, flags or
//! importance changed, `DELETE_STRICT` for flows no longer wanted — sent in one atomic
//! bundle.
//!
//! Flows are compared in their canonical form for the connection's version (see
//! [`Flow::canonical`]), so a flow written `load:1->reg0[0]` and dumped back as
//! `set_field:0x1/0x1->reg0` is the same flow: a no-op sync sends nothing, where
//! `ovs-ofctl replace-flows` re-sends every flow whose spelling differs.

use std::collections::HashMap;

use crate::conn::Handle;
use crate::error::Result;
use crate::flow::{Command, Flow};
use crate::matching::Match;
use crate::message::{
    FlowStatsRequest, Message, MultipartReplyBody, MultipartRequest, MultipartRequestBody,
};
use crate::version::Version;
use crate::wire::Writer;

/// What identifies a flow in a table: table, priority and match.
type Key<'a> = (u8, u16, &'a Match);

/// The flow_mods a sync sends.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Flows to add.
    pub adds: Vec<Flow>,
    /// Flows whose actions change (sent as `MODIFY_STRICT`, keeping their counters).
    pub modifies: Vec<Flow>,
    /// Flows to replace (their cookie, timeouts, flags or importance change; sent as
    /// `ADD`).
    pub replaces: Vec<Flow>,
    /// Flows to delete (sent as `DELETE_STRICT`).
    pub deletes: Vec<Flow>,
}

impl Plan {
    /// Whether nothing needs sending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many flow_mods the plan sends.
    pub fn len(&self) -> usize {
        self.adds.len() + self.modifies.len() + self.replaces.len() + self.deletes.len()
    }

    /// Encodes the plan's flow_mods (deletes first, then adds, replaces and modifies), each
    /// with an xid from `next_xid`.
    pub fn flow_mods(
        &self,
        version: Version,
        mut next_xid: impl FnMut() -> u32,
    ) -> Result<Vec<Vec<u8>>> {
        let mut out = Vec::with_capacity(self.len());
        let groups: [(&[Flow], Command); 4] = [
            (&self.deletes, Command::DeleteStrict),
            (&self.adds, Command::Add),
            (&self.replaces, Command::Add),
            (&self.modifies, Command::ModifyStrict),
        ];
        for (flows, command) in groups {
            for f in flows {
                let mut w = Writer::with_capacity(256);
                Message::FlowMod(f.to_flow_mod(command, version)?).encode_into(
                    version,
                    next_xid(),
                    &mut w,
                )?;
                out.push(w.into_vec());
            }
        }
        Ok(out)
    }
}

/// The plan that turns `current` (as dumped from the switch) into `desired`, both compared
/// in their canonical form for `version`. A desired flow listed twice (same table,
/// priority and match) counts once, the last one winning, as when ovs-ofctl adds them in
/// order.
pub fn diff(desired: &[Flow], current: &[Flow], version: Version) -> Plan {
    let want: Vec<Flow> = desired.iter().map(|f| f.canonical(version)).collect();
    let have: Vec<Flow> = current.iter().map(|f| f.canonical(version)).collect();
    let key = |f: &Flow| -> (u8, u16) { (f.table_id.unwrap_or(0), f.priority) };
    let mut wanted: HashMap<Key<'_>, &Flow> = HashMap::with_capacity(want.len());
    for f in &want {
        let (t, p) = key(f);
        wanted.insert((t, p, &f.match_), f);
    }
    let mut plan = Plan::default();
    let mut seen: HashMap<Key<'_>, ()> = HashMap::with_capacity(have.len());
    for h in &have {
        let (t, p) = key(h);
        let k = (t, p, &h.match_);
        seen.insert(k, ());
        match wanted.get(&k) {
            None => plan.deletes.push(h.clone()),
            Some(w) => {
                let same_meta = w.new_cookie == h.new_cookie
                    && w.idle_timeout == h.idle_timeout
                    && w.hard_timeout == h.hard_timeout
                    && w.flags == h.flags
                    && w.importance == h.importance;
                if !same_meta {
                    plan.replaces.push((*w).clone());
                } else if w.actions != h.actions {
                    plan.modifies.push((*w).clone());
                }
            }
        }
    }
    // Adds in the order given (the last duplicate wins).
    let mut added: HashMap<Key<'_>, usize> = HashMap::new();
    for f in &want {
        let (t, p) = key(f);
        let k = (t, p, &f.match_);
        if seen.contains_key(&k) {
            continue;
        }
        match added.get(&k) {
            Some(&i) => plan.adds[i] = f.clone(),
            None => {
                added.insert(k, plan.adds.len());
                plan.adds.push(f.clone());
            }
        }
    }
    plan
}

/// Every flow of every table of the switch behind `handle`.
pub async fn dump(handle: &Handle) -> Result<Vec<Flow>> {
    let replies = handle
        .transact(&Message::MultipartRequest(MultipartRequest {
            flags: 0,
            body: MultipartRequestBody::Flow(FlowStatsRequest::default()),
        }))
        .await?;
    let mut flows = Vec::new();
    for r in replies {
        if let Message::MultipartReply(r) = r
            && let MultipartReplyBody::Flow(stats) = r.body
        {
            flows.extend(stats.iter().map(Flow::from_stats));
        }
    }
    Ok(flows)
}

/// Makes the switch behind `handle` hold exactly `desired`: dumps it, computes the
/// [`Plan`], and sends it in one atomic bundle (nothing when the plan is empty). Returns
/// the plan sent.
pub async fn sync(handle: &Handle, desired: &[Flow]) -> Result<Plan> {
    let v = handle.version();
    let current = dump(handle).await?;
    let plan = diff(desired, &current, v);
    if !plan.is_empty() {
        let msgs = plan.flow_mods(v, || handle.next_xid())?;
        handle.bundle(&msgs).await?;
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flows(lines: &[&str], v: Version) -> Vec<Flow> {
        lines.iter().map(|l| Flow::parse(l, v).unwrap()).collect()
    }

    #[test]
    fn spellings_do_not_count_as_changes() {
        let v = Version::Of15;
        let desired = flows(
            &[
                "table=1,priority=10,ip,actions=load:0x1->NXM_NX_REG0[0],resubmit(,2)",
                "table=1,priority=9,tcp,tp_dst=80,actions=drop",
            ],
            v,
        );
        let current = flows(
            &[
                "table=1,priority=10,ip,actions=set_field:0x1/0x1->reg0,resubmit(,2)",
                "table=1,priority=9,tcp,tcp_dst=80,actions=drop",
            ],
            v,
        );
        assert!(diff(&desired, &current, v).is_empty());
    }

    #[test]
    fn minimal_changes() {
        let v = Version::Of13;
        let current = flows(
            &[
                "table=1,priority=10,ip,actions=drop",
                "table=1,priority=11,ip,actions=drop",
                "cookie=0x1,table=1,priority=12,ip,actions=drop",
                "table=1,priority=13,ip,actions=drop",
            ],
            v,
        );
        let desired = flows(
            &[
                "table=1,priority=10,ip,actions=drop",
                "table=1,priority=11,ip,actions=output:1",
                "cookie=0x2,table=1,priority=12,ip,actions=drop",
                "table=1,priority=14,ip,actions=drop",
                "table=1,priority=14,ip,actions=output:2",
            ],
            v,
        );
        let plan = diff(&desired, &current, v);
        assert_eq!(plan.modifies.len(), 1);
        assert_eq!(plan.replaces.len(), 1);
        assert_eq!(plan.deletes.len(), 1);
        assert_eq!(plan.deletes[0].priority, 13);
        assert_eq!(plan.adds.len(), 1);
        assert_eq!(
            plan.adds[0].to_dump_text(v),
            "table=1, priority=14,ip actions=output:2"
        );
        assert_eq!(plan.flow_mods(v, || 1).unwrap().len(), 4);
    }
}
