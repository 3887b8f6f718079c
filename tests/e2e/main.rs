//! End-to-end tests: the whole supergraph (router + subgraphs) on port 0, driven through
//! the router like a client. Set `CHAOS_TEST_POSTGRES_URL` to run them on PostgreSQL.
//!
//! Each test runs the whole supergraph in its own multi-threaded runtime, as the binary
//! does: on a single thread, one blocking call in any service (a client library waiting
//! on a broker) would stall every service of the test at once.

mod actors;
mod analytics;
mod anticheat;
mod auth;
mod chat;
mod combat;
mod content;
mod graphiql;
mod guild;
mod helpers;
mod inventory;
mod live_events;
mod matchmaking;
mod operations;
mod payment;
mod persisted_documents;
mod rate_limits;
mod schema;
mod security;
mod traces;
