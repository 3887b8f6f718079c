//! Tables of the anticheat service: flags (anomalies and verdicts), player reports,
//! sanctions, and the detection state its event consumers keep.

pub mod cast_state;
pub mod flag;
pub mod report;
pub mod sanction;
pub mod window;
