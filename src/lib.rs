//! The Chaos supergraph as one program: every subgraph and the router.
//!
//! - [`supergraph`]: starts the subgraphs and the router together on injected listeners
//!   (the embedded default of `cargo run`, and the end-to-end tests).
//! - [`cli`]: the command line: the embedded default, or one service per process for
//!   production (`chaos router`, `chaos users`, `chaos chaos`), and `export-schema`.
//! - [`schema_export`]: writes each subgraph's federated SDL to `schema/subgraphs/`.

pub mod cli;
pub mod schema_export;
pub mod supergraph;
