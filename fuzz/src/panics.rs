//! Panics on any thread of the process, recorded: a panic in the router's thread or in a
//! task Hive spawned never reaches the caller's `catch_unwind`, and may even be swallowed
//! by the runtime that ran it. The hook keeps the previous one (the default one prints the
//! message; libFuzzer's aborts, so libFuzzer reports the input).

use std::sync::{Mutex, Once};

static RECORDED: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Installs the recording hook (once per process).
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let thread = std::thread::current();
            let record = format!("thread '{}': {info}", thread.name().unwrap_or("unnamed"));
            RECORDED
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .push(record);
            previous(info);
        }));
    });
}

/// The panics recorded since the last call, if any, joined; clears them.
pub fn take() -> Option<String> {
    let mut recorded = RECORDED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if recorded.is_empty() {
        return None;
    }
    let joined = recorded.join("\n");
    recorded.clear();
    Some(joined)
}

/// A panic payload's message.
pub fn message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|message| message.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(not a string)".into())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_panic_on_any_thread_is_recorded_once() {
        super::install();
        let crashed = std::thread::Builder::new()
            .name("doomed".into())
            .spawn(|| panic!("boom"))
            .expect("spawns")
            .join();
        assert!(crashed.is_err());
        let recorded = super::take().expect("recorded");
        assert!(
            recorded.contains("thread 'doomed'") && recorded.contains("boom"),
            "{recorded}"
        );
        assert!(super::take().is_none(), "taken once");
    }
}
