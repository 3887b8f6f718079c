//! sea-orm entities of every Chaos service, one module per service. A service reads and
//! writes only its own module's tables; it learns about other services' data through
//! GraphQL entities or events.

pub mod anticheat;
pub mod chaos;
pub mod chat;
pub mod guild;
pub mod inventory;
pub mod live_events;
pub mod matchmaking;
pub mod notifications;
pub mod payment;
pub mod users;
pub mod world;
