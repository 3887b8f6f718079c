//! Each subgraph's federated SDL, as committed under `schema/subgraphs/<name>.graphql`
//! and composed into `schema/supergraph.graphql` by `scripts/compose.sh`.

use std::path::Path;

use subgraph_kit::sdl::federated_sdl;

/// Subgraph name → federated SDL, in composition order.
pub fn subgraph_sdls() -> Vec<(&'static str, String)> {
    vec![
        ("users", federated_sdl(&users_subgraph::schema(None))),
        ("chaos", federated_sdl(&chaos_subgraph::schema(None))),
        ("chat", federated_sdl(&chat_subgraph::schema(None))),
        ("guild", federated_sdl(&guild_subgraph::schema(None))),
        (
            "notifications",
            federated_sdl(&notifications_subgraph::schema(None)),
        ),
        (
            "inventory",
            federated_sdl(&inventory_subgraph::schema(None)),
        ),
        ("content", federated_sdl(&content_subgraph::schema(None))),
        ("payment", federated_sdl(&payment_subgraph::schema(None))),
        ("world", federated_sdl(&world_subgraph::schema(None))),
        (
            "anticheat",
            federated_sdl(&anticheat_subgraph::schema(None)),
        ),
        (
            "matchmaking",
            federated_sdl(&matchmaking_subgraph::schema(None)),
        ),
        ("events", federated_sdl(&events_subgraph::schema(None))),
        (
            "analytics",
            federated_sdl(&analytics_subgraph::schema(None)),
        ),
    ]
}

/// Writes every SDL into `dir`; returns the names of files whose content changed.
pub fn write_subgraph_sdls(dir: &Path) -> std::io::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    let mut changed = Vec::new();
    for (name, sdl) in subgraph_sdls() {
        let path = dir.join(format!("{name}.graphql"));
        if std::fs::read_to_string(&path).ok().as_deref() != Some(sdl.as_str()) {
            std::fs::write(&path, sdl)?;
            changed.push(name.to_string());
        }
    }
    Ok(changed)
}
