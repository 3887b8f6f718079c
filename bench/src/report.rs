//! The results file each benchmark writes for `bench/plot.py`: one JSON object with the
//! conditions of the run (when, on how many cores, whether a compiler was running) and
//! the rows of its table; then the PNG plot next to it, drawn by `bench/plot.py`.

use std::path::Path;

use serde_json::{json, Value};

use crate::procfs;

/// The conditions of a run, read at its start.
pub fn conditions() -> Value {
    json!({
        "unix_time": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |at| at.as_secs()),
        "cores": procfs::cores(),
        "load_average_1m": procfs::load_average(),
        "compiler_running": procfs::compiler_running(),
    })
}

/// Writes `{ "bench": name, "conditions": …, "conditions_at_end": …, …extra }` to `path`
/// (creating its folder), and says where.
pub fn write(path: &Path, name: &str, conditions: Value, extra: Value) -> anyhow::Result<()> {
    let mut document = json!({
        "bench": name,
        "conditions": conditions,
        "conditions_at_end": self::conditions(),
    });
    if let (Some(target), Value::Object(fields)) = (document.as_object_mut(), extra) {
        target.extend(fields);
    }
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)?;
    }
    std::fs::write(path, serde_json::to_string_pretty(&document)? + "\n")?;
    println!("\nresults: {}", path.display());
    plot(path);
    Ok(())
}

/// The Python with matplotlib that draws the plots: `CHAOS_BENCH_PYTHON`, else the venv
/// `bench/plot.py` describes, else `python3`.
fn python() -> std::path::PathBuf {
    if let Some(python) = std::env::var_os("CHAOS_BENCH_PYTHON") {
        return python.into();
    }
    std::env::var_os("HOME")
        .map(|home| Path::new(&home).join(".cache/chaos-bench-venv/bin/python"))
        .filter(|venv| venv.exists())
        .unwrap_or_else(|| "python3".into())
}

/// Draws the PNG next to the results file with `bench/plot.py`. A missing matplotlib
/// costs only the picture: the table is printed and the results are kept either way.
fn plot(results: &Path) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("plot.py");
    let python = python();
    match std::process::Command::new(&python)
        .arg(&script)
        .arg(results)
        .status()
    {
        Ok(status) if status.success() => {}
        outcome => println!(
            "no plot ({outcome:?} from {}); install matplotlib as {} says, then: {} {} {}",
            python.display(),
            script.display(),
            python.display(),
            script.display(),
            results.display()
        ),
    }
}

/// `true` → "yes", for the printed conditions.
pub fn describe(conditions: &Value) -> String {
    format!(
        "{} cores, load average {:.2}, compiler running: {}",
        conditions["cores"],
        conditions["load_average_1m"].as_f64().unwrap_or(0.0),
        if conditions["compiler_running"] == true {
            "yes"
        } else {
            "no"
        }
    )
}
