//! The `chaos` command line.
//!
//! - `chaos` (no subcommand): the embedded default: router on 127.0.0.1:4000, the
//!   subgraphs on 4001.. (users, chaos, chat, guild, notifications, inventory, content,
//!   payment, world), SQLite files under `./data`, demo content seeded.
//! - `chaos router | users | chaos | chat | guild | notifications | inventory | content |
//!   payment | world`: one service per process, configured by file and environment,
//!   for separate deployments.
//! - `chaos export-schema`: writes `schema/subgraphs/*.graphql`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use analytics_subgraph::AnalyticsSettings;
use anticheat_subgraph::AnticheatSettings;
use chaos_router::RouterOverrides;
use chaos_subgraph::ChaosSettings;
use chat_subgraph::ChatSettings;
use clap::{Parser, Subcommand};
use content_subgraph::ContentSettings;
use events_subgraph::EventsSettings;
use guild_subgraph::GuildSettings;
use inventory_subgraph::InventorySettings;
use matchmaking_subgraph::MatchmakingSettings;
use notifications_subgraph::NotificationsSettings;
use payment_subgraph::PaymentSettings;
use subgraph_kit::client_address::TrustedProxies;
use subgraph_kit::documents::DocumentSettings;
use subgraph_kit::secret::Secret;
use subgraph_kit::settings::{AuthSettings, DatabaseSettings, PeerSettings, ServerSettings};
use subgraph_kit::telemetry::{self, LogFormat, OtlpProtocol, TraceExport};
use users_subgraph::settings::{BootstrapAdmin, LockoutSettings, TokenSettings};
use users_subgraph::{SigningKeys, UsersSettings};
use world_subgraph::WorldSettings;

use crate::supergraph::{self, Listeners, SupergraphConfig};

/// The Chaos game backend.
#[derive(Debug, Parser)]
#[command(name = "chaos", version, about)]
pub struct Cli {
    /// Log one JSON object per line (production).
    #[arg(long, global = true, env = "CHAOS_LOG_JSON")]
    log_json: bool,
    /// OpenTelemetry collector to export traces to, as given: OTLP/HTTP
    /// `http://collector:4318/v1/traces` or OTLP/gRPC `http://collector:4317`. Without
    /// it, the standard `OTEL_EXPORTER_OTLP_ENDPOINT` variables apply; without those,
    /// no traces are exported.
    #[arg(long, global = true, env = "CHAOS_OTLP_ENDPOINT")]
    otlp_endpoint: Option<String>,
    /// Transport for `--otlp-endpoint`.
    #[arg(long, global = true, env = "CHAOS_OTLP_PROTOCOL", value_enum, default_value_t = OtlpTransport::Http)]
    otlp_protocol: OtlpTransport,
    /// Fraction of new traces exported (0.0 to 1.0); a trace started by a caller keeps
    /// the caller's decision.
    #[arg(
        long,
        global = true,
        env = "CHAOS_TRACE_SAMPLING",
        default_value_t = 1.0
    )]
    trace_sampling: f64,
    #[command(subcommand)]
    command: Option<Command>,
}

/// OTLP transports (`--otlp-protocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum OtlpTransport {
    /// OTLP/HTTP with protobuf bodies.
    Http,
    /// OTLP/gRPC.
    Grpc,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Everything in one process on SQLite (the default).
    All {
        /// Folder for the SQLite files and the signing key.
        #[arg(long, default_value = "data", env = "CHAOS_DATA_DIR")]
        data_dir: PathBuf,
        /// Router port; the subgraphs take the ports after it.
        #[arg(long, default_value_t = 4000, env = "CHAOS_PORT")]
        port: u16,
    },
    /// The router alone (Hive Router config file; see router/router.config.yaml).
    Router {
        /// Router configuration file.
        #[arg(
            long,
            default_value = "router/router.config.yaml",
            env = "ROUTER_CONFIG_FILE_PATH"
        )]
        config: PathBuf,
        /// Allow-list mode: only the operations of this manifest run, sent by id (an
        /// Apollo persisted-query manifest or a `{"<id>": "<document>"}` file).
        #[arg(long, env = "CHAOS_PERSISTED_DOCUMENTS")]
        persisted_documents: Option<PathBuf>,
    },
    /// The users subgraph alone (`CHAOS_USERS__…` variables override the file).
    Users {
        /// Settings file (YAML).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// The chaos subgraph alone (`CHAOS_CHAOS__…` variables override the file).
    Chaos {
        /// Settings file (YAML).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// The chat subgraph alone (`CHAOS_CHAT__…` variables override the file).
    Chat {
        /// Settings file (YAML).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// The guild subgraph alone (`CHAOS_GUILD__…` variables override the file).
    Guild {
        /// Settings file (YAML).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// The notifications subgraph alone (`CHAOS_NOTIFICATIONS__…` variables override
    /// the file).
    Notifications {
        /// Settings file (YAML).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// The inventory subgraph alone (`CHAOS_INVENTORY__…` variables override the file).
    Inventory {
        /// Settings file (YAML).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// The content subgraph alone (`CHAOS_CONTENT__…` variables override the file).
    Content {
        /// Settings file (YAML).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// The payment subgraph alone (`CHAOS_PAYMENT__…` variables override the file).
    Payment {
        /// Settings file (YAML).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// The world subgraph alone (`CHAOS_WORLD__…` variables override the file).
    World {
        /// Settings file (YAML).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// The anticheat subgraph alone (`CHAOS_ANTICHEAT__…` variables override the file).
    Anticheat {
        /// Settings file (YAML).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// The matchmaking subgraph alone (`CHAOS_MATCHMAKING__…` variables override the file).
    Matchmaking {
        /// Settings file (YAML).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// The events subgraph alone (`CHAOS_EVENTS__…` variables override the file).
    Events {
        /// Settings file (YAML).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// The analytics subgraph alone (`CHAOS_ANALYTICS__…` variables override the file).
    Analytics {
        /// Settings file (YAML).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Writes every subgraph's federated SDL to a folder.
    ExportSchema {
        /// Target folder.
        #[arg(long, default_value = "schema/subgraphs")]
        out: PathBuf,
    },
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = cli.command.unwrap_or(Command::All {
        data_dir: PathBuf::from("data"),
        port: 4000,
    });
    let export = TraceExport {
        endpoint: cli.otlp_endpoint,
        protocol: match cli.otlp_protocol {
            OtlpTransport::Http => OtlpProtocol::Http,
            OtlpTransport::Grpc => OtlpProtocol::Grpc,
        },
        sampling: cli.trace_sampling,
    };
    let traces = telemetry::otlp_provider(&export, &command.service_name())?;
    telemetry::init_with(
        if cli.log_json {
            LogFormat::Json
        } else {
            LogFormat::Pretty
        },
        telemetry::DEFAULT_FILTER,
        traces.as_ref(),
    );
    let result = run_command(command).await;
    if let Some(provider) = traces {
        // Flushes the last batch; the exporter blocks, so off the async workers.
        let flushed = tokio::task::spawn_blocking(move || provider.shutdown()).await;
        if let Ok(Err(err)) = flushed {
            tracing::warn!(cause = %err, "trace export did not flush");
        }
    }
    result
}

impl Command {
    /// `service.name` of this process in exported traces.
    fn service_name(&self) -> String {
        let service = match self {
            Command::All { .. } => return "chaos".to_string(),
            Command::Router { .. } => "router",
            Command::Users { .. } => "users",
            Command::Chaos { .. } => "chaos",
            Command::Chat { .. } => "chat",
            Command::Guild { .. } => "guild",
            Command::Notifications { .. } => "notifications",
            Command::Inventory { .. } => "inventory",
            Command::Content { .. } => "content",
            Command::Payment { .. } => "payment",
            Command::World { .. } => "world",
            Command::Anticheat { .. } => "anticheat",
            Command::Matchmaking { .. } => "matchmaking",
            Command::Events { .. } => "events",
            Command::Analytics { .. } => "analytics",
            Command::ExportSchema { .. } => "export-schema",
        };
        format!("chaos-{service}")
    }
}

async fn run_command(command: Command) -> anyhow::Result<()> {
    match command {
        Command::All { data_dir, port } => run_embedded(&data_dir, port).await,
        Command::Router {
            config,
            persisted_documents,
        } => run_router(&config, persisted_documents).await,
        Command::Users { config } => {
            let settings: UsersSettings = subgraph_kit::settings::load("users", config.as_deref())?;
            let listener = tokio::net::TcpListener::bind(settings.server.listen).await?;
            users_subgraph::run(listener, settings, shutdown_signal()).await
        }
        Command::Chaos { config } => {
            let settings: ChaosSettings = subgraph_kit::settings::load("chaos", config.as_deref())?;
            let listener = tokio::net::TcpListener::bind(settings.server.listen).await?;
            chaos_subgraph::run(listener, settings, shutdown_signal()).await
        }
        Command::Chat { config } => {
            let settings: ChatSettings = subgraph_kit::settings::load("chat", config.as_deref())?;
            let listener = tokio::net::TcpListener::bind(settings.server.listen).await?;
            chat_subgraph::run(listener, settings, shutdown_signal()).await
        }
        Command::Guild { config } => {
            let settings: GuildSettings = subgraph_kit::settings::load("guild", config.as_deref())?;
            let listener = tokio::net::TcpListener::bind(settings.server.listen).await?;
            guild_subgraph::run(listener, settings, shutdown_signal()).await
        }
        Command::Notifications { config } => {
            let settings: NotificationsSettings =
                subgraph_kit::settings::load("notifications", config.as_deref())?;
            let listener = tokio::net::TcpListener::bind(settings.server.listen).await?;
            notifications_subgraph::run(listener, settings, shutdown_signal()).await
        }
        Command::Inventory { config } => {
            let settings: InventorySettings =
                subgraph_kit::settings::load("inventory", config.as_deref())?;
            let listener = tokio::net::TcpListener::bind(settings.server.listen).await?;
            inventory_subgraph::run(listener, settings, shutdown_signal()).await
        }
        Command::Content { config } => {
            let settings: ContentSettings =
                subgraph_kit::settings::load("content", config.as_deref())?;
            let listener = tokio::net::TcpListener::bind(settings.server.listen).await?;
            content_subgraph::run(listener, settings, shutdown_signal()).await
        }
        Command::Payment { config } => {
            let settings: PaymentSettings =
                subgraph_kit::settings::load("payment", config.as_deref())?;
            let listener = tokio::net::TcpListener::bind(settings.server.listen).await?;
            payment_subgraph::run(listener, settings, shutdown_signal()).await
        }
        Command::World { config } => {
            let settings: WorldSettings = subgraph_kit::settings::load("world", config.as_deref())?;
            let listener = tokio::net::TcpListener::bind(settings.server.listen).await?;
            world_subgraph::run(listener, settings, shutdown_signal()).await
        }
        Command::Anticheat { config } => {
            let settings: AnticheatSettings =
                subgraph_kit::settings::load("anticheat", config.as_deref())?;
            let listener = tokio::net::TcpListener::bind(settings.server.listen).await?;
            anticheat_subgraph::run(listener, settings, shutdown_signal()).await
        }
        Command::Matchmaking { config } => {
            let settings: MatchmakingSettings =
                subgraph_kit::settings::load("matchmaking", config.as_deref())?;
            let listener = tokio::net::TcpListener::bind(settings.server.listen).await?;
            matchmaking_subgraph::run(listener, settings, shutdown_signal()).await
        }
        Command::Events { config } => {
            let settings: EventsSettings =
                subgraph_kit::settings::load("events", config.as_deref())?;
            let listener = tokio::net::TcpListener::bind(settings.server.listen).await?;
            events_subgraph::run(listener, settings, shutdown_signal()).await
        }
        Command::Analytics { config } => {
            let settings: AnalyticsSettings =
                subgraph_kit::settings::load("analytics", config.as_deref())?;
            let listener = tokio::net::TcpListener::bind(settings.server.listen).await?;
            analytics_subgraph::run(listener, settings, shutdown_signal()).await
        }
        Command::ExportSchema { out } => {
            for name in crate::schema_export::write_subgraph_sdls(&out)? {
                println!("updated {}", out.join(format!("{name}.graphql")).display());
            }
            Ok(())
        }
    }
}

/// Settings of the embedded default: SQLite files and the signing key under `data_dir`,
/// a development admin account.
pub fn embedded_config(data_dir: &Path) -> anyhow::Result<SupergraphConfig> {
    let sqlite = |name: &str| DatabaseSettings {
        url: Secret::new(format!("sqlite://{}/{name}.db", data_dir.display())),
        max_connections: 5,
    };
    let placeholder_listen = ServerSettings {
        listen: ([127, 0, 0, 1], 0).into(),
        trusted_proxies: TrustedProxies::none(),
    };
    let admin_password =
        std::env::var("CHAOS_ADMIN_PASSWORD").unwrap_or_else(|_| "chaos-admin".to_string());
    let key_path = data_dir.join("jwt-signing-key.pem");
    let users = UsersSettings {
        server: placeholder_listen.clone(),
        database: sqlite("users"),
        tokens: TokenSettings {
            signing_key_path: Some(key_path.clone()),
            ..TokenSettings::default()
        },
        lockout: LockoutSettings::default(),
        bootstrap_admin: Some(BootstrapAdmin {
            username: "admin".to_string(),
            email: "admin@chaos.local".to_string(),
            password: Secret::new(admin_password),
        }),
        peers: PeerSettings::default(),
        sanctions: Default::default(),
    };
    // Set by `supergraph::start` to the services it starts.
    let auth = AuthSettings {
        issuer: subgraph_kit::settings::default_issuer(),
        audience: subgraph_kit::settings::default_audience(),
        jwks_url: String::new(),
        sanctions: Default::default(),
    };
    let peers = PeerSettings::default();
    // One process: in-process fan-out and bus reach everyone (`live` and `events`
    // stay at their defaults).
    let chaos = ChaosSettings {
        server: placeholder_listen.clone(),
        database: sqlite("chaos"),
        auth: auth.clone(),
        peers: PeerSettings::default(),
        rules: Default::default(),
        live: Default::default(),
        events: Default::default(),
        faults: Default::default(),
    };
    let chat = ChatSettings {
        server: placeholder_listen.clone(),
        database: sqlite("chat"),
        auth: auth.clone(),
        peers: peers.clone(),
        rules: Default::default(),
        live: Default::default(),
        events: Default::default(),
    };
    let guild = GuildSettings {
        server: placeholder_listen.clone(),
        database: sqlite("guild"),
        auth: auth.clone(),
        peers: peers.clone(),
        rules: Default::default(),
        live: Default::default(),
        events: Default::default(),
    };
    let inventory = InventorySettings {
        server: placeholder_listen.clone(),
        database: sqlite("inventory"),
        auth: auth.clone(),
        peers: peers.clone(),
        rules: Default::default(),
        live: Default::default(),
        events: Default::default(),
    };
    let content = ContentSettings {
        server: placeholder_listen.clone(),
        documents: DocumentSettings {
            url: Secret::new(format!("sqlite://{}/content.db", data_dir.display())),
            database: None,
            max_connections: 5,
        },
        auth: auth.clone(),
        events: Default::default(),
    };
    // No store key in the embedded default: `purchase` answers STORE_NOT_CONFIGURED
    // (set CHAOS_PAYMENT__GOOGLE_PLAY__… in a deployment); wallet purchases work.
    let payment = PaymentSettings {
        server: placeholder_listen.clone(),
        database: sqlite("payment"),
        auth: auth.clone(),
        peers: peers.clone(),
        google_play: None,
        events: Default::default(),
    };
    let world = WorldSettings {
        server: placeholder_listen.clone(),
        database: sqlite("world"),
        auth: auth.clone(),
        peers: peers.clone(),
        rules: Default::default(),
        live: Default::default(),
        events: Default::default(),
    };
    let anticheat = AnticheatSettings {
        server: placeholder_listen.clone(),
        database: sqlite("anticheat"),
        auth: auth.clone(),
        peers: peers.clone(),
        events: Default::default(),
        rules: Default::default(),
    };
    let matchmaking = MatchmakingSettings {
        server: placeholder_listen.clone(),
        database: sqlite("matchmaking"),
        auth: auth.clone(),
        peers: peers.clone(),
        live: Default::default(),
        events: Default::default(),
        rules: Default::default(),
    };
    let events = EventsSettings {
        server: placeholder_listen.clone(),
        database: sqlite("events"),
        auth: auth.clone(),
        peers: peers.clone(),
        live: Default::default(),
        events: Default::default(),
    };
    let analytics = AnalyticsSettings {
        server: placeholder_listen.clone(),
        auth: auth.clone(),
        documents: DocumentSettings {
            url: Secret::new(format!("sqlite://{}/analytics.db", data_dir.display())),
            database: None,
            max_connections: 5,
        },
        events: Default::default(),
    };
    let notifications = NotificationsSettings {
        server: placeholder_listen,
        database: sqlite("notifications"),
        auth,
        live: Default::default(),
        events: Default::default(),
    };
    Ok(SupergraphConfig {
        users,
        chaos,
        chat,
        guild,
        notifications,
        inventory,
        content,
        payment,
        world,
        anticheat,
        matchmaking,
        events,
        analytics,
        signing_keys: Arc::new(SigningKeys::load_or_generate(Some(&key_path))?),
        bus: Arc::new(subgraph_kit::events::InProcessBus::default()),
        router_config: PathBuf::from("router/router.config.yaml"),
        supergraph: std::fs::canonicalize("schema/supergraph.graphql")?,
        // The embedded default is for developers: GraphiQL and introspection on.
        developer_tools: true,
        rate_limits: None,
        persisted_documents: None,
        trusted_proxies: None,
    })
}

async fn run_embedded(data_dir: &Path, port: u16) -> anyhow::Result<()> {
    let config = embedded_config(data_dir)?;
    let listeners = Listeners::bind("127.0.0.1", port).await?;
    let running = supergraph::start(config, listeners).await?;
    println!("Chaos supergraph is up.");
    println!(
        "  GraphiQL:  http://{}/graphql   (open in a browser)",
        running.router_addr()
    );
    println!("  GraphQL:   {}", running.graphql_url());
    for (name, addr) in &running.subgraphs {
        println!("  subgraph {name}: http://{addr}/graphql");
    }
    println!(
        "  data:      {}   (dev admin: admin / $CHAOS_ADMIN_PASSWORD or 'chaos-admin')",
        data_dir.display()
    );
    println!("Press Ctrl-C to stop.");
    shutdown_signal().await;
    println!("Shutting down…");
    running.stop().await
}

async fn run_router(config: &Path, persisted_documents: Option<PathBuf>) -> anyhow::Result<()> {
    let overrides = RouterOverrides {
        persisted_documents,
        ..Default::default()
    };
    let router_config = chaos_router::load_config(config, &overrides)?;
    let listener = std::net::TcpListener::bind(router_config.hive.address())?;
    listener.set_nonblocking(true)?;
    chaos_router::hive_spans(telemetry::traces_enabled());
    let router = chaos_router::spawn(listener, router_config)?;
    shutdown_signal().await;
    router.stop().await;
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(cause = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(cause = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_settings_files_parse() {
        let users: UsersSettings =
            subgraph_kit::settings::load("users", Some(Path::new("deploy/config/users.yaml")))
                .expect("users.yaml parses");
        assert_eq!(users.server.listen.port(), 4001);
        assert_eq!(format!("{:?}", users.database.url), "[redacted]");
        let chaos: ChaosSettings =
            subgraph_kit::settings::load("chaos", Some(Path::new("deploy/config/chaos.yaml")))
                .expect("chaos.yaml parses");
        assert_eq!(chaos.rules.max_actors_per_user, 5);
        assert!(chaos.auth.jwks_url.ends_with("/.well-known/jwks.json"));
        let chat: ChatSettings =
            subgraph_kit::settings::load("chat", Some(Path::new("deploy/config/chat.yaml")))
                .expect("chat.yaml parses");
        assert_eq!(chat.rules.rate_limit_messages, 5);
        assert!(chat.peers.chaos_url.ends_with("/graphql"));
        let guild: GuildSettings =
            subgraph_kit::settings::load("guild", Some(Path::new("deploy/config/guild.yaml")))
                .expect("guild.yaml parses");
        assert_eq!(guild.rules.member_limit, 50);
        let notifications: NotificationsSettings = subgraph_kit::settings::load(
            "notifications",
            Some(Path::new("deploy/config/notifications.yaml")),
        )
        .expect("notifications.yaml parses");
        assert!(notifications.live.redis_url().is_some());
        let inventory: InventorySettings = subgraph_kit::settings::load(
            "inventory",
            Some(Path::new("deploy/config/inventory.yaml")),
        )
        .expect("inventory.yaml parses");
        assert_eq!(inventory.rules.bag_capacity, 40);
        assert!(inventory.peers.guild_url.is_some());
        let content: ContentSettings =
            subgraph_kit::settings::load("content", Some(Path::new("deploy/config/content.yaml")))
                .expect("content.yaml parses");
        assert!(content.documents.url.expose().starts_with("mongodb://"));
        let payment: PaymentSettings =
            subgraph_kit::settings::load("payment", Some(Path::new("deploy/config/payment.yaml")))
                .expect("payment.yaml parses");
        assert!(payment.peers.chaos_url.ends_with("/graphql"));
        let world: WorldSettings =
            subgraph_kit::settings::load("world", Some(Path::new("deploy/config/world.yaml")))
                .expect("world.yaml parses");
        assert!(world.peers.guild_url.is_some());
        assert!(chaos.peers.world_url.is_some() && chaos.peers.inventory_url.is_some());
        let anticheat: AnticheatSettings = subgraph_kit::settings::load(
            "anticheat",
            Some(Path::new("deploy/config/anticheat.yaml")),
        )
        .expect("anticheat.yaml parses");
        assert!(anticheat.auth.jwks_url.ends_with("/.well-known/jwks.json"));
        let matchmaking: MatchmakingSettings = subgraph_kit::settings::load(
            "matchmaking",
            Some(Path::new("deploy/config/matchmaking.yaml")),
        )
        .expect("matchmaking.yaml parses");
        assert!(matchmaking
            .auth
            .jwks_url
            .ends_with("/.well-known/jwks.json"));
        let events: EventsSettings =
            subgraph_kit::settings::load("events", Some(Path::new("deploy/config/events.yaml")))
                .expect("events.yaml parses");
        assert!(events.auth.jwks_url.ends_with("/.well-known/jwks.json"));
        let analytics: AnalyticsSettings = subgraph_kit::settings::load(
            "analytics",
            Some(Path::new("deploy/config/analytics.yaml")),
        )
        .expect("analytics.yaml parses");
        assert!(analytics.auth.jwks_url.ends_with("/.well-known/jwks.json"));
    }

    #[test]
    fn unknown_settings_are_rejected() {
        let dir = std::env::temp_dir().join(format!("chaos-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("creates a folder");
        let file = dir.join("chaos.yaml");
        std::fs::write(&file, "server: { listen: 127.0.0.1:1 }\ndatabase: { url: sqlite://x.db }\nauth: { jwks_url: http://x }\ntypo: 1\n")
            .expect("writes");
        let loaded: Result<ChaosSettings, _> = subgraph_kit::settings::load("chaos", Some(&file));
        assert!(loaded.is_err(), "a misspelt key must not be ignored");
    }
}
