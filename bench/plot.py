#!/usr/bin/env python3
"""Turns the JSON results of the Chaos benchmarks into PNG plots for docs/benchmarks/.

    python3 -m venv ~/.cache/chaos-bench-venv
    ~/.cache/chaos-bench-venv/bin/pip install matplotlib==3.9.2
    ~/.cache/chaos-bench-venv/bin/python bench/plot.py docs/benchmarks/router-throughput.json
    ~/.cache/chaos-bench-venv/bin/python bench/plot.py docs/benchmarks/actions-throughput.json
    ~/.cache/chaos-bench-venv/bin/python bench/plot.py docs/benchmarks/fanout-chat-*.json \
        -o docs/benchmarks/subscription-fanout-chat.png

Each results file names its benchmark (`"bench"`); several subscription-fanout files
(one per subscriber count) make one plot. Without -o the PNG goes next to the (first)
JSON file, with the same name.
"""

import argparse
import json
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

COLORS = {
    "router": "#1f77b4",
    "gateway": "#ff7f0e",
    "direct": "#2ca02c",
}


def when(document):
    """'2026-11-26 (one run, compiler running)' from the run's conditions."""
    import datetime

    conditions = document.get("conditions", {})
    at = datetime.datetime.fromtimestamp(conditions.get("unix_time", 0), datetime.timezone.utc)
    busy = conditions.get("compiler_running") or document.get("conditions_at_end", {}).get(
        "compiler_running"
    )
    note = ", a compiler was running" if busy else ""
    return f"{at:%Y-%m-%d}, {conditions.get('cores', '?')} cores{note}, one run"


def router_throughput(document, out):
    passes = document["passes"]
    concurrencies = sorted({p["concurrency"] for p in passes})
    targets = []
    for p in passes:
        if p["target"] not in targets:
            targets.append(p["target"])
    server_names = {"router": "router", "gateway": "Hive Gateway", "direct": "chaos subgraph\ndirect"}
    short = {}
    for t in targets:
        p = next(p for p in passes if p["target"] == t)
        short[t] = f"{server_names[p['server']]}\n{p['query']} query"

    def color(target):
        server = next(p["server"] for p in passes if p["target"] == target)
        shade = 1.0 if "player" in target or server == "direct" else 0.55
        return matplotlib.colors.to_rgba(COLORS[server], shade)

    fig, axes = plt.subplots(1, 3, figsize=(18, 6.2))
    width = 0.8 / len(targets)

    ax = axes[0]
    for i, target in enumerate(targets):
        values = [
            next((p["rps"] for p in passes if p["target"] == target and p["concurrency"] == c), 0)
            for c in concurrencies
        ]
        xs = [x + i * width for x in range(len(concurrencies))]
        bars = ax.bar(xs, values, width, label=target, color=color(target))
        ax.bar_label(bars, fmt="%.0f", fontsize=7, rotation=90, padding=2)
    ax.set_xticks([x + width * (len(targets) - 1) / 2 for x in range(len(concurrencies))])
    ax.set_xticklabels([f"{c} client{'s' if c > 1 else ''}" for c in concurrencies])
    ax.set_ylabel("requests per second")
    ax.set_title("Throughput (closed loop)")
    ax.legend(fontsize=7, loc="upper left")
    ax.margins(y=0.15)

    top = max(concurrencies)
    at_top = [next(p for p in passes if p["target"] == t and p["concurrency"] == top) for t in targets]
    ax = axes[1]
    xs = range(len(targets))
    for j, (key, label, hatch) in enumerate([("p50_ms", "p50", ""), ("p95_ms", "p95", "//"), ("p99_ms", "p99", "xx")]):
        values = [p["latency"][key] for p in at_top]
        bars = ax.bar([x + (j - 1) * 0.27 for x in xs], values, 0.27, label=label, hatch=hatch,
                      color=[color(t) for t in targets], edgecolor="white")
        ax.bar_label(bars, fmt="%.1f", fontsize=6, rotation=90, padding=2)
    ax.set_xticks(list(xs))
    ax.set_xticklabels([short[t] for t in targets], fontsize=7)
    ax.set_ylabel("milliseconds")
    ax.set_title(f"Latency p50 / p95 (//) / p99 (xx) at {top} clients")
    ax.legend(fontsize=8)
    ax.margins(y=0.12)

    ax = axes[2]
    serving = [p["cpu_ms_per_request"]["serving"] for p in at_top]
    subgraphs = [
        0 if p["server"] == "direct" else p["cpu_ms_per_request"]["subgraphs"] for p in at_top
    ]
    ax.bar(xs, serving, 0.6, label="router / gateway process (or the subgraph, direct)",
           color=[color(t) for t in targets])
    ax.bar(xs, subgraphs, 0.6, bottom=serving, label="subgraph process", color="#bbbbbb")
    for x, s, g in zip(xs, serving, subgraphs):
        ax.text(x, s + g, f"{s:.2f} + {g:.2f}" if g else f"{s:.2f}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(list(xs))
    ax.set_xticklabels([short[t] for t in targets], fontsize=7)
    ax.set_ylabel("CPU milliseconds per request")
    ax.set_title(f"CPU per request at {top} clients")
    ax.legend(fontsize=7, loc="upper left")
    ax.margins(y=0.15)

    peaks = document.get("peak_rss_mib", {})
    fig.suptitle(
        "Router vs Hive Gateway vs direct subgraph: " + when(document)
        + f"\npeak RSS: router {peaks.get('router', 0):.0f} MiB, Hive Gateway {peaks.get('gateway', 0):.0f} MiB",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def actions_throughput(document, out):
    passes = document["passes"]
    operations = []
    for p in passes:
        if p["operation"] not in operations:
            operations.append(p["operation"])
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.2))
    ax = axes[0]
    for op in operations:
        rows = sorted((p for p in passes if p["operation"] == op), key=lambda p: p["concurrency"])
        xs = [p["concurrency"] for p in rows]
        ys = [p["ops_per_s"] for p in rows]
        ax.plot(xs, ys, marker="o", label=op)
        for x, y in zip(xs, ys):
            ax.annotate(f"{y:.0f}", (x, y), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    concurrencies = sorted({p["concurrency"] for p in passes})
    ax.set_xscale("log", base=2)
    ax.set_xticks(concurrencies)
    ax.set_xticklabels([str(c) for c in concurrencies])
    ax.margins(y=0.15)
    ax.set_xlabel("concurrent clients")
    ax.set_ylabel("operations per second")
    ax.set_title("Throughput through the router (PostgreSQL)")
    ax.legend()
    ax.set_ylim(bottom=0)

    ax = axes[1]
    for op, color in zip(operations, ["#1f77b4", "#ff7f0e"]):
        rows = sorted((p for p in passes if p["operation"] == op), key=lambda p: p["concurrency"])
        xs = [p["concurrency"] for p in rows]
        for key, label, style in [("p50_ms", "p50", "-"), ("p95_ms", "p95", "--"), ("p99_ms", "p99", ":")]:
            ys = [p["latency"][key] for p in rows]
            ax.plot(xs, ys, style, marker="o", color=color, label=f"{op} {label}")
            if key != "p95_ms":
                for x, y in zip(xs, ys):
                    ax.annotate(f"{y:.0f}", (x, y), textcoords="offset points", xytext=(4, 2), fontsize=7, color=color)
    ax.set_xscale("log", base=2)
    ax.set_xticks(concurrencies)
    ax.set_xticklabels([str(c) for c in concurrencies])
    ax.set_xlabel("concurrent clients")
    ax.set_ylabel("milliseconds")
    ax.set_title("Latency percentiles")
    ax.legend(fontsize=8)
    ax.set_ylim(bottom=0)
    fig.suptitle("castSkill and useItem on PostgreSQL: " + when(document), fontsize=11)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def subscription_fanout(documents, out):
    documents = sorted(documents, key=lambda d: d["config"]["subscribers"])
    targets = []
    for d in documents:
        for phase in d["phases"]:
            if phase["target"] not in targets:
                targets.append(phase["target"])
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.2))
    for ax, key, title in [(axes[0], "p50_ms", "p50"), (axes[1], "p99_ms", "p99")]:
        for target in targets:
            xs, ys = [], []
            for d in documents:
                phase = next((p for p in d["phases"] if p["target"] == target), None)
                if phase:
                    xs.append(d["config"]["subscribers"])
                    ys.append(phase[key])
            ax.plot(xs, ys, marker="o", label=target)
            for x, y in zip(xs, ys):
                ax.annotate(f"{y:.0f}", (x, y), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks([d["config"]["subscribers"] for d in documents])
        ax.set_xticklabels([f"{d['config']['subscribers']:,}" for d in documents])
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda y, _: f"{y:g}"))
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel("subscribers")
        ax.set_ylabel("publish-to-receive latency, ms (log)")
        ax.set_title(f"{title} latency")
        ax.legend(fontsize=8)
    scenario = documents[0]["config"]["scenario"]
    messages = ", ".join(sorted({str(d["config"]["messages"]) for d in documents}))
    fig.suptitle(
        f"Subscription fan-out ({scenario}), {messages} messages per run: " + when(documents[0]),
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", type=pathlib.Path)
    parser.add_argument("-o", "--out", type=pathlib.Path)
    args = parser.parse_args()
    documents = [json.loads(path.read_text()) for path in args.results]
    kinds = {d["bench"] for d in documents}
    if len(kinds) != 1:
        sys.exit(f"one benchmark per plot, got {sorted(kinds)}")
    kind = kinds.pop()
    out = args.out or args.results[0].with_suffix(".png")
    if kind == "router-throughput":
        router_throughput(documents[0], out)
    elif kind == "actions-throughput":
        actions_throughput(documents[0], out)
    elif kind == "subscription-fanout":
        subscription_fanout(documents, out)
    else:
        sys.exit(f"unknown benchmark {kind}")
    print(out)


if __name__ == "__main__":
    main()
