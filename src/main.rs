//! `chaos`: the Chaos supergraph. See `chaos --help` and the README.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    chaos_supergraph::cli::run(chaos_supergraph::cli::Cli::parse()).await
}
