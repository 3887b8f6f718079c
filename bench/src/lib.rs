//! On-demand benchmarks of the Chaos supergraph; the test command never runs them.
//! Results and the commands that reproduce them are in `docs/benchmarks.md`.
//!
//! One binary, `chaos-bench` (`src/main.rs`), with a subcommand per benchmark, each a
//! module here:
//! - `subscription-fanout` ([`subscription_fanout`]): N WebSocket subscribers, direct
//!   vs through the router.
//! - `router-throughput` ([`router_throughput`]): one player query spanning six
//!   subgraphs through our router (`chaos router`), through Hive Gateway
//!   (`bench/gateway/`) and, as a baseline, one subgraph directly; all in one run
//!   against the same subgraph process.
//! - `actions-throughput` ([`actions_throughput`]): `castSkill` and `useItem` on
//!   PostgreSQL at a few concurrency levels.
//!
//! ```sh
//! cargo run --release -p chaos-bench -- router-throughput --concurrency 1,32
//! ```
//!
//! The modules they share:
//! - a closed-loop load generator with a measured window, in [`load`];
//! - percentiles, in [`latency`];
//! - CPU time and memory of a process from `/proc`, in [`procfs`];
//! - child processes (the binaries under test) that stop when dropped, in [`process`];
//! - the JSON results file `bench/plot.py` turns into a PNG, in [`report`];
//! - a GraphQL-over-HTTP client and the setup steps (players, actors, items, zones) the
//!   benchmarks share, in [`graphql`].

pub mod actions_throughput;
pub mod graphql;
pub mod latency;
pub mod load;
pub mod process;
pub mod procfs;
pub mod report;
pub mod router_throughput;
pub mod subscription_fanout;
