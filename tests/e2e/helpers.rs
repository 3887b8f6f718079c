//! `spawn_app()` and the client-side steps every test repeats.

use std::path::PathBuf;
use std::sync::Arc;

use analytics_subgraph::AnalyticsSettings;
use anticheat_subgraph::AnticheatSettings;
use chaos_subgraph::settings::RuleSettings;
use chaos_subgraph::ChaosSettings;
use chaos_supergraph::supergraph::{self, Listeners, RunningSupergraph, SupergraphConfig};
use chat_subgraph::settings::ChatRules;
use chat_subgraph::ChatSettings;
use content_subgraph::ContentSettings;
use events_subgraph::EventsSettings;
use guild_subgraph::settings::GuildRules;
use guild_subgraph::GuildSettings;
use inventory_subgraph::settings::InventoryRules;
use inventory_subgraph::InventorySettings;
use matchmaking_subgraph::settings::MatchmakingRules;
use matchmaking_subgraph::MatchmakingSettings;
use notifications_subgraph::NotificationsSettings;
use payment_subgraph::receipts::testing::TestStoreSigner;
use payment_subgraph::settings::GooglePlaySettings;
use payment_subgraph::PaymentSettings;
use serde_json::{json, Value};
use subgraph_kit::auth::AccessClaims;
use subgraph_kit::client_address::TrustedProxies;
use subgraph_kit::documents::DocumentSettings;
use subgraph_kit::secret::Secret;
use subgraph_kit::settings::{AuthSettings, LiveSettings, PeerSettings, ServerSettings};
use subgraph_kit::testing::{GraphqlClient, TestDatabase};
use users_subgraph::settings::{BootstrapAdmin, LockoutSettings, TokenSettings};
use users_subgraph::{SigningKeys, UsersSettings};
use uuid::Uuid;
use world_subgraph::WorldSettings;

/// Password of the bootstrap admin in tests.
pub const ADMIN_PASSWORD: &str = "admin-password-1";
/// Consecutive failures that lock an account in tests.
pub const MAX_ACCOUNT_FAILURES: i32 = 3;
/// Failures that lock an IP in tests.
pub const MAX_IP_FAILURES: i32 = 6;
/// Actors per account in tests.
pub const MAX_ACTORS: i32 = 3;
/// Members per guild in tests.
pub const GUILD_MEMBER_LIMIT: i32 = 3;
/// Chat messages per player per window in tests.
pub const CHAT_RATE_LIMIT: u64 = 5;
/// The app package the test store signs receipts for.
pub const STORE_PACKAGE: &str = "com.chaos.game";

/// The test store's key pair (Google Play style; one per machine); payment trusts its
/// public key.
pub static STORE: std::sync::LazyLock<TestStoreSigner> =
    std::sync::LazyLock::new(TestStoreSigner::shared);

/// Stacks an actor's bag holds in tests.
pub const BAG_CAPACITY: i32 = 8;

/// A running supergraph and a client for its router.
pub struct TestApp {
    pub supergraph: RunningSupergraph,
    pub client: GraphqlClient,
    pub keys: Arc<SigningKeys>,
    /// The event bus the services publish to (Kafka when the test command runs one).
    pub bus: Arc<dyn subgraph_kit::events::EventBus>,
}

/// A signed-in test player.
pub struct Player {
    pub user_id: String,
    pub access_token: String,
    pub refresh_token: String,
}

fn repo_path(relative: &str) -> PathBuf {
    subgraph_kit::testing::manifest_dir().join(relative)
}

/// Starts every subgraph and the router on random ports with fresh databases.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// [`spawn_app`] with settings changed by `configure` first (e.g. a failure drill).
pub async fn spawn_app_with(configure: impl FnOnce(&mut SupergraphConfig)) -> TestApp {
    subgraph_kit::telemetry::init(subgraph_kit::telemetry::LogFormat::Pretty, "warn");
    let keys = Arc::new(SigningKeys::generate().expect("generates a key"));
    let listen = ServerSettings {
        listen: ([127, 0, 0, 1], 0).into(),
        trusted_proxies: TrustedProxies::none(),
    };
    let users = UsersSettings {
        server: listen.clone(),
        database: TestDatabase::create("users").await.settings,
        tokens: TokenSettings::default(),
        lockout: LockoutSettings {
            max_account_failures: MAX_ACCOUNT_FAILURES,
            max_ip_failures: MAX_IP_FAILURES,
            ..Default::default()
        },
        bootstrap_admin: Some(BootstrapAdmin {
            username: "admin".into(),
            email: "admin@chaos.test".into(),
            password: Secret::new(ADMIN_PASSWORD.into()),
        }),
        peers: PeerSettings::default(),
        sanctions: Default::default(),
    };
    // The JWKS and peer URLs are set by `supergraph::start`.
    let auth = AuthSettings {
        issuer: "chaos-users".into(),
        audience: "chaos".into(),
        jwks_url: String::new(),
        sanctions: Default::default(),
    };
    let peers = PeerSettings::default();
    // Redis fan-out when the test command runs Redis; the bus is handed over below,
    // shared with the test.
    let live = LiveSettings {
        redis_url: std::env::var("CHAOS_TEST_REDIS_URL").ok().map(Secret::new),
    };
    let chaos = ChaosSettings {
        server: listen.clone(),
        database: TestDatabase::create("chaos").await.settings,
        auth: auth.clone(),
        peers: PeerSettings::default(),
        rules: RuleSettings {
            max_actors_per_user: MAX_ACTORS,
        },
        live: live.clone(),
        events: Default::default(),
        faults: Default::default(),
    };
    let chat = ChatSettings {
        server: listen.clone(),
        database: TestDatabase::create("chat").await.settings,
        auth: auth.clone(),
        peers: peers.clone(),
        rules: ChatRules {
            rate_limit_messages: CHAT_RATE_LIMIT,
            rate_limit_window_secs: 60,
            ..ChatRules::default()
        },
        live: live.clone(),
        events: Default::default(),
    };
    let guild = GuildSettings {
        server: listen.clone(),
        database: TestDatabase::create("guild").await.settings,
        auth: auth.clone(),
        peers: peers.clone(),
        rules: GuildRules {
            member_limit: GUILD_MEMBER_LIMIT,
            ..GuildRules::default()
        },
        live: live.clone(),
        events: Default::default(),
    };
    let inventory = InventorySettings {
        server: listen.clone(),
        database: TestDatabase::create("inventory").await.settings,
        auth: auth.clone(),
        peers: peers.clone(),
        rules: InventoryRules {
            bag_capacity: BAG_CAPACITY,
            ..InventoryRules::default()
        },
        live: live.clone(),
        events: Default::default(),
    };
    let content = ContentSettings {
        server: listen.clone(),
        documents: document_settings("content"),
        auth: auth.clone(),
        events: Default::default(),
    };
    let payment = PaymentSettings {
        server: listen.clone(),
        database: TestDatabase::create("payment").await.settings,
        auth: auth.clone(),
        peers: PeerSettings::default(),
        google_play: Some(GooglePlaySettings {
            package_name: STORE_PACKAGE.into(),
            public_key: STORE.public_key_base64(),
        }),
        events: Default::default(),
    };
    let world = WorldSettings {
        server: listen.clone(),
        database: TestDatabase::create("world").await.settings,
        auth: auth.clone(),
        peers: peers.clone(),
        rules: Default::default(),
        live: live.clone(),
        events: Default::default(),
    };
    let matchmaking = MatchmakingSettings {
        server: listen.clone(),
        database: TestDatabase::create("matchmaking").await.settings,
        auth: auth.clone(),
        peers: peers.clone(),
        live: live.clone(),
        events: Default::default(),
        rules: MatchmakingRules {
            tick_ms: 500,
            widen_per_second: MATCHMAKING_WIDEN_PER_SECOND,
            ..MatchmakingRules::default()
        },
    };
    let live_events = EventsSettings {
        server: listen.clone(),
        database: TestDatabase::create("events").await.settings,
        auth: auth.clone(),
        peers: peers.clone(),
        live: live.clone(),
        events: Default::default(),
    };
    let analytics = AnalyticsSettings {
        server: listen.clone(),
        auth: auth.clone(),
        documents: document_settings("analytics"),
        events: Default::default(),
    };
    let anticheat = AnticheatSettings {
        server: listen.clone(),
        database: TestDatabase::create("anticheat").await.settings,
        auth: auth.clone(),
        peers,
        events: Default::default(),
        rules: Default::default(),
    };
    let notifications = NotificationsSettings {
        server: listen,
        database: TestDatabase::create("notifications").await.settings,
        auth,
        live,
        events: Default::default(),
    };
    // Tests share one broker: each app gets its own topics and consumer groups.
    let events = subgraph_kit::settings::EventSettings {
        kafka_bootstrap: std::env::var("CHAOS_TEST_KAFKA_BOOTSTRAP").ok(),
        namespace: format!("{}.", unique("test-")),
    };
    let bus = subgraph_kit::events::bus_from_config(&events).expect("the bus connects");
    let mut config = SupergraphConfig {
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
        events: live_events,
        analytics,
        signing_keys: keys.clone(),
        bus: bus.clone(),
        router_config: repo_path("router/router.config.yaml"),
        supergraph: repo_path("schema/supergraph.graphql"),
        // As `chaos` runs; the security tests turn them off to see production's router.
        developer_tools: true,
        rate_limits: None,
        persisted_documents: None,
        trusted_proxies: None,
    };
    configure(&mut config);
    let listeners = Listeners::bind("127.0.0.1", 0).await.expect("binds port 0");
    let supergraph = supergraph::start(config, listeners)
        .await
        .expect("the supergraph starts");
    let client = GraphqlClient::new(supergraph.graphql_url());
    TestApp {
        supergraph,
        client,
        keys,
        bus,
    }
}

/// A document store for `service`: on the MongoDB-protocol server when the test
/// command runs one (each app its own database), else an embedded SQLite store.
fn document_settings(service: &str) -> DocumentSettings {
    match std::env::var("CHAOS_TEST_MONGODB_URL") {
        Ok(url) if !url.is_empty() => DocumentSettings {
            url: Secret::new(url),
            database: Some(unique(&format!("chaos_test_{service}_"))),
            max_connections: 5,
        },
        _ => DocumentSettings {
            url: Secret::new(format!(
                "sqlite://{}/chaos-tests/{}.db",
                std::env::temp_dir().display(),
                unique(&format!("{service}-"))
            )),
            database: None,
            max_connections: 5,
        },
    }
}

/// How fast a matchmaking ticket's rating window widens in tests (points per second).
pub const MATCHMAKING_WIDEN_PER_SECOND: f64 = 200.0;

/// A name no other test uses.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}{}", &Uuid::new_v4().simple().to_string()[..8])
}

pub const REGISTER: &str = "mutation($u: String!, $e: String!, $p: String!) { register(username: $u, email: $e, password: $p) { id username } }";
pub const LOGIN: &str = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken refreshToken expiresIn tokenType user { id username } } }";
pub const REFRESH: &str =
    "mutation($r: String!) { refresh(refreshToken: $r) { accessToken refreshToken } }";
pub const CREATE_ACTOR: &str =
    "mutation($n: String!, $c: ActorClass!) { createActor(name: $n, class: $c) { id name level } }";
pub const ME_ACTORS: &str = "{ me { id username actors { id name } } }";

impl TestApp {
    /// Registers `username` with `password`.
    pub async fn register(&self, username: &str, password: &str) -> Value {
        let response = self
            .client
            .anonymous(
                REGISTER,
                json!({ "u": username, "e": format!("{username}@chaos.test"), "p": password }),
            )
            .await;
        response.data()["register"].clone()
    }

    /// Logs in and returns the token pair.
    pub async fn login(&self, username: &str, password: &str) -> Player {
        let response = self
            .client
            .anonymous(LOGIN, json!({ "u": username, "p": password }))
            .await;
        let login = &response.data()["login"];
        Player {
            user_id: login["user"]["id"].as_str().expect("user id").to_string(),
            access_token: login["accessToken"]
                .as_str()
                .expect("access token")
                .to_string(),
            refresh_token: login["refreshToken"]
                .as_str()
                .expect("refresh token")
                .to_string(),
        }
    }

    /// A fresh player, registered and signed in.
    pub async fn new_player(&self) -> Player {
        let username = unique("p");
        self.register(&username, "a-good-password").await;
        self.login(&username, "a-good-password").await
    }

    /// The bootstrap admin, signed in.
    pub async fn admin(&self) -> Player {
        self.login("admin", ADMIN_PASSWORD).await
    }

    /// Creates an actor and returns its id.
    pub async fn create_actor(&self, player: &Player, name: &str, class: &str) -> String {
        let response = self
            .client
            .as_user(
                &player.access_token,
                CREATE_ACTOR,
                json!({ "n": name, "c": class }),
            )
            .await;
        response.data()["createActor"]["id"]
            .as_str()
            .expect("actor id")
            .to_string()
    }

    /// Signs arbitrary claims with the real signing key (for expiry tests).
    pub fn mint(&self, claims: &AccessClaims) -> String {
        self.keys.sign(claims).expect("signs")
    }
}

/// `GET url` as a browser (`accept: text/html`) or a probe would send it: status and
/// body. The client is dropped afterwards, so no idle connection holds a graceful stop.
pub async fn http_get(url: &str, accept: &str) -> (u16, String) {
    let response = reqwest::Client::new()
        .get(url)
        .header("accept", accept)
        .send()
        .await
        .expect("answers");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

/// An admin item grant (`grantItem`), any key.
pub const GRANT: &str = "mutation($a: ID!, $i: String!, $q: Int!, $k: String!) { grantItem(actorId: $a, itemId: $i, quantity: $q, idempotencyKey: $k) { replayed items { itemId quantity } stacks { id quantity } } }";

/// Grants items as the admin, waiting until content's seed catalogue has reached
/// inventory (it travels as `content.published` events).
pub async fn grant(
    app: &TestApp,
    admin: &Player,
    actor: &Character,
    item: &str,
    quantity: i64,
) -> Value {
    eventually("the catalogue to reach inventory", || async {
        let response = app
            .client
            .as_user(
                &admin.access_token,
                GRANT,
                json!({ "a": actor.actor_id, "i": item, "q": quantity, "k": unique("grant-") }),
            )
            .await;
        match response.error_code().as_deref() {
            Some("UNKNOWN_ITEM") => None,
            _ => Some(response.data()["grantItem"].clone()),
        }
    })
    .await
}

/// How long a test waits for something that crosses the event bus (a consumer group
/// may have to join first on Kafka).
pub const EVENTUALLY: std::time::Duration = std::time::Duration::from_secs(60);

/// Polls `check` until it returns `Some`, failing the test after [`EVENTUALLY`].
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + EVENTUALLY;
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

pub const CREATE_GUILD: &str = "mutation($a: ID!, $n: String!, $p: JoinPolicy) { createGuild(actorId: $a, name: $n, joinPolicy: $p) { id name joinPolicy } }";
pub const INVITE: &str =
    "mutation($a: ID!, $i: ID!) { inviteToGuild(actorId: $a, inviteeActorId: $i) { id status } }";
pub const ACCEPT: &str =
    "mutation($i: ID!) { acceptGuildInvitation(invitationId: $i) { id status } }";
pub const JOIN_GUILD: &str = "mutation($a: ID!, $g: ID!) { joinGuild(actorId: $a, guildId: $g) { joined request { id status } } }";
pub const SEND: &str = "mutation($c: ID!, $a: ID!, $t: String!) { sendMessage(channelId: $c, actorId: $a, text: $t) { id text sentAt sender { id } } }";
pub const INBOX: &str = "{ unreadNotificationCount notifications(first: 20) { edges { node { id code subject content readAt sender { id name } } } } }";

/// A player with one actor.
pub struct Character {
    pub player: Player,
    pub actor_id: String,
    pub name: String,
}

impl TestApp {
    /// A fresh player with one actor of `class`.
    pub async fn new_character(&self, prefix: &str, class: &str) -> Character {
        let player = self.new_player().await;
        let name = unique(prefix);
        let actor_id = self.create_actor(&player, &name, class).await;
        Character {
            player,
            actor_id,
            name,
        }
    }

    /// Founds an open guild led by `leader`; returns its id.
    pub async fn create_guild(&self, leader: &Character, policy: &str) -> String {
        let response = self
            .client
            .as_user(
                &leader.player.access_token,
                CREATE_GUILD,
                json!({ "a": leader.actor_id, "n": unique("Guild "), "p": policy }),
            )
            .await;
        response.data()["createGuild"]["id"]
            .as_str()
            .expect("guild id")
            .to_string()
    }

    /// A WebSocket to the router, signed in as `player`.
    pub async fn ws(&self, player: &Player) -> subgraph_kit::testing::WsClient {
        let url = format!("ws://{}/graphql", self.supergraph.router_addr());
        subgraph_kit::testing::WsClient::connect(
            &url,
            json!({ "Authorization": format!("Bearer {}", player.access_token) }),
        )
        .await
        .expect("the router acknowledges a valid token")
    }

    /// The player's inbox (`INBOX`), once it holds at least `count` notifications.
    pub async fn inbox_with(&self, player: &Player, count: usize) -> Value {
        eventually("notifications", || async {
            let response = self
                .client
                .as_user(&player.access_token, INBOX, json!({}))
                .await;
            let data = response.data().clone();
            let held = data["notifications"]["edges"]
                .as_array()
                .map_or(0, Vec::len);
            (held >= count).then_some(data)
        })
        .await
    }
}

const SAVE_ZONE: &str =
    "mutation($input: ZoneDefinitionInput!) { saveZoneDraft(input: $input) { id } }";
const PUBLISH_ZONE: &str = "mutation($id: ID!) { publishContent(kind: ZONE, id: $id) { version } }";
pub const ZONE: &str = "query($id: ID!) { zone(id: $id) { id weather noCombat } }";
pub const PLACE: &str = "mutation($a: ID!, $z: ID!, $x: Float!, $y: Float!) { placeActor(actorId: $a, zoneId: $z, x: $x, y: $y) { zoneId x y } }";
pub const CAST: &str = "mutation($a: ID!, $s: String!, $t: CastTargetInput!, $k: String!) { castSkill(actorId: $a, skillId: $s, target: $t, idempotencyKey: $k) { id damage critical mpSpent weather zoneId targetHpAfter structureDestroyed territoryTransferred replayed caster { resources { mp { current max } } } targetActor { resources { hp { current max } } } } }";
const SKILL_FIELDS: &str = "id name description class unlockLevel element scaling mpCost cooldownMs range baseDamage powerRatio reagentItemId";

impl TestApp {
    /// Publishes a zone through content and waits until world knows it.
    pub async fn publish_zone(&self, admin: &Player, id: &str, weather: &[&str], no_combat: bool) {
        let input = json!({
            "id": id, "name": id, "minLevel": 1, "maxLevel": 60, "noCombat": no_combat,
            "weatherCycle": weather, "weatherPeriodSeconds": 600, "maxSpeed": 10.0,
            "width": 1000.0, "height": 1000.0,
        });
        let saved = self
            .client
            .as_user(&admin.access_token, SAVE_ZONE, json!({ "input": input }))
            .await;
        assert!(saved.errors().is_empty(), "{:?}", saved.errors());
        let published = self
            .client
            .as_user(&admin.access_token, PUBLISH_ZONE, json!({ "id": id }))
            .await;
        assert!(published.errors().is_empty(), "{:?}", published.errors());
        eventually("world to know the zone", || async {
            let zone = self.client.anonymous(ZONE, json!({ "id": id })).await;
            zone.data()["zone"]["id"].as_str().map(|_| ())
        })
        .await;
    }

    pub async fn place(&self, admin: &Player, actor_id: &str, zone: &str, x: f64, y: f64) {
        let placed = self
            .client
            .as_user(
                &admin.access_token,
                PLACE,
                json!({ "a": actor_id, "z": zone, "x": x, "y": y }),
            )
            .await;
        assert!(placed.errors().is_empty(), "{:?}", placed.errors());
    }

    pub async fn cast(
        &self,
        caster: &Character,
        target: Value,
        key: &str,
    ) -> subgraph_kit::testing::GraphqlResponse {
        self.client
            .as_user(
                &caster.player.access_token,
                CAST,
                json!({ "a": caster.actor_id, "s": "fireball", "t": target, "k": key }),
            )
            .await
    }

    /// Makes `skill` consume one `item` per cast (an admin edits and publishes it) and
    /// waits until chaos enforces it.
    pub async fn require_reagent(&self, admin: &Player, skill: &str, item: &str) {
        let current = self
            .client
            .anonymous(
                &format!("query($id: ID!) {{ skillDefinition(id: $id) {{ {SKILL_FIELDS} }} }}"),
                json!({ "id": skill }),
            )
            .await;
        let mut input = current.data()["skillDefinition"].clone();
        input["reagentItemId"] = json!(item);
        let saved = self
            .client
            .as_user(
                &admin.access_token,
                "mutation($input: SkillDefinitionInput!) { saveSkillDraft(input: $input) { id } }",
                json!({ "input": input }),
            )
            .await;
        assert!(saved.errors().is_empty(), "{:?}", saved.errors());
        let published = self
            .client
            .as_user(
                &admin.access_token,
                "mutation($id: ID!) { publishContent(kind: SKILL, id: $id) { version } }",
                json!({ "id": skill }),
            )
            .await;
        assert!(published.errors().is_empty(), "{:?}", published.errors());
        let class = current.data()["skillDefinition"]["class"].clone();
        eventually("chaos to require the reagent", || async {
            let skills = self
                .client
                .anonymous(
                    "query($c: ActorClass!) { skills(class: $c) { id reagentItemId } }",
                    json!({ "c": class }),
                )
                .await;
            skills.data()["skills"]
                .as_array()
                .expect("skills")
                .iter()
                .any(|found| found["id"] == skill && found["reagentItemId"] == item)
                .then_some(())
        })
        .await;
    }
}
