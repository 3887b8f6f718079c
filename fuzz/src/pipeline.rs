//! Hive Router's request pipeline, in process: the stages its GraphQL request handler
//! runs (`hive_router::pipeline::graphql_request_handler` and `execute_pipeline`), called
//! in the same order on the same router state, built by `configure_app_from_config` from
//! our configuration, up to the subgraph fetches:
//!
//! parse (token limit) → validate (the supergraph's consumer schema; depth, alias and
//! directive limits) → normalize → coerce variables → `@policy` collection → authorization
//! (anonymous, then as an admin, so every field reaches the planner) → query plan → cost.
//!
//! The stages run on one worker thread inside an ntex runtime, as on a router worker (and
//! with a router worker's default stack). Plugins' hooks are not called (ours only map
//! error codes); the HTTP side ([`crate::http`]) has them.

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::sync::{mpsc, Arc};
use std::time::Duration;

use futures_util::FutureExt;
use hive_router::background_tasks::BackgroundTasksManager;
use hive_router::config::HiveRouterConfig;
use hive_router::executor::execution::client_request_details::JwtRequestDetails;
use hive_router::ntex;
use hive_router::pipeline::authorization::{
    collect_required_policies, enforce_operation_authorization,
};
use hive_router::pipeline::coerce_variables::coerce_request_variables;
use hive_router::pipeline::normalize::normalize_request_with_cache;
use hive_router::pipeline::parser::{parse_operation_with_cache, ParseResult};
use hive_router::pipeline::progressive_override::RequestOverrideContext;
use hive_router::pipeline::query_plan::{plan_operation_with_cache, QueryPlanResult};
use hive_router::pipeline::validation::validate_operation_with_cache;
use hive_router::query_planner::utils::cancellation::CancellationToken;
use hive_router::telemetry::TelemetryContext;
use hive_router::tokio::sync::mpsc as async_mpsc;
use hive_router::{configure_app_from_config, sonic_rs, RouterSharedState, SchemaState};

use crate::input::Request;
use crate::Failure;

/// How long the supergraph may take to load at start.
const SUPERGRAPH_LOAD_TIMEOUT: Duration = Duration::from_secs(60);
/// How long one input may take in process before it counts as a hang. Hive's query
/// planner gives up on its own after `query_planner.timeout` (10 s by default).
const INPUT_TIMEOUT: Duration = Duration::from_secs(60);

/// Where Hive's pipeline stopped an input (the stage that refused it), or that it passed
/// every stage before the subgraph fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// The body is not a GraphQL request (Hive's decoder refused it).
    Body,
    /// The document does not parse, or has too many tokens.
    Parse,
    /// The document is not valid against the supergraph, or exceeds a limit.
    Validation,
    /// Normalization failed (e.g. an unknown operation name).
    Normalization,
    /// The variables do not fit the operation's variable definitions.
    Variables,
    /// Authorization refused the operation even to an admin.
    Authorization,
    /// The query planner found no plan.
    Planning,
    /// The estimated cost is over the configured maximum.
    Cost,
    /// Planned and within cost: the router would now fetch from the subgraphs.
    Planned,
}

impl Stage {
    /// Every stage, in pipeline order.
    pub const ALL: [Stage; 9] = [
        Stage::Body,
        Stage::Parse,
        Stage::Validation,
        Stage::Normalization,
        Stage::Variables,
        Stage::Authorization,
        Stage::Planning,
        Stage::Cost,
        Stage::Planned,
    ];

    /// How the smoke run's summary names it.
    pub fn describe(self) -> &'static str {
        match self {
            Stage::Body => "refused at body decoding",
            Stage::Parse => "refused at parsing",
            Stage::Validation => "refused at validation",
            Stage::Normalization => "refused at normalization",
            Stage::Variables => "refused at variable coercion",
            Stage::Authorization => "refused at authorization",
            Stage::Planning => "refused at query planning",
            Stage::Cost => "refused at cost estimation",
            Stage::Planned => "planned (would fetch from subgraphs)",
        }
    }
}

struct Job {
    request: Arc<Request>,
    reply: mpsc::Sender<Result<Stage, Failure>>,
}

/// The worker thread running Hive's stages.
pub struct Pipeline {
    jobs: async_mpsc::UnboundedSender<Job>,
}

impl Pipeline {
    /// Starts the worker with `config` and waits until the supergraph is loaded.
    pub fn start(config: HiveRouterConfig) -> Self {
        let config: &'static HiveRouterConfig = config.into_static();
        let (jobs, mut queue) = async_mpsc::unbounded_channel::<Job>();
        let (ready_tx, ready_rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("fuzz-pipeline".into())
            .stack_size(chaos_router::server::STACK_SIZE)
            .spawn(move || {
                let runner = ntex::rt::System::build()
                    .name("chaos-fuzz-pipeline")
                    .stack_size(chaos_router::server::STACK_SIZE)
                    .build(ntex::rt::DefaultRuntime);
                runner.block_on(async move {
                    let router = match RouterState::start(config).await {
                        Ok(router) => router,
                        Err(err) => {
                            let _ = ready_tx.send(Err(err));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    while let Some(job) = queue.recv().await {
                        let result = AssertUnwindSafe(router.run(&job.request))
                            .catch_unwind()
                            .await
                            .unwrap_or_else(|payload| {
                                Err(Failure(format!(
                                    "panic: {}",
                                    crate::panics::message(&*payload)
                                )))
                            });
                        let _ = job.reply.send(result);
                    }
                });
            })
            .expect("spawns the pipeline thread");
        ready_rx
            .recv()
            .expect("the pipeline thread reports its start")
            .expect("Hive's router state builds from the committed config");
        Self { jobs }
    }

    /// Runs one request through the stages (and the subgraph side).
    pub fn run(&self, request: Arc<Request>) -> Result<Stage, Failure> {
        let (reply, answer) = mpsc::channel();
        self.jobs
            .send(Job { request, reply })
            .map_err(|_| Failure("the pipeline thread is gone".into()))?;
        match answer.recv_timeout(INPUT_TIMEOUT) {
            Ok(result) => result,
            Err(mpsc::RecvTimeoutError::Timeout) => Err(Failure(format!(
                "hang: Hive's pipeline did not finish within {INPUT_TIMEOUT:?}"
            ))),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                Err(Failure("the pipeline thread died".into()))
            }
        }
    }
}

/// Hive's router state for our configuration, with the supergraph selected.
struct RouterState {
    shared: Arc<RouterSharedState>,
    schema: Arc<SchemaState>,
    // `SelectedSupergraph` is not nameable outside Hive; a request keeps its own.
    request: ntex::web::HttpRequest,
    // Owns the supergraph loader and the JWKS refresh; stops them when dropped.
    _background: BackgroundTasksManager,
}

impl RouterState {
    async fn start(config: &'static HiveRouterConfig) -> Result<Self, String> {
        let telemetry = TelemetryContext::from_propagation_config_with_meter(
            &config.telemetry.tracing.propagation,
            &config.log,
            None,
            false,
        );
        let mut background = BackgroundTasksManager::new();
        let (shared, schema) = configure_app_from_config(
            config,
            telemetry,
            &mut background,
            chaos_router::plugins::registry(),
        )
        .await
        .map_err(|err| format!("router initialisation failed: {err}"))?;
        let request = ntex::web::test::TestRequest::with_uri("/graphql").to_http_request();
        let deadline = std::time::Instant::now() + SUPERGRAPH_LOAD_TIMEOUT;
        // Hive loads the supergraph in the background; the selection is then kept in the
        // request's extensions.
        while !matches!(schema.select_supergraph(&request).await, Ok(Some(_))) {
            if std::time::Instant::now() > deadline {
                return Err(format!(
                    "supergraph not loaded after {SUPERGRAPH_LOAD_TIMEOUT:?}"
                ));
            }
            ntex::time::sleep(ntex::time::Millis(20)).await;
        }
        Ok(Self {
            shared,
            schema,
            request,
            _background: background,
        })
    }

    async fn run(&self, request: &Request) -> Result<Stage, Failure> {
        crate::subgraph::decode_and_parse(&request.body);
        let Some(mut params) = request.params() else {
            return Ok(Stage::Body);
        };
        let supergraph = self
            .schema
            .select_supergraph(&self.request)
            .await
            .ok()
            .flatten()
            .ok_or_else(|| Failure("the supergraph is no longer selected".into()))?;
        let (snapshot, runtime) = (&supergraph.snapshot, &supergraph.runtime);
        let config = self.shared.router_config;

        let parsed = match parse_operation_with_cache(&self.shared, &params, &None).await {
            Ok(ParseResult::Payload(parsed)) => parsed,
            Ok(ParseResult::EarlyResponse(_)) | Err(_) => return Ok(Stage::Parse),
        };
        let validation =
            validate_operation_with_cache(&supergraph, &self.schema, &self.shared, &parsed, &None)
                .await;
        if !matches!(validation, Ok(None)) {
            return Ok(Stage::Validation);
        }
        let Ok(normalized) =
            normalize_request_with_cache(snapshot, runtime, &self.schema, &params, &parsed).await
        else {
            return Ok(Stage::Normalization);
        };
        let Ok(variables) = coerce_request_variables(snapshot, &mut params.variables, &normalized)
        else {
            return Ok(Stage::Variables);
        };
        let (authorization, metadata) = (&runtime.authorization, &snapshot.metadata);
        if collect_required_policies(config, &normalized, authorization, metadata, &variables)
            .is_err()
        {
            return Ok(Stage::Authorization);
        }
        let no_policies = HashSet::new();
        // Anonymous first, as most requests come; whatever it decides, the admin view
        // goes on, so `@authenticated` and `@requiresScopes` fields are planned too.
        let _ = enforce_operation_authorization(
            config,
            &normalized,
            authorization,
            metadata,
            &variables,
            &JwtRequestDetails::Unauthenticated,
            &no_policies,
        );
        let admin = JwtRequestDetails::Authenticated {
            token: String::new(),
            prefix: Some("Bearer".into()),
            claims: sonic_rs::json!({ "sub": "fuzz", "iss": "chaos-users", "aud": "chaos" }),
            scopes: Some(vec!["admin".into()]),
        };
        let Ok((normalized, _)) = enforce_operation_authorization(
            config,
            &normalized,
            authorization,
            metadata,
            &variables,
            &admin,
            &no_policies,
        ) else {
            return Ok(Stage::Authorization);
        };

        let no_overrides = RequestOverrideContext {
            active_flags: HashSet::new(),
            percentage_value: 0,
        };
        let cancellation = CancellationToken::with_timeout(config.query_planner.timeout);
        let planned = match plan_operation_with_cache(
            &supergraph,
            &self.schema,
            &normalized,
            &no_overrides,
            &cancellation,
            &None,
        )
        .await
        {
            Ok(QueryPlanResult::QueryPlan(planned)) => planned,
            Ok(QueryPlanResult::EarlyResponse(_)) | Err(_) => return Ok(Stage::Planning),
        };
        if let (Some(demand_control), Some(compiled)) = (
            runtime.demand_control_runtime.as_ref(),
            planned.demand_control.as_ref(),
        ) {
            let identity = (&normalized.operation_identity).into();
            if demand_control
                .evaluate(snapshot, &variables, compiled, identity)
                .is_err()
            {
                return Ok(Stage::Cost);
            }
        }
        Ok(Stage::Planned)
    }
}
