//! Times the ovn-model diff of the bench fixture (100k ports) outside criterion, for
//! profilers: `cargo run --release -p benches --example diff_profile [ROUNDS] [differ|no-change]`
//! (with `differ`, only the [`Differ`] cases; with `no-change`, only the [`Differ`]'s no-change
//! case, so that an instruction count of `ROUNDS` rounds minus one of 0 rounds is the cost of
//! `ROUNDS` no-change diffs; `one-percent`, only the [`Differ`]'s 1% changed case; `full`, only
//! [`diff`] without change).

use std::time::Instant;

use benches::diff_fixture::{empty_store, materialize, snapshot_of, topology};
use ovn_model::diff::{Differ, Owner, diff};

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let mode = std::env::args().nth(2);
    let only_no_change = mode.as_deref() == Some("no-change");
    let only_one_percent = mode.as_deref() == Some("one-percent");
    let only_full = mode.as_deref() == Some("full");
    let only_differ = only_no_change || only_one_percent || mode.as_deref() == Some("differ");
    let owner = Owner::default();
    let topo = topology(None);
    let changed = topology(Some(100));
    let all_new = diff(&topo, &empty_store().snapshot(), &owner).expect("diff");
    let snap = snapshot_of(materialize(all_new.transaction.operations()));
    for (what, t) in [("no change", &topo), ("1% changed", &changed)] {
        let is_topo = std::ptr::eq(t, &topo);
        if (only_no_change || only_full) && !is_topo || only_one_percent && is_topo {
            continue;
        }
        if !only_differ {
            let start = Instant::now();
            for _ in 0..rounds {
                std::hint::black_box(diff(t, &snap, &owner).expect("diff"));
            }
            println!(
                "{what}: {:.1} ms per diff",
                start.elapsed().as_secs_f64() * 1e3 / rounds as f64
            );
        }
        if only_full {
            continue;
        }
        let mut differ = Differ::new(owner.clone());
        differ.diff(&topo, &snap).expect("prime");
        let start = Instant::now();
        for _ in 0..rounds {
            std::hint::black_box(differ.diff(t, &snap).expect("diff"));
        }
        println!(
            "{what}, differ: {:.1} ms per diff",
            start.elapsed().as_secs_f64() * 1e3 / rounds as f64
        );
    }
}
