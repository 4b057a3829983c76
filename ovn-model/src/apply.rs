//! Applying a topology through a replica: diff, transact, and when a concurrent writer changed
//! what the diff was computed from (a `wait` precondition failed), diff again from the updated
//! replica and retry.

use ovsdb_client::replica::Replica;

use crate::diff::{Differ, Owner, Plan};
use crate::error::{Error, Result};
use crate::topology::Topology;

/// What [`apply`] did.
#[derive(Clone, Debug)]
pub struct Applied {
    /// The plan that was committed (empty when the database already matched).
    pub plan: Plan,
    /// How many transactions were sent (0 when nothing needed to change).
    pub attempts: usize,
}

/// Makes the rows `owner` owns match `topology`, through `replica` (which must monitor
/// [`crate::diff::TABLES`]). Retries up to `attempts` times when a concurrent change made the
/// plan stale; the replica reflects the result when this returns. With nothing to change,
/// nothing is sent.
pub async fn apply(
    replica: &Replica,
    topology: &Topology,
    owner: &Owner,
    attempts: usize,
) -> Result<Applied> {
    apply_with(&mut Differ::new(owner.clone()), replica, topology, attempts).await
}

/// [`apply`] through `differ`, which remembers what it verified from one call to the next
/// (a controller keeps one and calls this on every reconcile): when little changed, little
/// is compared.
pub async fn apply_with(
    differ: &mut Differ,
    replica: &Replica,
    topology: &Topology,
    attempts: usize,
) -> Result<Applied> {
    let snap = replica.wait_synced().await?;
    let plan = differ.diff(topology, &snap)?;
    if plan.is_empty() {
        return Ok(Applied { plan, attempts: 0 });
    }
    // transact_with builds each attempt from a fresh snapshot; the plan and the model's own
    // errors are kept beside it.
    let mut last = None;
    let mut failure = None;
    let mut sent = 0usize;
    let result = replica
        .transact_with(attempts, |snap| match differ.diff(topology, snap) {
            Ok(plan) => {
                let txn = plan.transaction.clone();
                last = Some(plan);
                sent += 1;
                Ok(txn)
            }
            Err(e) => {
                let text = e.to_string();
                failure = Some(e);
                Err(ovsdb_client::Error::Protocol(text))
            }
        })
        .await;
    if let Some(e) = failure {
        return Err(e);
    }
    result?;
    let plan = last
        .ok_or_else(|| Error::Ovsdb(ovsdb_client::Error::Protocol("no plan was built".into())))?;
    Ok(Applied {
        plan,
        attempts: sent,
    })
}
