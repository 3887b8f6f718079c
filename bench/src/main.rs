//! `chaos-bench`: the on-demand benchmarks of the Chaos supergraph, one subcommand each
//! (the benchmarks themselves are modules of the `chaos_bench` library).
//!
//! ```sh
//! cargo run --release -p chaos-bench -- subscription-fanout --subscribers 1000
//! cargo run --release -p chaos-bench -- router-throughput
//! cargo run --release -p chaos-bench -- actions-throughput --postgres-url "$url"
//! cargo run --release -p chaos-bench -- help router-throughput
//! ```

use chaos_bench::{actions_throughput, router_throughput, subscription_fanout};
use clap::Parser;

/// On-demand benchmarks of the Chaos supergraph.
#[derive(Parser)]
enum Command {
    /// Subscription fan-out: N WebSocket subscribers, directly at the subgraph vs
    /// through the router.
    SubscriptionFanout(subscription_fanout::Args),
    /// Router throughput and latency: our router vs Hive Gateway vs one subgraph
    /// directly.
    RouterThroughput(router_throughput::Args),
    /// `castSkill` and `useItem` throughput on PostgreSQL, through the router.
    ActionsThroughput(actions_throughput::Args),
}

fn main() -> anyhow::Result<()> {
    match Command::parse() {
        Command::SubscriptionFanout(args) => subscription_fanout::run(args),
        Command::RouterThroughput(args) => router_throughput::run(args),
        Command::ActionsThroughput(args) => actions_throughput::run(args),
    }
}
