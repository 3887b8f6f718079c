//! End-to-end tests: the whole supergraph (router + subgraphs) on port 0, driven through
//! the router like a client. Set `CHAOS_TEST_POSTGRES_URL` to run them on PostgreSQL.

mod actors;
mod analytics;
mod anticheat;
mod auth;
mod chat;
mod combat;
mod content;
mod guild;
mod helpers;
mod inventory;
mod live_events;
mod matchmaking;
mod payment;
mod schema;
