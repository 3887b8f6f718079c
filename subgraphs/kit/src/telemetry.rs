//! Telemetry setup: one global subscriber per process. Log lines are filtered by
//! `RUST_LOG`; when trace export is configured ([`TraceExport`]), one OpenTelemetry
//! layer turns our spans ([`crate::trace`]) and Hive Router's into OTLP traces, so a
//! player action is one trace from the router through every subgraph and event it
//! causes.

use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Output format of log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines (development).
    Pretty,
    /// One JSON object per line (production).
    Json,
}

/// What is logged when `RUST_LOG` is not set.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm_migration=warn,ntex=warn,ntex_rt=warn,ntex_server=warn,ntex_service=warn";

/// Target of Hive Router's spans (`http.server`, `graphql.operation`, `http.client`, …).
pub const HIVE_SPAN_TARGET: &str = "hive-router";

/// OTLP transport for trace export.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OtlpProtocol {
    /// OTLP/HTTP with protobuf bodies (collectors listen on 4318, path `/v1/traces`).
    #[default]
    Http,
    /// OTLP/gRPC (collectors listen on 4317).
    Grpc,
}

/// Where traces go. Export is on when [`TraceExport::endpoint`] is set or when the
/// standard `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
/// variables are (then `OTEL_EXPORTER_OTLP_PROTOCOL`, `OTEL_EXPORTER_OTLP_HEADERS` and
/// the other standard variables apply too).
#[derive(Debug, Clone, PartialEq)]
pub struct TraceExport {
    /// Collector URL, used as given: for HTTP include the path
    /// (`http://collector:4318/v1/traces`), for gRPC not (`http://collector:4317`).
    pub endpoint: Option<String>,
    /// Transport for [`TraceExport::endpoint`].
    pub protocol: OtlpProtocol,
    /// Fraction of new traces kept (0.0–1.0); a trace started upstream keeps its
    /// caller's decision (the `traceparent` sampled flag).
    pub sampling: f64,
}

impl Default for TraceExport {
    fn default() -> Self {
        Self {
            endpoint: None,
            protocol: OtlpProtocol::Http,
            sampling: 1.0,
        }
    }
}

/// Whether trace export is configured (here or in the standard `OTEL_` variables).
fn export_configured(export: &TraceExport) -> bool {
    export.endpoint.is_some()
        || [
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        ]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|value| !value.is_empty()))
}

/// Why trace export could not be set up.
pub type ExportError = opentelemetry_otlp::ExporterBuildError;

/// A tracer provider that batches spans to the OTLP collector of `export`, or `None`
/// when no collector is configured. `service` names the process in the traces
/// (`service.name`, unless `OTEL_SERVICE_NAME` is set). Call it inside a Tokio runtime
/// (the gRPC client needs one); the batches are sent from a thread of their own.
pub fn otlp_provider(
    export: &TraceExport,
    service: &str,
) -> Result<Option<SdkTracerProvider>, ExportError> {
    use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig};
    if !export_configured(export) {
        return Ok(None);
    }
    let exporter = match (export.endpoint.as_deref(), export.protocol) {
        (Some(url), OtlpProtocol::Grpc) => SpanExporter::builder()
            .with_tonic()
            .with_endpoint(url)
            .build()?,
        (Some(url), OtlpProtocol::Http) => SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(url)
            .build()?,
        // Everything from the standard variables (HTTP/protobuf unless they say grpc).
        (None, _) => SpanExporter::builder().with_http().build()?,
    };
    // The batch worker runs on a runtime of its own: the HTTP and gRPC clients need a
    // reactor, and a stalled collector must not slow request handling.
    let batch =
        opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor::builder(
            exporter,
            opentelemetry_sdk::runtime::TokioCurrentThread,
        )
        .build();
    let mut resource = opentelemetry_sdk::Resource::builder();
    if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
        resource = resource.with_service_name(service.to_string());
    }
    Ok(Some(traced_provider(
        SdkTracerProvider::builder()
            .with_resource(resource.build())
            .with_span_processor(batch),
        export.sampling,
    )))
}

/// Samples new traces at `ratio`, following the caller's decision for continued ones.
pub(crate) fn traced_provider(
    builder: opentelemetry_sdk::trace::TracerProviderBuilder,
    ratio: f64,
) -> SdkTracerProvider {
    builder
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
            ratio.clamp(0.0, 1.0),
        ))))
        .build()
}

static TRACES_ON: AtomicBool = AtomicBool::new(false);

/// Whether this process exports traces (an OpenTelemetry layer is installed).
pub fn traces_enabled() -> bool {
    TRACES_ON.load(Ordering::Relaxed)
}

/// Installs the global subscriber: log lines filtered by `RUST_LOG`, else
/// `default_filter`. Later calls (tests starting many services) are no-ops.
pub fn init(format: LogFormat, default_filter: &str) {
    init_with(format, default_filter, None);
}

/// [`init`], plus an OpenTelemetry layer exporting through `traces` when given: it
/// keeps our spans ([`crate::trace::SPAN_TARGET`]) and Hive Router's, whatever
/// `RUST_LOG` says. Returns false when a subscriber was already installed (then
/// nothing changed).
pub fn init_with(
    format: LogFormat,
    default_filter: &str,
    traces: Option<&SdkTracerProvider>,
) -> bool {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let logs = match format {
        LogFormat::Pretty => tracing_subscriber::fmt::layer().boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer().json().boxed(),
    }
    .with_filter(filter);
    let otel = traces.map(|provider| {
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("chaos"))
            .with_tracked_inactivity(false)
            .with_threads(false)
            .with_filter(filter_fn(|meta| {
                meta.is_span()
                    && *meta.level() <= tracing::Level::INFO
                    && (meta.target() == crate::trace::SPAN_TARGET
                        || meta.target() == HIVE_SPAN_TARGET)
            }))
    });
    let installed = tracing_subscriber::registry()
        .with(logs)
        .with(otel)
        .try_init()
        .is_ok();
    if installed && traces.is_some() {
        TRACES_ON.store(true, Ordering::Relaxed);
    }
    installed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_exported_unless_configured() {
        // The test environment sets no OTEL_ variables.
        if std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT").is_none()
            && std::env::var_os("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").is_none()
        {
            assert!(!export_configured(&TraceExport::default()));
        }
        assert!(export_configured(&TraceExport {
            endpoint: Some("http://127.0.0.1:4318/v1/traces".into()),
            ..TraceExport::default()
        }));
    }

    #[tokio::test]
    async fn a_configured_collector_gives_a_provider() {
        for protocol in [OtlpProtocol::Http, OtlpProtocol::Grpc] {
            let export = TraceExport {
                endpoint: Some("http://127.0.0.1:4318/v1/traces".into()),
                protocol,
                sampling: 0.5,
            };
            let provider = otlp_provider(&export, "chaos-test")
                .expect("builds")
                .expect("export is configured");
            provider.shutdown().ok();
        }
    }
}
